package org.jlora.engine;

/**
 * The layout of {@link OptimizerKernels#adamw}'s hyper-parameter tensor: one f32 each, at these
 * indices. An optimizer keeps one such tensor and rewrites it every step ({@link #write}).
 */
public final class AdamHyper {
  private AdamHyper() {}

  public static final int LR = 0;
  public static final int BETA1 = 1;
  public static final int BETA2 = 2;
  public static final int EPS = 3;
  public static final int WEIGHT_DECAY = 4;
  /** {@code 1 - beta1^t}: the first moment's bias correction at step t. */
  public static final int BC1 = 5;
  /** {@code 1 - beta2^t}: the second moment's bias correction at step t. */
  public static final int BC2 = 6;
  /** Multiplies the gradient before it is used: a clipping factor, 1 when not clipping. */
  public static final int GRAD_SCALE = 7;
  /** Elements in the tensor. */
  public static final int SIZE = 8;

  /** A new host tensor of the right size (all zeros; {@link #write} before use). */
  public static Tensor allocate() {
    return Tensor.zeros(SIZE);
  }

  /** Writes one step's values into {@code hyper} and returns it. */
  public static Tensor write(Tensor hyper, float lr, float beta1, float beta2, float eps, float weightDecay,
                             float bc1, float bc2, float gradScale) {
    if (hyper.size() != SIZE) {
      throw new ShapeException("AdamHyper.write: the tensor holds " + hyper.size() + " values, not " + SIZE);
    }
    float[] values = new float[SIZE];
    values[LR] = lr;
    values[BETA1] = beta1;
    values[BETA2] = beta2;
    values[EPS] = eps;
    values[WEIGHT_DECAY] = weightDecay;
    values[BC1] = bc1;
    values[BC2] = bc2;
    values[GRAD_SCALE] = gradScale;
    hyper.copyFrom(Tensor.of(values, SIZE));
    return hyper;
  }
}
