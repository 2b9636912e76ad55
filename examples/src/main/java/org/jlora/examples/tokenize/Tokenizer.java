package org.jlora.examples.tokenize;

import java.util.OptionalInt;

/**
 * Text to token ids and back. Implementations: Hugging Face {@code tokenizer.json} (byte-level BPE
 * as GPT-2, SmolLM2 and Qwen2 use it; SentencePiece-style BPE with byte fallback as Llama 2 and
 * TinyLlama use it), GPT-2's {@code vocab.json} + {@code merges.txt}, and llama2.c's
 * {@code tokenizer.bin}.
 */
public interface Tokenizer {
  /** Number of ids (the largest id + 1, added tokens included). */
  int vocabSize();

  /**
   * {@code text} as ids. With {@code addSpecialTokens}, what the Hugging Face tokenizer adds by
   * default (BOS for Llama when {@code add_bos_token}; nothing for GPT-2), so that
   * {@code encode(s, true)} equals {@code AutoTokenizer.from_pretrained(dir)(s)["input_ids"]}.
   */
  int[] encode(String text, boolean addSpecialTokens);

  /** Ids back to text; special tokens (BOS, EOS, pad) are left out when {@code skipSpecialTokens}. */
  String decode(int[] ids, boolean skipSpecialTokens);

  /** The token's string as the vocabulary spells it (for inspection), or null for an unknown id. */
  String token(int id);

  /** Beginning-of-sequence id, when the tokenizer has one. */
  OptionalInt bosId();

  /** End-of-sequence id, when the tokenizer has one. */
  OptionalInt eosId();
}
