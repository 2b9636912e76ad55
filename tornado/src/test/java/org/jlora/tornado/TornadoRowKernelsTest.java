package org.jlora.tornado;

import static org.jlora.tornado.Close.assertClose;
import static org.jlora.tornado.TornadoMatmulTest.random;

import org.jlora.engine.Backend;
import org.jlora.engine.Rng;
import org.jlora.engine.ScalarBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Softmax, log-softmax (forward, backward) and LayerNorm (forward, backward) against the scalar kernels. */
class TornadoRowKernelsTest {
  private static final float TOL = 1e-5f;
  private final Backend scalar = new ScalarBackend();

  @ParameterizedTest(name = "rows={0} cols={1} accumulate={2}")
  @CsvSource({"1, 1, false", "5, 33, false", "9, 64, true"})
  void softmaxFamily(int rows, int cols, boolean accumulate) {
    Backend tornado = TornadoRuntime.backend();
    Rng rng = new Rng(rows * 100 + cols);
    int n = rows * cols;
    float[] x = random(rng, n + 1);
    x[1] = 60f;                                       // large logits stay finite (max subtracted)
    for (boolean log : new boolean[] {false, true}) {
      String name = log ? "logSoftmax" : "softmax";
      float[] yE = new float[n + 2];
      float[] yA = new float[n + 2];
      if (log) {
        scalar.logSoftmaxRows(rows, cols, x, 1, yE, 2);
        tornado.logSoftmaxRows(rows, cols, x, 1, yA, 2);
      } else {
        scalar.softmaxRows(rows, cols, x, 1, yE, 2);
        tornado.softmaxRows(rows, cols, x, 1, yA, 2);
      }
      assertClose(name, yE, yA, TOL);
      float[] dy = random(rng, n);
      float[] dxE = random(new Rng(9), n + 3);
      float[] dxA = dxE.clone();
      if (log) {
        scalar.logSoftmaxBackwardRows(rows, cols, yE, 2, dy, 0, dxE, 3, accumulate);
        tornado.logSoftmaxBackwardRows(rows, cols, yE, 2, dy, 0, dxA, 3, accumulate);
      } else {
        scalar.softmaxBackwardRows(rows, cols, yE, 2, dy, 0, dxE, 3, accumulate);
        tornado.softmaxBackwardRows(rows, cols, yE, 2, dy, 0, dxA, 3, accumulate);
      }
      assertClose(name + " backward", dxE, dxA, TOL);
    }
  }

  @ParameterizedTest(name = "rows={0} cols={1} affine={2} accumulate={3}")
  @CsvSource({"1, 8, true, false", "7, 48, true, false", "7, 48, true, true", "4, 19, false, false"})
  void layerNorm(int rows, int cols, boolean affine, boolean accumulate) {
    Backend tornado = TornadoRuntime.backend();
    Rng rng = new Rng(rows * 10 + cols);
    int n = rows * cols;
    float[] x = random(rng, n + 1);
    for (int i = 0; i < x.length; i++) x[i] = 3f + 2f * x[i];   // a mean and scale far from 0 and 1
    float[] gamma = affine ? random(rng, cols + 2) : null;
    float[] beta = affine ? random(rng, cols + 1) : null;
    float[] outE = new float[n];
    float[] outA = new float[n];
    float[] meanE = new float[rows + 1];
    float[] meanA = new float[rows + 1];
    float[] rstdE = new float[rows];
    float[] rstdA = new float[rows];
    scalar.layerNormForward(rows, cols, x, 1, gamma, 2, beta, 1, 1e-5f, outE, 0, meanE, 1, rstdE, 0);
    tornado.layerNormForward(rows, cols, x, 1, gamma, 2, beta, 1, 1e-5f, outA, 0, meanA, 1, rstdA, 0);
    assertClose("layerNorm out", outE, outA, TOL);
    assertClose("layerNorm mean", meanE, meanA, TOL);
    assertClose("layerNorm rstd", rstdE, rstdA, TOL);

    float[] dy = random(rng, n + 2);
    float[] dxE = random(new Rng(5), n);
    float[] dxA = dxE.clone();
    float[] dgE = affine ? random(new Rng(6), cols + 1) : null;
    float[] dgA = affine ? dgE.clone() : null;
    float[] dbE = affine ? random(new Rng(7), cols) : null;
    float[] dbA = affine ? dbE.clone() : null;
    scalar.layerNormBackward(rows, cols, x, 1, gamma, 2, meanE, 1, rstdE, 0, dy, 2, dxE, 0, dgE, 1, dbE, 0, accumulate);
    tornado.layerNormBackward(rows, cols, x, 1, gamma, 2, meanE, 1, rstdE, 0, dy, 2, dxA, 0, dgA, 1, dbA, 0, accumulate);
    assertClose("layerNorm dx", dxE, dxA, 1e-4f);
    if (affine) {
      assertClose("layerNorm dgamma", dgE, dgA, 1e-4f);
      assertClose("layerNorm dbeta", dbE, dbA, 1e-4f);
    }
  }
}
