package org.jlora.examples.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Chat templates rendered by jlora equal transformers' {@code apply_chat_template(tokenize=False)}
 * (golden {@code tokenize/chat_goldens.json}) for a SmolLM2-like ChatML template and a Llama-2-like
 * {@code [INST]} template.
 */
class ChatTemplateTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static Stream<Arguments> goldens() throws Exception {
    JsonNode all = JSON.readTree(Files.readString(TokenizerGoldenTest.resource("chat_goldens.json")));
    List<Arguments> rows = new ArrayList<>();
    for (String model : List.of("chatml", "llama")) {
      ChatTemplate template = ChatTemplate.fromModelDirectory(TokenizerGoldenTest.resource(model));
      int i = 0;
      for (JsonNode c : all.get(model)) rows.add(Arguments.of(model + " #" + i++, template, c));
    }
    return rows.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("goldens")
  void rendersAsTransformersDoes(String label, ChatTemplate template, JsonNode golden) {
    List<ChatTemplate.Message> messages = new ArrayList<>();
    for (JsonNode m : golden.get("messages")) messages.add(new ChatTemplate.Message(m.get("role").textValue(), m.get("content").textValue()));
    assertEquals(golden.get("text").textValue(), template.render(messages, golden.get("add_generation_prompt").booleanValue()));
  }

  @Test
  void raiseExceptionBecomesAClearError() throws Exception {
    ChatTemplate llama = ChatTemplate.fromModelDirectory(TokenizerGoldenTest.resource("llama"));
    var e = assertThrows(IllegalArgumentException.class, () -> llama.render(List.of(
        new ChatTemplate.Message("user", "a"), new ChatTemplate.Message("user", "b")), false));
    assertTrue(e.getMessage().contains("Conversation roles must alternate user/assistant/user/assistant/..."), e.getMessage());
  }

  @Test
  void supportsLoopVariablesAndNamespaces() {
    ChatTemplate t = new ChatTemplate("{% set ns = namespace(n=0) %}{% for m in messages %}"
        + "{% set ns.n = ns.n + 1 %}{% if loop.first %}[{% endif %}{{ m.role }}:{{ m.content.strip() }}"
        + "{% if not loop.last %},{% else %}]{% endif %}{% endfor %}{{ ns.n }}", "<s>", "</s>");
    assertEquals("[user:hi,assistant:yo]2", t.render(List.of(new ChatTemplate.Message("user", " hi "),
        new ChatTemplate.Message("assistant", "yo\n")), false));
  }
}
