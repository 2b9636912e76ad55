package org.jlora.examples.gpt;

import java.util.List;
import org.jlora.lora.LoraConfig;

/**
 * LoRA configurations for the GPT, as the paper adapts GPT-2: by default only the query and value
 * slices of the fused attention projection {@code c_attn}, through a MergedLinear with
 * enable_lora = [true, false, true]. Weights stay unmerged in eval mode (PEFT's behaviour), so
 * the base weights are never touched by a merge/unmerge round trip.
 */
public final class GptLora {
  private GptLora() {}

  /** The paper's setup: c_attn, q and v only. */
  public static LoraConfig queryValue(int r, float alpha, float dropout, long seed) {
    return config(r, alpha, dropout, List.of("c_attn"), seed);
  }

  /**
   * LoRA on {@code targets} (module-name suffixes such as c_attn, c_proj, c_fc, lm_head). When the
   * only target is c_attn, the q/v mask applies; otherwise every target gets a plain LoRA Linear.
   */
  public static LoraConfig config(int r, float alpha, float dropout, List<String> targets, long seed) {
    LoraConfig.Builder b = LoraConfig.builder().r(r).loraAlpha(alpha).loraDropout(dropout).targetModules(targets)
        .mergeWeights(false).seed(seed);
    if (targets.equals(List.of("c_attn"))) b.enableLora(true, false, true);
    return b.build();
  }
}
