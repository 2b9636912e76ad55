/**
 * Tokenizers of real models, in pure Java: text to the ids a pretrained model was trained on, and back.
 *
 * <p>Start at {@link org.jlora.examples.tokenize.Tokenizers#load}, which looks in a model directory
 * for {@code tokenizer.json}, GPT-2's {@code vocab.json} + {@code merges.txt}, or llama2.c's
 * {@code tokenizer.bin}. The map:
 * <ul>
 *   <li>{@link org.jlora.examples.tokenize.HfTokenizer}: a Hugging Face BPE {@code tokenizer.json}
 *       run stage by stage: {@code AddedTokens} (special tokens found first), {@code Normalizer},
 *       {@code PreTokenizer} (with {@code OnigurumaRegex} for the split patterns and
 *       {@code ByteLevelAlphabet} for GPT-2's bytes-as-characters), {@code BpeModel} (the merges),
 *       {@code PostProcessor} (BOS/EOS), and {@code Decoder} on the way back;
 *   <li>{@link org.jlora.examples.tokenize.Llama2cTokenizer}: llama2.c's format and its run.c
 *       algorithm, and a converter to an equivalent {@code tokenizer.json};
 *   <li>{@link org.jlora.examples.tokenize.ChatTemplate}: the Jinja chat template of
 *       {@code tokenizer_config.json}.
 * </ul>
 * Anything a file asks for that is not implemented is refused with a one-line
 * {@link org.jlora.examples.tokenize.TokenizerFileException} naming the file and the JSON key; it is
 * never skipped, since a skipped component tokenizes wrongly without a word. The tests compare every
 * result with ids and text made by the real {@code tokenizers}/{@code transformers}
 * ({@code examples/src/test/python/make_tokenizer_goldens.py}).
 */
package org.jlora.examples.tokenize;
