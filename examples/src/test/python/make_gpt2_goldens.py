"""Writes examples/src/test/resources/gpt2/: a tiny random Hugging Face GPT2LMHeadModel and the
logits transformers computes for one batch. Gpt2ParityTest loads both.

Run by hand from the repository root (no network needed, nothing is downloaded):
    /usr/bin/python3 examples/src/test/python/make_gpt2_goldens.py
Made with torch 2.13, transformers 5.18 and peft 0.21.

Output:
  gpt2/tiny/config.json, gpt2/tiny/model.safetensors   save_pretrained, float32, tied lm_head
  gpt2/logits.safetensors   "input_ids" [2, 7] (token ids stored as F32) and "logits" [2, 7, V]
                            of the base model, "lora_logits" [2, 7, V] of the model with the adapter
  gpt2/peft_c_attn/         a PEFT 0.21 LoRA adapter (save_pretrained): r 4, alpha 8, target c_attn,
                            fan_in_fan_out (GPT-2's Conv1D), A and B random (B is zero at PEFT's init)
Model: 2 layers, n_embd 32, 4 heads, vocab 100, n_positions 32, gelu_new, layer_norm_epsilon 1e-5.
Weights are drawn wider than GPT-2's init (std 0.2; LayerNorm gains around 1, biases non-zero) so
every term shows in the logits and greedy decoding has clear argmaxes.
"""
import os

import torch
from safetensors.torch import save_file
from peft import LoraConfig, get_peft_model
from transformers import GPT2Config, GPT2LMHeadModel

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "resources", "gpt2")


def main():
    torch.manual_seed(1234)
    config = GPT2Config(vocab_size=100, n_positions=32, n_embd=32, n_layer=2, n_head=4,
                        activation_function="gelu_new", layer_norm_epsilon=1e-5,
                        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                        bos_token_id=0, eos_token_id=0)
    model = GPT2LMHeadModel(config).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ".ln_" in name or name.startswith("transformer.ln_f"):
                # LayerNorm: gains around 1, small biases
                p.copy_(1.0 + 0.1 * torch.randn_like(p) if name.endswith("weight") else 0.1 * torch.randn_like(p))
            else:
                p.copy_(0.2 * torch.randn_like(p))
    model.save_pretrained(os.path.join(OUT, "tiny"), safe_serialization=True)

    g = torch.Generator().manual_seed(7)
    input_ids = torch.randint(0, config.vocab_size, (2, 7), generator=g)
    with torch.no_grad():
        logits = model(input_ids).logits

    lora = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["c_attn"], fan_in_fan_out=True,
                                            lora_dropout=0.0, bias="none"))
    with torch.no_grad():
        for name, p in lora.named_parameters():
            if "lora_" in name:
                p.copy_(0.1 * torch.randn_like(p))
    lora.eval()
    with torch.no_grad():
        lora_logits = lora(input_ids).logits
    lora.save_pretrained(os.path.join(OUT, "peft_c_attn"))
    os.remove(os.path.join(OUT, "peft_c_attn", "README.md"))   # PEFT's model card template: nothing to test
    save_file({"input_ids": input_ids.to(torch.float32).contiguous(), "logits": logits.contiguous(),
               "lora_logits": lora_logits.contiguous()},
              os.path.join(OUT, "logits.safetensors"))
    print("input_ids", input_ids.tolist())
    print("logits", tuple(logits.shape), "max |logit|", logits.abs().max().item())
    print("lora_logits: max |lora - base|", (lora_logits - logits).abs().max().item())


if __name__ == "__main__":
    main()
