package org.jlora.engine;

/**
 * The kernels tensors run on, one implementation per family, and a name for messages.
 *
 * <p>{@link Backends#vector()} (the default: JDK Vector API kernels, parallel on the
 * {@link Parallel} pool) and {@link Backends#scalar()} (the readable reference, one plain loop
 * per kernel) fill every family; every implementation must agree with the scalar one to within
 * float rounding, and the tests check each kernel against its scalar twin. A device backend
 * replaces only the families it accelerates and keeps the vector kernels for the rest:
 *
 * <pre>{@code
 * Backend gpu = Backends.vector().with(new DeviceMatmul()).named("tornado");
 * Backends.current().matmul().matmul(a, false, w, true);
 * }</pre>
 */
public record Backend(String name, MatmulKernels matmul, ElementwiseKernels elementwise,
                      ReductionKernels reductions, RowKernels rows, ConvKernels conv,
                      EmbeddingKernels embedding, OptimizerKernels optimizer, AttentionKernels attention) {

  public Backend {
    if (name == null || name.isBlank()) throw new IllegalArgumentException("a backend needs a name");
    if (matmul == null || elementwise == null || reductions == null || rows == null || conv == null
        || embedding == null || optimizer == null || attention == null) {
      throw new IllegalArgumentException("backend '" + name + "' is missing a kernel family");
    }
  }

  /** This backend under another name. */
  public Backend named(String newName) {
    return new Backend(newName, matmul, elementwise, reductions, rows, conv, embedding, optimizer, attention);
  }

  public Backend with(MatmulKernels kernels) {
    return new Backend(name, kernels, elementwise, reductions, rows, conv, embedding, optimizer, attention);
  }

  public Backend with(ElementwiseKernels kernels) {
    return new Backend(name, matmul, kernels, reductions, rows, conv, embedding, optimizer, attention);
  }

  public Backend with(ReductionKernels kernels) {
    return new Backend(name, matmul, elementwise, kernels, rows, conv, embedding, optimizer, attention);
  }

  public Backend with(RowKernels kernels) {
    return new Backend(name, matmul, elementwise, reductions, kernels, conv, embedding, optimizer, attention);
  }

  public Backend with(ConvKernels kernels) {
    return new Backend(name, matmul, elementwise, reductions, rows, kernels, embedding, optimizer, attention);
  }

  public Backend with(EmbeddingKernels kernels) {
    return new Backend(name, matmul, elementwise, reductions, rows, conv, kernels, optimizer, attention);
  }

  public Backend with(OptimizerKernels kernels) {
    return new Backend(name, matmul, elementwise, reductions, rows, conv, embedding, kernels, attention);
  }

  public Backend with(AttentionKernels kernels) {
    return new Backend(name, matmul, elementwise, reductions, rows, conv, embedding, optimizer, kernels);
  }

  /** Something that wraps each family of a backend, e.g. to record its calls. */
  public interface FamilyWrapper {
    <T> T wrap(Class<T> family, T kernels);
  }

  /** This backend with every family passed through {@code wrapper}. */
  public Backend wrapEach(FamilyWrapper wrapper) {
    return new Backend(name, wrapper.wrap(MatmulKernels.class, matmul),
        wrapper.wrap(ElementwiseKernels.class, elementwise), wrapper.wrap(ReductionKernels.class, reductions),
        wrapper.wrap(RowKernels.class, rows), wrapper.wrap(ConvKernels.class, conv),
        wrapper.wrap(EmbeddingKernels.class, embedding), wrapper.wrap(OptimizerKernels.class, optimizer),
        wrapper.wrap(AttentionKernels.class, attention));
  }

  /** The implementation of the family whose interface is {@code family}. */
  public Object family(Class<?> family) {
    if (family == MatmulKernels.class) return matmul;
    if (family == ElementwiseKernels.class) return elementwise;
    if (family == ReductionKernels.class) return reductions;
    if (family == RowKernels.class) return rows;
    if (family == ConvKernels.class) return conv;
    if (family == EmbeddingKernels.class) return embedding;
    if (family == OptimizerKernels.class) return optimizer;
    if (family == AttentionKernels.class) return attention;
    throw new IllegalArgumentException("backend '" + name + "' has no kernel family " + family.getSimpleName());
  }

  @Override
  public String toString() {
    return "Backend[" + name + "]";
  }
}
