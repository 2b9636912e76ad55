package org.jlora.examples.gpt;

import java.util.ServiceLoader;
import org.jlora.engine.Backends;

/**
 * A whole training step compiled for an accelerator: forward, loss, backward, clipping and AdamW
 * run where the weights live, and only the loss comes back. A backend module provides it (the
 * TornadoVM one does, for the GPT's LoRA step); the {@link Trainer} uses it when the current
 * backend has one that covers the model, and otherwise runs the step kernel by kernel through the
 * engine's {@link org.jlora.engine.Backend}, saying why.
 *
 * <p>The device holds the trained weights between steps: {@link #syncToHost} copies them back into
 * the model's parameters (the trainer does so before validation and at the end of a run).
 */
public interface DeviceTrainStep {

  /** AdamW and clipping settings: PyTorch's rule, {@code maxGradNorm <= 0} for no clipping. */
  record Settings(float beta1, float beta2, float eps, float weightDecay, float maxGradNorm) {}

  /** One optimizer step on ids/targets [batch·seqLen] at learning rate {@code lr}; returns the loss. */
  float step(int[] ids, int[] targets, float lr);

  /** Copies the trained parameters from the device into the model. */
  void syncToHost();

  /** Bytes of optimizer state held on the device. */
  long optimizerStateBytes();

  /** One line for the user: what runs on the device. */
  String describe();

  /** A backend module's factory, found with {@link ServiceLoader}. */
  interface Provider {
    /** The engine backend this step belongs to ({@code Backends.current().name()}). */
    String backend();

    /** Why {@code model} cannot run as one device step, or null when it can. */
    String unsupportedReason(Gpt model);

    /** Builds (compiles lazily) the step for batches of [batch, seqLen]. */
    DeviceTrainStep create(Gpt model, int batch, int seqLen, Settings settings);
  }

  /** The provider for the current backend, or null (the scalar and vector backends have none). */
  static Provider forCurrentBackend() {
    String name = Backends.current().name();
    for (Provider p : ServiceLoader.load(Provider.class)) {
      if (p.backend().equals(name)) return p;
    }
    return null;
  }
}
