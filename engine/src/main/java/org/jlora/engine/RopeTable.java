package org.jlora.engine;

/**
 * The cos and sin tables RoPE turns by: {@code cos[p, i] = cos(pos·f_i)}, {@code sin[p, i] = sin(pos·f_i)}
 * for positions {@code pos = start + p}, p < T, and pairs i < D/2, with {@code f_i = theta^(-2i/D)}.
 *
 * <p>Built once on the host for a fixed shape and handed to the kernels as tensors, so a captured
 * training step never computes angles. The arithmetic is Hugging Face's (inverse frequencies and
 * {@code pos·f} in float32, then cos and sin), so logits match transformers' closely.
 *
 * @param cos [T, D/2]
 * @param sin [T, D/2]
 */
public record RopeTable(Tensor cos, Tensor sin) {
  public RopeTable {
    if (cos.rank() != 2 || !cos.sameShape(sin)) {
      throw new ShapeException("RopeTable: cos " + Shapes.str(cos.shape()) + " and sin " + Shapes.str(sin.shape())
          + " must be the same [T, D/2]");
    }
  }

  /** The tables for positions {@code start .. start+t-1} of heads of size {@code d} (even). */
  public static RopeTable of(int start, int t, int d, float theta) {
    if (d <= 0 || d % 2 != 0) throw new IllegalArgumentException("RopeTable: head size " + d + " must be even");
    if (start < 0 || t < 0) throw new IllegalArgumentException("RopeTable: positions " + start + " + " + t);
    int half = d / 2;
    // filled on the host, then wrapped: built inside a recorded step, the tables are its constants
    float[] c = new float[t * half];
    float[] s = new float[t * half];
    for (int i = 0; i < half; i++) {
      // HF: inv_freq = 1 / theta^(arange(0, D, 2) / D), in float32
      float invFreq = (float) (1.0 / Math.pow(theta, (float) (2 * i) / d));
      for (int p = 0; p < t; p++) {
        float angle = (float) (start + p) * invFreq;
        c[p * half + i] = (float) Math.cos(angle);
        s[p * half + i] = (float) Math.sin(angle);
      }
    }
    return new RopeTable(Tensor.of(c, t, half), Tensor.of(s, t, half));
  }

  /** Positions covered (T). */
  public int length() {
    return cos.dim(0);
  }

  /** Pairs per head (D/2). */
  public int pairs() {
    return cos.dim(1);
  }
}
