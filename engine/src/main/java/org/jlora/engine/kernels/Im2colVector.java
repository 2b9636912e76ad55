package org.jlora.engine.kernels;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.jlora.engine.ConvGeometry;
import org.jlora.engine.Parallel;

/**
 * im2col / col2im on the Vector API and the {@link Parallel} pool; same layout as
 * {@link Im2colScalar}.
 *
 * <p>For one kernel tap {@code (i, j)} and one output row {@code oh}, the input pixels read lie on
 * one input row; with stride 1 they are contiguous, so the hot case is a segment copy (im2col)
 * or a segment add (col2im). The valid output columns {@code [owLo, owHi)} are found once per
 * tap, so the inner loops carry no bounds tests. Both kernels split work by channel: a channel's
 * rows of {@code col} and its plane of the image belong to one thread, so col2im's overlapping
 * adds never race and are made in the scalar twin's order (the results are the same bits).
 */
public final class Im2colVector extends ConvOnHost {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();

  /** See {@link Im2colScalar#im2col}. */
  // x: [C, H, W] -> col: [C*kh*kw, outH*outW]
  @Override
  public void im2col(ConvGeometry g, float[] x, int xOff, float[] col, int colOff) {
    int outH = g.outH();
    int outW = g.outW();
    int cols = outH * outW;
    int plane = g.height() * g.width();
    Parallel.forRange(g.channels(), (long) g.colRows() * cols, (fromC, toC) -> {
      for (int c = fromC; c < toC; c++) {
        for (int i = 0; i < g.kh(); i++) {
          for (int j = 0; j < g.kw(); j++) {
            int rowStart = colOff + ((c * g.kh() + i) * g.kw() + j) * cols;
            int owLo = firstValidOut(g.padW() - j * g.dilW(), g.strideW(), outW);
            int owHi = Math.max(owLo, endValidOut(g.width(), g.padW() - j * g.dilW(), g.strideW(), outW));
            for (int oh = 0; oh < outH; oh++) {
              int dst = rowStart + oh * outW;
              int ih = oh * g.strideH() - g.padH() + i * g.dilH();
              if (ih < 0 || ih >= g.height()) {
                Arrays.fill(col, dst, dst + outW, 0f);
                continue;
              }
              Arrays.fill(col, dst, dst + owLo, 0f);
              Arrays.fill(col, dst + owHi, dst + outW, 0f);
              // input pixel of output column ow: src + ow·strideW
              int src = xOff + c * plane + ih * g.width() - g.padW() + j * g.dilW();
              if (g.strideW() == 1) {
                // the JIT's intrinsic copy moves full vectors; nothing to gain from spelling it out
                System.arraycopy(x, src + owLo, col, dst + owLo, owHi - owLo);
              } else {
                for (int ow = owLo; ow < owHi; ow++) col[dst + ow] = x[src + ow * g.strideW()];
              }
            }
          }
        }
      }
    });
  }

  /** See {@link Im2colScalar#col2im}. */
  // col: [C*kh*kw, outH*outW] -> dx: [C, H, W]
  @Override
  public void col2im(ConvGeometry g, float[] col, int colOff, float[] dx, int dxOff, boolean accumulate) {
    int outH = g.outH();
    int outW = g.outW();
    int cols = outH * outW;
    int plane = g.height() * g.width();
    Parallel.forRange(g.channels(), (long) g.colRows() * cols, (fromC, toC) -> {
      if (!accumulate) Arrays.fill(dx, dxOff + fromC * plane, dxOff + toC * plane, 0f);
      for (int c = fromC; c < toC; c++) {
        for (int i = 0; i < g.kh(); i++) {
          for (int j = 0; j < g.kw(); j++) {
            int rowStart = colOff + ((c * g.kh() + i) * g.kw() + j) * cols;
            int owLo = firstValidOut(g.padW() - j * g.dilW(), g.strideW(), outW);
            int owHi = Math.max(owLo, endValidOut(g.width(), g.padW() - j * g.dilW(), g.strideW(), outW));
            for (int oh = 0; oh < outH; oh++) {
              int ih = oh * g.strideH() - g.padH() + i * g.dilH();
              if (ih < 0 || ih >= g.height()) continue;
              int from = rowStart + oh * outW;
              int dst = dxOff + c * plane + ih * g.width() - g.padW() + j * g.dilW();
              if (g.strideW() == 1) {
                addInto(owHi - owLo, col, from + owLo, dx, dst + owLo);
              } else {
                for (int ow = owLo; ow < owHi; ow++) dx[dst + ow * g.strideW()] += col[from + ow];
              }
            }
          }
        }
      }
    });
  }

  /**
   * The first output column whose tap lands inside the image: the least {@code ow >= 0} with
   * {@code ow·stride - shift >= 0}, where {@code shift = pad - j·dil}.
   */
  private static int firstValidOut(int shift, int stride, int outW) {
    int lo = shift <= 0 ? 0 : (shift + stride - 1) / stride;
    return Math.min(lo, outW);
  }

  /** One past the last output column whose tap lands inside: {@code ow·stride - shift <= width - 1}. */
  private static int endValidOut(int width, int shift, int stride, int outW) {
    int last = width - 1 + shift;
    if (last < 0) return 0;
    return Math.min(outW, last / stride + 1);
  }

  /** {@code y[i] += x[i]} for {@code i < n}. */
  private static void addInto(int n, float[] x, int xOff, float[] y, int yOff) {
    int i = 0;
    for (int bound = SPECIES.loopBound(n); i < bound; i += LANES) {
      FloatVector.fromArray(SPECIES, y, yOff + i).add(FloatVector.fromArray(SPECIES, x, xOff + i))
          .intoArray(y, yOff + i);
    }
    for (; i < n; i++) y[yOff + i] += x[xOff + i];
  }
}
