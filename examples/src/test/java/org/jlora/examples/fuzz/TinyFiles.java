package org.jlora.examples.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jlora.engine.Tensor;
import org.jlora.examples.checkpoint.Llama2cCheckpoint;
import org.jlora.examples.model.llama.Llama;
import org.jlora.examples.model.llama.LlamaConfig;
import org.jlora.lora.io.SafeTensors;

/**
 * Small valid files, written by jlora's own writers, for the fuzz targets and the corruption
 * properties to start from: a valid file is the only way to reach the code behind the first check.
 */
final class TinyFiles {
  private TinyFiles() {}

  /** A safetensors file holding {@code tensors} (F32, metadata "format": "pt"), as bytes. */
  static byte[] safetensors(Map<String, Tensor> tensors) throws IOException {
    return written(".safetensors", f -> SafeTensors.write(f, tensors, Map.of("format", "pt")));
  }

  /**
   * A llama2.c-sized Llama that still has every feature of the format: grouped-query attention
   * (2 heads, 1 key/value head) and, when {@code tied} is false, its own classifier.
   */
  static Llama llama(boolean tied, long seed) {
    LlamaConfig cfg = LlamaConfig.builder().vocabSize(3).hiddenSize(4).intermediateSize(3).numLayers(1)
        .numHeads(2).numKvHeads(1).maxPositions(2).tieEmbeddings(tied).build();
    return new Llama(cfg, seed);
  }

  /** {@code model} as a llama2.c {@code .bin} checkpoint, as bytes. */
  static byte[] llama2c(Llama model) throws IOException {
    return written(".bin", f -> Llama2cCheckpoint.write(model, f));
  }

  private interface Writer {
    void write(Path file) throws IOException;
  }

  private static byte[] written(String suffix, Writer writer) throws IOException {
    Path dir = Files.createTempDirectory("jlora-tiny");
    Path file = dir.resolve("file" + suffix);
    try {
      writer.write(file);
      return Files.readAllBytes(file);
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(dir);
    }
  }
}
