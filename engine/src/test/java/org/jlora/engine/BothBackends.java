package org.jlora.engine;

import java.util.stream.Stream;

/** The two built-in backends, for tests that run each family's tensor door on both. */
final class BothBackends {
  private BothBackends() {}

  static Stream<Backend> both() {
    return Stream.of(Backends.scalar(), Backends.vector());
  }
}
