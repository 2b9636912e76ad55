package org.jlora.examples.dataset;

import java.util.List;

/**
 * A conversation as the text a model was trained to read: its chat template (Hugging Face's
 * {@code apply_chat_template(messages, tokenize=False, add_generation_prompt=...)}). With
 * {@code addGenerationPrompt}, the text ends with the opening of an assistant turn, so what the
 * model writes next is the assistant's reply.
 */
@FunctionalInterface
public interface ChatRenderer {
  String render(List<ChatMessage> messages, boolean addGenerationPrompt);
}
