package org.jlora.tornado;

import java.util.HashMap;
import java.util.Map;
import org.jlora.engine.BinaryOp;
import org.jlora.engine.UnaryOp;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Runs {@link ElementwiseKernels}: one compiled graph (and its device buffers) per kernel, op
 * and size, built on first use. Per-call scalars go in through a small {@code params} array
 * copied every execution, so e.g. every AdamW step of a run reuses the one compiled graph.
 */
final class ElementwiseOffload {
  /** The buffers of one compiled graph, in the order its kernel takes them, and the graph. */
  private record Compiled(FloatArray[] buffers, DeviceGraph graph) {}

  private final Map<String, Compiled> graphs = new HashMap<>();

  // a: [aLen], b: [bLen] -> out: [n]
  synchronized void binary(BinaryOp op, int n, float[] a, int aOff, int aLen, float[] b, int bOff,
                           int bLen, float[] out, int outOff) {
    String key = "binary_" + op.ordinal() + "_" + n + "_" + aLen + "_" + bLen;
    Compiled c = graphs.computeIfAbsent(key, unused -> {
      FloatArray[] buf = {new FloatArray(aLen), new FloatArray(bLen), new FloatArray(n)};
      TaskGraph g = new TaskGraph(key)
          .transferToDevice(DataTransferMode.EVERY_EXECUTION, buf[0], buf[1])
          .task("t", ElementwiseKernels::binary, buf[0], buf[1], buf[2], n, aLen, bLen, op.ordinal())
          .transferToHost(DataTransferMode.EVERY_EXECUTION, buf[2]);
      return new Compiled(buf, new DeviceGraph(key, g, null));
    });
    HostCopy.in(a, aOff, c.buffers[0], aLen);
    HostCopy.in(b, bOff, c.buffers[1], bLen);
    c.graph.run();
    HostCopy.out(c.buffers[2], out, outOff, n);
  }

  // x: [n] -> out: [n]
  synchronized void unary(UnaryOp op, int n, float[] x, int xOff, float[] out, int outOff) {
    String key = "unary_" + op.ordinal() + "_" + n;
    Compiled c = graphs.computeIfAbsent(key, unused -> {
      FloatArray[] buf = {new FloatArray(n), new FloatArray(n)};
      TaskGraph g = new TaskGraph(key)
          .transferToDevice(DataTransferMode.EVERY_EXECUTION, buf[0])
          .task("t", ElementwiseKernels::unary, buf[0], buf[1], n, op.ordinal())
          .transferToHost(DataTransferMode.EVERY_EXECUTION, buf[1]);
      return new Compiled(buf, new DeviceGraph(key, g, null));
    });
    HostCopy.in(x, xOff, c.buffers[0], n);
    c.graph.run();
    HostCopy.out(c.buffers[1], out, outOff, n);
  }

  // x, y, dy: [n] -> dx: [n]
  synchronized void unaryBackward(UnaryOp op, int n, float[] x, int xOff, float[] y, int yOff,
                                  float[] dy, int dyOff, float[] dx, int dxOff, boolean accumulate) {
    String key = "unaryBackward_" + op.ordinal() + "_" + n + (accumulate ? "_acc" : "");
    Compiled c = graphs.computeIfAbsent(key, unused -> {
      FloatArray[] buf = {new FloatArray(n), new FloatArray(n), new FloatArray(n), new FloatArray(n)};
      TaskGraph g = new TaskGraph(key);
      if (accumulate) {
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, buf[0], buf[1], buf[2], buf[3]);
      } else {
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, buf[0], buf[1], buf[2]);
      }
      g.task("t", ElementwiseKernels::unaryBackward, buf[0], buf[1], buf[2], buf[3], n, op.ordinal(),
              accumulate ? 1 : 0)
          .transferToHost(DataTransferMode.EVERY_EXECUTION, buf[3]);
      return new Compiled(buf, new DeviceGraph(key, g, null));
    });
    HostCopy.in(x, xOff, c.buffers[0], n);
    HostCopy.in(y, yOff, c.buffers[1], n);
    HostCopy.in(dy, dyOff, c.buffers[2], n);
    if (accumulate) HostCopy.in(dx, dxOff, c.buffers[3], n);
    c.graph.run();
    HostCopy.out(c.buffers[3], dx, dxOff, n);
  }

  // x, y: [n] -> y += alpha · x
  synchronized void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
    String key = "axpy_" + n;
    Compiled c = graphs.computeIfAbsent(key, unused -> {
      FloatArray[] buf = {new FloatArray(1), new FloatArray(n), new FloatArray(n)};
      TaskGraph g = new TaskGraph(key)
          .transferToDevice(DataTransferMode.EVERY_EXECUTION, buf[0], buf[1], buf[2])
          .task("t", ElementwiseKernels::axpy, buf[0], buf[1], buf[2], n)
          .transferToHost(DataTransferMode.EVERY_EXECUTION, buf[2]);
      return new Compiled(buf, new DeviceGraph(key, g, null));
    });
    c.buffers[0].set(0, alpha);
    HostCopy.in(x, xOff, c.buffers[1], n);
    HostCopy.in(y, yOff, c.buffers[2], n);
    c.graph.run();
    HostCopy.out(c.buffers[2], y, yOff, n);
  }

  // x: [n] -> x *= alpha
  synchronized void scale(int n, float alpha, float[] x, int xOff) {
    String key = "scale_" + n;
    Compiled c = graphs.computeIfAbsent(key, unused -> {
      FloatArray[] buf = {new FloatArray(1), new FloatArray(n)};
      TaskGraph g = new TaskGraph(key)
          .transferToDevice(DataTransferMode.EVERY_EXECUTION, buf[0], buf[1])
          .task("t", ElementwiseKernels::scale, buf[0], buf[1], n)
          .transferToHost(DataTransferMode.EVERY_EXECUTION, buf[1]);
      return new Compiled(buf, new DeviceGraph(key, g, null));
    });
    c.buffers[0].set(0, alpha);
    HostCopy.in(x, xOff, c.buffers[1], n);
    c.graph.run();
    HostCopy.out(c.buffers[1], x, xOff, n);
  }

  // p, g, m, v: [n] -> p, m, v updated
  synchronized void adamw(int n, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff,
                          float[] v, int vOff, float lr, float beta1, float beta2, float eps,
                          float weightDecay, float bc1, float bc2) {
    String key = "adamw_" + n;
    Compiled c = graphs.computeIfAbsent(key, unused -> {
      FloatArray[] buf = {new FloatArray(ElementwiseKernels.ADAMW_PARAMS), new FloatArray(n),
          new FloatArray(n), new FloatArray(n), new FloatArray(n)};
      FloatArray unscaled = new FloatArray(1);
      unscaled.set(0, 1f);
      TaskGraph tg = new TaskGraph(key)
          .transferToDevice(DataTransferMode.FIRST_EXECUTION, unscaled)
          .transferToDevice(DataTransferMode.EVERY_EXECUTION, buf)
          .task("t", ElementwiseKernels::adamw, buf[0], unscaled, buf[1], buf[2], buf[3], buf[4], n, 0)
          .transferToHost(DataTransferMode.EVERY_EXECUTION, buf[1], buf[3], buf[4]);
      return new Compiled(buf, new DeviceGraph(key, tg, null));
    });
    FloatArray params = c.buffers[0];
    params.set(ElementwiseKernels.LR, lr);
    params.set(ElementwiseKernels.BETA1, beta1);
    params.set(ElementwiseKernels.BETA2, beta2);
    params.set(ElementwiseKernels.EPS, eps);
    params.set(ElementwiseKernels.WEIGHT_DECAY, weightDecay);
    params.set(ElementwiseKernels.BC1, bc1);
    params.set(ElementwiseKernels.BC2, bc2);
    HostCopy.in(p, pOff, c.buffers[1], n);
    HostCopy.in(g, gOff, c.buffers[2], n);
    HostCopy.in(m, mOff, c.buffers[3], n);
    HostCopy.in(v, vOff, c.buffers[4], n);
    c.graph.run();
    HostCopy.out(c.buffers[1], p, pOff, n);
    HostCopy.out(c.buffers[3], m, mOff, n);
    HostCopy.out(c.buffers[4], v, vOff, n);
  }
}
