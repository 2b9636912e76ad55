package org.jlora.tornado;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Kernel by kernel, the backend keeps one graph per call shape. Two calls whose operands have the
 * same sizes but other shapes (heads [2, 2, 8, 8] and [2, 4, 8, 4] both hold 256 floats) must not
 * share one: the head geometry comes from the shapes. (A GPT with 2 heads of 8 and then a Llama
 * with 4 heads of 4 in one JVM trained the Llama through the GPT's graph.)
 */
class CallCacheTest {
  @Test
  void callsOfEqualSizeButOtherShapesGetTheirOwnGraphs() {
    TornadoRuntime.assumePresent();
    Backend device = TornadoBackend.create();
    Backend host = Backends.scalar();
    Rng rng = new Rng(3);
    for (int[] heads : new int[][] {{2, 2, 8, 8}, {2, 4, 8, 4}, {2, 2, 8, 8}}) {
      Tensor h = Tensor.randn(rng, heads);
      Tensor onDevice = Tensor.zeros(2, 8, heads[1], heads[3]);
      Tensor expected = Tensor.zeros(2, 8, heads[1], heads[3]);
      device.attention().fromHeads(h, 0, 1f, onDevice);
      host.attention().fromHeads(h, 0, 1f, expected);
      assertArrayEquals(expected.toArray(), onDevice.toArray(), java.util.Arrays.toString(heads));
    }
  }

  /**
   * A call over many tensors (the gradient norm of a 12-block model: one task per gradient, about
   * 150) is cut into chained graphs; one TornadoVM graph of that many tasks fails ("graph resize").
   */
  @Test
  void aCallOverManyTensorsRunsAsChainedGraphs() {
    TornadoRuntime.assumePresent();
    Backend device = TornadoBackend.create();
    Rng rng = new Rng(5);
    java.util.List<Tensor> grads = new java.util.ArrayList<>();
    double expected = 0;
    for (int i = 0; i < 150; i++) {
      Tensor g = Tensor.randn(rng, 3 + i % 7);
      grads.add(g);
      for (float v : g.toArray()) expected += (double) v * v;
    }
    Tensor out = Tensor.zeros(1);
    device.reductions().sumOfSquares(grads, out);
    org.junit.jupiter.api.Assertions.assertEquals(expected, out.item(), 1e-4 * expected);
  }
}
