package org.jlora.spark;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

/**
 * An all-gather over a ring of TCP connections between the workers themselves: worker i sends to
 * worker i+1 and receives from worker i-1; in round r it forwards the message it received in round
 * r-1, so after N-1 rounds everyone holds all N messages. Each worker sends and receives (N-1)·S
 * bytes a step, peer to peer, with no driver in the path.
 *
 * <p>Why not Spark's own {@code BarrierTaskContext.allGather}: it waits for the reply by sleeping
 * a whole second whenever the reply is not there yet, so a step costs at least a second. Spark is
 * used once, to swap the ring's addresses ({@link #connect}), as XGBoost4J-Spark and LightGBM on
 * Spark do for their own all-reduce.
 *
 * <p>Failure: a worker that dies closes its sockets (or its process goes away), its neighbours'
 * reads and writes fail, and so do their tasks: the stage fails as a whole. Reads wake up every
 * second to notice a task Spark has killed.
 */
public final class RingExchange implements GradientExchange, AutoCloseable {
  /** Longest wait for a neighbour's message (steps are synchronous: this bounds the slowest step). */
  static final int TIMEOUT_SECONDS = 1800;
  private final int rank;
  private final int size;
  private final Socket left;
  private final Socket right;
  private final BooleanSupplier cancelled;
  private final ExecutorService sender;
  private long bytesSent;

  /** A ring already wired: {@code left} comes from rank-1, {@code right} goes to rank+1 (both null when size is 1). */
  RingExchange(int rank, int size, Socket left, Socket right, BooleanSupplier cancelled) {
    this.rank = rank;
    this.size = size;
    this.left = left;
    this.right = right;
    this.cancelled = cancelled;
    this.sender = size > 1 ? Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "jlora-ring-send-" + rank);
      t.setDaemon(true);
      return t;
    }) : null;
  }

  /** The addresses every worker advertises, "host:port", in rank order, are swapped by {@code gather}. */
  interface AddressSwap {
    String[] allGather(String mine);
  }

  /**
   * Opens a listening socket, swaps addresses with everyone through {@code swap}, connects to the
   * right neighbour and accepts the left one. {@code runId} ties the connections to this attempt
   * of this job: a stray task of an earlier attempt is refused.
   */
  static RingExchange connect(int rank, String host, String runId, AddressSwap swap, BooleanSupplier cancelled)
      throws IOException {
    try (ServerSocket server = new ServerSocket()) {
      server.bind(new InetSocketAddress(0));
      String[] all = swap.allGather(host + ":" + server.getLocalPort());
      int n = all.length;
      if (n == 1) return new RingExchange(0, 1, null, null, cancelled);
      String peer = all[(rank + 1) % n];
      int colon = peer.lastIndexOf(':');
      Socket right = new Socket();
      right.connect(new InetSocketAddress(peer.substring(0, colon), Integer.parseInt(peer.substring(colon + 1))), 60_000);
      right.setTcpNoDelay(true);
      DataOutputStream hello = new DataOutputStream(right.getOutputStream());
      hello.writeUTF(runId);
      hello.writeInt(rank);
      hello.flush();
      server.setSoTimeout(60_000);
      Socket left = server.accept();   // the left neighbour connected before or after: the backlog holds it
      left.setTcpNoDelay(true);
      DataInputStream in = new DataInputStream(left.getInputStream());
      String theirRun = in.readUTF();
      int theirRank = in.readInt();
      int expected = (rank - 1 + n) % n;
      if (!theirRun.equals(runId) || theirRank != expected) {
        left.close();
        right.close();
        throw new IOException("worker " + rank + " expected worker " + expected + " of this run and got worker "
            + theirRank + (theirRun.equals(runId) ? "" : " of another run"));
      }
      left.setSoTimeout(1000);   // wake up every second to check whether the task was killed
      return new RingExchange(rank, n, left, right, cancelled);
    }
  }

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public byte[][] allGather(byte[] mine) {
    byte[][] all = new byte[size][];
    all[rank] = mine;
    int forward = rank;
    try {
      for (int round = 0; round < size - 1; round++) {
        byte[] outgoing = all[forward];
        // send on the side so that a large message never deadlocks against the neighbour's own send
        Future<?> sent = sender.submit(() -> write(outgoing));
        int from = (forward - 1 + size) % size;
        all[from] = read(from);
        sent.get();
        forward = from;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("worker " + rank + ": the gradient exchange failed (" + e.getMessage() + ")", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw new UncheckedIOException("worker " + rank + ": sending gradients failed (" + c.getMessage() + ")",
          c instanceof IOException io ? io : new IOException(c));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("worker " + rank + " was interrupted during the gradient exchange");
    }
    return all;
  }

  private Void write(byte[] message) throws IOException {
    OutputStream out = right.getOutputStream();
    byte[] len = {(byte) (message.length >>> 24), (byte) (message.length >>> 16), (byte) (message.length >>> 8),
        (byte) message.length};
    out.write(len);
    out.write(message);
    out.flush();
    bytesSent += 4L + message.length;
    return null;
  }

  private byte[] read(int from) throws IOException {
    byte[] len = new byte[4];
    readFully(len, from);
    int n = ((len[0] & 0xff) << 24) | ((len[1] & 0xff) << 16) | ((len[2] & 0xff) << 8) | (len[3] & 0xff);
    if (n < 0 || n > (1 << 30)) throw new IOException("a corrupt message length " + n + " from worker " + from);
    byte[] msg = new byte[n];
    readFully(msg, from);
    return msg;
  }

  /** Reads all of {@code buf}; a timeout only wakes us up to check for a kill, until the deadline. */
  private void readFully(byte[] buf, int from) throws IOException {
    InputStream in = left.getInputStream();
    long deadline = System.nanoTime() + TIMEOUT_SECONDS * 1_000_000_000L;
    int off = 0;
    while (off < buf.length) {
      try {
        int r = in.read(buf, off, buf.length - off);
        if (r < 0) throw new IOException("worker " + ((rank - 1 + size) % size) + " closed the connection (it failed?)");
        off += r;
      } catch (SocketTimeoutException e) {
        if (cancelled.getAsBoolean()) throw new IOException("the task was killed");
        if (System.nanoTime() > deadline) {
          throw new IOException("no message from worker " + from + " for " + TIMEOUT_SECONDS + " s");
        }
      }
    }
  }

  /** Bytes this worker has sent (length prefixes included). */
  @Override
  public long bytesSent() {
    return bytesSent;
  }

  @Override
  public void close() {
    if (sender != null) sender.shutdownNow();
    for (Socket s : new Socket[] {left, right}) {
      try {
        if (s != null) s.close();
      } catch (IOException ignored) {
        // closing is best effort: the task is ending anyway
      }
    }
  }
}
