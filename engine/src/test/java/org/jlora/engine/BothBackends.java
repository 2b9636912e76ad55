package org.jlora.engine;

import java.util.stream.Stream;

/** The two built-in backends, for tests that run each family's tensor door on both. */
final class BothBackends {
  private BothBackends() {}

  /** For {@code @MethodSource}: a test method taking a {@link Backend} runs once on each. */
  static final String BOTH = "org.jlora.engine.BothBackends#both";

  static Stream<Backend> both() {
    return Stream.of(Backends.scalar(), Backends.vector());
  }
}
