package org.jlora.tornado;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jlora.engine.DeviceStorage;
import org.jlora.engine.HostFloats;
import org.jlora.engine.RecordedBuffer;
import org.jlora.engine.Storage;
import org.jlora.engine.Tensor;
import org.jlora.engine.capture.KernelCall;
import org.jlora.tornado.kernels.Elementwise;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * A captured step laid out for the device, then split into chained task graphs.
 *
 * <p><b>Buffers.</b> Every storage the step touches gets a region of one device arena (a
 * {@link FloatArray}), as do the calls' float constants and scratch; each tensor operand is
 * passed to its kernel as (arena, its storage's region + its window offset). The arena goes to
 * the device once (FIRST_EXECUTION) and stays there. Per-step float inputs (AdamW's
 * hyper-parameters) travel in a small array sent every execution and copied into their regions
 * by the first graph's first tasks; token ids travel as int arrays sent every execution by the
 * graphs that read them; outputs (the loss) are copied by the last graph's last tasks into a
 * small array that comes back every execution. Results (parameters, moments) come back only on
 * {@link #syncToHost}.
 *
 * <p><b>Graphs.</b> TornadoVM hands a persisted buffer only to the graph executed right after
 * the one that persisted it ({@code consumeFromDevice}), and a graph holds a bounded number of
 * nodes. One buffer per storage would force every graph between a producer and a consumer (all
 * of forward and backward between a layer's activation and its gradient) to name that buffer;
 * with the arena each graph names exactly what its tasks use: the arena, and the id arrays of
 * its own calls. The calls are cut into graphs of at most {@link #tasksPerGraph} tasks, so the
 * depth of the model does not matter.
 */
final class StepProgram {
  /** Tasks per graph unless {@code -Djlora.tornado.tasksPerGraph} says otherwise. */
  static final int DEFAULT_TASKS_PER_GRAPH = 16;

  private final String name;
  private final int tasksPerGraph;
  /** Per-step inputs and outputs, each once, in order: their regions are laid out back to back. */
  private final List<Storage> inputs;
  private final List<Storage> outputs;
  private final Set<Storage> results;

  /** Arena layout: storage -> first element of its region. */
  private final Map<Storage, Integer> regions = new IdentityHashMap<>();
  private final List<Storage> order = new ArrayList<>();
  private final List<float[]> constants = new ArrayList<>();
  private final List<Integer> constantAt = new ArrayList<>();
  private long arenaLength;
  private int absentAt = -1;

  /** Token-id arrays: the host array -> its device array and the checks its values need. */
  private record Ints(IntArray device, List<String> what, List<int[]> bounds) {}
  private final Map<int[], Ints> ints = new IdentityHashMap<>();

  /** What a storage's kernels do to it (to refuse writes to inputs and to read-only storage). */
  private final Map<Storage, String> writers = new IdentityHashMap<>();

  /** One graph's worth of tasks. */
  private static final class Part {
    final List<Binder.Emit> emits = new ArrayList<>();
    final List<WorkerGrid> grids = new ArrayList<>();
    final Set<IntArray> ints = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
  }
  private final List<Part> parts = new ArrayList<>();
  private final Map<String, Integer> callsPerMethod = new TreeMap<>();
  private FloatArray arena;

  StepProgram(String name, Collection<Storage> inputs, Collection<Storage> outputs, Collection<Storage> results,
              int tasksPerGraph) {
    this.name = name;
    this.tasksPerGraph = tasksPerGraph;
    this.inputs = distinct(inputs);
    this.outputs = distinct(outputs);
    this.results = identitySet(results);
    parts.add(new Part());
  }

  private static List<Storage> distinct(Collection<Storage> storages) {
    List<Storage> out = new ArrayList<>();
    for (Storage s : identitySet(storages)) if (!out.contains(s)) out.add(s);
    out.sort(java.util.Comparator.comparingInt(s -> indexIn(storages, s)));
    return out;
  }

  private static int indexIn(Collection<Storage> storages, Storage s) {
    int i = 0;
    for (Storage t : storages) {
      if (t == s) return i;
      i++;
    }
    return i;
  }

  private static Set<Storage> identitySet(Collection<Storage> storages) {
    Set<Storage> set = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    if (storages != null) set.addAll(storages);
    return set;
  }

  /** Lowers every call, refusing (by method) those the device has no kernel for. */
  void lower(List<KernelCall> calls) {
    List<String> missing = new ArrayList<>();
    for (KernelCall call : calls) {
      if (Lowerings.of(call.method()) == null) {
        String n = Lowerings.name(call.method());
        if (!missing.contains(n)) missing.add(n);
      }
    }
    if (!missing.isEmpty()) {
      throw new UnsupportedOperationException("tornado step compiler: no device kernel for "
          + String.join(", ", missing) + " (the step is refused rather than run partly on the host); "
          + "device kernels exist for: " + Lowerings.supported());
    }
    // pass 1 lays the arena out (regions, constants, scratch); pass 2, with the arena allocated,
    // lowers again into tasks: the lowerings ask for the same things in the same order
    // the per-step inputs (AdamW's hyper tensors: one per parameter) and the outputs first, back to
    // back, so that one copy task moves each way: a task per tensor would overflow a graph of a
    // deep model (TornadoVM's graph holds at most 1024 nodes)
    for (Storage s : inputs) region(s);
    for (Storage s : outputs) region(s);
    ArenaBinder layout = new ArenaBinder(true);
    for (KernelCall call : calls) {
      layout.call = Lowerings.name(call.method());
      callsPerMethod.merge(layout.call, 1, Integer::sum);
      Lowerings.of(call.method()).lower(call.args(), layout);
    }
    for (Storage s : results) region(s);
    arena = new FloatArray((int) Math.max(1, arenaLength));
    ArenaBinder tasks = new ArenaBinder(false);
    for (KernelCall call : calls) {
      tasks.call = Lowerings.name(call.method());
      tasks.callInts.clear();
      Lowerings.of(call.method()).lower(call.args(), tasks);
    }
    if (parts.getFirst().emits.isEmpty()) throw new IllegalArgumentException("tornado step compiler: the step has no kernel calls");
  }

  private int region(Storage s) {
    Integer at = regions.get(s);
    if (at != null) return at;
    if (s instanceof DeviceStorage && !(s instanceof TornadoStorage)) {
      throw new IllegalArgumentException("tornado step compiler: a tensor is " + s.describe()
          + ", another backend's device storage; capture the step on host or tornado tensors");
    }
    int start = (int) arenaLength;
    grow(s.length());
    regions.put(s, start);
    order.add(s);
    return start;
  }

  /**
   * Where {@code storages} start in the arena, checking that their regions lie back to back as
   * they do in the packed array ({@code packedAt}); {@link #lower} laid them out so.
   */
  private int backToBack(List<Storage> storages, Map<Storage, Integer> packedAt) {
    int base = regions.get(storages.getFirst());
    for (Storage s : storages) {
      if (regions.get(s) != base + packedAt.get(s)) {
        throw new IllegalStateException("tornado step compiler: the per-step inputs and outputs must be distinct "
            + "tensors (one is both)");
      }
    }
    return base;
  }

  /** Regions for constants and scratch, in the order pass 1 reserved them (pass 2 reuses them). */
  private final List<Integer> reserved = new ArrayList<>();

  private int reserve(int n) {
    int start = (int) arenaLength;
    grow(n);
    reserved.add(start);
    return start;
  }

  private void grow(long n) {
    arenaLength += n;
    if (arenaLength > Integer.MAX_VALUE - 64) {
      throw new IllegalStateException("tornado step compiler: the step's buffers hold more than 2^31 floats ("
          + arenaLength + "), more than one device array can address; the arena is not split yet");
    }
  }

  /** The arena binder: every window is a region of the arena. */
  private final class ArenaBinder extends Binder {
    private final boolean layout;
    private int nextReserved;
    String call = "";

    ArenaBinder(boolean layout) {
      this.layout = layout;
    }

    @Override FloatArray mem() {
      return arena;   // null in the layout pass, which emits nothing
    }

    private int reserveOrReuse(int n) {
      return layout ? reserve(n) : reserved.get(nextReserved++);
    }

    private Buf window(Tensor t, boolean write) {
      Storage s = t.storage();
      int at = region(s);
      if (write && layout) {
        if (!(s instanceof HostFloats) && !(s instanceof TornadoStorage) && !(s instanceof RecordedBuffer)) {
          throw new IllegalArgumentException("tornado step compiler: " + call + " writes a tensor of "
              + s.describe() + "; only f32 storage can be written");
        }
        writers.putIfAbsent(s, call);
      }
      return new Buf(at + t.offset());
    }

    @Override Buf read(Tensor t) { return window(t, false); }

    @Override Buf write(Tensor t) { return window(t, true); }

    @Override Buf update(Tensor t) { return window(t, true); }

    @Override Buf constants(float... values) {
      int at = reserveOrReuse(values.length);
      if (layout) {
        constants.add(values.clone());
        constantAt.add(at);
      }
      return new Buf(at);
    }

    @Override Buf scratch(int n) {
      return new Buf(reserveOrReuse(n));
    }

    @Override Buf absent() {
      if (absentAt < 0) {   // one shared float, outside the replayed reservations
        absentAt = (int) arenaLength;
        grow(1);
      }
      return new Buf(absentAt);
    }

    @Override IntArray ints(String what, int[] values, int bound, int allowed) {
      Ints i = StepProgram.this.ints.computeIfAbsent(values,
          v -> new Ints(new IntArray(Math.max(1, v.length)), new ArrayList<>(), new ArrayList<>()));
      if (layout) {
        i.what.add(what);
        i.bounds.add(new int[] {bound, allowed});
      } else {
        parts.getLast().ints.add(i.device);
        callInts.add(i.device);
      }
      return i.device;
    }

    /** The id arrays the current call has asked for: a graph cut inside the call sends them again. */
    final List<IntArray> callInts = new ArrayList<>();

    @Override void task(WorkerGrid grid, Emit emit) {
      if (layout) return;
      // a full graph starts the next one, inside a call too (the gradient norm of a deep model is
      // one call of a task per gradient, more than one graph holds)
      if (parts.getLast().emits.size() >= tasksPerGraph) {
        Part next = new Part();
        next.ints.addAll(callInts);
        parts.add(next);
      }
      parts.getLast().emits.add(emit);
      parts.getLast().grids.add(grid);
    }

    @Override int tasks() {
      int n = 0;
      for (Part p : parts) n += p.emits.size();
      return n;
    }
  }

  // ---- build --------------------------------------------------------------------------------------

  /** Everything {@link TornadoCompiledStep} runs. */
  record Built(DeviceGraph graph, FloatArray arena, FloatArray inputArray, FloatArray outputArray,
               Map<Storage, Integer> regions, Map<Storage, Integer> inputAt, Map<Storage, Integer> outputAt,
               Map<int[], IntArray> ints, Map<int[], List<int[]>> intBounds, Map<int[], List<String>> intNames,
               Set<Storage> results, String description) {}

  Built build() {
    // initial contents: every storage's values, the constants
    MemorySegment seg = arena.getSegment();
    for (Storage s : order) {
      float[] values = Tensor.on(s, 0, s.length()).toArray();
      MemorySegment.copy(values, 0, seg, ValueLayout.JAVA_FLOAT, (long) regions.get(s) * Float.BYTES, values.length);
    }
    for (int i = 0; i < constants.size(); i++) {
      float[] c = constants.get(i);
      MemorySegment.copy(c, 0, seg, ValueLayout.JAVA_FLOAT, (long) constantAt.get(i) * Float.BYTES, c.length);
    }
    // per-step inputs and outputs: packed small arrays
    Map<Storage, Integer> inputAt = new IdentityHashMap<>();
    int inLen = 0;
    for (Storage s : inputs) { inputAt.put(s, inLen); inLen += s.length(); }
    Map<Storage, Integer> outputAt = new IdentityHashMap<>();
    int outLen = 0;
    for (Storage s : outputs) { outputAt.put(s, outLen); outLen += s.length(); }
    FloatArray inputArray = new FloatArray(Math.max(1, inLen));
    FloatArray outputArray = new FloatArray(Math.max(1, outLen));

    checkDeviceMemory(inLen, outLen);

    List<TaskGraph> graphs = new ArrayList<>();
    GridScheduler scheduler = new GridScheduler();
    boolean anyGrid = false;
    int id = SERIAL.incrementAndGet();
    String prev = null;
    for (int p = 0; p < parts.size(); p++) {
      Part part = parts.get(p);
      String gname = name + id + "_g" + p;
      TaskGraph g = new TaskGraph(gname);
      if (p == 0) {
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, arena);
        if (!inputs.isEmpty()) g.transferToDevice(DataTransferMode.EVERY_EXECUTION, inputArray);
      } else {
        g.consumeFromDevice(prev, arena);
      }
      if (!part.ints.isEmpty()) g.transferToDevice(DataTransferMode.EVERY_EXECUTION, part.ints.toArray());
      int t = 0;
      g.task("touch", Elementwise::touch, arena, 0);   // the arena is READ_WRITE from the first task on
      if (p == 0 && inLen > 0) {
        g.task("in" + t++, Elementwise::copyBetween, inputArray, 0, arena, backToBack(inputs, inputAt), inLen);
      }
      for (int i = 0; i < part.emits.size(); i++) {
        String task = "t" + t++;
        part.emits.get(i).into(g, task);
        if (part.grids.get(i) != null) {
          scheduler.addWorkerGrid(gname + "." + task, part.grids.get(i));
          anyGrid = true;
        }
      }
      if (p == parts.size() - 1) {
        if (outLen > 0) {
          g.task("out" + t++, Elementwise::copyBetween, arena, backToBack(outputs, outputAt), outputArray, 0, outLen);
        }
        if (!outputs.isEmpty()) g.transferToHost(DataTransferMode.EVERY_EXECUTION, outputArray);
      }
      g.persistOnDevice(arena);
      graphs.add(g);
      prev = gname;
    }
    Map<int[], IntArray> intArrays = new IdentityHashMap<>();
    Map<int[], List<int[]>> intBounds = new IdentityHashMap<>();
    Map<int[], List<String>> intNames = new IdentityHashMap<>();
    for (Map.Entry<int[], Ints> e : ints.entrySet()) {
      intArrays.put(e.getKey(), e.getValue().device);
      intBounds.put(e.getKey(), e.getValue().bounds);
      intNames.put(e.getKey(), e.getValue().what);
    }
    DeviceGraph graph = new DeviceGraph(name + id, graphs, anyGrid ? scheduler : null);
    return new Built(graph, arena, inputArray, outputArray, regions, inputAt, outputAt, intArrays, intBounds,
        intNames, results, describe(inLen, outLen));
  }

  private static final java.util.concurrent.atomic.AtomicInteger SERIAL = new java.util.concurrent.atomic.AtomicInteger();

  /** TornadoVM allocates from a fixed device heap ({@code tornado.device.memory}, 4 GB unless set). */
  private void checkDeviceMemory(int inLen, int outLen) {
    long intBytes = 0;
    for (Part p : parts) for (IntArray a : p.ints) intBytes += (long) a.getSize() * Integer.BYTES;
    long bytes = (arenaLength + inLen + outLen) * Float.BYTES + intBytes;
    long heap = heapBytes();
    if (bytes > heap) {
      long gib = (bytes + (1L << 30) - 1) >> 30;
      throw new IllegalStateException(String.format(Locale.ROOT,
          "tornado step compiler: the step needs %.1f MiB on the device (arena %.1f MiB), more than TornadoVM's "
              + "device heap of %.1f MiB; start the JVM with -Dtornado.device.memory=%dGB (at most the device's memory)",
          bytes / 1048576.0, arenaLength * 4 / 1048576.0, heap / 1048576.0, gib + 1));
    }
  }

  static long heapBytes() {
    String v = System.getProperty("tornado.device.memory", "4GB").trim().toUpperCase(Locale.ROOT);
    long unit = 1;
    if (v.endsWith("GB")) { unit = 1L << 30; v = v.substring(0, v.length() - 2); }
    else if (v.endsWith("MB")) { unit = 1L << 20; v = v.substring(0, v.length() - 2); }
    else if (v.endsWith("KB")) { unit = 1L << 10; v = v.substring(0, v.length() - 2); }
    try {
      return Long.parseLong(v.trim()) * unit;
    } catch (NumberFormatException e) {
      return 4L << 30;
    }
  }

  private String describe(int inLen, int outLen) {
    StringBuilder sb = new StringBuilder();
    int tasks = 0;
    for (Part p : parts) tasks += p.emits.size();
    sb.append(String.format(Locale.ROOT, "tornado step: %d kernel calls -> %d tasks in %d chained graphs (<= %d tasks each)%n",
        callsPerMethod.values().stream().mapToInt(Integer::intValue).sum(), tasks, parts.size(), tasksPerGraph));
    sb.append(String.format(Locale.ROOT, "  device arena %.2f MiB (%d storages, resident); per step: %d input floats in, "
        + "%d id arrays in, %d output floats out; %d result storages synced on demand%n",
        arenaLength * 4 / 1048576.0, order.size(), inLen, ints.size(), outLen, results.size()));
    Map<String, Integer> byMethod = new LinkedHashMap<>(callsPerMethod);
    sb.append("  calls: ");
    byMethod.forEach((k, v) -> sb.append(k).append(" x").append(v).append("  "));
    return sb.toString().strip();
  }
}
