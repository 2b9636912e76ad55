package org.jlora.examples.gpt;

import java.lang.management.ManagementFactory;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * How much heap the objects reachable right now occupy: what a training run really holds, as
 * opposed to the heap's "used" figure, which counts garbage (the heap pools' peak usage mostly
 * measures the young generation's size, and old-generation garbage survives minor collections).
 */
final class LiveHeap {
  private LiveHeap() {}

  /**
   * Bytes of the objects reachable now, counted by HotSpot's class histogram (the {@code jcmd
   * GC.class_histogram} command, which collects first). The heap's "used" figure after
   * {@code System.gc()} is no substitute: a full GC may leave dead objects in place (filler in
   * a dense prefix), which here was several times the live data and varied from run to run.
   * Falls back to that figure on a JVM without the diagnostic command.
   */
  static long bytes() {
    try {
      Object histogram = ManagementFactory.getPlatformMBeanServer().invoke(
          new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
          new Object[] {new String[0]}, new String[] {String[].class.getName()});
      // the last line: "Total <instances> <bytes>"
      String[] total = ((String) histogram).strip().lines().reduce((first, second) -> second).orElse("").split("\\s+");
      if (total.length == 3 && total[0].equals("Total")) return Long.parseLong(total[2]);
    } catch (JMException | RuntimeException e) {
      // not HotSpot, or the command is disabled: fall through
    }
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
