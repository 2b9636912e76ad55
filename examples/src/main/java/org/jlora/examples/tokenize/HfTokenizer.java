package org.jlora.examples.tokenize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A Hugging Face BPE tokenizer: the pipeline of {@code tokenizer.json} run in its order.
 *
 * <ol>
 *   <li>added tokens with {@code normalized: false} are cut out of the raw text ({@link AddedTokens});
 *   <li>each stretch between them is normalized ({@link Normalizer}), and added tokens with
 *       {@code normalized: true} are cut out of the result;
 *   <li>each remaining stretch is pre-tokenized into words ({@link PreTokenizer});
 *   <li>each word is byte-pair encoded ({@link BpeModel});
 *   <li>with special tokens, the post-processor's ids go around the result ({@link PostProcessor}).
 * </ol>
 *
 * Decoding maps ids to token strings (added tokens by their content), drops special ones if asked,
 * and runs the {@link Decoder} chain. The file's {@code truncation} and {@code padding} are not
 * applied, as transformers does not apply them unless a call asks for them. {@code tokenizer_config.json}, when present beside the file,
 * names the BOS/EOS tokens, says whether to add BOS/EOS when there is no post-processor
 * ({@code add_bos_token}), and whether to apply transformers' {@code clean_up_tokenization_spaces}.
 */
public final class HfTokenizer implements Tokenizer {
  private final BpeModel model;
  private final Normalizer normalizer;
  private final PreTokenizer preTokenizer;
  private final Decoder decoder;
  private final AddedTokens rawAddedTokens;
  private final AddedTokens normalizedAddedTokens;
  private final PostProcessor postProcessor;
  private final String[] tokenOfId;
  private final Set<Integer> specialIds;
  private final OptionalInt bosId;
  private final OptionalInt eosId;
  private final boolean cleanUpSpaces;

  private HfTokenizer(BpeModel model, Normalizer normalizer, PreTokenizer preTokenizer, Decoder decoder,
      List<AddedTokens.AddedToken> added, PostProcessor postProcessor, OptionalInt bosId, OptionalInt eosId,
      boolean cleanUpSpaces) {
    this.model = model;
    this.normalizer = normalizer;
    this.preTokenizer = preTokenizer;
    this.decoder = decoder;
    this.rawAddedTokens = new AddedTokens(added.stream().filter(t -> !t.normalized()).toList());
    this.normalizedAddedTokens = new AddedTokens(added.stream().filter(AddedTokens.AddedToken::normalized).toList());
    this.postProcessor = postProcessor;
    int size = 0;
    for (int id : model.vocab().values()) size = Math.max(size, id + 1);
    for (AddedTokens.AddedToken t : added) size = Math.max(size, t.id() + 1);
    this.tokenOfId = new String[size];
    model.vocab().forEach((token, id) -> tokenOfId[id] = token);
    this.specialIds = new HashSet<>();
    for (AddedTokens.AddedToken t : added) {
      tokenOfId[t.id()] = t.content();
      if (t.special()) specialIds.add(t.id());
    }
    this.bosId = bosId;
    this.eosId = eosId;
    this.cleanUpSpaces = cleanUpSpaces;
  }

  /**
   * Reads {@code tokenizer.json} (and {@code tokenizer_config.json} beside it, if there is one).
   *
   * @throws TokenizerFileException for malformed JSON or a component jlora does not implement (the
   *     message names the file and the key)
   */
  public static HfTokenizer fromTokenizerJson(Path tokenizerJson) throws IOException {
    JsonSpec root = JsonSpec.read(tokenizerJson);
    Path configFile = tokenizerJson.resolveSibling("tokenizer_config.json");
    JsonSpec config = Files.isRegularFile(configFile) ? JsonSpec.read(configFile) : null;

    JsonSpec modelSpec = root.get("model");
    if (modelSpec.isMissing()) throw modelSpec.fail("missing; a tokenizer.json has a \"model\" object");
    String type = modelSpec.text("type", modelSpec.node().has("merges") ? "BPE" : "?");
    if (!type.equals("BPE")) {
      throw new TokenizerFileException(tokenizerJson, "unsupported tokenizer model type '" + type
          + "' at key 'model.type'; jlora reads BPE tokenizers");
    }
    if (!modelSpec.get("dropout").isMissing() && modelSpec.get("dropout").node().asDouble() != 0) {
      throw modelSpec.get("dropout").fail("BPE dropout makes tokenization random; jlora reads dropout: null");
    }
    for (String affix : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
      if (!modelSpec.text(affix, "").isEmpty()) {
        throw modelSpec.get(affix).fail("word affixes are not supported; jlora reads BPE tokenizers without " + affix);
      }
    }
    Map<String, Integer> vocab = readVocab(modelSpec.get("vocab"));
    List<String[]> merges = readMerges(modelSpec.get("merges"));
    BpeModel model;
    try {
      model = new BpeModel(vocab, merges, modelSpec.text("unk_token", null), modelSpec.bool("byte_fallback", false),
          modelSpec.bool("fuse_unk", false), modelSpec.bool("ignore_merges", false));
    } catch (BpeModel.UnknownMergeToken e) {
      throw modelSpec.get("merges").at(e.rank).fail(e.getMessage());
    } catch (IllegalArgumentException e) {
      throw modelSpec.get("unk_token").fail(e.getMessage());
    }

    List<AddedTokens.AddedToken> added = new ArrayList<>();
    JsonSpec addedSpec = root.get("added_tokens");
    if (!addedSpec.isMissing()) addedSpec.requireArray();
    for (int i = 0; i < addedSpec.node().size(); i++) {
      JsonSpec t = addedSpec.at(i);
      int id = t.integer("id", -1);
      if (id < 0) throw t.get("id").fail("expected a non-negative integer id");
      added.add(new AddedTokens.AddedToken(id, t.text("content"), t.bool("special", false),
          t.bool("normalized", !t.bool("special", false)), t.bool("lstrip", false), t.bool("rstrip", false),
          t.bool("single_word", false)));
    }

    PostProcessor post = PostProcessor.fromJson(root.get("post_processor"));
    OptionalInt bos = OptionalInt.empty();
    OptionalInt eos = OptionalInt.empty();
    boolean cleanUp = false;
    if (config != null) {
      bos = specialTokenId(config, "bos_token", vocab, added);
      eos = specialTokenId(config, "eos_token", vocab, added);
      cleanUp = config.bool("clean_up_tokenization_spaces", false);
      if (post == null) {
        // No post-processor: transformers' Llama tokenizers add BOS/EOS from these two flags.
        int[] before = config.bool("add_bos_token", false) && bos.isPresent() ? new int[] {bos.getAsInt()} : new int[0];
        int[] after = config.bool("add_eos_token", false) && eos.isPresent() ? new int[] {eos.getAsInt()} : new int[0];
        post = new PostProcessor(before, after);
      }
    }
    return new HfTokenizer(model, Normalizer.fromJson(root.get("normalizer")),
        PreTokenizer.fromJson(root.get("pre_tokenizer")), Decoder.fromJson(root.get("decoder")), added,
        post == null ? PostProcessor.NONE : post, bos, eos, cleanUp);
  }

  /**
   * GPT-2's own files: {@code vocab.json} (token -> id) and {@code merges.txt} (a {@code #version}
   * line, then one "left right" pair a line, in rank order). The pipeline is GPT-2's: ByteLevel with
   * its word pattern and no prefix space, and {@code <|endoftext|>} as the one added (special) token,
   * which is also BOS and EOS.
   */
  public static HfTokenizer fromGpt2Files(Path vocabJson, Path mergesTxt) throws IOException {
    JsonSpec root = JsonSpec.read(vocabJson);
    Map<String, Integer> vocab = readVocab(root);
    if (!Files.isRegularFile(mergesTxt)) throw new NoSuchFileException(mergesTxt.toString(), null, "no merges file beside vocab.json");
    List<String[]> merges = new ArrayList<>();
    List<String> lines = Files.readAllLines(mergesTxt);
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n);
      if ((n == 0 && line.startsWith("#version")) || line.isEmpty()) continue;
      String[] pair = line.split(" ", -1);
      if (pair.length != 2) {
        throw new TokenizerFileException(mergesTxt, "line " + (n + 1) + ": expected two tokens separated by one space, found \"" + line + "\"");
      }
      merges.add(pair);
    }
    BpeModel model;
    try {
      model = new BpeModel(vocab, merges, null, false, false, false);
    } catch (BpeModel.UnknownMergeToken e) {
      throw new TokenizerFileException(mergesTxt, "merge " + (e.rank + 1) + " " + e.getMessage());
    }
    String eot = "<|endoftext|>";
    List<AddedTokens.AddedToken> added = new ArrayList<>();
    OptionalInt eotId = OptionalInt.empty();
    if (vocab.containsKey(eot)) {
      added.add(new AddedTokens.AddedToken(vocab.get(eot), eot, true, false, false, false, false));
      eotId = OptionalInt.of(vocab.get(eot));
    }
    return new HfTokenizer(model, null, PreTokenizer.byteLevel(false, true, root), Decoder::byteLevel, added,
        PostProcessor.NONE, eotId, eotId, false);
  }

  private static Map<String, Integer> readVocab(JsonSpec spec) throws TokenizerFileException {
    if (!spec.node().isObject()) throw spec.fail("expected an object of token -> id, found " + JsonSpec.describe(spec.node()));
    Map<String, Integer> vocab = new LinkedHashMap<>(spec.node().size() * 2);
    for (var entry : spec.node().properties()) {
      if (!entry.getValue().isInt() || entry.getValue().intValue() < 0) {
        throw spec.get(entry.getKey()).fail("expected a non-negative integer id, found " + entry.getValue());
      }
      vocab.put(entry.getKey(), entry.getValue().intValue());
    }
    return vocab;
  }

  /** Merges as "left right" strings (older files) or [left, right] arrays (tokens may hold spaces). */
  private static List<String[]> readMerges(JsonSpec spec) throws TokenizerFileException {
    List<String[]> merges = new ArrayList<>();
    spec.requireArray();
    for (int i = 0; i < spec.node().size(); i++) {
      JsonSpec merge = spec.at(i);
      var node = merge.node();
      if (node.isTextual()) {
        String[] pair = node.textValue().split(" ", -1);
        if (pair.length != 2) throw merge.fail("expected \"left right\" with one space, found \"" + node.textValue() + "\"");
        merges.add(pair);
      } else if (node.isArray() && node.size() == 2 && node.get(0).isTextual() && node.get(1).isTextual()) {
        merges.add(new String[] {node.get(0).textValue(), node.get(1).textValue()});
      } else {
        throw merge.fail("expected \"left right\" or [\"left\", \"right\"], found " + JsonSpec.describe(node));
      }
    }
    return merges;
  }

  /** The id of tokenizer_config.json's {@code bos_token}/{@code eos_token} (a string or {"content": ...}). */
  private static OptionalInt specialTokenId(JsonSpec config, String key, Map<String, Integer> vocab,
      List<AddedTokens.AddedToken> added) throws TokenizerFileException {
    JsonSpec spec = config.get(key);
    if (spec.isMissing()) return OptionalInt.empty();
    String content = spec.node().isTextual() ? spec.node().textValue() : spec.text("content");
    for (AddedTokens.AddedToken t : added) if (t.content().equals(content)) return OptionalInt.of(t.id());
    Integer id = vocab.get(content);
    if (id == null) throw spec.fail("names \"" + content + "\", which is neither an added token nor in the vocabulary");
    return OptionalInt.of(id);
  }

  @Override
  public int vocabSize() {
    return tokenOfId.length;
  }

  @Override
  public int[] encode(String text, boolean addSpecialTokens) {
    IntList ids = new IntList();
    if (addSpecialTokens) ids.addAll(postProcessor.before());
    for (AddedTokens.Segment raw : rawAddedTokens.split(text, 0)) {
      if (raw.isToken()) {
        ids.add(raw.id());
        continue;
      }
      String normalized = normalizer == null ? raw.text() : normalizer.normalize(raw.text());
      for (AddedTokens.Segment piece : normalizedAddedTokens.split(normalized, raw.start())) {
        if (piece.isToken()) {
          ids.add(piece.id());
          continue;
        }
        boolean atTextStart = piece.start() == 0;
        List<String> words = preTokenizer == null ? List.of(piece.text()) : preTokenizer.split(piece.text(), atTextStart);
        for (String word : words) ids.addAll(model.encodeWord(word));
      }
    }
    if (addSpecialTokens) ids.addAll(postProcessor.after());
    return ids.toArray();
  }

  @Override
  public String decode(int[] ids, boolean skipSpecialTokens) {
    List<String> tokens = new ArrayList<>(ids.length);
    for (int i = 0; i < ids.length; i++) {
      int id = ids[i];
      if (id < 0 || id >= tokenOfId.length || tokenOfId[id] == null) {
        throw new IllegalArgumentException("decode: id " + id + " at position " + i + " is not in the vocabulary of "
            + tokenOfId.length + " ids");
      }
      if (skipSpecialTokens && specialIds.contains(id)) continue;
      tokens.add(tokenOfId[id]);
    }
    String text = decoder == null ? String.join(" ", tokens) : String.join("", decoder.decodeChain(tokens));
    return cleanUpSpaces ? cleanUpTokenizationSpaces(text) : text;
  }

  /** transformers' {@code clean_up_tokenization}: no space before punctuation and English contractions. */
  static String cleanUpTokenizationSpaces(String text) {
    return text.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",").replace(" ' ", "'")
        .replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s").replace(" 've", "'ve").replace(" 're", "'re");
  }

  @Override
  public String token(int id) {
    return id >= 0 && id < tokenOfId.length ? tokenOfId[id] : null;
  }

  @Override
  public OptionalInt bosId() {
    return bosId;
  }

  @Override
  public OptionalInt eosId() {
    return eosId;
  }

  /** Whether {@code id} is a special added token (left out by {@code decode(ids, true)}). */
  public boolean isSpecial(int id) {
    return specialIds.contains(id);
  }

  /** A growable int array, so encoding does not box every id. */
  private static final class IntList {
    private int[] items = new int[16];
    private int size;

    void add(int value) {
      if (size == items.length) items = Arrays.copyOf(items, size * 2);
      items[size++] = value;
    }

    void addAll(int[] values) {
      for (int v : values) add(v);
    }

    int[] toArray() {
      return Arrays.copyOf(items, size);
    }
  }
}
