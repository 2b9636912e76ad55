package org.jlora.engine;

/**
 * A 2-d convolution as a matrix product: {@link #im2col} lays an image's receptive fields out as
 * columns, so the convolution becomes {@code W [out, channels·kh·kw] · col}; {@link #col2im} is
 * its adjoint for the input gradient. Sizes come from the {@link ConvGeometry}; windows of other
 * sizes are a ShapeException.
 */
public interface ConvKernels {

  /**
   * im2col for one image, zero padded: row {@code (c·kh + i)·kw + j} of col holds input channel
   * c at kernel offset (i, j) for every output position.
   * {@code outH = (height + 2·padH - dilH·(kh-1) - 1) / strideH + 1} (likewise outW).
   */
  // x: [channels, height, width] -> col: [channels·kh·kw, outH·outW]
  void im2col(ConvGeometry g, Tensor x, Tensor col);

  /** The adjoint of {@link #im2col}: {@code dx (+)=} the scatter-add of col (overlaps sum). */
  // col: [channels·kh·kw, outH·outW] -> dx: [channels, height, width]
  void col2im(ConvGeometry g, Tensor col, Tensor dx, boolean accumulate);
}
