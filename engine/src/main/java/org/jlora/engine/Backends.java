package org.jlora.engine;

import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.jlora.engine.kernels.AttentionScalar;
import org.jlora.engine.kernels.AttentionVector;
import org.jlora.engine.kernels.Im2colScalar;
import org.jlora.engine.kernels.Im2colVector;
import org.jlora.engine.kernels.ElementwiseScalar;
import org.jlora.engine.kernels.ElementwiseVector;
import org.jlora.engine.kernels.EmbeddingScalar;
import org.jlora.engine.kernels.EmbeddingVector;
import org.jlora.engine.kernels.MatmulScalar;
import org.jlora.engine.kernels.MatmulVector;
import org.jlora.engine.kernels.OptimizerScalar;
import org.jlora.engine.kernels.OptimizerVector;
import org.jlora.engine.kernels.ReduceScalar;
import org.jlora.engine.kernels.ReduceVector;
import org.jlora.engine.kernels.RowsScalar;
import org.jlora.engine.kernels.RowsVector;

/**
 * Chooses the backend kernels run on: {@code -Djlora.backend=scalar|vector|tornado} at start-up,
 * or {@link #use(String)} / {@link #set(Backend)} at run time. The default is "vector".
 *
 * <p>Backends beyond the two built in (TornadoVM) register through {@link ServiceLoader} as a
 * {@link Provider}; one whose runtime is missing reports why instead of loading silently.
 */
public final class Backends {
  /** A pluggable backend found on the class path (e.g. the opt-in TornadoVM build). */
  public interface Provider {
    String name();

    /** Null when usable here; otherwise the reason it is not (and how to get it). */
    String unavailableReason();

    Backend create();
  }

  private static volatile Backend current;

  private Backends() {}

  /** The backend in use. */
  public static Backend current() {
    Backend b = current;
    if (b == null) {
      synchronized (Backends.class) {
        b = current;
        if (b == null) {
          b = byName(System.getProperty("jlora.backend", "vector"));
          current = b;
        }
      }
    }
    return b;
  }

  /** Makes {@code backend} the one in use; returns the previous one. */
  public static Backend set(Backend backend) {
    if (backend == null) throw new IllegalArgumentException("backend must not be null");
    synchronized (Backends.class) {
      Backend prev = current();
      current = backend;
      return prev;
    }
  }

  /** {@link #set} by name; returns the previous backend. */
  public static Backend use(String name) {
    return set(byName(name));
  }

  /** The default kernels: JDK Vector API, parallel on the {@link Parallel} pool. */
  public static Backend vector() {
    return new Backend("vector", new MatmulVector(), new ElementwiseVector(), new ReduceVector(),
        new RowsVector(), new Im2colVector(), new EmbeddingVector(), new OptimizerVector(), new AttentionVector());
  }

  /** The reference kernels: one plain loop each, the definition the others are tested against. */
  public static Backend scalar() {
    return new Backend("scalar", new MatmulScalar(), new ElementwiseScalar(), new ReduceScalar(),
        new RowsScalar(), new Im2colScalar(), new EmbeddingScalar(), new OptimizerScalar(), new AttentionScalar());
  }

  /** A new instance of the named backend, or a clear error listing the ones there are. */
  public static Backend byName(String name) {
    String key = name.trim().toLowerCase(Locale.ROOT);
    switch (key) {
      case "vector":
        return vector();
      case "scalar":
        return scalar();
      default:
        break;
    }
    Map<String, Provider> providers = new TreeMap<>();
    for (Provider p : ServiceLoader.load(Provider.class)) providers.put(p.name(), p);
    Provider p = providers.get(key);
    if (p != null) {
      String why = p.unavailableReason();
      if (why != null) throw new IllegalStateException("backend '" + key + "' is not available: " + why);
      return p.create();
    }
    if (key.equals("tornado")) {
      throw new IllegalStateException("backend 'tornado' is not in this build: build with "
          + "'mvn -Ptornado package' against a TornadoVM SDK (TORNADOVM_HOME) and run through "
          + "TornadoVM's launcher; see the README section 'GPU offload'.");
    }
    throw new IllegalArgumentException("unknown backend '" + name + "'; choose one of: scalar, vector"
        + (providers.isEmpty() ? "" : ", " + String.join(", ", providers.keySet())));
  }
}
