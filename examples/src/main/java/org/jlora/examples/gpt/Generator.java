package org.jlora.examples.gpt;

import java.util.Arrays;
import org.jlora.autograd.F;
import org.jlora.autograd.NoGrad;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;

/**
 * Text continuation with a {@link KvCache}: the prompt runs through the model once (prefill),
 * then each new token costs one position. Every layer is called through its module's forward
 * (LayerNorm, c_attn, c_proj, mlp, lm_head), so LoRA layers injected into the model apply,
 * merged or unmerged. Runs under {@link NoGrad} in eval mode (the model's mode is restored after).
 */
public final class Generator {
  private final Gpt model;

  public Generator(Gpt model) {
    this.model = model;
  }

  /**
   * Continues {@code prompts} (B rows of equal length). Each row stops after {@code stopToken}
   * (kept in its output; -1 = never), after {@code maxNewTokens}, or when the context (block size)
   * is full. Returns each row's new tokens.
   *
   * @param useCache false recomputes the whole prefix for every token (the reference the cached
   *     path is tested against)
   */
  public int[][] generate(int[][] prompts, int maxNewTokens, Sampling sampling, Rng rng, int stopToken,
                          boolean useCache) {
    int b = prompts.length;
    if (b == 0) throw new IllegalArgumentException("generate: no prompts");
    int t0 = prompts[0].length;
    for (int[] p : prompts) {
      if (p.length != t0) throw new IllegalArgumentException("generate: prompts must have equal lengths, got "
          + t0 + " and " + p.length);
    }
    GptConfig cfg = model.config();
    if (t0 < 1 || t0 > cfg.blockSize()) {
      throw new IllegalArgumentException("generate: prompt length " + t0 + " must be in [1, block size "
          + cfg.blockSize() + "]");
    }
    int steps = Math.max(0, Math.min(maxNewTokens, cfg.blockSize() - t0));   // every new token keeps a position
    int[] seq = new int[b * cfg.blockSize()];   // [B, Tmax]: prompt then continuation
    for (int r = 0; r < b; r++) System.arraycopy(prompts[r], 0, seq, r * cfg.blockSize(), t0);
    int[] produced = new int[b];
    boolean[] stopped = new boolean[b];
    boolean wasTraining = model.isTraining();
    model.eval();
    try (NoGrad g = NoGrad.enter()) {
      KvCache cache = useCache ? new KvCache(cfg, b) : null;
      int len = t0;
      float[] logits = useCache ? cachedForward(cache, prompt(seq, b, len, 0), b, len) : lastLogits(seq, b, len);
      int v = cfg.vocabSize();
      for (int s = 0; s < steps; s++) {
        int[] next = new int[b];
        boolean allStopped = true;
        for (int r = 0; r < b; r++) {
          next[r] = sampling.pick(logits, r * v, v, rng);
          if (!stopped[r]) {
            produced[r]++;
            stopped[r] = next[r] == stopToken;
          }
          allStopped &= stopped[r];
          seq[r * cfg.blockSize() + len] = next[r];
        }
        if (allStopped) break;
        len++;
        if (s + 1 < steps) logits = useCache ? cachedForward(cache, next, b, 1) : lastLogits(seq, b, len);
      }
    } finally {
      if (wasTraining) model.train();
    }
    int[][] out = new int[b][];
    for (int r = 0; r < b; r++) out[r] = Arrays.copyOfRange(seq, r * cfg.blockSize() + t0, r * cfg.blockSize() + t0 + produced[r]);
    return out;
  }

  /** One prompt, with the cache. */
  public int[] generate(int[] prompt, int maxNewTokens, Sampling sampling, Rng rng, int stopToken) {
    return generate(new int[][] {prompt}, maxNewTokens, sampling, rng, stopToken, true)[0];
  }

  /** The first {@code len} tokens of every row of {@code seq} [B, Tmax], packed as [B, len]. */
  private int[] prompt(int[] seq, int b, int len, int from) {
    int tMax = model.config().blockSize();
    int[] ids = new int[b * len];
    for (int r = 0; r < b; r++) System.arraycopy(seq, r * tMax + from, ids, r * len, len);
    return ids;
  }

  /** No cache: the full forward over [B, len], logits of the last position [B, V]. */
  private float[] lastLogits(int[] seq, int b, int len) {
    Variable logits = model.forward(prompt(seq, b, len, 0), b, len);   // [B, len, V]
    return F.slice(logits, 1, len - 1, len).value().toArray();
  }

  /** Runs ids [B, t] at positions cache.length.. through every layer; returns the last position's logits [B, V]. */
  private float[] cachedForward(KvCache cache, int[] ids, int b, int t) {
    Transformer tr = model.transformer();
    int pos = cache.length;
    Variable x = model.embed(ids, b, t, pos);                                    // [B, t, C]
    for (int l = 0; l < model.config().nLayer(); l++) {
      Block block = tr.block(l);
      Module cAttn = block.attn().child("c_attn");
      Module cProj = block.attn().child("c_proj");
      Variable qkv = cAttn.forward(block.ln1().forward(x));                      // [B, t, 3C]
      Variable y = attend(cache, l, qkv.value(), b, t, pos);                     // [B, t, C]
      x = F.add(x, cProj.forward(y));
      x = F.add(x, block.mlp().forward(block.ln2().forward(x)));
    }
    cache.length += t;
    Variable last = F.slice(x, 1, t - 1, t);                                     // [B, 1, C]
    return model.lmHead().forward(tr.lnF().forward(last)).value().toArray();    // [B, 1, V]
  }

  /**
   * Stores the new keys and values of layer {@code l} in the cache, then for every new query
   * position p = pos + i: {@code y = softmax(q·Kᵀ[0..p] / sqrt(D)) · V[0..p]} (causal by construction).
   * qkv [B, t, 3C] -> y [B, t, C].
   */
  private static Variable attend(KvCache cache, int l, Tensor qkv, int b, int t, int pos) {
    int h = cache.heads;
    int d = cache.headSize;
    int c = h * d;
    float[] src = qkv.data();
    int base = qkv.offset();
    float[] k = cache.keys[l];
    float[] v = cache.values[l];
    for (int bi = 0; bi < b; bi++) {
      for (int i = 0; i < t; i++) {
        int row = base + (bi * t + i) * 3 * c;
        for (int hi = 0; hi < h; hi++) {
          System.arraycopy(src, row + c + hi * d, k, cache.at(bi, hi, pos + i), d);
          System.arraycopy(src, row + 2 * c + hi * d, v, cache.at(bi, hi, pos + i), d);
        }
      }
    }
    float[] y = new float[b * t * c];
    float scale = (float) (1.0 / Math.sqrt(d));
    Backend be = Backends.current();
    float[] q = new float[d];
    float[] scores = new float[pos + t];
    for (int bi = 0; bi < b; bi++) {
      for (int hi = 0; hi < h; hi++) {
        int kv = cache.at(bi, hi, 0);                  // K, V of this head: [Tmax, D], rows 0.. filled
        for (int i = 0; i < t; i++) {
          int n = pos + i + 1;                         // keys 0..pos+i are visible
          int qAt = base + (bi * t + i) * 3 * c + hi * d;
          for (int e = 0; e < d; e++) q[e] = scale * src[qAt + e];
          // scoresᵀ [n, 1] = K [n, D] · (q·s)ᵀ: one dot product per cached key
          be.matmul(1, n, 1, d, k, kv, false, q, 0, true, false, scores, 0, false);
          be.softmaxRows(1, n, scores, 0, scores, 0);
          // yᵀ [D, 1] = Vᵀ [D, n] · pᵀ [n, 1], into this position's head columns
          be.matmul(1, d, 1, n, v, kv, true, scores, 0, false, false, y, (bi * t + i) * c + hi * d, false);
        }
      }
    }
    return Variable.constant(Tensor.of(y, b, t, c));
  }
}
