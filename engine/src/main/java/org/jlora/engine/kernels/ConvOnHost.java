package org.jlora.engine.kernels;

import static org.jlora.engine.kernels.HostTensors.f32;
import static org.jlora.engine.kernels.HostTensors.size;

import org.jlora.engine.ConvGeometry;
import org.jlora.engine.ConvKernels;
import org.jlora.engine.Tensor;

/**
 * The tensor door of the host im2col kernels: checks the windows against the geometry and that
 * they are host f32, then hands arrays and offsets to {@link Im2colVector} or {@link Im2colScalar}.
 */
public abstract class ConvOnHost implements ConvKernels {
  protected ConvOnHost() {}

  @Override
  public final void im2col(ConvGeometry g, Tensor x, Tensor col) {
    size("im2col", "x [channels, height, width]", x, (long) g.channels() * g.height() * g.width());
    size("im2col", "col [channels·kh·kw, outH·outW]", col, (long) g.colRows() * g.colCols());
    im2col(g, f32("im2col", "x", x), x.offset(), f32("im2col", "col", col), col.offset());
  }

  @Override
  public final void col2im(ConvGeometry g, Tensor col, Tensor dx, boolean accumulate) {
    size("col2im", "col [channels·kh·kw, outH·outW]", col, (long) g.colRows() * g.colCols());
    size("col2im", "dx [channels, height, width]", dx, (long) g.channels() * g.height() * g.width());
    col2im(g, f32("col2im", "col", col), col.offset(), f32("col2im", "dx", dx), dx.offset(), accumulate);
  }

  public abstract void im2col(ConvGeometry g, float[] x, int xOff, float[] col, int colOff);

  public abstract void col2im(ConvGeometry g, float[] col, int colOff, float[] dx, int dxOff, boolean accumulate);
}
