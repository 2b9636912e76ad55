package org.jlora.engine.capture;

import java.util.ServiceLoader;
import org.jlora.engine.Backend;

/**
 * Turns a {@link CapturedProgram} into a {@link CompiledStep} for one backend. The CPU backends
 * replay the recorded calls ({@link ReplayStep}); a device backend (TornadoVM) registers its own
 * compiler through {@link ServiceLoader}, keyed by the backend's name.
 */
public interface StepCompiler {

  /** The name of the backend this compiler serves ("tornado"). */
  String backend();

  /**
   * Compiles {@code program}; refuses (with the kernel named) a call it cannot run rather than
   * running it some other way.
   */
  CompiledStep compile(CapturedProgram program, Backend backend);

  /** The compiler for {@code backend}: a registered one for its name, else replay on the host. */
  static StepCompiler forBackend(Backend backend) {
    for (StepCompiler c : ServiceLoader.load(StepCompiler.class)) {
      if (c.backend().equals(backend.name())) return c;
    }
    return new StepCompiler() {
      @Override public String backend() { return backend.name(); }

      @Override public CompiledStep compile(CapturedProgram program, Backend b) {
        return new ReplayStep(program, b);
      }
    };
  }
}
