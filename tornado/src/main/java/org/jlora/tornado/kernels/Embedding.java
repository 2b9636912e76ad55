package org.jlora.tornado.kernels;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Embedding rows on the device. The ids are checked against the table on the host before they
 * are sent (a device cannot throw). The scatter gives each work-item one column of the table and
 * walks the ids in order, so repeated ids add up without atomics, in the same order every time.
 */
public final class Embedding {
  private Embedding() {}

  // table: [vocab, dim], ids: [count] -> out: [count, dim]
  public static void gather(FloatArray mem, int tOff, IntArray ids, int outOff, int count, int dim) {
    for (@Parallel int i = 0; i < count * dim; i++) {
      int row = i / dim;
      mem.set(outOff + i, mem.get(tOff + ids.get(row) * dim + i % dim));
    }
  }

  // dOut: [count, dim], ids: [count] -> dTable: [vocab, dim] += dOut rows at their ids
  public static void scatterAdd(FloatArray mem, int dOff, IntArray ids, int tOff, int count, int dim) {
    for (@Parallel int c = 0; c < dim; c++) {
      for (int i = 0; i < count; i++) {
        int at = tOff + ids.get(i) * dim + c;
        mem.set(at, mem.get(at) + mem.get(dOff + i * dim + c));
      }
    }
  }
}
