package org.jlora.examples.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.examples.checkpoint.Pretrained;
import org.jlora.examples.tokenize.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jlora tokenize}: the ids a model reads for a text, as
 * {@code AutoTokenizer.from_pretrained(PATH)(TEXT)["input_ids"]} gives them, so anyone can compare
 * with Python. Only the tokenizer is read, not the weights.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Show the token ids (and pieces) of a text.",
        "  jlora tokenize --model SmolLM2-135M --text 'Hello world' --json"})
public final class TokenizeCommand implements Runnable {
  @Option(names = "--model", description = "a model directory or llama2.c .bin whose tokenizer to use")
  Path model;

  @Option(names = "--tokenizer", description = "a tokenizer file or directory (tokenizer.json, vocab.json, tokenizer.bin)")
  Path tokenizer;

  @Option(names = "--text", required = true, description = "the text to encode")
  String text;

  @Option(names = "--no-special", description = "do not add the tokens the tokenizer adds by default (e.g. BOS)")
  boolean noSpecial;

  @Option(names = "--json", description = "print {\"ids\": [...]} on one line")
  boolean json;

  @Override
  public void run() {
    Tokenizer tok = load();
    int[] ids = tok.encode(text, !noSpecial);
    List<Integer> list = new ArrayList<>(ids.length);
    for (int id : ids) list.add(id);
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("ids", list);
      System.out.println(OutputOptions.line(m));
      return;
    }
    StringBuilder sb = new StringBuilder();
    for (int id : ids) sb.append(id).append('\t').append(tok.token(id)).append('\n');
    sb.append(ids.length).append(" tokens");
    System.out.println(sb);
  }

  private Tokenizer load() {
    if ((model == null) == (tokenizer == null)) throw new IllegalArgumentException("give --model or --tokenizer (one of them)");
    try {
      return Pretrained.tokenizerOf(model != null ? model : tokenizer, tokenizer);   // reads no weights
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(e.getFile() + ": " + (e.getReason() != null ? e.getReason() : "no such file"), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
