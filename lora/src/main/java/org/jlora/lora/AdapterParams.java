package org.jlora.lora;

import org.jlora.autograd.Parameter;
import org.jlora.autograd.nn.Module;

/**
 * One parameter per adapter name, as a child module of a LoRA layer: the layer holds two of these,
 * {@code lora_A} and {@code lora_B}, so adapter "default"'s matrices are named
 * {@code <layer>.lora_A.default} and {@code <layer>.lora_B.default} (PEFT's in-memory layout).
 */
public final class AdapterParams extends Module {
  void put(String adapter, Parameter p) {
    registerParameter(adapter, p);
  }

  void remove(String adapter) {
    removeParameter(adapter);
  }

  @Override
  public String toString() {
    return "AdapterParams" + namedParameters().keySet();
  }
}
