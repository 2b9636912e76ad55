package org.jlora.lora;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.jlora.autograd.nn.Module;

/**
 * PEFT's {@code hotswap_adapter} ({@link PeftAdapters#hotswap}): new weights and alpha for an existing
 * adapter, copied into its Parameter objects, so that optimizers, compiled graphs and references stay
 * valid and nothing is re-injected. Everything is checked before anything changes: the same target
 * modules, ranks, DoRA and lora_bias settings, every tensor's shape, and no merged layer.
 */
final class Hotswap {
  private Hotswap() {}

  static void swap(LoraModel lm, Path dir, String adapter) throws IOException {
    LoraConfig old = lm.config(adapter);
    LoraConfig cfg = PeftAdapters.readConfig(dir);
    if (cfg.hasTrainableTokens() || old.hasTrainableTokens()) {
      throw new IllegalArgumentException("hotswap: adapters with trainable_token_indices cannot be hotswapped in jlora "
          + "(load the adapter instead)");
    }
    if (cfg.useDora() != old.useDora() || cfg.loraBias() != old.loraBias()) {
      throw new IllegalArgumentException("hotswap: use_dora / lora_bias are " + cfg.useDora() + " / " + cfg.loraBias()
          + " in " + dir + " but " + old.useDora() + " / " + old.loraBias() + " for adapter '" + adapter + "'");
    }
    Map<String, LoraLayer> layers = lm.loraLayers();
    for (Map.Entry<String, Module> e : lm.model().namedModules().entrySet()) {
      String path = e.getKey();
      if (path.isEmpty() || e.getValue() instanceof AdapterParams || !cfg.matchesTarget(path)) continue;
      LoraLayer layer = layers.get(path);
      if (layer == null || !layer.adapterNames().contains(adapter)) {
        throw new IllegalArgumentException("hotswap: " + dir + " adapts '" + path + "', which adapter '" + adapter
            + "' does not; hotswapping needs the same target modules");
      }
      if (layer.isMerged()) throw new IllegalStateException("hotswap: layer '" + path + "' is merged; unmerge() first");
      if (layer.adapter(adapter).r() != cfg.rankFor(path)) {
        throw new IllegalArgumentException("hotswap: '" + path + "' has rank " + layer.adapter(adapter).r() + " but "
            + dir + " gives " + cfg.rankFor(path));
      }
    }
    layers.forEach((path, layer) -> {
      if (layer.adapterNames().contains(adapter) && !cfg.matchesTarget(path)) {
        throw new IllegalArgumentException("hotswap: adapter '" + adapter + "' adapts '" + path + "', which " + dir
            + " does not; hotswapping needs the same target modules");
      }
    });
    PeftAdapters.loadInto(lm, dir, adapter, true);   // checks every tensor, then copies in place
    layers.forEach((path, layer) -> {
      if (!layer.adapterNames().contains(adapter)) return;
      LoraAdapter ad = layer.adapter(adapter);
      layer.lora().rescale(ad.withScaling(cfg.alphaFor(path), cfg.scalingFor(path)));
    });
    lm.replaceConfig(adapter, cfg);
  }
}
