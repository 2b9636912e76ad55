package org.jlora.examples.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jlora.engine.Tensor;

/**
 * Keys and values of every layer for the tokens seen so far, so each new token costs one row of
 * attention instead of a whole forward pass. Per layer K and V are tensors [B, Hkv, Tmax, D]
 * (Hkv = the key/value heads: fewer than the query heads under grouped-query attention), written
 * and read only by the attention family's cache kernels, so a device backend can keep them
 * resident; the next position is the one-int array {@link #position()} those kernels read when
 * they run, so a recorded decode step serves every position.
 */
public final class KvCache {
  public final int layers;
  public final int batch;
  public final int kvHeads;
  public final int maxLength;
  public final int headSize;
  private final Tensor[] keys;     // per layer: [B, Hkv, Tmax, D]
  private final Tensor[] values;   // per layer: [B, Hkv, Tmax, D]
  /** {positions filled so far}: the next token's position, as the kernels read it. */
  private final int[] position = {0};

  public KvCache(int layers, int batch, int kvHeads, int maxLength, int headSize) {
    long perLayer = (long) batch * kvHeads * maxLength * headSize;
    if (layers < 1 || batch < 1 || kvHeads < 1 || maxLength < 1 || headSize < 1 || perLayer > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("KvCache: cannot hold " + layers + " layers of [" + batch + ", " + kvHeads
          + ", " + maxLength + ", " + headSize + "]");
    }
    this.layers = layers;
    this.batch = batch;
    this.kvHeads = kvHeads;
    this.maxLength = maxLength;
    this.headSize = headSize;
    this.keys = new Tensor[layers];
    this.values = new Tensor[layers];
    for (int l = 0; l < layers; l++) {
      keys[l] = Tensor.zeros(batch, kvHeads, maxLength, headSize);
      values[l] = Tensor.zeros(batch, kvHeads, maxLength, headSize);
    }
  }

  /** Layer {@code layer}'s keys [B, Hkv, Tmax, D]. */
  public Tensor keys(int layer) {
    return keys[layer];
  }

  /** Layer {@code layer}'s values [B, Hkv, Tmax, D]. */
  public Tensor values(int layer) {
    return values[layer];
  }

  /** Every layer's keys then values: the state a decode step updates. */
  public List<Tensor> tensors() {
    List<Tensor> out = new ArrayList<>(Arrays.asList(keys));
    out.addAll(Arrays.asList(values));
    return out;
  }

  /** Positions filled so far: the next token's position. */
  public int length() {
    return position[0];
  }

  /**
   * The array {@code {length()}} itself, which the cache kernels read when they run (not a
   * copy): a recorded step that hands it to them sees the position of every later run.
   */
  public int[] position() {
    return position;
  }

  /** Called by the model (or a replayed decode step) once every layer has stored {@code t} new positions. */
  public void advance(int t) {
    if (position[0] + t > maxLength) {
      throw new IllegalStateException("KvCache: " + (position[0] + t) + " positions exceed its length " + maxLength);
    }
    position[0] += t;
  }

  /** Forgets the positions from {@code length} on (a forward run again there writes them again). */
  public void truncate(int length) {
    if (length < 0 || length > position[0]) {
      throw new IllegalArgumentException("KvCache: cannot go back to " + length + " positions from " + position[0]);
    }
    position[0] = length;
  }
}
