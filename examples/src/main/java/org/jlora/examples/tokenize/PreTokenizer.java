package org.jlora.examples.tokenize;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code pre_tokenizer} of a {@code tokenizer.json}: cuts normalized text into the words that BPE
 * encodes one at a time (merges never cross a word boundary), and may rewrite them (ByteLevel maps
 * bytes to GPT-2's visible alphabet, Metaspace turns spaces into {@code ▁}).
 */
@FunctionalInterface
interface PreTokenizer {
  /**
   * The words of {@code piece}.
   *
   * @param atTextStart whether {@code piece} begins at offset 0 of the caller's text (Metaspace's
   *     {@code prepend_scheme: "first"} adds its {@code ▁} only there)
   */
  List<String> split(String piece, boolean atTextStart);

  String SUPPORTED = "Sequence, ByteLevel, Split, Metaspace and Digits pre-tokenizers";

  /** GPT-2's word pattern, which ByteLevel applies when {@code use_regex} is true. */
  String GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

  /** The pre-tokenizer at {@code spec}, or null for a missing one. Any other type is refused by name. */
  static PreTokenizer fromJson(JsonSpec spec) throws TokenizerFileException {
    if (spec.isMissing()) return null;
    String type = spec.type();
    return switch (type) {
      case "Sequence" -> {
        JsonSpec items = spec.array("pretokenizers");
        List<PreTokenizer> steps = new ArrayList<>();
        for (int i = 0; i < items.node().size(); i++) steps.add(fromJson(items.at(i)));
        yield sequence(steps);
      }
      case "ByteLevel" -> byteLevel(spec.bool("add_prefix_space", true), spec.bool("use_regex", true), spec);
      case "Split" -> {
        if (spec.bool("invert", false)) throw spec.get("invert").fail("an inverted Split is not supported; jlora reads invert: false");
        yield split(Normalizer.pattern(spec.get("pattern")), SplitBehavior.fromJson(spec.get("behavior")));
      }
      case "Metaspace" -> metaspace(spec);
      case "Digits" -> split(Pattern.compile(spec.bool("individual_digits", false) ? "\\p{N}" : "\\p{N}+"),
          SplitBehavior.ISOLATED);
      default -> throw spec.get("type").unsupported("pre-tokenizer", type, SUPPORTED);
    };
  }

  /** Each step splits every word the previous step produced. */
  static PreTokenizer sequence(List<PreTokenizer> steps) {
    return (piece, atTextStart) -> {
      List<String> words = List.of(piece);
      for (PreTokenizer step : steps) {
        List<String> next = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) next.addAll(step.split(words.get(i), atTextStart && i == 0));
        words = next;
      }
      return words;
    };
  }

  /**
   * GPT-2's ByteLevel: optionally a leading space (so the first word is spelled like the others),
   * optionally the GPT-2 word pattern, then each word's UTF-8 bytes in the visible alphabet.
   */
  static PreTokenizer byteLevel(boolean addPrefixSpace, boolean useRegex, JsonSpec where)
      throws TokenizerFileException {
    PreTokenizer words = useRegex
        ? split(OnigurumaRegex.compile(GPT2_PATTERN, where), SplitBehavior.ISOLATED)
        : (piece, atTextStart) -> List.of(piece);
    return (piece, atTextStart) -> {
      String text = addPrefixSpace && !piece.isEmpty() && !piece.startsWith(" ") ? " " + piece : piece;
      List<String> out = new ArrayList<>();
      for (String word : words.split(text, atTextStart)) out.add(ByteLevelAlphabet.encode(word));
      return out;
    };
  }

  /** Cuts at each match of {@code pattern}; {@code behavior} says where the matched text goes. */
  static PreTokenizer split(Pattern pattern, SplitBehavior behavior) {
    return (piece, atTextStart) -> {
      List<String> out = new ArrayList<>();
      Matcher m = pattern.matcher(piece);
      int end = 0;
      String pendingMatch = null; // for MERGED_WITH_NEXT
      boolean previousWasMatch = false; // for CONTIGUOUS
      while (m.find()) {
        if (m.end() == m.start()) continue; // an empty match cuts nothing
        String gap = piece.substring(end, m.start());
        String match = m.group();
        switch (behavior) {
          case ISOLATED -> {
            if (!gap.isEmpty()) out.add(gap);
            out.add(match);
          }
          case REMOVED -> {
            if (!gap.isEmpty()) out.add(gap);
          }
          case MERGED_WITH_PREVIOUS -> out.add(gap + match);
          case MERGED_WITH_NEXT -> {
            if (pendingMatch != null || !gap.isEmpty()) out.add((pendingMatch == null ? "" : pendingMatch) + gap);
            pendingMatch = match;
          }
          case CONTIGUOUS -> {
            if (!gap.isEmpty()) out.add(gap);
            if (gap.isEmpty() && previousWasMatch) {
              out.set(out.size() - 1, out.getLast() + match);
            } else {
              out.add(match);
            }
          }
        }
        end = m.end();
        previousWasMatch = true;
      }
      String tail = piece.substring(end);
      if (pendingMatch != null) out.add(pendingMatch + tail);
      else if (!tail.isEmpty()) out.add(tail);
      return out;
    };
  }

  /**
   * SentencePiece's visible space as a pre-tokenizer (the older Llama {@code tokenizer.json} form):
   * spaces become the replacement character, a dummy {@code ▁} goes in front, and with {@code split}
   * each word starts at a {@code ▁}.
   */
  static PreTokenizer metaspace(JsonSpec spec) throws TokenizerFileException {
    String replacement = spec.text("replacement", "\u2581");
    String scheme = metaspacePrependScheme(spec);
    boolean splitWords = spec.bool("split", true);
    PreTokenizer words = splitWords
        ? split(Pattern.compile(Pattern.quote(replacement)), SplitBehavior.MERGED_WITH_NEXT)
        : (piece, atTextStart) -> List.of(piece);
    return (piece, atTextStart) -> {
      String text = piece.replace(" ", replacement);
      boolean prepend = scheme.equals("always") || (scheme.equals("first") && atTextStart);
      if (prepend && !text.isEmpty() && !text.startsWith(replacement)) text = replacement + text;
      return words.split(text, atTextStart);
    };
  }

  /** {@code prepend_scheme} ("always", "first", "never"), or the older {@code add_prefix_space} boolean. */
  static String metaspacePrependScheme(JsonSpec spec) throws TokenizerFileException {
    JsonSpec scheme = spec.get("prepend_scheme");
    if (scheme.isMissing()) return spec.bool("add_prefix_space", true) ? "always" : "never";
    String value = spec.text("prepend_scheme");
    if (!List.of("always", "first", "never").contains(value)) {
      throw scheme.fail("expected \"always\", \"first\" or \"never\", found \"" + value + "\"");
    }
    return value;
  }

  /** Where a Split puts the text its pattern matched. */
  enum SplitBehavior {
    ISOLATED, REMOVED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS;

    static SplitBehavior fromJson(JsonSpec spec) throws TokenizerFileException {
      String name = spec.node().asText("");
      return switch (name) {
        case "Isolated" -> ISOLATED;
        case "Removed" -> REMOVED;
        case "MergedWithPrevious" -> MERGED_WITH_PREVIOUS;
        case "MergedWithNext" -> MERGED_WITH_NEXT;
        case "Contiguous" -> CONTIGUOUS;
        default -> throw spec.fail("unsupported Split behavior '" + name + "'; jlora reads Isolated, Removed,"
            + " MergedWithPrevious, MergedWithNext and Contiguous");
      };
    }
  }
}
