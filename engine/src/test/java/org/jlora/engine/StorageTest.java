package org.jlora.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Tensors over host f32, host bf16 and (a fake) device storage. */
class StorageTest {

  /** Device storage that keeps its elements in a private array and counts transfers. */
  static final class FakeDevice extends DeviceStorage {
    final float[] cells;
    int downloads;
    int uploads;

    FakeDevice(int length) {
      super(length, "fake-gpu");
      cells = new float[length];
    }

    @Override public void download(int from, float[] dst, int dstOff, int n) {
      downloads++;
      System.arraycopy(cells, from, dst, dstOff, n);
    }

    @Override public void upload(int to, float[] src, int srcOff, int n) {
      uploads++;
      System.arraycopy(src, srcOff, cells, to, n);
    }
  }

  @Test
  void viewsShareTheSameStorageObject() {
    Tensor x = Tensor.zeros(4, 3);
    assertSame(x.storage(), x.reshape(12).storage());
    assertSame(x.storage(), x.rows(1, 3).storage());
    assertSame(x.storage(), x.window(5, 2, 2).storage());
    assertNotSame(x.storage(), x.copy().storage());
    assertSame(x, x.toHost());
    assertSame(x, x.toF32());
    assertEquals(DType.F32, x.dtype());
    assertTrue(x.isHost());
    Tensor w = Tensor.arange(12).window(5, 2, 3);
    assertArrayEquals(new float[] {5, 6, 7, 8, 9, 10}, w.toArray());
    assertThrows(IndexOutOfBoundsException.class, () -> x.window(10, 3));
  }

  @Test
  void bf16RoundsToNearestEvenAndWidensExactly() {
    assertEquals(1f, Bf16.toFloat(Bf16.fromFloat(1f)));
    // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: the tie goes to the even mantissa, 1
    assertEquals(1f, Bf16.toFloat(Bf16.fromFloat(1f + 0x1p-8f)));
    // 1 + 3·2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: even is 1 + 2^-6
    assertEquals(1f + 0x1p-6f, Bf16.toFloat(Bf16.fromFloat(1f + 3 * 0x1p-8f)));
    // just above the halfway point rounds up
    assertEquals(1f + 0x1p-7f, Bf16.toFloat(Bf16.fromFloat(1f + 0x1p-8f + 0x1p-20f)));
    assertEquals(-2.5f, Bf16.toFloat(Bf16.fromFloat(-2.5f)));
    assertTrue(Float.isNaN(Bf16.toFloat(Bf16.fromFloat(Float.NaN))));
    assertEquals(Float.POSITIVE_INFINITY, Bf16.toFloat(Bf16.fromFloat(Float.POSITIVE_INFINITY)));
    assertEquals(Float.POSITIVE_INFINITY, Bf16.toFloat(Bf16.fromFloat(Float.MAX_VALUE)), "rounds past the largest bf16");
  }

  @Test
  void bf16TensorsReadWidenedButRefuseWritesAndArrays() {
    Tensor w = Tensor.ofBf16(Bf16.fromFloats(new float[] {1.5f, -3f, 0.25f, 8f}), 2, 2);
    assertEquals(DType.BF16, w.dtype());
    assertEquals(-3f, w.get(1));
    assertEquals(0.25f, w.at(1, 0));
    assertArrayEquals(new float[] {1.5f, -3f, 0.25f, 8f}, w.toArray());
    Tensor f = w.toF32();
    assertEquals(DType.F32, f.dtype());
    assertArrayEquals(w.toArray(), f.data());
    IllegalStateException e = assertThrows(IllegalStateException.class, w::data);
    assertTrue(e.getMessage().contains("bf16") && e.getMessage().contains("toF32()"), e.getMessage());
    e = assertThrows(IllegalStateException.class, () -> w.set(0, 1f));
    assertTrue(e.getMessage().contains("read-only"), e.getMessage());
    assertEquals(-1, w.firstNonFinite());
  }

  @Test
  void deviceTensorsMoveThroughDownloadAndUpload() {
    FakeDevice dev = new FakeDevice(6);
    Tensor t = Tensor.on(dev, 0, 2, 3);
    assertEquals("fake-gpu", t.storage().location());
    assertTrue(!t.isHost());
    t.copyFrom(Tensor.arange(6).reshape(2, 3));
    assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, dev.cells);
    assertEquals(4f, t.rows(1, 2).get(1));
    t.rows(1, 2).fill(7f);
    assertArrayEquals(new float[] {0, 1, 2, 7, 7, 7}, t.toHost().toArray());
    t.set(0, Float.NaN);
    assertEquals(0, t.firstNonFinite());
    assertSame(dev, t.reshape(6).storage());
    assertTrue(dev.uploads > 0 && dev.downloads > 0);
    IllegalStateException e = assertThrows(IllegalStateException.class, t::data);
    assertTrue(e.getMessage().contains("fake-gpu") && e.getMessage().contains("toHost()"), e.getMessage());
  }

  @Test
  void hostKernelsRefuseOtherStorageNamingTheKernelAndOperand() {
    Backend be = Backends.vector();
    Tensor bf = Tensor.ofBf16(new short[6], 2, 3);
    // bf16 is read-only: a kernel that would write it (here as matmul's output) refuses it
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> be.matmul().matmul(Tensor.zeros(2, 4), false, Tensor.zeros(4, 3), false, bf, false));
    assertTrue(e.getMessage().contains("matmul: c is bf16 on host") && e.getMessage().contains("toF32()"),
        e.getMessage());
    Tensor dev = Tensor.on(new FakeDevice(6), 0, 6);
    e = assertThrows(IllegalStateException.class, () -> be.elementwise().scale(2f, dev));
    assertTrue(e.getMessage().contains("scale: x is f32 on fake-gpu") && e.getMessage().contains("toHost()"),
        e.getMessage());
  }
}
