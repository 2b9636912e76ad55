package org.jlora.tornado;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.jlora.engine.Backend;
import org.jlora.engine.Backends;

/**
 * Test support: skips a test, with the reason, where the TornadoVM runtime is not loaded
 * (scripts/tornado-tests.sh turns any skip into a failure: a misconfigured runtime never passes).
 */
final class TornadoRuntime {
  private TornadoRuntime() {}

  /** Skips the calling test unless the JVM was started with TornadoVM's flags. */
  static void assumePresent() {
    String why = new TornadoProvider().unavailableReason();
    assumeTrue(why == null, () -> "skipped: " + why);
  }

  /** The one backend instance the tests share (its compiled graphs are reused across tests). */
  static synchronized Backend backend() {
    assumePresent();
    if (shared == null) shared = Backends.byName("tornado");
    return shared;
  }

  private static Backend shared;
}
