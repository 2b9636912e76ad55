package org.jlora.lora.fuzz;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The corruption property's inputs: every truncation of a valid file, and single-byte flips of it
 * at every position (files under {@value #ALL_POSITIONS_BELOW} bytes) or at
 * {@value #SAMPLED_POSITIONS} seeded positions. Each position is flipped twice: its lowest bit
 * (a digit becomes a neighbouring digit, a quote a '#': near misses that may still parse) and a
 * seeded random non-zero mask (anything, often bytes that are not UTF-8). Deterministic, so a
 * failure names a variant that fails again.
 */
public final class Corruptions {
  public static final int ALL_POSITIONS_BELOW = 4096;
  public static final int SAMPLED_POSITIONS = 500;
  /** Far more than all variants of a small file take; a parser that hangs trips it. */
  public static final Duration LIMIT = Duration.ofSeconds(60);

  private Corruptions() {}

  /** One corrupted copy of the file and how it was made, for failure messages. */
  public record Variant(String what, byte[] bytes) {}

  /** What to check of one variant. */
  @FunctionalInterface
  public interface Check {
    void accept(Variant v) throws Exception;
  }

  /** The file cut to each length from 0 to one byte short of whole. */
  public static List<Variant> truncations(byte[] valid) {
    List<Variant> out = new ArrayList<>();
    for (int n = 0; n < valid.length; n++) out.add(new Variant("truncated to " + n + " bytes", java.util.Arrays.copyOf(valid, n)));
    return out;
  }

  /** Single-byte flips at every position of a small file, or at seeded positions of a large one. */
  public static List<Variant> flips(byte[] valid, long seed) {
    Random rng = new Random(seed);
    List<Variant> out = new ArrayList<>();
    int count = valid.length < ALL_POSITIONS_BELOW ? valid.length : SAMPLED_POSITIONS;
    for (int i = 0; i < count; i++) {
      int at = valid.length < ALL_POSITIONS_BELOW ? i : rng.nextInt(valid.length);
      for (int mask : new int[] {1, 1 + rng.nextInt(255)}) {
        byte[] b = valid.clone();
        b[at] ^= (byte) mask;
        out.add(new Variant("byte " + at + " xor 0x" + Integer.toHexString(mask), b));
      }
    }
    return out;
  }

  /** Runs {@code check} on every variant within {@link #LIMIT}; a failure names the variant. */
  public static void checkAll(List<Variant> variants, Check check) {
    assertTimeoutPreemptively(LIMIT, () -> {
      for (Variant v : variants) {
        try {
          check.accept(v);
        } catch (Throwable e) {   // OutOfMemoryError and StackOverflowError too, named by their variant
          throw new AssertionError(v.what() + ": " + e.getMessage(), e);
        }
      }
    });
  }
}
