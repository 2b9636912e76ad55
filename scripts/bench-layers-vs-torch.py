#!/usr/bin/python3
"""The layers of `jlora bench layer` timed in PyTorch 1.13, side by side with jlora.

    /usr/bin/python3 scripts/bench-layers-vs-torch.py [--threads 1] [--iters 20] [--backend vector]

For each case (Linear 768->768 on x [2048, 768]; causal self-attention B=16, T=128, C=128, 4
heads; forward under no_grad, and forward + backward of sum(y)) it prints PyTorch's median ms,
jlora's (run through ./jlora bench layer --json in the same session), and jlora / torch.
Run with OMP_WAIT_POLICY=PASSIVE for two threads (see ARCHITECTURE.md section 3).
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import time

import torch
import torch.nn.functional as Fn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Attention(torch.nn.Module):
    def __init__(self, c=128, n_head=4):
        super().__init__()
        self.n_head = n_head
        self.c_attn = torch.nn.Linear(c, 3 * c)
        self.c_proj = torch.nn.Linear(c, c)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
        y = torch.softmax(att, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


def torch_median(layer, backward, warmup, iters):
    torch.manual_seed(1)
    if layer == "linear":
        module, x = torch.nn.Linear(768, 768), torch.randn(2048, 768)
    else:
        module, x = Attention(), torch.randn(16, 128, 128)
    times = []
    for i in range(warmup + iters):
        t0 = time.perf_counter()
        if backward:
            xi = x.clone().requires_grad_(True)
            module(xi).sum().backward()
            module.zero_grad(set_to_none=True)
        else:
            with torch.no_grad():
                module(x)
        t1 = time.perf_counter()
        if i >= warmup:
            times.append((t1 - t0) * 1e3)
    return statistics.median(times)


def jlora_median(layer, backward, args):
    # jlora warms up by time (about 2 s: the JIT compiles the vector kernels meanwhile) unless told a count
    cmd = [os.path.join(ROOT, "jlora"), "bench", "layer", "--layer", layer, "--json",
           "--threads", str(args.threads), "--iters", str(args.iters)]
    if args.jlora_warmup is not None:
        cmd += ["--warmup", str(args.jlora_warmup)]
    if backward:
        cmd.append("--backward")
    if args.backend:
        cmd += ["--backend", args.backend]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["median_ms"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=5, help="PyTorch's untimed runs (it has no JIT to wait for)")
    p.add_argument("--jlora-warmup", type=int, default=None,
                   help="jlora's untimed runs (default: as many as fit in about 2 s, at least 5)")
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--backend", default=None, help="jlora backend: scalar | vector")
    p.add_argument("--torch-only", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s), median of {args.iters} after {args.warmup} warm-up "
          f"(jlora: {'%d warm-up runs' % args.jlora_warmup if args.jlora_warmup is not None else 'about 2 s of warm-up'})")
    print(f"{'case':32} {'torch ms':>10} {'jlora ms':>10} {'jlora/torch':>12}")
    for layer in ("linear", "attention"):
        for backward in (False, True):
            name = f"{layer} {'forward+backward' if backward else 'forward'}"
            t = torch_median(layer, backward, args.warmup, args.iters)
            if args.torch_only:
                print(f"{name:32} {t:10.3f}")
                continue
            j = jlora_median(layer, backward, args)
            print(f"{name:32} {t:10.3f} {j:10.3f} {j / t:12.2f}")


if __name__ == "__main__":
    main()
