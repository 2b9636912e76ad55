package org.jlora.tornado;

import org.jlora.engine.AttentionKernels;
import org.jlora.engine.RopeLayout;
import org.jlora.engine.Tensor;
import org.jlora.tornado.kernels.Attention;

/**
 * Generation's cache kernels on the device (cacheWrite, cachedAttention, ropeAt): their position
 * is an int array the tasks read, sent with every run (checked on the host against the cache's
 * length each time), so one compiled decode step, or one kernel-by-kernel graph per shape, serves
 * every position. The shapes are checked by the engine's own checks, as the host doors do.
 */
final class CacheLowerings {
  private CacheLowerings() {}

  // x: [B, T, (P,) Hkv, D] part, position: {pos} -> cache: [B, Hkv, Tmax, D] rows pos..pos+T-1
  static void cacheWrite(Object[] a, Binder b) {
    Tensor x = (Tensor) a[0], cache = (Tensor) a[3];
    int part = (int) a[1];
    int[] position = (int[]) a[2];
    int[] cs = AttentionKernels.checkCacheWriteShapes("cacheWrite", x, part, cache);
    int t = x.dim(1), parts = x.rank() == 5 ? x.dim(2) : 1, nb = cs[0], hkv = cs[1], tMax = cs[2], d = cs[3];
    AttentionKernels.checkPosition("cacheWrite", position, t, tMax);
    if (x.size() == 0) return;
    Binder.Buf bx = b.read(x), bc = b.update(cache);   // rows other than the new ones are kept
    var bp = b.ints("cacheWrite position", position, tMax - t + 1, 0);
    b.task((g, n) -> g.task(n, Attention::cacheWrite, b.mem(), bp, bx.offset(), bc.offset(), nb, t, parts, part,
        hkv, d, tMax));
  }

  // q, y: [B, H, T, D] (q scaled), caches: [B, Hkv, Tmax, D], position: {pos}; scores in scratch [B·H·T, Tmax]
  static void cachedAttention(Object[] a, Binder b) {
    Tensor q = (Tensor) a[0], kc = (Tensor) a[1], vc = (Tensor) a[2], y = (Tensor) a[4];
    int[] position = (int[]) a[3];
    AttentionKernels.checkCachedShapes("cachedAttention", q, kc, vc, y);
    int bh = q.dim(0) * q.dim(1), group = q.dim(1) / kc.dim(1), t = q.dim(2), d = q.dim(3), tMax = kc.dim(2);
    AttentionKernels.checkPosition("cachedAttention", position, t, tMax);
    if (q.size() == 0) return;
    Binder.Buf bq = b.read(q), bk = b.read(kc), bv = b.read(vc), by = b.write(y), bs = b.scratch(bh * t * tMax);
    var bp = b.ints("cachedAttention position", position, tMax - t + 1, 0);
    b.task((g, n) -> g.task(n, Attention::cachedAttention, b.mem(), bp, bq.offset(), bk.offset(), bv.offset(),
        by.offset(), bs.offset(), bh, group, t, d, tMax));
  }

  // x, y: [B, T, H, D], cos, sin: [Tmax, D/2], position: {pos}
  static void ropeAt(Object[] a, Binder b) {
    Tensor x = (Tensor) a[0], cos = (Tensor) a[1], sin = (Tensor) a[2], y = (Tensor) a[5];
    int[] position = (int[]) a[3];
    int tMax = AttentionKernels.checkRopeAtShapes("ropeAt", x, cos, sin, y);
    int[] s = x.shape();
    AttentionKernels.checkPosition("ropeAt", position, s[1], tMax);
    int bt = s[0] * s[1], t = s[1], h = s[2], d = s[3];
    int interleaved = a[4] == RopeLayout.INTERLEAVED ? 1 : 0;
    if (x.size() == 0) return;
    Binder.Buf bx = b.read(x), bc = b.read(cos), bs = b.read(sin), by = b.write(y);
    var bp = b.ints("ropeAt position", position, tMax - t + 1, 0);
    b.task((g, n) -> g.task(n, Attention::ropeAt, b.mem(), bp, bx.offset(), bc.offset(), bs.offset(), by.offset(),
        bt, t, h, d, interleaved));
  }
}
