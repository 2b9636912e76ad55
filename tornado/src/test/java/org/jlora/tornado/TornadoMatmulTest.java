package org.jlora.tornado;

import static org.jlora.tornado.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.jlora.engine.Backend;
import org.jlora.engine.Rng;
import org.jlora.engine.ScalarBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The tiled TornadoVM matmul against the scalar reference: every transposition, batches, shared B, offsets. */
class TornadoMatmulTest {
  private static final float TOL = 2e-5f;

  @ParameterizedTest(name = "batch={0} m={1} n={2} k={3} tA={4} tB={5} shareB={6} acc={7}")
  @CsvSource({
      "1, 1, 1, 1, false, false, false, false",
      "1, 16, 16, 16, false, false, false, false",
      "1, 37, 23, 41, false, false, false, false",
      "1, 37, 23, 41, true, false, false, false",
      "1, 37, 23, 41, false, true, false, false",
      "1, 37, 23, 41, true, true, false, false",
      "1, 37, 23, 41, false, true, false, true",
      "3, 17, 9, 33, false, false, false, false",
      "3, 17, 9, 33, true, true, false, true",
      "4, 20, 12, 8, false, true, true, false",
      "2, 5, 70, 3, true, false, true, true",
  })
  void matchesScalar(int batch, int m, int n, int k, boolean transA, boolean transB, boolean shareB,
                     boolean accumulate) {
    Backend tornado = TornadoRuntime.backend();
    Rng rng = new Rng(batch * 1000 + m * 31 + n * 7 + k);
    int aOff = 3;
    int bOff = 5;
    int cOff = 2;
    float[] a = random(rng, aOff + batch * m * k);
    float[] b = random(rng, bOff + (shareB ? 1 : batch) * k * n);
    float[] expected = random(rng, cOff + batch * m * n + 4);
    float[] actual = expected.clone();
    new ScalarBackend().matmul(batch, m, n, k, a, aOff, transA, b, bOff, transB, shareB, expected, cOff, accumulate);
    tornado.matmul(batch, m, n, k, a, aOff, transA, b, bOff, transB, shareB, actual, cOff, accumulate);
    assertClose("matmul", expected, actual, TOL);
    // the window's neighbours are left alone
    assertEquals(expected[0], actual[0]);
    assertEquals(expected[expected.length - 1], actual[actual.length - 1]);
  }

  @ParameterizedTest(name = "repeat call {0}")
  @CsvSource({"1", "2"})
  void cachedGraphSeesNewOperands(int seed) {
    Backend tornado = TornadoRuntime.backend();
    Rng rng = new Rng(seed);
    float[] a = random(rng, 24 * 19);
    float[] b = random(rng, 19 * 13);
    float[] expected = new float[24 * 13];
    float[] actual = new float[24 * 13];
    new ScalarBackend().matmul(1, 24, 13, 19, a, 0, false, b, 0, false, false, expected, 0, false);
    tornado.matmul(1, 24, 13, 19, a, 0, false, b, 0, false, false, actual, 0, false);
    assertClose("matmul, same shape, new data", expected, actual, TOL);
  }

  static float[] random(Rng rng, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) rng.nextGaussian();
    return x;
  }
}
