package org.jlora.examples.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jlora.engine.Tensor;
import org.jlora.lora.io.SafeTensors;
import org.jlora.lora.io.SafeTensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writing a merged model as a Hugging Face directory: round trip, atomic replacement, refusals. */
class HfDirectoryWriteTest {
  @TempDir Path tmp;

  private static JsonNode config(int hidden) throws IOException {
    return new ObjectMapper().readTree("{\"model_type\": \"llama\", \"hidden_size\": " + hidden + "}");
  }

  private static Map<String, Tensor> tensors(float first) {
    return Map.of("model.norm.weight", Tensor.of(new float[] {first, 2, 3, 4}, 4),
        "lm_head.weight", Tensor.of(new float[] {1, -1, 0.5f, -0.5f, 0, 7}, 3, 2));
  }

  private Path tokenizerJson() throws IOException {
    Path src = Files.createDirectories(tmp.resolve("tok"));
    return Files.writeString(src.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\"}}");
  }

  /** Names in {@code dir}, hidden ones included, sorted. */
  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void writeThenOpenRoundTrips() throws IOException {
    Path out = tmp.resolve("nested/merged");
    HfDirectory.write(out, config(4), tensors(1), List.of(tokenizerJson()));
    assertEquals(List.of("config.json", "model.safetensors", "tokenizer.json"), list(out));
    assertEquals(List.of("merged"), list(out.getParent()), "no temporary directory is left behind");
    try (HfDirectory hf = HfDirectory.open(out)) {
      assertEquals("llama", hf.modelType());
      assertEquals(4, hf.config().get("hidden_size").intValue());
      for (var e : tensors(1).entrySet()) {
        assertArrayEquals(e.getValue().shape(), hf.shape(e.getKey()));
        assertArrayEquals(e.getValue().data(), hf.tensor(e.getKey()).data());
      }
      assertEquals(List.of(out.resolve("tokenizer.json")), hf.tokenizerFiles());
    }
    assertEquals(Files.readString(tokenizerJson()), Files.readString(out.resolve("tokenizer.json")));
    try (SafeTensorsFile f = SafeTensors.open(out.resolve("model.safetensors"))) {
      assertEquals("pt", f.metadata().get("format"), "transformers requires format pt");
    }
  }

  @Test
  void replacesADirectoryItWroteBefore() throws IOException {
    Path out = tmp.resolve("merged");
    HfDirectory.write(out, config(4), tensors(1), List.of(tokenizerJson()));
    HfDirectory.write(out, config(8), tensors(9), List.of());
    assertEquals(List.of("config.json", "model.safetensors"), list(out), "the old tokenizer file went with the old model");
    assertEquals(List.of("merged", "tok"), list(tmp));
    try (HfDirectory hf = HfDirectory.open(out)) {
      assertEquals(8, hf.config().get("hidden_size").intValue());
      assertEquals(9f, hf.tensor("model.norm.weight").data()[0]);
    }
  }

  @Test
  void writesIntoAnEmptyDirectory() throws IOException {
    Path out = Files.createDirectories(tmp.resolve("empty"));
    HfDirectory.write(out, config(4), tensors(1), List.of());
    assertEquals(List.of("config.json", "model.safetensors"), list(out));
  }

  @Test
  void refusesAForeignDirectoryAndLeavesItUntouched() throws IOException {
    // a model transformers saved: the same file names, but not written by jlora
    Path base = Files.createDirectories(tmp.resolve("base"));
    Files.writeString(base.resolve("config.json"), "{\"model_type\": \"llama\"}");
    SafeTensors.write(base.resolve("model.safetensors"), tensors(5), Map.of("format", "pt"));
    byte[] weightsBefore = Files.readAllBytes(base.resolve("model.safetensors"));
    // a directory of the user's own files
    Path notes = Files.createDirectories(tmp.resolve("notes"));
    Files.writeString(notes.resolve("todo.txt"), "keep me");

    for (Path target : List.of(base, notes)) {
      List<String> before = list(target);
      // a foreign model: an IOException (its weights lack jlora's mark); a user's files: refused as not ours
      Exception e = assertThrows(Exception.class, () -> HfDirectory.write(target, config(4), tensors(1), List.of()));
      assertTrue(e instanceof IOException || e instanceof IllegalArgumentException, e.toString());
      assertTrue(e.getMessage().contains("choose an empty or new directory"), e.getMessage());
      assertFalse(e.getMessage().contains("\n"));
      assertEquals(before, list(target));
    }
    assertArrayEquals(weightsBefore, Files.readAllBytes(base.resolve("model.safetensors")));
    assertEquals("keep me", Files.readString(notes.resolve("todo.txt")));
    assertEquals(List.of("base", "notes"), list(tmp), "no temporary directory is left behind");

    Path file = Files.writeString(tmp.resolve("a-file"), "x");
    Exception e = assertThrows(IllegalArgumentException.class, () -> HfDirectory.write(file, config(4), tensors(1), List.of()));
    assertTrue(e.getMessage().contains("is a file"), e.getMessage());
  }

  @Test
  void aFailedWriteLeavesThePreviousModel() throws IOException {
    Path out = tmp.resolve("merged");
    HfDirectory.write(out, config(4), tensors(1), List.of());
    byte[] before = Files.readAllBytes(out.resolve("model.safetensors"));
    Path missing = tmp.resolve("gone/tokenizer.json");
    assertThrows(IOException.class, () -> HfDirectory.write(out, config(8), tensors(9), List.of(missing)));
    assertThrows(IllegalArgumentException.class,
        () -> HfDirectory.write(out, config(8), tensors(9), List.of(tmp.resolve("notes.txt"))));
    // fails midway: config.json is already in the temporary directory when the weights are refused
    Map<String, Tensor> withNull = new HashMap<>(tensors(9));
    withNull.put("model.embed_tokens.weight", null);
    assertThrows(IllegalArgumentException.class, () -> HfDirectory.write(out, config(8), withNull, List.of()));
    assertArrayEquals(before, Files.readAllBytes(out.resolve("model.safetensors")));
    try (HfDirectory hf = HfDirectory.open(out)) {
      assertEquals(4, hf.config().get("hidden_size").intValue());
    }
    assertEquals(List.of("merged"), list(tmp), "no temporary directory is left behind");
  }
}
