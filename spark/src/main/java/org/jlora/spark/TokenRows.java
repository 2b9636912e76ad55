package org.jlora.spark;

import java.util.List;
import org.apache.spark.sql.Row;

/**
 * A row's training tokens: the configured column holds token ids (an array of integers) or text,
 * which the config's encoder turns into ids on the executor.
 */
final class TokenRows {
  private TokenRows() {}

  /** The ids in column {@code field} of {@code row}. */
  static int[] ids(Row row, int field, SparkFinetuneConfig cfg) {
    if (row.isNullAt(field)) throw new IllegalArgumentException("a row has no value in column '" + cfg.textColumn() + "'");
    Object v = row.get(field);
    if (v instanceof String text) {
      if (cfg.encoder() == null) {
        throw new IllegalArgumentException("column '" + cfg.textColumn() + "' holds text but no encoder was given;"
            + " pass token ids (an array of int) or set an encoder in the config");
      }
      return cfg.encoder().encode(text);
    }
    List<Object> list = row.getList(field);
    int[] ids = new int[list.size()];
    for (int i = 0; i < ids.length; i++) {
      if (!(list.get(i) instanceof Number n)) {
        throw new IllegalArgumentException("column '" + cfg.textColumn() + "' must hold text or an array of token ids");
      }
      ids[i] = n.intValue();
    }
    return ids;
  }
}
