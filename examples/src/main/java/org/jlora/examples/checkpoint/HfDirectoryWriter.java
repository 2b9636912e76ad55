package org.jlora.examples.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.jlora.engine.Tensor;
import org.jlora.lora.io.AtomicFiles;
import org.jlora.lora.io.SafeTensors;
import org.jlora.lora.io.SafeTensorsFile;

/**
 * Writes a model as a Hugging Face directory, all or nothing, in the spirit of {@link AtomicFiles}:
 * everything is written into a hidden temporary directory beside the target, each file fsynced,
 * and only then renamed into place. A failure midway deletes the temporary directory and leaves
 * the target as it was.
 *
 * <p>A target that already exists is replaced only when it is empty or was written by this class:
 * it holds nothing but the files this writer produces, and its {@code model.safetensors} carries
 * jlora's mark in its metadata. Anything else (a base model downloaded from the Hub, a folder of
 * the user's files) is refused, so a wrong output path can never destroy a model.
 *
 * <p>A directory cannot be renamed over a non-empty one, so replacing takes two renames: the old
 * directory is first moved aside to a hidden name, then deleted. In between, a reader finds no
 * directory (never a mix of old and new files); a crash in between leaves the old one, hidden,
 * beside the target.
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
    Path target = dir.toAbsolutePath().normalize();
    if (target.getParent() == null) throw new IOException(dir + ": cannot write a model directory over the file system root");
    checkReplaceable(target);
    Files.createDirectories(target.getParent());
    Path temp = hiddenSibling(target, "tmp");
    Files.createDirectory(temp);
    try {
      AtomicFiles.writeString(temp.resolve(HfDirectory.CONFIG), JsonFiles.toText(config));
      SafeTensors.write(temp.resolve(HfDirectory.WEIGHTS), tensors, Map.of(FORMAT_KEY, "pt", WRITTEN_BY_KEY, WRITTEN_BY));
      for (Path source : tokenizerFilesToCopy) {
        AtomicFiles.write(temp.resolve(source.getFileName().toString()), out -> Files.copy(source, out));
      }
      swapIn(temp, target);
    } catch (IOException | RuntimeException | Error e) {
      deleteTree(temp, e);
      throw e;
    }
    fsyncDirectory(target.getParent());
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

  /** Throws unless {@code target} is absent, an empty directory, or a directory this class wrote. */
  private static void checkReplaceable(Path target) throws IOException {
    if (!Files.exists(target)) return;
    String choose = "; choose an empty or new path for the model";
    if (!Files.isDirectory(target)) throw new FileAlreadyExistsException(target.toString(), null, "is a file" + choose);
    List<String> foreign = new ArrayList<>();
    try (Stream<Path> entries = Files.list(target)) {
      entries.forEach(p -> {
        String name = p.getFileName().toString();
        boolean ours = name.equals(HfDirectory.CONFIG) || name.equals(HfDirectory.WEIGHTS)
            || HfDirectory.TOKENIZER_FILES.contains(name);
        if (!ours || !Files.isRegularFile(p)) foreign.add(name);
      });
    }
    if (!foreign.isEmpty()) {
      foreign.sort(null);
      throw new FileAlreadyExistsException(target.toString(), null, "holds files jlora did not write ("
          + String.join(", ", foreign.subList(0, Math.min(3, foreign.size()))) + (foreign.size() > 3 ? ", ..." : "")
          + ")" + choose);
    }
    Path weights = target.resolve(HfDirectory.WEIGHTS);
    if (!Files.exists(weights)) {
      if (isEmpty(target)) return;
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

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }

  /** Renames {@code temp} to {@code target}, moving an old target aside first and deleting it after. */
  private static void swapIn(Path temp, Path target) throws IOException {
    if (!Files.exists(target)) {
      move(temp, target);
      return;
    }
    Path old = hiddenSibling(target, "old");
    move(target, old);
    try {
      move(temp, target);
    } catch (IOException | RuntimeException | Error e) {
      try {
        move(old, target); // put the old model back
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    try {
      deleteTree(old, null);
    } catch (RuntimeException ignored) {
      // the new model is in place; a leftover hidden directory is only clutter
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to);
    }
  }

  /** A name beside {@code target} that does not exist yet: {@code .<name>.<random>.<suffix>}. */
  private static Path hiddenSibling(Path target, String suffix) {
    Path candidate;
    do {
      candidate = target.resolveSibling("." + target.getFileName() + "."
          + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "." + suffix);
    } while (Files.exists(candidate));
    return candidate;
  }

  /** Deletes {@code dir} and what it holds (files only, as this writer makes); failures go to {@code failure}. */
  private static void deleteTree(Path dir, Throwable failure) {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    } catch (IOException | RuntimeException e) {
      if (failure != null) failure.addSuppressed(e);
    }
  }

  /** Makes the renames durable; best effort, as in AtomicFiles. */
  private static void fsyncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // not supported on this platform; the renames are still atomic
    }
  }
}
