package org.jlora.examples.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.jlora.examples.checkpoint.Pretrained;
import org.jlora.examples.dataset.ChatRenderer;
import org.jlora.examples.dataset.FineTuneData;
import org.jlora.examples.gpt.Trainer;
import org.jlora.examples.tokenize.ChatTemplate;

/** The batches a fine-tuning run draws from: a user's file, or the small GPT's built-in task. */
record TrainData(Trainer.BatchSource train, Trainer.BatchSource validation, String name, FineTuneData file) {

  /** The built-in task family {@code task} (or {@code defaultTask}) of the toy demo. */
  static TrainData task(String task, String defaultTask) {
    TrainOptions.Data d = TrainOptions.data(null, task, defaultTask);
    return new TrainData(d.train(), d.validation(), d.name(), null);
  }

  /** --data FILE tokenized with the model's tokenizer (and chat template), split and laid out. */
  static TrainData file(TrainOptions train, DataOptions opts, Pretrained p, OutputOptions output) {
    if (train.data == null) {
      throw new IllegalArgumentException("give --data FILE: plain text (documents separated by blank lines) or JSONL"
          + " ({\"text\"}, {\"prompt\",\"completion\"} or {\"messages\"} records)");
    }
    if (train.task != null) throw new IllegalArgumentException("--task is the toy model's built-in task; give --data only");
    int padId = p.tokenizer().eosId().orElse(0);
    try {
      FineTuneData d = FineTuneData.load(train.data, p.tokenizer(), renderer(p.chatTemplate()),
          opts.options(train.seed, padId));
      if (!output.json() && !output.quiet()) {
        System.err.println("data: " + train.data + ": train " + d.trainCounts(p.model().contextLength())
            + "; validation " + d.validationCounts(p.model().contextLength()));
      }
      return new TrainData(d.train(), d.validation(), train.data.toString(), d);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Fails early, before training starts, when one batch of this shape does not fit the data. */
  void requireOneBatch(int batchSize, int contextLength) {
    if (file == null) return;
    try {
      file.requireOneBatch(batchSize, contextLength);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The model's chat template as the dataset reads conversations, or null without one. */
  static ChatRenderer renderer(ChatTemplate chat) {
    if (chat == null) return null;
    return (messages, addGenerationPrompt) -> chat.render(messages.stream()
        .map(m -> new ChatTemplate.Message(m.role(), m.content())).toList(), addGenerationPrompt);
  }
}
