package org.jlora.examples.tokenize;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code added_tokens} of a {@code tokenizer.json} ({@code <s>}, {@code <|im_start|>}, ...),
 * found in the text before anything else happens so that BPE never sees them. As in
 * {@code tokenizers}, the scan is leftmost-longest: at the first position where some added token
 * starts, the longest one that starts there wins.
 *
 * <p>Per token: {@code lstrip}/{@code rstrip} make the match swallow the white space on that side;
 * {@code single_word} accepts a match only when no letter or digit touches it. Tokens with
 * {@code normalized: false} are looked for in the raw text, the others in the normalized text.
 */
final class AddedTokens {
  /** One added token as the JSON describes it. */
  record AddedToken(int id, String content, boolean special, boolean normalized, boolean lstrip,
      boolean rstrip, boolean singleWord) {}

  /** A stretch of text, or an added token ({@code id >= 0}) with the text it covered. */
  record Segment(String text, int id, int start) {
    boolean isToken() {
      return id >= 0;
    }
  }

  /** First char -> the tokens starting with it, longest first. */
  private final Map<Character, List<AddedToken>> byFirstChar = new HashMap<>();

  AddedTokens(List<AddedToken> tokens) {
    for (AddedToken token : tokens) {
      if (token.content().isEmpty()) continue;
      byFirstChar.computeIfAbsent(token.content().charAt(0), c -> new ArrayList<>()).add(token);
    }
    for (List<AddedToken> list : byFirstChar.values()) {
      list.sort(Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed());
    }
  }

  boolean isEmpty() {
    return byFirstChar.isEmpty();
  }

  /** {@code text} cut into stretches and added tokens; {@code offset} is where {@code text} starts in the caller's text. */
  List<Segment> split(String text, int offset) {
    List<Segment> out = new ArrayList<>();
    if (isEmpty()) {
      out.add(new Segment(text, -1, offset));
      return out;
    }
    int done = 0; // text before this index is already in out
    int i = 0;
    while (i < text.length()) {
      AddedToken found = longestAt(text, i);
      if (found == null) {
        i++;
        continue;
      }
      int start = i;
      int stop = i + found.content().length();
      i = stop; // the scan goes on after this match, accepted or not, as the tokenizers library's does
      if (found.singleWord() && !(standsAlone(text, start, stop))) continue;
      if (found.lstrip()) {
        while (start > done && Character.isWhitespace(text.codePointBefore(start))) start -= Character.charCount(text.codePointBefore(start));
      }
      if (found.rstrip()) {
        while (stop < text.length() && Character.isWhitespace(text.codePointAt(stop))) stop += Character.charCount(text.codePointAt(stop));
        i = stop;
      }
      if (start > done) out.add(new Segment(text.substring(done, start), -1, offset + done));
      out.add(new Segment(text.substring(start, stop), found.id(), offset + start));
      done = stop;
    }
    if (done < text.length() || out.isEmpty()) out.add(new Segment(text.substring(done), -1, offset + done));
    return out;
  }

  private AddedToken longestAt(String text, int i) {
    List<AddedToken> candidates = byFirstChar.get(text.charAt(i));
    if (candidates == null) return null;
    for (AddedToken token : candidates) if (text.startsWith(token.content(), i)) return token;
    return null;
  }

  private static boolean standsAlone(String text, int start, int stop) {
    boolean before = start == 0 || !Character.isLetterOrDigit(text.codePointBefore(start));
    boolean after = stop == text.length() || !Character.isLetterOrDigit(text.codePointAt(stop));
    return before && after;
  }
}
