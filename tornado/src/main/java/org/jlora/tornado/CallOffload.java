package org.jlora.tornado;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jlora.engine.HostFloats;
import org.jlora.engine.Storage;
import org.jlora.engine.Tensor;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Runs one kernel-family call on the device now (the backend's kernel-by-kernel path). The first
 * call of a shape builds a task graph from the method's {@link Lowering} and keeps it; later calls
 * of that shape replay the lowering to bind their operands to the same buffers. Host f32 tensors
 * are staged through a buffer of their window's size (copied in before, out after); a
 * {@link TornadoStorage} tensor is passed as its own array, with no staging copy (the graph is
 * then specific to that storage). Another backend's device tensor, or a write to a bf16 one, is
 * refused naming the operand.
 */
final class CallOffload {
  private static final int READ = 1, WRITE = 2;

  /** One operand of a built graph, in the order the lowering asked for it. */
  private record Slot(FloatArray array, int offset, boolean staged, int mode, IntArray ints) {}

  private record Compiled(List<Slot> slots, DeviceGraph graph) {}

  private final Map<String, Compiled> graphs = new HashMap<>();

  /** Runs {@code method(args)} through its lowering. */
  synchronized void call(Method method, Lowering lowering, Object[] args) {
    String key = Lowerings.name(method) + signature(args);
    Compiled c = graphs.get(key);
    if (c == null) {
      Build build = new Build(key);
      lowering.lower(args, build);
      if (build.tasks() == 0) return;   // nothing to do (an empty size)
      c = build.finish();
      graphs.put(key, c);
    }
    Replay replay = new Replay(c.slots);
    lowering.lower(args, replay);
    c.graph.run();
    replay.copyOut();
  }

  /** Graphs built so far (tests: a repeated shape reuses its graph). */
  synchronized int graphCount() {
    return graphs.size();
  }

  /** What decides the graph: each tensor's window (and, for a device tensor, which storage); scalars; enums. */
  private static String signature(Object[] args) {
    StringBuilder sb = new StringBuilder("(");
    for (Object a : args) {
      if (a instanceof Tensor t) {
        sb.append(t.storage() instanceof TornadoStorage ? "d" + System.identityHashCode(t.storage()) + "@" + t.offset() : "h")
            .append('#').append(t.size());
      } else if (a instanceof int[] ids) {
        sb.append("ids#").append(ids.length);
      } else if (a instanceof List<?> list) {
        sb.append("list[");
        for (Object o : list) sb.append(signature(new Object[] {o}));
        sb.append(']');
      } else if (a instanceof Float) {
        sb.append('f');              // floats travel as data: one graph serves every value
      } else {
        sb.append(a);
      }
      sb.append(',');
    }
    return sb.append(')').toString();
  }

  /** Resolves an operand's storage, refusing what this backend cannot read or write. */
  static void checkOperand(String what, Tensor t, boolean write) {
    Storage s = t.storage();
    if (s instanceof HostFloats || s instanceof TornadoStorage) return;
    if (s.isHost()) {
      if (write) {
        throw new IllegalArgumentException("tornado: " + what + " is " + s.describe()
            + " and cannot be written; pass an f32 tensor (toF32())");
      }
      return;   // bf16 on host: widened when staged
    }
    throw new IllegalArgumentException("tornado: " + what + " is " + s.describe() + ", another backend's device "
        + "tensor; the tornado kernels take host tensors or tornado tensors: call toHost() first");
  }

  /** First call of a shape: allocates staging, builds the graph. */
  private static final class Build extends Binder {
    private final String name;
    private final List<Slot> slots = new ArrayList<>();
    private final List<Binder.Emit> emits = new ArrayList<>();
    private final List<WorkerGrid> grids = new ArrayList<>();

    Build(String key) {
      this.name = "call" + Integer.toHexString(key.hashCode()) + "_" + COUNTER.incrementAndGet();
    }

    private Buf tensor(Tensor t, int mode) {
      checkOperand(name, t, (mode & WRITE) != 0);
      Slot s;
      if (t.storage() instanceof TornadoStorage d) {
        s = new Slot(d.array(), t.offset(), false, mode | READ, null);   // whole array goes both ways
      } else {
        s = new Slot(new FloatArray(Math.max(1, t.size())), 0, true, mode, null);
      }
      slots.add(s);
      return new Buf(s.array, s.offset);
    }

    @Override Buf read(Tensor t) { return tensor(t, READ); }

    @Override Buf write(Tensor t) { return tensor(t, WRITE); }

    @Override Buf update(Tensor t) { return tensor(t, READ | WRITE); }

    @Override Buf constants(float... values) {
      Slot s = new Slot(new FloatArray(Math.max(1, values.length)), 0, false, READ, null);
      slots.add(s);
      return new Buf(s.array, 0);
    }

    @Override Buf scratch(int n) {
      Slot s = new Slot(new FloatArray(Math.max(1, n)), 0, false, 0, null);
      slots.add(s);
      return new Buf(s.array, 0);
    }

    @Override Buf absent() {
      return scratch(1);
    }

    @Override IntArray ints(String what, int[] values, int bound, int allowed) {
      IntArray a = new IntArray(Math.max(1, values.length));
      slots.add(new Slot(null, 0, false, READ, a));
      return a;
    }

    @Override void task(WorkerGrid grid, Emit emit) {
      emits.add(emit);
      grids.add(grid);
    }

    @Override int tasks() {
      return emits.size();
    }

    Compiled finish() {
      TaskGraph g = new TaskGraph(name);
      Set<Object> in = Collections.newSetFromMap(new IdentityHashMap<>());
      Set<Object> out = Collections.newSetFromMap(new IdentityHashMap<>());
      List<Object> inList = new ArrayList<>();
      List<Object> outList = new ArrayList<>();
      for (Slot s : slots) {
        Object array = s.ints != null ? s.ints : s.array;
        // every buffer is sent (a write-only window may be part of a larger array, and a
        // scratch buffer must exist on the device); what a task writes comes back
        if (in.add(array)) inList.add(array);
        if ((s.mode & WRITE) != 0 && out.add(array)) outList.add(array);
      }
      g.transferToDevice(DataTransferMode.EVERY_EXECUTION, inList.toArray());
      GridScheduler scheduler = null;
      for (int i = 0; i < emits.size(); i++) {
        String task = "t" + i;
        emits.get(i).into(g, task);
        if (grids.get(i) != null) {
          if (scheduler == null) scheduler = new GridScheduler();
          scheduler.addWorkerGrid(name + "." + task, grids.get(i));
        }
      }
      if (!outList.isEmpty()) g.transferToHost(DataTransferMode.EVERY_EXECUTION, outList.toArray());
      return new Compiled(List.copyOf(slots), new DeviceGraph(name, g, scheduler));
    }
  }

  private static final java.util.concurrent.atomic.AtomicLong COUNTER = new java.util.concurrent.atomic.AtomicLong();

  /** Later calls: the same slots, in the same order; stages this call's operands. */
  private static final class Replay extends Binder {
    private final List<Slot> slots;
    private final List<Tensor> toCopyOut = new ArrayList<>();
    private final List<Slot> copyOutSlots = new ArrayList<>();
    private int next;

    Replay(List<Slot> slots) {
      this.slots = slots;
    }

    private Slot nextSlot() {
      if (next >= slots.size()) throw new IllegalStateException("tornado: a lowering asked for more operands than when its graph was built");
      return slots.get(next++);
    }

    private Buf tensor(Tensor t) {
      Slot s = nextSlot();
      if (s.staged) {
        if ((s.mode & READ) != 0) {
          if (t.storage() instanceof HostFloats h) {
            MemorySegment.copy(h.array(), t.offset(), s.array.getSegment(), ValueLayout.JAVA_FLOAT, 0, t.size());
          } else {
            MemorySegment.copy(t.toArray(), 0, s.array.getSegment(), ValueLayout.JAVA_FLOAT, 0, t.size());
          }
        }
        if ((s.mode & WRITE) != 0) {
          toCopyOut.add(t);
          copyOutSlots.add(s);
        }
      }
      return new Buf(s.array, s.offset);
    }

    @Override Buf read(Tensor t) { return tensor(t); }

    @Override Buf write(Tensor t) { return tensor(t); }

    @Override Buf update(Tensor t) { return tensor(t); }

    @Override Buf constants(float... values) {
      Slot s = nextSlot();
      for (int i = 0; i < values.length; i++) s.array.set(i, values[i]);
      return new Buf(s.array, 0);
    }

    @Override Buf scratch(int n) {
      Slot s = nextSlot();
      return new Buf(s.array, 0);
    }

    @Override Buf absent() {
      return scratch(1);
    }

    @Override IntArray ints(String what, int[] values, int bound, int allowed) {
      Slot s = nextSlot();
      checkInts(what, values, bound, allowed);
      MemorySegment.copy(values, 0, s.ints.getSegment(), ValueLayout.JAVA_INT, 0, values.length);
      return s.ints;
    }

    @Override void task(WorkerGrid grid, Emit emit) {
      // the graph holds the tasks already
    }

    @Override int tasks() {
      return 0;
    }

    void copyOut() {
      for (int i = 0; i < toCopyOut.size(); i++) {
        Tensor t = toCopyOut.get(i);
        Slot s = copyOutSlots.get(i);
        float[] host = ((HostFloats) t.storage()).array();
        MemorySegment.copy(s.array.getSegment(), ValueLayout.JAVA_FLOAT, 0, host, t.offset(), t.size());
      }
    }
  }

  /** Every id in {@code [0, bound)} or equal to {@code allowed}; names the first that is not. */
  static void checkInts(String what, int[] values, int bound, int allowed) {
    for (int i = 0; i < values.length; i++) {
      int v = values[i];
      if ((v < 0 || v >= bound) && v != allowed) {
        throw new IndexOutOfBoundsException("tornado: " + what + ": " + v + " at position " + i
            + " is outside [0, " + bound + ")");
      }
    }
  }
}
