package org.jlora.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The GPT commands on a nano budget: pretrain -> finetune (LoRA) -> generate / eval, and their error messages. */
class CliTest {
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    PrintStream oldOut = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    System.setOut(new PrintStream(out, true));
    try {
      CommandLine cl = Main.commandLine();
      cl.setErr(new PrintWriter(err, true));
      int code = cl.execute(args);
      return new Run(code, out.toString(), err.toString());
    } finally {
      System.setOut(oldOut);
    }
  }

  @Test
  void pretrainFinetuneGenerateEval(@TempDir Path dir) {
    String base = dir.resolve("base").toString();
    String adapter = dir.resolve("adapter").toString();
    Run p = run("pretrain", "--model", "nano", "--steps", "4", "--batch", "4", "--context", "16", "--out", base, "--json");
    assertEquals(0, p.code(), p.err());
    assertTrue(p.out().lines().count() >= 5 && p.out().contains("\"step\":4"), p.out());
    Run f = run("finetune", "--base", base, "--method", "lora", "--rank", "2", "--steps", "3", "--batch", "4",
        "--context", "16", "--out", adapter, "--quiet");
    assertEquals(0, f.code(), f.err());
    assertTrue(Files.exists(dir.resolve("adapter").resolve("adapter_config.json")));
    Run g = run("generate", "--model", base, "--adapter", adapter, "--prompt", "rot:abc=", "--max-tokens", "5", "--json");
    assertEquals(0, g.code(), g.err());
    assertTrue(g.out().contains("\"completion\""), g.out());
    Run replayed = run("generate", "--model", base, "--adapter", adapter, "--prompt", "rot:abc=", "--max-tokens", "5",
        "--step-replay", "on", "--json");
    assertEquals(g.out().replaceAll(",\"tokens_per_s\".*", ""), replayed.out().replaceAll(",\"tokens_per_s\".*", ""),
        "a replayed decode step gives the same completion");
    assertTrue(replayed.err().contains("decode step: replaying"), replayed.err());
    Run badReplay = run("generate", "--model", base, "--prompt", "x", "--step-replay", "always");
    assertEquals(1, badReplay.code());
    assertTrue(badReplay.err().contains("--step-replay: 'always' is not one of auto, on, off"), badReplay.err());
    Run merged = run("generate", "--model", base, "--adapter", adapter, "--merge", "--prompt", "rot:abc=", "--max-tokens", "5", "--json");
    assertEquals(g.out().replaceAll(",\"tokens_per_s\".*", ""), merged.out().replaceAll(",\"tokens_per_s\".*", ""),
        "merged and unmerged adapters give the same completion");
    Run e = run("eval", "--model", base, "--task", "rev", "-n", "3", "--json");
    assertEquals(0, e.code(), e.err());
    assertTrue(e.out().contains("\"accuracy\""), e.out());
    Run resume = run("pretrain", "--model", "nano", "--steps", "6", "--batch", "4", "--context", "16", "--out", base, "--resume", "--quiet");
    assertEquals(1, resume.code(), "other settings than the checkpoint's: " + resume.out());
    assertTrue(resume.err().contains("same settings"), resume.err());
  }

  @Test
  void checkpointActivationsTrainsTheSameRun(@TempDir Path dir) {
    // with dropout on, four AdamW steps: every step's loss (and lr) is the same, only the timings differ
    String[] losses = new String[2];
    for (int k = 0; k < 2; k++) {
      List<String> args = new ArrayList<>(List.of("pretrain", "--model", "nano", "--dropout", "0.1", "--steps", "4",
          "--batch", "4", "--context", "16", "--out", dir.resolve("run" + k).toString(), "--json"));
      if (k == 1) args.add("--checkpoint-activations");
      Run r = run(args.toArray(new String[0]));
      assertEquals(0, r.code(), r.err());
      losses[k] = r.out().lines().filter(l -> l.startsWith("{\"step\"")).map(l -> l.replaceAll(",\"ms\".*", ""))
          .collect(Collectors.joining("\n"));
    }
    assertTrue(losses[0].contains("\"step\":4"), losses[0]);
    assertEquals(losses[0], losses[1]);
    Run bench = run("bench", "train", "--model", "tiny", "--batch", "2", "--warmup", "1", "--steps", "1",
        "--checkpoint-activations", "--json");
    assertEquals(0, bench.code(), bench.err());
    assertTrue(bench.out().contains("\"checkpoint_activations\":true"), bench.out());
  }

  @Test
  void benchGenerateRunsThroughAnAdapterOrItsMerge() {
    for (String[] extra : new String[][] {{"--lora", "c_attn"}, {"--lora", "c_attn", "--merged"}}) {
      List<String> args = new ArrayList<>(List.of("bench", "generate", "--model", "tiny", "--tokens", "4", "--warmup", "0",
          "--iters", "1", "--json"));
      args.addAll(List.of(extra));
      Run r = run(args.toArray(new String[0]));
      assertEquals(0, r.code(), r.err());
      assertTrue(r.out().contains(extra.length == 3 ? "\"lora\":\"c_attn[q,v] (merged)\"" : "\"lora\":\"c_attn[q,v]\""),
          r.out());
    }
    Run alone = run("bench", "generate", "--merged");
    assertEquals(1, alone.code());
    assertTrue(alone.err().contains("--merged needs --lora TARGETS"), alone.err());
  }

  @Test
  void aBf16BaseTrainsLoraAndRefusesWhatWouldWriteIt() {
    String tinyBf16 = Path.of("src/test/resources/llama/tiny-llama-bf16").toString();
    Run bench = run("bench", "train", "--config", tinyBf16 + "/config.json", "--method", "lora", "--targets",
        "all-linear", "--base-dtype", "bf16", "--batch", "1", "--seq", "8", "--warmup", "1", "--steps", "1", "--json");
    assertEquals(0, bench.code(), bench.err());
    assertTrue(bench.out().contains("\"base_dtype\":\"bf16\""), bench.out());
    Run full = run("bench", "train", "--config", tinyBf16 + "/config.json", "--base-dtype", "bf16");
    assertEquals(1, full.code());
    assertTrue(full.err().contains("--method full trains them; use --method lora"), full.err());
    Run gpt = run("bench", "train", "--model", "tiny", "--method", "lora", "--base-dtype", "bf16");
    assertEquals(1, gpt.code());
    assertTrue(gpt.err().contains("--base-dtype bf16 builds Llama-shaped models"), gpt.err());
    Run fullFinetune = run("finetune", "--model", tinyBf16, "--method", "full", "--base-dtype", "bf16");
    assertEquals(1, fullFinetune.code());
    assertTrue(fullFinetune.err().contains("full fine-tuning trains every weight; use --base-dtype f32"),
        fullFinetune.err());
  }

  @Test
  void errorsSayWhatIsWrong(@TempDir Path dir) {
    Run missing = run("generate", "--model", dir.resolve("none").toString(), "--prompt", "x");
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("no model") && missing.err().contains("Hugging Face model directory"), missing.err());
    Run badMethod = run("finetune", "--method", "qlora");
    assertEquals(1, badMethod.code());
    assertTrue(badMethod.err().contains("--method must be lora or full"), badMethod.err());
    Run badNumber = run("bench", "train", "--threads", "two");
    assertEquals(2, badNumber.code(), "picocli's usage error");
    assertTrue(badNumber.err().contains("--threads"), badNumber.err());
    Run badModel = run("pretrain", "--model", "huge", "--steps", "1", "--out", dir.resolve("x").toString(), "--quiet");
    assertEquals(1, badModel.code());
    assertTrue(badModel.err().contains("unknown model config 'huge'"), badModel.err());
  }

  @Test
  void everyCommandHasHelp() {
    for (String[] cmd : new String[][] {{"pretrain"}, {"finetune"}, {"generate"}, {"eval"}, {"demo"}, {"toy-demo"},
        {"merge"}, {"tokenize"}, {"bench", "train"},
        {"bench", "generate"}}) {
      String[] args = java.util.Arrays.copyOf(cmd, cmd.length + 1);
      args[cmd.length] = "--help";
      Run r = run(args);
      assertEquals(0, r.code(), String.join(" ", cmd));
    }
  }

  @Test
  void evalHelpListsOnlyWhatEvalUses() {
    String help = Main.commandLine().getSubcommands().get("eval").getUsageMessage();
    for (String used : new String[] {"--model=", "--adapter=", "--task=", "--data=", "-n=", "--seed=", "--json"}) {
      assertTrue(help.contains(used), used + " missing from: " + help);
    }
    for (String unused : new String[] {"--steps", "--batch", "--lr", "--context", "--grad-accum", "--quiet"}) {
      assertTrue(!help.contains(unused), unused + " is a training option: " + help);
    }
  }
}
