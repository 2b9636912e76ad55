package org.jlora.engine.capture;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.jlora.engine.ElementwiseKernels;
import org.jlora.engine.Storage;
import org.jlora.engine.Tensor;

/**
 * One training step as the kernel calls it made, in order, with what crosses the boundary
 * between the host and whatever runs the calls:
 *
 * <ul>
 *   <li>{@code floatInputs}: tensors the host writes before every run (the optimizer's per-step
 *       scalars: learning rate, bias corrections);</li>
 *   <li>{@code intInputs}: arrays the host refills before every run (token ids, targets);</li>
 *   <li>{@code outputs}: tensors read after every run (the loss, the gradient norm);</li>
 *   <li>{@code results}: tensors the step updates and keeps (trained parameters, optimizer
 *       moments), brought back to the host only on demand;</li>
 *   <li>{@code inspected}: tensors the host may read after a run, on demand (the gradients, to
 *       name the one that went non-finite): kept where they are, brought back like results;</li>
 *   <li>{@code temporaries}: storages first allocated inside the step (activations, gradients):
 *       each run fills them again, so a device need not send their values, and the host may
 *       place those whose lifetimes do not overlap in the same memory ({@link BufferPlan}).</li>
 * </ul>
 *
 * Every other storage the calls touch is a constant of the step (frozen weights, RoPE tables):
 * its values at capture time are the ones every run sees.
 */
public record CapturedProgram(List<KernelCall> calls, List<Tensor> floatInputs, List<int[]> intInputs,
                              List<Tensor> outputs, List<Tensor> results, List<Tensor> inspected,
                              Set<Storage> temporaries) {

  public CapturedProgram {
    calls = List.copyOf(calls);
    floatInputs = List.copyOf(floatInputs);
    intInputs = List.copyOf(intInputs);
    outputs = List.copyOf(outputs);
    results = List.copyOf(results);
    inspected = List.copyOf(inspected);
    Set<Storage> temps = Collections.newSetFromMap(new IdentityHashMap<>());
    temps.addAll(temporaries);
    temporaries = Collections.unmodifiableSet(temps);
  }

  /** Every storage the calls read or write, once each, in order of first use. */
  public List<Storage> storages() {
    Set<Storage> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    java.util.ArrayList<Storage> out = new java.util.ArrayList<>();
    for (KernelCall c : calls) {
      for (Tensor t : c.tensors()) if (seen.add(t.storage())) out.add(t.storage());
    }
    return out;
  }

  /**
   * For each call, whether it is a fill that a replay may skip: its buffer's next kernel writes
   * the whole buffer without reading it ({@link WholeWrites}), so the filled values are never
   * seen. Allocation records a fill for every tensor made inside the step; most of them start an
   * output or a gradient that its kernel overwrites anyway.
   */
  public boolean[] redundantFills() {
    boolean[] out = new boolean[calls.size()];
    java.util.Map<Storage, KernelCall> next = new IdentityHashMap<>();   // the next call touching each storage
    for (int i = calls.size() - 1; i >= 0; i--) {
      KernelCall c = calls.get(i);
      if (c.family() == ElementwiseKernels.class && c.method().getName().equals("fill")) {
        Storage s = ((Tensor) c.args()[0]).storage();
        KernelCall user = next.get(s);
        out[i] = user != null && WholeWrites.overwrites(user, s);
      }
      for (Tensor t : c.tensors()) next.put(t.storage(), c);
    }
    return out;
  }

  /** Bytes of f32 storage the step touches (what a device must hold). */
  public long bytes() {
    long n = 0;
    for (Storage s : storages()) n += (long) s.length() * s.dtype().bytes();
    return n;
  }
}
