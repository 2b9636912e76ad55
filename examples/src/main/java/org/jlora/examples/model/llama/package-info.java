/**
 * The Llama family (Llama 1-3, SmolLM2, TinyLlama, Qwen2/2.5, llama2.c checkpoints): one model,
 * {@link org.jlora.examples.model.llama.Llama}, written once for training and cached generation.
 *
 * <pre>{@code
 * Llama hf = HfLlama.load(Path.of("SmolLM2-135M"));                      // config.json + safetensors
 * Llama bin = Llama2cCheckpoint.read(Path.of("stories260K.bin"));         // HF names, rotate-half RoPE
 * LoraModel lm = LoraModel.inject(bin, LoraConfig.builder().targetModules("q_proj", "v_proj").build());
 * Variable loss = bin.loss(ids, targets, b, t);                           // training: no cache
 * try (NoGrad ng = NoGrad.enter()) {                                      // generation: a cache
 *   KvCache cache = bin.newCache(1);
 *   Variable logits = bin.forward(new int[] {1}, 1, 1, cache);
 * }
 * Llama2cCheckpoint.write((Llama) lm.mergeAndUnload(), Path.of("merged.bin"));   // runs in run.c
 * HfLlama.save(bin, Path.of("hf-dir"));                                   // transformers loads it
 * }</pre>
 *
 * <p>The modules mirror transformers' ({@code LlamaModel}, {@code LlamaDecoderLayer},
 * {@code LlamaAttention}, {@code LlamaMlp}) so parameter names, LoRA targets and PEFT adapter keys
 * are Hugging Face's. The ops live in {@code org.jlora.autograd.ops}: {@code RmsNormOps},
 * {@code RopeOps}, {@code SwiGluOps}, {@code GqaAttentionOps}.
 */
package org.jlora.examples.model.llama;
