package org.jlora.lora;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Tensor;

/**
 * What the four LoRA layers ({@link LoraLinear}, {@link LoraEmbedding}, {@link LoraConv2d},
 * {@link MergedLinear}) have in common: a frozen base weight, named adapters (A, B) of which one is
 * active, and merge/unmerge of {@code ΔW = scaling · B·A} into the base weight.
 */
public interface LoraLayer {
  /** The shared adapter bookkeeping of this layer. */
  LoraState lora();

  /** The base layer's weight (frozen by {@link Lora#markOnlyLoraAsTrainable}). */
  Parameter baseWeight();

  /** The base layer's bias, or null. */
  Parameter baseBias();

  /** ΔW of {@code adapter}, scaled, in the base weight's storage layout (a fresh tensor). */
  Tensor deltaWeight(LoraAdapter adapter);

  /** Creates and registers an adapter with this layer's shapes and initialisation. */
  LoraAdapter addAdapter(AdapterSpec spec);

  /** A plain layer of the base type over the current base weight (merged or not) and bias. */
  Module toBaseLayer();

  /** Removes an adapter (unmerging it first if it is merged). */
  default void deleteAdapter(String name) {
    lora().delete(name, this);
  }

  /** Makes {@code name} the adapter the forward applies (unmerging another one first). */
  default void setActiveAdapter(String name) {
    lora().setActive(List.of(name), this);
  }

  /** Makes several adapters active at once: the forward adds all their outputs. */
  default void setActiveAdapters(List<String> names) {
    lora().setActive(names, this);
  }

  /** The active adapter's name, or null when none is active. */
  default String activeAdapter() {
    return lora().activeName();
  }

  /** This layer's adapter names, in the order they were added. */
  default List<String> adapterNames() {
    return lora().adapterNames();
  }

  /** Turns every adapter of this layer off (base outputs) or back on. */
  default void setAdaptersEnabled(boolean enabled) {
    lora().setEnabled(enabled, this);
  }

  /** Folds the active adapter into the base weight ({@code W += ΔW}); the forward is then the base layer's. */
  default void merge() {
    lora().merge(this);
  }

  /** Takes the merged adapter back out of the base weight. */
  default void unmerge() {
    lora().unmerge(this);
  }

  /** Whether the active adapter's ΔW is folded into the base weight now. */
  default boolean isMerged() {
    return lora().mergeState() == LoraState.MergeState.MERGED;
  }

  /** The adapter called {@code name}. */
  default LoraAdapter adapter(String name) {
    return lora().require(name);
  }

  // ------------------------------------------------------------------ PEFT's on-disk form

  /**
   * This adapter's tensors as PEFT names them, by key suffix after the module path: for dense
   * layers {@code lora_A.weight} (A) and {@code lora_B.weight} (B).
   */
  default Map<String, Tensor> exportPeft(LoraAdapter ad) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    out.put("lora_A.weight", ad.a().value());
    out.put("lora_B.weight", ad.b().value());
    return out;
  }

  /** The inverse of {@link #exportPeft}: copies the tensors in, checking every shape. */
  default void importPeft(LoraAdapter ad, Map<String, Tensor> bySuffix, String keyPrefix) {
    copyChecked(bySuffix.get("lora_A.weight"), ad.a().value(), keyPrefix + "lora_A.weight");
    copyChecked(bySuffix.get("lora_B.weight"), ad.b().value(), keyPrefix + "lora_B.weight");
  }

  /**
   * Entries this layer adds to the safetensors metadata when saved at {@code path} (what PEFT's
   * format cannot say, e.g. MergedLinear's mask); none by default.
   */
  default Map<String, String> peftMetadata(String path) {
    return Map.of();
  }

  /** The rank PEFT sees for this adapter (MergedLinear exports a wider one). */
  default int peftRank(LoraAdapter ad) {
    return ad.r();
  }

  /** Copies {@code src} into {@code dst} after checking the shapes agree; names {@code key} on a mismatch. */
  static void copyChecked(Tensor src, Tensor dst, String key) {
    if (src == null) throw new IllegalArgumentException("missing tensor " + key);
    if (!Arrays.equals(src.shape(), dst.shape())) {
      throw new IllegalArgumentException(key + ": shape " + Arrays.toString(src.shape()) + " in the file, but the model's "
          + "adapter has " + Arrays.toString(dst.shape()) + " (a different rank or base model?)");
    }
    dst.copyFrom(src);
  }
}
