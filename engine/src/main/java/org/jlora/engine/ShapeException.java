package org.jlora.engine;

/** An operation was given shapes it cannot combine; the message names the operation and the shapes. */
public class ShapeException extends IllegalArgumentException {
  public ShapeException(String message) {
    super(message);
  }

  public ShapeException(String op, int[] a, int[] b) {
    super(op + ": shapes " + Shapes.str(a) + " and " + Shapes.str(b) + " do not match");
  }
}
