package org.jlora.engine.capture;

import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jlora.engine.AttentionKernels;
import org.jlora.engine.BinaryOp;
import org.jlora.engine.ElementwiseKernels;
import org.jlora.engine.EmbeddingKernels;
import org.jlora.engine.MatmulKernels;
import org.jlora.engine.ReductionKernels;
import org.jlora.engine.RopeLayout;
import org.jlora.engine.RowKernels;
import org.jlora.engine.Storage;
import org.jlora.engine.Tensor;
import org.jlora.engine.UnaryOp;

/**
 * The kernel arguments that a call writes whole: every element of the tensor's window set without
 * being read first, as the family's contract says ("written", or "(+)=" with {@code accumulate}
 * false). A fill that starts a buffer whose next kernel writes it whole is work a replay can skip
 * ({@link CapturedProgram#redundantFills()}).
 *
 * <p>Listed by exact signature, so a kernel whose parameters change drops out of the list (and
 * keeps its fills) instead of being read at the wrong position; {@code WholeWritesTest} checks that
 * every entry still names a method. Not listed, because they read or keep part of their output:
 * {@code axpy}, {@code scale}, {@code copyStrided} (writes only the walked elements),
 * {@code scatterAddRows}, {@code fromHeads} (leaves the other parts of a fused row alone), the
 * optimizer's kernels, and {@code layerNormBackward}'s dgamma and dbeta.
 */
final class WholeWrites {
  /** Argument positions written whole, and the position of the accumulate flag (-1: none). */
  private record Entry(int[] outputs, int accumulate) {}

  private static final Map<Method, Entry> ENTRIES = new HashMap<>();
  private static final List<String> UNRESOLVED = new java.util.ArrayList<>();

  private static final Class<?> T = Tensor.class;
  private static final Class<?> I = int.class;
  private static final Class<?> F = float.class;
  private static final Class<?> Z = boolean.class;

  static {
    Class<?> e = ElementwiseKernels.class;
    put(e, "binary", new int[] {3}, -1, BinaryOp.class, T, T, T);
    put(e, "unary", new int[] {2}, -1, UnaryOp.class, T, T);
    put(e, "unaryBackward", new int[] {4}, 5, UnaryOp.class, T, T, T, T, Z);
    put(e, "fill", new int[] {0}, -1, T, F);
    put(e, "copy", new int[] {1}, -1, T, T);
    put(e, "swiglu", new int[] {2}, -1, T, T, T);
    put(e, "swigluBackward", new int[] {3, 4}, -1, T, T, T, T, T);
    put(e, "dropout", new int[] {2}, -1, T, T, T);
    put(MatmulKernels.class, "matmul", new int[] {9}, 10, I, I, I, I, T, Z, T, Z, Z, T, Z);
    Class<?> r = RowKernels.class;
    put(r, "softmax", new int[] {3}, -1, I, I, T, T);
    put(r, "logSoftmax", new int[] {3}, -1, I, I, T, T);
    put(r, "softmaxBackward", new int[] {4}, 5, I, I, T, T, T, Z);
    put(r, "logSoftmaxBackward", new int[] {4}, 5, I, I, T, T, T, Z);
    put(r, "layerNorm", new int[] {6, 7, 8}, -1, I, I, T, T, T, F, T, T, T);
    put(r, "layerNormBackward", new int[] {7}, 10, I, I, T, T, T, T, T, T, T, T, Z);
    put(r, "rmsNorm", new int[] {5, 6}, -1, I, I, T, T, F, T, T);
    put(r, "rmsNormBackward", new int[] {6, 7}, -1, I, I, T, T, T, T, T, T);
    put(r, "crossEntropy", new int[] {5, 6}, -1, I, I, T, int[].class, I, T, T);
    put(r, "crossEntropyBackward", new int[] {6}, -1, I, I, T, int[].class, I, T, T);
    Class<?> a = AttentionKernels.class;
    put(a, "toHeads", new int[] {3}, -1, T, I, F, T);
    put(a, "causalForward", new int[] {3, 4}, -1, T, T, T, T, T);
    put(a, "causalBackward", new int[] {5, 6, 7}, -1, T, T, T, T, T, T, T, T);
    put(a, "ropeForward", new int[] {4}, -1, T, T, T, RopeLayout.class, T);
    put(a, "ropeBackward", new int[] {4}, -1, T, T, T, RopeLayout.class, T);
    // (cacheWrite is not: it writes only the new rows of its cache)
    put(a, "cachedAttention", new int[] {4}, -1, T, T, T, int[].class, T);
    put(a, "ropeAt", new int[] {5}, -1, T, T, T, int[].class, RopeLayout.class, T);
    put(EmbeddingKernels.class, "gatherRows", new int[] {2}, -1, T, int[].class, T);
    Class<?> red = ReductionKernels.class;
    put(red, "sum", new int[] {2}, -1, T, F, T);
    put(red, "sumOfSquares", new int[] {1}, -1, List.class, T);
    put(red, "sumRows", new int[] {3}, -1, I, I, T, T);
    put(red, "maxRows", new int[] {3}, -1, I, I, T, T);
    put(red, "sumColumns", new int[] {3}, 4, I, I, T, T, Z);
  }

  private WholeWrites() {}

  private static void put(Class<?> family, String name, int[] outputs, int accumulate, Class<?>... params) {
    try {
      ENTRIES.put(family.getMethod(name, params), new Entry(outputs, accumulate));
    } catch (NoSuchMethodException e) {
      UNRESOLVED.add(family.getSimpleName() + "." + name);
    }
  }

  /** Entries whose method no longer exists with that signature (for the test). */
  static List<String> unresolved() {
    return List.copyOf(UNRESOLVED);
  }

  /**
   * Whether {@code call} writes every element of {@code storage} before reading any: the storage
   * appears only as arguments the kernel writes whole, each a window over all of it, and the
   * call does not accumulate.
   */
  static boolean overwrites(KernelCall call, Storage storage) {
    Entry entry = ENTRIES.get(call.method());
    if (entry == null) return false;
    Object[] args = call.args();
    if (entry.accumulate >= 0 && (Boolean) args[entry.accumulate]) return false;
    boolean written = false;
    for (int i = 0; i < args.length; i++) {
      if (args[i] instanceof Tensor t && t.storage() == storage) {
        if (!isOutput(entry, i) || t.offset() != 0 || t.size() != storage.length()) return false;
        written = true;
      } else if (args[i] instanceof List<?> list) {
        for (Object o : list) if (o instanceof Tensor t && t.storage() == storage) return false;
      }
    }
    return written;
  }

  private static boolean isOutput(Entry entry, int position) {
    for (int o : entry.outputs) if (o == position) return true;
    return false;
  }
}
