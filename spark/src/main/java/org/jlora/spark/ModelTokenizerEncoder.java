package org.jlora.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.jlora.examples.checkpoint.Pretrained;
import org.jlora.examples.tokenize.Tokenizer;

/**
 * A text column encoded on each executor with the base model's own tokenizer (read from the model
 * path every executor can see), as {@code jlora finetune} encodes a text file: BOS where the
 * tokenizer adds one by default. Only the path travels; the tokenizer is read once per executor JVM.
 */
public final class ModelTokenizerEncoder implements SparkFinetuneConfig.TextEncoder {
  private static final long serialVersionUID = 1L;
  private final String modelPath;
  private transient Tokenizer tokenizer;

  public ModelTokenizerEncoder(String modelPath) {
    this.modelPath = modelPath;
  }

  @Override
  public int[] encode(String text) {
    if (tokenizer == null) {
      try {
        tokenizer = Pretrained.tokenizerOf(Path.of(modelPath), null);
      } catch (IOException e) {
        throw new UncheckedIOException(modelPath + ": cannot read the model's tokenizer on this executor: " + e.getMessage(), e);
      }
    }
    int[] ids = tokenizer.encode(text, true);
    int eos = tokenizer.eosId().orElse(-1);
    if (eos < 0) return ids;
    int[] withEos = java.util.Arrays.copyOf(ids, ids.length + 1);   // documents end, as in jlora finetune
    withEos[ids.length] = eos;
    return withEos;
  }
}
