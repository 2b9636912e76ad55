package org.jlora.lora.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jlora.engine.Rng;
import org.junit.jupiter.api.Test;

/** Householder QR and the SVDs against torch.linalg (linalg.json, written by make_peft_variant_goldens.py). */
class DecompositionsTest {
  private static JsonNode cases() throws IOException {
    return new ObjectMapper().readTree(Files.readString(Path.of("src/test/resources/peft-variants/linalg.json"))).get("cases");
  }

  private static Matrix matrix(JsonNode n) {
    int rows = n.size();
    int cols = n.get(0).size();
    Matrix m = Matrix.zeros(rows, cols);
    for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) m.set(i, j, n.get(i).get(j).asDouble());
    return m;
  }

  private static double maxAbsDiff(Matrix a, Matrix b) {
    assertEquals(a.rows(), b.rows());
    assertEquals(a.cols(), b.cols());
    double d = 0;
    for (int i = 0; i < a.a().length; i++) d = Math.max(d, Math.abs(a.a()[i] - b.a()[i]));
    return d;
  }

  private static void assertOrthonormalColumns(Matrix q, String what) {
    assertTrue(maxAbsDiff(q.transpose().times(q), Matrix.identity(q.cols())) < 1e-12, what + ": QᵀQ = I");
  }

  @Test
  void qrEqualsTorchsSignsIncluded() throws IOException {
    for (JsonNode c : cases()) {
      Householder.QR qr = Householder.qr(matrix(c.get("a")));
      assertOrthonormalColumns(qr.q(), "Q");
      assertTrue(maxAbsDiff(qr.q().times(qr.r()), matrix(c.get("a"))) < 1e-12, "QR = A");
      // the rank-3 case's trailing columns of Q come from rounding noise: only the full-rank ones are unique
      if (c.get("s").get(c.get("s").size() - 1).asDouble() < 1e-5) continue;
      // same reflections as LAPACK's geqrf, so the very same factors, not just equal up to signs
      assertTrue(maxAbsDiff(qr.q(), matrix(c.get("q"))) < 1e-7, "Q " + maxAbsDiff(qr.q(), matrix(c.get("q"))));
      assertTrue(maxAbsDiff(qr.r(), matrix(c.get("r"))) < 1e-7, "R " + maxAbsDiff(qr.r(), matrix(c.get("r"))));
    }
  }

  @Test
  void exactSvdHasTorchsSingularValuesAndReconstructs() throws IOException {
    for (JsonNode c : cases()) {
      Matrix a = matrix(c.get("a"));
      Svd.Result svd = Svd.exact(a);
      for (int k = 0; k < svd.s().length; k++) {
        assertEquals(c.get("s").get(k).asDouble(), svd.s()[k], 1e-7, "singular value " + k);
      }
      Matrix us = svd.u().times(diag(svd.s()));
      assertTrue(maxAbsDiff(us.times(svd.v().transpose()), a) < 1e-12, "U·S·Vᵀ = A");
      assertOrthonormalColumns(svd.v(), "V");
      if (svd.s()[svd.s().length - 1] > 1e-9) assertOrthonormalColumns(svd.u(), "U");   // full rank only
    }
  }

  @Test
  void randomizedSvdFindsTheTopTripletsOfALowRankMatrix() throws IOException {
    Matrix rank3 = matrix(cases().get(2).get("a"));   // 6x6 of rank 3: q = 3 captures it exactly
    Svd.Result approx = Svd.randomized(rank3, 3, 2, new Rng(1));
    Svd.Result exact = Svd.exact(rank3);
    for (int k = 0; k < 3; k++) assertEquals(exact.s()[k], approx.s()[k], 1e-6, "singular value " + k);
    Matrix back = approx.u().times(diag(approx.s())).times(approx.v().transpose());
    assertTrue(maxAbsDiff(back, rank3) < 1e-6, "U·S·Vᵀ = A " + maxAbsDiff(back, rank3));
  }

  private static Matrix diag(double[] s) {
    Matrix d = Matrix.zeros(s.length, s.length);
    for (int i = 0; i < s.length; i++) d.set(i, i, s[i]);
    return d;
  }
}
