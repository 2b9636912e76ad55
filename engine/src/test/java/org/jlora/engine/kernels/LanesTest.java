package org.jlora.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.jlora.engine.Rng;
import org.junit.jupiter.api.Test;

/**
 * The scalar lane sums ({@link Lanes#sums}, for kernels that finish several accumulators at
 * once) give bit for bit the vector form's float ({@link Lanes#sum}): same butterfly order.
 */
class LanesTest {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int V = SPECIES.length();

  @Test
  void scalarSumsEqualTheVectorButterflyBitwise() {
    Rng rng = new Rng(11);
    for (int rows = 1; rows <= 8; rows++) {
      for (int trial = 0; trial < 200; trial++) {
        float[] lanes = new float[rows * V];
        for (int i = 0; i < lanes.length; i++) {
          // magnitudes spread over 2^-20 .. 2^20 so the order of the additions shows in the bits
          lanes[i] = rng.nextGaussian() * (float) Math.scalb(1.0, (int) (rng.nextGaussian() * 10));
        }
        float[] expected = new float[rows];
        for (int r = 0; r < rows; r++) expected[r] = Lanes.sum(FloatVector.fromArray(SPECIES, lanes, r * V));
        Lanes.sums(lanes, rows);
        for (int r = 0; r < rows; r++) {
          assertEquals(Float.floatToRawIntBits(expected[r]), Float.floatToRawIntBits(lanes[r * V]),
              "row " + r + " of " + rows + ": " + expected[r] + " vs " + lanes[r * V]);
        }
      }
    }
  }
}
