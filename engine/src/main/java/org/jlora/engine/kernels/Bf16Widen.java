package org.jlora.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.jlora.engine.Bf16;

/**
 * Widening a run of bf16 values to f32 a vector at a time: how the kernels read a frozen bf16
 * weight, one packed panel or row at a time, never the whole matrix at once.
 *
 * <p>A bf16 value is the upper half of an f32, so widening is exact: each 16-bit lane is
 * extended to 32 bits and shifted up by 16 ({@link Bf16#toFloat} does the same for one value).
 * The short vector has as many lanes as the float vector, half its bits.
 */
final class Bf16Widen {
  private Bf16Widen() {}

  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Short> SHORTS =
      VectorSpecies.of(short.class, VectorShape.forBitSize(FLOATS.vectorBitSize() / 2));
  private static final int LANES = SHORTS.length();

  /** {@code dst[di + i] = widen(src[si + i])} for {@code i < n}. */
  static void widen(short[] src, int si, float[] dst, int di, int n) {
    int i = 0;
    for (int bound = SHORTS.loopBound(n); i < bound; i += LANES) load(src, si + i).intoArray(dst, di + i);
    for (; i < n; i++) dst[di + i] = Bf16.toFloat(src[si + i]);
  }

  /**
   * One float vector ({@link FloatVector#SPECIES_PREFERRED}) widened from the bf16 bits
   * {@code src[i : i + V]}: how the streaming kernels read a bf16 weight straight into registers.
   */
  static FloatVector load(short[] src, int i) {
    ShortVector bits = ShortVector.fromArray(SHORTS, src, i);
    // sign-extending to int and shifting left by 16 leaves exactly the bf16 bits on top
    return ((IntVector) bits.convertShape(VectorOperators.S2I, INTS, 0))
        .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
  }
}
