package org.jlora.lora;

import java.util.Arrays;
import org.jlora.autograd.F;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Conv2d;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Backends;
import org.jlora.engine.Tensor;

/**
 * LoRA on a 2-d convolution with weight {@code W: [out, in/groups, kh, kw]}, in one of two forms.
 *
 * <p><b>{@link Form#LORALIB}</b> — loralib's {@code ConvLoRA}, for square k x k kernels:
 * <pre>
 *   A: [r·k, in·k],  B: [out/groups·k, r·k],  ΔW = scaling · (B·A).view(W.shape)
 *   y = conv(x, W + ΔW) + b
 * </pre>
 * The reshape mixes kernel and channel axes, so ΔW has no factorised conv form: the unmerged
 * forward must build W + ΔW each step (as loralib does), and there is no dropout. Its shapes only
 * fit square kernels. PEFT cannot load this form (the file says so in its metadata).
 *
 * <p><b>{@link Form#FACTORIZED}</b> — PEFT's form, for any kernel shape and for groups:
 * <pre>
 *   A: [r, in/groups, kh, kw]   a conv in -> r with the base's kernel, stride, padding, dilation, groups
 *   B: [out, r/groups, 1, 1]    a 1x1 conv r -> out with the same groups
 *   y = conv(x, W) + b + conv1x1(conv(dropout(x), A), B) · scaling
 *   ΔW[group g] = scaling · B_g [out/G, r/G] · A_g [r/G, in/G·kh·kw]
 * </pre>
 * The unmerged forward never forms ΔW. With groups = 1 this is exactly PEFT's {@code lora.Conv2d}
 * ({@code lora_A.weight} [r, in, kh, kw], {@code lora_B.weight} [out, r, 1, 1]).
 */
public class LoraConv2d extends Conv2d implements LoraLayer {
  /** Which factorisation of ΔW the adapters use. */
  public enum Form { LORALIB, FACTORIZED }

  private final Form form;
  private final LoraState lora;

  /** Wraps existing base parameters (shared, not copied) with the geometry of {@code base}. */
  public LoraConv2d(Conv2d base, Form form, boolean mergeWeights) {
    super(base.weight(), base.bias(), base.stride(), base.padding(), base.dilation(), base.groups());
    if (form == Form.LORALIB && base.kernelH() != base.kernelW()) {
      throw new IllegalArgumentException("LoraConv2d: loralib's form needs a square kernel, this one is "
          + base.kernelH() + "x" + base.kernelW() + "; use Form.FACTORIZED");
    }
    this.form = form;
    this.lora = new LoraState(registerModule("lora_A", new AdapterParams()).get(),
        registerModule("lora_B", new AdapterParams()).get(), mergeWeights);
  }

  /** loralib's form over {@code base} (square kernels). */
  public static LoraConv2d loralib(Conv2d base, boolean mergeWeights) {
    return new LoraConv2d(base, Form.LORALIB, mergeWeights);
  }

  /** PEFT's factorised form over {@code base} (any kernel, groups). */
  public static LoraConv2d factorized(Conv2d base, boolean mergeWeights) {
    return new LoraConv2d(base, Form.FACTORIZED, mergeWeights);
  }

  /** loralib's A [r·k, in·k] has no PEFT equivalent: say so, so no one mistakes it for PEFT's conv. */
  @Override
  public java.util.Map<String, String> peftMetadata(String path) {
    return form == Form.LORALIB
        ? java.util.Map.of(PeftAdapters.CONV_FORM_KEY + path, "loralib (not loadable by PEFT)") : java.util.Map.of();
  }

  /** Which factorisation this layer's adapters use. */
  public Form form() {
    return form;
  }

  @Override public LoraState lora() { return lora; }
  @Override public Parameter baseWeight() { return weight(); }
  @Override public Parameter baseBias() { return bias(); }

  @Override
  public LoraAdapter addAdapter(AdapterSpec spec) {
    spec.requireNotDora("LoraConv2d");
    spec.requireSimpleInit("LoraConv2d");
    int r = spec.r();
    int in = inChannels(), out = outChannels(), g = groups(), kh = kernelH(), kw = kernelW();
    Parameter a;
    Parameter b;
    if (form == Form.LORALIB) {
      int k = kh;
      a = LoraInit.downA(spec, in * k, r * k, in * k);                   // A: [r·k, in·k]
      b = LoraInit.upB(spec, r * k, out / g * k, r * k);                 // B: [out/groups·k, r·k]
    } else {
      if (r % g != 0) {
        throw new IllegalArgumentException("LoraConv2d: rank " + r + " must be divisible by groups " + g);
      }
      a = LoraInit.downA(spec, in / g * kh * kw, r, in / g, kh, kw);     // A: [r, in/groups, kh, kw]
      b = LoraInit.upB(spec, r / g, out, r / g, 1, 1);                   // B: [out, r/groups, 1, 1]
    }
    LoraAdapter ad = new LoraAdapter(spec.name(), r, spec.alpha(), spec.scaling(),
        form == Form.LORALIB ? 0f : spec.dropout(), a, b, spec.rng().split());
    lora.add(ad);
    return ad;
  }

  @Override
  public Variable forward(Variable x) {
    // x: [N, in, H, W] -> [N, out, outH, outW]
    java.util.List<LoraAdapter> ads = lora.forwardAdapters();
    if (ads.isEmpty()) return super.forward(x);
    if (form == Form.LORALIB) {
      Variable w = weight();
      for (LoraAdapter ad : ads) {   // several active adapters add up
        w = F.add(w, F.scale(F.reshape(F.matmul(ad.b(), false, ad.a(), false), weight().shape()), ad.scaling()));
      }
      return F.conv2d(x, w, bias(), stride(), stride(), padding(), padding(), dilation(), dilation(), groups());
    }
    Variable y = super.forward(x);
    for (LoraAdapter ad : ads) {
      Variable xd = F.dropout(x, ad.dropout(), ad.dropoutRng(), isTraining());
      Variable h = F.conv2d(xd, ad.a(), null, stride(), stride(), padding(), padding(), dilation(), dilation(),
          groups());                                                                                   // [N, r, oh, ow]
      Variable d = F.conv2d(F.scale(h, ad.scaling()), ad.b(), null, 1, 1, 0, 0, 1, 1, groups());            // [N, out, oh, ow]
      y = F.add(y, d);
    }
    return y;
  }

  @Override
  public Tensor deltaWeight(LoraAdapter ad) {
    Tensor a = ad.a().value();
    Tensor b = ad.b().value();
    Tensor delta;
    if (form == Form.LORALIB) {
      // [out/groups·k, r·k]·[r·k, in·k] -> viewed as [out, in/groups, k, k]
      delta = Backends.current().matmul().matmul(b, false, a, false).reshape(weight().shape());
    } else {
      int g = groups(), out = outChannels(), r = ad.r();
      int cols = a.size() / r;                                  // in/groups·kh·kw
      delta = Tensor.zeros(weight().shape());
      Tensor d2 = delta.reshape(out, cols);
      Tensor a2 = a.reshape(r, cols);
      Tensor b2 = b.reshape(out, r / g);
      for (int gi = 0; gi < g; gi++) {
        // group gi: B_g [out/G, r/G] · A_g [r/G, cols] -> rows of ΔW for the group's outputs
        Backends.current().matmul().matmul(b2.rows(gi * out / g, (gi + 1) * out / g), false,
            a2.rows(gi * r / g, (gi + 1) * r / g), false, d2.rows(gi * out / g, (gi + 1) * out / g), false);
      }
    }
    return LoraTensors.scaleInPlace(delta, ad.scaling());
  }

  @Override
  public Module toBaseLayer() {
    return new PlainConv2d(this);
  }

  @Override
  protected void onTrainingModeChanged(boolean training) {
    lora.onTrainingModeChanged(training, this);
  }

  @Override
  protected void beforeLoadStateDict() {
    lora.beforeLoadStateDict("LoraConv2d" + Arrays.toString(weight().shape()));
  }

  /** nn.Conv2d over this layer's parameters and geometry. */
  static final class PlainConv2d extends Conv2d {
    PlainConv2d(Conv2d c) {
      super(c.weight(), c.bias(), c.stride(), c.padding(), c.dilation(), c.groups());
    }
  }
}
