package org.jlora.examples.tokenize;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import org.jlora.lora.io.AtomicFiles;

/**
 * llama2.c's {@code tokenizer.bin}, encoded and decoded exactly as its {@code run.c} does.
 *
 * <p>The file: int32 {@code max_token_length}, then for each token float32 score, int32 byte length,
 * the bytes (little-endian). Ids 0, 1, 2 are unknown, BOS and EOS; 3..258 are the byte pieces
 * {@code <0x00>}..{@code <0xFF>}; the rest are SentencePiece pieces with {@code ▁} already turned
 * back into a space, scored so that an earlier merge scores higher.
 *
 * <p>Encoding: a dummy-prefix space before non-empty text, each code point looked up (its UTF-8
 * bytes as byte pieces, id = byte + 3, when it is not a piece), then, while any adjacent pair
 * concatenates to a piece, merge the pair whose piece scores highest (the leftmost on ties).
 *
 * <p>run.c rescans all pairs after each merge, O(n²) for n characters: hours for a book-length
 * training text. This class keeps the candidate pairs in a priority queue ordered as run.c chooses
 * (highest score, then leftmost), so it makes the same merges in the same order in O(n log n); the
 * test compares it with a literal transcription of run.c's loop.
 */
public final class Llama2cTokenizer implements Tokenizer {
  static final int UNK = 0;
  static final int BOS = 1;
  static final int EOS = 2;
  private static final int BYTE_OFFSET = 3;

  private final String[] pieces;
  private final float[] scores;
  private final Map<String, Integer> idOfPiece = new HashMap<>();
  /** (left id, right id) packed in a long -> the id of their concatenation, or -1. */
  private final Map<Long, Integer> mergeCache = new ConcurrentHashMap<>();

  private Llama2cTokenizer(String[] pieces, float[] scores) {
    this.pieces = pieces;
    this.scores = scores;
    for (int id = 0; id < pieces.length; id++) idOfPiece.putIfAbsent(pieces[id], id);
  }

  /** Reads a llama2.c tokenizer file; a short or malformed file is a one-line error naming it. */
  public static Llama2cTokenizer load(Path file) throws IOException {
    if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no llama2.c tokenizer file here");
    ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    if (in.remaining() < 4) throw new TokenizerFileException(file, "too short for a llama2.c tokenizer (no max_token_length)");
    int maxTokenLength = in.getInt();
    List<String> pieces = new ArrayList<>();
    List<Float> scores = new ArrayList<>();
    var utf8 = StandardCharsets.UTF_8.newDecoder();
    while (in.hasRemaining()) {
      int id = pieces.size();
      if (in.remaining() < 8) throw new TokenizerFileException(file, "token " + id + " is cut off; not a llama2.c tokenizer.bin (or a truncated one)");
      float score = in.getFloat();
      int length = in.getInt();
      if (length < 0 || length > in.remaining() || length > Math.max(maxTokenLength, 16)) {
        throw new TokenizerFileException(file, "token " + id + " claims " + length + " bytes; not a llama2.c tokenizer.bin (or a truncated one)");
      }
      byte[] bytes = new byte[length];
      in.get(bytes);
      try {
        pieces.add(utf8.decode(ByteBuffer.wrap(bytes)).toString());
      } catch (CharacterCodingException e) {
        throw new TokenizerFileException(file, "token " + id + " is not UTF-8 text; not a llama2.c tokenizer.bin");
      }
      scores.add(score);
    }
    if (pieces.size() < BYTE_OFFSET + 256) {
      throw new TokenizerFileException(file, "has " + pieces.size() + " tokens, fewer than the 259 (unk, BOS, EOS, 256 bytes) of a llama2.c tokenizer");
    }
    if (!pieces.contains(" ")) {   // encode starts every text with it (run.c would look up id -1)
      throw new TokenizerFileException(file, "has no \" \" piece, which llama2.c's encoder puts before every text;"
          + " not a llama2.c tokenizer.bin (or a corrupted one)");
    }
    float[] s = new float[scores.size()];
    for (int i = 0; i < s.length; i++) s[i] = scores.get(i);
    return new Llama2cTokenizer(pieces.toArray(String[]::new), s);
  }

  @Override
  public int vocabSize() {
    return pieces.length;
  }

  @Override
  public int[] encode(String text, boolean addSpecialTokens) {
    int[] symbols = initialSymbols(text);
    int n = symbols.length;
    // The symbols still alive form a linked list; candidate merges wait in a queue, best first.
    int[] prev = new int[n];
    int[] next = new int[n];
    boolean[] alive = new boolean[n];
    for (int s = 0; s < n; s++) {
      prev[s] = s - 1;
      next[s] = s + 1 < n ? s + 1 : -1;
      alive[s] = true;
    }
    // Entries {position of the left symbol, merged id}: the highest-scoring piece first, then the leftmost.
    PriorityQueue<int[]> queue = new PriorityQueue<>((a, b) -> scores[a[1]] != scores[b[1]]
        ? Float.compare(scores[b[1]], scores[a[1]]) : Integer.compare(a[0], b[0]));
    for (int s = 0; s + 1 < n; s++) offer(queue, s, symbols[s], symbols[s + 1]);
    while (!queue.isEmpty()) {
      int[] top = queue.poll();
      int pos = top[0];
      if (!alive[pos] || next[pos] < 0 || mergedId(symbols[pos], symbols[next[pos]]) != top[1]) continue; // stale
      int right = next[pos];
      symbols[pos] = top[1];
      alive[right] = false;
      next[pos] = next[right];
      if (next[pos] >= 0) prev[next[pos]] = pos;
      if (prev[pos] >= 0) offer(queue, prev[pos], symbols[prev[pos]], symbols[pos]);
      if (next[pos] >= 0) offer(queue, pos, symbols[pos], symbols[next[pos]]);
    }
    int count = addSpecialTokens ? 1 : 0;
    for (int s = 0; s < n; s++) if (alive[s]) count++;
    int[] ids = new int[count];
    int o = 0;
    if (addSpecialTokens) ids[o++] = BOS;
    for (int s = 0; s < n; s++) if (alive[s]) ids[o++] = symbols[s];
    return ids;
  }

  /**
   * run.c's starting point: the dummy-prefix space (for non-empty text), then one id per code point,
   * or the code point's UTF-8 bytes as byte pieces when it is not a piece.
   */
  int[] initialSymbols(String text) {
    if (text.isEmpty()) return new int[0];
    int[] ids = new int[1 + 4 * text.length()];
    int n = 0;
    ids[n++] = idOfPiece.get(" "); // " Once" is a piece; "Once" at the start of the text is not
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      String ch = text.substring(i, i + Character.charCount(cp));
      i += ch.length();
      Integer id = idOfPiece.get(ch);
      if (id != null) ids[n++] = id;
      else for (byte b : ch.getBytes(StandardCharsets.UTF_8)) ids[n++] = (b & 0xFF) + BYTE_OFFSET;
    }
    return Arrays.copyOf(ids, n);
  }

  /** The id of the piece spelled by {@code left}'s and {@code right}'s pieces together, or -1. */
  int mergedId(int left, int right) {
    long key = ((long) left << 32) | right;
    Integer cached = mergeCache.get(key);
    if (cached != null) return cached;
    int merged = idOfPiece.getOrDefault(pieces[left] + pieces[right], -1);
    mergeCache.put(key, merged);
    return merged;
  }

  private void offer(PriorityQueue<int[]> queue, int position, int left, int right) {
    int merged = mergedId(left, right);
    if (merged >= 0) queue.add(new int[] {position, merged});
  }

  /** As run.c: byte pieces become their byte, and a piece's leading space is dropped right after BOS. */
  @Override
  public String decode(int[] ids, boolean skipSpecialTokens) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int previous = -1;
    for (int i = 0; i < ids.length; i++) {
      int id = ids[i];
      if (id < 0 || id >= pieces.length) {
        throw new IllegalArgumentException("decode: id " + id + " at position " + i + " is not in the vocabulary of " + pieces.length + " ids");
      }
      String piece = pieces[id];
      boolean special = id == UNK || id == BOS || id == EOS;
      if (!(skipSpecialTokens && special)) {
        if (previous == BOS && piece.startsWith(" ")) piece = piece.substring(1);
        int b = Decoder.byteOf(piece);
        if (b >= 0) bytes.write(b);
        else bytes.writeBytes(piece.getBytes(StandardCharsets.UTF_8));
      }
      previous = id;
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Override
  public String token(int id) {
    return id >= 0 && id < pieces.length ? pieces[id] : null;
  }

  /** The piece's score (higher merges first). */
  public float score(int id) {
    return scores[id];
  }

  @Override
  public OptionalInt bosId() {
    return OptionalInt.of(BOS);
  }

  @Override
  public OptionalInt eosId() {
    return OptionalInt.of(EOS);
  }

  /**
   * Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir}: the same
   * tokenizer as a Llama-style SentencePiece BPE, so that a llama2.c model exported as a Hugging Face
   * directory can be tokenized by transformers (and by {@link HfTokenizer}) with the same ids.
   *
   * <p>Spaces become {@code ▁}; ids 0, 1, 2 become {@code <unk>}, {@code <s>}, {@code </s>}. The
   * merges are what transformers' {@code SentencePieceExtractor} derives from a vocabulary with
   * scores: every split of a piece into two pieces, ordered by the whole piece's score (highest
   * first; a piece's own splits by left then right id). Merging by that rank is merging by the
   * highest score, as run.c does, because no two merged pieces of a llama2.c vocabulary share a score.
   */
  public void writeHfTokenizerJson(Path dir) throws IOException {
    ObjectMapper json = new ObjectMapper();
    String[] hfPieces = new String[pieces.length];
    Map<String, Integer> hfIds = new HashMap<>();
    for (int id = 0; id < pieces.length; id++) {
      hfPieces[id] = switch (id) {
        case UNK -> "<unk>";
        case BOS -> "<s>";
        case EOS -> "</s>";
        default -> pieces[id].replace(' ', '\u2581');
      };
      if (hfIds.putIfAbsent(hfPieces[id], id) != null) {
        throw new IllegalStateException("piece \"" + hfPieces[id] + "\" appears twice (ids " + hfIds.get(hfPieces[id]) + " and " + id + ")");
      }
    }
    record Merge(int left, int right, float score) {}
    List<Merge> merges = new ArrayList<>();
    for (int id = BYTE_OFFSET; id < pieces.length; id++) {
      String piece = hfPieces[id];
      List<Merge> local = new ArrayList<>();
      for (int cut = piece.offsetByCodePoints(0, 1); cut < piece.length(); cut = piece.offsetByCodePoints(cut, 1)) {
        Integer left = hfIds.get(piece.substring(0, cut));
        Integer right = hfIds.get(piece.substring(cut));
        if (left != null && right != null && left >= BYTE_OFFSET && right >= BYTE_OFFSET) local.add(new Merge(left, right, scores[id]));
      }
      local.sort(Comparator.comparingInt(Merge::left).thenComparingInt(Merge::right));
      merges.addAll(local);
    }
    merges.sort(Comparator.comparingDouble((Merge m) -> m.score()).reversed()); // stable: ties keep vocab order

    ObjectNode root = json.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (int id = 0; id < BYTE_OFFSET; id++) {
      added.addObject().put("id", id).put("content", hfPieces[id]).put("single_word", false).put("lstrip", false)
          .put("rstrip", false).put("normalized", false).put("special", true);
    }
    ObjectNode normalizer = root.putObject("normalizer").put("type", "Sequence");
    ArrayNode normalizers = normalizer.putArray("normalizers");
    normalizers.addObject().put("type", "Prepend").put("prepend", "\u2581");
    ObjectNode replace = normalizers.addObject().put("type", "Replace");
    replace.putObject("pattern").put("String", " ");
    replace.put("content", "\u2581");
    root.putNull("pre_tokenizer");
    ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
    post.putArray("single").addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
    ((ArrayNode) post.get("single")).addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    ArrayNode pair = post.putArray("pair");
    pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 1);
    pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
    ObjectNode bos = post.putObject("special_tokens").putObject("<s>").put("id", "<s>");
    bos.putArray("ids").add(BOS);
    bos.putArray("tokens").add("<s>");
    ObjectNode decoder = root.putObject("decoder").put("type", "Sequence");
    ArrayNode decoders = decoder.putArray("decoders");
    ObjectNode unspace = decoders.addObject().put("type", "Replace");
    unspace.putObject("pattern").put("String", "\u2581");
    unspace.put("content", " ");
    decoders.addObject().put("type", "ByteFallback");
    decoders.addObject().put("type", "Fuse");
    decoders.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
    ObjectNode model = root.putObject("model").put("type", "BPE");
    model.putNull("dropout");
    model.put("unk_token", "<unk>");
    model.putNull("continuing_subword_prefix");
    model.putNull("end_of_word_suffix");
    model.put("fuse_unk", true).put("byte_fallback", true).put("ignore_merges", false);
    ObjectNode vocab = model.putObject("vocab");
    for (int id = 0; id < hfPieces.length; id++) vocab.put(hfPieces[id], id);
    ArrayNode mergeList = model.putArray("merges");
    for (Merge m : merges) mergeList.addArray().add(hfPieces[m.left()]).add(hfPieces[m.right()]);

    ObjectNode config = json.createObjectNode();
    config.put("tokenizer_class", "PreTrainedTokenizerFast");
    config.put("bos_token", "<s>").put("eos_token", "</s>").put("unk_token", "<unk>");
    config.put("add_bos_token", true).put("add_eos_token", false).put("clean_up_tokenization_spaces", false);

    Files.createDirectories(dir);
    AtomicFiles.writeString(dir.resolve("tokenizer.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    AtomicFiles.writeString(dir.resolve("tokenizer_config.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(config) + "\n");
  }
}
