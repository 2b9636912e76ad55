package org.jlora.examples.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class TableTest {
  private static Table sample() {
    return new Table("method", "trainable", "rot acc")
        .row("LoRA r=8", 16384, 0.9375)
        .row("full fine-tune", 817152, 0.99)
        .row("base", null, 0.0);
  }

  @Test
  void rendersAlignedColumns() {
    String expected = String.join("\n",
        "method          trainable  rot acc",
        "--------------  ---------  -------",
        "LoRA r=8            16384    0.938",
        "full fine-tune     817152    0.990",
        "base                    -    0.000",
        "");
    assertEquals(expected, sample().render());
    assertEquals(3, sample().rowCount());
  }

  @Test
  void decimalsAreConfigurable() {
    Table table = new Table("x").decimals(1).row(2.5f);
    assertEquals("  x\n---\n2.5\n", table.render());
    assertEquals("x\n-\n", new Table("x").render());
  }

  @Test
  void jsonKeepsNumbersAsNumbers() throws Exception {
    JsonNode rows = new ObjectMapper().readTree(sample().toJson());
    assertEquals(3, rows.size());
    assertEquals("LoRA r=8", rows.get(0).get("method").asText());
    assertEquals(16384, rows.get(0).get("trainable").asInt());
    assertEquals(0.9375, rows.get(0).get("rot acc").asDouble());
    assertEquals(true, rows.get(2).get("trainable").isNull());
  }

  @Test
  void wrongCellCountIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> new Table("a", "b").row(1));
    assertThrows(IllegalArgumentException.class, Table::new);
  }
}
