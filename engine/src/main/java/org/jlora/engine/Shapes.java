package org.jlora.engine;

import java.util.Arrays;

/** Shape arithmetic and the checks every operation shares. */
public final class Shapes {
  private Shapes() {}

  /** Product of the dimensions; rejects negative dimensions and int overflow. */
  public static int size(int... shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + str(shape));
      n *= d;
      if (n > Integer.MAX_VALUE - 16) {
        throw new IllegalArgumentException("shape " + str(shape) + " holds more than 2^31 floats");
      }
    }
    return (int) n;
  }

  /** Row-major strides: how many elements one step along each axis skips ({@code [12, 4, 1]} for [2, 3, 4]). */
  public static int[] strides(int... shape) {
    int[] strides = new int[shape.length];
    for (int i = shape.length - 1, s = 1; i >= 0; i--) {
      strides[i] = s;
      s *= shape[i];
    }
    return strides;
  }

  /** "[2, 3, 4]" */
  public static String str(int... shape) {
    return Arrays.toString(shape);
  }

  /** Resolves one -1 in {@code shape} so that it holds {@code size} elements. */
  static int[] infer(int size, int[] shape, String op) {
    int[] s = shape.clone();
    int unknown = -1;
    long known = 1;
    for (int i = 0; i < s.length; i++) {
      if (s[i] == -1) {
        if (unknown >= 0) throw new IllegalArgumentException(op + " -> " + str(shape) + ": more than one -1");
        unknown = i;
      } else {
        known *= s[i];
      }
    }
    if (unknown >= 0) {
      if (known == 0 || size % known != 0) {
        throw new IllegalArgumentException(op + " -> " + str(shape) + ": " + size + " elements do not divide");
      }
      s[unknown] = (int) (size / known);
    }
    if (size(s) != size) {
      throw new IllegalArgumentException(op + " -> " + str(shape) + ": sizes differ (" + size + " vs " + size(s) + ")");
    }
    return s;
  }

  static void checkIndex(int i, int size) {
    if (i < 0 || i >= size) throw new IndexOutOfBoundsException("index " + i + " out of " + size);
  }

  static int flatIndex(int[] shape, int[] index) {
    if (index.length != shape.length) {
      throw new IllegalArgumentException("index " + str(index) + " for shape " + str(shape));
    }
    int flat = 0;
    for (int i = 0; i < shape.length; i++) {
      if (index[i] < 0 || index[i] >= shape[i]) {
        throw new IndexOutOfBoundsException("index " + str(index) + " for shape " + str(shape));
      }
      flat = flat * shape[i] + index[i];
    }
    return flat;
  }

  /** Throws a {@link ShapeException} naming {@code op} and both shapes unless they are equal. */
  public static void requireSame(String op, Tensor a, Tensor b) {
    if (!a.sameShape(b)) throw new ShapeException(op, a.shape(), b.shape());
  }
}
