package org.jlora.lora.io;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.jlora.engine.Tensor;

/**
 * An open safetensors file: its validated header, and tensors decoded to float32 on demand.
 *
 * <p>Small files (up to {@link #MMAP_THRESHOLD_BYTES}) are read whole into the heap and the file
 * is closed at once. Larger ones stay open and each {@link #tensor} call memory-maps just that
 * tensor's bytes, so opening a large checkpoint costs only its header. The whole file is
 * validated on open; a file changed or truncated while open is outside this contract.
 *
 * <pre>{@code
 * try (SafeTensorsFile f = SafeTensors.open(path)) {
 *   for (String name : f.names()) System.out.println(name + " " + f.dtype(name) + Arrays.toString(f.shape(name)));
 *   Tensor w = f.tensor("base_model.model.fc.lora_A.weight");  // [r, in]
 * }
 * }</pre>
 */
public final class SafeTensorsFile implements Closeable {
  /** The reference implementation's limit: a header longer than this is rejected unread. */
  public static final long MAX_HEADER_BYTES = 100_000_000L;
  /** Files larger than this are memory-mapped instead of read whole. */
  public static final long MMAP_THRESHOLD_BYTES = 4L << 20;
  /** Largest float[] a Tensor can hold (see org.jlora.engine.Shapes#size). */
  private static final long MAX_TENSOR_ELEMENTS = Integer.MAX_VALUE - 16;
  /** Bytes mapped or decoded at a time: bounded so one region never exceeds a ByteBuffer's int index. */
  private static final int CHUNK_BYTES = 1 << 30;
  private static final int LENGTH_PREFIX_BYTES = 8;

  private final Path file;
  private final SafeTensorsHeader header;
  private final long dataStart;
  private final ByteBuffer wholeFile; // small files: the whole file on the heap; else null
  private final FileChannel channel;  // large files: kept open for mapping; else null
  private volatile boolean closed;

  private SafeTensorsFile(Path file, SafeTensorsHeader header, long dataStart, ByteBuffer wholeFile, FileChannel channel) {
    this.file = file;
    this.header = header;
    this.dataStart = dataStart;
    this.wholeFile = wholeFile;
    this.channel = channel;
  }

  /**
   * Opens and validates {@code file}.
   *
   * @throws SafeTensorsFormatException if the file breaks the format (naming the file and key)
   */
  public static SafeTensorsFile open(Path file) throws IOException {
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    try {
      long fileSize = channel.size();
      if (fileSize < LENGTH_PREFIX_BYTES) {
        throw new SafeTensorsFormatException(file, null, "file has " + fileSize
            + " bytes, too short for the 8-byte header length");
      }
      // The length is an unsigned 64-bit integer; check it before allocating anything from it.
      long headerLength = readFully(file, channel, 0, LENGTH_PREFIX_BYTES).getLong(0);
      if (Long.compareUnsigned(headerLength, MAX_HEADER_BYTES) > 0) {
        throw new SafeTensorsFormatException(file, null, "header length " + Long.toUnsignedString(headerLength)
            + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
      }
      long dataStart = LENGTH_PREFIX_BYTES + headerLength;
      if (dataStart > fileSize) {
        throw new SafeTensorsFormatException(file, null, "header length " + headerLength
            + " runs past the end of the file (" + fileSize + " bytes)");
      }
      long dataLength = fileSize - dataStart;
      if (fileSize <= MMAP_THRESHOLD_BYTES) {
        ByteBuffer whole = readFully(file, channel, 0, (int) fileSize);
        channel.close();
        byte[] headerBytes = new byte[(int) headerLength];
        whole.get(LENGTH_PREFIX_BYTES, headerBytes);
        return new SafeTensorsFile(file, SafeTensorsHeader.parse(file, headerBytes, dataLength), dataStart, whole, null);
      }
      byte[] headerBytes = readFully(file, channel, LENGTH_PREFIX_BYTES, (int) headerLength).array();
      SafeTensorsHeader header = SafeTensorsHeader.parse(file, headerBytes, dataLength);
      return new SafeTensorsFile(file, header, dataStart, null, channel);
    } catch (IOException | RuntimeException | Error e) {
      try {
        channel.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private static ByteBuffer readFully(Path file, FileChannel channel, long position, int length) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    while (buf.hasRemaining()) {
      if (channel.read(buf, position + buf.position()) < 0) {
        throw new EOFException(file + ": file ended at byte " + (position + buf.position()) + " while reading "
            + length + " bytes from " + position + " (did it shrink while being read?)");
      }
    }
    return buf.flip();
  }

  public Path path() {
    return file;
  }

  /** Tensor names in the order of their data in the file. */
  public List<String> names() {
    return List.copyOf(header.tensors().keySet());
  }

  public boolean contains(String name) {
    return header.tensors().containsKey(name);
  }

  /** The header entry for {@code name}: dtype, shape and byte range. */
  public TensorInfo info(String name) {
    TensorInfo t = header.tensors().get(name);
    if (t == null) {
      List<String> names = names();
      throw new IllegalArgumentException(file + ": no tensor '" + name + "'; it has " + names.size() + " tensors"
          + (names.isEmpty() ? "" : ", e.g. " + names.subList(0, Math.min(5, names.size()))));
    }
    return t;
  }

  /** The shape of {@code name}, as a Tensor would have it. */
  public int[] shape(String name) {
    TensorInfo t = info(name);
    long[] dims = t.shape();
    int[] shape = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] > Integer.MAX_VALUE) {
        throw new UnsupportedOperationException(file + ": tensor '" + name + "' has shape " + Arrays.toString(dims)
            + "; a jlora Tensor's dimensions must fit in an int");
      }
      shape[i] = (int) dims[i];
    }
    return shape;
  }

  public DType dtype(String name) {
    return info(name).dtype();
  }

  /** The {@code __metadata__} strings (empty if the file has none). */
  public Map<String, String> metadata() {
    return header.metadata();
  }

  /** Whether tensors are read through memory maps (large files) rather than from a heap copy. */
  public boolean isMemoryMapped() {
    return channel != null;
  }

  /**
   * Reads tensor {@code name} into a new float32 Tensor (F16, BF16 and F64 are converted).
   *
   * @throws UnsupportedOperationException for non-float dtypes or tensors too large for a float[]
   */
  public Tensor tensor(String name) throws IOException {
    if (closed) throw new IllegalStateException(file + " is closed; cannot read tensor '" + name + "'");
    TensorInfo t = info(name);
    if (!t.dtype().readableAsFloat()) {
      throw new UnsupportedOperationException(file + ": tensor '" + name + "' has dtype " + t.dtype()
          + "; only F32, F16, BF16 and F64 can be read as float");
    }
    int[] shape = shape(name);
    long count = t.elementCount();
    if (count > MAX_TENSOR_ELEMENTS) {
      throw new UnsupportedOperationException(file + ": tensor '" + name + "' has " + count
          + " elements, more than a jlora Tensor (a float[]) can hold");
    }
    float[] values = new float[(int) count];
    int elementBytes = t.dtype().byteSize();
    int chunkElements = CHUNK_BYTES / elementBytes;
    for (int done = 0; done < count; ) {
      int n = (int) Math.min(chunkElements, count - done);
      t.dtype().decode(bytes(t.begin() + (long) done * elementBytes, n * elementBytes), values, done, n);
      done += n;
    }
    return Tensor.of(values, shape);
  }

  /**
   * Reads a BF16 tensor {@code name} as it is stored: a read-only bf16 Tensor holding the bits,
   * half the memory of {@link #tensor} and never widened on the way.
   *
   * @throws UnsupportedOperationException when the tensor is not stored as BF16
   */
  public Tensor bf16Tensor(String name) throws IOException {
    if (closed) throw new IllegalStateException(file + " is closed; cannot read tensor '" + name + "'");
    TensorInfo t = info(name);
    if (t.dtype() != DType.BF16) {
      throw new UnsupportedOperationException(file + ": tensor '" + name + "' is stored as " + t.dtype()
          + ", not BF16; read it as float32 instead");
    }
    long count = t.elementCount();
    if (count > MAX_TENSOR_ELEMENTS) {
      throw new UnsupportedOperationException(file + ": tensor '" + name + "' has " + count
          + " elements, more than a jlora Tensor can hold");
    }
    short[] bits = new short[(int) count];
    int chunkElements = CHUNK_BYTES / 2;
    for (int done = 0; done < count; ) {
      int n = (int) Math.min(chunkElements, count - done);
      bytes(t.begin() + (long) done * 2, n * 2).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(bits, done, n);
      done += n;
    }
    return Tensor.ofBf16(bits, shape(name));
  }

  /** {@code length} bytes at {@code position} of the data region. */
  private ByteBuffer bytes(long position, int length) throws IOException {
    long absolute = dataStart + position;
    if (wholeFile != null) return wholeFile.slice((int) absolute, length);
    return channel.map(FileChannel.MapMode.READ_ONLY, absolute, length);
  }

  /** Releases the file; mapped regions already handed out stay valid until garbage-collected. */
  @Override
  public void close() throws IOException {
    closed = true;
    if (channel != null) channel.close();
  }

  @Override
  public String toString() {
    return "SafeTensorsFile(" + file + ", " + header.tensors().size() + " tensors)";
  }
}
