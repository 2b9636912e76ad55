package org.jlora.tornado;

import java.util.HashMap;
import java.util.Map;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid3D;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Runs {@link MatmulKernel} for the engine's {@code Backend.matmul}: one compiled graph and one
 * set of device buffers per (batch, m, n, k, transposition, shareB, accumulate), built on first
 * use and reused; each call stages A, B (and C when accumulating) in, and C out.
 */
final class MatmulOffload {
  /** The buffers and compiled graph for one matmul shape. */
  private record Shape(FloatArray a, FloatArray b, FloatArray c, DeviceGraph graph) {}

  private final Map<String, Shape> shapes = new HashMap<>();

  synchronized void matmul(int batch, int m, int n, int k,
                           float[] a, int aOff, boolean transA,
                           float[] b, int bOff, boolean transB, boolean shareB,
                           float[] c, int cOff, boolean accumulate) {
    int aLen = batch * m * k;
    int bLen = (shareB ? 1 : batch) * k * n;
    int cLen = batch * m * n;
    String key = batch + "x" + m + "x" + n + "x" + k + (transA ? "tA" : "") + (transB ? "tB" : "")
        + (shareB ? "sB" : "") + (accumulate ? "acc" : "");
    Shape s = shapes.computeIfAbsent(key,
        unused -> compile(key, batch, m, n, k, transA, transB, shareB, accumulate, aLen, bLen, cLen));
    HostCopy.in(a, aOff, s.a, aLen);
    HostCopy.in(b, bOff, s.b, bLen);
    if (accumulate) HostCopy.in(c, cOff, s.c, cLen);
    s.graph.run();
    HostCopy.out(s.c, c, cOff, cLen);
  }

  private static Shape compile(String key, int batch, int m, int n, int k, boolean transA,
                               boolean transB, boolean shareB, boolean accumulate,
                               int aLen, int bLen, int cLen) {
    FloatArray a = new FloatArray(Math.max(aLen, 1));
    FloatArray b = new FloatArray(Math.max(bLen, 1));
    FloatArray c = new FloatArray(Math.max(cLen, 1));
    String name = "matmul_" + key;
    TaskGraph graph = new TaskGraph(name);
    if (accumulate) {
      graph.transferToDevice(DataTransferMode.EVERY_EXECUTION, a, b, c);
    } else {
      graph.transferToDevice(DataTransferMode.EVERY_EXECUTION, a, b);
    }
    graph.task("t", MatmulKernel::matmul, new KernelContext(), a, b, c,
            m, n, k, transA ? 1 : 0, transB ? 1 : 0, shareB ? 1 : 0, accumulate ? 1 : 0)
        .transferToHost(DataTransferMode.EVERY_EXECUTION, c);
    GridScheduler grid = new GridScheduler(name + ".t", worker(batch, m, n));
    return new Shape(a, b, c, new DeviceGraph(name, graph, grid));
  }

  /**
   * The work-groups {@link MatmulKernel} runs on for a [batch, m, n] output: x over column blocks,
   * y over row blocks, z over the batch; whole blocks only (the kernel masks the overhang).
   */
  static WorkerGrid3D worker(int batch, int m, int n) {
    WorkerGrid3D worker = new WorkerGrid3D(groups(n) * MatmulKernel.GROUP, groups(m) * MatmulKernel.GROUP, batch);
    worker.setLocalWork(MatmulKernel.GROUP, MatmulKernel.GROUP, 1);
    return worker;
  }

  /** Work-groups along an axis of {@code size} outputs: one per started block. */
  private static int groups(int size) {
    return (size + MatmulKernel.BLOCK - 1) / MatmulKernel.BLOCK;
  }
}
