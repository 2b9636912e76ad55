package org.jlora.lora;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which modules a config adapts and which it saves in full: PEFT's {@code check_target_module_exists}
 * and its modules_to_save rule, written once. Every name here is a dotted module path such as
 * {@code model.layers.3.self_attn.q_proj}.
 *
 * <ul>
 *   <li><b>target_modules</b> as a list: a module matches when its name equals an entry or ends with
 *       {@code "." + entry}; as one string: a regex that must match the whole name.
 *   <li><b>exclude_modules</b> (same two forms) wins over every target.
 *   <li><b>modules_to_save</b>: a module inside a saved module ({@code (^|.*\.)m($|\..*)}) is saved in
 *       full and never gets an adapter (PEFT: the two would conflict).
 *   <li><b>layers_to_transform</b> (list targets only) keeps a match only when the first numbered
 *       segment after {@code layers_pattern} ({@code "<pattern>.<i>."}, or any {@code "<name>.<i>."}
 *       when no pattern is given) is one of the listed indices.
 * </ul>
 */
public final class ModuleMatcher {
  private final LoraConfig cfg;

  ModuleMatcher(LoraConfig cfg) {
    this.cfg = cfg;
  }

  /** Whether {@code name} gets an adapter. */
  public boolean isTarget(String name) {
    if (matchesListOrRegex(cfg.excludeModules(), cfg.excludeRegex(), name)) return false;
    if (isInsideModuleToSave(name)) return false;
    if (cfg.targetRegex() != null) return Pattern.compile(cfg.targetRegex()).matcher(name).matches();
    if (cfg.targetModules().contains(name)) return true;   // PEFT: an exact name skips the layer filter
    if (!endsWithAny(cfg.targetModules(), name)) return false;
    return cfg.layersToTransform().isEmpty() || cfg.layersToTransform().contains(layerIndex(name));
  }

  /** Whether {@code name} equals {@code entry} or ends with {@code "." + entry} (PEFT's suffix rule). */
  public static boolean suffixMatches(String name, String entry) {
    return name.equals(entry) || name.endsWith("." + entry);
  }

  /** Whether {@code name} is a modules_to_save module or lies inside one. */
  public boolean isInsideModuleToSave(String name) {
    for (String m : cfg.modulesToSave()) {
      if (Pattern.compile("(^|.*\\.)" + Pattern.quote(m) + "($|\\..*)").matcher(name).matches()) return true;
    }
    return false;
  }

  /**
   * The layer index PEFT reads from {@code name}: the first {@code "<pattern>.<i>."} for one of
   * layers_pattern, else the first {@code "<segment>.<i>."}; -1 when there is none (no match then).
   */
  int layerIndex(String name) {
    if (cfg.layersPattern().isEmpty()) return firstIndex(Pattern.compile("^.*?\\.[^.]*\\.(\\d+)\\."), name);
    for (String p : cfg.layersPattern()) {
      int i = firstIndex(Pattern.compile("^(?:|.*?\\.)" + p + "\\.(\\d+)\\."), name);
      if (i >= 0) return i;
    }
    return -1;
  }

  private static int firstIndex(Pattern p, String name) {
    Matcher m = p.matcher(name);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  private static boolean matchesListOrRegex(List<String> list, String regex, String name) {
    if (regex != null) return Pattern.compile(regex).matcher(name).matches();
    return endsWithAny(list, name);
  }

  private static boolean endsWithAny(List<String> entries, String name) {
    for (String e : entries) if (suffixMatches(name, e)) return true;
    return false;
  }
}
