package org.jlora.examples.checkpoint;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jlora.examples.data.CharTokenizer;
import org.jlora.examples.gpt.Checkpoint;
import org.jlora.examples.gpt.Gpt;
import org.jlora.examples.model.LanguageModel;
import org.jlora.examples.model.gpt2.Gpt2;
import org.jlora.examples.model.llama.HfLlama;
import org.jlora.examples.model.llama.Llama;
import org.jlora.examples.tokenize.ChatTemplate;
import org.jlora.examples.tokenize.Llama2cTokenizer;
import org.jlora.examples.tokenize.Tokenizer;
import org.jlora.examples.tokenize.Tokenizers;

/**
 * A model is a path: the one door through which the command line (and a library user) opens a
 * pretrained model with its tokenizer, whatever its format.
 *
 * <ul>
 *   <li>a Hugging Face directory ({@code config.json} + {@code model.safetensors} or shards; its
 *       {@code model_type} picks the architecture: {@code llama}, {@code qwen2}, {@code gpt2});</li>
 *   <li>a llama2.c {@code .bin} checkpoint, with its {@code tokenizer.bin} (given, or found beside
 *       it: {@code tokenizer.bin} or a single {@code tok*.bin});</li>
 *   <li>a jlora checkpoint of the small GPT ({@code jlora pretrain}), character tokenizer included.</li>
 * </ul>
 *
 * <pre>{@code
 * Pretrained p = Pretrained.load(Path.of("SmolLM2-135M"), null);
 * int[] ids = p.tokenizer().encode("Hello", true);
 * Variable logits = p.model().forward(ids, 1, ids.length);
 * }</pre>
 */
public record Pretrained(LanguageModel model, Tokenizer tokenizer, ChatTemplate chatTemplate, Path source,
                         Format format) {

  /** Where the model came from, and so how a merged copy is written back by default. */
  public enum Format { HUGGING_FACE, LLAMA2C, JLORA_GPT }

  /**
   * Opens {@code path} (see the class comment).
   *
   * @param tokenizerOrNull a tokenizer file or directory to use instead of the one found with the model
   */
  public static Pretrained load(Path path, Path tokenizerOrNull) throws IOException {
    return load(path, tokenizerOrNull, BaseDType.F32);
  }

  /**
   * Opens {@code path}, keeping the weight matrices of a Llama-family Hugging Face checkpoint as
   * {@code dtype} says (see {@link BaseDType}); the other formats store f32 and load as f32, and
   * {@code BF16} is refused for them.
   */
  public static Pretrained load(Path path, Path tokenizerOrNull, BaseDType dtype) throws IOException {
    if (!Files.exists(path)) {
      throw new NoSuchFileException(path.toString(), null, "no model here; give a Hugging Face model directory"
          + " (config.json + model.safetensors), a llama2.c .bin checkpoint, or a jlora checkpoint directory");
    }
    Pretrained p;
    if (Files.isRegularFile(path)) {
      if (!path.getFileName().toString().endsWith(".bin")) {
        throw new IllegalArgumentException(path + " is a file but not a llama2.c .bin checkpoint; give a model "
            + "directory (Hugging Face or jlora) or a .bin file");
      }
      requireF32(dtype, path, "a llama2.c checkpoint");
      p = new Pretrained(Llama2cCheckpoint.read(path), tokenizerOf(path, tokenizerOrNull), null, path, Format.LLAMA2C);
    } else if (isJloraCheckpoint(path)) {
      requireF32(dtype, path, "a jlora checkpoint of the small GPT");
      Checkpoint.Loaded loaded = Checkpoint.load(path);
      Tokenizer tok = tokenizerOrNull != null ? Tokenizers.load(tokenizerOrNull) : loaded.tokenizer();
      p = new Pretrained(loaded.model(), tok, null, path, Format.JLORA_GPT);
    } else {
      LanguageModel model;
      try (HfDirectory hf = HfDirectory.open(path)) {
        String type = hf.modelType();
        model = switch (type) {
          case "llama", "qwen2" -> HfLlama.fromDirectory(hf, dtype);
          case "gpt2" -> {
            requireF32(dtype, path, "a GPT-2 checkpoint");
            yield Gpt2.fromDirectory(hf);
          }
          default -> throw new IllegalArgumentException(path.resolve(HfDirectory.CONFIG) + ": model_type '" + type
              + "' is not supported; jlora runs llama (SmolLM2, TinyLlama, Llama 2/3), qwen2 and gpt2");
        };
      }
      p = new Pretrained(model, tokenizerOf(path, tokenizerOrNull), chatTemplateOf(path), path, Format.HUGGING_FACE);
    }
    if (p.tokenizer.vocabSize() > p.model.vocabSize()) {
      throw new IllegalArgumentException("the tokenizer of " + path + " has " + p.tokenizer.vocabSize()
          + " ids but the model only " + p.model.vocabSize() + "; give the tokenizer the model was trained with"
          + " (--tokenizer)");
    }
    return p;
  }

  /** Only Llama-family Hugging Face checkpoints keep bf16 weights; the other formats refuse an explicit bf16. */
  private static void requireF32(BaseDType dtype, Path path, String what) {
    if (dtype == BaseDType.BF16) {
      throw new IllegalArgumentException(path + " is " + what + ", whose weights jlora keeps in f32; --base-dtype bf16"
          + " is for Llama-family Hugging Face checkpoints (llama, qwen2): use --base-dtype f32 or auto");
    }
  }

  /**
   * The tokenizer that goes with the model at {@code path}, without reading the weights: the one in
   * a Hugging Face or jlora directory, or the llama2.c tokenizer beside a .bin.
   */
  public static Tokenizer tokenizerOf(Path path, Path tokenizerOrNull) throws IOException {
    if (tokenizerOrNull != null) return Tokenizers.load(tokenizerOrNull);
    if (Files.isRegularFile(path)) return Tokenizers.load(llama2cTokenizerBeside(path));
    if (isJloraCheckpoint(path)) return CharTokenizer.load(path.resolve(Checkpoint.TOKENIZER));
    return Tokenizers.load(path);
  }

  /** The model's chat template, or null when its tokenizer_config.json has none. */
  private static ChatTemplate chatTemplateOf(Path dir) throws IOException {
    Path cfg = dir.resolve("tokenizer_config.json");
    boolean has = Files.isRegularFile(dir.resolve("chat_template.jinja"))
        || (Files.isRegularFile(cfg) && JsonFiles.readObject(cfg).has("chat_template"));
    return has ? ChatTemplate.fromModelDirectory(dir) : null;
  }

  /** A jlora small-GPT checkpoint: a config.json with nanoGPT's keys and no model_type. */
  private static boolean isJloraCheckpoint(Path dir) throws IOException {
    Path cfg = dir.resolve(Checkpoint.CONFIG);
    if (!Files.isRegularFile(cfg) || !Files.isRegularFile(dir.resolve(Checkpoint.MODEL))) return false;
    var json = JsonFiles.readObject(cfg);
    return !json.has("model_type") && json.has("n_layer") && json.has("block_size");
  }

  /** {@code tokenizer.bin} beside a llama2.c checkpoint, else the one {@code tok*.bin} there. */
  private static Path llama2cTokenizerBeside(Path checkpoint) throws IOException {
    Path dir = checkpoint.toAbsolutePath().getParent();
    Path standard = dir.resolve("tokenizer.bin");
    if (Files.isRegularFile(standard)) return standard;
    List<Path> candidates = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "tok*.bin")) {
      s.forEach(candidates::add);
    }
    if (candidates.size() == 1) return candidates.get(0);
    throw new NoSuchFileException(checkpoint.toString(), null, (candidates.isEmpty() ? "no tokenizer.bin beside it"
        : "several tokenizers beside it " + candidates.stream().map(c -> c.getFileName().toString()).toList())
        + "; give its llama2.c tokenizer with --tokenizer FILE");
  }

  /** The format a merged copy is written in when {@code out} names none: llama2.c for a .bin name. */
  public Format formatFor(Path out) {
    if (out.getFileName().toString().endsWith(".bin")) return Format.LLAMA2C;
    return format == Format.JLORA_GPT ? Format.JLORA_GPT : Format.HUGGING_FACE;
  }

  /**
   * Writes {@code merged} (this model after {@code mergeAndUnload}, or fully fine-tuned) to
   * {@code out} in {@code as}, with tokenizer files, as a whole and never over a user's files.
   */
  public void save(LanguageModel merged, Path out, Format as) throws IOException {
    save(merged, out, as, false);
  }

  /**
   * {@link #save(LanguageModel, Path, Format)}; a llama2.c file carries no mark of who wrote it, so
   * an existing file at {@code out} is replaced only with {@code replaceFile} (the user's --force).
   */
  public void save(LanguageModel merged, Path out, Format as, boolean replaceFile) throws IOException {
    switch (as) {
      case LLAMA2C -> {
        if (Files.isDirectory(out)) {
          throw new IllegalArgumentException(out + " is a directory; a llama2.c checkpoint is one file: give a new file name");
        }
        if (Files.exists(out) && !replaceFile) {
          throw new IllegalArgumentException(out + " exists; jlora cannot tell whether it wrote it, so it will not"
              + " replace it: give a new name, or --force to replace it");
        }
        if (!(merged instanceof Llama llama)) {
          throw new IllegalArgumentException("--out " + out + ": a llama2.c .bin holds Llama models only, not "
              + merged.architecture() + "; give a directory name to write a Hugging Face directory");
        }
        Llama2cCheckpoint.write(llama, out);
      }
      case HUGGING_FACE -> {
        List<Path> tokenizerFiles = new ArrayList<>();
        Path scratch = null;
        if (format == Format.HUGGING_FACE) {
          for (String f : HfDirectory.TOKENIZER_FILES) {
            if (Files.isRegularFile(source.resolve(f))) tokenizerFiles.add(source.resolve(f));
          }
        } else if (tokenizer instanceof Llama2cTokenizer l2c) {
          scratch = Files.createTempDirectory("jlora-tokenizer");
          l2c.writeHfTokenizerJson(scratch);
          try (DirectoryStream<Path> s = Files.newDirectoryStream(scratch)) {
            s.forEach(tokenizerFiles::add);
          }
        }
        try {
          if (merged instanceof Llama llama) HfLlama.save(llama, out, tokenizerFiles);
          else if (merged instanceof Gpt2 gpt2) gpt2.save(out, tokenizerFiles);
          else throw new IllegalArgumentException("--out " + out + ": the toy GPT is written as a jlora checkpoint"
                + " directory, not a Hugging Face one");
        } finally {
          if (scratch != null) {
            for (Path f : tokenizerFiles) Files.deleteIfExists(f);
            Files.deleteIfExists(scratch);
          }
        }
      }
      case JLORA_GPT -> {
        if (!(merged instanceof Gpt gpt) || !(tokenizer instanceof CharTokenizer chars)) {
          throw new IllegalArgumentException("--out " + out + ": only the small GPT is written as a jlora checkpoint");
        }
        Checkpoint.save(out, gpt, chars, null);
      }
      default -> throw new IllegalStateException();
    }
  }
}
