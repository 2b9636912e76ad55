#!/usr/bin/env bash
# jlora vs PyTorch 2.13 + transformers + PEFT on the same models (random weights, built from the same
# Hugging Face configs: the tiny GPT, GPT-2 124M's shape, SmolLM2-135M's shape), the same LoRA targets
# (r 8, alpha 16), AdamW, fp32, batch 1 x 256 tokens (tiny: 16 x 128), random token ids; generation at
# batch 1 (16-token prompt, 100 new tokens) against transformers' generate with its KV cache.
# Rounds alternate the sides (jlora, torch, jlora, torch ...). PyTorch runs on 1 thread, 2 threads, and
# 2 threads with OMP_WAIT_POLICY=PASSIVE (its OpenMP workers spin otherwise, which collapses on a loaded
# machine: SKIP_SPIN=1 leaves the spinning run out); jlora trains on JLORA_THREADS (default 2) and
# generates on 1 and 2. The ratio is jlora's best median against PyTorch's best. Each training step's
# CPU time (whole process) is reported too: on a shared machine it depends far less on the neighbours
# than wall time. Peak RSS is VmHWM.
#   scripts/bench-vs-torch.sh                 # every case, ROUNDS=2
#   ROUNDS=1 SKIP_SPIN=1 CASES="smollm2-135m:lora:q_proj,v_proj tiny:generate" scripts/bench-vs-torch.sh
# Case syntax: MODEL:lora:TARGETS | MODEL:full | MODEL:generate | MODEL:generate:bf16 (a bf16 base on both
# sides: jlora --base-dtype bf16, transformers torch_dtype=torch.bfloat16; jlora builds it for Llama shapes).
# ROUNDS=0 OUT=DIR only prints DIR's table.
# JLORA_TRAIN_ARGS adds options to jlora's training runs, e.g. "--step-replay on" (auto replays only on a device).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${PYTHON:-python3}"
twin="$root/examples/src/test/python/bench_hf_torch.py"
rounds="${ROUNDS:-2}"
jt="${JLORA_THREADS:-2}"
cases="${CASES:-tiny:lora:c_attn tiny:full tiny:generate gpt2-124m:lora:c_attn gpt2-124m:lora:all-linear gpt2-124m:full gpt2-124m:generate smollm2-135m:lora:q_proj,v_proj smollm2-135m:lora:all-linear smollm2-135m:full smollm2-135m:generate}"
out="${OUT:-$(mktemp -d)}"   # OUT=DIR adds this run's rounds to an earlier run's raw results
mkdir -p "$out"
[ "$rounds" -gt 0 ] && { "$root/jlora" bench train --help >/dev/null 2>&1 || true; }   # builds the jars once, before any timing

field() { "$py" -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }

args_for() {  # case -> "jlora args|torch args"
  local model method targets steps
  IFS=: read -r model method targets <<<"$1"
  # the toy GPT's steps are short (~50 ms): 3 warm-up steps leave the JIT still compiling, and its
  # threads compete with the step for the 2 cores; both sides get the same 40 warm-up steps
  case "$model" in tiny) steps="--warmup 40 --steps 20" ;; *) steps="--warmup 3 --steps 3" ;; esac
  if [ "$method" = generate ]; then
    local jd="" td=""
    case "$targets" in
      "") ;;
      bf16) jd="--base-dtype bf16"; td="--dtype bf16" ;;
      *) echo "bench-vs-torch: unknown generation option '$targets' in case '$1' (only bf16)" >&2; exit 1 ;;
    esac
    # jlora warms up by CPU time (at least 3 runs and 3 s: the JIT compiles the per-token kernels late)
    echo "bench generate --model $model --tokens 100 --iters 3 $jd --json|--model $model --generate --tokens 100 --iters 3 --warmup 1 $td"
  elif [ "$method" = lora ]; then
    echo "bench train --model $model --method lora --targets $targets $steps ${JLORA_TRAIN_ARGS:-} --json|--model $model --method lora --targets $targets $steps"
  else
    echo "bench train --model $model --method full $steps ${JLORA_TRAIN_ARGS:-} --json|--model $model --method full $steps"
  fi
}

for c in $cases; do args_for "$c" >/dev/null; done   # a misspelt case stops here, before any timing
for r in $(seq 1 "$rounds"); do  # ROUNDS=0: none
  for c in $cases; do
    IFS='|' read -r jargs targs <<<"$(args_for "$c")"
    key="${c//[:,]/_}"
    # shellcheck disable=SC2086
    "$root/jlora" $jargs --threads "$jt" 2>/dev/null | tail -1 >>"$out/$key.jlora"
    if [[ "$c" == *:generate || "$c" == *:generate:* ]]; then  # generation: both sides on 1 and 2 threads (per-token work is small)
      # shellcheck disable=SC2086
      "$root/jlora" $jargs --threads 1 2>/dev/null | tail -1 >>"$out/$key.jlora1"
    fi
    # shellcheck disable=SC2086
    (cd "$(dirname "$twin")" && OMP_NUM_THREADS=1 "$py" "$twin" $targs --threads 1 2>/dev/null | tail -1 >>"$out/$key.t1")
    # shellcheck disable=SC2086
    (cd "$(dirname "$twin")" && OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE "$py" "$twin" $targs --threads 2 2>/dev/null \
      | tail -1 >>"$out/$key.t2p")
    if [ -z "${SKIP_SPIN:-}" ]; then
      # shellcheck disable=SC2086
      (cd "$(dirname "$twin")" && OMP_NUM_THREADS=2 "$py" "$twin" $targs --threads 2 2>/dev/null | tail -1 >>"$out/$key.t2")
    fi
    echo "round $r: $c done" >&2
  done
done

"$py" - "$out" $cases <<'PY'
import json, os, statistics, sys
out, cases = sys.argv[1], sys.argv[2:]
def load(key, side):
    p = os.path.join(out, f"{key}.{side}")
    rows = [json.loads(l) for l in open(p) if l.strip().startswith("{")] if os.path.exists(p) else []
    if not rows: return None
    med = lambda f: statistics.median(r[f] for r in rows) if all(f in r for r in rows) else None
    cpu = med("cpu_ms_per_step") if all("cpu_ms_per_step" in r for r in rows) else med("cpu_ms_per_token")
    return dict(tps=med("tokens_per_s"), cpu=cpu, rss=max(r.get("peak_rss_mb", -1) for r in rows))
fmt = lambda x, w=9, p=1: f"{x:{w}.{p}f}" if x is not None else f"{'-':>{w}s}"
print(f"{'case':34s} {'torch 1t':>9s} {'torch 2t':>9s} {'2t PASS':>9s} {'jlora 1t':>9s} {'jlora 2t':>9s} {'ratio':>6s}"
      f" {'CPUms j':>8s} {'CPUms t':>8s} {'CPU x':>6s} {'RSS j':>6s} {'RSS t':>6s}")
for c in cases:
    key = c.replace(":", "_").replace(",", "_")
    j2 = load(key, "jlora"); j1 = load(key, "jlora1")
    j = max((x for x in (j1, j2) if x), key=lambda x: x["tps"], default=None); ts = [x for x in (load(key, "t1"), load(key, "t2"), load(key, "t2p")) if x]
    cols = [load(key, s_) for s_ in ("t1", "t2", "t2p")]
    best = max((x["tps"] for x in ts), default=None)
    ratio = f"{j['tps'] / best:5.2f}x" if j and best else f"{'-':>6s}"
    tcpu = min((x["cpu"] for x in ts if x["cpu"] is not None), default=None)
    jcpu = min((x["cpu"] for x in (j1, j2) if x and x["cpu"] is not None), default=None)
    cr = f"{tcpu / jcpu:5.2f}x" if jcpu and tcpu else f"{'-':>6s}"
    trss = min((x["rss"] for x in ts), default=None)
    print(f"{c:34s} " + " ".join(fmt(x["tps"] if x else None) for x in cols) + f" {fmt(j1['tps'] if j1 else None)} {fmt(j2['tps'] if j2 else None)} {ratio}"
          f" {fmt(jcpu, 8, 1 if jcpu is not None and jcpu < 100 else 0)} {fmt(tcpu, 8, 1 if tcpu is not None and tcpu < 100 else 0)} {cr} {fmt(j['rss'] if j else None, 6, 0)} {fmt(trss, 6, 0)}")
print("tokens/s: medians over rounds; ratio = best jlora / best PyTorch column (jlora 1t: generation only); CPUms = median CPU ms per training step")
print("(generation: per token) of the whole process (all threads), the lower of each side's runs; CPU x = PyTorch CPU ms / jlora CPU ms;")
print("RSS = peak resident MiB (VmHWM), PyTorch: lowest.")
PY
echo "raw JSON lines: $out" >&2
