package org.jlora.examples.tokenize;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's {@code bytes_to_unicode} table: each of the 256 byte values stands for one printable
 * character, so that byte-level BPE can treat any UTF-8 text as a string of visible characters
 * (a space becomes {@code Ġ}, a newline {@code Ċ}). The printable Latin-1 bytes stand for
 * themselves; the other 68 are shifted to U+0100 onwards, in byte order.
 */
final class ByteLevelAlphabet {
  private static final char[] CHAR_OF_BYTE = new char[256];
  /** byteOfChar[c] = the byte that char c stands for, or -1; chars go up to U+0143. */
  private static final int[] BYTE_OF_CHAR = new int[0x144];

  static {
    java.util.Arrays.fill(BYTE_OF_CHAR, -1);
    int shifted = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      char c = printable ? (char) b : (char) (256 + shifted++);
      CHAR_OF_BYTE[b] = c;
      BYTE_OF_CHAR[c] = b;
    }
  }

  private ByteLevelAlphabet() {}

  /** The character that byte {@code b} (0..255) stands for. */
  static char charOf(int b) {
    return CHAR_OF_BYTE[b];
  }

  /** The UTF-8 bytes of {@code text}, each written as its stand-in character. */
  static String encode(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    char[] chars = new char[bytes.length];
    for (int i = 0; i < bytes.length; i++) chars[i] = CHAR_OF_BYTE[bytes[i] & 0xFF];
    return new String(chars);
  }

  /**
   * Appends the bytes that {@code token}'s characters stand for. As Hugging Face's ByteLevel decoder
   * does, a token with a character outside the table (an added token such as "{@code <|im_end|>}" in
   * another alphabet) contributes its own UTF-8 bytes instead.
   */
  static void appendBytes(String token, ByteArrayOutputStream out) {
    byte[] bytes = new byte[token.length()];
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      int b = c < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[c] : -1;
      if (b < 0) {
        out.writeBytes(token.getBytes(StandardCharsets.UTF_8));
        return;
      }
      bytes[i] = (byte) b;
    }
    out.writeBytes(bytes);
  }
}
