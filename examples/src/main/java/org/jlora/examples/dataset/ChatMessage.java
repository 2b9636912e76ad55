package org.jlora.examples.dataset;

import java.util.Set;

/** One turn of a conversation, as the {@code messages} of a JSONL record and a chat template see it. */
public record ChatMessage(String role, String content) {
  /** The roles a record may use (OpenAI's and Hugging Face's chat format). */
  public static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");

  /** The role whose tokens training scores. */
  public static final String ASSISTANT = "assistant";

  public ChatMessage {
    if (role == null || content == null) throw new IllegalArgumentException("a chat message needs a role and a content");
  }

  public boolean isAssistant() {
    return ASSISTANT.equals(role);
  }
}
