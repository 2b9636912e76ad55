package org.jlora.lora;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Conv2d;
import org.jlora.autograd.nn.Embedding;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;

/**
 * One LoRA layer type under test: how to build its base layer, wrap it, feed it a fixed input,
 * and how many adapter parameters a rank-r adapter has (the formula, written out per type).
 *
 * @param wrap               (base, mergeWeights) -> the LoRA layer sharing the base's parameters
 * @param forward            runs a module of this type on the case's fixed input
 * @param adapterParamCount  |A| + |B| for rank {@link #R}
 */
record LayerCase(String name, Function<Rng, Module> makeBase, BiFunction<Module, Boolean, Module> wrap,
                 Function<Module, Variable> forward, long adapterParamCount) {
  static final int R = 2;
  static final float ALPHA = 3f;

  @Override
  public String toString() {
    return name;
  }

  /** The base layer (seeded) and its LoRA wrapper with one adapter "default" initialised per {@code init}. */
  Module buildLora(long seed, InitLoraWeights init, boolean mergeWeights) {
    Module base = makeBase.apply(new Rng(seed));
    Module lora = wrap.apply(base, mergeWeights);
    ((LoraLayer) lora).addAdapter(new AdapterSpec("default", R, ALPHA, ALPHA / R, 0f, init, new Rng(seed + 1)));
    return lora;
  }

  static Variable input(long seed, int... shape) {
    return Variable.of(Tensor.randn(new Rng(seed), shape), false);
  }

  static List<LayerCase> all() {
    Variable x2d = input(11, 2, 3, 6);            // [B, T, in]
    Variable img = input(12, 2, 4, 7, 6);         // [N, C, H, W]
    int[] ids = {0, 3, 9, 3, 5, 1};              // ids [2, 3]
    Function<Module, Variable> dense = m -> m.forward(x2d);
    Function<Module, Variable> conv = m -> m.forward(img);
    Function<Module, Variable> lookup = m -> ((Embedding) m).forward(ids, 2, 3);
    int r = R;
    return List.of(
        // Linear 6 -> 5: r·(in + out)
        new LayerCase("Linear", rng -> new Linear(6, 5, true, rng),
            (b, mw) -> LoraLinear.wrap((Linear) b, false, mw), dense, (long) r * (6 + 5)),
        new LayerCase("Linear fanInFanOut", LayerCase::fanInFanOutLinear,
            (b, mw) -> LoraLinear.wrap((Linear) b, true, mw), dense, (long) r * (6 + 5)),
        // MergedLinear 6 -> 9 as three slices of 3, q and v on: A [r·2, in], B [3·2, r]
        new LayerCase("MergedLinear [T,F,T]", rng -> new Linear(6, 9, true, rng),
            (b, mw) -> MergedLinear.wrap((Linear) b, new boolean[] {true, false, true}, false, mw), dense,
            (long) r * 2 * 6 + 3 * 2 * r),
        new LayerCase("MergedLinear [T,F,T] fanInFanOut", rng -> fanInFanOutLinear(rng, 6, 9),
            (b, mw) -> MergedLinear.wrap((Linear) b, new boolean[] {true, false, true}, true, mw), dense,
            (long) r * 2 * 6 + 3 * 2 * r),
        // Embedding 10 x 4: r·(vocab + dim)
        new LayerCase("Embedding", rng -> new Embedding(10, 4, rng),
            (b, mw) -> LoraEmbedding.wrap((Embedding) b, mw), lookup, (long) r * (10 + 4)),
        // loralib conv, k = 3: A [r·k, in·k], B [out/groups·k, r·k]
        new LayerCase("Conv2d loralib 3x3", rng -> new Conv2d(4, 6, 3, 3, 1, 1, 1, 1, true, rng),
            (b, mw) -> LoraConv2d.loralib((Conv2d) b, mw), conv, (long) r * 3 * 4 * 3 + 6 * 3 * r * 3),
        new LayerCase("Conv2d loralib 3x3 groups=2 stride=2", rng -> new Conv2d(4, 6, 3, 3, 2, 1, 1, 2, true, rng),
            (b, mw) -> LoraConv2d.loralib((Conv2d) b, mw), conv, (long) r * 3 * 4 * 3 + 6 / 2 * 3 * r * 3),
        // factorized conv: A [r, in/groups, kh, kw], B [out, r/groups, 1, 1]
        new LayerCase("Conv2d factorized 3x3", rng -> new Conv2d(4, 6, 3, 3, 1, 1, 1, 1, true, rng),
            (b, mw) -> LoraConv2d.factorized((Conv2d) b, mw), conv, (long) r * 4 * 3 * 3 + 6 * r),
        new LayerCase("Conv2d factorized 3x2 stride=2", rng -> new Conv2d(4, 6, 3, 2, 2, 1, 1, 1, true, rng),
            (b, mw) -> LoraConv2d.factorized((Conv2d) b, mw), conv, (long) r * 4 * 3 * 2 + 6 * r),
        new LayerCase("Conv2d factorized 3x3 groups=2 dilation=2", rng -> new Conv2d(4, 6, 3, 3, 1, 2, 2, 2, true, rng),
            (b, mw) -> LoraConv2d.factorized((Conv2d) b, mw), conv, (long) r * (4 / 2) * 3 * 3 + 6 * (r / 2)));
  }

  /** A Linear 6 -> 5 whose weight is stored [in, out] (GPT-2's Conv1D layout). */
  static Module fanInFanOutLinear(Rng rng) {
    return fanInFanOutLinear(rng, 6, 5);
  }

  static Module fanInFanOutLinear(Rng rng, int in, int out) {
    float bound = (float) (1 / Math.sqrt(in));
    return new LoraLinear.PlainLinear(new Parameter(Tensor.uniform(rng, -bound, bound, in, out)),
        new Parameter(Tensor.uniform(rng, -bound, bound, out)), true);
  }
}
