package org.jlora.lora;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.engine.Backends;
import org.jlora.engine.Tensor;

/**
 * The bookkeeping every LoRA layer shares: its named adapters, which one is active, whether
 * adapters are enabled, and the typed merge state. The layer supplies the math (its forward and
 * {@link LoraLayer#deltaWeight}); this class keeps the rules in one place:
 *
 * <ul>
 *   <li>merged: W holds {@code W0 + ΔW(active)}, the forward runs the base layer alone, and the
 *       layer refuses to load a state dict (loralib would silently corrupt W there);
 *   <li>unmerge subtracts the very same ΔW (A and B receive no gradient while merged), so W
 *       returns to W0 to within a float rounding per element, however often it is repeated;
 *   <li>switching the active adapter or disabling adapters while merged unmerges first.
 * </ul>
 */
public final class LoraState {
  /** Whether ΔW is folded into the base weight. */
  public enum MergeState { UNMERGED, MERGED }

  private final Map<String, LoraAdapter> adapters = new LinkedHashMap<>();
  private final AdapterParams aParams;
  private final AdapterParams bParams;
  private final AdapterParams magnitudeParams;
  private final AdapterParams bBiasParams;
  private final boolean mergeWeights;
  /** The adapters the forward applies, summed, in this order (PEFT's active_adapters); empty: none. */
  private final List<String> active = new ArrayList<>();
  private boolean enabled = true;
  private MergeState mergeState = MergeState.UNMERGED;
  private final List<String> mergedAdapters = new ArrayList<>();
  /** What merging added to W when it cannot be recomputed afterwards (DoRA's depends on the unmerged W). */
  private Tensor mergedDelta;

  /**
   * @param aParams      the layer's {@code lora_A} child, holding A per adapter name
   * @param bParams      the layer's {@code lora_B} child, holding B per adapter name
   * @param mergeWeights loralib's merge_weights: eval() merges, train() unmerges
   */
  public LoraState(AdapterParams aParams, AdapterParams bParams, boolean mergeWeights) {
    this(aParams, bParams, null, null, mergeWeights);
  }

  /**
   * @param magnitudeParams the layer's {@code lora_magnitude_vector} child, holding DoRA's magnitude
   *                        per adapter name (null for layers without DoRA)
   * @param bBiasParams     the layer's {@code lora_B_bias} child, holding B's bias per adapter name
   *                        (PEFT's lora_bias; null for layers without it)
   */
  public LoraState(AdapterParams aParams, AdapterParams bParams, AdapterParams magnitudeParams,
                   AdapterParams bBiasParams, boolean mergeWeights) {
    this.aParams = aParams;
    this.bParams = bParams;
    this.magnitudeParams = magnitudeParams;
    this.bBiasParams = bBiasParams;
    this.mergeWeights = mergeWeights;
  }

  /** The parameter name of adapter {@code name}'s A, relative to the layer: "lora_A.name". */
  public static String aName(String adapter) {
    return "lora_A." + adapter;
  }

  /** Likewise for B: "lora_B.name". */
  public static String bName(String adapter) {
    return "lora_B." + adapter;
  }

  void add(LoraAdapter adapter) {
    if (adapters.containsKey(adapter.name())) {
      throw new IllegalArgumentException("adapter '" + adapter.name() + "' already exists on this layer");
    }
    if (adapter.isDora() && magnitudeParams == null) {
      throw new IllegalArgumentException("adapter '" + adapter.name() + "' is a DoRA adapter; this layer has no magnitudes");
    }
    adapters.put(adapter.name(), adapter);
    aParams.put(adapter.name(), adapter.a());
    bParams.put(adapter.name(), adapter.b());
    if (adapter.isDora()) magnitudeParams.put(adapter.name(), adapter.magnitude());
    if (adapter.bBias() != null) {
      if (bBiasParams == null) throw new IllegalArgumentException("adapter '" + adapter.name() + "' has a bias on B; this layer has none");
      bBiasParams.put(adapter.name(), adapter.bBias());
    }
    if (active.isEmpty()) active.add(adapter.name());
  }

  void delete(String name, LoraLayer layer) {
    require(name);
    if (mergedAdapters.contains(name)) unmerge(layer);
    if (adapters.get(name).isDora()) magnitudeParams.remove(name);
    if (adapters.get(name).bBias() != null) bBiasParams.remove(name);
    adapters.remove(name);
    aParams.remove(name);
    bParams.remove(name);
    if (active.remove(name) && active.isEmpty() && !adapters.isEmpty()) active.add(adapters.keySet().iterator().next());
  }

  /**
   * Replaces adapter {@code updated.name()}'s record by one with a new alpha and scaling but the very
   * same parameters (a hotswap keeps every reference to A and B valid). Refused while merged.
   */
  void rescale(LoraAdapter updated) {
    LoraAdapter old = require(updated.name());
    if (old.a() != updated.a() || old.b() != updated.b() || old.magnitude() != updated.magnitude()
        || old.bBias() != updated.bBias()) {
      throw new IllegalArgumentException("rescale keeps the adapter's parameters");
    }
    if (mergedAdapters.contains(updated.name())) throw new IllegalStateException("adapter '" + updated.name() + "' is merged");
    adapters.put(updated.name(), updated);   // same key: LinkedHashMap keeps the order
  }

  /** The adapter called {@code name}, or a clear error listing the ones there are. */
  public LoraAdapter require(String name) {
    LoraAdapter a = adapters.get(name);
    if (a == null) {
      throw new IllegalArgumentException("no adapter '" + name + "' on this layer; it has " + adapters.keySet());
    }
    return a;
  }

  /** The adapters by name, in the order they were added. */
  public Map<String, LoraAdapter> adapters() {
    return Collections.unmodifiableMap(adapters);
  }

  /** The adapter names, in the order they were added. */
  public List<String> adapterNames() {
    return new ArrayList<>(adapters.keySet());
  }

  /** The (first) active adapter's name, or null when the layer has none. */
  public String activeName() {
    return active.isEmpty() ? null : active.get(0);
  }

  /** The active adapters' names, in the order they are applied. */
  public List<String> activeNames() {
    return List.copyOf(active);
  }

  void setActive(List<String> names, LoraLayer layer) {
    names.forEach(this::require);
    if (new java.util.HashSet<>(names).size() != names.size()) {
      throw new IllegalArgumentException("adapters " + names + " name one adapter twice");
    }
    if (mergeState == MergeState.MERGED && !mergedAdapters.equals(names)) unmerge(layer);
    active.clear();
    active.addAll(names);
  }

  /**
   * No adapter of this layer is active (unmerging first): the layer computes the base output. A
   * model whose active adapter this layer lacks puts it in this state, as PEFT skips such layers.
   */
  void deactivate(LoraLayer layer) {
    unmerge(layer);
    active.clear();
  }

  /** Whether adapters are applied at all (false inside {@link LoraModel#disableAdapters()}). */
  public boolean enabled() {
    return enabled;
  }

  void setEnabled(boolean on, LoraLayer layer) {
    if (!on && mergeState == MergeState.MERGED) unmerge(layer);
    enabled = on;
  }

  /** Whether the active adapter's ΔW is folded into the base weight now. */
  public MergeState mergeState() {
    return mergeState;
  }

  /** loralib's merge_weights: whether eval() merges and train() unmerges. */
  public boolean mergeWeights() {
    return mergeWeights;
  }

  /**
   * The adapters the forward must add on top of the base layer: the active ones, unless adapters
   * are disabled or their ΔW is already merged into W (then the base layer alone is exact).
   */
  public List<LoraAdapter> forwardAdapters() {
    if (!enabled || mergeState == MergeState.MERGED) return List.of();
    List<LoraAdapter> out = new ArrayList<>(active.size());
    for (String name : active) out.add(adapters.get(name));
    return out;
  }

  /** Per-sample adapter names of a mixed batch ({@link MixedBatch}), or null for the normal forward. */
  private List<String> perSample;

  /** The mixed batch's adapter name per sample, or null. */
  public List<String> perSampleAdapters() {
    return perSample;
  }

  void setPerSampleAdapters(List<String> names) {
    if (names != null && mergeState == MergeState.MERGED) {
      throw new IllegalStateException("a mixed batch needs unmerged adapters; adapters " + mergedAdapters + " are merged");
    }
    this.perSample = names == null ? null : List.copyOf(names);
  }

  /**
   * The one adapter the forward adds, or null, for code that handles a single adapter (a fused
   * device kernel); several active adapters are refused rather than silently reduced to one.
   */
  public LoraAdapter forwardAdapter() {
    List<LoraAdapter> ads = forwardAdapters();
    if (ads.size() > 1) {
      throw new IllegalStateException("adapters " + active + " are active together; this code path applies one adapter");
    }
    return ads.isEmpty() ? null : ads.get(0);
  }

  /**
   * Folds the active adapters' ΔW into the base weight: {@code W += Σ ΔW}, each ΔW formed from the
   * unmerged W. No-op if already merged.
   */
  void merge(LoraLayer layer) {
    if (mergeState == MergeState.MERGED || active.isEmpty() || !enabled) return;
    Tensor delta = null;
    for (String name : active) {
      LoraAdapter ad = adapters.get(name);
      if (ad.isDora() && active.size() > 1) {
        throw new IllegalStateException("merging DoRA adapter '" + name + "' together with other adapters " + active
            + " is not supported; merge them one at a time");
      }
      Tensor d = layer.deltaWeight(ad);
      if (delta == null) {
        delta = d;
      } else {
        Backends.current().elementwise().axpy(1f, d, delta);
      }
    }
    for (String name : active) {   // checked before W is touched: a refused merge changes nothing
      if (adapters.get(name).bBias() != null && layer.baseBias() == null) {
        throw new IllegalStateException("adapter '" + name + "' has lora_bias but the base layer has no bias to merge it into");
      }
    }
    addDelta(layer, String.join("+", active), delta, 1f);
    addBiasDeltas(layer, active, 1f);
    mergedDelta = adapters.get(active.get(0)).isDora() ? delta : null;
    mergedAdapters.addAll(active);
    mergeState = MergeState.MERGED;
  }

  /** Takes the merged ΔW back out: {@code W -= Σ ΔW}. No-op if not merged. */
  void unmerge(LoraLayer layer) {
    if (mergeState == MergeState.UNMERGED) return;
    Tensor delta = mergedDelta;
    if (delta == null) {
      // plain LoRA: the same ΔW again (A and B received no gradient while merged)
      for (String name : mergedAdapters) {
        Tensor d = layer.deltaWeight(adapters.get(name));
        if (delta == null) {
          delta = d;
        } else {
          Backends.current().elementwise().axpy(1f, d, delta);
        }
      }
    }
    addDelta(layer, String.join("+", mergedAdapters), delta, -1f);
    addBiasDeltas(layer, mergedAdapters, -1f);
    mergedDelta = null;
    mergedAdapters.clear();
    mergeState = MergeState.UNMERGED;
  }

  /** The names of the adapters merged into W now (empty when unmerged). */
  public List<String> mergedAdapters() {
    return List.copyOf(mergedAdapters);
  }

  /**
   * PEFT's lora_bias: merging also folds {@code scaling · bias_B} into the base bias (and unmerging
   * takes it out); a base layer without a bias cannot absorb it, so {@link #merge} refuses that first.
   */
  private void addBiasDeltas(LoraLayer layer, List<String> names, float sign) {
    for (String name : names) {
      LoraAdapter ad = adapters.get(name);
      if (ad.bBias() == null) continue;
      Tensor b = layer.baseBias().value();
      Tensor d = ad.bBias().value();
      Backends.current().elementwise().axpy(sign * ad.scaling(), d, b);
    }
  }

  private static void addDelta(LoraLayer layer, String adapter, Tensor delta, float sign) {
    Tensor w = layer.baseWeight().value();   // delta: same layout as W, already scaled
    if (delta.size() != w.size()) {
      throw new IllegalStateException("ΔW of adapter '" + adapter + "' has " + delta.size()
          + " values, the base weight " + w.size());
    }
    if (sign > 0) requireFiniteSum(w, delta, adapter);
    Backends.current().elementwise().axpy(sign, delta, w);
  }

  /**
   * PEFT's safe_merge, always on: W + ΔW is checked before W is touched, so a broken adapter
   * (NaN or Inf, or values that overflow float) is refused and the base weight stays intact.
   */
  static void requireFiniteSum(Tensor w, Tensor delta, String adapter) {
    LoraTensors.requireF32Base(w, "merging adapter '" + adapter + "'");
    float[] wd = w.data();
    float[] dd = delta.data();
    for (int i = 0; i < w.size(); i++) {
      float sum = wd[w.offset() + i] + dd[delta.offset() + i];
      if (!Float.isFinite(sum)) {
        throw new IllegalStateException("merging adapter '" + adapter + "' would make weight element " + i + " "
            + sum + "; the adapter is broken (non-finite values), so nothing was merged");
      }
    }
  }

  /** loralib's train()/eval() behaviour: with merge_weights, eval merges and train unmerges. */
  void onTrainingModeChanged(boolean training, LoraLayer layer) {
    if (!mergeWeights) return;
    if (training) unmerge(layer); else merge(layer);
  }

  /** Refuses a state-dict load while merged: the loaded W would be taken for W0 + ΔW. */
  void beforeLoadStateDict(String layerDescription) {
    if (mergeState == MergeState.MERGED) {
      throw new IllegalStateException(layerDescription + " has adapters " + mergedAdapters
          + "' merged into its weight; unmerge() (or train()) before loading a state dict, "
          + "otherwise the loaded weight would be mistaken for the merged one");
    }
  }
}
