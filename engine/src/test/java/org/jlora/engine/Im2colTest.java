package org.jlora.engine;

import static org.jlora.engine.HostKernels.*;
import org.jlora.engine.kernels.ConvOnHost;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class Im2colTest {
  private static final int VLEN = FloatVector.SPECIES_PREFERRED.length();

  private static float[] randn(Rng rng, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = rng.nextGaussian();
    return a;
  }

  /** Geometries mixing stride, padding, dilation and non-square kernels. */
  private static List<ConvGeometry> geometries(int channels, int height, int width) {
    List<ConvGeometry> gs = new ArrayList<>();
    int[][] kernels = {{1, 1}, {3, 3}, {3, 2}, {1, 4}, {2, 5}};
    for (int[] k : kernels) {
      for (int stride = 1; stride <= 2; stride++) {
        for (int pad = 0; pad <= 2; pad++) {
          for (int dil = 1; dil <= 2; dil++) {
            try {
              gs.add(new ConvGeometry(channels, height, width, k[0], k[1], stride, stride + pad % 2, pad,
                  (pad + 1) % 3, dil, 3 - dil));
            } catch (IllegalArgumentException kernelDoesNotFit) {
              // skip: geometries whose kernel is larger than the padded input
            }
          }
        }
      }
    }
    assertTrue(gs.size() >= 20, "too few geometries fit " + height + "x" + width + ": " + gs.size());
    return gs;
  }

  @Test
  void convolutionThroughIm2colEqualsTheDirectSevenLoopDefinition() {
    Rng rng = new Rng(11);
    int outChannels = 4;
    for (ConvOnHost be : new ConvOnHost[] {CONV_SCALAR, CONV_VECTOR}) {
      for (ConvGeometry g : geometries(3, 7, 9)) {
        float[] x = randn(rng, g.channels() * g.height() * g.width());
        float[] w = randn(rng, outChannels * g.colRows());  // [O, C, kh, kw] = [O, C*kh*kw]
        float[] col = new float[g.colRows() * g.colCols()];
        be.im2col(g, x, 0, col, 0);
        for (int o = 0; o < outChannels; o++) {
          for (int oh = 0; oh < g.outH(); oh++) {
            for (int ow = 0; ow < g.outW(); ow++) {
              double direct = 0;
              for (int c = 0; c < g.channels(); c++) {
                for (int i = 0; i < g.kh(); i++) {
                  for (int j = 0; j < g.kw(); j++) {
                    int ih = oh * g.strideH() - g.padH() + i * g.dilH();
                    int iw = ow * g.strideW() - g.padW() + j * g.dilW();
                    if (ih < 0 || ih >= g.height() || iw < 0 || iw >= g.width()) continue;
                    direct += (double) w[((o * g.channels() + c) * g.kh() + i) * g.kw() + j]
                        * x[(c * g.height() + ih) * g.width() + iw];
                  }
                }
              }
              double viaCol = 0;
              int p = oh * g.outW() + ow;
              for (int r = 0; r < g.colRows(); r++) viaCol += (double) w[o * g.colRows() + r] * col[r * g.colCols() + p];
              assertEquals(direct, viaCol, 1e-9, be.getClass().getSimpleName() + " " + g + " at o=" + o + " oh=" + oh + " ow=" + ow);
            }
          }
        }
      }
    }
  }

  @Test
  void vectorMatchesScalarBitForBitOnTailsAndOffsets() {
    Rng rng = new Rng(12);
    for (int width = 1; width <= 3 * VLEN + 3; width += 1 + width / 8) {
      for (ConvGeometry g : geometries(2, 3, width)) {
        int off = width % 5;
        int imageSize = g.channels() * g.height() * g.width();
        int colSize = g.colRows() * g.colCols();
        float[] x = randn(rng, off + imageSize);
        float[] col0 = new float[off + colSize + 3];
        Arrays.fill(col0, 99f);  // padding entries must be overwritten with zeros
        float[] col1 = col0.clone();
        CONV_SCALAR.im2col(g, x, off, col0, off);
        CONV_VECTOR.im2col(g, x, off, col1, off);
        assertArrayEquals(col0, col1, "im2col " + g);
        for (boolean accumulate : new boolean[] {false, true}) {
          float[] dx0 = randn(rng, off + imageSize + 3);
          float[] dx1 = dx0.clone();
          CONV_SCALAR.col2im(g, col0, off, dx0, off, accumulate);
          CONV_VECTOR.col2im(g, col0, off, dx1, off, accumulate);
          assertArrayEquals(dx0, dx1, "col2im accumulate=" + accumulate + " " + g);
        }
      }
    }
  }

  @Test
  void col2imIsTheAdjointOfIm2col() {
    Rng rng = new Rng(13);
    for (ConvOnHost be : new ConvOnHost[] {CONV_SCALAR, CONV_VECTOR}) {
      for (ConvGeometry g : geometries(3, 6, 2 * VLEN + 1)) {
        float[] x = randn(rng, g.channels() * g.height() * g.width());
        float[] y = randn(rng, g.colRows() * g.colCols());
        float[] col = new float[y.length];
        float[] dx = new float[x.length];
        be.im2col(g, x, 0, col, 0);
        be.col2im(g, y, 0, dx, 0, false);
        // <im2col(x), y> == <x, col2im(y)>
        double left = 0;
        double scale = 0;
        for (int i = 0; i < y.length; i++) {
          left += (double) col[i] * y[i];
          scale += Math.abs((double) col[i] * y[i]);
        }
        double right = 0;
        for (int i = 0; i < x.length; i++) right += (double) x[i] * dx[i];
        assertEquals(left, right, 1e-6 * scale, be.getClass().getSimpleName() + " " + g);
      }
    }
  }

  @Test
  void resultsAreBitwiseIdenticalForOneAndTwoThreads() {
    Rng rng = new Rng(14);
    ConvGeometry g = new ConvGeometry(8, 20, 2 * VLEN + 3, 3, 3, 1, 1, 1, 1, 1, 1);
    float[] x = randn(rng, g.channels() * g.height() * g.width());
    float[] y = randn(rng, g.colRows() * g.colCols());
    float[][] cols = new float[2][];
    float[][] dxs = new float[2][];
    int before = Parallel.threads();
    try {
      for (int t = 1; t <= 2; t++) {
        Parallel.setThreads(t);
        cols[t - 1] = new float[y.length];
        dxs[t - 1] = new float[x.length];
        CONV_VECTOR.im2col(g, x, 0, cols[t - 1], 0);
        CONV_VECTOR.col2im(g, y, 0, dxs[t - 1], 0, false);
      }
    } finally {
      Parallel.setThreads(before);
    }
    assertArrayEquals(cols[0], cols[1]);
    assertArrayEquals(dxs[0], dxs[1]);
  }

  @Test
  void nanTravelsToEveryColumnEntryThatReadsIt() {
    for (ConvOnHost be : new ConvOnHost[] {CONV_SCALAR, CONV_VECTOR}) {
      ConvGeometry g = new ConvGeometry(1, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1);
      float[] x = new float[25];
      x[12] = Float.NaN;  // the centre pixel: each of the 9 taps sees it once
      float[] col = new float[g.colRows() * g.colCols()];
      be.im2col(g, x, 0, col, 0);
      int nans = 0;
      for (float v : col) nans += Float.isNaN(v) ? 1 : 0;
      assertEquals(9, nans, be.getClass().getSimpleName());
      float[] dx = new float[25];
      float[] y = new float[col.length];
      y[4 * g.colCols() + 12] = Float.POSITIVE_INFINITY;  // centre tap at the centre output
      be.col2im(g, y, 0, dx, 0, false);
      assertEquals(Float.POSITIVE_INFINITY, dx[12], be.getClass().getSimpleName());
      assertEquals(0f, dx[11], be.getClass().getSimpleName());
    }
  }

  @Test
  void geometryRejectsAKernelWiderThanThePaddedInput() {
    // span = 3 - 3 - 1 = -1: truncating division would have claimed one output column
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ConvGeometry(1, 3, 3, 1, 4, 2, 2, 0, 0, 1, 1));
    assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
    assertEquals(2, new ConvGeometry(1, 3, 4, 1, 4, 2, 2, 0, 1, 1, 1).outW());
  }

  @Test
  void tensorDoorMatchesUnfoldLayoutAndChecksSizes() {
    // 1 channel 3x3 image, 2x2 kernel, stride 1: row (i, j), column (oh, ow) holds x[oh+i, ow+j]
    ConvKernels conv = Backends.vector().conv();
    Tensor image = Tensor.arange(9).reshape(1, 3, 3);
    ConvGeometry g = new ConvGeometry(1, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1);
    Tensor col = Tensor.zeros(4, 4);
    conv.im2col(g, image, col);
    assertArrayEquals(new float[] {0, 1, 3, 4, 1, 2, 4, 5, 3, 4, 6, 7, 4, 5, 7, 8}, col.toArray());
    Tensor back = Tensor.zeros(1, 3, 3);
    conv.col2im(g, Tensor.ones(4, 4), back, false);
    // how many windows cover each pixel
    assertArrayEquals(new float[] {1, 2, 1, 2, 4, 2, 1, 2, 1}, back.toArray());
    ShapeException e = assertThrows(ShapeException.class, () -> conv.im2col(g, Tensor.zeros(2, 3, 3), col));
    assertTrue(e.getMessage().contains("im2col") && e.getMessage().contains("[2, 3, 3]")
        && e.getMessage().contains("needs 9"), e.getMessage());
    e = assertThrows(ShapeException.class, () -> conv.col2im(g, Tensor.zeros(4, 5), back, false));
    assertTrue(e.getMessage().contains("col2im") && e.getMessage().contains("[4, 5]"), e.getMessage());
  }
}
