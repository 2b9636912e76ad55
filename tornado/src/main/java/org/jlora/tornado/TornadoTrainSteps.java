package org.jlora.tornado;

import org.jlora.examples.gpt.DeviceTrainStep;
import org.jlora.examples.gpt.Gpt;

/** Registers {@link GptLoraDeviceStep} as the tornado backend's {@link DeviceTrainStep} (ServiceLoader). */
public final class TornadoTrainSteps implements DeviceTrainStep.Provider {
  @Override public String backend() { return "tornado"; }

  @Override public String unsupportedReason(Gpt model) {
    return GptLoraDeviceStep.unsupportedReason(model);
  }

  @Override public DeviceTrainStep create(Gpt model, int batch, int seqLen, DeviceTrainStep.Settings settings) {
    return new GptLoraDeviceStep(model, batch, seqLen, settings);
  }
}
