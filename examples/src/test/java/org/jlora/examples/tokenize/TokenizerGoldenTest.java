package org.jlora.examples.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every string of the goldens made by {@code make_tokenizer_goldens.py} with Hugging Face's
 * {@code tokenizers}/{@code transformers}: the same ids with and without special tokens, and the same
 * decoded text with and without them, for a GPT-2-style byte-level BPE (read from tokenizer.json and
 * from vocab.json + merges.txt), a SmolLM2/Qwen2-style one with ChatML tokens, and a Llama-style
 * SentencePiece BPE with byte fallback (also in the older Metaspace form), and one with the rarer switches (Lowercase, Digits, a ByteLevel
 * prefix space, ignore_merges, added tokens with lstrip, rstrip, single_word and normalized).
 */
class TokenizerGoldenTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static Path resource(String name) throws Exception {
    return Path.of(TokenizerGoldenTest.class.getResource("/tokenize/" + name).toURI());
  }

  /** (label, tokenizer path, golden file) for every golden case, one row per string. */
  static Stream<Arguments> cases() throws Exception {
    List<Arguments> rows = new ArrayList<>();
    for (String[] kind : new String[][] {
        {"gpt2 tokenizer.json", "gpt2/tokenizer.json", "gpt2"},
        {"gpt2 vocab.json+merges.txt", "gpt2/vocab.json", "gpt2"},
        {"chatml", "chatml", "chatml"},
        {"llama", "llama", "llama"},
        {"llama-metaspace", "llama-metaspace", "llama-metaspace"},
        {"variants", "variants", "variants"}}) {
      Tokenizer tokenizer = Tokenizers.load(resource(kind[1]));
      JsonNode golden = JSON.readTree(Files.readString(resource(kind[2] + "/golden.json")));
      int i = 0;
      for (JsonNode c : golden.get("cases")) rows.add(Arguments.of(kind[0] + " #" + i++, tokenizer, c));
    }
    return rows.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void idsAndDecodedTextMatchHuggingFace(String label, Tokenizer tokenizer, JsonNode golden) {
    String text = golden.get("text").textValue();
    int[] ids = tokenizer.encode(text, false);
    int[] idsSpecial = tokenizer.encode(text, true);
    assertArrayEquals(ints(golden.get("ids")), ids, () -> "ids of " + show(text));
    assertArrayEquals(ints(golden.get("ids_special")), idsSpecial, () -> "ids with special tokens of " + show(text));
    assertEquals(golden.get("decoded").textValue(), tokenizer.decode(idsSpecial, false), () -> "decode of " + show(text));
    assertEquals(golden.get("decoded_skip").textValue(), tokenizer.decode(idsSpecial, true),
        () -> "decode without special tokens of " + show(text));
  }

  @Test
  void vocabularySizesMatchHuggingFace() throws Exception {
    for (String kind : List.of("gpt2", "chatml", "llama", "llama-metaspace", "variants")) {
      JsonNode golden = JSON.readTree(Files.readString(resource(kind + "/golden.json")));
      assertEquals(golden.get("vocab_size").intValue(), Tokenizers.load(resource(kind)).vocabSize(), kind);
    }
  }

  @Test
  void aModelDirectoryPrefersTokenizerJsonAndReadsTheConfig() throws Exception {
    Tokenizer llama = Tokenizers.load(resource("llama"));
    assertInstanceOf(HfTokenizer.class, llama);
    assertEquals(1, llama.bosId().orElseThrow());
    assertEquals(2, llama.eosId().orElseThrow());
    assertEquals("<s>", llama.token(1));
    Tokenizer chatml = Tokenizers.load(resource("chatml"));
    assertEquals("<|im_end|>", chatml.token(chatml.eosId().orElseThrow()));
  }

  static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) out[i] = array.get(i).intValue();
    return out;
  }

  static String show(String text) {
    return JSON.valueToTree(text).toString();
  }
}
