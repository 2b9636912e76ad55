package org.jlora.lora;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.lora.linalg.Matrix;
import org.jlora.lora.linalg.Svd;

/**
 * PEFT's {@code add_weighted_adapter}: a new adapter made from existing ones with weights w_i
 * (see {@link WeightedMerge.Combination} for each rule). As in PEFT the new adapter's config is the
 * first adapter's with r = lora_alpha = the new rank (scaling 1), target_modules the union of the
 * adapters' (or the regexes joined by |), and no rank or alpha patterns; it is added frozen and not
 * activated. Unlike PEFT, an existing name is refused rather than silently kept, the init is reset
 * to the default (a PiSSA first adapter would otherwise mutate the base again), and DoRA adapters,
 * MergedLinear and Conv2d layers are refused by name.
 */
final class WeightedAdapters {
  private WeightedAdapters() {}

  static void add(LoraModel lm, List<String> adapters, List<Float> weights, String name, WeightedMerge how) {
    if (adapters.isEmpty() || adapters.size() != weights.size()) {
      throw new IllegalArgumentException("add_weighted_adapter: " + adapters.size() + " adapters but " + weights.size() + " weights");
    }
    if (lm.adapterNames().contains(name)) throw new IllegalArgumentException("adapter '" + name + "' already exists");
    List<LoraConfig> cfgs = adapters.stream().map(lm::config).toList();
    for (int i = 0; i < cfgs.size(); i++) {
      if (cfgs.get(i).useDora()) throw new IllegalArgumentException("add_weighted_adapter: '" + adapters.get(i) + "' is a DoRA adapter");
      if (cfgs.get(i).hasTrainableTokens()) {
        // PEFT has no rule for combining replaced embedding rows either
        throw new IllegalArgumentException("add_weighted_adapter: '" + adapters.get(i) + "' has trainable_token_indices; "
            + "jlora combines LoRA matrices only");
      }
    }
    WeightedMerge.Combination type = adapters.size() == 1 ? WeightedMerge.Combination.LINEAR : how.combination();
    lm.addAdapter(name, newConfig(cfgs, type, how.svdRank()));
    Rng rng = new Rng(how.seed());
    for (Map.Entry<String, LoraLayer> e : lm.loraLayers().entrySet()) {
      LoraLayer layer = e.getValue();
      if (!layer.adapterNames().contains(name)) continue;
      if (layer instanceof MergedLinear || layer instanceof LoraConv2d) {
        lm.deleteAdapter(name);
        throw new IllegalArgumentException("add_weighted_adapter: layer '" + e.getKey() + "' is a "
            + layer.getClass().getSimpleName() + "; jlora combines Linear and Embedding adapters only");
      }
      List<LoraAdapter> present = new ArrayList<>();
      List<Float> w = new ArrayList<>();
      for (int i = 0; i < adapters.size(); i++) {
        if (layer.adapterNames().contains(adapters.get(i))) {
          present.add(layer.adapter(adapters.get(i)));
          w.add(weights.get(i));
        }
      }
      LoraAdapter target = layer.adapter(name);
      if (present.isEmpty()) throw new IllegalStateException("layer '" + e.getKey() + "' has none of " + adapters);
      if (type == WeightedMerge.Combination.CAT) {
        cat(present, w, target);
      } else if (type.svd) {
        svd(layer, e.getKey(), present, w, target, how, rng);
      } else {
        factorWise(present, w, target, type.method, how, rng);
      }
    }
  }

  /** The first config with the new rank, r = alpha (scaling 1), the union of the targets and no patterns. */
  private static LoraConfig newConfig(List<LoraConfig> cfgs, WeightedMerge.Combination type, int svdRank) {
    List<Integer> ranks = cfgs.stream()
        .map(c -> c.rankPattern().values().stream().reduce(c.r(), Math::max)).toList();
    int rank;
    if (type == WeightedMerge.Combination.CAT) {
      rank = ranks.stream().mapToInt(Integer::intValue).sum();
    } else if (type.svd) {
      rank = svdRank > 0 ? svdRank : ranks.stream().mapToInt(Integer::intValue).max().orElseThrow();
    } else {
      if (new LinkedHashSet<>(ranks).size() != 1) {
        throw new IllegalArgumentException("combination_type " + type.peftName() + " needs adapters of one rank, got " + ranks);
      }
      rank = ranks.get(0);
    }
    LoraConfig.Builder b = cfgs.get(0).toBuilder().r(rank).loraAlpha(rank).rankPattern(Map.of()).alphaPattern(Map.of())
        .initLoraWeights(InitLoraWeights.DEFAULT).pissaNiter(0);
    boolean regex = cfgs.get(0).targetRegex() != null;
    if (cfgs.stream().anyMatch(c -> (c.targetRegex() != null) != regex)) {
      throw new IllegalArgumentException("add_weighted_adapter: the adapters mix target_modules lists and regexes");
    }
    if (regex) {
      b.targetRegex(String.join("|", cfgs.stream().map(c -> "(" + c.targetRegex() + ")").toList()));
    } else {
      LinkedHashSet<String> union = new LinkedHashSet<>();
      cfgs.forEach(c -> union.addAll(c.targetModules()));
      b.targetModules(new ArrayList<>(union));
    }
    return b.build();
  }

  /** A = [w_1 s_1 A_1 ; w_2 s_2 A_2 ; ...] and B = [B_1 | B_2 | ...], in the first rows / columns of the new ones. */
  private static void cat(List<LoraAdapter> present, List<Float> w, LoraAdapter target) {
    Tensor a = target.a().value().fill(0);
    Tensor b = target.b().value().fill(0);
    int cols = a.dim(1);
    int outRows = b.dim(0);
    int targetRank = b.dim(1);
    int row = 0;
    for (int i = 0; i < present.size(); i++) {
      LoraAdapter ad = present.get(i);
      float f = w.get(i) * ad.scaling();
      for (int k = 0; k < ad.r(); k++) {
        for (int j = 0; j < cols; j++) a.set((row + k) * cols + j, ad.a().value().get(k * cols + j) * f);
        for (int o = 0; o < outRows; o++) b.set(o * targetRank + row + k, ad.b().value().get(o * ad.r() + k));
      }
      row += ad.r();
    }
  }

  /** The A's combined with sqrt(|w_i s_i|)·sign(w_i s_i), the B's with sqrt(|w_i s_i|) (PEFT's split of the weight). */
  private static void factorWise(List<LoraAdapter> present, List<Float> w, LoraAdapter target, TaskArithmetic.Method m,
                                 WeightedMerge how, Rng rng) {
    float[] wa = new float[present.size()];
    float[] wb = new float[present.size()];
    List<float[]> as = new ArrayList<>();
    List<float[]> bs = new ArrayList<>();
    for (int i = 0; i < present.size(); i++) {
      double ws = (double) w.get(i) * present.get(i).scaling();
      wb[i] = (float) Math.sqrt(Math.abs(ws));
      wa[i] = ws >= 0 ? wb[i] : -wb[i];
      as.add(present.get(i).a().value().toArray());
      bs.add(present.get(i).b().value().toArray());
    }
    // every layer prunes as asked, even one that holds a single adapter of several (as PEFT does)
    copy(TaskArithmetic.combine(m, as, wa, how.density(), how.majoritySign(), rng), target.a().value());
    copy(TaskArithmetic.combine(m, bs, wb, how.density(), how.majoritySign(), rng), target.b().value());
  }

  /** ΔW = combine(w_i, ΔW_i) as [out, in], then B = U_r·S_r and A = V_rᵀ of its SVD. */
  private static void svd(LoraLayer layer, String path, List<LoraAdapter> present, List<Float> w, LoraAdapter target,
                          WeightedMerge how, Rng rng) {
    if (!(layer instanceof LoraLinear lin)) {
      throw new IllegalArgumentException("combination_type " + how.combination().peftName() + ": layer '" + path
          + "' is a " + layer.getClass().getSimpleName() + "; jlora's SVD combinations take Linear layers");
    }
    List<float[]> deltas = new ArrayList<>();
    float[] weights = new float[present.size()];
    for (int i = 0; i < present.size(); i++) {
      deltas.add(layer.deltaWeight(present.get(i)).toArray());
      weights[i] = w.get(i);
    }
    float[] combined = TaskArithmetic.combine(how.combination().method, deltas, weights, how.density(), how.majoritySign(), rng);
    int rows = layer.baseWeight().value().dim(0);
    int cols = layer.baseWeight().value().dim(1);
    Matrix delta = Matrix.of(Tensor.of(combined, rows, cols));
    if (lin.fanInFanOut()) delta = delta.transpose();   // stored [in, out]: factor ΔW as [out, in]
    int r = target.r();
    if (r > Math.min(delta.rows(), delta.cols())) {
      throw new IllegalArgumentException("svd rank " + r + " exceeds min(out, in) of layer '" + path + "'");
    }
    Svd.Result top = Svd.exact(delta).top(r);
    Matrix b = Matrix.zeros(delta.rows(), r);
    for (int i = 0; i < delta.rows(); i++) for (int k = 0; k < r; k++) b.set(i, k, top.u().get(i, k) * top.s()[k]);
    target.b().value().copyFrom(b.toTensor());
    target.a().value().copyFrom(top.v().transpose().toTensor());
  }

  private static void copy(float[] src, Tensor dst) {
    dst.copyFrom(Tensor.of(src, dst.shape()));
  }
}
