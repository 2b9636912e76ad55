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
    Tensor col = Tensor.zeros(kk, hw);
    for (int img = 0; img < n; img++) {
      for (int gi = 0; gi < groups; gi++) {
        be.conv().im2col(geo, xv.window((img * groups + gi) * inImage, inImage), col);
        // W_g: [og, kk], col: [kk, hw] -> out: [og, hw]
        be.matmul().matmul(1, og, hw, kk, wv.window(gi * og * kk, og, kk), false, col, false, false,
            y.window(((img * groups + gi) * og) * hw, og, hw), false);
      }
    }
    if (bias != null) {
      // y [N, O, OH·OW] += bias [O], repeated along the images and positions (zero strides)
      int[] perPosition = {n, wv.dim(0), hw};
      be.elementwise().copyStrided(perPosition, bias.value(), 0, new int[] {0, 1, 0}, y, 0, Shapes.strides(perPosition),
          true);
    }
    return Variable.fromOp("conv2d", y, g -> {
      Tensor cols = Tensor.zeros(kk, hw);
      Tensor dcol = x.requiresGrad() ? Tensor.zeros(kk, hw) : null;
      Tensor dx = x.requiresGrad() ? x.gradBuffer() : null;
      Tensor dw = w.requiresGrad() ? w.gradBuffer() : null;
      for (int img = 0; img < n; img++) {
        for (int gi = 0; gi < groups; gi++) {
          Tensor gOut = g.window(((img * groups + gi) * og) * hw, og, hw);
          int image = (img * groups + gi) * inImage;
          if (dw != null) {   // dW_g [og, kk] += dOut_g [og, hw] · colᵀ [hw, kk]
            be.conv().im2col(geo, xv.window(image, inImage), cols);
            be.matmul().matmul(1, og, kk, hw, gOut, false, cols, true, false, dw.window(gi * og * kk, og, kk), true);
          }
          if (dx != null) {   // dcol [kk, hw] = W_gᵀ [kk, og] · dOut_g [og, hw], then col2im
            be.matmul().matmul(1, kk, hw, og, wv.window(gi * og * kk, og, kk), true, gOut, false, false, dcol, false);
            be.conv().col2im(geo, dcol, dx.window(image, inImage), true);
          }
        }
      }
      if (bias != null && bias.requiresGrad()) {
        Tensor db = bias.gradBuffer();
        int outC = wv.dim(0);
        Tensor rowSums = Tensor.zeros(outC);
        for (int img = 0; img < n; img++) {
          // dOut[img]: [O, hw] -> row sums [O]
          be.reductions().sumRows(outC, hw, g.window(img * outC * hw, outC, hw), rowSums);
          be.elementwise().axpy(1f, rowSums, db);
        }
      }
    }, x, w, bias);
  }
}
