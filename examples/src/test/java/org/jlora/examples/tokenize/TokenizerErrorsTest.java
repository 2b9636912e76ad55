package org.jlora.examples.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files jlora cannot read or must refuse: each is a one-line message that names the file and the JSON
 * key, says what jlora reads instead, and names no Java class. An unsupported component is never
 * skipped, since skipping it would tokenize wrongly without a word.
 */
class TokenizerErrorsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  /** The Llama golden tokenizer.json, edited, written to the temporary directory; the error of loading it. */
  private IOException loadEdited(String base, Consumer<ObjectNode> edit) throws Exception {
    ObjectNode root = (ObjectNode) JSON.readTree(Files.readString(TokenizerGoldenTest.resource(base + "/tokenizer.json")));
    edit.accept(root);
    Files.writeString(dir.resolve("tokenizer.json"), JSON.writeValueAsString(root));
    return assertThrows(IOException.class, () -> Tokenizers.load(dir));
  }

  private void assertOneLineNaming(IOException e, String... parts) {
    String message = e.getMessage();
    assertFalse(message.contains("\n"), message);
    assertTrue(message.contains(dir.resolve("tokenizer.json").toString()) || message.contains(dir.toString()), message);
    for (String part : parts) assertTrue(message.contains(part), () -> "'" + part + "' not in: " + message);
    assertFalse(message.matches(".*\\b(java|com|org)\\.[a-z]+\\..*"), message);
    assertFalse(message.contains("Exception"), message);
  }

  @Test
  void unigramAndWordPieceModelsAreRefusedByName() throws Exception {
    for (String type : new String[] {"Unigram", "WordPiece", "WordLevel"}) {
      IOException e = loadEdited("llama", root -> ((ObjectNode) root.get("model")).put("type", type));
      assertEquals(dir.resolve("tokenizer.json") + ": unsupported tokenizer model type '" + type
          + "' at key 'model.type'; jlora reads BPE tokenizers", e.getMessage());
    }
  }

  @Test
  void anUnsupportedPreTokenizerInsideASequenceIsRefusedWithItsKey() throws Exception {
    IOException e = loadEdited("chatml", root -> ((ObjectNode) root.get("pre_tokenizer").get("pretokenizers").get(0)).put("type", "Whitespace"));
    assertOneLineNaming(e, "'Whitespace'", "pre_tokenizer.pretokenizers[0].type", "ByteLevel");
  }

  @Test
  void unsupportedNormalizerDecoderAndPostProcessorAreRefused() throws Exception {
    assertOneLineNaming(loadEdited("llama", root -> ((ObjectNode) root.get("normalizer").get("normalizers").get(1)).put("type", "Precompiled")),
        "'Precompiled'", "normalizer.normalizers[1].type");
    assertOneLineNaming(loadEdited("gpt2", root -> root.putObject("normalizer").put("type", "BertNormalizer")),
        "'BertNormalizer'", "normalizer.type");
    assertOneLineNaming(loadEdited("gpt2", root -> ((ObjectNode) root.get("decoder")).put("type", "WordPiece")),
        "'WordPiece'", "decoder.type");
    assertOneLineNaming(loadEdited("gpt2", root -> ((ObjectNode) root.get("post_processor")).put("type", "RobertaProcessing")),
        "'RobertaProcessing'", "post_processor.type");
  }

  @Test
  void aMergeNamingAnUnknownTokenIsRefused() throws Exception {
    IOException e = loadEdited("llama", root -> ((ArrayNode) root.get("model").get("merges")).addArray().add("\u2581qzx").add("e"));
    assertOneLineNaming(e, "model.merges[", "\u2581qzx", "not in the vocabulary");
  }

  @Test
  void dropoutAndSplitInversionAndOnigurumaOnlyEscapesAreRefused() throws Exception {
    assertOneLineNaming(loadEdited("gpt2", root -> ((ObjectNode) root.get("model")).put("dropout", 0.1)), "model.dropout");
    assertOneLineNaming(loadEdited("chatml", root -> ((ObjectNode) root.get("pre_tokenizer").get("pretokenizers").get(0)).put("invert", true)),
        "pre_tokenizer.pretokenizers[0].invert");
    assertOneLineNaming(loadEdited("chatml", root -> ((ObjectNode) root.get("pre_tokenizer").get("pretokenizers").get(0).get("pattern")).put("Regex", "\\h+")),
        "pre_tokenizer.pretokenizers[0].pattern.Regex", "hexadecimal");
  }

  @Test
  void malformedJsonNamesTheFileAndTheLine() throws Exception {
    Files.writeString(dir.resolve("tokenizer.json"), "{\n  \"model\": {\"type\": \"BPE\",\n}");
    IOException e = assertThrows(IOException.class, () -> Tokenizers.load(dir));
    assertOneLineNaming(e, "not valid JSON", "line 3");
  }

  @Test
  void missingFilesAndEmptyDirectoriesSayWhatJloraReads() throws Exception {
    IOException missing = assertThrows(NoSuchFileException.class, () -> Tokenizers.load(dir.resolve("nothing-here")));
    assertTrue(missing.getMessage().contains("nothing-here"), missing.getMessage());
    IOException empty = assertThrows(TokenizerFileException.class, () -> Tokenizers.load(dir));
    assertOneLineNaming(empty, "tokenizer.json", "vocab.json + merges.txt", "tokenizer.bin");
    Files.writeString(dir.resolve("tokenizer.model"), "not read");
    IOException sentencePiece = assertThrows(TokenizerFileException.class, () -> Tokenizers.load(dir));
    assertOneLineNaming(sentencePiece, "tokenizer.model", "save_pretrained");
  }

  @Test
  void aTruncatedLlama2cFileIsRefused() throws Exception {
    Path tok512 = Llama2cTokenizerTest.TOK512;
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(tok512), "no " + tok512.toAbsolutePath().normalize());
    byte[] bytes = Files.readAllBytes(tok512);
    Path cut = dir.resolve("tokenizer.bin");
    Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 3));
    IOException e = assertThrows(TokenizerFileException.class, () -> Tokenizers.load(dir));
    assertOneLineNaming(e, "tokenizer.bin", "truncated");
  }

  @Test
  void aLlama2cFileWithoutTheSpacePieceIsRefused() throws Exception {
    // found by the corruption property: one flipped byte turned " " into "!", and encode threw a NullPointerException
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    out.write(b.putInt(0, 8).array(), 0, 4);
    for (int id = 0; id < 260; id++) {
      byte[] piece = (id < 3 ? "<" + id + ">" : id < 259 ? String.format("<0x%02X>", id - 3) : "!").getBytes(java.nio.charset.StandardCharsets.UTF_8);
      out.write(b.putFloat(0, 0f).putInt(4, piece.length).array(), 0, 8);
      out.write(piece);
    }
    Files.write(dir.resolve("tokenizer.bin"), out.toByteArray());
    IOException e = assertThrows(TokenizerFileException.class, () -> Tokenizers.load(dir));
    assertOneLineNaming(e, "tokenizer.bin", "no \" \" piece");
  }

  @Test
  void gpt2MergesWithAnUnknownTokenAreRefused() throws Exception {
    Path gpt2 = TokenizerGoldenTest.resource("gpt2");
    Files.copy(gpt2.resolve("vocab.json"), dir.resolve("vocab.json"));
    Files.writeString(dir.resolve("merges.txt"), Files.readString(gpt2.resolve("merges.txt")) + "qq zz\n");
    IOException e = assertThrows(TokenizerFileException.class, () -> Tokenizers.load(dir));
    assertOneLineNaming(e, "merges.txt", "\"qq\"", "not in the vocabulary");
  }
}
