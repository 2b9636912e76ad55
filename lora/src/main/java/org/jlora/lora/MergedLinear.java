package org.jlora.lora;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jlora.autograd.F;
import org.jlora.autograd.NoGrad;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Backends;
import org.jlora.engine.Tensor;

/**
 * loralib's {@code lora.MergedLinear}: LoRA on some slices of a fused projection, e.g. the q and
 * v parts of GPT-2's qkv projection with {@code enableLora = [true, false, true]} (as the paper
 * adapts GPT-2).
 *
 * <pre>
 *   W: [out, in] split into len(enableLora) row slices of outPer = out / len rows each
 *   A: [r·nOn, in]         one [r, in] block per enabled slice, stacked
 *   B: [outPer·nOn, r]     one [outPer, r] block per enabled slice, stacked
 *   ΔW = scaling · blockdiag(B_q·A_q), zero-padded into the enabled row slices of W
 * </pre>
 *
 * <p>The unmerged forward computes {@code h = dropout(x)·Aᵀ} once ([N, r·nOn]) and adds
 * {@code h·B'ᵀ} onto the base output in one product, B' being B laid out block-diagonally in the
 * enabled slices ({@code h_q·B_qᵀ} there, zeros in the disabled ones). It never forms ΔW. For
 * PEFT, which has no MergedLinear, {@link #peftB} widens B into a plain LoRA of rank {@code r·nOn}
 * whose {@code B'·A} is exactly the zero-padded block-diagonal ΔW (and alpha is multiplied by nOn
 * so that {@code alpha'/r'} is unchanged).
 */
public class MergedLinear extends Linear implements LoraLayer {
  private final boolean[] enableLora;
  private final int nOn;
  private final int in;
  private final int out;
  private final int outPer;
  private final LoraState lora;

  /**
   * @param weight     [out, in], or [in, out] when {@code fanInFanOut}; shared, not copied
   * @param enableLora which of the len equal output slices get an adapter
   */
  public MergedLinear(Parameter weight, Parameter bias, boolean[] enableLora, boolean fanInFanOut,
                      boolean mergeWeights) {
    super(weight, bias, fanInFanOut);
    this.in = inFeatures();
    this.out = outFeatures();
    this.enableLora = enableLora.clone();
    int on = 0;
    for (boolean b : enableLora) on += b ? 1 : 0;
    if (enableLora.length == 0 || on == 0) {
      throw new IllegalArgumentException("MergedLinear: enable_lora " + Arrays.toString(enableLora) + " enables no slice");
    }
    if (out % enableLora.length != 0) {
      throw new IllegalArgumentException("MergedLinear: out_features " + out + " is not divisible by len(enable_lora) = "
          + enableLora.length);
    }
    this.nOn = on;
    this.outPer = out / enableLora.length;
    this.lora = new LoraState(registerModule("lora_A", new AdapterParams()).get(),
        registerModule("lora_B", new AdapterParams()).get(), mergeWeights);
  }

  /** Wraps a plain Linear, sharing its parameters. */
  public static MergedLinear wrap(Linear base, boolean[] enableLora, boolean fanInFanOut, boolean mergeWeights) {
    return new MergedLinear(base.weight(), base.bias(), enableLora, fanInFanOut, mergeWeights);
  }

  @Override public LoraState lora() { return lora; }
  @Override public Parameter baseWeight() { return weight(); }
  @Override public Parameter baseBias() { return bias(); }

  /** The mask, so that jlora can load the PEFT export back into this form. */
  @Override
  public java.util.Map<String, String> peftMetadata(String path) {
    return java.util.Map.of(PeftAdapters.MASK_KEY + path, Arrays.toString(enableLora));
  }

  /** A copy of the mask. */
  public boolean[] enableLora() {
    return enableLora.clone();
  }

  /** Number of enabled slices. */
  public int enabledSlices() {
    return nOn;
  }

  @Override
  public LoraAdapter addAdapter(AdapterSpec spec) {
    spec.requireNotDora("MergedLinear");
    spec.requireSimpleInit("MergedLinear");
    int r = spec.r();
    LoraAdapter a = new LoraAdapter(spec.name(), r, spec.alpha(), spec.scaling(), spec.dropout(),
        LoraInit.downA(spec, in, r * nOn, in), LoraInit.upB(spec, r, outPer * nOn, r), spec.rng().split());
    lora.add(a);
    return a;
  }

  @Override
  public Variable forward(Variable x) {
    // x: [..., in] -> [..., out]; each enabled slice gets h_q·B_qᵀ, the disabled ones zero blocks
    Variable y = super.forward(x);
    for (LoraAdapter ad : lora.forwardAdapters()) {   // several active adapters add up
      y = LoraLinear.addLowRank(x, y, ad, blockB(ad.b(), ad.r()), isTraining());
    }
    return y;
  }

  /**
   * B [outPer·nOn, r] widened to {@code B' [out, r·nOn]}: block q (B_q, [outPer, r]) in the rows
   * of the q-th enabled slice and columns [q·r, (q+1)·r), zeros elsewhere, so that
   * {@code h·B'ᵀ} puts {@code h_q·B_qᵀ} in exactly the enabled slices. B is small: building B'
   * from slices and concatenations costs nothing next to the [N, out] products.
   */
  private Variable blockB(Variable b, int r) {
    Variable[] rows = new Variable[enableLora.length];
    int q = 0;
    for (int j = 0; j < enableLora.length; j++) {
      if (!enableLora[j]) {
        rows[j] = Variable.constant(Tensor.zeros(outPer, r * nOn));
        continue;
      }
      List<Variable> cols = new ArrayList<>(3);
      if (q > 0) cols.add(Variable.constant(Tensor.zeros(outPer, q * r)));
      cols.add(F.slice(b, 0, q * outPer, (q + 1) * outPer));                         // B_q [outPer, r]
      if (q < nOn - 1) cols.add(Variable.constant(Tensor.zeros(outPer, (nOn - 1 - q) * r)));
      rows[j] = cols.size() == 1 ? cols.get(0) : F.concat(1, cols.toArray(new Variable[0]));
      q++;
    }
    return rows.length == 1 ? rows[0] : F.concat(0, rows);
  }

  @Override
  public Tensor deltaWeight(LoraAdapter ad) {
    // ΔW [out, in]: row slice j (the q-th enabled one) = scaling · B_q [outPer, r] · A_q [r, in]
    int r = ad.r();
    Tensor a = ad.a().value();
    Tensor b = ad.b().value();
    Tensor delta = Tensor.zeros(out, in);
    int q = 0;
    for (int j = 0; j < enableLora.length; j++) {
      if (!enableLora[j]) continue;
      Backends.current().matmul().matmul(b.rows(q * outPer, (q + 1) * outPer), false, a.rows(q * r, (q + 1) * r), false,
          delta.rows(j * outPer, (j + 1) * outPer), false);
      q++;
    }
    LoraTensors.scaleInPlace(delta, ad.scaling());
    return fanInFanOut() ? LoraTensors.transpose(delta) : delta;
  }

  /**
   * B as a plain LoRA of rank r·nOn: {@code B'[out, r·nOn]}, block q of B in the rows of the q-th
   * enabled slice and columns {@code [q·r, (q+1)·r)}, zeros elsewhere, so that B'·A = the
   * zero-padded block-diagonal B·A.
   */
  public Tensor peftB(LoraAdapter ad) {
    try (NoGrad g = NoGrad.enter()) {
      return blockB(ad.b(), ad.r()).value();
    }
  }

  /**
   * The inverse of {@link #peftB}: reads the blocks back into {@code ad}'s B, and refuses a B'
   * with non-zero values outside the blocks (that adapter is not a MergedLinear one).
   */
  public void loadPeftB(LoraAdapter ad, Tensor wide, String key) {
    int r = ad.r();
    if (wide.rank() != 2 || wide.dim(0) != out || wide.dim(1) != r * nOn) {
      throw new IllegalArgumentException(key + ": expected shape [" + out + ", " + (r * nOn) + "] for a MergedLinear "
          + "exported with rank r·n_on, got " + Arrays.toString(wide.shape()));
    }
    Tensor b = ad.b().value();
    int q = 0;
    for (int j = 0; j < enableLora.length; j++) {
      for (int row = 0; row < outPer; row++) {
        for (int c = 0; c < r * nOn; c++) {
          float v = wide.at(j * outPer + row, c);
          boolean inBlock = enableLora[j] && c / r == q;
          if (inBlock) {
            b.data()[b.offset() + (q * outPer + row) * r + (c - q * r)] = v;
          } else if (v != 0f) {
            throw new IllegalArgumentException(key + ": value " + v + " at [" + (j * outPer + row) + ", " + c
                + "] lies outside the blocks of enable_lora " + Arrays.toString(enableLora)
                + "; this adapter is not a MergedLinear export");
          }
        }
      }
      if (enableLora[j]) q++;
    }
  }

  /** A as it is ([r·nOn, in]) and the widened {@link #peftB} ([out, r·nOn]): a plain LoRA of rank r·nOn. */
  @Override
  public java.util.Map<String, Tensor> exportPeft(LoraAdapter ad) {
    java.util.Map<String, Tensor> out = new java.util.LinkedHashMap<>();
    out.put("lora_A.weight", ad.a().value());
    out.put("lora_B.weight", peftB(ad));
    return out;
  }

  @Override
  public void importPeft(LoraAdapter ad, java.util.Map<String, Tensor> bySuffix, String keyPrefix) {
    LoraLayer.copyChecked(bySuffix.get("lora_A.weight"), ad.a().value(), keyPrefix + "lora_A.weight");
    Tensor wide = bySuffix.get("lora_B.weight");
    if (wide == null) throw new IllegalArgumentException("missing tensor " + keyPrefix + "lora_B.weight");
    loadPeftB(ad, wide, keyPrefix + "lora_B.weight");
  }

  /** r·nOn: the rank of the exported plain LoRA. */
  @Override
  public int peftRank(LoraAdapter ad) {
    return ad.r() * nOn;
  }

  @Override
  public Module toBaseLayer() {
    return new LoraLinear.PlainLinear(weight(), bias(), fanInFanOut());
  }

  @Override
  protected void onTrainingModeChanged(boolean training) {
    lora.onTrainingModeChanged(training, this);
  }

  @Override
  protected void beforeLoadStateDict() {
    lora.beforeLoadStateDict("MergedLinear[" + in + " -> " + out + ", enable_lora " + Arrays.toString(enableLora) + "]");
  }
}
