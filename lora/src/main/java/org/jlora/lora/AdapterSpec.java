package org.jlora.lora;

import org.jlora.engine.Rng;

/**
 * What a layer needs to create one adapter: name, rank, alpha, dropout and initialisation, with
 * the scaling already resolved ({@code alpha / r}, or {@code alpha / sqrt(r)} with rsLoRA).
 */
public record AdapterSpec(String name, int r, float alpha, float scaling, float dropout,
                          InitLoraWeights init, Rng rng, boolean dora, int pissaNiter, boolean loraBias) {
  /** A plain (non-DoRA) spec. */
  public AdapterSpec(String name, int r, float alpha, float scaling, float dropout, InitLoraWeights init, Rng rng) {
    this(name, r, alpha, scaling, dropout, init, rng, false, 0, false);
  }

  public AdapterSpec {
    if (name == null || name.isEmpty() || name.contains(".")) {
      throw new IllegalArgumentException("adapter name must be non-empty and contain no '.', got '" + name + "'");
    }
    if (r <= 0) throw new IllegalArgumentException("adapter '" + name + "': r must be > 0, got " + r);
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("adapter '" + name + "': dropout must be in [0, 1), got " + dropout);
    }
  }

  /** loralib's plain spec: scaling alpha / r, default init, no dropout. */
  public static AdapterSpec of(String name, int r, float alpha, long seed) {
    return new AdapterSpec(name, r, alpha, alpha / r, 0f, InitLoraWeights.DEFAULT, new Rng(seed));
  }

  /** The spec a config gives for the module called {@code moduleName}. */
  public static AdapterSpec fromConfig(String name, LoraConfig cfg, String moduleName, Rng rng) {
    return new AdapterSpec(name, cfg.rankFor(moduleName), cfg.alphaFor(moduleName),
        cfg.scalingFor(moduleName), cfg.loraDropout(), cfg.initLoraWeights(), rng, cfg.useDora(), cfg.pissaNiter(), cfg.loraBias());
  }

  /** Refuses an initialisation that decomposes W (PiSSA, OLoRA, orthogonal) on a layer type that lacks it. */
  void requireSimpleInit(String layerType) {
    if (init == InitLoraWeights.PISSA || init == InitLoraWeights.OLORA || init == InitLoraWeights.ORTHOGONAL) {
      throw new IllegalArgumentException("adapter '" + name + "': init_lora_weights '" + init.peftName() + "' on a "
          + layerType + "; jlora implements it for Linear layers only");
    }
  }

  /** Refuses DoRA on a layer type that does not implement it (PEFT has DoRA for more types than jlora). */
  void requireNotDora(String layerType) {
    if (dora) {
      throw new IllegalArgumentException("adapter '" + name + "': use_dora on a " + layerType
          + "; jlora implements DoRA for Linear layers only");
    }
  }
}
