package org.jlora.lora;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.nn.LayerNorm;
import org.jlora.autograd.nn.Module;
import org.jlora.autograd.nn.RMSNorm;
import org.jlora.autograd.optim.ParamGroup;

/**
 * LoRA+ (Hayou et al. 2024; PEFT's {@code create_loraplus_optimizer}): B learns {@code ratio} times
 * faster than A, which the paper shows is the efficient choice when the width is large. The
 * trainable parameters are split as PEFT splits them:
 *
 * <pre>
 *   A's (and any other matrix that trains)         lr,          weight decay
 *   the parameters of LoRA embedding layers        embeddingLr, weight decay
 *   B's and other vectors (DoRA magnitudes, ...)   lr · ratio,  weight decay
 *   biases and norm weights among those            lr · ratio,  no weight decay
 * </pre>
 *
 * <pre>{@code
 * Optimizer opt = new AdamW(LoraPlus.paramGroups(lm, 2e-4f, 16f, 0f, 1e-6f), 0.9f, 0.999f, 1e-8f);
 * }</pre>
 */
public final class LoraPlus {
  private LoraPlus() {}

  /** The four groups (empty ones left out), over the parameters of {@code lm}'s model that require gradients. */
  public static List<ParamGroup> paramGroups(LoraModel lm, float lr, float ratio, float weightDecay, float embeddingLr) {
    if (!(ratio > 0)) throw new IllegalArgumentException("loraplus_lr_ratio must be > 0, got " + ratio);
    Map<String, Module> modules = lm.model().namedModules();
    List<Parameter> a = new ArrayList<>();
    List<Parameter> embedding = new ArrayList<>();
    List<Parameter> b = new ArrayList<>();
    List<Parameter> bNoDecay = new ArrayList<>();
    lm.model().namedParameters().forEach((name, p) -> {
      if (!p.requiresGrad()) return;
      String owner = ownerOf(name, modules);
      Module layer = modules.get(owner);
      if (layer instanceof LoraEmbedding) {
        embedding.add(p);
      } else if (name.contains("lora_B") || p.value().rank() == 1) {
        boolean noDecay = name.contains("bias") || layer instanceof LayerNorm || layer instanceof RMSNorm;
        (noDecay ? bNoDecay : b).add(p);
      } else {
        a.add(p);
      }
    });
    List<ParamGroup> groups = new ArrayList<>();
    if (!a.isEmpty()) groups.add(new ParamGroup(a, lr, weightDecay));
    if (!embedding.isEmpty()) groups.add(new ParamGroup(embedding, embeddingLr, weightDecay));
    if (!b.isEmpty()) groups.add(new ParamGroup(b, lr * ratio, weightDecay));
    if (!bNoDecay.isEmpty()) groups.add(new ParamGroup(bNoDecay, lr * ratio, 0f));
    return groups;
  }

  /**
   * The module that owns parameter {@code name}: an adapter's matrices ({@code <layer>.lora_A.<adapter>})
   * belong to the LoRA layer two levels up, other parameters to their direct parent.
   */
  private static String ownerOf(String name, Map<String, Module> modules) {
    String parent = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : "";
    if (modules.get(parent) instanceof AdapterParams) {
      return parent.contains(".") ? parent.substring(0, parent.lastIndexOf('.')) : "";
    }
    return parent;
  }
}
