package org.jlora.engine.capture;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import org.jlora.engine.Backend;
import org.jlora.engine.Tensor;

/**
 * A captured step run on the host by calling its recorded kernels again, in order, on the same
 * tensors. Nothing is allocated and no graph is built: every activation and gradient buffer of
 * the first step is reused by every later one.
 *
 * <p>Each call is bound once, to its kernel and its arguments, as a method handle of no arguments
 * (no reflective lookup, argument array or boxing per call). Fills that the next kernel makes
 * pointless are left out ({@link CapturedProgram#redundantFills()}). With
 * {@code -Djlora.replay.poisonSkippedFills=true} they are kept but write NaN instead: a test mode
 * in which any kernel that read a skipped buffer before writing it would spoil the step.
 */
public final class ReplayStep implements CompiledStep {
  private static final MethodType RUN = MethodType.methodType(void.class);

  private final CapturedProgram program;
  private final Backend backend;
  private final MethodHandle[] steps;
  private final int skipped;

  public ReplayStep(CapturedProgram program, Backend backend) {
    this.program = program;
    this.backend = backend;
    boolean poison = Boolean.getBoolean("jlora.replay.poisonSkippedFills");
    List<KernelCall> calls = program.calls();
    boolean[] redundant = program.redundantFills();
    java.util.ArrayList<MethodHandle> bound = new java.util.ArrayList<>(calls.size());
    int skip = 0;
    for (int i = 0; i < calls.size(); i++) {
      KernelCall call = calls.get(i);
      if (redundant[i]) {
        skip++;
        if (!poison) continue;
        call = new KernelCall(call.family(), call.method(), new Object[] {(Tensor) call.args()[0], Float.NaN});
      }
      bound.add(bind(call, backend));
    }
    this.steps = bound.toArray(new MethodHandle[0]);
    this.skipped = skip;
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

  /** Fills left out of every run (their buffers' next kernels write them whole). */
  public int skippedFills() {
    return skipped;
  }

  @Override
  public String describe() {
    return "replaying " + program.calls().size() + " kernel calls on the " + backend.name() + " backend ("
        + program.bytes() / (1 << 20) + " MiB of buffers, reused every step; " + skipped
        + " fills skipped: the next kernel overwrites their buffers)";
  }
}
