package org.jlora.tornado;

import static org.jlora.tornado.Lowerings.flag;

import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;
import org.jlora.tornado.kernels.Attention;

/**
 * copyStrided: axes whose destination strides reach distinct elements become work-items, the
 * rest (a zero destination stride: a sum) are walked in order by each; when the destination
 * strides overlap otherwise, one work-item walks everything in row-major order (as the host).
 */
final class StridedCopyLowering implements Lowering {
  @Override public String key(Object[] a) {
    return java.util.Arrays.toString((int[]) a[0]) + java.util.Arrays.toString((int[]) a[3])
        + java.util.Arrays.toString((int[]) a[6]);
  }

  @Override public void lower(Object[] a, Binder b) {
    int[] shape = (int[]) a[0], ss = (int[]) a[3], ds = (int[]) a[6];
    Tensor src = (Tensor) a[1], dst = (Tensor) a[4];
    int srcStart = (int) a[2], dstStart = (int) a[5], acc = flag((boolean) a[7]);
    reaches("src", shape, src, srcStart, ss);
    reaches("dst", shape, dst, dstStart, ds);
    if (Shapes.size(shape) == 0) return;
    int rank = shape.length;
    boolean[] isOuter = new boolean[rank];
    // outer candidates: extent > 1 and a non-zero destination stride; they must not overlap
    Integer[] order = new Integer[rank];
    int nc = 0;
    for (int d = 0; d < rank; d++) if (shape[d] > 1 && ds[d] != 0) order[nc++] = d;
    Integer[] cand = java.util.Arrays.copyOf(order, nc);
    java.util.Arrays.sort(cand, (x, y) -> Integer.compare(ds[x], ds[y]));
    long reach = 0;
    boolean distinct = true;
    for (int d : cand) {
      if (ds[d] <= reach) distinct = false;
      reach += (long) ds[d] * (shape[d] - 1);
    }
    for (int d : cand) isOuter[d] = distinct;
    float[] geo = new float[3 * Math.max(1, rank)];
    int nOuter = 0, nInner = 0, outer = 1, inner = 1, at = 0;
    for (int pass = 0; pass < 2; pass++) {
      for (int d = 0; d < rank; d++) {
        if (isOuter[d] != (pass == 0)) continue;
        for (int v : new int[] {shape[d], ss[d], ds[d]}) {
          if (v >= 1 << 24) throw new ShapeException("copyStrided: extent or stride " + v + " too large for the device walk");
          geo[at++] = v;
        }
        if (pass == 0) { nOuter++; outer *= shape[d]; } else { nInner++; inner *= shape[d]; }
      }
    }
    int no = nOuter, ni = nInner, out = outer, in = inner;
    Binder.Buf g = b.constants(geo), bs = b.read(src), bd = b.update(dst);
    int so = bs.offset() + srcStart;
    b.task((gr, n) -> gr.task(n, Attention::copyStrided, b.mem(), g.offset(), so, bd.offset() + dstStart,
        out, no, in, ni, acc));
  }

  private static void reaches(String name, int[] shape, Tensor t, int start, int[] strides) {
    boolean ok = strides.length == shape.length && start >= 0;
    long last = start;
    for (int d = 0; ok && d < shape.length; d++) {
      ok = strides[d] >= 0 && shape[d] >= 0;
      last += (long) Math.max(shape[d] - 1, 0) * strides[d];
    }
    if (!ok || (Shapes.size(shape) > 0 && last >= t.size())) {
      throw new ShapeException("copyStrided: " + name + " " + Shapes.str(t.shape()) + " from element " + start
          + " with strides " + java.util.Arrays.toString(strides) + " does not hold a walk of shape " + Shapes.str(shape));
    }
  }
}
