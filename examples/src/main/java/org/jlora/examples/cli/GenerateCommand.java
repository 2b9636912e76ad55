package org.jlora.examples.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.engine.Rng;
import org.jlora.examples.data.CharTokenizer;
import org.jlora.examples.generate.Generation;
import org.jlora.examples.generate.Generator;
import org.jlora.examples.generate.Sampling;
import org.jlora.examples.tokenize.ChatTemplate;
import org.jlora.examples.tokenize.Tokenizer;
import org.jlora.examples.train.StepReplay;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jlora generate}: continues a prompt (or answers a chat message) with a model and optionally an adapter. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Continue a prompt: greedy by default, or sampled with --temperature and --top-k.",
        "  jlora generate --model stories260K.bin --prompt 'Once upon a time'",
        "  jlora generate --model SmolLM2-135M-Instruct --adapter my-adapter --chat --prompt 'What is LoRA?'"})
public final class GenerateCommand implements Runnable {
  @Option(names = "--model", defaultValue = ".jlora/base",
      description = "the model: a Hugging Face directory, a llama2.c .bin, or a jlora checkpoint (default ${DEFAULT-VALUE})")
  Path model;

  @Option(names = "--tokenizer", description = "tokenizer file or directory, if not the one found with the model")
  Path tokenizer;

  @Option(names = "--adapter", description = "PEFT adapter directory to apply (from finetune --method lora, or PEFT)")
  Path adapter;

  @Option(names = "--merge", description = "merge the adapter into the weights first (same tokens, base-model speed)")
  boolean merge;

  @Option(names = "--prompt", required = true, description = "text to continue, or with --chat the user's message")
  String prompt;

  @Option(names = "--chat", description = "wrap --prompt as a user message with the model's chat template")
  boolean chat;

  @Option(names = "--max-tokens", defaultValue = "50", description = "new tokens at most (default ${DEFAULT-VALUE})")
  int maxTokens;

  @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default ${DEFAULT-VALUE})")
  float temperature;

  @Option(names = "--top-k", defaultValue = "0", description = "sample among the k likeliest tokens (0 = all)")
  int topK;

  @Option(names = "--no-stop", description = "do not stop at the end-of-sequence token (a newline for the toy model)")
  boolean noStop;

  @Option(names = "--seed", defaultValue = "1", description = "sampling seed (default ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--step-replay", defaultValue = "auto", description = "record the forward of the first new token "
      + "once and replay its kernels for every later token: auto (where the backend runs recorded steps on a device), "
      + "on, off; the tokens are the same (default ${DEFAULT-VALUE})")
  String stepReplay;

  @Spec CommandSpec spec;

  @Mixin KernelOptions kernels;
  @Mixin WeightOptions weights;
  @Mixin BaseDTypeOptions baseDType;
  @Mixin OutputOptions output;

  @Override
  public void run() {
    weights.apply();
    kernels.apply();
    if (maxTokens < 1) throw new IllegalArgumentException("--max-tokens must be >= 1, got " + maxTokens);
    if (prompt.isEmpty()) throw new IllegalArgumentException("--prompt is empty");
    Sampling sampling = new Sampling(temperature, topK);
    Models.Loaded loaded = Models.open(model, tokenizer, adapter, merge, baseDType.get());
    Tokenizer tok = loaded.tokenizer();
    int[] ids = promptIds(loaded, tok);
    int stop = noStop ? -1 : stopToken(tok);
    long t0 = System.nanoTime();
    Generator generator = new Generator(loaded.model()).decodeReplay(StepReplay.parse(stepReplay))
        .onMessage(m -> spec.commandLine().getErr().println("jlora: generate: " + m));
    Generation g = generator.generate(ids, maxTokens, sampling, new Rng(seed), stop);
    int[] out = g.tokens(0);
    boolean cut = g.stop(0) == Generation.Stop.CONTEXT_FULL;
    double s = (System.nanoTime() - t0) / 1e9;
    String text = tok.decode(out, true);
    if (output.json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("prompt", prompt);
      m.put("completion", text);
      m.put("tokens", out.length);
      m.put("tokens_per_s", out.length / s);
      m.put("stopped_at", cut ? "context_length" : g.stop(0) == Generation.Stop.STOP_TOKEN ? "stop_token" : "max_tokens");
      System.out.println(OutputOptions.line(m));
    } else {
      System.out.println(chat ? text : prompt + text);
    }
    if (cut) {
      System.err.println("jlora: generate: stopped after " + out.length + " of --max-tokens " + maxTokens
          + " tokens: the model's context length is " + loaded.model().contextLength() + "; use a shorter prompt");
    }
  }

  /** The prompt as the model reads it: with BOS (as the tokenizer adds by default), or rendered as a chat. */
  private int[] promptIds(Models.Loaded loaded, Tokenizer tok) {
    if (!chat) return tok.encode(prompt, true);
    ChatTemplate template = loaded.pretrained().chatTemplate();
    if (template == null) {
      throw new IllegalArgumentException("--chat: " + model + " has no chat template (tokenizer_config.json's"
          + " chat_template); drop --chat to continue the prompt as plain text");
    }
    String text = template.render(List.of(new ChatTemplate.Message("user", prompt)), true);
    return tok.encode(text, false);   // the template writes the special tokens itself, as apply_chat_template
  }

  /** Where a reply ends: the tokenizer's EOS, or a newline for the toy model's character tokenizer. */
  private static int stopToken(Tokenizer tok) {
    if (tok instanceof CharTokenizer chars) return chars.contains('\n') ? chars.id('\n') : -1;
    return tok.eosId().orElse(-1);
  }
}
