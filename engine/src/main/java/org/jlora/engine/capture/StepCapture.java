package org.jlora.engine.capture;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.RecordedBuffer;
import org.jlora.engine.Storage;
import org.jlora.engine.Tensor;

/**
 * Records one training step as the kernel calls it makes, so that it can run again (replayed on
 * the CPU, or compiled once for a device) without the autograd graph being built again.
 *
 * <p>The step runs for real while it is recorded: {@link #begin} makes a recording twin of the
 * current backend current (each family behind a {@link Proxy} that notes the call and forwards
 * it), and {@link #end} puts the old one back. Because a replay runs only the recorded calls,
 * three things must hold while recording, and are enforced here so that a step that breaks them
 * fails at capture instead of computing something else on replay:
 * <ul>
 *   <li>once a kernel has used a tensor's storage, its values are not read or written on the
 *       host outside a kernel (a read would be a host decision the replay cannot repeat; a write
 *       would be work the replay skips), except the declared per-step inputs, which the host
 *       writes before every run. Tensors the host makes before a kernel uses them (a mask, a
 *       table) are constants of the step;</li>
 *   <li>no kernel returns a value to the host (e.g. {@code ReductionKernels.sum}): on a device
 *       that is a synchronisation in the middle of the step;</li>
 *   <li>a tensor allocated inside the step starts as the kernel call that fills it
 *       ({@code ElementwiseKernels.fill}), so every run starts it from the same values.</li>
 * </ul>
 * State that must survive from one step to the next (parameters, optimizer moments) has to exist
 * before recording begins: allocated inside, it would be a temporary, filled again every run;
 * {@link #end} refuses results allocated inside.
 */
public final class StepCapture implements AutoCloseable {
  private static final ThreadLocal<StepCapture> ACTIVE = new ThreadLocal<>();
  /** How many captures are open in the JVM: the fast path of the hooks in {@link Tensor}. */
  private static volatile int open;

  private final Backend previous;
  private final List<KernelCall> calls = new ArrayList<>();
  /**
   * Each storage allocated inside the step and the buffer the recording notes in its place. The
   * map is weak (storages compare by identity): the recording keeps no temporary alive, so the
   * step frees its activations as an unrecorded one would and recording costs no extra memory.
   */
  private final Map<Storage, RecordedBuffer> allocated = new WeakHashMap<>();
  private final Set<Storage> hostWritable = identitySet();
  /** Storages some recorded call has used: their values belong to the kernels from then on (weak, too). */
  private final Set<Storage> seen = Collections.newSetFromMap(new WeakHashMap<>());
  private final List<Tensor> floatInputs;
  /**
   * What the host does before every run, in the order the step did it: refill the tensors declared
   * by {@link #redrawnEachRun}, move random generators as the step did ({@link #beforeEachRun}).
   */
  private final List<Runnable> hostWork = new ArrayList<>();
  private int kernelDepth;
  private boolean closed;

  private StepCapture(List<Tensor> floatInputs) {
    this.floatInputs = new ArrayList<>(floatInputs);
    for (Tensor t : floatInputs) hostWritable.add(t.storage());
    this.previous = Backends.current();
  }

  /**
   * Starts recording on this thread. {@code floatInputs} are the tensors the host may write
   * during the step and before every run (the optimizer's per-step scalars).
   */
  public static StepCapture begin(List<Tensor> floatInputs) {
    if (ACTIVE.get() != null) throw new IllegalStateException("a step capture is already open on this thread");
    StepCapture capture = new StepCapture(floatInputs);
    ACTIVE.set(capture);
    synchronized (StepCapture.class) {
      open++;
    }
    Backends.set(capture.previous.wrapEach(capture::recording));
    return capture;
  }

  /**
   * Stops recording and returns the program. {@code intInputs}: the arrays the host refills
   * before every run (token ids, targets); {@code outputs}: tensors read after every run;
   * {@code results}: tensors the step updates and keeps.
   */
  public CapturedProgram end(List<int[]> intInputs, List<Tensor> outputs, List<Tensor> results) {
    return end(intInputs, outputs, results, List.of());
  }

  /**
   * {@link #end(List, List, List)} with {@code inspected}: tensors (allocated inside the step or
   * not) that the host may read after a run when it needs to, such as the gradients.
   */
  public CapturedProgram end(List<int[]> intInputs, List<Tensor> outputs, List<Tensor> results,
                             List<Tensor> inspected) {
    close();
    for (Tensor r : results) {
      if (allocated.containsKey(r.storage())) {
        throw new IllegalStateException("step capture: a result tensor " + java.util.Arrays.toString(r.shape())
            + " was allocated inside the step, so every run would start it again; create the state it holds "
            + "(e.g. optimizer moments) before capturing");
      }
    }
    checkNoCopiesOf(intInputs);
    // what the host reads after a run must be the real tensor: its recorded buffer is replaced back
    Map<Storage, Storage> real = new IdentityHashMap<>();
    for (Tensor t : outputs) if (allocated.containsKey(t.storage())) real.put(allocated.get(t.storage()), t.storage());
    for (Tensor t : inspected) if (allocated.containsKey(t.storage())) real.put(allocated.get(t.storage()), t.storage());
    List<KernelCall> program = new ArrayList<>(calls.size());
    for (KernelCall c : calls) program.add(real.isEmpty() ? c : substitute(c, real));
    Set<Storage> temporaries = identitySet();
    for (KernelCall c : program) {
      for (Tensor t : c.tensors()) if (t.storage() instanceof RecordedBuffer) temporaries.add(t.storage());
    }
    temporaries.addAll(real.values());
    return new CapturedProgram(program, floatInputs, intInputs, outputs, results, inspected, temporaries);
  }

  /** {@code call} with every tensor on a key of {@code to} moved to the same window of its value. */
  static KernelCall substitute(KernelCall call, Map<Storage, ? extends Storage> to) {
    return call.withTensors(t -> to.containsKey(t.storage()) ? Tensor.on(to.get(t.storage()), t.offset(), t.shape()) : t);
  }

  /**
   * An int array a kernel read that holds the same values as a step input but is another array
   * is a copy an op made (say, to keep the targets for its backward): a replay would refill the
   * input and leave the copy stale, so it is refused here rather than training on old tokens.
   */
  private void checkNoCopiesOf(List<int[]> intInputs) {
    for (KernelCall call : calls) {
      for (Object arg : call.args()) {
        if (!(arg instanceof int[] ints)) continue;
        boolean isInput = false;
        boolean copiesInput = false;
        for (int[] in : intInputs) {
          isInput |= in == ints;
          copiesInput |= in != ints && in.length == ints.length && java.util.Arrays.equals(in, ints);
        }
        if (!isInput && copiesInput) {
          throw new IllegalStateException("step capture: " + call.name() + " reads a copy of a step input (token ids "
              + "or targets), which a replay would not refill; the op must hand the kernels the input array itself "
              + "while a step is recorded");
        }
      }
    }
  }

  /** Puts the previous backend back (also on failure); {@link #end} calls it. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    ACTIVE.remove();
    synchronized (StepCapture.class) {
      open--;
    }
    Backends.set(previous);
  }

  /**
   * Declares, while a step is recorded on this thread, a tensor the host fills anew for every run
   * (a dropout mask): it becomes a per-step input ({@link CapturedProgram#floatInputs}) and
   * {@code redraw}, which must fill it in place as the step itself just did, joins
   * {@link #hostWork()}, which whoever runs the recording calls before every run, in the order
   * declared. The tensor must be made on the host before any kernel reads it. Returns false (and
   * does nothing) when no step is being recorded here.
   */
  public static boolean redrawnEachRun(Tensor t, Runnable redraw) {
    if (!recording()) return false;
    StepCapture c = ACTIVE.get();
    if (c.seen.contains(t.storage())) {
      throw new IllegalStateException("step capture: a tensor " + java.util.Arrays.toString(t.shape())
          + " declared as redrawn every run was already used by a kernel of this step; declare it when it is made");
    }
    c.hostWritable.add(t.storage());
    c.floatInputs.add(t);
    c.hostWork.add(redraw);
    return true;
  }

  /**
   * Declares, while a step is recorded on this thread, host work that every run must repeat at
   * this point among the redraws (a random generator saved or rewound, as activation
   * checkpointing does around its recompute). Returns false (and does nothing) when no step is
   * being recorded here.
   */
  public static boolean beforeEachRun(Runnable work) {
    if (!recording()) return false;
    ACTIVE.get().hostWork.add(work);
    return true;
  }

  /** The host's work before every run of the recording ({@link #redrawnEachRun}, {@link #beforeEachRun}), in order. */
  public List<Runnable> hostWork() {
    return List.copyOf(hostWork);
  }

  /** Whether a step is being recorded on this thread (ops that cannot be replayed refuse). */
  public static boolean recording() {
    return open > 0 && ACTIVE.get() != null;
  }

  /** The calls recorded so far. */
  public int callCount() {
    return calls.size();
  }

  // ---------------------------------------------------------------- hooks called by Tensor

  /** A tensor was allocated and set to {@code value}: inside a step that is a fill kernel. */
  public static void allocated(Tensor t, float value) {
    if (open == 0) return;
    StepCapture c = ACTIVE.get();
    if (c == null || c.kernelDepth > 0) return;
    c.seen.add(t.storage());
    RecordedBuffer noted = new RecordedBuffer(t.storage().length());   // allocation makes host f32
    c.allocated.put(t.storage(), noted);
    t = Tensor.on(noted, t.offset(), t.shape());
    c.calls.add(new KernelCall(org.jlora.engine.ElementwiseKernels.class, FILL, new Object[] {t, value}));
  }

  /** Tensor values are about to be read or written on the host ({@code what}: the accessor). */
  public static void hostAccess(Tensor t, String what) {
    if (open == 0) return;
    StepCapture c = ACTIVE.get();
    if (c == null || c.kernelDepth > 0 || !c.seen.contains(t.storage()) || c.hostWritable.contains(t.storage())) {
      return;
    }
    throw new IllegalStateException("step capture: Tensor." + what + " touched the values of a tensor "
        + java.util.Arrays.toString(t.shape()) + " on the host in the middle of a captured step; every "
        + "operation of a step that is replayed must be a kernel call (see the stack trace for the op)");
  }

  // ---------------------------------------------------------------- recording

  private static final Method FILL;

  static {
    try {
      FILL = org.jlora.engine.ElementwiseKernels.class.getMethod("fill", Tensor.class, float.class);
    } catch (NoSuchMethodException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private <T> T recording(Class<T> family, T kernels) {
    InvocationHandler handler = (proxy, method, args) -> {
      if (method.getDeclaringClass() == Object.class) return method.invoke(kernels, args);
      // a default method (an allocating convenience) is not itself a kernel: its kernel calls
      // come back through this proxy and are recorded one by one
      if (method.isDefault()) return InvocationHandler.invokeDefault(proxy, method, args);
      if (kernelDepth == 0 && ACTIVE.get() == this) {
        if (method.getReturnType() != void.class) {
          throw new IllegalStateException("step capture: " + family.getSimpleName() + "." + method.getName()
              + " returns its result to the host in the middle of a captured step; use a kernel that "
              + "writes into a tensor instead");
        }
        KernelCall call = new KernelCall(family, method, args == null ? new Object[0] : args.clone());
        for (Tensor t : call.tensors()) seen.add(t.storage());
        calls.add(allocated.isEmpty() ? call : substitute(call, allocated));
      }
      kernelDepth++;
      try {
        return method.invoke(kernels, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      } finally {
        kernelDepth--;
      }
    };
    return family.cast(Proxy.newProxyInstance(family.getClassLoader(), new Class<?>[] {family}, handler));
  }

  private static <E> Set<E> identitySet() {
    return Collections.newSetFromMap(new IdentityHashMap<>());
  }
}
