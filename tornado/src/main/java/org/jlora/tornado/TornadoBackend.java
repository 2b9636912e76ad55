package org.jlora.tornado;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.jlora.engine.AttentionKernels;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.ElementwiseKernels;
import org.jlora.engine.ConvKernels;
import org.jlora.engine.EmbeddingKernels;
import org.jlora.engine.MatmulKernels;
import org.jlora.engine.OptimizerKernels;
import org.jlora.engine.ReductionKernels;
import org.jlora.engine.RowKernels;
import org.jlora.engine.Tensor;

/**
 * The engine's kernels on a TornadoVM device (a GPU, or any OpenCL device such as PoCL on the
 * CPU), kernel by kernel: {@code Backends.vector()} with the families the device accelerates
 * replaced ({@link Backend#with}). Select it with {@code -Djlora.backend=tornado} in a JVM started
 * with TornadoVM's flags.
 *
 * <p>Each replaced family runs every method that has a device kernel ({@link Lowerings}: matmul,
 * elementwise, the tensor-valued reductions, softmax/LayerNorm/RMSNorm/cross-entropy rows, SwiGLU,
 * dropout, im2col/col2im, embedding rows, AdamW and clipping, head moves, causal attention, RoPE)
 * through {@link CallOffload}, one compiled graph per shape, and hands its other methods (the
 * host-valued {@code sum} and {@code max}) to the vector kernels, downloading tornado tensors
 * for them. Tensors may be host f32 or {@link TornadoStorage}, both staged per call; another
 * backend's device tensors are refused.
 *
 * <p>A whole training step belongs on {@link TornadoStepCompiler} instead, which keeps every
 * buffer on the device; this path moves each call's operands both ways.
 */
public final class TornadoBackend {
  private TornadoBackend() {}

  /** The backend, named "tornado". Needs the TornadoVM runtime in this JVM ({@link TornadoProvider}). */
  public static Backend create() {
    DeviceGraph.configureRuntime();
    CallOffload offload = new CallOffload();
    Backend cpu = Backends.vector();
    return cpu
        .with(family(MatmulKernels.class, cpu.matmul(), offload))
        .with(family(ElementwiseKernels.class, cpu.elementwise(), offload))
        .with(family(ReductionKernels.class, cpu.reductions(), offload))
        .with(family(RowKernels.class, cpu.rows(), offload))
        .with(family(ConvKernels.class, cpu.conv(), offload))
        .with(family(EmbeddingKernels.class, cpu.embedding(), offload))
        .with(family(OptimizerKernels.class, cpu.optimizer(), offload))
        .with(family(AttentionKernels.class, cpu.attention(), offload))
        .named("tornado");
  }

  /**
   * {@code family} on the device: each method with a lowering runs there, the others on
   * {@code cpu} (tornado tensors among their operands downloaded before and uploaded after).
   */
  static <F> F family(Class<F> family, F cpu, CallOffload offload) {
    InvocationHandler handler = (proxy, method, args) -> {
      Object[] a = args == null ? new Object[0] : args;
      if (method.getDeclaringClass() == Object.class) return objectMethod(family, proxy, method, a);
      Lowering lowering = Lowerings.of(method);
      if (lowering != null) {
        offload.call(method, lowering, a);
        return null;
      }
      // a default method (the shape-inferring matmul) comes back through this family's own methods
      if (method.isDefault()) return InvocationHandler.invokeDefault(proxy, method, args);
      return onHost(cpu, method, a);
    };
    return family.cast(Proxy.newProxyInstance(family.getClassLoader(), new Class<?>[] {family}, handler));
  }

  private static Object onHost(Object cpu, Method method, Object[] args) throws Throwable {
    Object[] hostArgs = args.clone();
    List<Integer> device = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i] instanceof Tensor t && t.storage() instanceof TornadoStorage) {
        hostArgs[i] = t.copy();
        device.add(i);
      }
    }
    try {
      Object result = method.invoke(cpu, hostArgs);
      for (int i : device) ((Tensor) args[i]).copyFrom((Tensor) hostArgs[i]);
      return result;
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static Object objectMethod(Class<?> family, Object proxy, Method method, Object[] args) {
    return switch (method.getName()) {
      case "toString" -> "tornado " + family.getSimpleName();
      case "hashCode" -> System.identityHashCode(proxy);
      case "equals" -> proxy == args[0];
      default -> throw new UnsupportedOperationException(method.getName());
    };
  }
}
