package org.jlora.tornado.kernels;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The attention family on the device (the engine's AttentionKernels, twins of its
 * {@code HeadsScalar}, {@code CausalAttentionScalar}, {@code RopeScalar}; generation's cache
 * kernels, whose position is an IntArray sent every step) and the strided copy.
 * One work-item per output element, per query row or per key row: each owns what it writes, so
 * nothing needs atomics. Sums run in float in the scalar twins' order. Causal attention's
 * backward is two kernels: the query side (dS into scratch, then dq) and the key/value side
 * (dk, dv from the saved probabilities and dS). The saved probabilities have the engine's packed
 * layout: blocks of {@link #BLOCK} query rows [i0, i1), each a dense [i1 - i0, i1] matrix.
 * Parameter and local names avoid OpenCL built-ins (sign, dot, cos, sin, max, ...).
 */
public final class Attention {
  private Attention() {}

  /** The engine's {@code AttentionKernels.CAUSAL_BLOCK}. */
  public static final int BLOCK = 32;

  /** Where the packed probabilities of query row i start within its head's block. */
  private static int packedRow(int i, int t) {
    int nb = i / BLOCK;                       // full blocks before row i's
    int i0 = nb * BLOCK;
    int i1 = i0 + BLOCK < t ? i0 + BLOCK : t;
    return BLOCK * BLOCK * (nb * (nb + 1) / 2) + (i - i0) * i1;
  }

  // c[cOff] = scale; x: [B, T, P, Hx, D] (P = 1 for [B, T, Hx, D]) -> heads: [B, H, T, D] = scale · x[b, t, part, h / group]
  public static void toHeads(FloatArray mem, int cOff, int xOff, int hOff, int nb, int t, int parts,
                             int part, int hx, int h, int d) {
    for (@Parallel int i = 0; i < nb * h * t * d; i++) {
      int e = i % d;
      int ti = (i / d) % t;
      int m = i / (d * t);
      int bi = m / h;
      int xh = (m % h) / (h / hx);
      mem.set(hOff + i, mem.get(cOff) * mem.get(xOff + (((bi * t + ti) * parts + part) * hx + xh) * d + e));
    }
  }

  // c[cOff] = scale; heads: [B, H, T, D] -> x[b, t, part, xh] = scale · sum_r heads[b, xh·group + r, t] (other parts untouched)
  public static void fromHeads(FloatArray mem, int cOff, int hOff, int xOff, int nb, int t, int parts,
                               int part, int hx, int h, int d) {
    for (@Parallel int i = 0; i < nb * t * hx * d; i++) {
      int e = i % d;
      int xh = (i / d) % hx;
      int ti = (i / (d * hx)) % t;
      int bi = i / (d * hx * t);
      int group = h / hx;
      float sum = 0f;
      for (int r = 0; r < group; r++) sum += mem.get(hOff + ((bi * h + xh * group + r) * t + ti) * d + e);
      float scale = mem.get(cOff);
      mem.set(xOff + (((bi * t + ti) * parts + part) * hx + xh) * d + e, scale == 1f ? sum : sum * scale);
    }
  }

  // q, y: [bh, T, D], k, v: [bh / group, T, D] -> y, probs: [bh, packedSize(T)]; one work-item per query row
  public static void causalForward(FloatArray mem, int qOff, int kOff, int vOff, int yOff, int pOff,
                                   int bh, int group, int t, int d, int per) {
    for (@Parallel int w = 0; w < bh * t; w++) {
      int m = w / t;
      int i = w % t;
      int i1 = (i / BLOCK) * BLOCK + BLOCK < t ? (i / BLOCK) * BLOCK + BLOCK : t;
      int qo = qOff + m * t * d + i * d;
      int ko = kOff + (m / group) * t * d;
      int vo = vOff + (m / group) * t * d;
      int row = pOff + m * per + packedRow(i, t);
      for (int j = 0; j <= i; j++) {
        float acc = 0f;
        for (int e = 0; e < d; e++) acc += mem.get(qo + e) * mem.get(ko + j * d + e);
        mem.set(row + j, acc);
      }
      // softmax over the i + 1 visible keys, as the device's Rows.softmax
      float top = mem.get(row);
      for (int j = 1; j <= i; j++) {
        float s = mem.get(row + j);
        if (s > top || s != s) top = s;
      }
      float total = 0f;
      for (int j = 0; j <= i; j++) {
        float ex = TornadoMath.exp(mem.get(row + j) - top);
        mem.set(row + j, ex);
        total += ex;
      }
      float inv = 1f / total;
      for (int j = 0; j <= i; j++) mem.set(row + j, mem.get(row + j) * inv);
      for (int j = i + 1; j < i1; j++) mem.set(row + j, 0f);   // later keys of the block
      int yo = yOff + m * t * d + i * d;
      for (int e = 0; e < d; e++) {
        float acc = 0f;
        for (int j = 0; j <= i; j++) acc += mem.get(row + j) * mem.get(vo + j * d + e);
        mem.set(yo + e, acc);
      }
    }
  }

  /**
   * The query side of causal attention's backward, one work-item per query row i:
   * {@code dS[i, :] = P[i, :] ∘ (dP[i, :] - dP[i, :]·P[i, :])} with {@code dP[i, j] = dy[i]·v[j]},
   * written into {@code ds} (packed like the probabilities), then {@code dq[i] = sum_j dS[i, j]·k[j]}.
   */
  public static void causalBackwardQuery(FloatArray mem, int qOff, int kOff, int vOff, int pOff,
                                         int dyOff, int dsOff, int dqOff, int bh, int group,
                                         int t, int d, int per) {
    for (@Parallel int w = 0; w < bh * t; w++) {
      int m = w / t;
      int i = w % t;
      int go = dyOff + m * t * d + i * d;
      int ko = kOff + (m / group) * t * d;
      int vo = vOff + (m / group) * t * d;
      int at = m * per + packedRow(i, t);
      int prow = pOff + at;
      int srow = dsOff + at;
      for (int j = 0; j <= i; j++) {
        float acc = 0f;
        for (int e = 0; e < d; e++) acc += mem.get(go + e) * mem.get(vo + j * d + e);
        mem.set(srow + j, acc);
      }
      // softmax backward over the visible keys, as the device's Rows.softmaxBackward
      float s = 0f;
      for (int j = 0; j <= i; j++) s += mem.get(srow + j) * mem.get(prow + j);
      for (int j = 0; j <= i; j++) mem.set(srow + j, mem.get(prow + j) * (mem.get(srow + j) - s));
      int dqo = dqOff + m * t * d + i * d;
      for (int e = 0; e < d; e++) {
        float acc = 0f;
        for (int j = 0; j <= i; j++) acc += mem.get(srow + j) * mem.get(ko + j * d + e);
        mem.set(dqo + e, acc);
      }
    }
  }

  /**
   * The key/value side, one work-item per key row j of each query head (after
   * {@link #causalBackwardQuery}): block by block of query rows [i0, i1) that see j,
   * {@code dv[j] += sum_i P[i, j]·dy[i]} and {@code dk[j] += sum_i dS[i, j]·q[i]}, from zero.
   */
  public static void causalBackwardKeys(FloatArray mem, int qOff, int pOff, int dyOff, int dsOff,
                                        int dkOff, int dvOff, int bh, int t, int d, int per) {
    for (@Parallel int w = 0; w < bh * t; w++) {
      int m = w / t;
      int j = w % t;
      int qo = qOff + m * t * d;
      int go = dyOff + m * t * d;
      int dko = dkOff + m * t * d + j * d;
      int dvo = dvOff + m * t * d + j * d;
      for (int e = 0; e < d; e++) {
        float dvAcc = 0f;
        float dkAcc = 0f;
        for (int i0 = (j / BLOCK) * BLOCK; i0 < t; i0 += BLOCK) {
          int i1 = i0 + BLOCK < t ? i0 + BLOCK : t;
          int blk = m * per + packedRow(i0, t);
          int from = i0 > j ? i0 : j;
          float sv = 0f;
          float sk = 0f;
          for (int i = from; i < i1; i++) {
            sv += mem.get(pOff + blk + (i - i0) * i1 + j) * mem.get(go + i * d + e);
            sk += mem.get(dsOff + blk + (i - i0) * i1 + j) * mem.get(qo + i * d + e);
          }
          dvAcc += sv;
          dkAcc += sk;
        }
        mem.set(dvo + e, dvAcc);
        mem.set(dko + e, dkAcc);
      }
    }
  }

  // x: [B·T, H, D], cosine, sine: [T, D/2] -> y: each pair turned by (turn = +1 forward, -1 backward) its angle; y may be x
  public static void rope(FloatArray mem, int xOff, int cosOff, int sinOff, int yOff, int bt, int t,
                          int h, int d, int interleaved, int turn) {
    for (@Parallel int w = 0; w < bt * h * (d / 2); w++) {
      int half = d / 2;
      int i = w % half;
      int hi = (w / half) % h;
      int r = w / (half * h);
      int p = r % t;
      float cv = mem.get(cosOff + p * half + i);
      float sv = turn == 1 ? mem.get(sinOff + p * half + i) : -mem.get(sinOff + p * half + i);
      int rowAt = (r * h + hi) * d;
      int ia = rowAt + (interleaved == 1 ? 2 * i : i);
      int ib = rowAt + (interleaved == 1 ? 2 * i + 1 : i + half);
      float xa = mem.get(xOff + ia);
      float xb = mem.get(xOff + ib);
      mem.set(yOff + ia, xa * cv - xb * sv);
      mem.set(yOff + ib, xa * sv + xb * cv);
    }
  }

  // position[0] = pos; x: [B, T, P, Hkv, D] (P = 1 for [B, T, Hkv, D]) part -> cache [B, Hkv, Tmax, D] rows pos..pos+T-1
  public static void cacheWrite(FloatArray mem, IntArray position, int xOff, int cOff, int nb, int t, int parts,
                                int part, int hkv, int d, int tMax) {
    for (@Parallel int i = 0; i < nb * t * hkv * d; i++) {
      int e = i % d;
      int kh = (i / d) % hkv;
      int ti = (i / (d * hkv)) % t;
      int bi = i / (d * hkv * t);
      mem.set(cOff + ((bi * hkv + kh) * tMax + position.get(0) + ti) * d + e,
          mem.get(xOff + (((bi * t + ti) * parts + part) * hkv + kh) * d + e));
    }
  }

  /**
   * Attention over a KV cache, one work-item per query row (the twin of the engine's
   * CachedAttentionScalar, with causalForward's softmax): row i of head m, at position pos + i,
   * sees cached rows 0..pos+i; its scores go to scratch {@code s} [bh·T, Tmax].
   */
  // position[0] = pos; q, y: [bh, T, D] (q scaled), k, v: [bh / group, Tmax, D]
  public static void cachedAttention(FloatArray mem, IntArray position, int qOff, int kOff, int vOff, int yOff,
                                     int sOff, int bh, int group, int t, int d, int tMax) {
    for (@Parallel int w = 0; w < bh * t; w++) {
      int m = w / t;
      int n = position.get(0) + w % t + 1;
      int qo = qOff + w * d;
      int ko = kOff + (m / group) * tMax * d;
      int vo = vOff + (m / group) * tMax * d;
      int row = sOff + w * tMax;
      for (int j = 0; j < n; j++) {
        float acc = 0f;
        for (int e = 0; e < d; e++) acc += mem.get(qo + e) * mem.get(ko + j * d + e);
        mem.set(row + j, acc);
      }
      float top = mem.get(row);
      for (int j = 1; j < n; j++) {
        float s = mem.get(row + j);
        if (s > top || s != s) top = s;
      }
      float total = 0f;
      for (int j = 0; j < n; j++) {
        float ex = TornadoMath.exp(mem.get(row + j) - top);
        mem.set(row + j, ex);
        total += ex;
      }
      float inv = 1f / total;
      for (int j = 0; j < n; j++) mem.set(row + j, mem.get(row + j) * inv);
      int yo = yOff + w * d;
      for (int e = 0; e < d; e++) {
        float acc = 0f;
        for (int j = 0; j < n; j++) acc += mem.get(row + j) * mem.get(vo + j * d + e);
        mem.set(yo + e, acc);
      }
    }
  }

  // position[0] = pos; x: [B·T, H, D], cos, sin: [Tmax, D/2] -> y: row r turned by the angles of position pos + r % T
  public static void ropeAt(FloatArray mem, IntArray position, int xOff, int cosOff, int sinOff, int yOff, int bt,
                            int t, int h, int d, int interleaved) {
    for (@Parallel int w = 0; w < bt * h * (d / 2); w++) {
      int half = d / 2;
      int i = w % half;
      int hi = (w / half) % h;
      int r = w / (half * h);
      int p = position.get(0) + r % t;
      float cv = mem.get(cosOff + p * half + i);
      float sv = mem.get(sinOff + p * half + i);
      int rowAt = (r * h + hi) * d;
      int ia = rowAt + (interleaved == 1 ? 2 * i : i);
      int ib = rowAt + (interleaved == 1 ? 2 * i + 1 : i + half);
      float xa = mem.get(xOff + ia);
      float xb = mem.get(xOff + ib);
      mem.set(yOff + ia, xa * cv - xb * sv);
      mem.set(yOff + ib, xa * sv + xb * cv);
    }
  }

  /**
   * The strided copy: the walk's axes split into {@code outer} ones (one work-item per index,
   * each owning its destination elements) and {@code inner} ones walked in row-major order by
   * each work-item (the axes a zero destination stride sums over). {@code g} holds, from
   * {@code gOff}, per outer axis then per inner axis: extent, source stride, destination stride
   * (as floats, exact below 2^24).
   */
  public static void copyStrided(FloatArray mem, int gOff, int srcOff, int dstOff, int outer,
                                 int nOuter, int inner, int nInner, int accumulate) {
    for (@Parallel int w = 0; w < outer; w++) {
      int rem = w;
      int s0 = srcOff;
      int d0 = dstOff;
      for (int a = nOuter - 1; a >= 0; a--) {
        int ext = (int) mem.get(gOff + 3 * a);
        int idx = rem % ext;
        rem = rem / ext;
        s0 += idx * (int) mem.get(gOff + 3 * a + 1);
        d0 += idx * (int) mem.get(gOff + 3 * a + 2);
      }
      int base = gOff + 3 * nOuter;
      for (int q = 0; q < inner; q++) {
        int rq = q;
        int s1 = s0;
        int d1 = d0;
        for (int a = nInner - 1; a >= 0; a--) {
          int ext = (int) mem.get(base + 3 * a);
          int idx = rq % ext;
          rq = rq / ext;
          s1 += idx * (int) mem.get(base + 3 * a + 1);
          d1 += idx * (int) mem.get(base + 3 * a + 2);
        }
        float val = mem.get(s1);
        mem.set(d1, accumulate == 1 ? mem.get(d1) + val : val);
      }
    }
  }
}
