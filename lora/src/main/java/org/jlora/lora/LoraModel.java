package org.jlora.lora;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Rng;

/**
 * A model with LoRA adapters injected, PEFT style: {@link #inject} replaces the targeted Linear,
 * Embedding and Conv2d children with LoRA layers that share the base weights, freezes everything
 * but the adapters, and manages several named adapters.
 *
 * <pre>{@code
 * LoraConfig cfg = LoraConfig.builder().r(8).loraAlpha(16).targetModules("c_attn").build();
 * System.out.println(LoraModel.dryRun(gpt, cfg));      // what would be adapted
 * LoraModel lm = LoraModel.inject(gpt, cfg);           // adapter "default", only A and B train
 * ... train ...
 * PeftAdapters.save(lm, "default", Path.of("out/adapter"));
 * Module merged = lm.mergeAndUnload();                 // plain layers, W = W0 + ΔW
 * }</pre>
 */
public final class LoraModel {
  private final Module model;
  private final Map<String, LoraConfig> configs = new LinkedHashMap<>();
  /** The adapters every layer applies (summed) and that train; empty after unloading. */
  private final List<String> active = new ArrayList<>();

  private LoraModel(Module model) {
    this.model = model;
  }

  /** One module a config targets: its dotted name, its current type, and what it becomes. */
  public record Match(String module, String type, String becomes, int r, float alpha) {
    @Override
    public String toString() {
      return module + " (" + type + ") -> " + becomes + " r=" + r + " alpha=" + alpha;
    }
  }

  /**
   * The modules {@code cfg} would adapt, without changing anything. Fails like {@link #inject} on
   * a target that matches nothing, listing the names it could have meant.
   */
  public static List<Match> dryRun(Module model, LoraConfig cfg) {
    cfg = expandAllLinear(model, cfg);
    List<Match> matches = new ArrayList<>();
    for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
      String name = e.getKey();
      // a LoRA layer's own lora_A / lora_B holders are not targets (a regex like ".*fc.*" reaches them)
      if (name.isEmpty() || e.getValue() instanceof AdapterParams || e.getValue() instanceof TrainableTokensEmbedding.Holder
          || !cfg.matchesTarget(name)) continue;
      if (e.getValue() instanceof TrainableTokensEmbedding t) {
        // a LoraEmbedding would read the plain table and drop the rows without a word
        throw new IllegalArgumentException("target '" + name + "' trains token rows (trainable_token_indices of "
            + t.adapterNames() + "); jlora adapts an embedding one way or the other, not both");
      }
      LayerKinds.requireSupported(name, e.getValue(), cfg);
      matches.add(new Match(name, e.getValue().getClass().getSimpleName(), loraTypeFor(name, e.getValue(), cfg),
          cfg.rankFor(name), cfg.alphaFor(name)));
    }
    if (matches.isEmpty()) throw noMatch(model, cfg);
    TrainableTokensTargets.resolve(model, cfg);   // its errors too, before anything changes
    if (cfg.targetModules() != null) {
      // every listed target must adapt something: a typo among correct names would otherwise go unnoticed
      for (String target : cfg.targetModules()) {
        if (matches.stream().noneMatch(m -> ModuleMatcher.suffixMatches(m.module(), target))) {
          throw new IllegalArgumentException("target_modules entry '" + target + "' matched no module (the others did)."
              + " Adaptable modules (closest first): " + String.join(", ", ModuleSuggestions.closest(model, target)));
        }
      }
    }
    for (String keep : cfg.modulesToSave()) {
      boolean found = model.namedModules().keySet().stream().anyMatch(n -> ModuleMatcher.suffixMatches(n, keep));
      if (!found) {
        throw new IllegalArgumentException("modules_to_save '" + keep + "' matches no module; modules are: "
            + String.join(", ", ModuleSuggestions.closest(model, keep)));
      }
    }
    return matches;
  }

  /** Injects adapter "default". */
  public static LoraModel inject(Module model, LoraConfig cfg) {
    return inject(model, cfg, "default");
  }

  /** Injects adapter {@code adapterName} per {@code cfg} and marks only adapters (and cfg's biases) trainable. */
  public static LoraModel inject(Module model, LoraConfig cfg, String adapterName) {
    LoraModel lm = new LoraModel(model);
    lm.addAdapter(adapterName, cfg);
    return lm;
  }

  /**
   * Adds a named adapter: targeted layers that are LoRA layers already get a second adapter, plain
   * ones are replaced. The first adapter becomes the active one.
   */
  public void addAdapter(String adapterName, LoraConfig cfg) {
    if (configs.containsKey(adapterName)) {
      throw new IllegalArgumentException("adapter '" + adapterName + "' already exists; adapters: " + configs.keySet());
    }
    cfg = expandAllLinear(model, cfg);
    List<Match> matches = dryRun(model, cfg);
    cfg = fanInFanOutOfTheLayers(model, cfg, matches);
    // resolved before anything is replaced: a bad token target leaves the model as it was
    Map<String, List<Integer>> tokenTargets = TrainableTokensTargets.resolve(model, cfg);
    for (String t : tokenTargets.keySet()) {
      if (matches.stream().anyMatch(m -> m.module().equals(t))) {
        throw new IllegalArgumentException("'" + t + "' is a LoRA target and in trainable_token_indices; "
            + "jlora adapts an embedding one way or the other, not both");
      }
    }
    Rng rng = new Rng(cfg.seed());
    for (Match m : matches) {
      Module current = model.namedModules().get(m.module());
      LoraLayer layer = current instanceof LoraLayer l ? l : replace(m.module(), current, cfg);
      layer.addAdapter(AdapterSpec.fromConfig(adapterName, cfg, m.module(), rng.split()));
      // the model's active adapter stays the one every layer applies; a layer without it applies none
      if (!active.isEmpty()) activate(layer, active);
    }
    for (Map.Entry<String, List<Integer>> t : tokenTargets.entrySet()) {
      Module current = model.namedModules().get(t.getKey());
      TrainableTokensEmbedding layer = current instanceof TrainableTokensEmbedding tt ? tt
          : (TrainableTokensEmbedding) replaceWith(t.getKey(), current, new TrainableTokensEmbedding((org.jlora.autograd.nn.Embedding) current));
      layer.addAdapter(adapterName, t.getValue());
      if (!active.isEmpty()) activateTokens(t.getKey(), layer, active);
    }
    configs.put(adapterName, cfg);
    if (active.isEmpty()) active.add(adapterName);
    markTrainable(active);
  }

  /** The embeddings with trainable token rows ({@code trainable_token_indices}), by module name. */
  public Map<String, TrainableTokensEmbedding> tokenLayers() {
    Map<String, TrainableTokensEmbedding> out = new LinkedHashMap<>();
    model.namedModules().forEach((n, m) -> {
      if (m instanceof TrainableTokensEmbedding t) out.put(n, t);
    });
    return out;
  }

  /** Shows the rows of the one of {@code adapters} that {@code layer} has (PEFT: at most one per embedding). */
  private static void activateTokens(String path, TrainableTokensEmbedding layer, List<String> adapters) {
    List<String> present = adapters.stream().filter(layer.adapterNames()::contains).toList();
    if (present.size() > 1) {
      throw new IllegalArgumentException("adapters " + present + " all train rows of '" + path + "'; only one set of "
          + "trainable tokens can be active on an embedding (as in PEFT)");
    }
    layer.setActive(present.isEmpty() ? null : present.get(0));
  }

  /**
   * Freezes everything but the matrices of the active adapters (other adapters stay frozen, as in
   * PEFT), plus their configs' biases and modules_to_save.
   */
  private void markTrainable(List<String> adapters) {
    Lora.markOnlyLoraAsTrainable(model, configs.get(adapters.get(0)).bias());
    for (LoraLayer l : loraLayers().values()) {
      for (LoraAdapter ad : l.lora().adapters().values()) {
        boolean on = adapters.contains(ad.name());
        ad.parameters().forEach(p -> p.setRequiresGrad(on));
      }
    }
    for (String adapter : adapters) {
      LoraConfig cfg = configs.get(adapter);
      if (cfg.bias() != Bias.NONE) Lora.markBiasesTrainable(model, cfg.bias());
      modulesToSaveParameters(model, cfg).values().forEach(p -> p.setRequiresGrad(true));
    }
    for (TrainableTokensEmbedding t : tokenLayers().values()) {
      for (String name : t.adapterNames()) t.adapter(name).delta().setRequiresGrad(adapters.contains(name));
    }
  }

  /**
   * A layer's weight storage is a fact of the model, not a choice of the config: a LoRA layer
   * follows its base layer's layout ([in, out] for GPT-2's Conv1D), and the saved config says so,
   * as PEFT sets fan_in_fan_out when it meets a Conv1D.
   */
  private static LoraConfig fanInFanOutOfTheLayers(Module model, LoraConfig cfg, List<Match> matches) {
    boolean transposed = matches.stream().map(m -> model.namedModules().get(m.module()))
        .anyMatch(mod -> mod instanceof Linear lin && lin.fanInFanOut());
    return transposed == cfg.fanInFanOut() ? cfg : cfg.toBuilder().fanInFanOut(transposed).build();
  }

  /** PEFT's shorthand for "every linear layer but the output head". */
  public static final String ALL_LINEAR = "all-linear";

  /** The output head, which {@value #ALL_LINEAR} leaves alone (PEFT: the model's output embeddings). */
  private static final String OUTPUT_HEAD = "lm_head";

  /**
   * Expands target_modules = {@value #ALL_LINEAR} as PEFT does: into the last name components of
   * every Linear module except the output head (so the saved config lists names, e.g. q_proj, ...,
   * down_proj, which PEFT reads back unchanged).
   */
  static LoraConfig expandAllLinear(Module model, LoraConfig cfg) {
    if (!ALL_LINEAR.equals(cfg.targetRegex())) return cfg;
    java.util.TreeSet<String> names = new java.util.TreeSet<>();
    model.namedModules().forEach((n, m) -> {
      if (n.isEmpty() || n.equals(OUTPUT_HEAD) || !(m instanceof Linear || m instanceof LoraLinear)) return;
      names.add(n.substring(n.lastIndexOf('.') + 1));
    });
    if (names.isEmpty()) throw new IllegalArgumentException("target_modules 'all-linear': the model has no linear layer");
    return cfg.toBuilder().targetModules(new ArrayList<>(names)).build();
  }

  /**
   * The parameters of cfg's modules_to_save modules (and of everything inside them), by full
   * name: they train in full and are saved with the adapter.
   */
  static Map<String, Parameter> modulesToSaveParameters(Module model, LoraConfig cfg) {
    Map<String, Parameter> out = new LinkedHashMap<>();
    if (cfg.modulesToSave().isEmpty()) return out;
    model.namedParameters().forEach((n, p) -> {
      int dot = n.lastIndexOf('.');
      if (dot >= 0 && cfg.matcher().isInsideModuleToSave(n.substring(0, dot))) out.put(n, p);
    });
    return out;
  }

  private LoraLayer replace(String name, Module current, LoraConfig cfg) {
    return (LoraLayer) replaceWith(name, current, (Module) LayerKinds.of(name, current).wrap(current, cfg));
  }

  private Module replaceWith(String name, Module current, Module replacement) {
    replacement.train(current.isTraining());   // a model in eval() stays in eval()
    int dot = name.lastIndexOf('.');
    Module parent = dot < 0 ? model : model.namedModules().get(name.substring(0, dot));
    parent.replaceChild(name.substring(dot + 1), replacement);
    return replacement;
  }

  private static String loraTypeFor(String name, Module m, LoraConfig cfg) {
    if (m instanceof LoraLayer) return m.getClass().getSimpleName() + " (+adapter)";
    return LayerKinds.of(name, m).loraType(cfg);
  }

  private static IllegalArgumentException noMatch(Module model, LoraConfig cfg) {
    String target = cfg.targetRegex() != null ? "regex '" + cfg.targetRegex() + "'" : "target_modules " + cfg.targetModules();
    String probe = cfg.targetRegex() != null ? cfg.targetRegex() : String.join(" ", cfg.targetModules());
    return new IllegalArgumentException(target + " matched no module. Adaptable modules (closest first): "
        + String.join(", ", ModuleSuggestions.closest(model, probe)));
  }


  // ------------------------------------------------------------------ adapters

  /** The adapted model (the same object that was injected into). */
  public Module model() {
    return model;
  }

  /** The LoRA layers by module name. */
  public Map<String, LoraLayer> loraLayers() {
    Map<String, LoraLayer> out = new LinkedHashMap<>();
    model.namedModules().forEach((n, m) -> {
      if (m instanceof LoraLayer l) out.put(n, l);
    });
    return out;
  }

  /** The adapter names, in the order they were added. */
  public List<String> adapterNames() {
    return new ArrayList<>(configs.keySet());
  }

  /** The (first) adapter the layers apply and that trains, or null after unloading. */
  public String activeAdapter() {
    return active.isEmpty() ? null : active.get(0);
  }

  /** Every active adapter, in the order they were set. */
  public List<String> activeAdapters() {
    return List.copyOf(active);
  }

  /** Records a new config for an existing adapter (after a hotswap changed its alpha). */
  void replaceConfig(String adapter, LoraConfig cfg) {
    config(adapter);
    configs.put(adapter, cfg);
  }

  /** The config adapter {@code adapter} was added with; a clear error naming the adapters when unknown. */
  public LoraConfig config(String adapter) {
    LoraConfig c = configs.get(adapter);
    if (c == null) throw new IllegalArgumentException("no adapter '" + adapter + "'; adapters: " + configs.keySet());
    return c;
  }

  /** Makes {@code adapter} the one every layer applies (unmerging another first) and the one that trains. */
  public void setAdapter(String adapter) {
    setAdapter(List.of(adapter));
  }

  /**
   * Makes several adapters active at once (PEFT's {@code set_adapter([...])}): every layer adds the
   * outputs of those it has, {@code y = base(x) + Σ_i s_i·B_i·A_i·x}, and all of them train.
   */
  public void setAdapter(List<String> adapters) {
    if (adapters.isEmpty()) throw new IllegalArgumentException("setAdapter: no adapter named");
    adapters.forEach(this::config);
    // checked first: a refusal leaves every layer as it was
    tokenLayers().forEach((path, t) -> {
      if (adapters.stream().filter(t.adapterNames()::contains).count() > 1) activateTokens(path, t, adapters);
    });
    for (LoraLayer l : loraLayers().values()) activate(l, adapters);
    tokenLayers().forEach((path, t) -> activateTokens(path, t, adapters));
    active.clear();
    active.addAll(adapters);
    markTrainable(active);
  }

  /** Makes those of {@code adapters} that {@code layer} has active on it, or none when it has none of them. */
  private static void activate(LoraLayer layer, List<String> adapters) {
    List<String> present = adapters.stream().filter(layer.adapterNames()::contains).toList();
    if (present.isEmpty()) {
      layer.lora().deactivate(layer);
    } else {
      layer.lora().setActive(present, layer);
    }
  }

  /**
   * PEFT's {@code add_weighted_adapter}: adds adapter {@code name} combined from {@code adapters}
   * with {@code weights} per {@code how} ({@link WeightedAdapters}); it is frozen and not activated.
   */
  public void addWeightedAdapter(List<String> adapters, List<Float> weights, String name, WeightedMerge how) {
    WeightedAdapters.add(this, adapters, weights, name, how);
  }

  /**
   * A mixed batch until the scope closes: sample b of every forward runs adapter {@code names.get(b)}
   * ({@link MixedBatch#BASE} for the base model), as PEFT's {@code adapter_names=}; use it around a
   * forward or a whole generation loop. As PEFT, only in eval mode, with no adapter merged and no DoRA.
   */
  public AutoCloseable mixedBatch(List<String> names) {
    return MixedBatch.open(this, names);
  }

  /** One forward with a different adapter per sample ({@link #mixedBatch}). */
  public org.jlora.autograd.Variable forward(org.jlora.autograd.Variable x, List<String> adapterNames) {
    try (AutoCloseable scope = mixedBatch(adapterNames)) {
      return model.forward(x);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Turns every adapter off until the scope closes: the model computes the base outputs. */
  public AutoCloseable disableAdapters() {
    List<LoraLayer> layers = new ArrayList<>(loraLayers().values());
    List<TrainableTokensEmbedding> tokens = new ArrayList<>(tokenLayers().values());
    layers.forEach(l -> l.setAdaptersEnabled(false));
    tokens.forEach(t -> t.setEnabled(false));
    return new AutoCloseable() {
      private boolean closed;

      @Override
      public void close() {
        if (closed) return;
        closed = true;
        layers.forEach(l -> l.setAdaptersEnabled(true));
        tokens.forEach(t -> t.setEnabled(true));
      }
    };
  }

  /** Removes adapter {@code adapter} from every layer; the active one can be deleted only when it is the last one or another is set first. */
  public void deleteAdapter(String adapter) {
    config(adapter);
    if (active.contains(adapter) && configs.size() > 1) {
      throw new IllegalStateException("adapter '" + adapter + "' is active; setAdapter(...) another one first");
    }
    for (LoraLayer l : loraLayers().values()) {
      if (l.adapterNames().contains(adapter)) l.deleteAdapter(adapter);
    }
    tokenLayers().forEach((path, t) -> {
      if (!t.adapterNames().contains(adapter)) return;
      t.deleteAdapter(adapter);
      if (t.adapterNames().isEmpty()) replaceWith(path, t, t.toBaseLayer());   // no rows left: the plain table again
    });
    configs.remove(adapter);
    active.remove(adapter);
  }

  /** Merges the active adapter into every base weight and replaces the LoRA layers by plain ones. */
  public Module mergeAndUnload() {
    // safe merge: every layer is checked before any is touched, so a refusal leaves the model whole
    loraLayers().forEach((name, layer) -> {
      for (LoraAdapter ad : layer.lora().forwardAdapters()) {
        try {
          LoraState.requireFiniteSum(layer.baseWeight().value(), layer.deltaWeight(ad), ad.name());
        } catch (IllegalStateException e) {
          throw new IllegalStateException("layer '" + name + "': " + e.getMessage(), e);
        }
      }
    });
    tokenLayers().forEach((name, t) -> t.requireFiniteRows());
    for (Map.Entry<String, LoraLayer> e : loraLayers().entrySet()) {
      e.getValue().merge();
      replacePlain(e.getKey(), e.getValue());
    }
    tokenLayers().forEach((path, t) -> {
      t.merge();   // the active adapter's rows written into the table
      replaceWith(path, t, t.toBaseLayer());
    });
    configs.clear();
    active.clear();
    return model;
  }

  /** Drops every adapter (unmerging first) and puts the plain base layers back. */
  public Module unload() {
    for (Map.Entry<String, LoraLayer> e : loraLayers().entrySet()) {
      e.getValue().unmerge();
      replacePlain(e.getKey(), e.getValue());
    }
    tokenLayers().forEach((path, t) -> {
      t.unmerge();
      replaceWith(path, t, t.toBaseLayer());
    });
    configs.clear();
    active.clear();
    return model;
  }

  private void replacePlain(String name, LoraLayer layer) {
    int dot = name.lastIndexOf('.');
    Module parent = dot < 0 ? model : model.namedModules().get(name.substring(0, dot));
    Module plain = layer.toBaseLayer();
    plain.train(((Module) layer).isTraining());
    parent.replaceChild(name.substring(dot + 1), plain);
  }

  /** Trainable vs total parameters, then one line per adapted layer (rank, alpha, scaling, merge state). */
  public String summary() {
    long trainable = Lora.trainableParameterCount(model);
    long total = 0;
    for (Parameter p : model.parameters()) total += p.value().size();
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("trainable params: %,d || all params: %,d || trainable%%: %.4f%n",
        trainable, total, 100.0 * trainable / Math.max(1, total)));
    List<String> rows = new ArrayList<>();
    loraLayers().forEach((name, l) -> {
      for (LoraAdapter ad : l.lora().adapters().values()) {
        rows.add(String.format("  %-40s %-14s adapter=%-10s r=%-3d alpha=%-6s scaling=%.4f%s%s", name,
            l.getClass().getSimpleName(), ad.name(), ad.r(), trim(ad.alpha()), ad.scaling(),
            l.lora().activeNames().contains(ad.name()) ? " active" : "",
            l.lora().mergedAdapters().contains(ad.name()) ? " merged" : ""));
      }
    });
    tokenLayers().forEach((name, t) -> {
      for (String ad : t.adapterNames()) {
        rows.add(String.format("  %-40s %-14s adapter=%-10s tokens=%s%s%s", name, "TrainableTokens", ad,
            java.util.Arrays.toString(t.adapter(ad).indices()), ad.equals(t.activeAdapter()) ? " active" : "",
            ad.equals(t.activeAdapter()) && t.isMerged() ? " merged" : ""));
      }
    });
    rows.forEach(r -> sb.append(r).append('\n'));
    return sb.toString();
  }

  private static String trim(float f) {
    return f == Math.rint(f) ? String.valueOf((long) f) : String.valueOf(f);
  }

  /** Unmodifiable view of the configs by adapter name. */
  public Map<String, LoraConfig> configs() {
    return Collections.unmodifiableMap(configs);
  }
}
