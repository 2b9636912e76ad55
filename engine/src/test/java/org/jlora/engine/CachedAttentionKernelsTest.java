package org.jlora.engine;

import static org.jlora.engine.ElementwiseKernelsTest.VLEN;
import static org.jlora.engine.KernelFixtures.SCALAR;
import static org.jlora.engine.KernelFixtures.VECTOR;
import static org.jlora.engine.KernelFixtures.assertClose;
import static org.jlora.engine.KernelFixtures.assertSameBits;
import static org.jlora.engine.KernelFixtures.assertWindowOnly;
import static org.jlora.engine.KernelFixtures.randn;
import static org.jlora.engine.KernelFixtures.zeros;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Generation's kernels over a KV cache: cacheWrite, cachedAttention and ropeAt. Oracles: causal
 * attention over the whole sequence (the cache filled a row at a time, or all at once, must give
 * its rows), the scalar twin, and RoPE with tables built for the positions themselves.
 */
class CachedAttentionKernelsTest {
  /** As causal attention's: FMA dot products and a vector exp against the scalar twin. */
  static final float ABS = 2e-5f, REL = 2e-4f;
  static final int B = 2, H = 4;

  /** Keys and values [B, Hkv, T, D] copied into caches [B, Hkv, Tmax, D] by cacheWrite, `step` rows a call. */
  private static Tensor[] fill(AttentionKernels at, Tensor kh, Tensor vh, int tMax, int step) {
    int b = kh.dim(0), hkv = kh.dim(1), t = kh.dim(2), d = kh.dim(3);
    Tensor kc = zeros(1, b, hkv, tMax, d), vc = zeros(2, b, hkv, tMax, d);
    for (int p = 0; p < t; p += step) {
      int n = Math.min(step, t - p);
      Tensor kRows = rows(kh, p, n), vRows = rows(vh, p, n);   // [B, n, Hkv, D]
      at.cacheWrite(kRows, 0, new int[] {p}, kc);
      at.cacheWrite(vRows, 0, new int[] {p}, vc);
    }
    return new Tensor[] {kc, vc};
  }

  /** heads [B, Hx, T, D], positions p..p+n-1 -> rows [B, n, Hx, D]. */
  private static Tensor rows(Tensor heads, int p, int n) {
    int b = heads.dim(0), hx = heads.dim(1), t = heads.dim(2), d = heads.dim(3);
    Tensor out = Tensor.zeros(b, n, hx, d);
    for (int bi = 0; bi < b; bi++) {
      for (int i = 0; i < n; i++) {
        for (int h = 0; h < hx; h++) {
          for (int e = 0; e < d; e++) out.set(((bi * n + i) * hx + h) * d + e, heads.get(((bi * hx + h) * t + p + i) * d + e));
        }
      }
    }
    return out;
  }

  /** q heads [B, H, T, D] rows p..p+n-1 -> [B, H, n, D]. */
  private static Tensor queries(Tensor q, int p, int n) {
    int b = q.dim(0), h = q.dim(1), t = q.dim(2), d = q.dim(3);
    Tensor out = Tensor.zeros(b, h, n, d);
    for (int m = 0; m < b * h; m++) {
      for (int i = 0; i < n * d; i++) out.set(m * n * d + i, q.get((m * t + p) * d + i));
    }
    return out;
  }

  @Test
  void theScalarTwinIsCausalAttentionRowByRowBitForBit() {
    int t = 37, d = 6, tMax = 40;
    for (int hkv : new int[] {1, 2, 4}) {
      Rng rng = new Rng(hkv);
      Tensor q = randn(rng, 0.5f, 0, B, H, t, d), k = randn(rng, 0.5f, 0, B, hkv, t, d), v = randn(rng, 1f, 0, B, hkv, t, d);
      Tensor causal = Tensor.zeros(B, H, t, d);
      SCALAR.attention().causalForward(q, k, v, causal, Tensor.zeros(B, H, AttentionKernels.packedSize(t)));
      // a prompt of 5 rows at once, then one row a step, as generation fills the cache
      Tensor[] cache = fill(SCALAR.attention(), k, v, tMax, 1);
      Tensor all = Tensor.zeros(B, H, t, d);
      int[] position = {0};
      Tensor prompt = Tensor.zeros(B, H, 5, d);
      SCALAR.attention().cachedAttention(queries(q, 0, 5), cache[0], cache[1], position, prompt);
      for (int p = 5; p < t; p++) {
        position[0] = p;
        Tensor y = Tensor.zeros(B, H, 1, d);
        SCALAR.attention().cachedAttention(queries(q, p, 1), cache[0], cache[1], position, y);
        for (int m = 0; m < B * H; m++) for (int e = 0; e < d; e++) all.set((m * t + p) * d + e, y.get(m * d + e));
      }
      for (int m = 0; m < B * H; m++) for (int i = 0; i < 5 * d; i++) all.set(m * t * d + i, prompt.get(m * 5 * d + i));
      assertSameBits("Hkv=" + hkv, causal, all);
    }
  }

  @Test
  void vectorMatchesScalarAndCausalAttentionAcrossSizes() {
    for (int d : new int[] {5, VLEN, 2 * VLEN + 3}) {
      for (int hkv : new int[] {1, 2, 4}) {
        for (int t : new int[] {1, 3}) {
          for (int pos : new int[] {0, 1, 2 * VLEN + 1}) {
            String at = "D=" + d + " Hkv=" + hkv + " T=" + t + " pos=" + pos;
            int tMax = pos + t + 2;
            Rng rng = new Rng(d * 1000 + hkv * 100 + t * 10 + pos);
            Tensor kv = randn(rng, 0.5f, 0, B, hkv, pos + t, d), vv = randn(rng, 1f, 0, B, hkv, pos + t, d);
            Tensor q = randn(rng, 0.5f, 3, B, H, t, d);
            Tensor[] sc = fill(SCALAR.attention(), kv, vv, tMax, 2);
            Tensor[] vc = fill(VECTOR.attention(), kv, vv, tMax, 3);
            assertSameBits("k cache " + at, sc[0], vc[0]);
            assertSameBits("v cache " + at, sc[1], vc[1]);
            Tensor scalar = zeros(1, B, H, t, d), vector = zeros(2, B, H, t, d);
            SCALAR.attention().cachedAttention(q, sc[0], sc[1], new int[] {pos}, scalar);
            VECTOR.attention().cachedAttention(q, vc[0], vc[1], new int[] {pos}, vector);
            assertClose(at, scalar, vector, ABS, REL);
            assertWindowOnly(at, vector);
            // the last query row sees every key: causal attention's last row over the same keys
            Tensor full = Tensor.zeros(B, H, pos + t, d), qFull = Tensor.zeros(B, H, pos + t, d);
            for (int m = 0; m < B * H; m++) {
              for (int e = 0; e < d; e++) qFull.set((m * (pos + t) + pos + t - 1) * d + e, q.get((m * t + t - 1) * d + e));
            }
            SCALAR.attention().causalForward(qFull, kv, vv, full, Tensor.zeros(B, H, AttentionKernels.packedSize(pos + t)));
            for (int m = 0; m < B * H; m++) {
              for (int e = 0; e < d; e++) {
                assertEquals(full.get((m * (pos + t) + pos + t - 1) * d + e), scalar.get((m * t + t - 1) * d + e),
                    "last row " + at);
              }
            }
          }
        }
      }
    }
  }

  @Test
  void cacheWriteTakesOnePartOfAFusedRowAndLeavesOtherRowsAlone() {
    int t = 2, hkv = 3, d = 4, tMax = 6;
    Tensor qkv = randn(new Rng(3), 1f, 0, B, t, 3, hkv, d);   // GPT-2's [q | k | v] rows
    for (Backend be : new Backend[] {SCALAR, VECTOR}) {
      Tensor cache = Tensor.full(7f, B, hkv, tMax, d);
      be.attention().cacheWrite(qkv, 1, new int[] {3}, cache);
      for (int bi = 0; bi < B; bi++) {
        for (int h = 0; h < hkv; h++) {
          for (int p = 0; p < tMax; p++) {
            for (int e = 0; e < d; e++) {
              float want = p == 3 || p == 4 ? qkv.at(bi, p - 3, 1, h, e) : 7f;
              assertEquals(want, cache.at(bi, h, p, e), be.name() + " " + bi + "," + h + "," + p + "," + e);
            }
          }
        }
      }
    }
  }

  @Test
  void ropeAtIsRopeWithTheTablesOfItsPositions() {
    int t = 3, d = 2 * VLEN + 2, tMax = 20, pos = 11;
    RopeTable whole = RopeTable.of(0, tMax, d, 10000f);
    RopeTable own = RopeTable.of(pos, t, d, 10000f);
    for (RopeLayout layout : RopeLayout.values()) {
      Tensor x = randn(new Rng(9), 1f, 2, B, t, H, d);
      Tensor want = Tensor.zeros(B, t, H, d);
      SCALAR.attention().ropeForward(x, own.cos(), own.sin(), layout, want);
      for (Backend be : new Backend[] {SCALAR, VECTOR}) {
        Tensor y = zeros(1, B, t, H, d);
        be.attention().ropeAt(x, whole.cos(), whole.sin(), new int[] {pos}, layout, y);
        assertSameBits(be.name() + " " + layout, want, y);
        assertWindowOnly(be.name() + " " + layout, y);
      }
    }
  }

  @Test
  void positionsOutsideTheCacheAndBadShapesAreRefusedByName() {
    Tensor q = Tensor.zeros(1, 2, 1, 4), cache = Tensor.zeros(1, 1, 5, 4), y = Tensor.zeros(1, 2, 1, 4);
    for (Backend be : new Backend[] {SCALAR, VECTOR}) {
      var e = assertThrows(IllegalArgumentException.class,
          () -> be.attention().cachedAttention(q, cache, cache, new int[] {5}, y));
      assertTrue(e.getMessage().contains("cachedAttention: positions 5..5"), e.getMessage());
      var w = assertThrows(IllegalArgumentException.class,
          () -> be.attention().cacheWrite(Tensor.zeros(1, 2, 1, 4), 0, new int[] {4}, cache));
      assertTrue(w.getMessage().contains("cacheWrite: positions 4..5"), w.getMessage());
      var s = assertThrows(ShapeException.class,
          () -> be.attention().cachedAttention(q, Tensor.zeros(1, 3, 5, 4), Tensor.zeros(1, 3, 5, 4), new int[] {0}, y));
      assertTrue(s.getMessage().contains("H a multiple of Hkv"), s.getMessage());
      var r = assertThrows(ShapeException.class, () -> be.attention().ropeAt(Tensor.zeros(1, 1, 2, 4),
          Tensor.zeros(5, 3), Tensor.zeros(5, 3), new int[] {0}, RopeLayout.HALVES, Tensor.zeros(1, 1, 2, 4)));
      assertTrue(r.getMessage().contains("ropeAt"), r.getMessage());
      var p = assertThrows(ShapeException.class,
          () -> be.attention().cachedAttention(q, cache, cache, new int[] {0, 1}, y));
      assertTrue(p.getMessage().contains("the position must be one int"), p.getMessage());
    }
  }
}
