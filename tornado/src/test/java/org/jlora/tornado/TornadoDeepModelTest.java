package org.jlora.tornado;

import org.jlora.examples.model.gpt2.Gpt2;
import org.jlora.examples.model.gpt2.Gpt2Config;
import org.junit.jupiter.api.Test;

/**
 * A GPT-2-shaped model of 12 blocks (the smallest dims) through the compiled step, as
 * {@link TornadoModelsTest}. Not in scripts/tornado-tests.sh's default run: on PoCL every task of
 * the step (about 1,500 here) is its own OpenCL compile, minutes on two CPU cores. Run it with
 * {@code scripts/tornado-tests.sh -Dtest=TornadoDeepModelTest}.
 */
class TornadoDeepModelTest {
  private static final Gpt2Config GPT2 = new Gpt2Config(40, 16, 16, 12, 4, 64, 1e-5f, 0f);

  @Test
  void aTwelveBlockGpt2TrainsOnTheDeviceAsOnTheCpu() {
    TornadoModelsTest.assertDeviceTrainsAsVector("gpt2x12 full", () -> new Gpt2(GPT2, 1L));
    TornadoModelsTest.assertDeviceTrainsAsVector("gpt2x12 lora", () -> TornadoModelsTest.lora(new Gpt2(GPT2, 1L)));
  }
}
