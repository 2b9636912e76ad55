package org.jlora.lora;

import java.util.List;
import org.jlora.autograd.nn.Conv2d;
import org.jlora.autograd.nn.Embedding;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;

/**
 * The base layer types LoRA can adapt, each with the LoRA layer it becomes: the one list that
 * {@link LoraModel} consults, so a new layer type is one more entry here (its PEFT tensor names
 * live on the LoRA layer itself, {@link LoraLayer#exportPeft}).
 */
final class LayerKinds {
  private LayerKinds() {}

  /** One adaptable base type. */
  interface Kind {
    /** Whether {@code m} is of this kind. */
    boolean accepts(Module m);

    /** The name of the LoRA layer {@code cfg} makes of it (for dry runs). */
    String loraType(LoraConfig cfg);

    /** The LoRA layer over {@code m}'s parameters (shared, not copied), with no adapter yet. */
    LoraLayer wrap(Module m, LoraConfig cfg);
  }

  private static final Kind LINEAR = new Kind() {
    @Override public boolean accepts(Module m) { return m instanceof Linear; }

    @Override public String loraType(LoraConfig cfg) {
      return cfg.enableLora() != null ? "MergedLinear" + cfg.enableLora() : "LoraLinear";
    }

    @Override public LoraLayer wrap(Module m, LoraConfig cfg) {
      Linear lin = (Linear) m;
      if (cfg.enableLora() == null) return LoraLinear.wrap(lin, lin.fanInFanOut(), cfg.mergeWeights());
      boolean[] mask = new boolean[cfg.enableLora().size()];
      for (int i = 0; i < mask.length; i++) mask[i] = cfg.enableLora().get(i);
      return MergedLinear.wrap(lin, mask, lin.fanInFanOut(), cfg.mergeWeights());
    }
  };

  private static final Kind EMBEDDING = new Kind() {
    @Override public boolean accepts(Module m) { return m instanceof Embedding; }
    @Override public String loraType(LoraConfig cfg) { return "LoraEmbedding"; }
    @Override public LoraLayer wrap(Module m, LoraConfig cfg) { return LoraEmbedding.wrap((Embedding) m, cfg.mergeWeights()); }
  };

  private static final Kind CONV2D = new Kind() {
    @Override public boolean accepts(Module m) { return m instanceof Conv2d; }
    @Override public String loraType(LoraConfig cfg) { return "LoraConv2d"; }
    @Override public LoraLayer wrap(Module m, LoraConfig cfg) { return LoraConv2d.factorized((Conv2d) m, cfg.mergeWeights()); }
  };

  /** Every kind, in the order they are tried (a LoRA layer is also its base type: it is never re-wrapped). */
  static final List<Kind> ALL = List.of(LINEAR, EMBEDDING, CONV2D);

  /** Whether some kind adapts {@code m}. */
  static boolean adaptable(Module m) {
    return ALL.stream().anyMatch(k -> k.accepts(m));
  }

  /**
   * Refuses, before anything is replaced, a DoRA config or a decomposing initialisation on a module
   * that is not a plain Linear (PEFT also has them for embeddings and convolutions; jlora does not yet).
   */
  static void requireSupported(String name, Module m, LoraConfig cfg) {
    boolean dense = cfg.enableLora() == null
        && (m instanceof LoraLinear || (m instanceof Linear && !(m instanceof LoraLayer)));
    if (cfg.useDora() && !dense) {
      throw new IllegalArgumentException("use_dora: target '" + name + "' is a " + m.getClass().getSimpleName()
          + "; jlora implements DoRA for plain Linear layers only");
    }
    if (cfg.loraBias() && !dense) {
      throw new IllegalArgumentException("lora_bias: target '" + name + "' is a " + m.getClass().getSimpleName()
          + "; jlora implements lora_bias for plain Linear layers only");
    }
    InitLoraWeights init = cfg.initLoraWeights();
    boolean decomposition = init == InitLoraWeights.PISSA || init == InitLoraWeights.OLORA
        || init == InitLoraWeights.ORTHOGONAL;
    if (decomposition && !dense) {
      throw new IllegalArgumentException("init_lora_weights '" + init.peftName() + "': target '" + name + "' is a "
          + m.getClass().getSimpleName() + "; jlora implements it for plain Linear layers only");
    }
    if (init == InitLoraWeights.OLORA && ((Linear) m).fanInFanOut()) {
      // PEFT QR-factors the stored [in, out] weight there, whose factors do not fit B [out, r]
      throw new IllegalArgumentException("init_lora_weights 'olora': target '" + name + "' stores its weight [in, out]"
          + " (fan_in_fan_out), where PEFT's OLoRA is not defined");
    }
    if (init == InitLoraWeights.ORTHOGONAL && cfg.rankFor(name) % 2 != 0) {
      throw new IllegalArgumentException("init_lora_weights 'orthogonal': target '" + name + "' has odd rank "
          + cfg.rankFor(name) + " (it pairs the rows of an orthogonal matrix: r must be even)");
    }
  }

  /** The kind of {@code m}, or a clear error naming the module. */
  static Kind of(String name, Module m) {
    for (Kind k : ALL) if (k.accepts(m)) return k;
    throw new IllegalArgumentException("target '" + name + "' is a " + m.getClass().getSimpleName()
        + "; LoRA adapts Linear, Embedding and Conv2d modules");
  }
}
