package org.jlora.engine;

import org.jlora.engine.kernels.ElementwiseScalar;
import org.jlora.engine.kernels.ElementwiseVector;
import org.jlora.engine.kernels.EmbeddingScalar;
import org.jlora.engine.kernels.EmbeddingVector;
import org.jlora.engine.kernels.Im2colScalar;
import org.jlora.engine.kernels.Im2colVector;
import org.jlora.engine.kernels.MatmulScalar;
import org.jlora.engine.kernels.MatmulVector;
import org.jlora.engine.kernels.OptimizerScalar;
import org.jlora.engine.kernels.OptimizerVector;
import org.jlora.engine.kernels.ReduceScalar;
import org.jlora.engine.kernels.ReduceVector;
import org.jlora.engine.kernels.RowsScalar;
import org.jlora.engine.kernels.RowsVector;

/**
 * The host kernels the engine tests compare, twin against twin: each family's vector
 * implementation and its scalar reference, with their array-level entries (offsets into padded
 * arrays test the offset arithmetic the tensor door hides).
 */
final class HostKernels {
  private HostKernels() {}

  static final MatmulVector MATMUL_VECTOR = new MatmulVector();
  static final MatmulScalar MATMUL_SCALAR = new MatmulScalar();
  static final ElementwiseVector ELEMENTWISE_VECTOR = new ElementwiseVector();
  static final ElementwiseScalar ELEMENTWISE_SCALAR = new ElementwiseScalar();
  static final ReduceVector REDUCE_VECTOR = new ReduceVector();
  static final ReduceScalar REDUCE_SCALAR = new ReduceScalar();
  static final RowsVector ROWS_VECTOR = new RowsVector();
  static final RowsScalar ROWS_SCALAR = new RowsScalar();
  static final Im2colVector CONV_VECTOR = new Im2colVector();
  static final Im2colScalar CONV_SCALAR = new Im2colScalar();
  static final EmbeddingVector EMBEDDING_VECTOR = new EmbeddingVector();
  static final EmbeddingScalar EMBEDDING_SCALAR = new EmbeddingScalar();
  static final OptimizerVector OPTIMIZER_VECTOR = new OptimizerVector();
  static final OptimizerScalar OPTIMIZER_SCALAR = new OptimizerScalar();
}
