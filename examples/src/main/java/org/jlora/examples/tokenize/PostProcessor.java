package org.jlora.examples.tokenize;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code post_processor} of a {@code tokenizer.json}, reduced to what it does to the ids of one
 * sequence: the ids to put before and after it when special tokens are asked for. Llama's
 * {@code TemplateProcessing} with {@code single: "<s> $A"} gives {@code before = [1]}; GPT-2's
 * {@code ByteLevel} post-processor only adjusts offsets, so it adds nothing.
 */
record PostProcessor(int[] before, int[] after) {
  static final PostProcessor NONE = new PostProcessor(new int[0], new int[0]);

  static final String SUPPORTED = "TemplateProcessing, ByteLevel and Sequence post-processors";

  /** The post-processor at {@code spec}, or null for a missing one. Any other type is refused by name. */
  static PostProcessor fromJson(JsonSpec spec) throws TokenizerFileException {
    if (spec.isMissing()) return null;
    String type = spec.type();
    return switch (type) {
      case "ByteLevel" -> NONE;
      case "TemplateProcessing" -> template(spec);
      case "Sequence" -> {
        JsonSpec items = spec.array("processors");
        List<Integer> before = new ArrayList<>();
        List<Integer> after = new ArrayList<>();
        for (int i = 0; i < items.node().size(); i++) {
          PostProcessor step = fromJson(items.at(i));
          // each step wraps what the previous ones produced
          List<Integer> b = new ArrayList<>();
          for (int id : step.before) b.add(id);
          b.addAll(before);
          before = b;
          for (int id : step.after) after.add(id);
        }
        yield new PostProcessor(toArray(before), toArray(after));
      }
      default -> throw spec.get("type").unsupported("post-processor", type, SUPPORTED);
    };
  }

  /** {@code single}: SpecialToken items around exactly one {@code Sequence: {"id": "A"}}. */
  private static PostProcessor template(JsonSpec spec) throws TokenizerFileException {
    JsonSpec single = spec.array("single");
    JsonSpec specials = spec.get("special_tokens");
    List<Integer> before = new ArrayList<>();
    List<Integer> after = new ArrayList<>();
    boolean seenSequence = false;
    for (int i = 0; i < single.node().size(); i++) {
      JsonSpec item = single.at(i);
      if (item.node().has("Sequence")) {
        if (seenSequence) throw item.fail("a single-sequence template names its sequence twice");
        seenSequence = true;
        continue;
      }
      if (!item.node().has("SpecialToken")) throw item.fail("expected a SpecialToken or a Sequence item");
      String name = item.get("SpecialToken").text("id");
      JsonSpec ids = specials.get(name).get("ids");
      if (!ids.node().isArray()) throw specials.get(name).fail("the template names special token \"" + name + "\" but special_tokens does not list its ids");
      for (int k = 0; k < ids.node().size(); k++) (seenSequence ? after : before).add(ids.node().get(k).intValue());
    }
    if (!seenSequence) throw single.fail("the template has no {\"Sequence\": {\"id\": \"A\"}} item");
    return new PostProcessor(toArray(before), toArray(after));
  }

  private static int[] toArray(List<Integer> ids) {
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }
}
