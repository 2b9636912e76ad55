"""PyTorch twin of `jlora bench train` and `jlora bench generate`: the same GPT (gpt_model.py), the
same shapes (tiny: 4 layers, 4 heads, 128 dims, block 128, vocab 65, batch 16; small: 6/6/384,
block 256, batch 8), AdamW, fp32, random tokens; median ms per step after warm-up.

Run with /usr/bin/python3 (Debian torch 1.13); scripts/bench-train-vs-torch.sh drives it.
  bench_train_torch.py --model tiny --method full|lora --threads 1 [--steps 10 --warmup 3]
  bench_train_torch.py --generate --threads 1
Prints one JSON line like `jlora bench ... --json`.
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from gpt_model import Gpt

VOCAB = 65
CONFIGS = {"tiny": (128, 4, 4, 128, 16), "small": (256, 6, 6, 384, 8)}  # block, layers, heads, dims, batch


class QvLora(nn.Module):
    """loralib's MergedLinear with enable_lora=[True, False, True] around a frozen c_attn."""

    def __init__(self, base, r=8, alpha=16):
        super().__init__()
        self.base = base
        c = base.in_features
        self.lora_A = nn.Parameter(torch.empty(2 * r, c))
        self.lora_B = nn.Parameter(torch.zeros(2 * c, r))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.r, self.scaling, self.c = r, alpha / r, c

    def forward(self, x):
        y = self.base(x)
        a = F.linear(x, self.lora_A)  # [.., 2r]
        dq = F.linear(a[..., : self.r], self.lora_B[: self.c])
        dv = F.linear(a[..., self.r:], self.lora_B[self.c:])
        zeros = torch.zeros_like(dq)
        return y + torch.cat([dq, zeros, dv], dim=-1) * self.scaling


def build(model, method):
    block, layers, heads, dims, batch = CONFIGS[model]
    gpt = Gpt(VOCAB, block, layers, heads, dims)
    if method == "lora":
        for p in gpt.parameters():
            p.requires_grad_(False)
        for blk in gpt.transformer.h:
            blk.attn.c_attn = QvLora(blk.attn.c_attn)
    return gpt, block, batch


def bench_train(args):
    gpt, t, b = build(args.model, args.method)
    params = [p for p in gpt.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4, betas=(0.9, 0.95), weight_decay=0.1)
    times = []
    for i in range(args.warmup + args.steps):
        x = torch.randint(0, VOCAB, (b, t))
        y = torch.randint(0, VOCAB, (b, t))
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        _, loss = gpt(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if i >= args.warmup:
            times.append((time.perf_counter() - t0) * 1e3)
    ms = statistics.median(times)
    return {"bench": "train", "impl": "torch", "model": args.model, "method": args.method,
            "threads": torch.get_num_threads(), "ms_per_step": ms, "tokens_per_s": b * t / (ms / 1e3)}


@torch.no_grad()
def bench_generate(args):
    """KV-cache greedy generation at batch 1: 16-token prompt, args.tokens new tokens."""
    gpt, _, _ = build(args.model, "full")
    gpt.eval()
    tr = gpt.transformer

    def step(idx, cache, pos):
        x = tr.wte(idx) + tr.wpe(torch.arange(pos, pos + idx.shape[1]))
        for li, blk in enumerate(tr.h):
            h = blk.ln_1(x)
            b, t, c = h.shape
            nh = blk.attn.n_head
            q, k, v = blk.attn.c_attn(h).split(c, dim=2)
            q = q.view(b, t, nh, c // nh).transpose(1, 2)
            k = k.view(b, t, nh, c // nh).transpose(1, 2)
            v = v.view(b, t, nh, c // nh).transpose(1, 2)
            if cache[li] is not None:
                k = torch.cat([cache[li][0], k], dim=2)
                v = torch.cat([cache[li][1], v], dim=2)
            cache[li] = (k, v)
            att = (q @ k.transpose(-2, -1)) / math.sqrt(c // nh)
            if t > 1:
                mask = torch.tril(torch.ones(t, k.shape[2]), diagonal=k.shape[2] - t)
                att = att.masked_fill(mask == 0, float("-inf"))
            y = (att.softmax(-1) @ v).transpose(1, 2).contiguous().view(b, t, c)
            x = x + blk.attn.c_proj(y)
            x = x + blk.mlp(blk.ln_2(x))
        return gpt.lm_head(tr.ln_f(x[:, -1:, :]))

    rates = []
    for i in range(args.warmup + args.iters):
        idx = torch.randint(0, VOCAB, (1, 16))
        t0 = time.perf_counter()
        cache = [None] * len(tr.h)
        logits = step(idx, cache, 0)
        pos = 16
        for _ in range(args.tokens):
            nxt = logits[:, -1, :].argmax(-1, keepdim=True)
            logits = step(nxt, cache, pos)
            pos += 1
        if i >= args.warmup:
            rates.append(args.tokens / (time.perf_counter() - t0))
    return {"bench": "generate", "impl": "torch", "model": args.model, "threads": torch.get_num_threads(),
            "kv_cache": True, "tokens": args.tokens, "tokens_per_s": statistics.median(rates)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="tiny", choices=list(CONFIGS))
    ap.add_argument("--method", default="full", choices=["full", "lora"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--tokens", type=int, default=100)
    ap.add_argument("--generate", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    print(json.dumps(bench_generate(args) if args.generate else bench_train(args)))


if __name__ == "__main__":
    main()
