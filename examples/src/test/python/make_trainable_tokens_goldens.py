"""Writes PEFT 0.21 oracles for trainable_token_indices under examples/src/test/resources/peft/.

Run by hand from the repository root (no network; the model is built from a config):
    python3 examples/src/test/python/make_trainable_tokens_goldens.py
Made with torch 2.13, transformers 5.18, peft 0.21, float32 on the CPU, seeded: reruns give the same files.

The model: LlamaForCausalLM, vocab 64, hidden 16, 2 layers, 2 heads, 1 kv head, mlp 32, TIED head
(tie_word_embeddings: the output head is the embedding table, so PEFT ties a second TrainableTokens
layer to lm_head that shares the embedding's delta).
The adapter: LoraConfig(r 2, alpha 4, target_modules ["q_proj", "v_proj"], trainable_token_indices [3, 5, 7]),
trained 3 AdamW steps (lr 0.05) on loss = sum(logits * w), w[i] = sin(0.1 * i) over the flattened
[B, T, V] logits, so lora_B != 0 and the three rows moved away from the base embedding.

What it writes:
  llama-tiny-tied/                    the base model (save_pretrained; no lm_head.weight, it is tied)
  llama-tiny-tied-tokens/             PeftModel.save_pretrained: adapter_config.json and
                                      adapter_model.safetensors with ...embed_tokens.token_adapter.trainable_tokens_delta
                                      [3, 16] and the q/v LoRA matrices (nothing for lm_head: it is tied)
  llama-tiny-tied-tokens-logits.json  {"input_ids" [2, 9], "base_logits", "peft_logits", "merged_logits" [2, 9, 64],
                                      "delta_grad" [3, 16]: the delta's gradient of sum(logits * w) with the
                                      loaded adapter (embedding lookup and tied head both contribute),
                                      "lm_head_row_3": the head's weight row 3 as PEFT's tied layer sees it}
  gpt2-tiny-tokens/, gpt2-tiny-tokens-logits.json   the same on make_peft_goldens.py's gpt2-tiny (tied wte, Conv1D):
                                      LoRA on c_attn and rows [3, 5, 7] of transformer.wte (the list form
                                      means the input embedding, wte, not wpe); ids < 128

The other direction (by hand, after this script): TrainableTokensPeftTest with -Djlora.writeTokensGolden=true
writes jlora-tied-tokens/ (the adapter as jlora saves it), then, from examples/src/test/resources/peft/:
    python3 ../../python/check_jlora_adapter.py llama-tiny-tied jlora-tied-tokens \
        llama-tiny-tied-tokens-logits.json jlora-tied-tokens-logits.json
gives PEFT's logits with jlora's file (equal to peft_logits above: max diff 0.0 when made).
"""
import json
import math
import os
import shutil

import peft
import safetensors
import torch
import transformers
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "resources", "peft"))
VOCAB = 64
TOKENS = [3, 5, 7]
# ids 3, 5 and 7 occur, so the lookup contributes to their gradient as well as the tied head
INPUT_IDS = [
    [1, 3, 42, 9, 5, 63, 7, 8, 0],
    [5, 5, 20, 33, 7, 2, 11, 14, 3],
]
VERSIONS = {"torch": torch.__version__, "transformers": transformers.__version__,
            "peft": peft.__version__, "safetensors": safetensors.__version__}


def floats(t):
    return json.loads(json.dumps(t.detach().tolist()), parse_float=lambda s: float("%.9g" % float(s)))


def fresh_dir(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)


def loss_weights(shape):
    n = 1
    for d in shape:
        n *= d
    return torch.tensor([math.sin(0.1 * i) for i in range(n)], dtype=torch.float32).reshape(shape)


def logits_of(model):
    model.eval()
    with torch.no_grad():
        return model(input_ids=torch.tensor(INPUT_IDS)).logits.to(torch.float32)


def base_model():
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=VOCAB, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                      num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=32,
                      tie_word_embeddings=True, attn_implementation="eager")
    model = LlamaForCausalLM(cfg)
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, p in model.named_parameters():   # tied: the table is listed once
            noise = torch.randn(p.shape, generator=g)
            p.copy_(1.0 + 0.1 * noise if "norm" in name else 0.2 * noise)
    assert model.lm_head.weight is model.model.embed_tokens.weight
    return model


def main():
    base = base_model()
    base_dir = os.path.join(OUT, "llama-tiny-tied")
    fresh_dir(base_dir)
    base.save_pretrained(base_dir, safe_serialization=True)
    make(LlamaForCausalLM, "llama-tiny-tied", ["q_proj", "v_proj"], "llama-tiny-tied-tokens",
         lambda m: m.model.embed_tokens, lambda m: m.lm_head)
    # made by make_peft_goldens.py: GPT-2's tied head, Conv1D attention
    make(GPT2LMHeadModel, "gpt2-tiny", ["c_attn"], "gpt2-tiny-tokens",
         lambda m: m.transformer.wte, lambda m: m.lm_head)


def make(model_cls, base_name, targets, name, embedding_of, head_of):
    base_dir = os.path.join(OUT, base_name)
    base_logits = logits_of(model_cls.from_pretrained(base_dir, attn_implementation="eager"))
    vocab = base_logits.shape[-1]
    cfg = LoraConfig(r=2, lora_alpha=4, target_modules=targets, trainable_token_indices=TOKENS)
    torch.manual_seed(2)
    model = get_peft_model(model_cls.from_pretrained(base_dir, attn_implementation="eager"), cfg)
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=0.05)
    ids = torch.tensor(INPUT_IDS)
    w = loss_weights((2, 9, vocab))
    for _ in range(3):
        opt.zero_grad()
        (model(input_ids=ids).logits * w).sum().backward()
        opt.step()
    adapter_dir = os.path.join(OUT, name)
    fresh_dir(adapter_dir)
    model.save_pretrained(adapter_dir)
    readme = os.path.join(adapter_dir, "README.md")
    if os.path.exists(readme):
        os.remove(readme)

    # reload as a user would, then measure: logits, the delta's gradient, merged logits
    loaded = PeftModel.from_pretrained(model_cls.from_pretrained(base_dir, attn_implementation="eager"),
                                       adapter_dir, is_trainable=True)
    peft_logits = logits_of(loaded)
    loaded.eval()
    delta = embedding_of(loaded.base_model.model).token_adapter.trainable_tokens_delta["default"]
    (loaded(input_ids=ids).logits * w).sum().backward()
    delta_grad = delta.grad.clone()
    head_row = head_of(loaded.base_model.model).token_adapter.get_merged_weights(["default"])[3]
    merged = loaded.merge_and_unload()
    merged_logits = logits_of(merged)
    assert (peft_logits - base_logits).abs().max() > 1e-3, "the adapter changes nothing"
    assert torch.allclose(peft_logits, merged_logits, atol=1e-5), "merged differs from unmerged"
    with open(os.path.join(OUT, name + "-logits.json"), "w") as f:
        json.dump({
            "versions": VERSIONS,
            "model": base_name,
            "adapter": name,
            "input_ids": INPUT_IDS,
            "token_indices": TOKENS,
            "base_logits": floats(base_logits),
            "peft_logits": floats(peft_logits),
            "merged_logits": floats(merged_logits),
            "delta_grad": floats(delta_grad),
            "lm_head_row_3": floats(head_row),
        }, f, separators=(",", ":"))
        f.write("\n")
    from safetensors import safe_open
    with safe_open(os.path.join(adapter_dir, "adapter_model.safetensors"), "pt") as f:
        for k in f.keys():
            print(k, list(f.get_tensor(k).shape))


if __name__ == "__main__":
    main()
