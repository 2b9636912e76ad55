package org.jlora.examples.checkpoint;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.jlora.engine.RopeLayout;
import org.jlora.engine.Tensor;
import org.jlora.examples.model.llama.Llama;
import org.jlora.examples.model.llama.LlamaConfig;
import org.jlora.lora.io.AtomicFiles;

/**
 * llama2.c's "v0" checkpoint ({@code run.c}'s {@code .bin}), little-endian:
 *
 * <pre>
 *   header   7 × int32: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len
 *            (vocab_size < 0: an untied classifier follows the RoPE tables)
 *   float32  token_embedding [V, C], rms_att [L, C], wq [L, C, C], wk [L, KV, C], wv [L, KV, C],
 *            wo [L, C, C], rms_ffn [L, C], w1 [L, F, C], w2 [L, C, F], w3 [L, F, C], rms_final [C],
 *            freq_cis_real, freq_cis_imag [seq_len, D/2] (obsolete: skipped on read, zeros on write),
 *            wcls [V, C] when untied
 * </pre>
 *
 * <p>llama2.c rotates interleaved feature pairs (2i, 2i+1); Hugging Face rotates halves (i, i+D/2).
 * The same model in the halves layout has the rows of wq and wk permuted within each head
 * (transformers' {@code convert_llama_weights_to_hf.py}, {@code permute}): halves row i is
 * interleaved row 2i and halves row i + D/2 is interleaved row 2i+1. {@link #read} applies it, so
 * the model has Hugging Face's names, layout and numbers (an adapter trained on it loads onto the
 * converted HF model); {@link #write} undoes it, so a written model runs unchanged in run.c.
 */
public final class Llama2cCheckpoint {
  private static final int HEADER_BYTES = 7 * 4;
  /** Bounds that no real checkpoint comes near; a corrupt header is refused before any allocation. */
  private static final int MAX_DIM = 1 << 16;
  private static final int MAX_LAYERS = 1 << 10;
  private static final int MAX_VOCAB = 1 << 22;
  private static final int MAX_SEQ = 1 << 22;

  private Llama2cCheckpoint() {}

  /** Reads {@code file} into a model in Hugging Face's halves RoPE layout. */
  public static Llama read(Path file) throws IOException {
    return read(file, RopeLayout.HALVES);
  }

  /** Reads {@code file}; {@code INTERLEAVED} keeps llama2.c's rows and layout (no permutation). */
  public static Llama read(Path file, RopeLayout layout) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < HEADER_BYTES) throw bad(file, "has " + size + " bytes, less than the 28-byte header");
      ByteBuffer head = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      while (head.hasRemaining() && ch.read(head) >= 0) { }
      head.flip();
      int dim = head.getInt();
      int hidden = head.getInt();
      int layers = head.getInt();
      int heads = head.getInt();
      int kvHeads = head.getInt();
      int vocabSigned = head.getInt();
      int seqLen = head.getInt();
      String hdr = "header [dim " + dim + ", hidden_dim " + hidden + ", n_layers " + layers + ", n_heads " + heads
          + ", n_kv_heads " + kvHeads + ", vocab_size " + vocabSigned + ", seq_len " + seqLen + "]";
      int vocab = Math.abs(vocabSigned);
      if (dim < 2 || dim > MAX_DIM || hidden < 1 || hidden > 8 * MAX_DIM || layers < 1 || layers > MAX_LAYERS
          || heads < 1 || heads > dim || kvHeads < 1 || kvHeads > heads || vocabSigned == 0 || vocab > MAX_VOCAB
          || seqLen < 1 || seqLen > MAX_SEQ || dim % heads != 0 || heads % kvHeads != 0 || (dim / heads) % 2 != 0) {
        throw bad(file, "has an implausible " + hdr + " (not a llama2.c v0 checkpoint?)");
      }
      boolean tied = vocabSigned > 0;
      LlamaConfig cfg = LlamaConfig.builder().modelType("llama").vocabSize(vocab).hiddenSize(dim)
          .intermediateSize(hidden).numLayers(layers).numHeads(heads).numKvHeads(kvHeads).maxPositions(seqLen)
          .rmsEps(1e-5f).ropeTheta(10000f).tieEmbeddings(tied).ropeLayout(layout).bosTokenId(1).eosTokenId(2)
          .build();
      long expected = expectedBytes(cfg);
      if (size != expected) {
        throw bad(file, "has " + size + " bytes but its " + hdr + " needs exactly " + expected);
      }
      // read array by array through one small buffer: files beyond 2 GB cannot be mapped whole
      ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
      long at = HEADER_BYTES;
      Llama model = new Llama(cfg, 0);
      Map<String, Tensor> params = model.stateDict();   // the live tensors: filled in place, one array at a time
      for (Entry e : layout(cfg)) {
        if (e.name == null) {
          at += e.floats() * 4;   // the obsolete RoPE tables
          continue;
        }
        if (e.floats() > Integer.MAX_VALUE - 8) {
          throw bad(file, "holds " + e.name + " of " + e.floats() + " floats, more than one Java array can");
        }
        float[] data = new float[(int) e.floats()];
        readFloats(ch, at, data, chunk);
        at += e.floats() * 4;
        if (e.permute && layout == RopeLayout.HALVES) data = toHalves(data, e.rows / cfg.headDim(), cfg.headDim(), e.cols);
        params.get(e.name).copyFrom(Tensor.of(data, e.shape));
      }
      FiniteWeights.require(params, file.toString());
      return model;
    }
  }

  /**
   * Writes {@code model} as a v0 checkpoint run.c reads (q and k rows back in the interleaved
   * layout, zeros for the RoPE tables). Refuses what the format cannot say: biases, an RMS eps
   * other than 1e-5, a RoPE theta other than 10000, an unmerged LoRA adapter.
   */
  public static void write(Llama model, Path file) throws IOException {
    LlamaConfig cfg = model.config();
    if (cfg.attentionBias() || cfg.rmsEps() != 1e-5f || cfg.ropeTheta() != 10000f || cfg.headDim() * cfg.numHeads() != cfg.hiddenSize()) {
      throw new IllegalArgumentException("cannot write a llama2.c checkpoint: its format has no biases, eps 1e-5, theta"
          + " 10000 and head_dim = dim / n_heads; this model has bias " + cfg.attentionBias() + ", eps " + cfg.rmsEps()
          + ", theta " + cfg.ropeTheta() + ", head_dim " + cfg.headDim());
    }
    Map<String, Tensor> state = model.stateDict();
    for (String k : state.keySet()) {
      if (k.contains("lora_")) {
        throw new IllegalArgumentException("cannot write a llama2.c checkpoint: '" + k + "' is an adapter weight; merge and"
            + " unload the adapter before writing a llama2.c checkpoint");
      }
    }
    ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    AtomicFiles.write(file, out -> {
      buf.clear();
      int[] header = {cfg.hiddenSize(), cfg.intermediateSize(), cfg.numLayers(), cfg.numHeads(), cfg.numKvHeads(),
          cfg.tieEmbeddings() ? cfg.vocabSize() : -cfg.vocabSize(), cfg.maxPositions()};
      for (int v : header) buf.putInt(v);
      for (Entry e : layout(cfg)) {
        float[] data;
        if (e.name == null) {
          data = new float[(int) e.floats()];
        } else {
          Tensor t = state.get(e.name);
          if (t == null) throw new IllegalArgumentException("cannot write a llama2.c checkpoint: the model has no '" + e.name + "'");
          data = t.toArray();
          if (e.permute && cfg.ropeLayout() == RopeLayout.HALVES) {
            data = toInterleaved(data, e.rows / cfg.headDim(), cfg.headDim(), e.cols);
          }
        }
        for (float f : data) {
          if (!buf.hasRemaining()) flush(buf, out);
          buf.putFloat(f);
        }
      }
      flush(buf, out);
    });
  }

  /** The exact file size of a checkpoint of this shape. */
  public static long expectedBytes(LlamaConfig cfg) {
    long n = 0;
    for (Entry e : layout(cfg)) n += e.floats();
    return HEADER_BYTES + 4 * n;
  }

  /** Fills {@code dst} with the little-endian floats at byte {@code at} of {@code ch}. */
  private static void readFloats(FileChannel ch, long at, float[] dst, ByteBuffer chunk) throws IOException {
    int done = 0;
    while (done < dst.length) {
      chunk.clear();
      chunk.limit(Math.min(chunk.capacity(), (dst.length - done) * 4));
      while (chunk.hasRemaining()) {
        if (ch.read(chunk, at + (long) done * 4 + chunk.position()) < 0) throw new IOException("unexpected end of file");
      }
      chunk.flip();
      int n = chunk.remaining() / 4;
      chunk.asFloatBuffer().get(dst, done, n);
      done += n;
    }
  }

  private static void flush(ByteBuffer buf, OutputStream out) throws IOException {
    out.write(buf.array(), 0, buf.position());
    buf.clear();
  }

  /** One array of the file: its HF name (null for the RoPE tables), rows × cols, and the model's shape. */
  private record Entry(String name, int rows, int cols, int[] shape, boolean permute) {
    long floats() {
      return (long) rows * cols;   // long: a corrupt header must not wrap around
    }
  }

  /** The file's arrays in order; each stacked [L, ...] array becomes one entry per layer. */
  private static java.util.List<Entry> layout(LlamaConfig cfg) {
    int c = cfg.hiddenSize();
    int f = cfg.intermediateSize();
    int kv = cfg.kvDim();
    int l = cfg.numLayers();
    java.util.List<Entry> out = new java.util.ArrayList<>();
    out.add(new Entry("model.embed_tokens.weight", cfg.vocabSize(), c, new int[] {cfg.vocabSize(), c}, false));
    perLayer(out, l, "input_layernorm.weight", 1, c, new int[] {c}, false);
    perLayer(out, l, "self_attn.q_proj.weight", c, c, new int[] {c, c}, true);
    perLayer(out, l, "self_attn.k_proj.weight", kv, c, new int[] {kv, c}, true);
    perLayer(out, l, "self_attn.v_proj.weight", kv, c, new int[] {kv, c}, false);
    perLayer(out, l, "self_attn.o_proj.weight", c, c, new int[] {c, c}, false);
    perLayer(out, l, "post_attention_layernorm.weight", 1, c, new int[] {c}, false);
    perLayer(out, l, "mlp.gate_proj.weight", f, c, new int[] {f, c}, false);   // w1
    perLayer(out, l, "mlp.down_proj.weight", c, f, new int[] {c, f}, false);   // w2
    perLayer(out, l, "mlp.up_proj.weight", f, c, new int[] {f, c}, false);     // w3
    out.add(new Entry("model.norm.weight", 1, c, new int[] {c}, false));
    int half = cfg.headDim() / 2;
    out.add(new Entry(null, cfg.maxPositions(), half, null, false));   // freq_cis_real
    out.add(new Entry(null, cfg.maxPositions(), half, null, false));   // freq_cis_imag
    if (!cfg.tieEmbeddings()) out.add(new Entry("lm_head.weight", cfg.vocabSize(), c, new int[] {cfg.vocabSize(), c}, false));
    return out;
  }

  private static void perLayer(java.util.List<Entry> out, int layers, String suffix, int rows, int cols, int[] shape,
                               boolean permute) {
    for (int i = 0; i < layers; i++) out.add(new Entry("model.layers." + i + "." + suffix, rows, cols, shape, permute));
  }

  /** w [heads·D, cols], interleaved rows -> halves rows: new row (j·D/2 + i) = old row (2i + j) within each head. */
  static float[] toHalves(float[] w, int heads, int d, int cols) {
    float[] out = new float[w.length];
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < d / 2; i++) {
        for (int j = 0; j < 2; j++) {
          System.arraycopy(w, (h * d + 2 * i + j) * cols, out, (h * d + j * d / 2 + i) * cols, cols);
        }
      }
    }
    return out;
  }

  /** The inverse of {@link #toHalves}. */
  static float[] toInterleaved(float[] w, int heads, int d, int cols) {
    float[] out = new float[w.length];
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < d / 2; i++) {
        for (int j = 0; j < 2; j++) {
          System.arraycopy(w, (h * d + j * d / 2 + i) * cols, out, (h * d + 2 * i + j) * cols, cols);
        }
      }
    }
    return out;
  }

  private static IOException bad(Path file, String why) {
    return new IOException(file + " " + why);
  }
}
