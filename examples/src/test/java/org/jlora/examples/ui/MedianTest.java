package org.jlora.examples.ui;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class MedianTest {
  @Test
  void middleValueOrMeanOfTheMiddleTwoAndTheInputIsNotReordered() {
    double[] odd = {5, 1, 9};
    assertEquals(5, Median.of(odd));
    assertArrayEquals(new double[] {5, 1, 9}, odd, "the caller's array stays as it was");
    assertEquals(2.5, Median.of(new double[] {4, 1, 3, 2}));
    assertEquals(7, Median.of(new double[] {7}));
    assertTrue(Double.isNaN(Median.of(new double[0])));
  }
}
