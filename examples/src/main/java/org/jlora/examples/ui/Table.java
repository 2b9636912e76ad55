package org.jlora.examples.ui;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A text table with aligned columns, for side-by-side results (numbers right-aligned, text
 * left-aligned), and the same rows as JSON.
 *
 * <pre>{@code
 * Table table = new Table("method", "trainable", "rot acc", "rev acc");
 * table.row("LoRA r=8", 16384, 0.94, 0.97);
 * table.row("full", 817152, 0.99, 0.41);
 * table.print(System.out);
 * // method    trainable  rot acc  rev acc
 * // --------  ---------  -------  -------
 * // LoRA r=8      16384     0.94     0.97
 * // full         817152     0.99     0.41
 * }</pre>
 *
 * <p>Cells are formatted when added: integers as they are, other numbers with {@link #decimals}
 * digits after the point; in JSON numbers stay numbers.
 */
public final class Table {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GAP = "  ";

  private final List<String> header;
  private final List<Object[]> rows = new ArrayList<>();
  private int decimals = 3;

  public Table(String... header) {
    if (header.length == 0) throw new IllegalArgumentException("Table: no columns");
    this.header = List.of(header);
  }

  /** Digits after the point for float and double cells (default 3). */
  public Table decimals(int digits) {
    if (digits < 0) throw new IllegalArgumentException("Table.decimals: must be >= 0, got " + digits);
    this.decimals = digits;
    return this;
  }

  /** Adds a row, one cell a column; null shows as "-". */
  public Table row(Object... cells) {
    if (cells.length != header.size()) {
      throw new IllegalArgumentException("Table.row: " + cells.length + " cells for " + header.size()
          + " columns " + header);
    }
    rows.add(cells.clone());
    return this;
  }

  public int rowCount() {
    return rows.size();
  }

  /** The table as aligned lines: header, a rule, the rows; each line ends with '\n'. */
  public String render() {
    int columns = header.size();
    int[] width = new int[columns];
    boolean[] rightAlign = new boolean[columns];
    for (int c = 0; c < columns; c++) {
      width[c] = header.get(c).length();
      rightAlign[c] = !rows.isEmpty();
      for (Object[] row : rows) {
        width[c] = Math.max(width[c], format(row[c]).length());
        if (row[c] != null && !(row[c] instanceof Number)) rightAlign[c] = false;
      }
    }
    StringBuilder out = new StringBuilder();
    appendLine(out, header.toArray(String[]::new), width, rightAlign);
    String[] rule = new String[columns];
    for (int c = 0; c < columns; c++) rule[c] = "-".repeat(width[c]);
    appendLine(out, rule, width, rightAlign);
    for (Object[] row : rows) {
      String[] cells = new String[columns];
      for (int c = 0; c < columns; c++) cells[c] = format(row[c]);
      appendLine(out, cells, width, rightAlign);
    }
    return out.toString();
  }

  public void print(PrintStream out) {
    out.print(render());
    out.flush();
  }

  @Override
  public String toString() {
    return render();
  }

  /** The rows as a JSON array of objects keyed by the header, e.g. [{"method":"full","rot acc":0.99}]. */
  public String toJson() {
    ArrayNode array = JSON.createArrayNode();
    for (Object[] row : rows) {
      ObjectNode object = array.addObject();
      for (int c = 0; c < header.size(); c++) object.set(header.get(c), JSON.valueToTree(row[c]));
    }
    try {
      return JSON.writeValueAsString(array);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Table.toJson: a cell cannot be written as JSON", e);
    }
  }

  private String format(Object cell) {
    if (cell == null) return "-";
    if (cell instanceof Double || cell instanceof Float) {
      double value = ((Number) cell).doubleValue();
      return Double.isFinite(value) ? String.format("%." + decimals + "f", value) : String.valueOf(value);
    }
    return String.valueOf(cell);
  }

  private static void appendLine(StringBuilder out, String[] cells, int[] width, boolean[] rightAlign) {
    StringBuilder line = new StringBuilder();
    for (int c = 0; c < cells.length; c++) {
      if (c > 0) line.append(GAP);
      String pad = " ".repeat(width[c] - cells[c].length());
      line.append(rightAlign[c] ? pad + cells[c] : cells[c] + pad);
    }
    // no trailing spaces from padding the last column
    int end = line.length();
    while (end > 0 && line.charAt(end - 1) == ' ') end--;
    out.append(line, 0, end).append('\n');
  }
}
