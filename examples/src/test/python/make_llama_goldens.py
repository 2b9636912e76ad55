"""Goldens for jlora's Llama family, from the real libraries (transformers 5, torch, safetensors).

Writes under examples/src/test/resources/llama/ (run from anywhere, no network, no hub):

  tiny-llama/        LlamaForCausalLM: GQA (4 heads, 2 kv heads), untied, 2 layers, hidden 32, vocab 100
  tiny-llama-bf16/   the same model saved in bfloat16 (logits from float32 on the bf16-rounded weights)
  tiny-qwen2/        Qwen2ForCausalLM: q/k/v biases, tied embeddings, rope_theta 1e6
  each dir: config.json + model.safetensors (save_pretrained) + goldens.safetensors with
            "input_ids" [2, 7] (float32, exact small integers) and "logits" [2, 7, V] = model(input_ids).logits
  stories260K-hf-logits.safetensors
            the shared llama2.c stories260K.bin converted to a Hugging Face Llama (q/k rows permuted as
            convert_llama_weights_to_hf.py does): "input_ids" [1, 12] and "logits" [1, 12, 512].
            Only these logits are committed, never the converted weights.
  stories260K-peft-adapter/ + stories260K-peft-logits.safetensors
            a PEFT LoRA adapter (r 4 on q_proj, k_proj, v_proj, o_proj, random A and B: small, not
            derived from the shared weights) on the converted model and the logits with it applied:
            an adapter on the HF model must mean the same on the .bin read with the permutation.

Weights are random but larger than Hugging Face's init (std 0.02 gives near-uniform attention and
logits, which would test little): matrices N(0, (1.5/sqrt(fan_in))²), norms 1 + N(0, 0.1²), biases N(0, 0.1²).
"""
import os
import struct
import sys

import torch
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "resources", "llama"))
STORIES = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "..", "shared", "models", "stories260K.bin"))


def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            elif name.endswith(".bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(torch.randn(p.shape, generator=g) / p.shape[-1] ** 0.5 * 1.5)


def write_goldens(model, directory, ids):
    with torch.no_grad():
        logits = model(input_ids=ids).logits.float()
    save_file({"input_ids": ids.float().contiguous(), "logits": logits.contiguous()},
              os.path.join(directory, "goldens.safetensors"))
    return logits


def tiny(cls, cfg, name, seed, ids):
    torch.manual_seed(seed)
    model = cls(cfg).float().eval()
    randomize(model, seed)
    d = os.path.join(OUT, name)
    model.save_pretrained(d, safe_serialization=True)
    write_goldens(model, d, ids)
    return model


def main():
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(7)
    ids = torch.randint(0, 100, (2, 7), generator=g)

    llama_cfg = LlamaConfig(vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                            num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                            rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=False,
                            attn_implementation="eager")
    llama = tiny(LlamaForCausalLM, llama_cfg, "tiny-llama", 1, ids)

    # bf16: save in bfloat16, goldens from float32 arithmetic on the rounded weights
    d = os.path.join(OUT, "tiny-llama-bf16")
    llama.to(torch.bfloat16).save_pretrained(d, safe_serialization=True)
    # a fresh float32 model: .to(bfloat16) also rounds the RoPE inv_freq buffer, which a bf16
    # checkpoint does not carry (loading it in float32 recomputes the frequencies)
    rounded = LlamaForCausalLM(llama_cfg).float().eval()
    rounded.load_state_dict({k: v.float() for k, v in llama.state_dict().items()})
    write_goldens(rounded, d, ids)

    qwen_cfg = Qwen2Config(vocab_size=100, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                           num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                           rms_norm_eps=1e-6, rope_theta=1000000.0, tie_word_embeddings=True,
                           attn_implementation="eager")
    tiny(Qwen2ForCausalLM, qwen_cfg, "tiny-qwen2", 2, ids)

    if os.path.exists(STORIES):
        stories_logits()
    else:
        print("skipping stories260K: not at", STORIES, file=sys.stderr)


def permute(w, n_heads, dim1, dim2):
    """convert_llama_weights_to_hf.py: interleaved-pair rows -> rotate-half rows, per head."""
    return w.view(n_heads, dim1 // n_heads // 2, 2, dim2).transpose(1, 2).reshape(dim1, dim2)


def stories_logits():
    raw = open(STORIES, "rb").read()
    dim, hidden, layers, heads, kv_heads, vocab, seq_len = struct.unpack("<7i", raw[:28])
    f = torch.frombuffer(bytearray(raw[28:]), dtype=torch.float32)
    at = [0]

    def take(*shape):
        n = 1
        for s in shape:
            n *= s
        t = f[at[0]:at[0] + n].reshape(shape).clone()
        at[0] += n
        return t

    kv_dim = dim * kv_heads // heads
    emb = take(vocab, dim)
    rms_att = take(layers, dim)
    wq = take(layers, dim, dim)
    wk = take(layers, kv_dim, dim)
    wv = take(layers, kv_dim, dim)
    wo = take(layers, dim, dim)
    rms_ffn = take(layers, dim)
    w1 = take(layers, hidden, dim)
    w2 = take(layers, dim, hidden)
    w3 = take(layers, hidden, dim)
    rms_final = take(dim)
    cfg = LlamaConfig(vocab_size=vocab, hidden_size=dim, intermediate_size=hidden, num_hidden_layers=layers,
                      num_attention_heads=heads, num_key_value_heads=kv_heads, max_position_embeddings=seq_len,
                      rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=True, attn_implementation="eager")
    model = LlamaForCausalLM(cfg).float().eval()
    sd = {"model.embed_tokens.weight": emb, "model.norm.weight": rms_final}
    for i in range(layers):
        p = f"model.layers.{i}."
        sd[p + "input_layernorm.weight"] = rms_att[i]
        sd[p + "self_attn.q_proj.weight"] = permute(wq[i], heads, dim, dim)
        sd[p + "self_attn.k_proj.weight"] = permute(wk[i], kv_heads, kv_dim, dim)
        sd[p + "self_attn.v_proj.weight"] = wv[i]
        sd[p + "self_attn.o_proj.weight"] = wo[i]
        sd[p + "post_attention_layernorm.weight"] = rms_ffn[i]
        sd[p + "mlp.gate_proj.weight"] = w1[i]
        sd[p + "mlp.down_proj.weight"] = w2[i]
        sd[p + "mlp.up_proj.weight"] = w3[i]
    missing, unexpected = model.load_state_dict(sd, strict=False)
    assert not unexpected and all(k == "lm_head.weight" for k in missing), (missing, unexpected)
    model.tie_weights()
    assert torch.equal(model.lm_head.weight, emb)
    # BOS then the first 11 tokens of Karpathy's greedy sample
    ids = torch.tensor([[1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315]])
    with torch.no_grad():
        logits = model(input_ids=ids).logits.float()
    # the model's own greedy choices continue the sample: a check of the conversion itself
    assert logits[0].argmax(-1)[:-1].tolist() == ids[0, 1:].tolist(), logits[0].argmax(-1).tolist()
    save_file({"input_ids": ids.float().contiguous(), "logits": logits.contiguous()},
              os.path.join(OUT, "stories260K-hf-logits.safetensors"))
    print("stories260K: max |logit|", logits.abs().max().item())
    peft_goldens(model, ids)


def peft_goldens(model, ids):
    from peft import LoraConfig as PeftLoraConfig, get_peft_model
    cfg = PeftLoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
                         lora_dropout=0.0)
    peft_model = get_peft_model(model, cfg).eval()
    g = torch.Generator().manual_seed(11)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_" in name:
                p.copy_(0.3 * torch.randn(p.shape, generator=g))
        logits = peft_model(input_ids=ids).logits.float()
    adapter_dir = os.path.join(OUT, "stories260K-peft-adapter")
    peft_model.save_pretrained(adapter_dir)
    os.remove(os.path.join(adapter_dir, "README.md"))   # PEFT's model-card template, not needed
    save_file({"input_ids": ids.float().contiguous(), "logits": logits.contiguous()},
              os.path.join(OUT, "stories260K-peft-logits.safetensors"))


if __name__ == "__main__":
    main()
