package org.jlora.examples.gpt;

import org.jlora.autograd.F;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Dropout;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Rng;

/** GPT-2's feed-forward block: {@code c_proj(gelu_tanh(c_fc(x)))}, 4x wider in the middle. */
public final class Mlp extends Module {
  private final Child<Linear> cFc;
  private final Child<Linear> cProj;
  private final Child<Dropout> dropout;

  public Mlp(GptConfig cfg, Rng rng) {
    this.cFc = registerModule("c_fc", new Linear(cfg.nEmbd(), 4 * cfg.nEmbd(), true, rng));
    this.cProj = registerModule("c_proj", new Linear(4 * cfg.nEmbd(), cfg.nEmbd(), true, rng));
    this.dropout = registerModule("dropout", new Dropout(cfg.dropout(), rng.split()));
  }

  /** x [B, T, C] -> [B, T, 4C] -> [B, T, C]. */
  @Override
  public Variable forward(Variable x) {
    Variable h = F.gelu(cFc.get().forward(x), true);   // GPT-2 uses the tanh approximation
    return dropout.get().forward(cProj.get().forward(h));
  }
}
