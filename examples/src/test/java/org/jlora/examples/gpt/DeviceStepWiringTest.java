package org.jlora.examples.gpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.Rng;
import org.jlora.examples.data.Batch;
import org.jlora.examples.data.CharTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the {@link Trainer} hands a run to a backend's {@link DeviceTrainStep}, without a device: a
 * "fake-device" backend (the vector kernels under another name) and a step provider for it, both
 * registered for the tests through ServiceLoader. The step records what the trainer gives it.
 */
class DeviceStepWiringTest {
  /** What the fake step saw; reset by each test. */
  static final List<Float> LRS = new ArrayList<>();
  static final List<int[]> IDS = new ArrayList<>();
  static int syncs;

  /** The vector backend named "fake-device". */
  public static final class FakeBackend implements Backends.Provider {
    @Override public String name() { return "fake-device"; }
    @Override public String unavailableReason() { return null; }
    @Override public Backend create() {
      return Backends.vector().named("fake-device");
    }
  }

  /** A step that trains nothing and records its inputs; covers every model. */
  public static final class FakeSteps implements DeviceTrainStep.Provider {
    @Override public String backend() { return "fake-device"; }
    @Override public String unsupportedReason(Gpt model) { return null; }
    @Override public DeviceTrainStep create(Gpt model, int batch, int seqLen, DeviceTrainStep.Settings settings) {
      return new DeviceTrainStep() {
        @Override public float step(int[] ids, int[] targets, float lr) {
          assertEquals(batch * seqLen, ids.length);
          LRS.add(lr);
          IDS.add(ids.clone());
          return 1.5f;
        }
        @Override public void syncToHost() { syncs++; }
        @Override public long optimizerStateBytes() { return 1234; }
        @Override public String describe() { return "fake device step"; }
      };
    }
  }

  private static final GptConfig NANO = new GptConfig(11, 16, 2, 2, 32, 0f);

  private static Batch batch(Rng rng, int rows, int len) {
    int[] x = new int[rows * len];
    for (int i = 0; i < x.length; i++) x[i] = rng.nextInt(11);
    return new Batch(x, x.clone(), rows, len);
  }

  private static TrainConfig config(int steps, int gradAccum) {
    return TrainConfig.builder().steps(steps).batchSize(2).contextLength(16).lr(1e-2f).minLr(1e-3f).warmup(1)
        .weightDecay(0f).gradClip(1f).gradAccum(gradAccum).eval(2, 1).seed(3L).build();
  }

  @Test
  void trainerHandsEveryStepToTheDeviceAndSyncsBeforeValidationAndAtTheEnd() {
    LRS.clear();
    IDS.clear();
    syncs = 0;
    Backend previous = Backends.use("fake-device");
    try {
      TrainConfig tc = config(4, 1);
      Trainer trainer = new Trainer(new Gpt(NANO, 1L), tc, DeviceStepWiringTest::batch, DeviceStepWiringTest::batch);
      TrainResult r = trainer.run();
      assertTrue(trainer.usesDeviceStep());
      assertEquals(4, LRS.size(), "one device step per optimizer step");
      for (int s = 0; s < 4; s++) {
        assertEquals(org.jlora.autograd.optim.LrSchedule.warmupCosine(1, 4, 1e-3f).lr(s, 1e-2f), LRS.get(s), 0f,
            "step " + s + " learning rate");
        // the same batches as the kernel-by-kernel path draws
        assertEquals(java.util.Arrays.toString(batch(Trainer.batchRng(3L, s, 0), 2, 16).inputs()),
            java.util.Arrays.toString(IDS.get(s)));
      }
      // validation at steps 2 and 4 (evalEvery 2) reads synced weights; the end of run() syncs only if newer
      assertEquals(2, syncs);
      assertEquals(1.5, r.finalTrainLoss(), 0);
      assertEquals(1234, r.optimizerStateBytes());
    } finally {
      Backends.set(previous);
    }
  }

  @Test
  void gradientAccumulationStaysKernelByKernel() {
    LRS.clear();
    Backend previous = Backends.use("fake-device");
    try {
      Trainer trainer = new Trainer(new Gpt(NANO, 1L), config(2, 2), DeviceStepWiringTest::batch, null);
      trainer.run();
      assertFalse(trainer.usesDeviceStep());
      assertTrue(LRS.isEmpty());
    } finally {
      Backends.set(previous);
    }
  }

  @Test
  void aDeviceRunCannotBeCheckpointedWithItsOptimizer(@TempDir Path dir) {
    Backend previous = Backends.use("fake-device");
    try {
      Gpt gpt = new Gpt(NANO, 1L);
      Trainer trainer = new Trainer(gpt, config(2, 1), DeviceStepWiringTest::batch, null);
      trainer.run();
      CharTokenizer tok = CharTokenizer.fromText("abcdefghijk");
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> Checkpoint.save(dir.resolve("ckpt"), gpt, tok, trainer));
      assertTrue(e.getMessage().contains("device"), e.getMessage());
    } finally {
      Backends.set(previous);
    }
  }
}
