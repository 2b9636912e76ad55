package org.jlora.tornado;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.jlora.engine.HostFloats;
import org.jlora.engine.Storage;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import org.jlora.tornado.kernels.Elementwise;

/**
 * Runs one kernel-family call on the device now (the backend's kernel-by-kernel path). The first
 * call of a shape builds a task graph from the method's {@link Lowering} and keeps it; later calls
 * of that shape replay the lowering to bind their operands to it. The kernels take one device
 * array ({@link Binder#mem()}), so a call's operands are staged into one buffer: per storage the
 * span its windows cover (views of one storage stay views of one region, so in-place calls work),
 * then the call's constants and scratch. Host f32 and tornado tensors are copied in before and
 * back after; bf16 host tensors are widened (read only); another backend's device tensors are
 * refused naming the operand.
 */
final class CallOffload {
  private record Compiled(DeviceGraph graph, FloatArray staging, List<IntArray> ints) {}

  private final Map<String, Compiled> graphs = new HashMap<>();
  private static final AtomicLong COUNTER = new AtomicLong();

  /** Runs {@code method(args)} through its lowering. */
  synchronized void call(Method method, Lowering lowering, Object[] args) {
    Layout layout = new Layout(args);
    String key = Lowerings.name(method) + layout.signature + lowering.key(args);
    Compiled c = graphs.get(key);
    if (c == null) {
      CallBinder build = new CallBinder(layout, null, new ArrayList<>());
      lowering.lower(args, build);
      if (build.emits.isEmpty()) return;   // nothing to do (an empty size)
      c = build.finish(key);
      graphs.put(key, c);
    }
    CallBinder replay = new CallBinder(layout, c.staging, c.ints);
    lowering.lower(args, replay);
    layout.copyIn(c.staging);
    c.graph.run();
    layout.copyOut(c.staging, replay.written);
  }

  /** Graphs built so far. */
  synchronized int graphCount() {
    return graphs.size();
  }

  /** Where each storage of a call's operands goes in the staging buffer. */
  private static final class Layout {
    final Map<Storage, int[]> spans = new IdentityHashMap<>();   // storage -> {lo, hi, at}
    final List<Storage> order = new ArrayList<>();
    final String signature;
    int length;

    Layout(Object[] args) {
      StringBuilder sb = new StringBuilder("(");
      List<Tensor> tensors = new ArrayList<>();
      for (Object a : args) {
        if (a instanceof Tensor t) tensors.add(t);
        if (a instanceof List<?> list) for (Object o : list) if (o instanceof Tensor t) tensors.add(t);
      }
      for (Tensor t : tensors) {
        int[] span = spans.get(t.storage());
        if (span == null) {
          spans.put(t.storage(), new int[] {t.offset(), t.offset() + t.size(), 0});
          order.add(t.storage());
        } else {
          span[0] = Math.min(span[0], t.offset());
          span[1] = Math.max(span[1], t.offset() + t.size());
        }
      }
      for (Storage s : order) {
        int[] span = spans.get(s);
        span[2] = length;
        length += span[1] - span[0];
      }
      for (Tensor t : tensors) {
        int[] span = spans.get(t.storage());
        // the shape, not only the size: a lowering may take its geometry from it (heads, rows),
        // and two calls with equal sizes but other shapes must not share a graph
        sb.append('s').append(order.indexOf(t.storage())).append('+').append(t.offset() - span[0])
            .append(Shapes.str(t.shape())).append(',');
      }
      for (Object a : args) {
        if (a instanceof int[] ids) sb.append("ids#").append(ids.length);
        else if (a instanceof Float) sb.append('f');   // floats travel as data: one graph serves every value
        else if (!(a instanceof Tensor) && !(a instanceof List<?>)) sb.append(a);
        sb.append(',');
      }
      signature = sb.append(')').toString();
    }

    int at(Tensor t) {
      int[] span = spans.get(t.storage());
      return span[2] + t.offset() - span[0];
    }

    void copyIn(FloatArray staging) {
      MemorySegment seg = staging.getSegment();
      for (Storage s : order) {
        int[] span = spans.get(s);
        int n = span[1] - span[0];
        float[] values = s instanceof HostFloats h ? h.array() : Tensor.on(s, span[0], n).toArray();
        int from = s instanceof HostFloats ? span[0] : 0;
        MemorySegment.copy(values, from, seg, ValueLayout.JAVA_FLOAT, (long) span[2] * Float.BYTES, n);
      }
    }

    void copyOut(FloatArray staging, List<Storage> written) {
      MemorySegment seg = staging.getSegment();
      for (Storage s : written) {
        int[] span = spans.get(s);
        int n = span[1] - span[0];
        if (s instanceof HostFloats h) {
          MemorySegment.copy(seg, ValueLayout.JAVA_FLOAT, (long) span[2] * Float.BYTES, h.array(), span[0], n);
        } else if (s instanceof TornadoStorage d) {
          MemorySegment.copy(seg, (long) span[2] * Float.BYTES, d.array().getSegment(), (long) span[0] * Float.BYTES,
              (long) n * Float.BYTES);
        }
      }
    }
  }

  /** Refuses what this backend cannot read or write. */
  static void checkOperand(String what, Tensor t, boolean write) {
    Storage s = t.storage();
    if (s instanceof HostFloats || s instanceof TornadoStorage) return;
    if (s.isHost()) {
      if (write) {
        throw new IllegalArgumentException("tornado: " + what + " writes a tensor of " + s.describe()
            + "; pass an f32 tensor (toF32())");
      }
      return;   // bf16 on host: widened when staged
    }
    throw new IllegalArgumentException("tornado: " + what + " got a tensor of " + s.describe() + ", another backend's "
        + "device tensor; the tornado kernels take host tensors or tornado tensors: call toHost() first");
  }

  /** Binds a call: with {@code staging == null} it lays the buffer out and collects tasks; else it replays. */
  private static final class CallBinder extends Binder {
    private final Layout layout;
    private FloatArray staging;
    private final List<IntArray> ints;
    private int nextInts;
    private int cursor;
    private final List<float[]> constants = new ArrayList<>();
    private final List<Integer> constantAt = new ArrayList<>();
    final List<Emit> emits = new ArrayList<>();
    final List<WorkerGrid> grids = new ArrayList<>();
    final List<Storage> written = new ArrayList<>();
    private String op = "tornado call";

    CallBinder(Layout layout, FloatArray staging, List<IntArray> ints) {
      this.layout = layout;
      this.staging = staging;
      this.ints = ints;
      this.cursor = layout.length;
    }

    @Override FloatArray mem() {
      return staging;
    }

    private Buf window(Tensor t, boolean write) {
      checkOperand(op, t, write);
      if (write && !written.contains(t.storage())) written.add(t.storage());
      return new Buf(layout.at(t));
    }

    @Override Buf read(Tensor t) { return window(t, false); }

    @Override Buf write(Tensor t) { return window(t, true); }

    @Override Buf update(Tensor t) { return window(t, true); }

    @Override Buf constants(float... values) {
      int at = cursor;
      cursor += values.length;
      if (staging == null) {
        constants.add(values.clone());
        constantAt.add(at);
      } else {
        for (int i = 0; i < values.length; i++) staging.set(at + i, values[i]);
      }
      return new Buf(at);
    }

    @Override Buf scratch(int n) {
      int at = cursor;
      cursor += n;
      return new Buf(at);
    }

    @Override Buf absent() {
      return scratch(1);
    }

    @Override IntArray ints(String what, int[] values, int bound, int allowed) {
      checkInts(what, values, bound, allowed);
      IntArray a;
      if (staging == null) {
        a = new IntArray(Math.max(1, values.length));
        ints.add(a);
      } else {
        a = ints.get(nextInts++);
      }
      MemorySegment.copy(values, 0, a.getSegment(), ValueLayout.JAVA_INT, 0, values.length);
      return a;
    }

    @Override void task(WorkerGrid grid, Emit emit) {
      if (staging != null) return;   // replay: the graph holds the tasks already
      emits.add(emit);
      grids.add(grid);
    }

    @Override int tasks() {
      return emits.size();
    }

    Compiled finish(String key) {
      staging = new FloatArray(Math.max(1, cursor));
      for (int i = 0; i < constants.size(); i++) {
        float[] c = constants.get(i);
        for (int j = 0; j < c.length; j++) staging.set(constantAt.get(i) + j, c[j]);
      }
      // a call over many tensors (the gradient norm of a deep model: one task per gradient) is cut
      // into chained graphs, as a compiled step is: one TornadoVM graph holds at most 1024 nodes
      String name = "call" + COUNTER.incrementAndGet();
      int per = StepProgram.DEFAULT_TASKS_PER_GRAPH;
      int parts = Math.max(1, (emits.size() + per - 1) / per);
      List<TaskGraph> graphs = new ArrayList<>();
      GridScheduler scheduler = null;
      for (int p = 0; p < parts; p++) {
        String gname = parts == 1 ? name : name + "_g" + p;
        TaskGraph g = new TaskGraph(gname);
        if (p == 0) g.transferToDevice(DataTransferMode.EVERY_EXECUTION, staging);
        else g.consumeFromDevice(name + "_g" + (p - 1), staging);
        if (!ints.isEmpty()) g.transferToDevice(DataTransferMode.EVERY_EXECUTION, ints.toArray());
        g.task("touch", Elementwise::touch, staging, 0);   // staging is READ_WRITE from the first task on
        for (int i = p * per; i < Math.min(emits.size(), (p + 1) * per); i++) {
          String task = "t" + i;
          emits.get(i).into(g, task);
          if (grids.get(i) != null) {
            if (scheduler == null) scheduler = new GridScheduler();
            scheduler.addWorkerGrid(gname + "." + task, grids.get(i));
          }
        }
        if (p == parts - 1) g.transferToHost(DataTransferMode.EVERY_EXECUTION, staging);
        else g.persistOnDevice(staging);
        graphs.add(g);
      }
      return new Compiled(new DeviceGraph(name + " " + key, graphs, scheduler), staging, ints);
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
