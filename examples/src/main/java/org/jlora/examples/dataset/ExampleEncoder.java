package org.jlora.examples.dataset;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jlora.examples.tokenize.Tokenizer;

/**
 * Records to token ids with a loss mask, the way Hugging Face's TRL ({@code SFTTrainer}) builds them:
 * <ul>
 *   <li>text: {@code encode(text, true)} (BOS where the tokenizer adds one) and the EOS, every
 *       token scored, so the model also learns where a document ends;
 *   <li>prompt/completion: the prompt with special tokens, then the completion without, then the
 *       EOS; only the completion and the EOS scored;
 *   <li>messages: rendered by the model's chat template and tokenized without special tokens (a
 *       template writes its own BOS); only the assistant turns scored. An assistant turn's tokens
 *       are those between the rendering of the conversation before it, with the generation
 *       prompt, and the rendering that includes it: so the end-of-turn marker the template writes
 *       after the reply is scored (the model learns to stop) and the role header is not.
 * </ul>
 */
public final class ExampleEncoder {
  private final Tokenizer tokenizer;
  private final ChatRenderer chat;   // null for a model without a chat template

  /** {@code chat} may be null when the model has no chat template; conversations are then refused. */
  public ExampleEncoder(Tokenizer tokenizer, ChatRenderer chat) {
    this.tokenizer = tokenizer;
    this.chat = chat;
  }

  public List<TokenizedExample> encodeAll(List<? extends DataRecord> records) throws DataFileException {
    List<TokenizedExample> examples = new ArrayList<>(records.size());
    for (DataRecord record : records) examples.add(encode(record));
    return examples;
  }

  public TokenizedExample encode(DataRecord record) throws DataFileException {
    try {
      return switch (record) {
        case DataRecord.Text t -> text(t);
        case DataRecord.PromptCompletion pc -> promptCompletion(pc);
        case DataRecord.Conversation c -> conversation(c);
      };
    } catch (IllegalArgumentException e) {
      // a tokenizer that cannot encode the text (the toy model's characters, say): name the record
      throw new DataFileException(record.file(), record.line(), "the model's tokenizer or chat template refused this"
          + " record: " + e.getMessage().replaceFirst("^\\w+(\\.\\w+)?: ", ""));
    }
  }

  private TokenizedExample text(DataRecord.Text record) {
    return TokenizedExample.allScored(withEos(tokenizer.encode(record.text(), true)));
  }

  private TokenizedExample promptCompletion(DataRecord.PromptCompletion record) {
    int[] prompt = tokenizer.encode(record.prompt(), true);
    int[] completion = withEos(tokenizer.encode(record.completion(), false));
    int[] ids = Arrays.copyOf(prompt, prompt.length + completion.length);
    System.arraycopy(completion, 0, ids, prompt.length, completion.length);
    boolean[] scored = new boolean[ids.length];
    Arrays.fill(scored, prompt.length, ids.length, true);
    return new TokenizedExample(ids, scored);
  }

  private TokenizedExample conversation(DataRecord.Conversation record) throws DataFileException {
    if (chat == null) {
      throw new DataFileException(record.file(), record.line(), "a \"messages\" record needs the model's chat template, "
          + "and this model has none (its tokenizer_config.json has no chat_template); use {\"text\": ...} or "
          + "{\"prompt\": ..., \"completion\": ...} records instead");
    }
    List<ChatMessage> messages = record.messages();
    int[] full = tokenizer.encode(chat.render(messages, false), false);
    boolean[] scored = new boolean[full.length];
    for (int i = 0; i < messages.size(); i++) {
      if (!messages.get(i).isAssistant()) continue;
      int[] before = tokenizer.encode(chat.render(messages.subList(0, i), true), false);
      int[] through = tokenizer.encode(chat.render(messages.subList(0, i + 1), false), false);
      requirePrefix(record, before, through, "the conversation before assistant message " + (i + 1)
          + " (with the generation prompt)", "the conversation through it");
      requirePrefix(record, through, full, "the conversation through assistant message " + (i + 1), "the whole conversation");
      Arrays.fill(scored, before.length, through.length, true);
    }
    return new TokenizedExample(full, scored);
  }

  /**
   * The assistant's span is found by comparing token prefixes, which works only when rendering more
   * of a conversation appends to the text (and its tokens) rather than rewriting it. A template that
   * changes earlier turns (dropping a system prompt once a reply exists, say) cannot be masked so.
   */
  private static void requirePrefix(DataRecord record, int[] prefix, int[] whole, String prefixName, String wholeName)
      throws DataFileException {
    boolean isPrefix = prefix.length <= whole.length && Arrays.equals(prefix, 0, prefix.length, whole, 0, prefix.length);
    if (!isPrefix) {
      throw new DataFileException(record.file(), record.line(), "cannot find which tokens are the assistant's: the chat "
          + "template's tokens for " + prefixName + " are not a prefix of its tokens for " + wholeName
          + "; this template rewrites earlier turns, so use {\"prompt\": ..., \"completion\": ...} records instead");
    }
  }

  private int[] withEos(int[] ids) {
    if (tokenizer.eosId().isEmpty()) return ids;
    int[] withEos = Arrays.copyOf(ids, ids.length + 1);
    withEos[ids.length] = tokenizer.eosId().getAsInt();
    return withEos;
  }
}
