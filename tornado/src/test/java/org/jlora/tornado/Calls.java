package org.jlora.tornado;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.jlora.engine.Backend;
import org.jlora.engine.ElementwiseKernels;
import org.jlora.engine.EmbeddingKernels;
import org.jlora.engine.MatmulKernels;
import org.jlora.engine.OptimizerKernels;
import org.jlora.engine.ReductionKernels;
import org.jlora.engine.RowKernels;
import org.jlora.engine.Tensor;
import org.jlora.engine.capture.KernelCall;

/**
 * Test support: records kernel-family calls as {@link KernelCall}s (a stand-in for the engine's
 * capture until it lands) and replays them on a backend through reflection (the CPU replay the
 * compiled steps are checked against).
 */
final class Calls {
  final List<KernelCall> recorded = new ArrayList<>();

  /** A family whose calls are recorded, not run. */
  <F> F family(Class<F> family) {
    InvocationHandler h = (proxy, method, args) -> {
      if (method.getDeclaringClass() == Object.class) return method.getName().equals("hashCode") ? 0 : null;
      recorded.add(new KernelCall(family, method, args));
      return null;
    };
    return family.cast(Proxy.newProxyInstance(family.getClassLoader(), new Class<?>[] {family}, h));
  }

  MatmulKernels matmul() { return family(MatmulKernels.class); }
  ElementwiseKernels elementwise() { return family(ElementwiseKernels.class); }
  ReductionKernels reductions() { return family(ReductionKernels.class); }
  RowKernels rows() { return family(RowKernels.class); }
  org.jlora.engine.ConvKernels conv() { return family(org.jlora.engine.ConvKernels.class); }
  EmbeddingKernels embedding() { return family(EmbeddingKernels.class); }
  OptimizerKernels optimizer() { return family(OptimizerKernels.class); }
  org.jlora.engine.AttentionKernels attention() { return family(org.jlora.engine.AttentionKernels.class); }

  /** Runs every recorded call, in order, on {@code backend}. */
  void replay(Backend backend) {
    for (KernelCall c : recorded) invoke(backend, c, c.args());
  }

  static Object invoke(Backend backend, KernelCall c, Object[] args) {
    try {
      return c.method().invoke(familyOf(backend, c.family()), args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException r) throw r;
      throw new IllegalStateException(e.getCause());
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  static Object familyOf(Backend b, Class<?> family) {
    return b.family(family);
  }

  /**
   * Host copies of every tensor argument (ids cloned too), so two backends start alike; views of
   * one storage stay views of one (copied) storage.
   */
  static Object[] copyArgs(Object[] args) {
    java.util.Map<org.jlora.engine.Storage, org.jlora.engine.Storage> copies = new java.util.IdentityHashMap<>();
    Object[] out = args.clone();
    for (int i = 0; i < out.length; i++) {
      if (out[i] instanceof Tensor t) {
        out[i] = copy(t, copies);
      } else if (out[i] instanceof int[] ids) {
        out[i] = ids.clone();
      } else if (out[i] instanceof List<?> list) {
        List<Tensor> ts = new ArrayList<>();
        for (Object o : list) ts.add(copy((Tensor) o, copies));
        out[i] = ts;
      }
    }
    return out;
  }

  private static Tensor copy(Tensor t, java.util.Map<org.jlora.engine.Storage, org.jlora.engine.Storage> copies) {
    org.jlora.engine.Storage s = copies.computeIfAbsent(t.storage(),
        st -> new org.jlora.engine.HostFloats(Tensor.on(st, 0, st.length()).toArray()));
    return Tensor.on(s, t.offset(), t.shape());
  }

  static Method method(Class<?> family, String name, Class<?>... params) {
    return Lowerings.method(family, name, params);
  }
}
