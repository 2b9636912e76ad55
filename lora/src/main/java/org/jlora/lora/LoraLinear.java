package org.jlora.lora;

import org.jlora.autograd.F;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.MatMul;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;

/**
 * loralib's {@code lora.Linear}: a frozen dense layer plus a trainable low-rank update.
 *
 * <pre>
 *   y = x·Wᵀ + b + dropout(x)·Aᵀ·Bᵀ · scaling        W: [out, in], A: [r, in], B: [out, r]
 * </pre>
 *
 * <p>A starts kaiming-uniform(a = sqrt 5) and B at zero, so the layer starts as the base layer.
 * The unmerged forward never forms B·A: it runs two thin matmuls, x·Aᵀ ([N, r]) then ·Bᵀ, which
 * cost {@code 2·N·r·(in + out)} flops against the base's {@code 2·N·in·out}. With
 * {@code fanInFanOut} the base weight is stored {@code [in, out]} (GPT-2's Conv1D layout) and
 * {@code y = x·W + b}. Parameter names: {@code weight}, {@code bias}, {@code lora_A.<adapter>},
 * {@code lora_B.<adapter>}.
 */
public class LoraLinear extends Linear implements LoraLayer {
  private final LoraState lora;

  /**
   * Wraps existing base parameters (shared, not copied) with no adapter yet.
   *
   * @param weight       [out, in], or [in, out] when {@code fanInFanOut}
   * @param mergeWeights loralib's merge_weights: eval() merges ΔW into W, train() unmerges
   */
  public LoraLinear(Parameter weight, Parameter bias, boolean fanInFanOut, boolean mergeWeights) {
    super(weight, bias, fanInFanOut);
    this.lora = new LoraState(registerModule("lora_A", new AdapterParams()).get(),
        registerModule("lora_B", new AdapterParams()).get(), mergeWeights);
  }

  /** loralib's constructor: a fresh base layer (PyTorch init) with one adapter "default" of rank r (r = 0: none). */
  public LoraLinear(int in, int out, int r, float alpha, boolean bias, Rng rng) {
    this(new Linear(in, out, bias, rng), r, alpha, rng);
  }

  private LoraLinear(Linear base, int r, float alpha, Rng rng) {
    this(base.weight(), base.bias(), false, false);
    if (r > 0) addAdapter(new AdapterSpec("default", r, alpha, alpha / r, 0f, InitLoraWeights.DEFAULT, rng.split()));
  }

  /** Wraps a plain Linear, sharing its parameters. */
  public static LoraLinear wrap(Linear base, boolean fanInFanOut, boolean mergeWeights) {
    return new LoraLinear(base.weight(), base.bias(), fanInFanOut, mergeWeights);
  }

  @Override
  public LoraState lora() {
    return lora;
  }

  @Override
  public Parameter baseWeight() {
    return weight();
  }

  @Override
  public Parameter baseBias() {
    return bias();
  }

  @Override
  public LoraAdapter addAdapter(AdapterSpec spec) {
    // A: [r, in] (fan-in = in), B: [out, r] (fan-in = r)
    LoraAdapter a = new LoraAdapter(spec.name(), spec.r(), spec.alpha(), spec.scaling(), spec.dropout(),
        LoraInit.downA(spec, inFeatures(), spec.r(), inFeatures()), LoraInit.upB(spec, spec.r(), outFeatures(), spec.r()),
        spec.rng().split());
    lora.add(a);
    return a;
  }

  @Override
  public Variable forward(Variable x) {
    // x: [..., in] -> base: [..., out]
    Variable y = super.forward(x);
    LoraAdapter ad = lora.forwardAdapter();
    return ad == null ? y : addLowRank(x, y, ad, ad.b(), isTraining());
  }

  /**
   * The low-rank path both dense LoRA layers share, added onto the base output in one product:
   * {@code y + (scaling · dropout(x)·Aᵀ)·bᵀ}. x: [..., in], y: [..., out], A: [r', in], b: [out, r']
   * (B itself here; MergedLinear passes its block-diagonal widening). Never forms b·A.
   */
  static Variable addLowRank(Variable x, Variable y, LoraAdapter ad, Variable b, boolean training) {
    int[] outShape = y.shape();
    int in = x.shape()[x.shape().length - 1];
    int out = outShape[outShape.length - 1];
    Variable x2 = F.reshape(x, -1, in);                                          // [N, in]
    Variable xd = F.dropout(x2, ad.dropout(), ad.dropoutRng(), training);
    Variable h = F.scale(F.matmul(xd, false, ad.a(), true), ad.scaling());       // [N, in]·Aᵀ -> [N, r']
    // y + h·bᵀ: [N, r']·[r', out] accumulated onto the base output (no delta tensor, no extra add)
    return F.reshape(F.addmm(F.reshape(y, -1, out), h, false, b, true), outShape);
  }

  @Override
  public Tensor deltaWeight(LoraAdapter ad) {
    // ΔW = scaling · B·A: [out, r]·[r, in] -> [out, in]; stored [in, out] with fanInFanOut: Aᵀ·Bᵀ
    Tensor d = fanInFanOut()
        ? MatMul.matmul(ad.a().value(), true, ad.b().value(), true)
        : MatMul.matmul(ad.b().value(), false, ad.a().value(), false);
    return LoraTensors.scaleInPlace(d, ad.scaling());
  }

  @Override
  public Module toBaseLayer() {
    return new PlainLinear(weight(), bias(), fanInFanOut());
  }

  @Override
  protected void onTrainingModeChanged(boolean training) {
    lora.onTrainingModeChanged(training, this);
  }

  @Override
  protected void beforeLoadStateDict() {
    lora.beforeLoadStateDict("LoraLinear[" + inFeatures() + " -> " + outFeatures() + "]");
  }

  /** nn.Linear over given parameters (its protected sharing constructor, made reachable for unloading). */
  static final class PlainLinear extends Linear {
    PlainLinear(Parameter weight, Parameter bias, boolean fanInFanOut) {
      super(weight, bias, fanInFanOut);
    }
  }
}
