package org.jlora.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jlora.autograd.F;
import org.jlora.autograd.Variable;
import org.jlora.engine.Tensor;

/** Comparisons and fixed losses the LoRA tests share. */
final class LoraTesting {
  private LoraTesting() {}

  /** max |a - b| / max |b|: the relative distance the brief's tolerances are stated in. */
  static double maxRelDiff(Tensor a, Tensor b) {
    assertArrayEquals(b.shape(), a.shape(), "shapes differ");
    double maxDiff = 0;
    double maxRef = 0;
    for (int i = 0; i < a.size(); i++) {
      maxDiff = Math.max(maxDiff, Math.abs((double) a.get(i) - b.get(i)));
      maxRef = Math.max(maxRef, Math.abs((double) b.get(i)));
    }
    return maxDiff / Math.max(maxRef, 1e-30);
  }

  /** Asserts {@code actual} is within {@code tol} of {@code expected}, relative to max |expected|. */
  static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
    double d = maxRelDiff(actual, expected);
    assertTrue(d <= tol, what + ": max relative difference " + d + " > " + tol);
  }

  /** Asserts two tensors hold the very same floats. */
  static void assertBitIdentical(Tensor expected, Tensor actual, String what) {
    assertArrayEquals(expected.shape(), actual.shape(), what + ": shapes");
    for (int i = 0; i < expected.size(); i++) {
      if (Float.floatToRawIntBits(expected.get(i)) != Float.floatToRawIntBits(actual.get(i))) {
        throw new AssertionError(what + ": element " + i + " is " + actual.get(i) + ", expected " + expected.get(i));
      }
    }
  }

  /** loss = sum(out * weights): a scalar whose gradient wrt out is {@code weights}. */
  static Variable weightedSum(Variable out, Tensor weights) {
    return F.sum(F.mul(out, Variable.constant(weights)));
  }

  /** Whether any element of {@code t} is non-zero. */
  static boolean anyNonZero(Tensor t) {
    for (int i = 0; i < t.size(); i++) if (t.get(i) != 0f) return true;
    return false;
  }
}
