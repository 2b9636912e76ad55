package org.jlora.examples.data;

import java.util.List;
import java.util.function.UnaryOperator;
import org.jlora.engine.Rng;

/**
 * The built-in generated tasks: one line per example, {@code name:word=answer\n}, where the word
 * is 3 to 8 random lowercase letters.
 *
 * <pre>
 * cpy:hello=hello      copy                                      family "base" (pretraining)
 * rev:hello=olleh      reverse                                   family "base"
 * rol:hello=elloh      rotate left by one (the first letter last)  family "adapt"
 * swp:hello=ehllo      swap adjacent pairs (an odd last letter stays)
 * rot:hello=ifmmp      shift each letter by one (z wraps to a)
 * srt:hello=ehllo      sort the letters
 * </pre>
 *
 * <p>The families are built for the LoRA demo: a GPT pretrained on "base" learns the line format
 * and how to fetch the letter at a position through attention; "adapt" asks for a new positional
 * rearrangement of the same letters, which a low-rank update of the attention's query and value
 * projections can express (the paper's setting: the skill is there, LoRA re-routes it). A new
 * per-letter mapping such as "rot" is much harder for LoRA on q and v alone. Every task uses the
 * same {@link #ALPHABET}, so one tokenizer serves pretraining and adaptation.
 *
 * <p>Calibration of the earlier "rot" adaptation (a PyTorch twin of the demo GPT: 4 layers, 128 dims, 4 heads, 0.82M parameters,
 * batch 16 x block 128, AdamW, answer-only loss, greedy exact match on 200 held-out words):
 * pretraining on "base" at lr 1e-3 reaches 0.5-0.9 exact match on cpy and rev after 400-600 steps;
 * then 400 steps on "adapt" reach 0.96 on rot with full fine-tuning (lr 5e-4) and 0.84 with LoRA
 * r = 8 on q and v (lr 5e-3; 0.43 at lr 2e-3). Both forget cpy and rev while adapted (0.00): the
 * LoRA model gets them back by dropping its adapter, the fully fine-tuned one cannot.
 *
 * <p>About one word in {@value #HELD_OUT_ONE_IN} (chosen by a fixed hash of the word) is held
 * out: {@link Task#sample} never produces it and {@link Task#sampleHeldOut} produces only such
 * words, so exact-match accuracy is measured on inputs the model has never seen in any task.
 */
public final class Tasks {
  /** Every character a task line can contain, in ascending order (= the tokenizer's ids). */
  public static final String ALPHABET = "\n:=abcdefghijklmnopqrstuvwxyz";
  /** Shortest and longest word. */
  public static final int MIN_LETTERS = 3;
  public static final int MAX_LETTERS = 8;
  /** One word in this many is held out for evaluation. */
  public static final int HELD_OUT_ONE_IN = 10;
  /** The longest line any built-in task produces, "rev:" + word + "=" + answer + "\n". */
  public static final int MAX_LINE_LENGTH = 4 + MAX_LETTERS + 1 + MAX_LETTERS + 1;

  private static final CharTokenizer TOKENIZER = CharTokenizer.of(ALPHABET);

  private static final Task COPY = new WordTask("cpy", word -> word);
  private static final Task REVERSE = new WordTask("rev", word -> new StringBuilder(word).reverse().toString());
  private static final Task ROTATE_LEFT = new WordTask("rol", Tasks::rotateLeft);
  private static final Task SWAP_PAIRS = new WordTask("swp", Tasks::swapPairs);
  private static final Task SHIFT = new WordTask("rot", Tasks::shiftByOne);
  private static final Task SORT = new WordTask("srt", Tasks::sortLetters);
  private static final Task BASE = new Mixture("base", List.of(COPY, REVERSE));
  private static final Task ADAPT = new Mixture("adapt", List.of(ROTATE_LEFT));

  private static final List<Task> ALL = List.of(BASE, ADAPT, COPY, REVERSE, ROTATE_LEFT, SWAP_PAIRS, SHIFT, SORT);

  private Tasks() {}

  /** The tokenizer of {@link #ALPHABET}. */
  public static CharTokenizer tokenizer() {
    return TOKENIZER;
  }

  /** The task or family called {@code name}: "base", "adapt", or a single task of {@link #names()}. */
  public static Task family(String name) {
    for (Task task : ALL) {
      if (task.name().equals(name)) return task;
    }
    throw new IllegalArgumentException("Tasks.family: unknown task \"" + name + "\"; known: " + names());
  }

  /** Every name {@link #family} accepts, families first. */
  public static List<String> names() {
    return ALL.stream().map(Task::name).toList();
  }

  /** Whether {@code word} belongs to the evaluation split (a fixed hash, the same on every JVM). */
  public static boolean isHeldOut(String word) {
    long h = 0;
    for (int i = 0; i < word.length(); i++) h = mix(h + word.charAt(i));
    return Long.remainderUnsigned(h, HELD_OUT_ONE_IN) == 0;
  }

  /** A random word of MIN_LETTERS..MAX_LETTERS lowercase letters from the split asked for. */
  static String randomWord(Rng rng, boolean heldOut) {
    while (true) {
      int length = MIN_LETTERS + rng.nextInt(MAX_LETTERS - MIN_LETTERS + 1);
      char[] letters = new char[length];
      for (int i = 0; i < length; i++) letters[i] = (char) ('a' + rng.nextInt(26));
      String word = new String(letters);
      if (isHeldOut(word) == heldOut) return word;
    }
  }

  /** A mixture of {@code parts} called {@code name}: each example from one part, chosen uniformly. */
  public static Task mixture(String name, List<Task> parts) {
    if (parts.isEmpty()) throw new IllegalArgumentException("Tasks.mixture: \"" + name + "\" has no parts");
    return new Mixture(name, List.copyOf(parts));
  }

  /** abcd -> bcda: the first letter moves to the end. */
  static String rotateLeft(String word) {
    return word.substring(1) + word.charAt(0);
  }

  /** abcde -> badce: letters 0,1 swap, then 2,3, ...; an odd last letter stays. */
  static String swapPairs(String word) {
    char[] letters = word.toCharArray();
    for (int i = 0; i + 1 < letters.length; i += 2) {
      char first = letters[i];
      letters[i] = letters[i + 1];
      letters[i + 1] = first;
    }
    return new String(letters);
  }

  private static String shiftByOne(String word) {
    char[] letters = word.toCharArray();
    for (int i = 0; i < letters.length; i++) letters[i] = (char) ('a' + (letters[i] - 'a' + 1) % 26);
    return new String(letters);
  }

  private static String sortLetters(String word) {
    char[] letters = word.toCharArray();
    java.util.Arrays.sort(letters);
    return new String(letters);
  }

  /** The SplitMix64 finaliser: every input bit affects every output bit. */
  private static long mix(long z) {
    z += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** "name:word=" -> "answer\n". */
  private record WordTask(String name, UnaryOperator<String> answerOf) implements Task {
    @Override
    public Example sample(Rng rng) {
      return example(randomWord(rng, false));
    }

    @Override
    public Example sampleHeldOut(Rng rng) {
      return example(randomWord(rng, true));
    }

    private Example example(String word) {
      return new Example(name + ":" + word + "=", answerOf.apply(word) + "\n");
    }
  }

  /** Each example from one of the parts, chosen uniformly. */
  private record Mixture(String name, List<Task> parts) implements Task {
    @Override
    public Example sample(Rng rng) {
      return parts.get(rng.nextInt(parts.size())).sample(rng);
    }

    @Override
    public Example sampleHeldOut(Rng rng) {
      return parts.get(rng.nextInt(parts.size())).sampleHeldOut(rng);
    }
  }
}
