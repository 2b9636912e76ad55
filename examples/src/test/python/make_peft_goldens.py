"""Writes the PEFT / transformers oracles under examples/src/test/resources/peft/.

Run by hand from the repository root (no network, no model hub: every model is built from a config):
    /usr/bin/python3 examples/src/test/python/make_peft_goldens.py
Made with torch 2.13, transformers 5.18, peft 0.21, safetensors 0.8, all in float32 on the CPU.

What it writes (the ids are the same [2, 9] rows for every model):
  llama-tiny/                      LlamaForCausalLM.save_pretrained: config.json, generation_config.json,
                                   model.safetensors (hidden 32, 2 layers, 4 heads, 2 kv heads, mlp 64,
                                   vocab 128, untied head, 64 positions, rope_theta 10000)
  llama-tiny-lora/                 PeftModel.save_pretrained: adapter_config.json, adapter_model.safetensors
                                   (r 4, alpha 8, q_proj + v_proj, lora_B random, not zero)
  llama-tiny-lora-logits.json      {"input_ids" [2,9], "base_logits", "peft_logits", "merged_logits" [2,9,128]}
  llama-tiny-lora-merged.safetensors  the adapted weights after merge_and_unload, by their model names
                                   (model.layers.N.self_attn.q_proj.weight [32, 32], v_proj.weight [16, 32])
  llama-tiny-lora-all-linear/      the same with target_modules="all-linear", r 2, alpha 4
  llama-tiny-lora-all-linear-logits.json
  gpt2-tiny/                       GPT2LMHeadModel (n_embd 32, 2 layers, 4 heads, vocab 128, 64 positions, tied head)
  gpt2-tiny-lora/                  LoRA r 4, alpha 8 on c_attn (PEFT sets fan_in_fan_out for GPT-2's Conv1D)
  gpt2-tiny-lora-logits.json
  gpt2-tiny-lora-merged.safetensors   transformer.h.N.attn.c_attn.weight [32, 96] (Conv1D: [in, out]) after merging
Every logits file also has "versions" (library versions) and "adapter" (the adapter dir it belongs to).

Weights are drawn wider than the Hugging Face init (std 0.02 would make every logit nearly equal):
matrices and embeddings N(0, 0.2), biases N(0, 0.1), norm gains 1 + N(0, 0.1). lora_B is drawn N(0, 0.2)
with a fixed seed, since PEFT initialises it to zero and a zero adapter would test nothing.

It then checks check_jlora_adapter.py (the other direction: logits of a base dir + an adapter dir) on
each PEFT-made adapter, and prints the adapter_config.json fields PEFT writes.
"""
import copy
import json
import os
import shutil
import subprocess
import sys

import peft
import safetensors
import torch
import transformers
from peft import LoraConfig, get_peft_model
from safetensors.torch import save_file
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "resources", "peft"))
VOCAB = 128
INPUT_IDS = [
    [1, 17, 42, 99, 3, 127, 64, 8, 0],
    [5, 5, 120, 33, 71, 2, 90, 14, 111],
]
VERSIONS = {"torch": torch.__version__, "transformers": transformers.__version__,
            "peft": peft.__version__, "safetensors": safetensors.__version__}


def widen_init(model, seed):
    """Redraws every parameter so that the logits differ clearly from token to token."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g)
            if "norm" in name or "ln_" in name:
                p.copy_(1.0 + 0.1 * noise if name.endswith("weight") else 0.1 * noise)
            elif name.endswith("bias"):
                p.copy_(0.1 * noise)
            else:
                p.copy_(0.2 * noise)


def randomize_lora_b(peft_model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.copy_(0.2 * torch.randn(p.shape, generator=g))


def logits_of(model):
    model.eval()
    with torch.no_grad():
        return model(input_ids=torch.tensor(INPUT_IDS)).logits.to(torch.float32)


def as_json_floats(t):
    """Nested lists of float32 values, written with 9 significant digits (exact for float32)."""
    return json.loads(json.dumps(t.tolist()), parse_float=lambda s: float("%.9g" % float(s)))


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")


def fresh_dir(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)


def save_model(model, name):
    path = os.path.join(OUT, name)
    fresh_dir(path)
    model.save_pretrained(path, safe_serialization=True)
    return path


def save_adapter(base, base_name, lora_config, name, seed, save_merged_weights):
    """Wraps a copy of base, makes lora_B non-zero, saves the adapter and its three sets of logits
    (and, if asked, the merged weights of the adapted modules)."""
    base_logits = logits_of(base)
    peft_model = get_peft_model(copy.deepcopy(base), lora_config)
    randomize_lora_b(peft_model, seed)
    peft_logits = logits_of(peft_model)
    path = os.path.join(OUT, name)
    fresh_dir(path)
    peft_model.save_pretrained(path)
    # PEFT also writes a model card; it says nothing the config does not
    readme = os.path.join(path, "README.md")
    if os.path.exists(readme):
        os.remove(readme)
    adapted = sorted(n[len("base_model.model."):] for n, m in peft_model.named_modules()
                     if hasattr(m, "lora_A") and "default" in m.lora_A)
    merged = peft_model.merge_and_unload()
    merged_logits = logits_of(merged)
    if save_merged_weights:
        state = merged.state_dict()
        save_file({m + ".weight": state[m + ".weight"].contiguous() for m in adapted},
                  os.path.join(OUT, name + "-merged.safetensors"), metadata={"format": "pt"})
    assert (peft_logits - base_logits).abs().max() > 1e-3, name + ": the adapter changes nothing"
    assert torch.allclose(peft_logits, merged_logits, atol=1e-4), name + ": merged differs from unmerged"
    write_json(os.path.join(OUT, name + "-logits.json"), {
        "versions": VERSIONS,
        "model": base_name,
        "adapter": name,
        "input_ids": INPUT_IDS,
        "base_logits": as_json_floats(base_logits),
        "peft_logits": as_json_floats(peft_logits),
        "merged_logits": as_json_floats(merged_logits),
    })
    return path, peft_logits


def check_other_direction(model_name, adapter_name, expected):
    """Runs check_jlora_adapter.py on a PEFT-made adapter: it must reproduce the PeftModel's logits."""
    ids_json = os.path.join(OUT, adapter_name + "-logits.json")
    out_json = os.path.join("/tmp", adapter_name + "-check.json")
    subprocess.run([sys.executable, os.path.join(HERE, "check_jlora_adapter.py"), os.path.join(OUT, model_name),
                    os.path.join(OUT, adapter_name), ids_json, out_json], check=True)
    with open(out_json) as f:
        got = torch.tensor(json.load(f)["logits"])
    diff = (got - expected).abs().max().item()
    assert diff < 1e-5, adapter_name + ": check_jlora_adapter.py differs by " + str(diff)
    print(adapter_name + ": check_jlora_adapter.py reproduces the PeftModel logits (max diff %.2g)" % diff)


def llama():
    torch.manual_seed(0)
    config = LlamaConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                         intermediate_size=64, vocab_size=VOCAB, tie_word_embeddings=False,
                         max_position_embeddings=64, rope_theta=10000.0, rms_norm_eps=1e-5,
                         attn_implementation="eager")
    model = LlamaForCausalLM(config).to(torch.float32)
    widen_init(model, 1)
    save_model(model, "llama-tiny")
    _, qv = save_adapter(model, "llama-tiny",
                         LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], lora_dropout=0.0),
                         "llama-tiny-lora", 2, True)
    _, all_linear = save_adapter(model, "llama-tiny",
                                 LoraConfig(r=2, lora_alpha=4, target_modules="all-linear", lora_dropout=0.0),
                                 "llama-tiny-lora-all-linear", 3, False)
    return qv, all_linear


def gpt2():
    torch.manual_seed(0)
    config = GPT2Config(n_embd=32, n_layer=2, n_head=4, vocab_size=VOCAB, n_positions=64,
                        bos_token_id=VOCAB - 1, eos_token_id=VOCAB - 1,
                        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, attn_implementation="eager")
    model = GPT2LMHeadModel(config).to(torch.float32)
    widen_init(model, 4)
    save_model(model, "gpt2-tiny")
    _, logits = save_adapter(model, "gpt2-tiny",
                             LoraConfig(r=4, lora_alpha=8, target_modules=["c_attn"], lora_dropout=0.0),
                             "gpt2-tiny-lora", 5, True)
    return logits


def print_adapter_files():
    for name in ["llama-tiny-lora", "llama-tiny-lora-all-linear", "gpt2-tiny-lora"]:
        path = os.path.join(OUT, name)
        with open(os.path.join(path, "adapter_config.json")) as f:
            cfg = json.load(f)
        print("\n== " + name + "/adapter_config.json: %d fields" % len(cfg))
        for key in sorted(cfg):
            print("  %s = %s" % (key, json.dumps(cfg[key])))
        with safetensors.safe_open(os.path.join(path, "adapter_model.safetensors"), "pt") as f:
            print("  metadata:", f.metadata())
            for key in sorted(f.keys()):
                print("  tensor %s %s" % (key, list(f.get_slice(key).get_shape())))


def main():
    if os.environ.get("PYTHONHASHSEED") != "0":
        # "all-linear" is saved as a Python set of module names, whose order follows the string hash
        os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, PYTHONHASHSEED="0"))
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT, exist_ok=True)
    qv, all_linear = llama()
    gpt2_logits = gpt2()
    check_other_direction("llama-tiny", "llama-tiny-lora", qv)
    check_other_direction("llama-tiny", "llama-tiny-lora-all-linear", all_linear)
    check_other_direction("gpt2-tiny", "gpt2-tiny-lora", gpt2_logits)
    print_adapter_files()
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print("\nwrote %s: %d bytes" % (OUT, total))


if __name__ == "__main__":
    main()
