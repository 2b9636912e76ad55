package org.jlora.autograd.ops;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.RopeLayout;
import org.jlora.engine.RopeTable;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * Rotary position embedding (RoPE) of queries or keys x [B, T, H, D] at positions
 * {@code start .. start+T-1}. Each pair (a, b) of a head's features (which pairs: {@link RopeLayout})
 * turns by the angle {@code p·f_i}, {@code f_i = theta^(-2i/D)}:
 *
 * <pre>
 *   a' = a·cos - b·sin
 *   b' = a·sin + b·cos
 * </pre>
 *
 * A rotation is orthogonal, so the gradient turns back by the same angle (the transposed matrix).
 * Both are the attention family's RoPE kernels; the angles come from a {@link RopeTable} built
 * once per (start, T, D, theta) and kept, so a training step computes no cos or sin.
 */
public final class RopeOps {
  private RopeOps() {}

  /** The tables of the shapes seen last; a few per model (training, and generation's positions). */
  private static final int CACHED_TABLES = 64;

  private record TableKey(int start, int t, int d, float theta) {}

  private static final Map<TableKey, RopeTable> TABLES = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<TableKey, RopeTable> eldest) {
      return size() > CACHED_TABLES;
    }
  };

  /** x [B, T, H, D] -> the rotated copy [B, T, H, D]. */
  public static Variable rope(Variable x, int startPos, float theta, RopeLayout layout) {
    Tensor xv = x.value();
    int[] s = xv.shape();
    if (s.length != 4 || s[3] % 2 != 0) {
      throw new ShapeException("rope: x " + Shapes.str(s) + " must be [B, T, H, D] with D even");
    }
    if (startPos < 0) throw new IllegalArgumentException("rope: negative start position " + startPos);
    Backend be = Backends.current();
    RopeTable table = table(startPos, s[1], s[3], theta);   // cos, sin: [T, D/2]
    Tensor y = Tensor.zeros(s);
    be.attention().ropeForward(xv, table.cos(), table.sin(), layout, y);
    return Variable.fromOp("rope", y, g -> {
      Tensor dx = Tensor.zeros(s);
      be.attention().ropeBackward(g.reshape(s), table.cos(), table.sin(), layout, dx);
      x.accumulateOwnedGrad(dx);
    }, x);
  }

  /**
   * Generation's RoPE (no gradient): x [B, T, H, D] at positions {@code position[0] ..}, read when
   * the kernel runs, turned with the tables of a whole context of {@code tMax} positions (built
   * once and kept), so one recorded decode step serves every position.
   */
  public static Variable ropeAt(Variable x, int[] position, int tMax, float theta, RopeLayout layout) {
    if (x.requiresGrad()) {
      throw new IllegalStateException("rope at a cached position is for generation and records no gradient; "
          + "run it under NoGrad");
    }
    int[] s = x.shape();
    if (s.length != 4 || s[3] % 2 != 0) {
      throw new ShapeException("rope: x " + Shapes.str(s) + " must be [B, T, H, D] with D even");
    }
    RopeTable table = table(0, tMax, s[3], theta);   // cos, sin: [Tmax, D/2]
    Tensor y = Tensor.zeros(s);
    Backends.current().attention().ropeAt(x.value(), table.cos(), table.sin(), position, layout, y);
    return Variable.constant(y);
  }

  /** The cached tables for positions {@code start .. start+t-1} of heads of size d. */
  static RopeTable table(int start, int t, int d, float theta) {
    synchronized (TABLES) {
      return TABLES.computeIfAbsent(new TableKey(start, t, d, theta), k -> RopeTable.of(start, t, d, theta));
    }
  }
}
