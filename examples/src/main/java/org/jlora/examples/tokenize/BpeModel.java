package org.jlora.examples.tokenize;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-pair encoding of one pre-tokenized word, exactly as Hugging Face's {@code tokenizers} BPE model
 * does it: start from one symbol per character, then repeatedly merge the adjacent pair with the
 * lowest merge rank (the leftmost on ties) until no listed pair is left.
 *
 * <p>The symbols form a linked list and the candidate pairs sit in a priority queue, so a word of n
 * characters costs O(n log n) rather than the O(n²) of rescanning for the best pair: a Llama-style
 * tokenizer has no pre-tokenizer and hands the whole text to BPE as one "word". A queue entry whose
 * symbols have changed since it was queued is recognised and dropped when it comes up.
 *
 * <p>A character missing from the vocabulary becomes its UTF-8 bytes as {@code <0xNN>} pieces with
 * {@code byte_fallback}, else the unknown token (consecutive ones fused into one with
 * {@code fuse_unk}); with neither, Hugging Face drops it, and so does this class.
 */
final class BpeModel {
  /** The most words the cache holds; beyond it words are encoded afresh each time. */
  private static final int CACHE_CAPACITY = 50_000;
  /** Longer words are not cached (they are rarely repeated). */
  private static final int CACHE_MAX_WORD = 256;

  private final Map<String, Integer> vocab;
  /** (left id, right id) packed in a long -> {rank, merged id}. */
  private final Map<Long, int[]> merges;
  private final Integer unkId;
  private final boolean byteFallback;
  private final boolean fuseUnk;
  private final boolean ignoreMerges;
  private final Map<String, int[]> cache = new ConcurrentHashMap<>();

  /**
   * @param merges pairs in rank order (rank 0 merges first); both halves and their concatenation must be in {@code vocab}
   * @throws UnknownMergeToken for the first merge whose tokens are not in the vocabulary
   */
  BpeModel(Map<String, Integer> vocab, List<String[]> merges, String unkToken, boolean byteFallback,
      boolean fuseUnk, boolean ignoreMerges) {
    this.vocab = vocab;
    this.merges = new HashMap<>(merges.size() * 2);
    for (int rank = 0; rank < merges.size(); rank++) {
      String[] pair = merges.get(rank);
      Integer left = vocab.get(pair[0]);
      Integer right = vocab.get(pair[1]);
      Integer merged = vocab.get(pair[0] + pair[1]);
      String missing = left == null ? pair[0] : right == null ? pair[1] : merged == null ? pair[0] + pair[1] : null;
      if (missing != null) {
        throw new UnknownMergeToken(rank, "[\"" + pair[0] + "\", \"" + pair[1] + "\"] names the token \""
            + missing + "\", which is not in the vocabulary");
      }
      this.merges.putIfAbsent(key(left, right), new int[] {rank, merged});
    }
    if (unkToken != null && !vocab.containsKey(unkToken)) {
      throw new IllegalArgumentException("the unknown token \"" + unkToken + "\" is not in the vocabulary");
    }
    this.unkId = unkToken == null ? null : vocab.get(unkToken);
    this.byteFallback = byteFallback;
    this.fuseUnk = fuseUnk;
    this.ignoreMerges = ignoreMerges;
  }

  Map<String, Integer> vocab() {
    return vocab;
  }

  /** The ids of one word (the word is already normalized, pre-tokenized and, if byte-level, mapped). */
  int[] encodeWord(String word) {
    if (word.isEmpty()) return new int[0];
    int[] cached = cache.get(word);
    if (cached != null) return cached;
    int[] ids = merge(word);
    if (word.length() <= CACHE_MAX_WORD && cache.size() < CACHE_CAPACITY) cache.put(word, ids);
    return ids;
  }

  private int[] merge(String word) {
    if (ignoreMerges) {
      Integer whole = vocab.get(word);
      if (whole != null) return new int[] {whole};
    }
    // One symbol per character (or per fallback byte); prev/next link the symbols still alive.
    int capacity = word.length() * 4 + 1;
    int[] id = new int[capacity];
    int n = 0;
    boolean lastIsUnk = false;
    for (int i = 0; i < word.length(); ) {
      int cp = word.codePointAt(i);
      String ch = word.substring(i, i + Character.charCount(cp));
      i += ch.length();
      Integer known = vocab.get(ch);
      if (known != null) {
        id[n++] = known;
        lastIsUnk = false;
        continue;
      }
      if (byteFallback) {
        byte[] bytes = ch.getBytes(StandardCharsets.UTF_8);
        int[] pieces = new int[bytes.length];
        boolean all = true;
        for (int b = 0; b < bytes.length && all; b++) {
          Integer piece = vocab.get(String.format("<0x%02X>", bytes[b] & 0xFF));
          if (piece == null) all = false;
          else pieces[b] = piece;
        }
        if (all) {
          for (int piece : pieces) id[n++] = piece;
          lastIsUnk = false;
          continue;
        }
      }
      if (unkId == null) continue;
      if (fuseUnk && lastIsUnk) continue;
      id[n++] = unkId;
      lastIsUnk = true;
    }
    int[] prev = new int[n];
    int[] next = new int[n];
    boolean[] alive = new boolean[n];
    for (int s = 0; s < n; s++) {
      prev[s] = s - 1;
      next[s] = s + 1 < n ? s + 1 : -1;
      alive[s] = true;
    }
    // Queue entries {rank, position, merged id}: lowest rank first, then leftmost.
    PriorityQueue<int[]> queue = new PriorityQueue<>((a, b) -> a[0] != b[0] ? Integer.compare(a[0], b[0])
        : Integer.compare(a[1], b[1]));
    for (int s = 0; s + 1 < n; s++) offer(queue, s, id[s], id[s + 1]);
    while (!queue.isEmpty()) {
      int[] top = queue.poll();
      int pos = top[1];
      if (!alive[pos] || next[pos] < 0) continue;
      int right = next[pos];
      int[] current = merges.get(key(id[pos], id[right]));
      if (current == null || current[1] != top[2]) continue; // stale: a neighbour changed since
      id[pos] = top[2];
      alive[right] = false;
      next[pos] = next[right];
      if (next[pos] >= 0) prev[next[pos]] = pos;
      if (prev[pos] >= 0) offer(queue, prev[pos], id[prev[pos]], id[pos]);
      if (next[pos] >= 0) offer(queue, pos, id[pos], id[next[pos]]);
    }
    int count = 0;
    for (int s = 0; s < n; s++) if (alive[s]) count++;
    int[] out = new int[count];
    for (int s = 0, o = 0; s < n; s++) if (alive[s]) out[o++] = id[s];
    return out;
  }

  private void offer(PriorityQueue<int[]> queue, int position, int left, int right) {
    int[] merge = merges.get(key(left, right));
    if (merge != null) queue.add(new int[] {merge[0], position, merge[1]});
  }

  /** A merge (by its rank, its position in the list) that names a token missing from the vocabulary. */
  static final class UnknownMergeToken extends IllegalArgumentException {
    final int rank;

    UnknownMergeToken(int rank, String message) {
      super(message);
      this.rank = rank;
    }
  }

  private static long key(int left, int right) {
    return ((long) left << 32) | (right & 0xFFFFFFFFL);
  }
}
