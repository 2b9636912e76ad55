package org.jlora.examples.ui;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

  /** Default colours, one a series in order (a colour-blind-safe set). */
  private static final Color[] PALETTE = {new Color(0x0072B2), new Color(0xE69F00), new Color(0x009E73),
      new Color(0xCC79A7), new Color(0x56B4E9), new Color(0xD55E00)};
  /** Above this max/min loss ratio a log axis labels decades only (1, 0.1, 0.01), else 2, 3, 5 too. */
  private static final double DECADES_ONLY_ABOVE = 30;

  /**
   * One curve: {@code points} is {steps[], losses[]}; a dashed line for, say, validation next to
   * the solid training line of the same colour.
   */
  public record Series(String name, double[][] points, Color color, boolean dashed) {}

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
    List<Series> styled = new ArrayList<>();
    for (Map.Entry<String, double[][]> entry : series.entrySet()) {
      styled.add(new Series(entry.getKey(), entry.getValue(), PALETTE[styled.size() % PALETTE.length], false));
    }
    write(png, title, styled, logY);
  }

  /** Writes the chart of {@code series} (drawn and listed in order) to {@code png}, atomically; see the Map form. */
  public static void write(Path png, String title, List<Series> series, boolean logY) throws IOException {
    if (series.isEmpty()) throw new IllegalArgumentException("LossPlot.write: no series to plot for " + png);
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
        .xAxisTitle("step").yAxisTitle(logY ? "loss (log scale)" : "loss").build();
    XYStyler styler = chart.getStyler();
    styler.setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    styler.setLegendPosition(Styler.LegendPosition.InsideNE);
    styler.setChartBackgroundColor(Color.WHITE);
    styler.setXAxisMin(0.0);
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      double[][] finite = finitePoints(s.name(), s.points(), logY);
      for (double loss : finite[1]) {
        min = Math.min(min, loss);
        max = Math.max(max, loss);
      }
      XYSeries line = chart.addSeries(s.name(), finite[0], finite[1]);
      line.setMarker(SeriesMarkers.NONE);
      line.setLineColor(s.color());
      line.setLineStyle(s.dashed() ? new BasicStroke(2.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f,
          new float[] {8f, 5f}, 0f) : new BasicStroke(1.5f));
    }
    styler.setYAxisLogarithmic(logY);
    // Labels at 2, 3, 5 too when the losses span about a decade; over several, they would overlap.
    styler.setYAxisLogarithmicDecadeOnly(max / min > DECADES_ONLY_ABOVE);
    byte[] bytes = BitmapEncoder.getBitmapBytes(chart, BitmapFormat.PNG);
    AtomicFiles.write(png, out -> out.write(bytes));
  }

  /**
   * LoRA against full fine-tuning, as both demos show them: one colour a method, training loss
   * (mean of {@code window} steps) solid, validation loss dashed. Curves are {steps[], losses[]}.
   */
  public static void writeLoraVsFull(Path png, String title, double[][] loraTrain, double[][] loraVal,
                                     double[][] fullTrain, double[][] fullVal, int window, boolean logY)
      throws IOException {
    Color lora = new Color(0x0072B2);
    Color full = new Color(0xD55E00);
    write(png, title, List.of(
        new Series("LoRA train (mean of " + window + " steps)", movingAverage(loraTrain, window), lora, false),
        new Series("LoRA validation", loraVal, lora, true),
        new Series("full train (mean of " + window + " steps)", movingAverage(fullTrain, window), full, false),
        new Series("full validation", fullVal, full, true)), logY);
  }

  /**
   * The mean of each run of {@code window} consecutive losses (fewer at the start), placed at the
   * mean step of its run so the line does not lag: a noisy per-step training loss becomes a
   * readable curve.
   */
  public static double[][] movingAverage(double[][] stepsAndLosses, int window) {
    if (window < 1) throw new IllegalArgumentException("LossPlot.movingAverage: window must be >= 1, got " + window);
    double[] steps = stepsAndLosses[0];
    double[] losses = stepsAndLosses[1];
    double[] centre = new double[losses.length];
    double[] mean = new double[losses.length];
    double stepSum = 0;
    double lossSum = 0;
    for (int i = 0; i < losses.length; i++) {
      stepSum += steps[i];
      lossSum += losses[i];
      if (i >= window) {
        stepSum -= steps[i - window];
        lossSum -= losses[i - window];
      }
      int n = Math.min(i + 1, window);
      centre[i] = stepSum / n;
      mean[i] = lossSum / n;
    }
    return new double[][] {centre, mean};
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
