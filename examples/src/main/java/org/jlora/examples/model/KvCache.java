package org.jlora.examples.model;

/**
 * Keys and values of every layer for the tokens seen so far, so each new token costs one row of
 * attention instead of a whole forward pass. Per layer K and V of shape [B, Hkv, Tmax, D]
 * (Hkv = the key/value heads: fewer than the query heads under grouped-query attention).
 */
public final class KvCache {
  public final int layers;
  public final int batch;
  public final int kvHeads;
  public final int maxLength;
  public final int headSize;
  public final float[][] keys;     // per layer: [B, Hkv, Tmax, D]
  public final float[][] values;   // per layer: [B, Hkv, Tmax, D]
  private int length;              // positions filled so far

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
    this.keys = new float[layers][(int) perLayer];
    this.values = new float[layers][(int) perLayer];
  }

  /** Positions filled so far: the next token's position. */
  public int length() {
    return length;
  }

  /** Called by the model once every layer has stored {@code t} new positions. */
  public void advance(int t) {
    if (length + t > maxLength) {
      throw new IllegalStateException("KvCache: " + (length + t) + " positions exceed its length " + maxLength);
    }
    length += t;
  }

  /** Offset of row (b, h, t) in a layer's K or V. */
  public int at(int b, int h, int t) {
    return ((b * kvHeads + h) * maxLength + t) * headSize;
  }
}
