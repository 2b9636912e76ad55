package org.jlora.examples.tokenize;

import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code normalizer} of a {@code tokenizer.json}: rewrites each stretch of text between added
 * tokens before it is split into words. Llama 2's is {@code Sequence[Prepend("▁"), Replace(" ", "▁")]}
 * (SentencePiece's dummy prefix and its visible space); Qwen2's is {@code NFC}.
 */
@FunctionalInterface
interface Normalizer {
  String normalize(String text);

  String SUPPORTED = "Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD and Lowercase normalizers";

  /** The normalizer at {@code spec}, or null for a missing one. Any other type is refused by name. */
  static Normalizer fromJson(JsonSpec spec) throws TokenizerFileException {
    if (spec.isMissing()) return null;
    String type = spec.type();
    return switch (type) {
      case "Sequence" -> {
        JsonSpec items = spec.array("normalizers");
        List<Normalizer> steps = new ArrayList<>();
        for (int i = 0; i < items.node().size(); i++) steps.add(fromJson(items.at(i)));
        yield text -> {
          for (Normalizer step : steps) text = step.normalize(text);
          return text;
        };
      }
      case "Prepend" -> {
        String prefix = spec.text("prepend");
        yield text -> text.isEmpty() ? text : prefix + text; // as tokenizers: nothing is prepended to nothing
      }
      case "Replace" -> replace(spec);
      case "NFC" -> text -> java.text.Normalizer.normalize(text, Form.NFC);
      case "NFD" -> text -> java.text.Normalizer.normalize(text, Form.NFD);
      case "NFKC" -> text -> java.text.Normalizer.normalize(text, Form.NFKC);
      case "NFKD" -> text -> java.text.Normalizer.normalize(text, Form.NFKD);
      case "Lowercase" -> Normalizer::lowercase;
      default -> throw spec.get("type").unsupported("normalizer", type, SUPPORTED);
    };
  }

  /**
   * Each code point lowercased on its own, as {@code tokenizers} does: full mappings apply (İ becomes
   * i + U+0307) but no context does (a final Σ becomes σ, not the ς that {@code String.toLowerCase} gives).
   */
  static String lowercase(String text) {
    StringBuilder out = new StringBuilder(text.length());
    text.codePoints().forEach(cp -> out.append(Character.toString(cp).toLowerCase(Locale.ROOT)));
    return out.toString();
  }

  /** {@code Replace}: its {@code pattern} is {"String": literal} or {"Regex": pattern}; shared with the decoder of that name. */
  static Normalizer replace(JsonSpec spec) throws TokenizerFileException {
    Pattern pattern = pattern(spec.get("pattern"));
    String content = Matcher.quoteReplacement(spec.text("content"));
    return text -> pattern.matcher(text).replaceAll(content);
  }

  /** A {@code {"String": ...}} or {@code {"Regex": ...}} pattern object. */
  static Pattern pattern(JsonSpec spec) throws TokenizerFileException {
    if (spec.node().has("String")) return Pattern.compile(Pattern.quote(spec.text("String")));
    if (spec.node().has("Regex")) return OnigurumaRegex.compile(spec.text("Regex"), spec.get("Regex"));
    throw spec.fail("expected {\"String\": ...} or {\"Regex\": ...}, found " + JsonSpec.describe(spec.node()));
  }
}
