package org.jlora.examples.dataset;

import java.util.OptionalInt;
import org.jlora.examples.tokenize.Tokenizer;

/**
 * A character tokenizer for tests: id = character + 10, BOS 1 and EOS 2 (either can be absent),
 * {@code encode(s, true)} adds the BOS as a Llama tokenizer does. Simple enough that a test can
 * say by hand which ids an example has.
 */
final class FakeTokenizer implements Tokenizer {
  static final int BOS = 1;
  static final int EOS = 2;
  static final int OFFSET = 10;

  private final boolean hasBos;
  private final boolean hasEos;

  FakeTokenizer(boolean hasBos, boolean hasEos) {
    this.hasBos = hasBos;
    this.hasEos = hasEos;
  }

  /** BOS and EOS, like Llama's tokenizer. */
  FakeTokenizer() {
    this(true, true);
  }

  static int id(char c) {
    return c + OFFSET;
  }

  @Override
  public int vocabSize() {
    return 128 + OFFSET;
  }

  @Override
  public int[] encode(String text, boolean addSpecialTokens) {
    int bos = addSpecialTokens && hasBos ? 1 : 0;
    int[] ids = new int[bos + text.length()];
    if (bos == 1) ids[0] = BOS;
    for (int i = 0; i < text.length(); i++) ids[bos + i] = id(text.charAt(i));
    return ids;
  }

  @Override
  public String decode(int[] ids, boolean skipSpecialTokens) {
    StringBuilder s = new StringBuilder();
    for (int id : ids) {
      if (id >= OFFSET) s.append((char) (id - OFFSET));
      else if (!skipSpecialTokens) s.append(id == BOS ? "<s>" : id == EOS ? "</s>" : "<?>");
    }
    return s.toString();
  }

  @Override
  public String token(int id) {
    return decode(new int[] {id}, false);
  }

  @Override
  public OptionalInt bosId() {
    return hasBos ? OptionalInt.of(BOS) : OptionalInt.empty();
  }

  @Override
  public OptionalInt eosId() {
    return hasEos ? OptionalInt.of(EOS) : OptionalInt.empty();
  }
}
