package org.jlora.autograd;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jlora.engine.Tensor;

/**
 * Reads the golden files written by src/test/python/make_golden.py: one tensor per line,
 * {@code name d0,d1,... : v v v ...} ("-" as the shape of a scalar).
 */
public final class Golden {
  private Golden() {}

  /** All tensors of a class-path resource, by name, in file order. */
  public static Map<String, Tensor> load(String resource) {
    InputStream in = Golden.class.getResourceAsStream(resource);
    if (in == null) throw new IllegalArgumentException("golden resource not found: " + resource);
    Map<String, Tensor> out = new LinkedHashMap<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      int lineNo = 0;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) continue;
        int colon = line.indexOf(" : ");
        String[] head = line.substring(0, colon < 0 ? 0 : colon).split(" ");
        if (colon < 0 || head.length != 2) {
          throw new IllegalArgumentException(resource + ":" + lineNo + ": expected 'name shape : values'");
        }
        int[] shape = head[1].equals("-") ? new int[0] : parseInts(head[1].split(","));
        String[] vals = line.substring(colon + 3).trim().split(" ");
        float[] data = new float[vals.length];
        for (int i = 0; i < vals.length; i++) data[i] = Float.parseFloat(vals[i]);
        out.put(head[0], Tensor.of(data, shape));
      }
    } catch (IOException e) {
      throw new IllegalStateException("reading " + resource, e);
    }
    return out;
  }

  private static int[] parseInts(String[] s) {
    int[] v = new int[s.length];
    for (int i = 0; i < s.length; i++) v[i] = Integer.parseInt(s[i]);
    return v;
  }

  /** The values as ints (ids, targets). */
  public static int[] ints(Tensor t) {
    int[] v = new int[t.size()];
    for (int i = 0; i < v.length; i++) v[i] = Math.round(t.get(i));
    return v;
  }

  /** {@code max|actual - expected| / max(max|expected|, 1e-6)}: the error relative to the tensor's scale. */
  public static double relativeError(Tensor actual, Tensor expected) {
    double diff = 0;
    double scale = 1e-6;
    for (int i = 0; i < expected.size(); i++) {
      diff = Math.max(diff, Math.abs((double) actual.get(i) - expected.get(i)));
      scale = Math.max(scale, Math.abs(expected.get(i)));
    }
    return diff / scale;
  }
}
