package org.jlora.tornado;

import static org.junit.jupiter.api.Assertions.fail;

/** Test support: elementwise comparison with a relative-plus-absolute tolerance. */
final class Close {
  private Close() {}

  /** Fails naming the first index where {@code |actual - expected| > tol·(1 + |expected|)}. */
  static void assertClose(String what, float[] expected, float[] actual, float tol) {
    if (expected.length != actual.length) fail(what + ": length " + actual.length + " != " + expected.length);
    for (int i = 0; i < expected.length; i++) {
      float e = expected[i];
      float a = actual[i];
      if (Float.isNaN(e) && Float.isNaN(a)) continue;
      if (e == a) continue;  // covers matching infinities
      if (!(Math.abs(a - e) <= tol * (1f + Math.abs(e)))) {
        fail(what + ": at " + i + " expected " + e + " but was " + a + " (tol " + tol + ")");
      }
    }
  }
}
