package org.jlora.spark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.jlora.examples.model.llama.Llama;
import org.jlora.lora.LoraConfig;
import org.jlora.lora.LoraModel;
import org.jlora.lora.PeftAdapters;

/**
 * One partition of a per-tenant job: its rows arrive sorted by tenant (then by their original
 * order), and each tenant's run of rows trains an adapter of its own. The base model is loaded
 * once for the partition; each tenant's adapter is added to it, trained, saved under
 * {@code <out>/<tenant>/} and removed, PEFT's multi-adapter way, so the frozen base is shared.
 *
 * <p>Tenants are independent, so this is an ordinary (not barrier) stage: a failed task is retried
 * alone, and retraining its tenants from scratch gives the same adapters.
 */
final class PerTenantTask implements FlatMapFunction<Iterator<Row>, TenantSummary> {
  private static final long serialVersionUID = 1L;
  private static final String ADAPTER = "tenant";
  private final SparkFinetuneConfig cfg;

  PerTenantTask(SparkFinetuneConfig cfg) {
    this.cfg = cfg;
  }

  @Override
  public Iterator<TenantSummary> call(Iterator<Row> rows) throws Exception {
    List<TenantSummary> out = new ArrayList<>();
    Llama base = null;
    LoraModel lm = null;
    String tenant = null;
    List<int[]> examples = new ArrayList<>();
    while (true) {
      Row row = rows.hasNext() ? rows.next() : null;
      String next = row == null ? null : tenantOf(row);
      if (tenant != null && !tenant.equals(next)) {   // the run of `tenant` ended: train it
        if (base == null) base = BaseModels.load(cfg.modelPath());
        lm = train(base, lm, tenant, examples, out);
        examples.clear();
      }
      if (row == null) break;
      tenant = next;
      examples.add(TokenRows.ids(row, 1, cfg));
    }
    return out.iterator();
  }

  private LoraModel train(Llama base, LoraModel lm, String tenant, List<int[]> examples, List<TenantSummary> out)
      throws Exception {
    LoraConfig lora = BaseModels.lora(cfg);
    if (lm == null) {
      lm = LoraModel.inject(base, lora, ADAPTER);
    } else {
      lm.addAdapter(ADAPTER, lora);   // the previous tenant's was deleted: this one becomes active
    }
    SyncTrainer trainer = new SyncTrainer(base, cfg, GradientExchange.single());
    StepBatches batches = new StepBatches("tenant '" + tenant + "' (" + examples.size() + " rows)", examples,
        cfg.seed(), 0, cfg.microBatch(), cfg.contextLength());
    float loss = Float.NaN;
    for (int step = 0; step < cfg.steps(); step++) loss = trainer.step(step, batches.forStep(step));
    Path dir = Path.of(cfg.outputPath()).resolve(tenant);
    PeftAdapters.save(lm, ADAPTER, dir);
    lm.deleteAdapter(ADAPTER);
    out.add(new TenantSummary(tenant, examples.size(), cfg.steps(), loss, dir.toString()));
    return lm;
  }

  private String tenantOf(Row row) {
    if (row.isNullAt(0)) throw new IllegalArgumentException("a row has no tenant in column '" + cfg.tenantColumn() + "'");
    String t = String.valueOf(row.get(0));
    // the tenant names a directory under the output path: nothing that could leave it
    if (!t.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}")) {
      throw new IllegalArgumentException("tenant '" + t + "' is not a safe directory name"
          + " (letters, digits, '.', '_', '-'; starting with a letter or digit)");
    }
    return t;
  }
}
