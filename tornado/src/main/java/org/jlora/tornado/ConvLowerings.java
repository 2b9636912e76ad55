package org.jlora.tornado;

import static org.jlora.tornado.Lowerings.flag;
import static org.jlora.tornado.Lowerings.size;

import org.jlora.engine.ConvGeometry;
import org.jlora.engine.Tensor;
import org.jlora.tornado.kernels.Conv;

/**
 * Convolution's kernels on the device ({@link Conv}): im2col, one work-item per element of col,
 * and its adjoint col2im, one work-item per pixel of dx gathering its taps in order. The geometry
 * travels as the tasks' int parameters, so a graph serves one geometry.
 */
final class ConvLowerings {
  private ConvLowerings() {}

  // x: [C, H, W] -> col: [C·kh·kw, outH·outW]
  static void im2col(Object[] a, Binder b) {
    ConvGeometry g = (ConvGeometry) a[0];
    Tensor x = (Tensor) a[1], col = (Tensor) a[2];
    size("im2col", "x", x, (long) g.channels() * g.height() * g.width());
    size("im2col", "col", col, (long) g.colRows() * g.colCols());
    Binder.Buf bx = b.read(x), bc = b.write(col);
    b.task((gr, t) -> gr.task(t, Conv::im2col, b.mem(), bx.offset(), bc.offset(), g.channels(), g.height(), g.width(),
        g.kh(), g.kw(), g.strideH(), g.strideW(), g.padH(), g.padW(), g.dilH(), g.dilW(), g.outH(), g.outW()));
  }

  // col: [C·kh·kw, outH·outW] -> dx: [C, H, W], written or accumulated
  static void col2im(Object[] a, Binder b) {
    ConvGeometry g = (ConvGeometry) a[0];
    Tensor col = (Tensor) a[1], dx = (Tensor) a[2];
    int acc = flag((boolean) a[3]);
    size("col2im", "col", col, (long) g.colRows() * g.colCols());
    size("col2im", "dx", dx, (long) g.channels() * g.height() * g.width());
    Binder.Buf bc = b.read(col), bd = acc == 1 ? b.update(dx) : b.write(dx);
    b.task((gr, t) -> gr.task(t, Conv::col2im, b.mem(), bc.offset(), bd.offset(), g.channels(), g.height(), g.width(),
        g.kh(), g.kw(), g.strideH(), g.strideW(), g.padH(), g.padW(), g.dilH(), g.dilW(), g.outH(), g.outW(), acc));
  }
}
