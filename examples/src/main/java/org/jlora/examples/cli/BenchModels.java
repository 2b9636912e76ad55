package org.jlora.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jlora.examples.gpt.Gpt;
import org.jlora.examples.gpt.GptConfig;
import org.jlora.examples.gpt.GptLora;
import org.jlora.engine.Rng;
import org.jlora.examples.model.LanguageModel;
import org.jlora.examples.model.LayerSource;
import org.jlora.examples.model.gpt2.Gpt2;
import org.jlora.examples.model.gpt2.Gpt2Config;
import org.jlora.examples.model.llama.Llama;
import org.jlora.examples.model.llama.LlamaConfig;
import org.jlora.lora.LoraConfig;
import org.jlora.lora.LoraModel;

/**
 * The models the benchmarks build, with random weights (no download): the small GPT ({@code tiny},
 * {@code small}), named real-model shapes ({@code gpt2-124m}, {@code smollm2-135m}) or any Hugging
 * Face {@code config.json} ({@code --arch llama|gpt2 --config PATH}). The PyTorch twin
 * (examples/src/test/python/bench_hf_torch.py) builds the same shapes with transformers.
 */
final class BenchModels {
  private BenchModels() {}

  /** The small GPT's character vocabulary. */
  static final int GPT_VOCAB = 65;

  /** SmolLM2-135M's shape: 30 layers, 576 dims, 9 heads, 3 KV heads, FFN 1536, vocab 49152, tied. */
  static LlamaConfig smollm2135m() {
    return LlamaConfig.builder().vocabSize(49152).hiddenSize(576).intermediateSize(1536).numLayers(30).numHeads(9)
        .numKvHeads(3).maxPositions(8192).rmsEps(1e-5f).ropeTheta(100000f).tieEmbeddings(true).build();
  }

  /** GPT-2 small's shape (124M): 12 layers, 768 dims, 12 heads, vocab 50257, context 1024; no dropout. */
  static Gpt2Config gpt2124m() {
    return new Gpt2Config(50257, 1024, 768, 12, 12, 3072, 1e-5f, 0f);
  }

  /** A fresh model: {@code model} names a shape, or {@code arch} + {@code config} read a config.json. */
  static LanguageModel build(String model, String arch, Path config, long seed) {
    if (config != null) {
      JsonNode json = readConfig(config);
      String a = arch != null ? arch : json.path("model_type").asText("llama");
      return switch (a) {
        case "gpt2" -> {
          Gpt2Config c = Gpt2Config.fromHfConfig(json, config.toString());
          // dropout off: a benchmark times the deterministic step, as the twin does
          yield new Gpt2(new Gpt2Config(c.vocabSize(), c.nPositions(), c.nEmbd(), c.nLayer(), c.nHead(), c.nInner(),
              c.layerNormEpsilon(), 0f), seed);
        }
        case "llama", "qwen2" -> new Llama(LlamaConfig.fromHfConfig(json, config.toString()), seed);
        default -> throw new IllegalArgumentException("--arch must be llama or gpt2, got '" + a + "'");
      };
    }
    return switch (model) {
      case "tiny", "small" -> new Gpt(GptConfig.named(model, GPT_VOCAB), seed);
      case "gpt2-124m" -> new Gpt2(gpt2124m(), seed);
      case "smollm2-135m" -> new Llama(smollm2135m(), seed);
      default -> throw new IllegalArgumentException(
          "--model must be tiny, small, gpt2-124m or smollm2-135m (or give --config), got '" + model + "'");
    };
  }

  /** A benchmark's {@code --base-dtype}: true for bf16 weight matrices, false for f32. */
  static boolean bf16Base(String baseDType) {
    return switch (baseDType) {
      case "f32" -> false;
      case "bf16" -> true;
      default -> throw new IllegalArgumentException("--base-dtype must be f32 or bf16, got '" + baseDType + "'");
    };
  }

  /** The adapter a benchmark put on its model, and the targets' name for the report. */
  record Lora(LoraModel model, String targets) {}

  /**
   * Injects LoRA (r 8, alpha 16, no dropout, PEFT's defaults otherwise) on {@code targets}: a comma
   * list of module names, or {@code all-linear}; null means the model's usual q,v targets. The small
   * GPT keeps its q/v-masked c_attn for the default.
   */
  static Lora injectLora(LanguageModel m, String targets) {
    if (m instanceof Gpt && (targets == null || targets.equals("c_attn"))) {
      return new Lora(LoraModel.inject(m, GptLora.queryValue(8, 16f, 0f, 1L)), "c_attn[q,v]");
    }
    String t = targets != null ? targets : m instanceof Llama ? "q_proj,v_proj" : "c_attn";
    LoraConfig.Builder b = LoraConfig.builder().r(8).loraAlpha(16f).loraDropout(0f).mergeWeights(false).seed(1L);
    if (t.equals(LoraModel.ALL_LINEAR)) b.targetRegex(LoraModel.ALL_LINEAR);
    else b.targetModules(List.of(t.split(",")));
    return new Lora(LoraModel.inject(m, b.build()), t);
  }

  /**
   * {@link #build}, with the weight matrices of a Llama-shaped model frozen in bf16 when
   * {@code bf16Base} (random N(0, 0.02²) rounded to bf16, each matrix built directly in bf16); only
   * the LoRA method leaves them frozen, so only it may ask.
   */
  static LanguageModel build(String model, String arch, Path config, long seed, boolean bf16Base) {
    if (!bf16Base) return build(model, arch, config, seed);
    LlamaConfig cfg;
    if (config != null) {
      JsonNode json = readConfig(config);
      String a = arch != null ? arch : json.path("model_type").asText("llama");
      if (!a.equals("llama") && !a.equals("qwen2")) throw bf16NeedsLlama(a);
      cfg = LlamaConfig.fromHfConfig(json, config.toString());
    } else if (model.equals("smollm2-135m")) {
      cfg = smollm2135m();
    } else {
      throw bf16NeedsLlama(model);
    }
    return new Llama(cfg, LayerSource.randomBf16(new Rng(seed), 0.02f));   // norms start at 1
  }

  private static JsonNode readConfig(Path config) {
    try {
      return new ObjectMapper().readTree(Files.readString(config));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + config, e);
    }
  }

  private static IllegalArgumentException bf16NeedsLlama(String what) {
    return new IllegalArgumentException("--base-dtype bf16 builds Llama-shaped models (smollm2-135m, or a llama"
        + " --config), not " + what);
  }

  /** The model's shape name for the report. */
  static String name(String model, Path config) {
    return config != null ? config.toString() : model;
  }

  /**
   * Adds {@code peak_rss_mb} to a benchmark's JSON line, left out where the OS does not say (the
   * scripts read a missing figure as unknown); returns the bytes, or -1.
   */
  static long putPeakRss(Map<String, Object> out) {
    long rss = peakRssBytes();
    if (rss >= 0) out.put("peak_rss_mb", rss / (1024.0 * 1024.0));
    return rss;
  }

  /** The peak RSS for a text report: "123 MiB", or why there is no figure. */
  static String rssText(long bytes) {
    return bytes >= 0 ? String.format("%.0f MiB", bytes / (1024.0 * 1024.0)) : "not available (no /proc/self/status)";
  }

  /**
   * Peak resident set size of this process in bytes: VmHWM of /proc/self/status, the kernel's
   * high-water mark of resident memory (Linux; -1 elsewhere). It is the figure of the whole
   * process, heap, JIT code, thread stacks and all, as bench_hf_torch.py reads it for PyTorch.
   */
  static long peakRssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024L;   // "VmHWM:   123456 kB"
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
