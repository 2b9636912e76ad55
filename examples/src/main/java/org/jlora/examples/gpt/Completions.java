package org.jlora.examples.gpt;

import java.util.function.Function;
import org.jlora.engine.Rng;
import org.jlora.examples.data.CharTokenizer;
import org.jlora.examples.data.Example;
import org.jlora.examples.data.Task;
import org.jlora.examples.data.TaskBatches;

/** Glue between the model and the task data: text completion, and batch sources from a task. */
public final class Completions {
  private Completions() {}

  /**
   * The model's greedy continuation of a prompt, with the KV cache, stopping after the first '\n'
   * (kept) or after {@code maxNewTokens}: what exact-match evaluation calls.
   */
  public static Function<String, String> greedy(Gpt model, CharTokenizer tokenizer, int maxNewTokens) {
    Generator gen = new Generator(model);
    int newline = tokenizer.contains('\n') ? tokenizer.id('\n') : -1;
    Rng unused = new Rng(0);
    return prompt -> tokenizer.decode(gen.generate(tokenizer.encode(prompt), maxNewTokens, Sampling.GREEDY, unused, newline));
  }

  /** Training batches of {@code task}. */
  public static Trainer.BatchSource training(Task task, CharTokenizer tokenizer, boolean answerOnlyLoss) {
    return new TaskBatches(task, tokenizer, answerOnlyLoss)::next;
  }

  /** Validation batches of {@code task}: its held-out examples only (words never trained on). */
  public static Trainer.BatchSource heldOut(Task task, CharTokenizer tokenizer, boolean answerOnlyLoss) {
    Task heldOut = new Task() {
      @Override public String name() { return task.name() + " (held out)"; }
      @Override public Example sample(Rng rng) { return task.sampleHeldOut(rng); }
    };
    TaskBatches batches = new TaskBatches(heldOut, tokenizer, answerOnlyLoss);
    return batches::next;
  }
}
