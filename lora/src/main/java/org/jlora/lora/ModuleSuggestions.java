package org.jlora.lora;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jlora.autograd.nn.Module;

/** "Did you mean": the adaptable modules nearest a mistyped target name, for error messages. */
final class ModuleSuggestions {
  private ModuleSuggestions() {}

  /** Names of adaptable modules, closest (edit distance of the last component) to {@code probe} first. */
  static List<String> closest(Module model, String probe) {
    List<String> names = new ArrayList<>();
    model.namedModules().forEach((n, m) -> {
      if (!n.isEmpty() && LayerKinds.adaptable(m)) names.add(n);
    });
    names.sort(Comparator.comparingInt((String n) -> distance(n.substring(n.lastIndexOf('.') + 1), probe))
        .thenComparing(Comparator.naturalOrder()));
    return names.size() > 12 ? names.subList(0, 12) : names;
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) prev[j] = j;
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev; prev = cur; cur = t;
    }
    return prev[b.length()];
  }
}
