package org.jlora.engine.capture;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import org.jlora.engine.DType;
import org.jlora.engine.Storage;
import org.jlora.engine.Tensor;

/**
 * Where each temporary of a captured step lives in one shared arena, so that buffers whose
 * lifetimes do not overlap share memory: what a memory planner does for a static graph.
 *
 * <p>A temporary (an activation, a gradient, a scratch buffer born inside the step) is live from
 * the first call that touches it to the last. Every run writes a temporary before reading it (it
 * starts as a recorded fill, or its first kernel overwrites it whole), so once its last call has
 * run its memory can hold the next temporary. Two storages used by the same call are live at that
 * call, hence never overlap; in-place calls keep working because one storage keeps one region.
 *
 * <p>Storages the host reads or writes between runs are never moved: the outputs (the loss), the
 * results (weights, moments), the per-step inputs and the inspected tensors (gradients read when a
 * step goes wrong). Nor are the step's constants (frozen weights): they are not temporaries.
 *
 * <p>The assignment is greedy in order of first use: free regions are merged as lifetimes end,
 * each new temporary takes the smallest free region that holds it (else the arena grows). Regions
 * are aligned to 16 floats (64 bytes, a cache line) so vector loads keep their alignment.
 */
public final class BufferPlan {
  /** Floats per alignment unit: one cache line. */
  static final int ALIGN = 16;

  private final Map<Storage, Long> offsets;
  private final long arenaFloats;
  private final long unplannedFloats;

  private BufferPlan(Map<Storage, Long> offsets, long arenaFloats, long unplannedFloats) {
    this.offsets = offsets;
    this.arenaFloats = arenaFloats;
    this.unplannedFloats = unplannedFloats;
  }

  /** The plan for {@code program}'s movable temporaries (host f32 ones; others stay where they are). */
  public static BufferPlan of(CapturedProgram program) {
    Set<Storage> kept = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    for (Tensor t : program.outputs()) kept.add(t.storage());
    for (Tensor t : program.results()) kept.add(t.storage());
    for (Tensor t : program.floatInputs()) kept.add(t.storage());
    for (Tensor t : program.inspected()) kept.add(t.storage());
    // each movable storage's lifetime, in call indices, in order of first use
    Map<Storage, int[]> life = new IdentityHashMap<>();
    List<Storage> order = new ArrayList<>();
    List<KernelCall> calls = program.calls();
    for (int i = 0; i < calls.size(); i++) {
      for (Tensor t : calls.get(i).tensors()) {
        Storage s = t.storage();
        if (!program.temporaries().contains(s) || kept.contains(s) || s.dtype() != DType.F32 || !s.isHost()) continue;
        int[] span = life.get(s);
        if (span == null) {
          life.put(s, new int[] {i, i});
          order.add(s);
        } else {
          span[1] = i;
        }
      }
    }
    Map<Storage, Long> offsets = new IdentityHashMap<>();
    TreeMap<Long, Long> free = new TreeMap<>();   // offset -> floats, merged
    PriorityQueue<Storage> live = new PriorityQueue<>((a, b) -> Integer.compare(life.get(a)[1], life.get(b)[1]));
    long end = 0;
    long unplanned = 0;
    for (Storage s : order) {
      int first = life.get(s)[0];
      while (!live.isEmpty() && life.get(live.peek())[1] < first) {
        Storage done = live.poll();
        release(free, offsets.get(done), aligned(done.length()));
      }
      long need = aligned(s.length());
      unplanned += need;
      Long at = bestFit(free, need);
      if (at == null) {
        // grow the arena, starting inside a free region that ends at its end
        Map.Entry<Long, Long> last = free.lastEntry();
        if (last != null && last.getKey() + last.getValue() == end) {
          at = last.getKey();
          free.remove(at);
        } else {
          at = end;
        }
        end = at + need;
      } else {
        long size = free.remove(at);
        if (size > need) free.put(at + need, size - need);
      }
      offsets.put(s, at);
      live.add(s);
    }
    return new BufferPlan(offsets, end, unplanned);
  }

  private static long aligned(int floats) {
    return ((long) floats + ALIGN - 1) / ALIGN * ALIGN;
  }

  /** The smallest free region of at least {@code need} floats (lowest offset on ties), or null. */
  private static Long bestFit(TreeMap<Long, Long> free, long need) {
    Long best = null;
    long bestSize = Long.MAX_VALUE;
    for (Map.Entry<Long, Long> e : free.entrySet()) {
      if (e.getValue() >= need && e.getValue() < bestSize) {
        best = e.getKey();
        bestSize = e.getValue();
      }
    }
    return best;
  }

  /** Returns [at, at+size) to the free regions, merged with its neighbours. */
  private static void release(TreeMap<Long, Long> free, long at, long size) {
    Map.Entry<Long, Long> before = free.floorEntry(at);
    if (before != null && before.getKey() + before.getValue() == at) {
      at = before.getKey();
      size += before.getValue();
      free.remove(at);
    }
    Long after = free.get(at + size);
    if (after != null) {
      free.remove(at + size);
      size += after;
    }
    free.put(at, size);
  }

  /** Whether {@code storage} has a region in the arena. */
  public boolean places(Storage storage) {
    return offsets.containsKey(storage);
  }

  /** The first element of {@code storage}'s region. */
  public long offset(Storage storage) {
    Long at = offsets.get(storage);
    if (at == null) throw new IllegalArgumentException("BufferPlan: this storage is not planned");
    return at;
  }

  /** Floats the arena holds. */
  public long arenaFloats() {
    return arenaFloats;
  }

  /** Floats the planned temporaries would take each in a buffer of its own (aligned likewise). */
  public long unplannedFloats() {
    return unplannedFloats;
  }

  /** How many temporaries share the arena. */
  public int planned() {
    return offsets.size();
  }
}
