package org.jlora.lora;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Tensor;

/**
 * loralib's module-level utilities, driven by types rather than by substrings of parameter
 * names: a parameter is LoRA's when a {@link LoraLayer} owns it as an adapter's A or B, and a
 * bias when a module registered it under the local name {@code bias}.
 */
public final class Lora {
  private Lora() {}

  /**
   * Freezes every parameter except the LoRA matrices (and, per {@code bias}, biases), as
   * loralib's {@code mark_only_lora_as_trainable}.
   */
  public static void markOnlyLoraAsTrainable(Module model, Bias bias) {
    for (Parameter p : model.parameters()) p.setRequiresGrad(false);
    for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
      Module m = e.getValue();
      if (m instanceof LoraLayer layer) {
        for (LoraAdapter ad : layer.lora().adapters().values()) {
          ad.parameters().forEach(p -> p.setRequiresGrad(true));
        }
        if (bias == Bias.LORA_ONLY && layer.baseBias() != null) layer.baseBias().setRequiresGrad(true);
      }
    }
    if (bias == Bias.ALL) ownBiases(model).values().forEach(p -> p.setRequiresGrad(true));
  }

  /** Marks the biases {@code bias} names trainable, leaving every other parameter as it is. */
  static void markBiasesTrainable(Module model, Bias bias) {
    for (Module m : model.namedModules().values()) {
      if (bias == Bias.LORA_ONLY && m instanceof LoraLayer layer && layer.baseBias() != null) {
        layer.baseBias().setRequiresGrad(true);
      }
    }
    if (bias == Bias.ALL) ownBiases(model).values().forEach(p -> p.setRequiresGrad(true));
  }

  /**
   * The LoRA matrices (and, per {@code bias}, biases) by full parameter name, as loralib's
   * {@code lora_state_dict}. Values are the live tensors (not copies).
   */
  public static Map<String, Tensor> loraStateDict(Module model, Bias bias) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
      if (e.getValue() instanceof LoraLayer layer) {
        String prefix = e.getKey().isEmpty() ? "" : e.getKey() + ".";
        for (LoraAdapter ad : layer.lora().adapters().values()) {
          out.put(prefix + LoraState.aName(ad.name()), ad.a().value());
          out.put(prefix + LoraState.bName(ad.name()), ad.b().value());
          if (ad.isDora()) out.put(prefix + LoraLinear.DORA_MAGNITUDE + "." + ad.name(), ad.magnitude().value());
          if (ad.bBias() != null) out.put(prefix + "lora_B_bias." + ad.name(), ad.bBias().value());
        }
        if (bias == Bias.LORA_ONLY && layer.baseBias() != null) out.put(prefix + "bias", layer.baseBias().value());
      }
    }
    if (bias == Bias.ALL) ownBiases(model).forEach((name, p) -> out.put(name, p.value()));
    return out;
  }

  /** Every parameter a module registered as its own {@code bias}, by full name. */
  static Map<String, Parameter> ownBiases(Module model) {
    Map<String, Module> modules = model.namedModules();
    Map<String, Parameter> out = new LinkedHashMap<>();
    model.namedParameters().forEach((name, p) -> {
      int dot = name.lastIndexOf('.');
      String owner = dot < 0 ? "" : name.substring(0, dot);
      String local = name.substring(dot + 1);
      if (local.equals("bias") && modules.containsKey(owner) && !(modules.get(owner) instanceof AdapterParams)) {
        out.put(name, p);
      }
    });
    return out;
  }

  /** Parameters that require a gradient, counted. */
  public static long trainableParameterCount(Module model) {
    long n = 0;
    for (Parameter p : model.parameters()) if (p.requiresGrad()) n += p.value().size();
    return n;
  }
}
