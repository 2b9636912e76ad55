package org.jlora.engine.kernels;

import java.util.List;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.jlora.engine.Parallel;
import org.jlora.engine.Tensor;

/**
 * The gradient-norm kernels of {@link GradNormScalar} on the Vector API, parallel.
 *
 * <p>The sum of squares cuts every tensor into fixed {@link #BLOCK}-element blocks; each block is
 * summed in double by one thread (floats widened to double, squared exactly, four accumulators)
 * and the block sums are added in a fixed order (tensor by tensor, block by block): the same bits
 * for any thread count, though not the scalar twin's single chain (the two differ by double
 * rounding, far below the float the sum is stored as, but not always nothing).
 */
public final class GradNormVector {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Double> WIDE = VectorSpecies.of(double.class, SPECIES.vectorShape());
  private static final int L = SPECIES.length();

  /** Elements per partial sum; fixed so the result does not depend on the thread count. */
  static final int BLOCK = 4096;

  private GradNormVector() {}

  /** See {@link GradNormScalar#sumOfSquares}. */
  // tensors: any shapes -> out: [1]
  public static void sumOfSquares(List<Tensor> tensors, Tensor out) {
    GradNormScalar.checkScalar("sumOfSquares", out);
    // block k of the whole list is block k - first[i] of tensor i
    int[] first = new int[tensors.size() + 1];
    long elements = 0;
    for (int i = 0; i < tensors.size(); i++) {
      first[i + 1] = first[i] + (tensors.get(i).size() + BLOCK - 1) / BLOCK;
      elements += tensors.get(i).size();
    }
    double[] partial = new double[first[tensors.size()]];
    Parallel.forRange(partial.length, elements, (from, to) -> {
      int i = 0;
      for (int k = from; k < to; k++) {
        while (k >= first[i + 1]) i++;
        Tensor g = tensors.get(i);
        int start = (k - first[i]) * BLOCK;
        partial[k] = sumOfSquaresBlock(Math.min(BLOCK, g.size() - start), g.data(), g.offset() + start);
      }
    });
    double sum = 0;
    for (double p : partial) sum += p;
    out.data()[out.offset()] = (float) sum;
  }

  /** {@code sum x²} over one block in double: each float vector widens into two double vectors. */
  // x: [n] at off -> scalar
  private static double sumOfSquaresBlock(int n, float[] x, int off) {
    DoubleVector s0 = DoubleVector.zero(WIDE), s1 = s0, s2 = s0, s3 = s0;
    int i = 0;
    for (int bound = n - 2 * L; i <= bound; i += 2 * L) {
      FloatVector v0 = FloatVector.fromArray(SPECIES, x, off + i);
      FloatVector v1 = FloatVector.fromArray(SPECIES, x, off + i + L);
      s0 = square(v0, 0, s0);
      s1 = square(v0, 1, s1);
      s2 = square(v1, 0, s2);
      s3 = square(v1, 1, s3);
    }
    for (int bound = SPECIES.loopBound(n); i < bound; i += L) {
      FloatVector v = FloatVector.fromArray(SPECIES, x, off + i);
      s0 = square(v, 0, s0);
      s1 = square(v, 1, s1);
    }
    DoubleVector s = s0.add(s1).add(s2.add(s3));
    double sum = 0;
    for (int lane = 0; lane < WIDE.length(); lane++) sum += s.lane(lane);   // a fixed lane order
    for (; i < n; i++) sum += (double) x[off + i] * x[off + i];
    return sum;
  }

  /** {@code acc + d·d} for half {@code part} of v widened to double (the square of a float is exact in double). */
  private static DoubleVector square(FloatVector v, int part, DoubleVector acc) {
    DoubleVector d = (DoubleVector) v.convertShape(VectorOperators.F2D, WIDE, part);
    return d.fma(d, acc);
  }

  /** See {@link GradNormScalar#scaleBy}: every tensor scaled in parallel blocks. */
  // factor: [1], tensors: any shapes
  public static void scaleBy(Tensor factor, List<Tensor> tensors) {
    GradNormScalar.checkScalar("scaleBy", factor);
    float f = factor.data()[factor.offset()];
    for (Tensor x : tensors) ElementwiseVector.scale(x.size(), f, x.data(), x.offset());
  }
}
