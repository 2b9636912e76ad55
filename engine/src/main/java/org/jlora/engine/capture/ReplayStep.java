package org.jlora.engine.capture;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import org.jlora.engine.Backend;
import org.jlora.engine.HostFloats;
import org.jlora.engine.Storage;
import org.jlora.engine.Tensor;

/**
 * A captured step run on the host by calling its recorded kernels again, in order. Nothing is
 * allocated and no graph is built: the temporaries (activations, gradients) live in one arena
 * laid out by a {@link BufferPlan}, so buffers whose lifetimes do not overlap share memory and a
 * run holds about what the autograd step held at its fullest, not every buffer it ever made.
 * Weights, moments, inputs and outputs are the very tensors the capture recorded.
 *
 * <p>Each call is bound once, to its kernel and its arguments, as a method handle of no arguments
 * (no reflective lookup, argument array or boxing per call). Fills that the next kernel makes
 * pointless are left out ({@link CapturedProgram#redundantFills()}). With
 * {@code -Djlora.replay.poisonSkippedFills=true} they are kept but write NaN instead: a test mode
 * in which any kernel that read a skipped buffer before writing it would spoil the step.
 */
public final class ReplayStep implements CompiledStep {
  private static final MethodType RUN = MethodType.methodType(void.class);

  private final Backend backend;
  private final int callCount;
  private final MethodHandle[] steps;
  private final int skipped;
  // what the plan did (the plan itself is not kept: it names the recorded buffers, which must be freed)
  private final int planned;
  private final long arenaFloats;
  private final long unplannedFloats;

  public ReplayStep(CapturedProgram program, Backend backend) {
    this.callCount = program.calls().size();
    this.backend = backend;
    boolean poison = Boolean.getBoolean("jlora.replay.poisonSkippedFills");
    List<KernelCall> calls = program.calls();
    boolean[] redundant = program.redundantFills();   // decided on the recorded storages
    BufferPlan plan = BufferPlan.of(program);
    this.planned = plan.planned();
    this.arenaFloats = plan.arenaFloats();
    this.unplannedFloats = plan.unplannedFloats();
    if (plan.arenaFloats() > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("the step's buffers need " + plan.arenaFloats() * 4 / (1 << 20)
          + " MiB in one array, more than a Java array holds; use a smaller batch or sequence");
    }
    Storage arena = new HostFloats(new float[(int) plan.arenaFloats()]);
    java.util.ArrayList<MethodHandle> bound = new java.util.ArrayList<>(calls.size());
    int skip = 0;
    for (int i = 0; i < calls.size(); i++) {
      KernelCall call = calls.get(i);
      if (redundant[i]) {
        skip++;
        if (!poison) continue;
        call = new KernelCall(call.family(), call.method(), new Object[] {(Tensor) call.args()[0], Float.NaN});
      }
      bound.add(bind(inArena(call, plan, arena), backend));
    }
    this.steps = bound.toArray(new MethodHandle[0]);
    this.skipped = skip;
  }

  /** The call with each planned temporary replaced by the same window of its region in the arena. */
  private static KernelCall inArena(KernelCall call, BufferPlan plan, Storage arena) {
    return call.withTensors(t -> plan.places(t.storage())
        ? Tensor.on(arena, (int) plan.offset(t.storage()) + t.offset(), t.shape()) : t);
  }

  private static MethodHandle bind(KernelCall call, Backend backend) {
    try {
      MethodHandle mh = MethodHandles.publicLookup().unreflect(call.method()).bindTo(backend.family(call.family()));
      return MethodHandles.insertArguments(mh, 0, call.args()).asType(RUN);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(call.name() + " cannot be called on replay", e);
    }
  }

  @Override
  public void run() {
    try {
      for (MethodHandle step : steps) step.invokeExact();
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("a kernel failed on replay", t);
    }
  }

  @Override
  public void syncToHost() {
    // the results are host tensors already
  }

  /** Floats of the arena the temporaries share. */
  public long arenaFloats() {
    return arenaFloats;
  }

  /** Fills left out of every run (their buffers' next kernels write them whole). */
  public int skippedFills() {
    return skipped;
  }

  @Override
  public String describe() {
    return "replaying the recorded step: " + callCount + " kernel calls, no graph built; its " + planned
        + " temporary buffers share " + mib(arenaFloats) + " MiB (" + mib(unplannedFloats)
        + " MiB one by one), reused every step; " + skipped + " fills skipped (the next kernel overwrites them)";
  }

  private static String mib(long floats) {
    return String.format(java.util.Locale.ROOT, "%.1f", floats * (double) Float.BYTES / (1 << 20));
  }
}
