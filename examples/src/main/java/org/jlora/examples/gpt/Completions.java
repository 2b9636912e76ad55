package org.jlora.examples.gpt;

import java.util.function.Function;
import org.jlora.engine.Rng;
import org.jlora.examples.data.CharTokenizer;
import org.jlora.examples.data.Task;
import org.jlora.examples.data.TaskBatches;
import org.jlora.examples.generate.Generator;
import org.jlora.examples.generate.Sampling;
import org.jlora.examples.model.LanguageModel;

/** Glue between the model and the task data: text completion, and batch sources from a task. */
public final class Completions {
  private Completions() {}

  /**
   * The model's greedy continuation of a prompt, with the KV cache, stopping after the first '\n'
   * (kept) or after {@code maxNewTokens}: what exact-match evaluation calls.
   */
  public static Function<String, String> greedy(LanguageModel model, CharTokenizer tokenizer, int maxNewTokens) {
    Generator gen = new Generator(model);
    int newline = tokenizer.contains('\n') ? tokenizer.id('\n') : -1;
    Rng unused = new Rng(0);
    return prompt -> tokenizer.decode(gen.generate(tokenizer.encode(prompt), maxNewTokens, Sampling.GREEDY, unused, newline)
        .tokens(0));
  }

  /** Training batches of {@code task}, examples packed back to back. */
  public static Trainer.BatchSource training(Task task, CharTokenizer tokenizer, boolean answerOnlyLoss) {
    return training(task, tokenizer, answerOnlyLoss, TaskBatches.Layout.PACKED);
  }

  /** Training batches of {@code task} in {@code layout}. */
  public static Trainer.BatchSource training(Task task, CharTokenizer tokenizer, boolean answerOnlyLoss,
                                             TaskBatches.Layout layout) {
    return new TaskBatches(task, tokenizer, answerOnlyLoss, layout)::next;
  }

  /** Validation batches of {@code task}, packed: its held-out examples only (words never trained on). */
  public static Trainer.BatchSource heldOut(Task task, CharTokenizer tokenizer, boolean answerOnlyLoss) {
    return heldOut(task, tokenizer, answerOnlyLoss, TaskBatches.Layout.PACKED);
  }

  /** Validation batches of {@code task} in {@code layout}: its held-out examples only (words never trained on). */
  public static Trainer.BatchSource heldOut(Task task, CharTokenizer tokenizer, boolean answerOnlyLoss,
                                            TaskBatches.Layout layout) {
    return new TaskBatches(task, tokenizer, answerOnlyLoss, layout)::nextHeldOut;
  }
}
