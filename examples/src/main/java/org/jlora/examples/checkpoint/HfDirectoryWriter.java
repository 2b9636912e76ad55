package org.jlora.examples.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.jlora.engine.Tensor;
import org.jlora.lora.io.AtomicDirectories;
import org.jlora.lora.io.AtomicFiles;
import org.jlora.lora.io.SafeTensors;
import org.jlora.lora.io.SafeTensorsFile;

/**
 * Writes a model as a Hugging Face directory, all or nothing, through {@link AtomicDirectories}:
 * everything is written into a hidden temporary directory beside the target, and only then swapped
 * in by renames; a failure midway leaves the target as it was.
 *
 * <p>A target that already exists is replaced only when it is empty or was written by jlora: it
 * holds nothing but the files this writer produces, and its {@code model.safetensors} carries
 * jlora's mark in its metadata. Anything else (a base model downloaded from the Hub, a folder of
 * the user's files) is refused, so a wrong output path can never destroy a model.
 */
final class HfDirectoryWriter {
  /** safetensors metadata: "pt" tells transformers the layout is PyTorch's; the mark says who wrote it. */
  static final String FORMAT_KEY = "format";
  static final String WRITTEN_BY_KEY = "written_by";
  static final String WRITTEN_BY = "jlora";

  private HfDirectoryWriter() {}

  static void write(Path dir, JsonNode config, Map<String, Tensor> tensors, List<Path> tokenizerFilesToCopy)
      throws IOException {
    checkArguments(dir, config, tensors, tokenizerFilesToCopy);
    requireJloraModelOrAbsent(dir);
    AtomicDirectories.replace(dir, "model directory", ownFiles(), temp -> {
      AtomicFiles.writeString(temp.resolve(HfDirectory.CONFIG), JsonFiles.toText(config));
      SafeTensors.write(temp.resolve(HfDirectory.WEIGHTS), tensors, Map.of(FORMAT_KEY, "pt", WRITTEN_BY_KEY, WRITTEN_BY));
      for (Path source : tokenizerFilesToCopy) {
        AtomicFiles.write(temp.resolve(source.getFileName().toString()), out -> Files.copy(source, out));
      }
    });
  }

  /** The names a directory this writer made can hold. */
  private static Set<String> ownFiles() {
    Set<String> own = new HashSet<>(HfDirectory.TOKENIZER_FILES);
    own.add(HfDirectory.CONFIG);
    own.add(HfDirectory.WEIGHTS);
    return own;
  }

  private static void checkArguments(Path dir, JsonNode config, Map<String, Tensor> tensors, List<Path> tokenizerFiles)
      throws IOException {
    if (config == null || !config.isObject()) {
      throw new IllegalArgumentException(dir + ": the config to write must be a JSON object, got " + config);
    }
    if (tensors.isEmpty()) throw new IllegalArgumentException(dir + ": no tensors to write");
    Set<String> names = new HashSet<>();
    for (Path file : tokenizerFiles) {
      String name = file.getFileName() == null ? "" : file.getFileName().toString();
      if (!HfDirectory.TOKENIZER_FILES.contains(name)) {
        throw new IllegalArgumentException(file + ": not a tokenizer file; the names copied are "
            + HfDirectory.TOKENIZER_FILES);
      }
      if (!names.add(name)) throw new IllegalArgumentException(file + ": a second " + name + " in the files to copy");
      if (!Files.isRegularFile(file)) throw new IOException(file + ": tokenizer file to copy is missing");
    }
  }

  /**
   * Beyond AtomicDirectories' rule (only our file names): a Hugging Face model has the very same
   * file names, so the weights must also carry jlora's mark, or the directory is someone's model.
   */
  private static void requireJloraModelOrAbsent(Path dir) throws IOException {
    Path target = dir.toAbsolutePath().normalize();
    AtomicDirectories.checkReplaceable(dir, target, "model directory", ownFiles());
    if (!Files.isDirectory(target)) return;
    String choose = "; choose an empty or new directory";
    Path weights = target.resolve(HfDirectory.WEIGHTS);
    if (!Files.exists(weights)) {
      try (Stream<Path> entries = Files.list(target)) {
        if (entries.findAny().isEmpty()) return;
      }
      throw new FileAlreadyExistsException(target.toString(), null, "holds files but no " + HfDirectory.WEIGHTS
          + " written by jlora" + choose);
    }
    boolean marked;
    try (SafeTensorsFile f = SafeTensors.open(weights)) {
      marked = WRITTEN_BY.equals(f.metadata().get(WRITTEN_BY_KEY));
    } catch (IOException unreadable) {
      marked = false;
    }
    if (!marked) {
      throw new FileAlreadyExistsException(target.toString(), null, "holds a model jlora did not write" + choose);
    }
  }
}
