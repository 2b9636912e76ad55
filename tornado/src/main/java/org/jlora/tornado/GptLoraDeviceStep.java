package org.jlora.tornado;

import java.util.ArrayList;
import java.util.List;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.nn.LayerNorm;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Tensor;
import org.jlora.examples.gpt.DeviceTrainStep;
import org.jlora.examples.gpt.Gpt;
import org.jlora.examples.gpt.GptConfig;
import org.jlora.examples.model.gpt2.Gpt2Block;
import org.jlora.lora.LoraAdapter;
import org.jlora.lora.MergedLinear;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * A whole LoRA training step of the GPT on the device, built once for a model shape and batch:
 * forward, cross-entropy, backward (activation gradients and the LoRA gradients only: the base
 * model is frozen), gradient-norm clipping and AdamW.
 *
 * <p>What crosses the bus: the base weights, LoRA weights and optimizer moments once, at the first
 * step ({@code FIRST_EXECUTION}); each step, the token ids, the targets and a few per-step scalars
 * in (learning rate, bias corrections, 1/number of scored targets), and the loss out. Activations
 * and gradients never leave the device. The trained LoRA weights come back only when asked
 * ({@link #syncToHost}, TornadoVM's {@code UNDER_DEMAND}).
 *
 * <p>The step is a chain of task graphs run in order (upload, one per block forward, the head, one
 * per block backward, the optimizer; see {@link Chain}) sharing one set of device buffers,
 * because a single TornadoVM graph holds at most 1024 nodes, about three blocks' worth.
 *
 * <p>Covered: the paper's setup, a MergedLinear LoRA on every block's {@code c_attn} (any
 * enable_lora mask over q, k, v), no dropout anywhere, one micro-batch per step, up to
 * {@link #MAX_LAYERS} blocks. {@link #unsupportedReason} says why any other model is not; the
 * trainer then runs the step kernel by kernel and says so.
 *
 * <pre>
 *   per block:  h1 = LN1(x); qkv = h1·Wᵀ + b + LoRA; y = attention(qkv); x' = x + y·Wpᵀ + bp
 *               h2 = LN2(x'); f = h2·Wfcᵀ + bfc; x'' = x' + gelu(f)·Wmpᵀ + bmp
 *   head:       logits = LNf(x)·Wlmᵀ; loss = mean cross-entropy; then the same in reverse
 * </pre>
 */
public final class GptLoraDeviceStep implements DeviceTrainStep {
  /** The deepest model it builds: with 6 blocks, one graph passes TornadoVM 5.2's 1024-node limit. */
  public static final int MAX_LAYERS = 4;

  private final GptConfig cfg;
  private final int batch;
  private final int seqLen;
  private final int rows;
  private final DeviceTrainStep.Settings settings;
  private final List<Layer> layers = new ArrayList<>();
  private final IntArray ids;
  private final IntArray targets;
  private final FloatArray scalars = new FloatArray(StepKernels.SCALARS);
  private final FloatArray loss = new FloatArray(1);
  private final FloatArray norms;
  private final DeviceGraph graph;
  private int stepsDone;

  /** One block's weights, LoRA pair, optimizer moments and saved activations, all device buffers. */
  private record Layer(Parameter loraAParam, Parameter loraBParam, int rank, int nOn, IntArray slices,
                       FloatArray loraScale, FloatArray ln1Eps, FloatArray ln1g, FloatArray ln1b,
                       FloatArray wAttn, FloatArray bAttn, FloatArray loraA, FloatArray loraB,
                       FloatArray wProj, FloatArray bProj, FloatArray ln2Eps, FloatArray ln2g, FloatArray ln2b,
                       FloatArray wFc, FloatArray bFc, FloatArray wMp, FloatArray bMp,
                       FloatArray xIn, FloatArray h1, FloatArray mean1, FloatArray rstd1, FloatArray qkv,
                       FloatArray u, FloatArray y, FloatArray probs, FloatArray xMid, FloatArray h2,
                       FloatArray mean2, FloatArray rstd2, FloatArray f, FloatArray g,
                       FloatArray dA, FloatArray dB, FloatArray mA, FloatArray vA, FloatArray mB, FloatArray vB) {}

  /**
   * Why this model cannot run as one device step (null when it can). Checked: no dropout, every
   * trainable parameter is the lora_A/lora_B of a MergedLinear on a block's c_attn, unmerged,
   * without LoRA dropout, and every LayerNorm has both affine parts.
   */
  public static String unsupportedReason(Gpt model) {
    GptConfig cfg = model.config();
    if (cfg.nLayer() > MAX_LAYERS) {
      return cfg.nLayer() + " blocks: the chained graphs share every buffer, and past " + MAX_LAYERS + " blocks one of "
          + "them outgrows TornadoVM's fixed graph capacity (1024 nodes)";
    }
    if (cfg.dropout() != 0f) return "the model has dropout " + cfg.dropout() + " (the device step has none)";
    int expected = 0;
    for (int l = 0; l < cfg.nLayer(); l++) {
      Gpt2Block block = model.transformer().block(l);
      Module attn = block.attn().child("c_attn");
      if (!(attn instanceof MergedLinear ml)) return "block " + l + "'s c_attn has no MergedLinear LoRA";
      LoraAdapter ad = ml.lora().forwardAdapter();
      if (ad == null) return "block " + l + "'s c_attn LoRA is merged, disabled or has no active adapter";
      if (ad.dropout() != 0f) return "LoRA dropout " + ad.dropout() + " (the device step has none)";
      if (ml.fanInFanOut()) return "c_attn stores its weight fan_in_fan_out";
      if (!ad.a().requiresGrad() || !ad.b().requiresGrad()) return "block " + l + "'s lora_A/lora_B are frozen";
      expected += 2;
      for (LayerNorm ln : List.of(block.ln1(), block.ln2())) {
        if (ln.weight() == null || ln.bias() == null) return "a LayerNorm without weight or bias";
      }
    }
    int trainable = 0;
    for (var e : model.namedParameters().entrySet()) {
      if (!e.getValue().requiresGrad()) continue;
      trainable++;
      if (!e.getKey().contains(".attn.c_attn.lora_")) return "trainable parameter " + e.getKey() + " (only c_attn's LoRA pair is)";
    }
    if (trainable != expected) return trainable + " trainable parameters, expected the " + expected + " LoRA tensors of c_attn";
    return null;
  }

  /** Builds the graph for {@code batch} rows of {@code seqLen} tokens; nothing runs until the first {@link #step}. */
  public GptLoraDeviceStep(Gpt model, int batch, int seqLen, DeviceTrainStep.Settings settings) {
    DeviceGraph.configureRuntime();
    String why = unsupportedReason(model);
    if (why != null) throw new IllegalArgumentException("tornado device step: unsupported model: " + why);
    this.cfg = model.config();
    if (batch < 1 || seqLen < 1 || seqLen > cfg.blockSize()) {
      throw new ShapeException("tornado device step: batch [" + batch + ", " + seqLen + "] for block size " + cfg.blockSize());
    }
    this.batch = batch;
    this.seqLen = seqLen;
    this.rows = batch * seqLen;
    this.settings = settings;
    this.ids = new IntArray(rows);
    this.targets = new IntArray(rows);
    this.norms = new FloatArray(2 * cfg.nLayer() + 2);
    // the settings of the whole run; step() fills in lr, the bias corrections and 1/count
    scalars.set(ElementwiseKernels.BETA1, settings.beta1());
    scalars.set(ElementwiseKernels.BETA2, settings.beta2());
    scalars.set(ElementwiseKernels.EPS, settings.eps());
    scalars.set(ElementwiseKernels.WEIGHT_DECAY, settings.weightDecay());
    scalars.set(StepKernels.MAX_NORM, settings.maxGradNorm());

    int c = cfg.nEmbd();
    int v = cfg.vocabSize();
    String name = "gpt_lora_step";

    FloatArray wte = copy(model.transformer().wte().weight());
    FloatArray wpe = copy(model.transformer().wpe().weight());
    FloatArray lnFEps = eps(model.transformer().lnF());
    FloatArray lnFg = copy(model.transformer().lnF().weight());
    FloatArray lnFb = copy(model.transformer().lnF().bias());
    FloatArray wLm = copy(model.lmHead().weight());
    FloatArray[] xs = new FloatArray[cfg.nLayer() + 1];   // the residual stream between blocks, [rows, C] each
    for (int l = 0; l <= cfg.nLayer(); l++) xs[l] = new FloatArray(rows * c);
    for (int l = 0; l < cfg.nLayer(); l++) layers.add(layer(model.transformer().block(l), xs[l]));
    FloatArray proj = new FloatArray(rows * c);
    FloatArray hF = new FloatArray(rows * c);
    FloatArray meanF = new FloatArray(rows);
    FloatArray rstdF = new FloatArray(rows);
    FloatArray logits = new FloatArray(rows * v);
    FloatArray dLogits = new FloatArray(rows * v);
    FloatArray rowLoss = new FloatArray(rows);
    FloatArray dx = new FloatArray(rows * c);
    FloatArray dh = new FloatArray(rows * c);
    FloatArray dy = new FloatArray(rows * c);
    FloatArray dqkv = new FloatArray(rows * 3 * c);
    FloatArray dg = new FloatArray(rows * 4 * c);
    FloatArray df = new FloatArray(rows * 4 * c);
    FloatArray dScores = new FloatArray(batch * cfg.nHead() * seqLen * seqLen);
    int maxRn = 0;
    for (Layer ly : layers) maxRn = Math.max(maxRn, ly.rank * ly.nOn);
    FloatArray du = new FloatArray(rows * maxRn);

    List<Object> once = new ArrayList<>(List.of(wte, wpe, lnFEps, lnFg, lnFb, wLm, proj, hF, meanF, rstdF, logits,
        dLogits, rowLoss, dx, dh, dy, dqkv, dg, df, dScores, du, norms));
    for (FloatArray x : xs) once.add(x);
    for (Layer ly : layers) once.addAll(List.of(ly.slices, ly.loraScale, ly.ln1Eps, ly.ln1g, ly.ln1b, ly.wAttn, ly.bAttn,
        ly.loraA, ly.loraB, ly.wProj, ly.bProj, ly.ln2Eps, ly.ln2g, ly.ln2b, ly.wFc, ly.bFc, ly.wMp, ly.bMp, ly.h1,
        ly.mean1, ly.rstd1, ly.qkv, ly.u, ly.y, ly.probs, ly.xMid, ly.h2, ly.mean2, ly.rstd2, ly.f, ly.g, ly.dA, ly.dB,
        ly.mA, ly.vA, ly.mB, ly.vB));
    Chain chain = new Chain(name, once.toArray(), new Object[] {ids, targets, scalars});

    // ---- forward, one graph per block
    TaskGraph tg = chain.begin("fwd0");
    tg.task("embed", StepKernels::embed, ids, wte, wpe, xs[0], rows, c, seqLen);
    for (int l = 0; l < layers.size(); l++) {
      Layer ly = layers.get(l);
      int rn = ly.rank * ly.nOn;
      String p = "l" + l + "_";
      if (l > 0) tg = chain.begin("fwd" + l);
      tg.task(p + "ln1", RowKernels::layerNormForward, ly.ln1Eps, ly.xIn, ly.ln1g, ly.ln1b, ly.h1, ly.mean1, ly.rstd1,
          rows, c, 1, 1);
      chain.matmul(p + "qkv", ly.h1, ly.wAttn, ly.qkv, rows, 3 * c, c, false, true, false);      // h1·Wᵀ
      tg.task(p + "qkv_bias", StepKernels::addBias, ly.qkv, ly.bAttn, rows * 3 * c, 3 * c);
      chain.matmul(p + "lora_u", ly.h1, ly.loraA, ly.u, rows, rn, c, false, true, false);        // u = h1·Aᵀ
      tg.task(p + "lora_up", LoraKernels::up, ly.loraScale, ly.u, ly.loraB, ly.slices, ly.qkv, rows, c, ly.rank,
          ly.nOn, 3 * c);
      tg.task(p + "attn", AttentionKernels::forward, ly.qkv, ly.y, ly.probs, batch, seqLen, cfg.nHead(), c);
      chain.matmul(p + "attn_proj", ly.y, ly.wProj, proj, rows, c, c, false, true, false);
      tg.task(p + "attn_res", StepKernels::residual, ly.xIn, proj, ly.bProj, ly.xMid, rows * c, c);
      tg.task(p + "ln2", RowKernels::layerNormForward, ly.ln2Eps, ly.xMid, ly.ln2g, ly.ln2b, ly.h2, ly.mean2, ly.rstd2,
          rows, c, 1, 1);
      chain.matmul(p + "fc", ly.h2, ly.wFc, ly.f, rows, 4 * c, c, false, true, false);
      tg.task(p + "gelu", StepKernels::biasGelu, ly.f, ly.bFc, ly.g, rows * 4 * c, 4 * c);
      chain.matmul(p + "mlp_proj", ly.g, ly.wMp, proj, rows, c, 4 * c, false, true, false);
      tg.task(p + "mlp_res", StepKernels::residual, ly.xMid, proj, ly.bMp, xs[l + 1], rows * c, c);
    }
    tg = chain.begin("head");
    tg.task("ln_f", RowKernels::layerNormForward, lnFEps, xs[layers.size()], lnFg, lnFb, hF, meanF, rstdF, rows, c, 1, 1);
    chain.matmul("lm_head", hF, wLm, logits, rows, v, c, false, true, false);
    tg.task("cross_entropy", StepKernels::crossEntropy, scalars, logits, targets, rowLoss, dLogits, rows, v);
    tg.task("mean_loss", StepKernels::meanLoss, scalars, rowLoss, loss, rows);
    tg.transferToHost(DataTransferMode.EVERY_EXECUTION, loss);

    // ---- backward: dx is the gradient of the residual stream, walked back block by block
    chain.matmul("lm_head_back", dLogits, wLm, dh, rows, c, v, false, false, false);             // dlogits·Wlm
    tg.task("ln_f_back", RowKernels::layerNormBackwardInput, xs[layers.size()], lnFg, meanF, rstdF, dh, dx, rows, c, 1, 0);
    for (int l = layers.size() - 1; l >= 0; l--) {
      Layer ly = layers.get(l);
      int rn = ly.rank * ly.nOn;
      String p = "l" + l + "_";
      tg = chain.begin("bwd" + l);
      chain.matmul(p + "mlp_proj_back", dx, ly.wMp, dg, rows, 4 * c, c, false, false, false);    // dx·Wmp
      tg.task(p + "gelu_back", StepKernels::geluBackward, ly.f, dg, df, rows * 4 * c);
      chain.matmul(p + "fc_back", df, ly.wFc, dh, rows, c, 4 * c, false, false, false);          // df·Wfc
      tg.task(p + "ln2_back", RowKernels::layerNormBackwardInput, ly.xMid, ly.ln2g, ly.mean2, ly.rstd2, dh, dx, rows, c,
          1, 1);
      chain.matmul(p + "attn_proj_back", dx, ly.wProj, dy, rows, c, c, false, false, false);     // dx·Wp
      tg.task(p + "attn_back_q", AttentionKernels::backwardQuery, ly.qkv, ly.probs, dy, dScores, dqkv, batch, seqLen,
          cfg.nHead(), c);
      tg.task(p + "attn_back_kv", AttentionKernels::backwardKeyValue, ly.qkv, ly.probs, dy, dScores, dqkv, batch, seqLen,
          cfg.nHead(), c);
      chain.matmul(p + "qkv_back", dqkv, ly.wAttn, dh, rows, c, 3 * c, false, false, false);     // dqkv·W
      tg.task(p + "lora_down", LoraKernels::down, ly.loraScale, dqkv, ly.loraB, ly.slices, du, rows, c, ly.rank, ly.nOn,
          3 * c);
      tg.task(p + "lora_grad_b", LoraKernels::gradB, ly.loraScale, dqkv, ly.u, ly.slices, ly.dB, rows, c, ly.rank,
          ly.nOn, 3 * c);
      chain.matmul(p + "lora_grad_a", du, ly.h1, ly.dA, rn, c, rows, true, false, false);        // duᵀ·h1
      chain.matmul(p + "lora_back", du, ly.loraA, dh, rows, c, rn, false, false, true);          // dh += du·A
      tg.task(p + "ln1_back", RowKernels::layerNormBackwardInput, ly.xIn, ly.ln1g, ly.mean1, ly.rstd1, dh, dx, rows, c,
          1, 1);
    }

    // ---- clip the gradient norm, then AdamW
    int slots = 2 * layers.size();
    tg = chain.begin("optim");
    for (int l = 0; l < layers.size(); l++) {
      Layer ly = layers.get(l);
      tg.task("l" + l + "_norm_a", StepKernels::sumSquares, ly.dA, norms, ly.dA.getSize(), 2 * l);
      tg.task("l" + l + "_norm_b", StepKernels::sumSquares, ly.dB, norms, ly.dB.getSize(), 2 * l + 1);
    }
    tg.task("clip", StepKernels::clipCoefficient, scalars, norms, slots);
    for (int l = 0; l < layers.size(); l++) {
      Layer ly = layers.get(l);
      tg.task("l" + l + "_adamw_a", ElementwiseKernels::adamw, scalars, norms, ly.loraA, ly.dA, ly.mA, ly.vA,
          ly.loraA.getSize(), slots + 1);
      tg.task("l" + l + "_adamw_b", ElementwiseKernels::adamw, scalars, norms, ly.loraB, ly.dB, ly.mB, ly.vB,
          ly.loraB.getSize(), slots + 1);
    }

    this.graph = new DeviceGraph(name, chain.finish(), chain.grid);
  }

  @Override
  public float step(int[] stepIds, int[] stepTargets, float lr) {
    if (stepIds.length != rows || stepTargets.length != rows) {
      throw new ShapeException("tornado device step: " + stepIds.length + " ids and " + stepTargets.length
          + " targets for a batch of [" + batch + ", " + seqLen + "]");
    }
    int scored = 0;
    for (int i = 0; i < rows; i++) {
      // checked here: an id out of range would read past a device buffer
      if (stepIds[i] < 0 || stepIds[i] >= cfg.vocabSize()) {
        throw new IllegalArgumentException("tornado device step: token id " + stepIds[i] + " at position " + i
            + " is outside the vocabulary [0, " + cfg.vocabSize() + ")");
      }
      int t = stepTargets[i];
      if (t == StepKernels.IGNORE) continue;
      if (t < 0 || t >= cfg.vocabSize()) {
        throw new IllegalArgumentException("tornado device step: target " + t + " at position " + i
            + " is outside the vocabulary [0, " + cfg.vocabSize() + ") and is not the ignore index " + StepKernels.IGNORE);
      }
      scored++;
    }
    if (scored == 0) throw new IllegalArgumentException("tornado device step: every target of the batch is ignored");
    for (int i = 0; i < rows; i++) {
      ids.set(i, stepIds[i]);
      targets.set(i, stepTargets[i]);
    }
    int t = stepsDone + 1;
    scalars.set(ElementwiseKernels.LR, lr);
    scalars.set(ElementwiseKernels.BC1, (float) (1 - Math.pow(settings.beta1(), t)));
    scalars.set(ElementwiseKernels.BC2, (float) (1 - Math.pow(settings.beta2(), t)));
    scalars.set(StepKernels.INV_COUNT, 1f / scored);
    graph.run();
    stepsDone = t;
    return loss.get(0);
  }

  @Override
  public void syncToHost() {
    if (stepsDone == 0) return;   // nothing ran: the host copy is current
    List<Object> wanted = new ArrayList<>();
    for (Layer ly : layers) wanted.addAll(List.of(ly.loraA, ly.loraB));
    graph.transferToHost(wanted.toArray());
    for (Layer ly : layers) {
      copyBack(ly.loraA, ly.loraAParam);
      copyBack(ly.loraB, ly.loraBParam);
    }
  }

  @Override
  public long optimizerStateBytes() {
    long n = 0;
    for (Layer ly : layers) n += 2L * (ly.loraA.getSize() + ly.loraB.getSize());
    return n * Float.BYTES;
  }

  @Override
  public String describe() {
    return "whole LoRA step (forward, backward, clipping, AdamW) on the device as " + graph.graphCount()
        + " chained task graphs for batches of [" + batch + ", " + seqLen + "]; weights stay on the device, only the "
        + "loss comes back each step";
  }

  private Layer layer(Gpt2Block block, FloatArray xIn) {
    int c = cfg.nEmbd();
    MergedLinear attn = (MergedLinear) block.attn().child("c_attn");
    Linear cProj = (Linear) block.attn().child("c_proj");
    Linear cFc = (Linear) block.mlp().child("c_fc");
    Linear mProj = (Linear) block.mlp().child("c_proj");
    LoraAdapter ad = attn.lora().forwardAdapter();
    boolean[] mask = attn.enableLora();
    int nOn = attn.enabledSlices();
    IntArray slices = new IntArray(nOn);
    for (int j = 0, q = 0; j < mask.length; j++) if (mask[j]) slices.set(q++, j);
    FloatArray scale = new FloatArray(1);
    scale.set(0, ad.scaling());
    int rn = ad.r() * nOn;
    FloatArray loraA = copy(ad.a());
    FloatArray loraB = copy(ad.b());
    return new Layer(ad.a(), ad.b(), ad.r(), nOn, slices, scale,
        eps(block.ln1()), copy(block.ln1().weight()), copy(block.ln1().bias()),
        copy(attn.weight()), copy(attn.bias()), loraA, loraB, copy(cProj.weight()), copy(cProj.bias()),
        eps(block.ln2()), copy(block.ln2().weight()), copy(block.ln2().bias()),
        copy(cFc.weight()), copy(cFc.bias()), copy(mProj.weight()), copy(mProj.bias()),
        xIn, new FloatArray(rows * c), new FloatArray(rows), new FloatArray(rows), new FloatArray(rows * 3 * c),
        new FloatArray(rows * rn), new FloatArray(rows * c), new FloatArray(batch * cfg.nHead() * seqLen * seqLen),
        new FloatArray(rows * c), new FloatArray(rows * c), new FloatArray(rows), new FloatArray(rows),
        new FloatArray(rows * 4 * c), new FloatArray(rows * 4 * c),
        new FloatArray(loraA.getSize()), new FloatArray(loraB.getSize()),
        new FloatArray(loraA.getSize()), new FloatArray(loraA.getSize()),
        new FloatArray(loraB.getSize()), new FloatArray(loraB.getSize()));
  }

  private static FloatArray copy(Parameter p) {
    Tensor t = p.value();
    FloatArray out = new FloatArray(t.size());
    HostCopy.in(t.data(), t.offset(), out, t.size());
    return out;
  }

  private static void copyBack(FloatArray src, Parameter p) {
    Tensor t = p.value();
    HostCopy.out(src, t.data(), t.offset(), t.size());
  }

  private static FloatArray eps(LayerNorm ln) {
    FloatArray e = new FloatArray(1);
    e.set(RowKernels.EPS, ln.eps());
    return e;
  }

  /**
   * The step's graphs, in execution order. TornadoVM holds at most 1024 nodes in one graph (about
   * three blocks' worth), so the step is one graph per block forward, the head, one per block
   * backward, and the optimizer. They share every buffer: the first graph sends them
   * ({@code FIRST_EXECUTION}; ids, targets and scalars every step), each later one consumes them
   * from the graph before it and persists them for the next, so all of them work on the same
   * device memory and nothing returns to the host between graphs.
   */
  private static final class Chain {
    private final String prefix;
    private final Object[] shared;
    private final Object[] perStep;
    private final Object[] all;
    private final List<TaskGraph> graphs = new ArrayList<>();
    private final GridScheduler grid = new GridScheduler();
    private TaskGraph current;

    Chain(String prefix, Object[] shared, Object[] perStep) {
      this.prefix = prefix;
      this.shared = shared;
      this.perStep = perStep;
      this.all = new Object[shared.length + perStep.length];
      System.arraycopy(shared, 0, all, 0, shared.length);
      System.arraycopy(perStep, 0, all, shared.length, perStep.length);
    }

    /** Closes the graph being built (if any) and starts the next one. */
    TaskGraph begin(String name) {
      if (current == null) upload();
      TaskGraph previous = current;
      previous.persistOnDevice(all);
      current = new TaskGraph(prefix + "_" + name).consumeFromDevice(previous.getTaskGraphName(), all);
      graphs.add(current);
      return current;
    }

    /**
     * The first graph: sends every buffer (TornadoVM allocates and copies a buffer only for the
     * tasks that name it, hence the do-nothing {@link StepKernels#touch} tasks), the per-step
     * inputs each time.
     */
    private void upload() {
      current = new TaskGraph(prefix + "_upload");
      current.transferToDevice(DataTransferMode.FIRST_EXECUTION, shared);
      current.transferToDevice(DataTransferMode.EVERY_EXECUTION, perStep);
      List<FloatArray> floats = new ArrayList<>();
      int t = 0;
      for (Object o : all) {
        if (o instanceof FloatArray f) floats.add(f);
        else current.task("touch" + t++, StepKernels::touchInts, (IntArray) o, 0);
      }
      int i = 0;
      for (; i + 8 <= floats.size(); i += 8) {
        current.task("touch" + t++, StepKernels::touch, floats.get(i), floats.get(i + 1), floats.get(i + 2),
            floats.get(i + 3), floats.get(i + 4), floats.get(i + 5), floats.get(i + 6), floats.get(i + 7), 0);
      }
      for (; i < floats.size(); i++) current.task("touch" + t++, StepKernels::touchOne, floats.get(i), 0);
      graphs.add(current);
    }

    List<TaskGraph> finish() {
      current.persistOnDevice(all);
      return graphs;
    }

    // C [m, n] (+)= op(A) [m, k] · op(B) [k, n]
    void matmul(String task, FloatArray a, FloatArray b, FloatArray c, int m, int n, int k,
                boolean transA, boolean transB, boolean accumulate) {
      current.task(task, MatmulKernel::matmul, new KernelContext(), a, b, c, m, n, k, transA ? 1 : 0, transB ? 1 : 0, 0,
          accumulate ? 1 : 0);
      grid.addWorkerGrid(current.getTaskGraphName() + "." + task, MatmulOffload.worker(1, m, n));
    }
  }
}
