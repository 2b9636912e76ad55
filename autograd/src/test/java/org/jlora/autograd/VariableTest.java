package org.jlora.autograd;

import static org.junit.jupiter.api.Assertions.*;

import org.jlora.engine.Tensor;
import org.junit.jupiter.api.Test;

/** The tape itself: leaves, accumulation, seeds, NoGrad, and releasing the graph. */
class VariableTest {

  private static Variable vec(boolean requiresGrad, float... v) {
    return Variable.of(Tensor.of(v, v.length), requiresGrad);
  }

  @Test
  void diamondGraphAccumulatesBothPaths() {
    // y = sum(x·x + 3x) -> dy/dx = 2x + 3, with x reached along two paths
    Variable x = vec(true, 1f, -2f, 0.5f);
    Variable y = F.sum(F.add(F.mul(x, x), F.scale(x, 3f)));
    y.backward();
    assertArrayEquals(new float[] {5f, -1f, 4f}, x.grad().toArray(), 1e-6f);
  }

  @Test
  void leafGradientsAccumulateUntilZeroGrad() {
    Variable x = vec(true, 1f, 2f);
    F.sum(F.scale(x, 2f)).backward();
    F.sum(F.scale(x, 2f)).backward();
    assertArrayEquals(new float[] {4f, 4f}, x.grad().toArray());
    x.zeroGrad();
    assertNull(x.grad());
  }

  @Test
  void nonScalarBackwardNeedsASeed() {
    Variable x = vec(true, 1f, 2f, 3f);
    Variable y = F.scale(x, 2f);
    IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
    assertTrue(e.getMessage().contains("seed"), e.getMessage());
    y.backward(Tensor.of(new float[] {1f, 0f, -1f}, 3));
    assertArrayEquals(new float[] {2f, 0f, -2f}, x.grad().toArray());
  }

  @Test
  void constantsGetNoGradientAndRecordNoNode() {
    Variable c = vec(false, 1f, 2f);
    Variable x = vec(true, 3f, 4f);
    Variable y = F.mul(c, c);
    assertFalse(y.requiresGrad());
    assertTrue(y.isLeaf());
    F.sum(F.mul(c, x)).backward();
    assertNull(c.grad());
    assertArrayEquals(new float[] {1f, 2f}, x.grad().toArray());
  }

  @Test
  void noGradScopeRecordsNothingAndNests() {
    Variable x = vec(true, 1f, 2f);
    try (NoGrad outer = NoGrad.enter()) {
      try (NoGrad inner = NoGrad.enter()) {
        assertFalse(NoGrad.isGradEnabled());
      }
      assertFalse(NoGrad.isGradEnabled());
      Variable y = F.mul(x, x);
      assertFalse(y.requiresGrad());
      assertNull(y.node());
      assertThrows(IllegalStateException.class, () -> F.sum(y).backward());
    }
    assertTrue(NoGrad.isGradEnabled());
    assertTrue(F.mul(x, x).requiresGrad());
  }

  @Test
  void backwardReleasesTheGraph() {
    Variable x = vec(true, 1f, 2f);
    Variable h = F.mul(x, x);
    Variable y = F.sum(h);
    y.backward();
    assertTrue(h.node().released());
    assertTrue(y.node().released());
    assertNull(h.grad(), "intermediate gradients are dropped once used");
    IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
    assertTrue(e.getMessage().contains("released"), e.getMessage());
  }

  @Test
  void onlyLeavesChangeRequiresGrad() {
    Variable x = vec(true, 1f);
    Variable y = F.scale(x, 2f);
    assertThrows(IllegalStateException.class, () -> y.setRequiresGrad(false));
    x.setRequiresGrad(false);
    assertFalse(F.scale(x, 2f).requiresGrad());
    assertTrue(new Parameter(Tensor.zeros(2)).requiresGrad());
  }

  @Test
  void deepChainsDoNotOverflowTheStack() {
    Variable x = vec(true, 1f);
    Variable y = x;
    for (int i = 0; i < 20_000; i++) y = F.scale(y, 1f);
    F.sum(y).backward();
    assertEquals(1f, x.grad().get(0));
  }
}
