package org.jlora.lora;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.autograd.nn.Embedding;
import org.jlora.autograd.nn.Module;

/**
 * Which embeddings a config's {@code trainable_token_indices} means, by module name.
 *
 * <ul>
 *   <li>As a list: the model's input embedding. PEFT asks the model ({@code get_input_embeddings},
 *       else {@code embed_tokens}); jlora's modules have no such method, so it takes the one embedding
 *       whose name ends with one of {@link #INPUT_EMBEDDING_NAMES} (Llama's {@code embed_tokens},
 *       GPT-2's {@code wte}, ...), and otherwise asks for the dict form.
 *   <li>As a dict {name: ids}: every embedding whose name equals {@code name} or ends with
 *       {@code "." + name}; a name that matches none is an error.
 * </ul>
 * A tied output head needs no entry: it multiplies by the embedding's table, which carries the rows.
 */
final class TrainableTokensTargets {
  /** Names of input token embeddings in the model families jlora knows, tried in this order. */
  static final List<String> INPUT_EMBEDDING_NAMES = List.of("embed_tokens", "wte", "word_embeddings", "tok_embeddings");

  private TrainableTokensTargets() {}

  /** Module name to token ids; empty when the config trains no rows. */
  static Map<String, List<Integer>> resolve(Module model, LoraConfig cfg) {
    Map<String, List<Integer>> out = new LinkedHashMap<>();
    if (!cfg.hasTrainableTokens()) return out;
    Map<String, Module> modules = model.namedModules();
    if (cfg.trainableTokenIndices() != null) {
      for (String suffix : INPUT_EMBEDDING_NAMES) {
        List<String> found = embeddingsNamed(modules, suffix);
        if (found.size() == 1) {
          requireRows(found.get(0), modules.get(found.get(0)), cfg.trainableTokenIndices());
          out.put(found.get(0), cfg.trainableTokenIndices());
          return out;
        }
        if (found.size() > 1) {
          throw new IllegalArgumentException("trainable_token_indices: several input embeddings " + found
              + "; give them as {module name: token ids}");
        }
      }
      throw new IllegalArgumentException("trainable_token_indices: no input embedding named one of "
          + INPUT_EMBEDDING_NAMES + "; give it as {module name: token ids}. Modules: "
          + String.join(", ", ModuleSuggestions.closest(model, "embed_tokens")));
    }
    cfg.trainableTokens().forEach((name, ids) -> {
      List<String> found = embeddingsNamed(modules, name);
      if (found.isEmpty()) {
        Module m = modules.entrySet().stream().filter(e -> ModuleMatcher.suffixMatches(e.getKey(), name))
            .map(Map.Entry::getValue).findFirst().orElse(null);
        throw new IllegalArgumentException("trainable_token_indices['" + name + "']: " + (m == null
            ? "no module has that name; modules: " + String.join(", ", ModuleSuggestions.closest(model, name))
            : "the module is a " + m.getClass().getSimpleName() + "; jlora trains rows of Embedding modules only"));
      }
      for (String f : found) {
        requireRows(f, modules.get(f), ids);
        out.put(f, ids);
      }
    });
    return out;
  }

  /** Refuses ids outside the table or named twice, naming the module; before anything is replaced. */
  private static void requireRows(String name, Module m, List<Integer> ids) {
    int vocab = ((Embedding) m).numEmbeddings();
    for (Integer i : ids) {
      if (i >= vocab) {
        throw new IllegalArgumentException("trainable_token_indices " + ids + " for '" + name + "': the table has "
            + vocab + " rows");
      }
    }
    if (new java.util.HashSet<>(ids).size() != ids.size()) {
      // PEFT would keep the last copy of a repeated row and train the others for nothing
      throw new IllegalArgumentException("trainable_token_indices " + ids + " for '" + name + "' names a token twice");
    }
  }

  /** Embeddings (plain or already carrying token rows, not LoRA ones) whose name ends with {@code suffix}. */
  private static List<String> embeddingsNamed(Map<String, Module> modules, String suffix) {
    List<String> out = new ArrayList<>();
    modules.forEach((n, m) -> {
      if (m instanceof Embedding && !(m instanceof LoraLayer) && ModuleMatcher.suffixMatches(n, suffix)) out.add(n);
    });
    return out;
  }
}
