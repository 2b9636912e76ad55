package org.jlora.lora;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Embedding;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Tensor;

/**
 * PEFT's TrainableTokens ({@code trainable_token_indices}): a few rows of an embedding table train
 * while the rest stays frozen. For the active adapter with token indices {@code idx} (n of them)
 * and trained rows {@code D: [n, dim]}:
 *
 * <pre>
 *   W'[v] = D[j]   if v = idx[j]          (the rows are replaced, not added to: PEFT's semantics)
 *   W'[v] = W[v]   otherwise              y[i] = W'[ids[i]]
 * </pre>
 *
 * <p>D starts as a copy of those rows of W, so an untrained adapter changes nothing. Replacing
 * rather than adding keeps the result defined when W itself changes (PEFT's reason: a resized
 * vocabulary re-draws new rows). The gradient of W' reaches D only, row by row: {@code dD[j] = dW'[idx[j]]}.
 *
 * <p>W' is this embedding's {@link #table()}; a model whose output head is tied to the embedding
 * multiplies by {@code table()} too (jlora's Llama and GPT-2 do), so the head sees the same trained
 * rows and its gradient reaches D as well, as PEFT keeps a tied {@code lm_head} tied.
 *
 * <p>Merging writes D into W's rows (saving nothing: the originals were kept when the adapter was
 * added); unmerging writes the originals back, bit for bit. PEFT's in-memory names are kept:
 * {@code <module>.token_adapter.trainable_tokens_delta.<adapter>} (D; "delta" is PEFT's name for the rows).
 */
public final class TrainableTokensEmbedding extends Embedding {
  /** One adapter's rows: which tokens, their trained values, and W's rows before any merge. */
  public record Tokens(String adapter, int[] indices, Parameter delta, Tensor original) {}

  private final Map<String, Tokens> adapters = new LinkedHashMap<>();
  private final AdapterParams deltas;
  /** The adapter whose rows the table shows, or null for the plain table. */
  private String active;
  private boolean enabled = true;
  /** The adapter whose rows are written into W now, or null. */
  private String merged;

  /** Wraps {@code base}'s table (shared, not copied) with no adapter yet. */
  public TrainableTokensEmbedding(Embedding base) {
    super(base.weight());
    Holder holder = registerModule("token_adapter", new Holder()).get();
    this.deltas = holder.deltas;
  }

  /** PEFT's {@code token_adapter} child, so the rows are named {@code token_adapter.trainable_tokens_delta.<adapter>}. */
  static final class Holder extends Module {
    final AdapterParams deltas = registerModule("trainable_tokens_delta", new AdapterParams()).get();
  }

  /**
   * Adds adapter {@code name} training rows {@code indices} (each in [0, vocab), none twice), its
   * rows starting as copies of W's. The first adapter becomes the active one.
   */
  public Tokens addAdapter(String name, List<Integer> indices) {
    if (adapters.containsKey(name)) throw new IllegalArgumentException("adapter '" + name + "' already has trainable tokens here");
    if (merged != null) throw new IllegalStateException("adapter '" + merged + "' is merged; unmerge before adding another");
    int[] idx = indices.stream().mapToInt(Integer::intValue).toArray();
    if (idx.length == 0) throw new IllegalArgumentException("trainable_token_indices for adapter '" + name + "' is empty");
    int vocab = numEmbeddings();
    if (Arrays.stream(idx).anyMatch(i -> i < 0 || i >= vocab)) {
      throw new IllegalArgumentException("trainable_token_indices " + indices + ": the table has " + vocab + " rows");
    }
    if (Arrays.stream(idx).distinct().count() != idx.length) {
      // PEFT would keep the last copy of a repeated row and train the others for nothing
      throw new IllegalArgumentException("trainable_token_indices " + indices + " names a token twice");
    }
    LoraTensors.requireF32Base(weight().value(), "trainable tokens (adapter '" + name + "')");
    Tensor original = rows(weight().value(), idx);
    Tokens t = new Tokens(name, idx, new Parameter(original.copy()), original);
    adapters.put(name, t);
    deltas.put(name, t.delta());
    if (active == null) active = name;
    return t;
  }

  /** Removes adapter {@code name}'s rows (unmerging them first). */
  public void deleteAdapter(String name) {
    require(name);
    if (name.equals(merged)) unmerge();
    adapters.remove(name);
    deltas.remove(name);
    if (name.equals(active)) active = null;
  }

  /** The adapters with rows here, in the order they were added. */
  public List<String> adapterNames() {
    return new ArrayList<>(adapters.keySet());
  }

  /** Adapter {@code name}'s rows. */
  public Tokens adapter(String name) {
    return require(name);
  }

  /** The adapter whose rows the table shows, or null. */
  public String activeAdapter() {
    return active;
  }

  /** Shows adapter {@code name}'s rows (null: none), unmerging another one first. */
  public void setActive(String name) {
    if (name != null) require(name);
    if (merged != null && !merged.equals(name)) unmerge();
    active = name;
  }

  /** Turns the rows off (the plain table, unmerging first) or back on. */
  public void setEnabled(boolean on) {
    if (!on) unmerge();
    enabled = on;
  }

  /** Whether the active adapter's rows are written into W now. */
  public boolean isMerged() {
    return merged != null;
  }

  /** W' as a graph node (gradient to the active adapter's rows only), or W itself when no rows apply. */
  @Override
  public Variable table() {
    if (!enabled || active == null || merged != null) return weight();
    Tokens t = adapters.get(active);
    return withRows(weight(), t.indices(), t.delta());
  }

  /** Writes the active adapter's rows into W ({@code W[idx] = D}); the table is then W itself. */
  public void merge() {
    if (merged != null || !enabled || active == null) return;
    requireFiniteRows();
    Tokens t = adapters.get(active);
    writeRows(weight().value(), t.indices(), t.delta().value());
    merged = active;
  }

  /** PEFT's safe_merge, always on: refuses rows holding NaN or Inf before anything is written. */
  void requireFiniteRows() {
    if (merged != null || !enabled || active == null) return;
    Tensor rows = adapters.get(active).delta().value();
    int i = rows.firstNonFinite();
    if (i >= 0) {
      throw new IllegalStateException("merging adapter '" + active + "' would write " + rows.data()[rows.offset() + i]
          + " into the embedding; the adapter is broken (non-finite values), so nothing was merged");
    }
  }

  /** Writes the rows W had before the merge back: W returns to its value bit for bit. */
  public void unmerge() {
    if (merged == null) return;
    Tokens t = adapters.get(merged);
    writeRows(weight().value(), t.indices(), t.original());
    merged = null;
  }

  /** A plain Embedding over the current table (merged or not). */
  public Embedding toBaseLayer() {
    return new LoraEmbedding.PlainEmbedding(weight());
  }

  @Override
  protected void beforeLoadStateDict() {
    if (merged != null) {
      throw new IllegalStateException("trainable tokens of adapter '" + merged + "' are merged into the embedding; "
          + "unmerge before loading a state dict, otherwise the loaded rows would be overwritten on unmerge");
    }
  }

  private Tokens require(String name) {
    Tokens t = adapters.get(name);
    if (t == null) throw new IllegalArgumentException("no trainable tokens for adapter '" + name + "' here; adapters: " + adapters.keySet());
    return t;
  }

  /**
   * W' = W with rows {@code idx} replaced by {@code rows}; backward sends {@code g[idx[j]]} to
   * {@code rows[j]} and nothing to W (frozen). Costs one copy of W per call.
   */
  static Variable withRows(Variable w, int[] idx, Variable rows) {
    Tensor out = w.value().copy();
    writeRows(out, idx, rows.value());
    return Variable.fromOp("trainable_tokens", out, g -> {
      if (rows.requiresGrad()) rows.accumulateOwnedGrad(rows(g, idx));
      if (w.requiresGrad()) {   // W is frozen in a LoRA model; kept exact for any other use
        Tensor gw = g.copy();
        writeRows(gw, idx, Tensor.zeros(idx.length, g.dim(1)));   // replaced rows do not depend on W
        w.accumulateOwnedGrad(gw);
      }
    }, w, rows);
  }

  /** Rows {@code idx} of a [vocab, dim] table, copied into [n, dim]. */
  static Tensor rows(Tensor table, int[] idx) {
    int dim = table.dim(1);
    float[] src = table.data();
    float[] out = new float[idx.length * dim];
    for (int j = 0; j < idx.length; j++) System.arraycopy(src, table.offset() + idx[j] * dim, out, j * dim, dim);
    return Tensor.of(out, idx.length, dim);
  }

  /** {@code table[idx[j]] = rows[j]} in place. */
  static void writeRows(Tensor table, int[] idx, Tensor rows) {
    int dim = table.dim(1);
    float[] dst = table.data();
    float[] src = rows.data();
    for (int j = 0; j < idx.length; j++) System.arraycopy(src, rows.offset() + j * dim, dst, table.offset() + idx[j] * dim, dim);
  }
}
