#!/usr/bin/env bash
# GPT training step and KV-cache generation: jlora vs PyTorch 1.13 (Debian, /usr/bin/python3), same
# model and shapes (tiny: batch 16 x 128), AdamW, fp32. PyTorch runs on 1 and 2 threads, and on 2 with
# OMP_WAIT_POLICY=PASSIVE; the table gives medians and jlora / best-PyTorch ratios (tokens/s).
#   scripts/bench-train-vs-torch.sh [tiny|small]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model="${1:-tiny}"
py="$root/examples/src/test/python/bench_train_torch.py"
val() { /usr/bin/python3 -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }
torch_run() { (cd "$(dirname "$py")" && env "$@") ; }

printf "%-22s %12s %12s %12s %12s %8s\n" "case" "torch 1t" "torch 2t" "torch 2t P" "jlora 2t" "ratio"
for method in full lora generate; do
  if [ "$method" = generate ]; then targs=(--generate --model "$model"); jargs=(bench generate --model "$model" --json)
  else targs=(--model "$model" --method "$method"); jargs=(bench train --model "$model" --method "$method" --json); fi
  t1=$(torch_run OMP_NUM_THREADS=1 /usr/bin/python3 "$py" "${targs[@]}" --threads 1 | val tokens_per_s)
  t2=$(torch_run OMP_NUM_THREADS=2 /usr/bin/python3 "$py" "${targs[@]}" --threads 2 | val tokens_per_s)
  t2p=$(torch_run OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 "$py" "${targs[@]}" --threads 2 | val tokens_per_s)
  j=$("$root/jlora" "${jargs[@]}" 2>/dev/null | val tokens_per_s)
  ratio=$(/usr/bin/python3 -c "print(f'{$j / max($t1, $t2, $t2p):.2f}x')")
  printf "%-22s %12.0f %12.0f %12.0f %12.0f %8s\n" "$model $method tok/s" "$t1" "$t2" "$t2p" "$j" "$ratio"
done
