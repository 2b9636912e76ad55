"""PyTorch + transformers + PEFT twin of `jlora bench train` and `jlora bench generate` on real-model
shapes: the model class from transformers built from the same Hugging Face config with random
weights (no download), PEFT's LoraConfig on the same targets (r 8, alpha 16, no dropout), AdamW,
gradient clipping at 1.0, fp32, random token ids; median ms per step after warm-up, tokens/s, and
the process's peak RSS (VmHWM). Generation: transformers' `generate` (greedy, its KV cache) at batch
1, a 16-token prompt and --tokens new tokens; `--dtype bf16` builds the model in bfloat16 (the twin of
`jlora bench generate --base-dtype bf16`: there only the weight matrices are bf16, norms stay f32).

  bench_hf_torch.py --model smollm2-135m|gpt2-124m|tiny [--config config.json] --method lora|full
                    [--targets q_proj,v_proj|all-linear|c_attn] --batch 1 --seq 256 --threads 2
  bench_hf_torch.py --model smollm2-135m --generate --threads 1 [--dtype bf16]
Prints one JSON line like `jlora bench ... --json`. scripts/bench-vs-torch.sh drives it.
"""
import argparse
import json
import statistics
import time
import warnings

import torch

warnings.filterwarnings("ignore")

SHAPES = {
    # SmolLM2-135M: 30 layers, 576 dims, 9 heads, 3 KV heads, FFN 1536, vocab 49152, tied
    "smollm2-135m": dict(model_type="llama", vocab_size=49152, hidden_size=576, intermediate_size=1536,
                         num_hidden_layers=30, num_attention_heads=9, num_key_value_heads=3,
                         max_position_embeddings=8192, rms_norm_eps=1e-5, rope_theta=100000.0,
                         tie_word_embeddings=True, hidden_act="silu", attention_bias=False, mlp_bias=False),
    "gpt2-124m": dict(model_type="gpt2", vocab_size=50257, n_positions=1024, n_embd=768, n_layer=12, n_head=12),
}


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return -1.0


def build(args):
    """(model, default LoRA targets, block size); tiny is the small GPT of gpt_model.py."""
    if args.model == "tiny" and not args.config:
        from gpt_model import Gpt
        return Gpt(65, 128, 4, 4, 128), None, 128
    from transformers import AutoConfig, AutoModelForCausalLM
    if args.config:
        with open(args.config) as f:
            d = json.load(f)
    else:
        d = dict(SHAPES[args.model])
    mt = d.pop("model_type")
    if mt == "gpt2":  # no dropout: the benchmark times the deterministic step, as jlora's does
        d.update(resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    cfg = AutoConfig.for_model(mt, **{k: v for k, v in d.items() if k not in ("architectures", "transformers_version")})
    torch.manual_seed(1)
    dtype = torch.bfloat16 if getattr(args, "dtype", "f32") == "bf16" else torch.float32
    model = AutoModelForCausalLM.from_config(cfg, torch_dtype=dtype)
    block = getattr(cfg, "max_position_embeddings", None) or getattr(cfg, "n_positions")
    return model, ("c_attn" if mt == "gpt2" else "q_proj,v_proj"), block


def bench_train(args):
    model, default_targets, block = build(args)
    tiny = default_targets is None
    b = args.batch or (16 if tiny else 1)
    t = args.seq or (128 if tiny else 256)
    targets = "-"
    if args.method == "lora":
        if tiny:
            import bench_train_torch as bt
            model, _, _ = bt.build("tiny", "lora")
            targets = "c_attn[q,v]"
        else:
            from peft import LoraConfig, get_peft_model
            targets = args.targets or default_targets
            tm = "all-linear" if targets == "all-linear" else targets.split(",")
            model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=tm))
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4, betas=(0.9, 0.95), weight_decay=0.1)
    vocab = 65 if tiny else model.config.vocab_size
    times, cpu = [], []
    for i in range(args.warmup + args.steps):
        x = torch.randint(0, vocab, (b, t))
        y = torch.randint(0, vocab, (b, t))
        c0 = time.process_time()  # CPU time of the process, all threads (as jlora's cpu_ms_per_step)
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        if tiny:
            _, loss = model(x, y)
        else:
            logits = model(input_ids=x).logits  # the same loss as jlora: every position scored against y
            loss = torch.nn.functional.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if i >= args.warmup:
            times.append((time.perf_counter() - t0) * 1e3)
            cpu.append((time.process_time() - c0) * 1e3)
    ms = statistics.median(times)
    return {"bench": "train", "impl": "torch", "model": args.config or args.model, "method": args.method,
            "targets": targets, "threads": torch.get_num_threads(), "batch": b, "context": t, "ms_per_step": ms,
            "tokens_per_s": b * t / (ms / 1e3), "cpu_ms_per_step": statistics.median(cpu), "trainable_params": sum(p.numel() for p in params),
            "peak_rss_mb": peak_rss_mb()}


@torch.no_grad()
def bench_generate(args):
    model, default_targets, _ = build(args)
    if default_targets is None:
        import bench_train_torch as bt
        return dict(bt.bench_generate(args), peak_rss_mb=peak_rss_mb())
    model.eval()
    g = torch.Generator().manual_seed(3)
    rates, cpu = [], []
    for i in range(args.warmup + args.iters):
        idx = torch.randint(0, model.config.vocab_size, (1, 16), generator=g)
        t0, c0 = time.perf_counter(), time.process_time()
        out = model.generate(idx, attention_mask=torch.ones_like(idx), max_new_tokens=args.tokens,
                             min_new_tokens=args.tokens, do_sample=False, use_cache=True, pad_token_id=0)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        if i >= args.warmup:
            rates.append((out.shape[1] - 16) / dt)
            cpu.append(dc * 1e3 / (out.shape[1] - 16))
    return {"bench": "generate", "impl": "torch", "model": args.config or args.model,
            "threads": torch.get_num_threads(), "kv_cache": True, "dtype": args.dtype, "tokens": args.tokens,
            "tokens_per_s": statistics.median(rates), "cpu_ms_per_token": statistics.median(cpu),
            "peak_rss_mb": peak_rss_mb()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="smollm2-135m", choices=["tiny"] + list(SHAPES))
    ap.add_argument("--config", help="a Hugging Face config.json (overrides --model)")
    ap.add_argument("--method", default="full", choices=["full", "lora"])
    ap.add_argument("--targets")
    ap.add_argument("--batch", type=int)
    ap.add_argument("--seq", type=int)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--tokens", type=int, default=100)
    ap.add_argument("--generate", action="store_true")
    ap.add_argument("--dtype", default="f32", choices=["f32", "bf16"],
                    help="generation: the model's dtype (bf16: torch_dtype=torch.bfloat16)")
    args = ap.parse_args()
    if args.dtype != "f32" and not args.generate:
        ap.error("--dtype bf16 is for --generate (training runs in fp32)")
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    print(json.dumps(bench_generate(args) if args.generate else bench_train(args)))


if __name__ == "__main__":
    main()
