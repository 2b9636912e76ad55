package org.jlora.examples.dataset;

import java.util.List;

/**
 * One training example as read from a file, before tokenizing: plain text, a prompt with its
 * completion, or a conversation. Each remembers where it came from, so that an error found later
 * (a chat template that cannot be split, say) can still name the file and line.
 */
public sealed interface DataRecord {
  /** The file the record came from, as messages name it. */
  String file();

  /** The 1-based line the record starts on. */
  int line();

  /** Text to learn in full (a document of a text file, or {@code {"text": ...}}). */
  record Text(String file, int line, String text) implements DataRecord {}

  /** {@code {"prompt": ..., "completion": ...}}: only the completion is learnt. */
  record PromptCompletion(String file, int line, String prompt, String completion) implements DataRecord {}

  /** {@code {"messages": [...]}}: only the assistant's turns are learnt. */
  record Conversation(String file, int line, List<ChatMessage> messages) implements DataRecord {
    public Conversation {
      messages = List.copyOf(messages);
    }
  }
}
