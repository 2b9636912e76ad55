package org.jlora.examples.tokenize;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code decoder} of a {@code tokenizer.json}: turns the token strings of some ids back into
 * text. As in Hugging Face's {@code tokenizers} each step maps a list of token strings to a new list
 * (a "decode chain"), and the caller joins the last list: Llama's
 * {@code Sequence[Replace("▁", " "), ByteFallback, Fuse, Strip(" ", 1, 0)]} works token by token,
 * so "strip one leading space" means the first token's.
 */
@FunctionalInterface
interface Decoder {
  List<String> decodeChain(List<String> tokens);

  String SUPPORTED = "Sequence, ByteLevel, Replace, ByteFallback, Fuse, Strip and Metaspace decoders";

  /** The decoder at {@code spec}, or null for a missing one. Any other type is refused by name. */
  static Decoder fromJson(JsonSpec spec) throws TokenizerFileException {
    if (spec.isMissing()) return null;
    String type = spec.type();
    return switch (type) {
      case "Sequence" -> {
        JsonSpec items = spec.array("decoders");
        List<Decoder> steps = new ArrayList<>();
        for (int i = 0; i < items.node().size(); i++) steps.add(fromJson(items.at(i)));
        yield tokens -> {
          for (Decoder step : steps) tokens = step.decodeChain(tokens);
          return tokens;
        };
      }
      case "ByteLevel" -> Decoder::byteLevel;
      case "Replace" -> {
        Normalizer replace = Normalizer.replace(spec);
        yield tokens -> tokens.stream().map(replace::normalize).toList();
      }
      case "ByteFallback" -> Decoder::byteFallback;
      case "Fuse" -> tokens -> List.of(String.join("", tokens));
      case "Strip" -> strip(spec);
      case "Metaspace" -> metaspace(spec);
      default -> throw spec.get("type").unsupported("decoder", type, SUPPORTED);
    };
  }

  /** GPT-2's alphabet back to bytes, then the bytes as UTF-8 (malformed bytes become U+FFFD). */
  static List<String> byteLevel(List<String> tokens) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (String token : tokens) ByteLevelAlphabet.appendBytes(token, bytes);
    return List.of(bytes.toString(StandardCharsets.UTF_8));
  }

  /**
   * Runs of {@code <0xNN>} tokens become the text their bytes spell; a run that is not valid UTF-8
   * becomes one U+FFFD per byte, as in {@code tokenizers}.
   */
  static List<String> byteFallback(List<String> tokens) {
    List<String> out = new ArrayList<>();
    ByteArrayOutputStream run = new ByteArrayOutputStream();
    int runLength = 0;
    for (String token : tokens) {
      int b = byteOf(token);
      if (b >= 0) {
        run.write(b);
        runLength++;
        continue;
      }
      if (runLength > 0) flush(run, runLength, out);
      runLength = 0;
      out.add(token);
    }
    if (runLength > 0) flush(run, runLength, out);
    return out;
  }

  private static void flush(ByteArrayOutputStream run, int runLength, List<String> out) {
    try {
      out.add(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(run.toByteArray())).toString());
    } catch (CharacterCodingException e) {
      for (int i = 0; i < runLength; i++) out.add("\uFFFD");
    }
    run.reset();
  }

  /** The byte of a {@code <0xNN>} token, or -1 for any other token. */
  static int byteOf(String token) {
    if (token.length() != 6 || !token.startsWith("<0x") || token.charAt(5) != '>') return -1;
    try {
      return Integer.parseInt(token.substring(3, 5), 16);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Removes up to {@code start} leading and {@code stop} trailing {@code content} characters from each token. */
  static Decoder strip(JsonSpec spec) throws TokenizerFileException {
    String content = spec.text("content");
    if (content.codePointCount(0, content.length()) != 1) throw spec.get("content").fail("expected one character");
    int start = spec.integer("start", 0);
    int stop = spec.integer("stop", 0);
    int width = content.length();
    return tokens -> tokens.stream().map(token -> {
      int begin = 0;
      for (int n = 0; n < start && token.startsWith(content, begin); n++) begin += width;
      int end = token.length();
      for (int n = 0; n < stop && end - width >= begin && token.startsWith(content, end - width); n++) end -= width;
      return token.substring(begin, end);
    }).toList();
  }

  /** The older Llama decoder: {@code ▁} back to a space, and the first token's dummy-prefix space removed. */
  static Decoder metaspace(JsonSpec spec) throws TokenizerFileException {
    String replacement = spec.text("replacement", "\u2581");
    boolean stripFirst = !PreTokenizer.metaspacePrependScheme(spec).equals("never");
    return tokens -> {
      List<String> out = new ArrayList<>(tokens.size());
      for (int i = 0; i < tokens.size(); i++) {
        String token = tokens.get(i).replace(replacement, " ");
        if (i == 0 && stripFirst && token.startsWith(" ")) token = token.substring(1);
        out.add(token);
      }
      return out;
    };
  }
}
