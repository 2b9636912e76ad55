package org.jlora.tornado;

import java.util.HashMap;
import java.util.Map;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Runs {@link RowKernels} (softmax, log-softmax, their backward, LayerNorm forward and backward):
 * one compiled graph and its device buffers per kernel and shape, built on first use. LayerNorm's
 * eps arrives in a one-slot {@code params} array; absent gamma/beta compile a graph that reads
 * neither (a one-element placeholder buffer stands in for the argument).
 */
final class RowOffload {
  private record Compiled(FloatArray[] buffers, DeviceGraph graph) {}

  private final Map<String, Compiled> graphs = new HashMap<>();

  // x: [rows, cols] -> out: [rows, cols]
  synchronized void softmax(boolean log, int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    int n = rows * cols;
    String key = (log ? "logSoftmax_" : "softmax_") + rows + "_" + cols;
    Compiled c = graphs.computeIfAbsent(key, unused -> {
      FloatArray[] buf = {new FloatArray(n), new FloatArray(n)};
      TaskGraph g = new TaskGraph(key)
          .transferToDevice(DataTransferMode.EVERY_EXECUTION, buf[0])
          .task("t", RowKernels::softmax, buf[0], buf[1], rows, cols, log ? 1 : 0)
          .transferToHost(DataTransferMode.EVERY_EXECUTION, buf[1]);
      return new Compiled(buf, new DeviceGraph(key, g, null));
    });
    HostCopy.in(x, xOff, c.buffers[0], n);
    c.graph.run();
    HostCopy.out(c.buffers[1], out, outOff, n);
  }

  // y, dy: [rows, cols] -> dx: [rows, cols]
  synchronized void softmaxBackward(boolean log, int rows, int cols, float[] y, int yOff, float[] dy,
                                    int dyOff, float[] dx, int dxOff, boolean accumulate) {
    int n = rows * cols;
    String key = (log ? "logSoftmaxBackward_" : "softmaxBackward_") + rows + "_" + cols
        + (accumulate ? "_acc" : "");
    Compiled c = graphs.computeIfAbsent(key, unused -> {
      FloatArray[] buf = {new FloatArray(n), new FloatArray(n), new FloatArray(n)};
      TaskGraph g = new TaskGraph(key);
      if (accumulate) {
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, buf[0], buf[1], buf[2]);
      } else {
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, buf[0], buf[1]);
      }
      g.task("t", RowKernels::softmaxBackward, buf[0], buf[1], buf[2], rows, cols, log ? 1 : 0,
              accumulate ? 1 : 0)
          .transferToHost(DataTransferMode.EVERY_EXECUTION, buf[2]);
      return new Compiled(buf, new DeviceGraph(key, g, null));
    });
    HostCopy.in(y, yOff, c.buffers[0], n);
    HostCopy.in(dy, dyOff, c.buffers[1], n);
    if (accumulate) HostCopy.in(dx, dxOff, c.buffers[2], n);
    c.graph.run();
    HostCopy.out(c.buffers[2], dx, dxOff, n);
  }

  // x: [rows, cols], gamma, beta: [cols] -> out: [rows, cols], mean, rstd: [rows]
  synchronized void layerNormForward(int rows, int cols, float[] x, int xOff, float[] gamma, int gOff,
                                     float[] beta, int bOff, float eps, float[] out, int outOff,
                                     float[] mean, int meanOff, float[] rstd, int rstdOff) {
    int n = rows * cols;
    boolean hasGamma = gamma != null;
    boolean hasBeta = beta != null;
    String key = "layerNorm_" + rows + "_" + cols + (hasGamma ? "_g" : "") + (hasBeta ? "_b" : "");
    Compiled c = graphs.computeIfAbsent(key, unused -> {
      // params, x, gamma, beta, out, mean, rstd
      FloatArray[] buf = {new FloatArray(1), new FloatArray(n), new FloatArray(hasGamma ? cols : 1),
          new FloatArray(hasBeta ? cols : 1), new FloatArray(n), new FloatArray(rows), new FloatArray(rows)};
      TaskGraph g = new TaskGraph(key)
          .transferToDevice(DataTransferMode.EVERY_EXECUTION, buf[0], buf[1], buf[2], buf[3])
          .task("t", RowKernels::layerNormForward, buf[0], buf[1], buf[2], buf[3], buf[4], buf[5],
              buf[6], rows, cols, hasGamma ? 1 : 0, hasBeta ? 1 : 0)
          .transferToHost(DataTransferMode.EVERY_EXECUTION, buf[4], buf[5], buf[6]);
      return new Compiled(buf, new DeviceGraph(key, g, null));
    });
    c.buffers[0].set(RowKernels.EPS, eps);
    HostCopy.in(x, xOff, c.buffers[1], n);
    if (hasGamma) HostCopy.in(gamma, gOff, c.buffers[2], cols);
    if (hasBeta) HostCopy.in(beta, bOff, c.buffers[3], cols);
    c.graph.run();
    HostCopy.out(c.buffers[4], out, outOff, n);
    HostCopy.out(c.buffers[5], mean, meanOff, rows);
    HostCopy.out(c.buffers[6], rstd, rstdOff, rows);
  }

  // x, dy: [rows, cols], gamma: [cols], mean, rstd: [rows] -> dx: [rows, cols], dgamma, dbeta: [cols]
  synchronized void layerNormBackward(int rows, int cols, float[] x, int xOff, float[] gamma, int gOff,
                                      float[] mean, int meanOff, float[] rstd, int rstdOff,
                                      float[] dy, int dyOff, float[] dx, int dxOff,
                                      float[] dgamma, int dgOff, float[] dbeta, int dbOff,
                                      boolean accumulate) {
    int n = rows * cols;
    boolean hasGamma = gamma != null;
    String key = "layerNormBackward_" + rows + "_" + cols + (hasGamma ? "_g" : "")
        + (accumulate ? "_acc" : "");
    Compiled c = graphs.computeIfAbsent(key, unused -> {
      // x, gamma, mean, rstd, dy, dx, dgamma, dbeta
      FloatArray[] buf = {new FloatArray(n), new FloatArray(hasGamma ? cols : 1), new FloatArray(rows),
          new FloatArray(rows), new FloatArray(n), new FloatArray(n), new FloatArray(cols),
          new FloatArray(cols)};
      TaskGraph g = new TaskGraph(key);
      if (accumulate) {
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, buf);
      } else {
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, buf[0], buf[1], buf[2], buf[3], buf[4]);
      }
      g.task("dx", RowKernels::layerNormBackwardInput, buf[0], buf[1], buf[2], buf[3], buf[4], buf[5],
              rows, cols, hasGamma ? 1 : 0, accumulate ? 1 : 0)
          .task("dparams", RowKernels::layerNormBackwardParams, buf[0], buf[2], buf[3], buf[4], buf[6],
              buf[7], rows, cols, accumulate ? 1 : 0)
          .transferToHost(DataTransferMode.EVERY_EXECUTION, buf[5], buf[6], buf[7]);
      return new Compiled(buf, new DeviceGraph(key, g, null));
    });
    HostCopy.in(x, xOff, c.buffers[0], n);
    if (hasGamma) HostCopy.in(gamma, gOff, c.buffers[1], cols);
    HostCopy.in(mean, meanOff, c.buffers[2], rows);
    HostCopy.in(rstd, rstdOff, c.buffers[3], rows);
    HostCopy.in(dy, dyOff, c.buffers[4], n);
    if (accumulate) {
      HostCopy.in(dx, dxOff, c.buffers[5], n);
      if (dgamma != null) HostCopy.in(dgamma, dgOff, c.buffers[6], cols);
      if (dbeta != null) HostCopy.in(dbeta, dbOff, c.buffers[7], cols);
    }
    c.graph.run();
    HostCopy.out(c.buffers[5], dx, dxOff, n);
    if (dgamma != null) HostCopy.out(c.buffers[6], dgamma, dgOff, cols);
    if (dbeta != null) HostCopy.out(c.buffers[7], dbeta, dbOff, cols);
  }
}
