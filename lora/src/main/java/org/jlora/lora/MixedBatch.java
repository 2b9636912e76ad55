package org.jlora.lora;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.autograd.F;
import org.jlora.autograd.Variable;
import org.jlora.engine.Tensor;

/**
 * Mixed-batch inference (PEFT's {@code forward(..., adapter_names=[...])}): sample b of the batch
 * goes through adapter {@code names[b]}, or through the base model alone for {@value #BASE}.
 *
 * <p>The rows are grouped, not looped over: with x [N, in] (the batch's samples each own N/batch
 * consecutive rows), a permutation puts every adapter's rows together, each group goes through its
 * adapter's two thin matmuls once, the base rows get zeros, and the inverse permutation puts the
 * deltas back in place:
 *
 * <pre>
 *   xs = x[order]                                     gather (differentiable: its backward scatters)
 *   Δ_g = s_g · (xs[rows of g] · A_gᵀ) · B_gᵀ          one product pair per adapter present in the batch
 *   y  += concat(Δ_1, ..., Δ_k, 0_base)[inverse order]
 * </pre>
 *
 * So the cost is that of one adapter over the whole batch, whatever the number of adapters.
 */
public final class MixedBatch {
  /** The name that selects the base model for a sample (PEFT's {@code "__base__"}). */
  public static final String BASE = "__base__";

  private MixedBatch() {}

  /** Sets {@code names} on every layer of {@code lm} until the returned scope closes ({@link LoraModel#mixedBatch}). */
  static AutoCloseable open(LoraModel lm, List<String> names) {
    if (lm.model().isTraining()) throw new IllegalStateException("a mixed batch is for inference: call eval() first (as PEFT)");
    for (String n : names) if (!n.equals(MixedBatch.BASE)) lm.config(n);
    if (!lm.tokenLayers().isEmpty()) {
      throw new IllegalArgumentException("a mixed batch with trainable_token_indices (embedding "
          + lm.tokenLayers().keySet() + ") is not supported by jlora: its rows would apply to every sample");
    }
    Map<String, LoraLayer> layers = lm.loraLayers();
    layers.forEach((path, l) -> {
      if (!(l instanceof LoraLinear)) {
        throw new IllegalArgumentException("a mixed batch: layer '" + path + "' is a " + l.getClass().getSimpleName()
            + "; jlora runs mixed batches through Linear LoRA layers only");
      }
      if (l.isMerged()) {
        throw new IllegalStateException("a mixed batch needs unmerged adapters; layer '" + path + "' has "
            + l.lora().mergedAdapters() + " merged");
      }
      for (String n : names) {
        if (l.adapterNames().contains(n) && l.adapter(n).isDora()) {
          throw new IllegalArgumentException("a mixed batch with DoRA adapter '" + n + "' is not supported (nor by PEFT)");
        }
      }
    });
    layers.values().forEach(l -> l.lora().setPerSampleAdapters(names));
    return () -> layers.values().forEach(l -> l.lora().setPerSampleAdapters(null));
  }

  /**
   * {@code y} plus each sample's adapter output. x: [batch, ..., in], y: [batch, ..., out];
   * {@code adapters} holds the layer's adapters by name (a name the layer lacks counts as base, as in PEFT).
   */
  static Variable addPerSample(Variable x, Variable y, List<String> names, Map<String, LoraAdapter> adapters) {
    int batch = x.shape()[0];
    if (names.size() != batch) {
      throw new IllegalArgumentException("adapter_names has " + names.size() + " entries for a batch of " + batch);
    }
    int[] outShape = y.shape();
    int in = x.shape()[x.shape().length - 1];
    int out = outShape[outShape.length - 1];
    Variable x2 = F.reshape(x, -1, in);
    int n = x2.shape()[0];
    int perSample = n / batch;
    // rows of each adapter present, in first-appearance order; the rest are base rows
    Map<String, List<Integer>> groups = new LinkedHashMap<>();
    List<Integer> baseRows = new ArrayList<>();
    for (int s = 0; s < batch; s++) {
      LoraAdapter ad = adapters.get(names.get(s));
      List<Integer> rows = ad == null ? baseRows : groups.computeIfAbsent(ad.name(), k -> new ArrayList<>());
      for (int i = 0; i < perSample; i++) rows.add(s * perSample + i);
    }
    if (groups.isEmpty()) return y;
    int[] order = new int[n];
    int[] inverse = new int[n];
    int pos = 0;
    for (List<Integer> rows : groups.values()) for (int r : rows) order[pos++] = r;
    for (int r : baseRows) order[pos++] = r;
    for (int i = 0; i < n; i++) inverse[order[i]] = i;
    Variable xs = F.embedding(x2, order, n);                                 // [N, in], grouped
    List<Variable> parts = new ArrayList<>();
    int start = 0;
    for (Map.Entry<String, List<Integer>> g : groups.entrySet()) {
      LoraAdapter ad = adapters.get(g.getKey());
      int len = g.getValue().size();
      Variable xg = F.slice(xs, 0, start, start + len);
      Variable h = F.scale(F.matmul(xg, false, ad.a(), true), ad.scaling());   // [len, r]
      Variable part = F.matmul(h, false, ad.b(), true);                     // [len, out]
      parts.add(ad.bBias() == null ? part : F.add(part, F.scale(ad.bBias(), ad.scaling())));
      start += len;
    }
    if (!baseRows.isEmpty()) parts.add(Variable.constant(Tensor.zeros(baseRows.size(), out)));
    Variable grouped = parts.size() == 1 ? parts.get(0) : F.concat(0, parts.toArray(Variable[]::new));
    Variable delta = F.embedding(grouped, inverse, n);                       // back in the batch's order
    return F.reshape(F.add(F.reshape(y, -1, out), delta), outShape);
  }
}
