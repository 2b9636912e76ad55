package org.jlora.lora;

import org.jlora.autograd.F;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Embedding;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Backends;
import org.jlora.engine.Tensor;

/**
 * loralib's {@code lora.Embedding}: a frozen lookup table plus a low-rank update of it.
 *
 * <pre>
 *   y[i] = W[ids[i]] + Aᵀ[ids[i]]·Bᵀ · scaling        W: [vocab, dim], A: [r, vocab], B: [dim, r]
 * </pre>
 *
 * <p>Unlike the dense layers, A starts at zero and B normal (an embedding has no input to drop,
 * so there is no dropout, and a zero A keeps ΔW = 0 at init). The forward looks up rows of Aᵀ,
 * never forming B·A. PEFT names these {@code lora_embedding_A} / {@code lora_embedding_B}.
 */
public class LoraEmbedding extends Embedding implements LoraLayer {
  private final int vocab;
  private final int dim;
  private final LoraState lora;

  /** Wraps an existing table {@code weight: [vocab, dim]} (shared, not copied) with no adapter yet. */
  public LoraEmbedding(Parameter weight, boolean mergeWeights) {
    super(weight);
    this.vocab = weight.value().dim(0);
    this.dim = weight.value().dim(1);
    this.lora = new LoraState(registerModule("lora_A", new AdapterParams()).get(),
        registerModule("lora_B", new AdapterParams()).get(), mergeWeights);
  }

  /** Wraps a plain Embedding, sharing its table. */
  public static LoraEmbedding wrap(Embedding base, boolean mergeWeights) {
    return new LoraEmbedding(base.weight(), mergeWeights);
  }

  @Override public LoraState lora() { return lora; }
  @Override public Parameter baseWeight() { return weight(); }
  @Override public Parameter baseBias() { return null; }

  @Override
  public LoraAdapter addAdapter(AdapterSpec spec) {
    spec.requireNotDora("LoraEmbedding");
    spec.requireSimpleInit("LoraEmbedding");
    int r = spec.r();
    // A: [r, vocab] zeros, B: [dim, r] N(0, 1); both random for InitLoraWeights.RANDOM
    Tensor a = spec.init() == InitLoraWeights.RANDOM ? Tensor.randn(spec.rng(), r, vocab) : Tensor.zeros(r, vocab);
    Tensor b = Tensor.randn(spec.rng(), dim, r);
    LoraAdapter ad = new LoraAdapter(spec.name(), r, spec.alpha(), spec.scaling(), 0f,
        new Parameter(a), new Parameter(b), spec.rng().split());
    lora.add(ad);
    return ad;
  }

  @Override
  public Variable forward(int[] ids, int... idsShape) {
    Variable y = super.forward(ids, idsShape);                                    // [..., dim]
    for (LoraAdapter ad : lora.forwardAdapters()) {   // several active adapters add up
      Variable afterA = F.embedding(F.transpose(ad.a(), 0, 1), ids, ids.length);    // rows of Aᵀ: [N, r]
      Variable delta = F.matmul(F.scale(afterA, ad.scaling()), false, ad.b(), true); // [N, r]·Bᵀ -> [N, dim]
      y = F.add(y, F.reshape(delta, y.shape()));
    }
    return y;
  }

  @Override
  public Tensor deltaWeight(LoraAdapter ad) {
    // ΔW = scaling · (B·A)ᵀ = scaling · Aᵀ·Bᵀ: [vocab, r]·[r, dim] -> [vocab, dim]
    return LoraTensors.scaleInPlace(Backends.current().matmul().matmul(ad.a().value(), true, ad.b().value(), true), ad.scaling());
  }

  /** PEFT names embedding adapters {@code lora_embedding_A} [r, vocab] and {@code lora_embedding_B} [dim, r], with no ".weight". */
  @Override
  public java.util.Map<String, Tensor> exportPeft(LoraAdapter ad) {
    java.util.Map<String, Tensor> out = new java.util.LinkedHashMap<>();
    out.put("lora_embedding_A", ad.a().value());
    out.put("lora_embedding_B", ad.b().value());
    return out;
  }

  @Override
  public void importPeft(LoraAdapter ad, java.util.Map<String, Tensor> bySuffix, String keyPrefix) {
    LoraLayer.copyChecked(bySuffix.get("lora_embedding_A"), ad.a().value(), keyPrefix + "lora_embedding_A");
    LoraLayer.copyChecked(bySuffix.get("lora_embedding_B"), ad.b().value(), keyPrefix + "lora_embedding_B");
  }

  @Override
  public Module toBaseLayer() {
    return new PlainEmbedding(weight());
  }

  @Override
  protected void onTrainingModeChanged(boolean training) {
    lora.onTrainingModeChanged(training, this);
  }

  @Override
  protected void beforeLoadStateDict() {
    lora.beforeLoadStateDict("LoraEmbedding[" + vocab + " x " + dim + "]");
  }

  /** nn.Embedding over a given table. */
  static final class PlainEmbedding extends Embedding {
    PlainEmbedding(Parameter weight) {
      super(weight);
    }
  }
}
