package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.ConvGeometry;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * 2-d convolution as im2col + matmul, per image and per channel group:
 * {@code out_g [O/G, OH·OW] = W_g [O/G, C/G·kh·kw] · col_g [C/G·kh·kw, OH·OW]}.
 * Backward: {@code dW_g += dOut_g · col_gᵀ}, {@code dcol = W_gᵀ · dOut_g} scattered back by
 * col2im, {@code db[o] += Σ dOut[o, :]}. Columns are recomputed in backward rather than kept,
 * trading one im2col for N·G column matrices of memory.
 */
public final class ConvOps {
  private ConvOps() {}

  /** x [N, C, H, W], w [O, C/groups, kh, kw], bias [O] or null -> [N, O, OH, OW]. */
  public static Variable conv2d(Variable x, Variable w, Variable bias, int strideH, int strideW,
                                int padH, int padW, int dilH, int dilW, int groups) {
    Backend be = Backends.current();
    Tensor xv = x.value();
    Tensor wv = w.value();
    if (xv.rank() != 4 || wv.rank() != 4 || groups < 1 || xv.dim(1) % groups != 0 || wv.dim(0) % groups != 0
        || wv.dim(1) * groups != xv.dim(1)) {
      throw new ShapeException("conv2d (groups " + groups + "): input " + Shapes.str(xv.shape()) + " and weight "
          + Shapes.str(wv.shape()) + " do not fit (expected [N, C, H, W] and [O, C/groups, kh, kw])");
    }
    if (bias != null && (bias.value().rank() != 1 || bias.value().dim(0) != wv.dim(0))) {
      throw new ShapeException("conv2d: bias " + Shapes.str(bias.shape()) + " does not match "
          + wv.dim(0) + " output channels");
    }
    int n = xv.dim(0);
    int cg = xv.dim(1) / groups;
    int og = wv.dim(0) / groups;
    ConvGeometry geo = new ConvGeometry(cg, xv.dim(2), xv.dim(3), wv.dim(2), wv.dim(3),
        strideH, strideW, padH, padW, dilH, dilW);
    int kk = geo.colRows();          // C/G·kh·kw
    int hw = geo.colCols();          // OH·OW
    int inImage = cg * xv.dim(2) * xv.dim(3);   // one group's slice of one image
    Tensor y = Tensor.zeros(n, wv.dim(0), geo.outH(), geo.outW());
    float[] col = new float[kk * hw];
    for (int img = 0; img < n; img++) {
      for (int gi = 0; gi < groups; gi++) {
        be.im2col(geo, xv.data(), xv.offset() + (img * groups + gi) * inImage, col, 0);
        // W_g: [og, kk], col: [kk, hw] -> out: [og, hw]
        be.matmul(1, og, hw, kk, wv.data(), wv.offset() + gi * og * kk, false, col, 0, false, false,
            y.data(), ((img * groups + gi) * og) * hw, false);
      }
    }
    if (bias != null) {
      Tensor bv = bias.value();
      float[] d = y.data();
      for (int img = 0; img < n; img++) {
        for (int o = 0; o < wv.dim(0); o++) {
          float b = bv.get(o);
          int base = (img * wv.dim(0) + o) * hw;
          for (int p = 0; p < hw; p++) d[base + p] += b;
        }
      }
    }
    return Variable.fromOp("conv2d", y, g -> {
      float[] cols = new float[kk * hw];
      float[] dcol = x.requiresGrad() ? new float[kk * hw] : null;
      Tensor dx = x.requiresGrad() ? x.gradBuffer() : null;
      Tensor dw = w.requiresGrad() ? w.gradBuffer() : null;
      for (int img = 0; img < n; img++) {
        for (int gi = 0; gi < groups; gi++) {
          int gOff = g.offset() + ((img * groups + gi) * og) * hw;
          if (dw != null) {   // dW_g [og, kk] += dOut_g [og, hw] · colᵀ [hw, kk]
            be.im2col(geo, xv.data(), xv.offset() + (img * groups + gi) * inImage, cols, 0);
            be.matmul(1, og, kk, hw, g.data(), gOff, false, cols, 0, true, false,
                dw.data(), dw.offset() + gi * og * kk, true);
          }
          if (dx != null) {   // dcol [kk, hw] = W_gᵀ [kk, og] · dOut_g [og, hw], then col2im
            be.matmul(1, kk, hw, og, wv.data(), wv.offset() + gi * og * kk, true, g.data(), gOff, false, false,
                dcol, 0, false);
            be.col2im(geo, dcol, 0, dx.data(), dx.offset() + (img * groups + gi) * inImage, true);
          }
        }
      }
      if (bias != null && bias.requiresGrad()) {
        Tensor db = bias.gradBuffer();
        int outC = wv.dim(0);
        float[] rowSums = new float[outC];
        for (int img = 0; img < n; img++) {
          // dOut[img]: [O, hw] -> row sums [O]
          be.sumRows(outC, hw, g.data(), g.offset() + img * outC * hw, rowSums, 0);
          be.axpy(outC, 1f, rowSums, 0, db.data(), db.offset());
        }
      }
    }, x, w, bias);
  }
}
