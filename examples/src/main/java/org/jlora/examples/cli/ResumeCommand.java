package org.jlora.examples.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The command line that resumes a stopped run: the one the user typed, with {@code --resume DIR}
 * in place of any {@code --resume} given, quoted for a POSIX shell, so it can be pasted as it is.
 */
final class ResumeCommand {
  private ResumeCommand() {}

  /** {@code jlora <command> <its arguments, less any --resume> --resume DIR} for the command {@code spec} parsed. */
  static String of(CommandSpec spec, Path dir) {
    List<String> args = new ArrayList<>(List.of("jlora", spec.name()));
    List<String> original = spec.commandLine().getParseResult().originalArgs();
    for (int i = original.indexOf(spec.name()) + 1; i < original.size(); i++) {   // what follows the command's name
      String a = original.get(i);
      if (a.startsWith("--resume=")) continue;
      if (a.equals("--resume")) {
        if (i + 1 < original.size() && !original.get(i + 1).startsWith("-")) i++;   // its DIR
        continue;
      }
      args.add(a);
    }
    args.add("--resume");
    args.add(dir.toString());
    StringBuilder s = new StringBuilder();
    for (String a : args) s.append(s.isEmpty() ? "" : " ").append(quote(a));
    return s.toString();
  }

  /** {@code a} as one shell word: as it is when it is plain, else in single quotes. */
  static String quote(String a) {
    return a.matches("[\\w./=:,@%+-]+") ? a : "'" + a.replace("'", "'\\''") + "'";
  }
}
