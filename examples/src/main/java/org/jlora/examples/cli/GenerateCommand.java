package org.jlora.examples.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jlora.engine.Rng;
import org.jlora.examples.data.CharTokenizer;
import org.jlora.examples.generate.Generation;
import org.jlora.examples.generate.Generator;
import org.jlora.examples.generate.Sampling;
import org.jlora.examples.gpt.Checkpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jlora generate}: continues a prompt with a checkpoint (and optionally an adapter). */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Continue a prompt: greedy by default, or sampled with --temperature and --top-k.")
public final class GenerateCommand implements Runnable {
  @Mixin OutputOptions output;

  @Option(names = "--model", defaultValue = ".jlora/base", description = "checkpoint directory (default ${DEFAULT-VALUE})")
  Path model;

  @Option(names = "--adapter", description = "PEFT adapter directory to apply (from finetune --method lora)")
  Path adapter;

  @Option(names = "--merge", description = "merge the adapter into the weights first (same tokens, base-model speed)")
  boolean merge;

  @Option(names = "--prompt", required = true, description = "text to continue, e.g. 'rol:hello='")
  String prompt;

  @Option(names = "--max-tokens", defaultValue = "50", description = "new tokens at most (default ${DEFAULT-VALUE})")
  int maxTokens;

  @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default ${DEFAULT-VALUE})")
  float temperature;

  @Option(names = "--top-k", defaultValue = "0", description = "sample among the k likeliest tokens (0 = all)")
  int topK;

  @Option(names = "--no-stop", description = "do not stop at a newline")
  boolean noStop;

  @Option(names = "--seed", defaultValue = "1", description = "sampling seed (default ${DEFAULT-VALUE})")
  long seed;

  @Override
  public void run() {
    if (maxTokens < 1) throw new IllegalArgumentException("--max-tokens must be >= 1, got " + maxTokens);
    Sampling sampling = new Sampling(temperature, topK);
    Checkpoint.Loaded loaded = Models.load(model, adapter, merge);
    CharTokenizer tok = loaded.tokenizer();
    if (prompt.isEmpty()) throw new IllegalArgumentException("--prompt is empty");
    int stop = !noStop && tok.contains('\n') ? tok.id('\n') : -1;
    long t0 = System.nanoTime();
    Generation g = new Generator(loaded.model()).generate(tok.encode(prompt), maxTokens, sampling, new Rng(seed), stop);
    int[] ids = g.tokens(0);
    boolean cut = g.stop(0) == Generation.Stop.CONTEXT_FULL;
    double s = (System.nanoTime() - t0) / 1e9;
    String text = tok.decode(ids);
    if (output.json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("prompt", prompt);
      m.put("completion", text);
      m.put("tokens", ids.length);
      m.put("tokens_per_s", ids.length / s);
      m.put("stopped_at", cut ? "context_length" : g.stop(0) == Generation.Stop.STOP_TOKEN ? "stop_token" : "max_tokens");
      System.out.println(OutputOptions.line(m));
    } else {
      System.out.println(prompt + text);
    }
    if (cut) {
      System.err.println("jlora: generate: stopped after " + ids.length + " of --max-tokens " + maxTokens
          + " tokens: the model's context length is " + loaded.model().contextLength() + "; use a shorter prompt");
    }
  }
}
