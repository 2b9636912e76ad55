package org.jlora.examples.tokenize;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's chat template: the Jinja program in {@code tokenizer_config.json}'s {@code chat_template}
 * that lays a conversation out as the text the model was trained on (ChatML's
 * {@code <|im_start|>user\n...<|im_end|>}, Llama 2's {@code <s>[INST] ... [/INST]}).
 *
 * <p>Rendered with Jinjava, configured as transformers configures Jinja2 for chat templates:
 * {@code trim_blocks} and {@code lstrip_blocks} on (a block tag's own line break and indentation
 * vanish), and a {@code raise_exception(message)} function that aborts rendering with the template's
 * message. The variables are {@code messages} (a list of {role, content} maps),
 * {@code add_generation_prompt}, {@code bos_token} and {@code eos_token}. Python string methods
 * such as {@code .strip()} work where Java's {@code String} has a method of that name and meaning.
 */
public final class ChatTemplate {
  /** One turn of a conversation: a role ("system", "user", "assistant") and its text. */
  public record Message(String role, String content) {}

  private final String template;
  private final String bosToken;
  private final String eosToken;
  private final Jinjava jinjava;

  public ChatTemplate(String template, String bosToken, String eosToken) {
    this.template = template;
    this.bosToken = bosToken == null ? "" : bosToken;
    this.eosToken = eosToken == null ? "" : eosToken;
    this.jinjava = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).build());
    jinjava.registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", String.class));
  }

  /**
   * The chat template of a model directory: {@code chat_template} of {@code tokenizer_config.json}
   * (a string, or a list of named templates of which "default" is used), else a
   * {@code chat_template.jinja} file beside it; BOS/EOS strings from the same config.
   */
  public static ChatTemplate fromModelDirectory(Path dir) throws IOException {
    JsonSpec config = JsonSpec.read(dir.resolve("tokenizer_config.json"));
    JsonSpec spec = config.get("chat_template");
    String template;
    if (spec.node().isTextual()) {
      template = spec.node().textValue();
    } else if (spec.node().isArray()) {
      template = null;
      for (int i = 0; i < spec.node().size(); i++) {
        if ("default".equals(spec.at(i).text("name", null))) template = spec.at(i).text("template");
      }
      if (template == null) throw spec.fail("a list of named templates without one named \"default\"");
    } else if (Files.isRegularFile(dir.resolve("chat_template.jinja"))) {
      template = Files.readString(dir.resolve("chat_template.jinja"));
    } else {
      throw spec.fail("missing; this model has no chat template (give one, or format prompts yourself)");
    }
    return new ChatTemplate(template, tokenText(config, "bos_token"), tokenText(config, "eos_token"));
  }

  private static String tokenText(JsonSpec config, String key) throws TokenizerFileException {
    JsonSpec spec = config.get(key);
    if (spec.isMissing()) return "";
    return spec.node().isTextual() ? spec.node().textValue() : spec.text("content");
  }

  /**
   * The conversation as the model's prompt text; with {@code addGenerationPrompt}, followed by what
   * opens the assistant's next turn (where the template has such a thing).
   *
   * @throws IllegalArgumentException with the template's own message when it calls
   *     {@code raise_exception} (for instance roles that do not alternate), or when the template is
   *     not valid Jinja
   */
  public String render(List<Message> messages, boolean addGenerationPrompt) {
    List<Map<String, Object>> turns = new ArrayList<>();
    for (Message m : messages) {
      Map<String, Object> turn = new LinkedHashMap<>();
      turn.put("role", m.role());
      turn.put("content", m.content());
      turns.add(turn);
    }
    Map<String, Object> variables = new HashMap<>();
    variables.put("messages", turns);
    variables.put("add_generation_prompt", addGenerationPrompt);
    variables.put("bos_token", bosToken);
    variables.put("eos_token", eosToken);
    RenderResult result = jinjava.renderForResult(template, variables);
    for (TemplateError error : result.getErrors()) {
      String raised = raisedMessage(error.getException());
      if (raised != null) throw new IllegalArgumentException("the chat template refused these messages: " + raised);
    }
    for (TemplateError error : result.getErrors()) {
      if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new IllegalArgumentException("the chat template could not be rendered: " + error.getMessage()
            + (error.getLineno() > 0 ? " (line " + error.getLineno() + ")" : ""));
      }
    }
    return result.getOutput();
  }

  /** The template's {@code raise_exception(message)}. */
  public static String raiseException(String message) {
    throw new RaisedByTemplate(message);
  }

  private static String raisedMessage(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) if (t instanceof RaisedByTemplate r) return r.getMessage();
    return null;
  }

  /** Thrown inside Jinjava by {@code raise_exception}; turned into an IllegalArgumentException by {@link #render}. */
  private static final class RaisedByTemplate extends RuntimeException {
    RaisedByTemplate(String message) {
      super(message, null, false, false);
    }
  }
}
