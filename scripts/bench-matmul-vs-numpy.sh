#!/usr/bin/env bash
# jlora's matmul against numpy (OpenBLAS) on the shapes that matter, interleaved in one run so
# all three see the same machine load: numpy as shipped (pip wheel, in this environment as it
# is: here OPENBLAS_CORETYPE=Haswell is set, so the AVX2 kernel), numpy with
# OPENBLAS_CORETYPE=SkylakeX (the AVX-512 kernel; OpenBLAS also picks it on Zen 5 when nothing
# is set), and ./jlora bench matmul --json. The table header names the kernel each numpy used.
# Prints medians (over ROUNDS rounds of each tool's own median of 15 timed runs) and jlora/numpy
# ratios of GFLOP/s (> 1 means jlora is faster).
#
#   scripts/bench-matmul-vs-numpy.sh            # ROUNDS=3 by default
#   ROUNDS=5 scripts/bench-matmul-vs-numpy.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${ROUNDS:-3}"
py="${PYTHON:-python3}"
helper="$root/scripts/bench_matmul_numpy.py"
"$py" -c 'import numpy' 2>/dev/null || { echo "bench-matmul-vs-numpy: $py has no numpy" >&2; exit 1; }
"$root/jlora" bench matmul --m 16 --n 16 --k 16 --reps 1 --warmup 0 >/dev/null 2>&1 \
  || { echo "bench-matmul-vs-numpy: ./jlora bench matmul does not run (build it first)" >&2; exit 1; }

# label | threads | m n k | flags (transA / transB)
cases=(
  "1024^3, 2 threads|2|1024 1024 1024|"
  "1024^3, 1 thread|1|1024 1024 1024|"
  "1024^3 transA (dW=dY^T X)|2|1024 1024 1024|transA"
  "1024^3 transB (y=x W^T)|2|1024 1024 1024|transB"
  "[2048x768]x[768x768]|2|2048 768 768|"
  "[8192x128]x[128x512]|2|8192 512 128|"
  "LoRA [2048x768]x[768x8]|2|2048 8 768|"
  "LoRA [2048x8]x[8x768]|2|2048 768 8|"
)

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ms_of() { sed -n 's/.*"ms": *\([0-9.]*\).*/\1/p'; }

for ((r = 1; r <= rounds; r++)); do
  for i in "${!cases[@]}"; do
    IFS='|' read -r label threads dims flags <<<"${cases[$i]}"
    read -r m n k <<<"$dims"
    jflags=""
    for f in $flags; do jflags="$jflags --$f"; done
    echo "round $r/$rounds: $label" >&2
    OPENBLAS_NUM_THREADS="$threads" "$py" "$helper" "$m" "$n" "$k" $flags >"$tmp/last.shipped"
    ms_of <"$tmp/last.shipped" >>"$tmp/$i.shipped"
    OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS="$threads" "$py" "$helper" "$m" "$n" "$k" $flags >"$tmp/last.skx"
    ms_of <"$tmp/last.skx" >>"$tmp/$i.skx"
    "$root/jlora" bench matmul --m "$m" --n "$n" --k "$k" --threads "$threads" $jflags --json 2>/dev/null \
      | ms_of >>"$tmp/$i.jlora"
  done
done

echo "load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores;" \
  "well above 0 means other processes shared the cores and the numbers are disturbed)"
"$py" - "$tmp" "$rounds" "${cases[@]}" <<'PY'
import statistics, sys
tmp, rounds, cases = sys.argv[1], sys.argv[2], sys.argv[3:]
def med(i, tool):
    with open(f"{tmp}/{i}.{tool}") as f:
        return statistics.median(float(x) for x in f.read().split())
core = lambda t: open(f"{tmp}/last.{t}").read().split('"backend": "numpy-')[1].split('"')[0]
print(f"numpy as shipped used OpenBLAS's {core('shipped')} kernel, the second column {core('skx')}")
print(f"medians of {rounds} rounds (each a median of 15 timed runs); GFLOP/s, ms in brackets;"
      " ratio = jlora GFLOP/s / numpy GFLOP/s")
head = f"{'shape':30s} {'thr':>3s} {'numpy':>16s} {'numpy SkylakeX':>16s} {'jlora':>16s} {'/numpy':>7s} {'/SKX':>6s}"
print(head)
print("-" * len(head))
pair = {"shipped": 0.0, "skx": 0.0, "jlora": 0.0}
for i, case in enumerate(cases):
    label, threads, dims, _ = case.split("|")
    m, n, k = (int(x) for x in dims.split())
    ms = {t: med(i, t) for t in ("shipped", "skx", "jlora")}
    if label.startswith("LoRA"):
        for t in pair: pair[t] += ms[t]
    gf = {t: 2.0 * m * n * k / (ms[t] * 1e6) for t in ms}
    cell = lambda t: f"{gf[t]:7.1f} ({ms[t]:6.3f})"
    print(f"{label:30s} {threads:>3s} {cell('shipped'):>16s} {cell('skx'):>16s} {cell('jlora'):>16s}"
          f" {ms['shipped'] / ms['jlora']:7.2f} {ms['skx'] / ms['jlora']:6.2f}")
print(f"{'LoRA pair (sum of the two, ms)':30s} {'2':>3s} {pair['shipped']:16.3f} {pair['skx']:16.3f}"
      f" {pair['jlora']:16.3f} {pair['shipped'] / pair['jlora']:7.2f} {pair['skx'] / pair['jlora']:6.2f}")
PY
