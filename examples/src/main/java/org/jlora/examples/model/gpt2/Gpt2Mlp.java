package org.jlora.examples.model.gpt2;

import org.jlora.autograd.F;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Dropout;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Rng;

/** GPT-2's feed-forward block: {@code dropout(c_proj(gelu_new(c_fc(x))))}, n_inner (4·C) wide in the middle. */
public final class Gpt2Mlp extends Module {
  private final Child<Linear> cFc;
  private final Child<Linear> cProj;
  private final Child<Dropout> dropout;

  /** {@code conv1d}: weights stored [in, out] (Hugging Face GPT-2), else [out, in] (the small GPT). */
  public Gpt2Mlp(int nEmbd, int nInner, float dropout, boolean conv1d, Rng rng) {
    this.cFc = registerModule("c_fc", Linear.class, Conv1D.projection(nEmbd, nInner, conv1d, rng));
    this.cProj = registerModule("c_proj", Linear.class, Conv1D.projection(nInner, nEmbd, conv1d, rng));
    this.dropout = registerModule("dropout", new Dropout(dropout, rng.split()));
  }

  /** x [B, T, C] -> [B, T, n_inner] -> [B, T, C]. */
  @Override
  public Variable forward(Variable x) {
    Variable h = F.gelu(cFc.get().forward(x), true);   // gelu_new: the tanh approximation
    return dropout.get().forward(cProj.get().forward(h));
  }
}
