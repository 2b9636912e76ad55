package org.jlora.engine;

/** Elementwise unary operations (the activations and the math a transformer needs). */
public enum UnaryOp {
  NEG, EXP, LOG, TANH, RELU, SIGMOID,
  /** GELU, tanh approximation: {@code 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x³)))} (GPT-2's). */
  GELU_TANH,
  /** GELU, exact: {@code 0.5x(1 + erf(x/sqrt 2))} (PyTorch's default). */
  GELU_ERF,
  SQRT, RECIPROCAL, SQUARE, ABS
}
