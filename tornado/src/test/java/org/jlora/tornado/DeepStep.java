package org.jlora.tornado;

import java.util.ArrayList;
import java.util.List;
import org.jlora.engine.AdamHyper;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.BinaryOp;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.engine.UnaryOp;

/**
 * Test support: a training step of a deep residual model written straight in kernel-family calls
 * (what autograd's ops reduce to): token embedding, per block a norm (LayerNorm and RMSNorm in
 * turn) and an MLP (GELU, or SwiGLU every third block) with a LoRA adapter on its first
 * projection, a final RMSNorm, an output head, cross-entropy with an ignored target, the whole
 * backward, global gradient clipping into AdamW's GRAD_SCALE slot, and AdamW. {@code lora}:
 * only the adapters train (the base is frozen); otherwise every weight trains.
 *
 * <p>Attention is not in it (TornadoModelsTest trains models with attention through the step); a step with a call without a device kernel is
 * refused (see TornadoStepCompilerTest).
 */
final class DeepStep {
  final int depth, batchRows, dim, hidden, vocab, rank;
  final boolean lora;
  final Tensor table, wOut, finalNorm;
  final List<Tensor> w1 = new ArrayList<>(), w3 = new ArrayList<>(), w2 = new ArrayList<>();
  final List<Tensor> gamma = new ArrayList<>(), beta = new ArrayList<>(), aLora = new ArrayList<>(), bLora = new ArrayList<>();
  /** Trainable parameters with their moments, in a fixed order. */
  final List<Tensor> params = new ArrayList<>(), m = new ArrayList<>(), v = new ArrayList<>();
  final Tensor hyper = AdamHyper.allocate();
  final int[] ids, targets;
  Tensor loss, gradNorm;
  private int t;
  private static final float LORA_SCALE = 2f;
  private static final float MAX_NORM = 0.5f;

  DeepStep(int depth, int rows, int dim, int hidden, int vocab, int rank, boolean lora, long seed) {
    this.depth = depth;
    this.batchRows = rows;
    this.dim = dim;
    this.hidden = hidden;
    this.vocab = vocab;
    this.rank = rank;
    this.lora = lora;
    Rng rng = new Rng(seed);
    table = Tensor.randn(rng, 0f, 0.5f, vocab, dim);
    wOut = Tensor.randn(rng, 0f, 0.3f, vocab, dim);
    finalNorm = Tensor.uniform(rng, 0.8f, 1.2f, dim);
    for (int l = 0; l < depth; l++) {
      w1.add(Tensor.randn(rng, 0f, 0.25f, hidden, dim));
      w3.add(Tensor.randn(rng, 0f, 0.25f, hidden, dim));
      w2.add(Tensor.randn(rng, 0f, 0.15f, dim, hidden));
      gamma.add(Tensor.uniform(rng, 0.8f, 1.2f, dim));
      beta.add(Tensor.randn(rng, 0f, 0.1f, dim));
      aLora.add(Tensor.randn(rng, 0f, 0.2f, rank, dim));
      bLora.add(Tensor.randn(rng, 0f, 0.05f, hidden, rank));
    }
    if (lora) {
      for (int l = 0; l < depth; l++) { params.add(aLora.get(l)); params.add(bLora.get(l)); }
    } else {
      params.add(table);
      params.add(wOut);
      params.add(finalNorm);
      for (int l = 0; l < depth; l++) {
        params.add(w1.get(l)); params.add(w3.get(l)); params.add(w2.get(l));
        params.add(gamma.get(l)); params.add(beta.get(l)); params.add(aLora.get(l)); params.add(bLora.get(l));
      }
    }
    for (Tensor p : params) { m.add(Tensor.zeros(p.shape())); v.add(Tensor.zeros(p.shape())); }
    ids = new int[rows];
    targets = new int[rows];
  }

  /** The host's part of a step: this step's tokens and AdamW's scalars. */
  void prepare(Rng data) {
    for (int i = 0; i < batchRows; i++) {
      ids[i] = data.nextInt(vocab);
      targets[i] = i % 5 == 4 ? -100 : data.nextInt(vocab);
    }
    t++;
    AdamHyper.write(hyper, 1e-2f, 0.9f, 0.999f, 1e-8f, 0.01f, (float) (1 - Math.pow(0.9, t)),
        (float) (1 - Math.pow(0.999, t)), 1f);
  }

  private boolean trains(Tensor p) {
    return params.contains(p);
  }

  /** One step, every value computed by a kernel of the current backend. */
  void kernels() {
    Backend be = Backends.current();
    int n = batchRows, c = dim, f = hidden;
    Tensor x0 = Tensor.zeros(n, c);
    be.embedding().gatherRows(table, ids, x0);
    List<Tensor> xs = new ArrayList<>(), hs = new ArrayList<>(), stats1 = new ArrayList<>(), stats2 = new ArrayList<>();
    List<Tensor> as = new ArrayList<>(), gs = new ArrayList<>(), us = new ArrayList<>(), zs = new ArrayList<>();
    Tensor x = x0;
    for (int l = 0; l < depth; l++) {
      xs.add(x);
      Tensor h = Tensor.zeros(n, c), s1 = Tensor.zeros(n), s2 = Tensor.zeros(n);
      if (l % 2 == 0) {
        be.rows().layerNorm(n, c, x, gamma.get(l), beta.get(l), 1e-5f, h, s1, s2);
      } else {
        be.rows().rmsNorm(n, c, x, gamma.get(l), 1e-6f, h, s2);
      }
      Tensor a = Tensor.zeros(n, f), z = Tensor.zeros(n, rank), lo = Tensor.zeros(n, f);
      be.matmul().matmul(h, false, w1.get(l), true, a, false);
      be.matmul().matmul(h, false, aLora.get(l), true, z, false);
      be.matmul().matmul(z, false, bLora.get(l), true, lo, false);
      be.elementwise().axpy(LORA_SCALE, lo, a);
      Tensor u = Tensor.zeros(n, f), g = null;
      if (l % 3 == 2) {
        g = Tensor.zeros(n, f);
        be.matmul().matmul(h, false, w3.get(l), true, g, false);
        be.elementwise().swiglu(a, g, u);
      } else {
        be.elementwise().unary(UnaryOp.GELU_TANH, a, u);
      }
      Tensor o = Tensor.zeros(n, c), next = Tensor.zeros(n, c);
      be.matmul().matmul(u, false, w2.get(l), true, o, false);
      be.elementwise().binary(BinaryOp.ADD, x, o, next);
      hs.add(h); stats1.add(s1); stats2.add(s2); as.add(a); gs.add(g); us.add(u); zs.add(z);
      x = next;
    }
    Tensor hf = Tensor.zeros(n, c), rf = Tensor.zeros(n), logits = Tensor.zeros(n, vocab), logp = Tensor.zeros(n, vocab);
    be.rows().rmsNorm(n, c, x, finalNorm, 1e-6f, hf, rf);
    be.matmul().matmul(hf, false, wOut, true, logits, false);
    loss = Tensor.zeros(1);
    be.rows().crossEntropy(n, vocab, logits, targets, -100, logp, loss);

    // backward
    List<Tensor> grads = new ArrayList<>();
    java.util.Map<Tensor, Tensor> gradOf = new java.util.IdentityHashMap<>();
    Tensor dloss = Tensor.full(1f, 1);
    Tensor dlogits = Tensor.zeros(n, vocab);
    be.rows().crossEntropyBackward(n, vocab, logp, targets, -100, dloss, dlogits);
    if (trains(wOut)) gradOf.put(wOut, matmulNew(be, dlogits, true, hf, false, vocab, c));
    Tensor dhf = Tensor.zeros(n, c);
    be.matmul().matmul(dlogits, false, wOut, false, dhf, false);
    Tensor dx = Tensor.zeros(n, c), dfn = trains(finalNorm) ? Tensor.zeros(c) : null;
    be.rows().rmsNormBackward(n, c, x, finalNorm, rf, dhf, dx, dfn);
    if (dfn != null) gradOf.put(finalNorm, dfn);
    for (int l = depth - 1; l >= 0; l--) {
      Tensor h = hs.get(l), a = as.get(l), u = us.get(l), z = zs.get(l), g = gs.get(l);
      // o = u·W2ᵀ, next = x + o: do = dx
      if (trains(w2.get(l))) gradOf.put(w2.get(l), matmulNew(be, dx, true, u, false, c, f));
      Tensor du = Tensor.zeros(n, f), da = Tensor.zeros(n, f), dh = Tensor.zeros(n, c);
      be.matmul().matmul(dx, false, w2.get(l), false, du, false);
      if (g != null) {
        Tensor dg = Tensor.zeros(n, f);
        be.elementwise().swigluBackward(a, g, du, da, dg);
        if (trains(w3.get(l))) gradOf.put(w3.get(l), matmulNew(be, dg, true, h, false, f, c));
        be.matmul().matmul(dg, false, w3.get(l), false, dh, true);
      } else {
        be.elementwise().unaryBackward(UnaryOp.GELU_TANH, a, u, du, da, false);
      }
      if (trains(w1.get(l))) gradOf.put(w1.get(l), matmulNew(be, da, true, h, false, f, c));
      be.matmul().matmul(da, false, w1.get(l), false, dh, true);
      // LoRA: a += s · (h·Aᵀ)·Bᵀ
      Tensor dB = Tensor.zeros(f, rank), dz = Tensor.zeros(n, rank), dA = Tensor.zeros(rank, c);
      be.matmul().matmul(da, true, z, false, dB, false);
      be.elementwise().scale(LORA_SCALE, dB);
      be.matmul().matmul(da, false, bLora.get(l), false, dz, false);
      be.elementwise().scale(LORA_SCALE, dz);
      be.matmul().matmul(dz, true, h, false, dA, false);
      be.matmul().matmul(dz, false, aLora.get(l), false, dh, true);
      gradOf.put(aLora.get(l), dA);
      gradOf.put(bLora.get(l), dB);
      Tensor dxn = Tensor.zeros(n, c);
      Tensor dgm = trains(gamma.get(l)) ? Tensor.zeros(c) : null;
      if (l % 2 == 0) {
        Tensor dbt = trains(beta.get(l)) ? Tensor.zeros(c) : null;
        be.rows().layerNormBackward(n, c, xs.get(l), gamma.get(l), stats1.get(l), stats2.get(l), dh, dxn, dgm, dbt, false);
        if (dbt != null) gradOf.put(beta.get(l), dbt);
      } else {
        be.rows().rmsNormBackward(n, c, xs.get(l), gamma.get(l), stats2.get(l), dh, dxn, dgm);
        if (trains(beta.get(l))) {   // beta is unused by RMSNorm blocks: a zero gradient
          gradOf.put(beta.get(l), Tensor.zeros(c));
        }
      }
      if (dgm != null) gradOf.put(gamma.get(l), dgm);
      Tensor dprev = Tensor.zeros(n, c);
      be.elementwise().binary(BinaryOp.ADD, dx, dxn, dprev);
      dx = dprev;
    }
    if (trains(table)) {
      Tensor dt = Tensor.zeros(vocab, c);
      be.embedding().scatterAddRows(dx, ids, dt);
      gradOf.put(table, dt);
    }
    for (Tensor p : params) {
      // a SwiGLU weight of a GELU block is unused: its gradient is zero
      grads.add(gradOf.containsKey(p) ? gradOf.get(p) : Tensor.zeros(p.shape()));
    }
    // clip into AdamW's gradient scale, then update
    Tensor ss = Tensor.zeros(1);
    gradNorm = Tensor.zeros(1);
    be.reductions().sumOfSquares(grads, ss);
    be.optimizer().clipCoefficient(ss, MAX_NORM, gradNorm, hyper.window(AdamHyper.GRAD_SCALE, 1));
    for (int i = 0; i < params.size(); i++) be.optimizer().adamw(params.get(i), grads.get(i), m.get(i), v.get(i), hyper);
  }

  private static Tensor matmulNew(Backend be, Tensor a, boolean transA, Tensor b, boolean transB, int rows, int cols) {
    Tensor out = Tensor.zeros(rows, cols);
    be.matmul().matmul(a, transA, b, transB, out, false);
    return out;
  }

  /** Every tensor the step keeps: parameters (trained or not) and moments. */
  List<Tensor> state() {
    List<Tensor> all = new ArrayList<>(List.of(table, wOut, finalNorm));
    all.addAll(w1); all.addAll(w3); all.addAll(w2); all.addAll(gamma); all.addAll(beta);
    all.addAll(aLora); all.addAll(bLora); all.addAll(m); all.addAll(v);
    return all;
  }
}
