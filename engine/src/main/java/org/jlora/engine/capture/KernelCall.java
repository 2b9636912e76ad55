package org.jlora.engine.capture;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import org.jlora.engine.Backend;
import org.jlora.engine.Tensor;

/**
 * One kernel call of a captured step: which method of which kernel family ran, on which
 * arguments. Tensor arguments are the very windows the step used, so their
 * {@link Tensor#storage() storage} identifies the buffer; {@code int[]} arguments are token ids
 * or targets; the rest (floats, ints, flags, enums, geometry records, lists of tensors) are
 * constants of the step.
 *
 * @param family the kernel family interface, e.g. {@code MatmulKernels.class}
 * @param method the interface method that was called
 * @param args   its arguments, as passed
 */
public record KernelCall(Class<?> family, Method method, Object[] args) {

  /** "MatmulKernels.matmul": for messages and for a device compiler's lookup table. */
  public String name() {
    return family.getSimpleName() + "." + method.getName();
  }

  /** Runs this call again on {@code backend}'s implementation of the family. */
  public void invoke(Backend backend) {
    try {
      method.invoke(backend.family(family), args);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) throw r;
      if (cause instanceof Error err) throw err;
      throw new IllegalStateException(name() + " failed on replay", cause);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(name() + " cannot be called on replay", e);
    }
  }

  /** The tensors among the arguments (lists of tensors flattened), in argument order. */
  public List<Tensor> tensors() {
    java.util.ArrayList<Tensor> out = new java.util.ArrayList<>();
    for (Object a : args) {
      if (a instanceof Tensor t) out.add(t);
      if (a instanceof List<?> list) {
        for (Object o : list) if (o instanceof Tensor t) out.add(t);
      }
    }
    return out;
  }

  /**
   * This call with every tensor argument (lists of tensors too) replaced by {@code f} of it, or
   * this very call when {@code f} changes none: how a recording swaps buffers for placeholders and
   * a replay moves them into its arena.
   */
  public KernelCall withTensors(java.util.function.UnaryOperator<Tensor> f) {
    Object[] moved = args.clone();
    boolean changed = false;
    for (int i = 0; i < moved.length; i++) {
      if (moved[i] instanceof Tensor t) {
        moved[i] = f.apply(t);
        changed |= moved[i] != t;
      } else if (moved[i] instanceof List<?> list) {
        java.util.ArrayList<Object> items = new java.util.ArrayList<>(list.size());
        boolean any = false;
        for (Object o : list) {
          Object m = o instanceof Tensor t ? f.apply(t) : o;
          any |= m != o;
          items.add(m);
        }
        if (any) {
          moved[i] = List.copyOf(items);
          changed = true;
        }
      }
    }
    return changed ? new KernelCall(family, method, moved) : this;
  }

  @Override
  public String toString() {
    return name();
  }
}
