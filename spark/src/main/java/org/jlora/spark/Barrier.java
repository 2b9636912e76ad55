package org.jlora.spark;

import java.io.Serializable;
import java.util.Iterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Spark's barrier execution mode from Java. {@code RDD.barrier()} exists only in the Scala API
 * ({@code JavaRDD} has no {@code barrier()}), so this adapts a Java function to the Scala one.
 * In a barrier stage every task is launched together, {@code BarrierTaskContext} offers
 * {@code barrier()} and {@code allGather}, and one failed task fails (and retries) the whole stage:
 * the all-or-nothing semantics synchronous training needs.
 */
public final class Barrier {
  private Barrier() {}

  /** Runs {@code fn} over each partition of {@code rdd}, all partitions at once, as one barrier stage. */
  public static <T, R> JavaRDD<R> mapPartitions(JavaRDD<T> rdd, FlatMapFunction<Iterator<T>, R> fn, Class<R> type) {
    ClassTag<R> tag = ClassTag$.MODULE$.apply(type);
    return new JavaRDD<>(rdd.rdd().barrier().mapPartitions(new ScalaFn<>(fn), false, tag), tag);
  }

  /** A serializable Scala function calling a Java one, converting the iterators both ways. */
  private static final class ScalaFn<T, R> extends AbstractFunction1<scala.collection.Iterator<T>, scala.collection.Iterator<R>>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private final FlatMapFunction<Iterator<T>, R> fn;

    ScalaFn(FlatMapFunction<Iterator<T>, R> fn) {
      this.fn = fn;
    }

    @Override
    public scala.collection.Iterator<R> apply(scala.collection.Iterator<T> in) {
      try {
        return scala.jdk.javaapi.CollectionConverters.asScala(fn.call(scala.jdk.javaapi.CollectionConverters.asJava(in)));
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new RuntimeException(e.getMessage(), e);
      }
    }
  }
}
