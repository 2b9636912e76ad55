package org.jlora.examples.gpt;

/**
 * Keys and values of every layer for the tokens seen so far, so each new token costs one row of
 * attention instead of a whole forward pass: per layer K and V of shape [B, H, Tmax, D].
 */
final class KvCache {
  final int batch;
  final int heads;
  final int maxLength;
  final int headSize;
  final float[][] keys;     // per layer: [B, H, Tmax, D]
  final float[][] values;   // per layer: [B, H, Tmax, D]
  int length;               // positions filled so far

  KvCache(GptConfig cfg, int batch) {
    this.batch = batch;
    this.heads = cfg.nHead();
    this.maxLength = cfg.blockSize();
    this.headSize = cfg.headSize();
    this.keys = new float[cfg.nLayer()][batch * heads * maxLength * headSize];
    this.values = new float[cfg.nLayer()][batch * heads * maxLength * headSize];
  }

  /** Offset of row (b, h, t) in a layer's K or V. */
  int at(int b, int h, int t) {
    return ((b * heads + h) * maxLength + t) * headSize;
  }
}
