package org.jlora.autograd;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.TreeMap;
import org.jlora.engine.AttentionKernels;
import org.jlora.engine.Backend;
import org.jlora.engine.ConvKernels;
import org.jlora.engine.ElementwiseKernels;
import org.jlora.engine.EmbeddingKernels;
import org.jlora.engine.MatmulKernels;
import org.jlora.engine.OptimizerKernels;
import org.jlora.engine.ReductionKernels;
import org.jlora.engine.RowKernels;

/**
 * A backend whose every kernel family is wrapped in a {@link Proxy} that counts the calls by
 * {@code "family.method"} and then runs the wrapped kernel: what a capture of a training step
 * would see. A family's convenience (default) methods are not counted: they reach the door
 * through the abstract method they call, which is.
 */
final class KernelDoor {
  final Map<String, Integer> calls = new TreeMap<>();
  final Backend backend;

  KernelDoor(Backend inner) {
    backend = new Backend(inner.name() + "+door",
        counting(MatmulKernels.class, "matmul", inner.matmul()),
        counting(ElementwiseKernels.class, "elementwise", inner.elementwise()),
        counting(ReductionKernels.class, "reductions", inner.reductions()),
        counting(RowKernels.class, "rows", inner.rows()),
        counting(ConvKernels.class, "conv", inner.conv()),
        counting(EmbeddingKernels.class, "embedding", inner.embedding()),
        counting(OptimizerKernels.class, "optimizer", inner.optimizer()),
        counting(AttentionKernels.class, "attention", inner.attention()));
  }

  /** Calls so far, all kernels together. */
  int total() {
    return calls.values().stream().mapToInt(Integer::intValue).sum();
  }

  private <T> T counting(Class<T> family, String name, T inner) {
    InvocationHandler handler = (proxy, method, args) -> {
      if (method.isDefault()) return InvocationHandler.invokeDefault(proxy, method, args);
      if (method.getDeclaringClass() != Object.class) calls.merge(name + "." + method.getName(), 1, Integer::sum);
      try {
        return method.invoke(inner, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    };
    return family.cast(Proxy.newProxyInstance(family.getClassLoader(), new Class<?>[] {family}, handler));
  }
}
