package org.jlora.examples.ui;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LossPlotTest {
  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

  @TempDir Path dir;

  private static double[][] curve(double start, double decay, int points) {
    double[] steps = new double[points];
    double[] losses = new double[points];
    for (int i = 0; i < points; i++) {
      steps[i] = 10 * i;
      losses[i] = start * Math.exp(-decay * i) + 0.1;
    }
    return new double[][] {steps, losses};
  }

  @Test
  void writesAReadablePngOfTheExpectedSize() throws IOException {
    Map<String, double[][]> series = new LinkedHashMap<>();
    series.put("lora train", curve(3, 0.05, 100));
    series.put("lora val", curve(3.2, 0.04, 10));
    series.put("full train", curve(3, 0.08, 100));
    series.put("full val", curve(3.1, 0.07, 10));
    for (boolean logY : new boolean[] {false, true}) {
      Path png = dir.resolve("loss-" + logY + ".png");
      LossPlot.write(png, "adapt: LoRA vs full", series, logY);
      byte[] bytes = Files.readAllBytes(png);
      assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(bytes, 8));
      BufferedImage image = ImageIO.read(png.toFile());
      assertEquals(LossPlot.WIDTH, image.getWidth());
      assertEquals(LossPlot.HEIGHT, image.getHeight());
      assertTrue(distinctColours(image) > 4, "the chart looks blank");
    }
    try (var files = Files.list(dir)) {
      assertEquals(2, files.count(), "a temporary file was left behind");
    }
  }

  @Test
  void styledSeriesDrawInTheirColours() throws IOException {
    Color lora = new Color(0x0072B2);
    Color full = new Color(0xD55E00);
    Path png = dir.resolve("styled.png");
    LossPlot.write(png, "styled", List.of(new LossPlot.Series("lora train", curve(3, 0.05, 100), lora, false),
        new LossPlot.Series("lora val", curve(3.2, 0.04, 10), lora, true),
        new LossPlot.Series("full train", curve(300, 0.08, 100), full, false)), true);
    BufferedImage image = ImageIO.read(png.toFile());
    assertTrue(pixelsOf(image, lora) > 100, "the LoRA lines are drawn in their colour");
    assertTrue(pixelsOf(image, full) > 100, "the full line is drawn in its colour");
  }

  @Test
  void movingAverageMeansEachWindowAtItsMeanStep() {
    double[][] curve = {{1, 2, 3, 4, 5}, {4, 2, 6, 0, 10}};
    double[][] smooth = LossPlot.movingAverage(curve, 2);
    assertArrayEquals(new double[] {1, 1.5, 2.5, 3.5, 4.5}, smooth[0], 1e-12);
    assertArrayEquals(new double[] {4, 3, 4, 3, 5}, smooth[1], 1e-12);
    assertArrayEquals(curve[1], LossPlot.movingAverage(curve, 1)[1], 1e-12);
    assertThrows(IllegalArgumentException.class, () -> LossPlot.movingAverage(curve, 0));
  }

  private static int pixelsOf(BufferedImage image, Color colour) {
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) if ((image.getRGB(x, y) & 0xFFFFFF) == colour.getRGB() - 0xFF000000) n++;
    }
    return n;
  }

  @Test
  void divergedPointsAreLeftOut() throws IOException {
    double[][] diverged = curve(3, 0.05, 20);
    diverged[1][15] = Double.NaN;
    diverged[1][16] = Double.POSITIVE_INFINITY;
    Path png = dir.resolve("diverged.png");
    LossPlot.write(png, "diverged", Map.of("train", diverged), true);
    assertEquals(LossPlot.WIDTH, ImageIO.read(png.toFile()).getWidth());
  }

  @Test
  void badSeriesAreRejected() {
    Path png = dir.resolve("bad.png");
    assertThrows(IllegalArgumentException.class, () -> LossPlot.write(png, "t", Map.of()));
    assertThrows(IllegalArgumentException.class,
        () -> LossPlot.write(png, "t", Map.of("x", new double[][] {{1, 2}, {1}})));
    assertThrows(IllegalArgumentException.class,
        () -> LossPlot.write(png, "t", Map.of("x", new double[][] {{1, 2}})));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LossPlot.write(png, "t", Map.of("zero", new double[][] {{1, 2}, {1, 0}}), true));
    assertTrue(e.getMessage().contains("zero") && e.getMessage().contains("log"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> LossPlot.write(png, "t", Map.of("nan", new double[][] {{1}, {Double.NaN}})));
    assertTrue(Files.notExists(png));
  }

  private static int distinctColours(BufferedImage image) {
    java.util.Set<Integer> colours = new java.util.HashSet<>();
    for (int y = 0; y < image.getHeight(); y += 3) {
      for (int x = 0; x < image.getWidth(); x += 3) colours.add(image.getRGB(x, y));
    }
    return colours.size();
  }
}
