package org.jlora.lora;

import org.jlora.autograd.F;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Backends;
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
 * {@code lora_B.<adapter>}, and for a DoRA adapter ({@link Dora}) {@code lora_magnitude_vector.<adapter>}.
 */
public class LoraLinear extends Linear implements LoraLayer {
  private final LoraState lora;
  /** A₀ and B₀ of adapters whose init moved part of W into them (PiSSA, OLoRA), for {@link #asPlainLora}. */
  private final java.util.Map<String, Tensor[]> initialFactors = new java.util.HashMap<>();

  /**
   * Wraps existing base parameters (shared, not copied) with no adapter yet.
   *
   * @param weight       [out, in], or [in, out] when {@code fanInFanOut}
   * @param mergeWeights loralib's merge_weights: eval() merges ΔW into W, train() unmerges
   */
  public LoraLinear(Parameter weight, Parameter bias, boolean fanInFanOut, boolean mergeWeights) {
    super(weight, bias, fanInFanOut);
    this.lora = new LoraState(registerModule("lora_A", new AdapterParams()).get(),
        registerModule("lora_B", new AdapterParams()).get(),
        registerModule("lora_magnitude_vector", new AdapterParams()).get(),
        registerModule("lora_B_bias", new AdapterParams()).get(), mergeWeights);
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
    Parameter down;
    Parameter up;
    // PiSSA and OLoRA move the top of W into the adapter; DoRA reads W's column norms every step
    if (spec.init() == InitLoraWeights.PISSA || spec.init() == InitLoraWeights.OLORA) {
      LoraTensors.requireF32Base(weight().value(), spec.init() + " initialisation of adapter '" + spec.name() + "'");
    }
    if (spec.dora()) LoraTensors.requireF32Base(weight().value(), "DoRA (adapter '" + spec.name() + "')");
    switch (spec.init()) {
      case PISSA, OLORA, ORTHOGONAL -> {
        DecompositionInit.Factors f = decompose(spec);
        down = new Parameter(f.a());
        up = new Parameter(f.b());
        if (f.residual() != null) {
          // the base gives up what B·A now holds: W ← W - s·B·A (in the base's storage layout)
          weight().value().copyFrom(fanInFanOut() ? LoraTensors.transpose(f.residual()) : f.residual());
          initialFactors.put(spec.name(), new Tensor[] {f.a().copy(), f.b().copy()});
        }
      }
      default -> {
        down = LoraInit.downA(spec, inFeatures(), spec.r(), inFeatures());
        up = LoraInit.upB(spec, spec.r(), outFeatures(), spec.r());
      }
    }
    LoraAdapter plain = new LoraAdapter(spec.name(), spec.r(), spec.alpha(), spec.scaling(), spec.dropout(),
        down, up, spec.rng().split());
    LoraAdapter a = spec.dora()
        ? plain.withMagnitude(Dora.initialMagnitude(weight().value(), loraDelta(plain), fanInFanOut()))
        : plain;
    if (spec.loraBias()) {
      // PEFT: zeros, except init_lora_weights=false, which keeps nn.Linear's uniform(±1/sqrt(r))
      a = a.withBBias(new Parameter(spec.init() == InitLoraWeights.RANDOM
          ? LoraInit.kaimingUniform(spec.rng(), spec.r(), outFeatures()) : Tensor.zeros(outFeatures())));
    }
    lora.add(a);
    return a;
  }

  @Override
  public Variable forward(Variable x) {
    // x: [..., in] -> base: [..., out]
    Variable y = super.forward(x);
    if (lora.perSampleAdapters() != null) return MixedBatch.addPerSample(x, y, lora.perSampleAdapters(), lora.adapters());
    for (LoraAdapter ad : lora.forwardAdapters()) {   // several active adapters add up (PEFT's set_adapter([...]))
      y = ad.isDora() ? addDora(x, y, ad) : addLowRank(x, y, ad, ad.b(), isTraining());
      if (ad.bBias() != null) y = F.add(y, F.scale(ad.bBias(), ad.scaling()));   // lora_B(·) * scaling includes B's bias
    }
    return y;
  }

  /** PiSSA, OLoRA or orthogonal factors of this layer's weight, seen as [out, in] whatever its storage. */
  private DecompositionInit.Factors decompose(AdapterSpec spec) {
    Tensor w = fanInFanOut() ? LoraTensors.transpose(weight().value()) : weight().value();
    return switch (spec.init()) {
      case PISSA -> DecompositionInit.pissa(w, spec.r(), spec.scaling(), spec.pissaNiter(), spec.rng());
      case OLORA -> DecompositionInit.olora(w, spec.r(), spec.scaling());
      case ORTHOGONAL -> DecompositionInit.orthogonal(inFeatures(), outFeatures(), spec.r(), spec.rng());
      default -> throw new IllegalStateException(spec.init() + " is not a decomposition");
    };
  }

  /**
   * DoRA's forward ({@link Dora#addDora}). x·Wᵀ without the bias is {@code y - b} when the adapter
   * sees the same input as the base layer, and is recomputed on the dropped-out input otherwise (PEFT does both).
   */
  private Variable addDora(Variable x, Variable y, LoraAdapter ad) {
    int[] outShape = y.shape();
    int in = inFeatures();
    int out = outFeatures();
    boolean dropping = ad.dropout() > 0 && isTraining();
    Variable x2 = F.reshape(x, -1, in);
    Variable xd = F.dropout(x2, ad.dropout(), ad.dropoutRng(), isTraining());
    Variable y2 = F.reshape(y, -1, out);
    Variable baseNoBias;
    if (dropping) {
      baseNoBias = F.matmul(xd, false, weight(), !fanInFanOut());
    } else {
      baseNoBias = bias() == null ? y2 : F.sub(y2, bias());
    }
    Variable lowRank = F.scale(F.matmul(F.matmul(xd, false, ad.a(), true), false, ad.b(), true), ad.scaling());
    // the norm is detached: a plain tensor, recomputed from the current A and B at every forward
    Tensor norm = Dora.weightNorm(weight().value(), loraDelta(ad), fanInFanOut());
    return F.reshape(Dora.addDora(y2, baseNoBias, lowRank, ad.magnitude(), norm), outShape);
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

  /**
   * The change merging {@code ad} makes to W: {@code scaling · B·A}, or for DoRA
   * {@code (m/‖W + s·B·A‖) ⊙ (W + s·B·A) - W} (which needs W unmerged, as when merging).
   */
  @Override
  public Tensor deltaWeight(LoraAdapter ad) {
    Tensor lowRank = loraDelta(ad);
    return ad.isDora() ? Dora.mergeDelta(weight().value(), lowRank, ad.magnitude().value(), fanInFanOut()) : lowRank;
  }

  /** {@code scaling · B·A}: [out, r]·[r, in] -> [out, in]; stored [in, out] with fanInFanOut: Aᵀ·Bᵀ. */
  private Tensor loraDelta(LoraAdapter ad) {
    Tensor d = fanInFanOut()
        ? Backends.current().matmul().matmul(ad.a().value(), true, ad.b().value(), true)
        : Backends.current().matmul().matmul(ad.b().value(), false, ad.a().value(), false);
    return LoraTensors.scaleInPlace(d, ad.scaling());
  }

  @Override
  public void deleteAdapter(String name) {
    LoraLayer.super.deleteAdapter(name);
    initialFactors.remove(name);
  }

  /**
   * A PiSSA or OLoRA adapter as a plain LoRA of rank 2r for the original (unmutated) base, as PEFT's
   * {@code path_initial_model_for_weight_conversion}: the trained layer computes
   * {@code W_res + s·B·A = W + s·(B·A - B₀·A₀)}, and {@code B·A - B₀·A₀ = [B | -B₀]·[A ; A₀]}.
   * Returns A' [2r, in] and B' [out, 2r] by PEFT's key suffixes, or null when the adapter's init left W alone.
   */
  java.util.Map<String, Tensor> asPlainLora(LoraAdapter ad) {
    Tensor[] initial = initialFactors.get(ad.name());
    if (initial == null) return null;
    int r = ad.r();
    int in = inFeatures();
    int out = outFeatures();
    float[] a = new float[2 * r * in];
    float[] b = new float[out * 2 * r];
    for (int i = 0; i < r * in; i++) {
      a[i] = ad.a().value().get(i);
      a[r * in + i] = initial[0].get(i);
    }
    for (int o = 0; o < out; o++) {
      for (int k = 0; k < r; k++) {
        b[o * 2 * r + k] = ad.b().value().get(o * r + k);
        b[o * 2 * r + r + k] = -initial[1].get(o * r + k);
      }
    }
    java.util.Map<String, Tensor> t = new java.util.LinkedHashMap<>();
    t.put("lora_A.weight", Tensor.of(a, 2 * r, in));
    t.put("lora_B.weight", Tensor.of(b, out, 2 * r));
    return t;
  }

  /** PEFT's names, plus {@code lora_magnitude_vector} ([out]) for a DoRA adapter. */
  @Override
  public java.util.Map<String, Tensor> exportPeft(LoraAdapter ad) {
    java.util.Map<String, Tensor> out = LoraLayer.super.exportPeft(ad);
    if (ad.isDora()) out.put(DORA_MAGNITUDE, ad.magnitude().value());
    if (ad.bBias() != null) out.put(B_BIAS, ad.bBias().value());
    return out;
  }

  @Override
  public void importPeft(LoraAdapter ad, java.util.Map<String, Tensor> bySuffix, String keyPrefix) {
    LoraLayer.super.importPeft(ad, bySuffix, keyPrefix);
    if (ad.isDora()) LoraLayer.copyChecked(bySuffix.get(DORA_MAGNITUDE), ad.magnitude().value(), keyPrefix + DORA_MAGNITUDE);
    if (ad.bBias() != null) LoraLayer.copyChecked(bySuffix.get(B_BIAS), ad.bBias().value(), keyPrefix + B_BIAS);
  }

  /** PEFT's key suffix for DoRA's magnitude ({@code base_model.model.<path>.lora_magnitude_vector}). */
  static final String DORA_MAGNITUDE = "lora_magnitude_vector";

  /** PEFT's key suffix for lora_bias, B's bias ({@code base_model.model.<path>.lora_B.bias}). */
  static final String B_BIAS = "lora_B.bias";

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
