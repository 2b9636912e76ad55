package org.jlora.engine.kernels;

import org.jlora.engine.BinaryOp;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * Dropout's product by a given mask on the vector elementwise kernel (a product rounds the same
 * in every lane, so the bits are {@link DropoutScalar#apply}'s). The mask is drawn on the host by
 * {@link DropoutScalar#fillMask}.
 */
public final class DropoutVector {
  private DropoutVector() {}

  /** See {@link DropoutScalar#apply}. */
  // x, mask -> y: the same shape
  public static void apply(Tensor x, Tensor mask, Tensor y) {
    Shapes.requireSame("dropout (mask)", x, mask);
    Shapes.requireSame("dropout (out)", x, y);
    ElementwiseVector.binary(BinaryOp.MUL, x.size(), x.data(), x.offset(), x.size(),
        mask.data(), mask.offset(), x.size(), y.data(), y.offset());
  }
}
