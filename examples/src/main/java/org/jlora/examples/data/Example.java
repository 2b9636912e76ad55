package org.jlora.examples.data;

/**
 * One task instance: the model reads {@code prompt} and should continue with exactly
 * {@code answer}. For the generated tasks the prompt ends with '=' and the answer with '\n',
 * e.g. {@code ("rev:abcd=", "dcba\n")}.
 */
public record Example(String prompt, String answer) {
  public Example {
    if (prompt == null || answer == null) throw new IllegalArgumentException("Example: prompt and answer must not be null");
    if (prompt.isEmpty()) throw new IllegalArgumentException("Example: the prompt is empty");
    if (answer.isEmpty()) throw new IllegalArgumentException("Example: the answer is empty (prompt " + prompt + ")");
  }

  /** prompt + answer: the line the model is trained on. */
  public String text() {
    return prompt + answer;
  }
}
