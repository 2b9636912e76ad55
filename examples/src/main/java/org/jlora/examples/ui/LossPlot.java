package org.jlora.examples.ui;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.jlora.lora.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Loss curves as a PNG line chart, e.g. "lora train", "lora val", "full train", "full val" against
 * the step. Renders off screen (java.awt.headless), so it works on servers and in CI.
 *
 * <pre>{@code
 * LossPlot.write(Path.of("loss.png"), "adapt: LoRA vs full",
 *     Map.of("lora train", new double[][] {steps, losses}, ...));
 * }</pre>
 */
public final class LossPlot {
  public static final int WIDTH = 900;
  public static final int HEIGHT = 540;

  static {
    // Before the first AWT class loads: no display is needed, or wanted, to draw into a PNG.
    System.setProperty("java.awt.headless", "true");
  }

  private LossPlot() {}

  /** {@link #write(Path, String, Map, boolean)} with a linear y axis. */
  public static void write(Path png, String title, Map<String, double[][]> series) throws IOException {
    write(png, title, series, false);
  }

  /**
   * Writes the chart to {@code png} atomically (temp file, then rename). Series are drawn in the
   * map's iteration order (use a LinkedHashMap for a stable legend). Points whose loss is NaN or
   * infinite (a diverged run) are left out.
   *
   * @param series name -> {steps[], losses[]}, the two arrays of equal length
   * @param logY a logarithmic loss axis; every plotted loss must then be positive
   */
  public static void write(Path png, String title, Map<String, double[][]> series, boolean logY) throws IOException {
    if (series.isEmpty()) throw new IllegalArgumentException("LossPlot.write: no series to plot for " + png);
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
        .xAxisTitle("step").yAxisTitle(logY ? "loss (log scale)" : "loss").build();
    XYStyler styler = chart.getStyler();
    styler.setYAxisLogarithmic(logY);
    styler.setYAxisLogarithmicDecadeOnly(false); // losses span about one decade: label 2, 3, 5 too
    styler.setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    styler.setLegendPosition(Styler.LegendPosition.InsideNE);
    styler.setChartBackgroundColor(java.awt.Color.WHITE);
    for (Map.Entry<String, double[][]> entry : series.entrySet()) {
      double[][] finite = finitePoints(entry.getKey(), entry.getValue(), logY);
      chart.addSeries(entry.getKey(), finite[0], finite[1]).setMarker(SeriesMarkers.NONE);
    }
    byte[] bytes = BitmapEncoder.getBitmapBytes(chart, BitmapFormat.PNG);
    AtomicFiles.write(png, out -> out.write(bytes));
  }

  /** The series' points with a finite loss, after checking its shape. */
  private static double[][] finitePoints(String name, double[][] stepsAndLosses, boolean logY) {
    if (stepsAndLosses == null || stepsAndLosses.length != 2 || stepsAndLosses[0] == null || stepsAndLosses[1] == null) {
      throw new IllegalArgumentException("LossPlot.write: series \"" + name + "\" must be {steps[], losses[]}");
    }
    double[] steps = stepsAndLosses[0];
    double[] losses = stepsAndLosses[1];
    if (steps.length != losses.length) {
      throw new IllegalArgumentException("LossPlot.write: series \"" + name + "\" has " + steps.length
          + " steps but " + losses.length + " losses");
    }
    int kept = 0;
    double[] x = new double[steps.length];
    double[] y = new double[steps.length];
    for (int i = 0; i < steps.length; i++) {
      if (!Double.isFinite(losses[i]) || !Double.isFinite(steps[i])) continue;
      if (logY && losses[i] <= 0) {
        throw new IllegalArgumentException("LossPlot.write: series \"" + name + "\" has loss " + losses[i]
            + " at step " + steps[i] + ", which a log-scale axis cannot show");
      }
      x[kept] = steps[i];
      y[kept] = losses[i];
      kept++;
    }
    if (kept == 0) throw new IllegalArgumentException("LossPlot.write: series \"" + name + "\" has no finite points");
    return new double[][] {java.util.Arrays.copyOf(x, kept), java.util.Arrays.copyOf(y, kept)};
  }
}
