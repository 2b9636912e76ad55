package org.jlora.lora.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Writes a whole directory (an adapter, a checkpoint, an exported model) so that a reader sees the
 * old directory or the complete new one, never a mix, and so that nothing a user put there is lost.
 * (Between the two renames of a swap the target is briefly absent; a reader that finds it so calls
 * {@link #recover}, which moves the complete old directory back.)
 *
 * <ul>
 *   <li>The new content is written into a hidden sibling {@code .<name>.<random>.jlora-tmp}, then
 *       swapped in by renames: the old directory is moved aside, the new one moved in, the old one
 *       deleted. A crash leaves either the old or the new directory at the target (plus at most a
 *       hidden temporary sibling, which the next write removes).</li>
 *   <li>Only what jlora itself writes is ever replaced: an existing target must be a directory whose
 *       entries all belong to the artefact ({@code ownFiles}); a regular file, the current directory
 *       or a directory holding anything else is refused with a message that says what to do.</li>
 * </ul>
 */
public final class AtomicDirectories {
  private static final String TEMP_SUFFIX = ".jlora-tmp";
  private static final String OLD_SUFFIX = ".jlora-old";

  private AtomicDirectories() {}

  /**
   * Replaces (or creates) directory {@code target} with what {@code body} writes into the fresh
   * directory it is handed.
   *
   * @param what the artefact in words ("adapter directory"), for messages
   * @param ownFiles the file names such a directory holds; anything else at the target is the user's
   * @throws IllegalArgumentException when the target holds something that is not such an artefact
   */
  public static void replace(Path target, String what, Set<String> ownFiles, IoConsumer<Path> body) throws IOException {
    Path abs = target.toAbsolutePath().normalize();
    checkReplaceable(target, abs, what, ownFiles);
    Path parent = abs.getParent();
    Files.createDirectories(parent);
    removeStale(parent, abs.getFileName().toString());
    Path fresh = sibling(abs, TEMP_SUFFIX);
    Files.createDirectory(fresh);
    try {
      body.accept(fresh);
      swapIn(abs, fresh);
    } catch (IOException | RuntimeException | Error e) {
      try {
        deleteTree(fresh);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * Refuses a target that is not ours to replace: a file, the working directory (or one above it),
   * a symbolic link, or a directory with entries other than {@code ownFiles}.
   */
  public static void checkReplaceable(Path target, Path abs, String what, Set<String> ownFiles) throws IOException {
    Path cwd = Path.of("").toAbsolutePath().normalize();
    if (abs.getParent() == null || cwd.startsWith(abs)) {
      throw new IllegalArgumentException(target + " is the current directory or one above it; name a new "
          + what + " inside it instead (e.g. " + Path.of(target.toString(), "out") + ")");
    }
    if (Files.isSymbolicLink(abs)) {
      throw new IllegalArgumentException(target + " is a symbolic link; jlora does not replace links: choose a new path");
    }
    if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) return;
    if (!Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) {
      throw new IllegalArgumentException(target + " is a file, not a " + what + "; jlora will not replace it: choose a new path");
    }
    List<String> foreign = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(abs)) {
      for (Path e : entries) {
        String name = e.getFileName().toString();
        if (!ownFiles.contains(name) || !Files.isRegularFile(e, LinkOption.NOFOLLOW_LINKS)) foreign.add(name);
      }
    }
    if (!foreign.isEmpty()) {
      foreign.sort(null);
      String shown = String.join(", ", foreign.subList(0, Math.min(5, foreign.size())))
          + (foreign.size() > 5 ? ", ..." : "");
      throw new IllegalArgumentException(target + " holds files that are not part of a jlora " + what + " (" + shown
          + "); jlora replaces only its own output: choose an empty or new directory");
    }
  }

  /**
   * Puts back a directory that a killed {@link #replace} had moved aside but not yet replaced: the
   * one instant when the target is absent (between the two renames). Readers call it before
   * looking for the target, so the last complete directory is found. Returns whether it did.
   */
  public static boolean recover(Path target) throws IOException {
    Path abs = target.toAbsolutePath().normalize();
    Path parent = abs.getParent();
    if (parent == null || Files.exists(abs, LinkOption.NOFOLLOW_LINKS) || !Files.isDirectory(parent)) return false;
    String prefix = "." + abs.getFileName() + ".";
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent, p -> {
      String n = p.getFileName().toString();
      return n.startsWith(prefix) && n.endsWith(OLD_SUFFIX);
    })) {
      for (Path old : entries) {
        move(old, abs);   // at most one: a replace sets one aside and deletes it before the next can
        return true;
      }
    }
    return false;
  }

  /** Old directory aside, new one in, old one deleted: the target is whole except between the renames ({@link #recover}). */
  private static void swapIn(Path target, Path fresh) throws IOException {
    Path old = null;
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      old = sibling(target, OLD_SUFFIX);
      move(target, old);
    }
    try {
      move(fresh, target);
    } catch (IOException e) {
      if (old != null) move(old, target);   // put the old one back
      throw e;
    }
    if (old != null) deleteTree(old);
  }

  /** Temporary or set-aside siblings left by a write that was killed midway. */
  private static void removeStale(Path parent, String name) throws IOException {
    String prefix = "." + name + ".";
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent, p -> {
      String n = p.getFileName().toString();
      return n.startsWith(prefix) && (n.endsWith(TEMP_SUFFIX) || n.endsWith(OLD_SUFFIX));
    })) {
      for (Path p : entries) deleteTree(p);
    }
  }

  private static Path sibling(Path target, String suffix) {
    return target.resolveSibling("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
        + suffix);
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to);
    }
  }

  /** Deletes a tree jlora wrote (links are deleted, never followed); call it only on jlora's own output. */
  public static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
    }
  }
}
