#!/usr/bin/env bash
# Superseded by scripts/bench-vs-torch.sh (PyTorch 2.13 + transformers + PEFT, real-model shapes; see
# docs/PERFORMANCE.md). Kept for old links: runs the tiny GPT's cases there.
#   scripts/bench-train-vs-torch.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CASES="${CASES:-tiny:full tiny:lora:c_attn tiny:generate}" exec "$root/scripts/bench-vs-torch.sh"
