package org.jlora.tornado;

import org.jlora.engine.Backend;
import org.jlora.engine.Backends;

/**
 * Registers the "tornado" backend with {@link Backends} (ServiceLoader). It touches no TornadoVM
 * class until {@link #create()}: on a plain JVM the runtime is absent and loading TornadoVM's
 * classes would fail deep inside its static initialisers, so the reason is reported instead.
 */
public final class TornadoProvider implements Backends.Provider {
  /** Set by TornadoVM's launcher (and its argfile); absent on a plain JVM. */
  static final String RUNTIME_PROPERTY = "tornado.load.api.implementation";

  @Override public String name() { return "tornado"; }

  @Override public String unavailableReason() {
    if (System.getProperty(RUNTIME_PROPERTY) == null) {
      return "the TornadoVM runtime is not loaded in this JVM (no -D" + RUNTIME_PROPERTY + "). "
          + "Install a TornadoVM SDK (JDK 25 line), set TORNADOVM_HOME, and start the JVM through "
          + "TornadoVM's launcher or with its flags: java @$TORNADOVM_HOME/tornado-argfile ... "
          + "(see README.md, section GPU offload)";
    }
    try {
      Class.forName("uk.ac.manchester.tornado.api.TaskGraph");
    } catch (ClassNotFoundException e) {
      return "-D" + RUNTIME_PROPERTY + " is set but tornado-api is not on the module or class path "
          + "(is TORNADOVM_HOME's share/java/tornado on --module-path?)";
    }
    return null;
  }

  @Override public Backend create() {
    return TornadoBackend.create();
  }
}
