package org.jlora.autograd;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.jlora.autograd.CountingMatmul.MatmulCall;
import org.jlora.autograd.nn.Linear;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A frozen Linear weight costs no dW product and gets no gradient buffer; a trainable one gets
 * its dW from the transposed-operand matmul (no transpose copy), added in place.
 */
class FrozenWeightTest {
  private CountingMatmul counting;
  private Backend previous;

  @BeforeEach
  void install() {
    Backend current = Backends.current();
    counting = new CountingMatmul(current.matmul());
    previous = Backends.set(current.with(counting));
  }

  @AfterEach
  void restore() {
    Backends.set(previous);
  }

  @Test
  void frozenWeightComputesDxButNeverDw() {
    Linear layer = new Linear(16, 8, true, new Rng(3));
    layer.weight().setRequiresGrad(false);
    Variable x = Variable.of(Tensor.randn(new Rng(4), 2, 5, 16), true);
    Variable loss = F.sum(layer.forward(x));
    loss.backward();
    assertNull(layer.weight().grad(), "no gradient buffer for a frozen weight");
    assertNotNull(layer.bias().grad());
    assertNotNull(x.grad());
    // forward y = x·Wᵀ, backward dX = G·W: two products, no dW
    assertEquals(List.of(new MatmulCall(1, 10, 8, 16, false, true, false),
        new MatmulCall(1, 10, 16, 8, false, false, true)), counting.calls);
  }

  @Test
  void trainableWeightUsesTransposedOperandsAndAccumulatesInPlace() {
    Linear layer = new Linear(16, 8, false, new Rng(3));
    Variable x = Variable.constant(Tensor.randn(new Rng(4), 10, 16));
    F.sum(layer.forward(x)).backward();
    // input is a constant: no dX either; dW [8, 16] = Gᵀ [8, 10] · X [10, 16], transA, accumulate
    assertEquals(List.of(new MatmulCall(1, 10, 8, 16, false, true, false),
        new MatmulCall(1, 8, 16, 10, true, false, true)), counting.calls);
    Tensor first = layer.weight().grad();
    F.sum(layer.forward(x)).backward();
    assertSame(first, layer.weight().grad(), "the second backward adds into the same buffer");
  }
}
