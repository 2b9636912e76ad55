package org.jlora.spark;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import scala.Tuple2;

/**
 * One barrier task of a data-parallel run: its partition holds the rows {@code (index, ids)} whose
 * index is congruent to its partition id; it puts them back in index order (a shuffle does not
 * keep order) and runs {@link DataParallelWorker} with the barrier's all-gather. Only task 0
 * returns a report.
 */
final class DataParallelTask implements FlatMapFunction<Iterator<Tuple2<Long, int[]>>, FinetuneReport> {
  private static final long serialVersionUID = 1L;
  private final SparkFinetuneConfig cfg;
  private final String runId;

  /** {@code runId}: unique to this job, so that ring connections of another job or attempt are refused. */
  DataParallelTask(SparkFinetuneConfig cfg, String runId) {
    this.cfg = cfg;
    this.runId = runId;
  }

  @Override
  public Iterator<FinetuneReport> call(Iterator<Tuple2<Long, int[]>> rows) throws Exception {
    List<Tuple2<Long, int[]>> mine = new ArrayList<>();
    rows.forEachRemaining(mine::add);
    mine.sort(Comparator.comparingLong(Tuple2::_1));
    List<int[]> examples = new ArrayList<>(mine.size());
    for (Tuple2<Long, int[]> r : mine) examples.add(r._2());
    BarrierTaskContext ctx = BarrierTaskContext.get();
    GradientExchange exchange = switch (cfg.exchange()) {
      case BARRIER -> new BarrierExchange(ctx);
      case RING -> RingExchange.connect(ctx.partitionId(), host(ctx.getTaskInfos()[ctx.partitionId()].address()),
          runId + "/" + ctx.stageAttemptNumber(), ctx::allGather, ctx::isInterrupted);
    };
    try {
      FinetuneReport report = DataParallelWorker.run(cfg, examples, exchange);
      return ctx.partitionId() == 0 ? List.of(report).iterator() : List.<FinetuneReport>of().iterator();
    } finally {
      // closing the sockets is how a failing worker tells its neighbours: their reads fail at once
      if (exchange instanceof RingExchange ring) ring.close();
    }
  }

  /** The host of a task's address, which Spark gives as "host:port" (the executor's own port). */
  private static String host(String address) {
    int colon = address.lastIndexOf(':');
    return colon < 0 ? address : address.substring(0, colon);
  }
}
