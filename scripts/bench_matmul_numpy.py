#!/usr/bin/env python3
"""numpy's side of scripts/bench-matmul-vs-numpy.sh: one matmul shape, one JSON line.

usage: bench_matmul_numpy.py M N K [transA] [transB] [--pair-with N2]
Transposed operands are numpy views (A stored [k, m] used as A.T), so OpenBLAS gets a transpose
flag, not a copy, just as jlora reads them transposed while packing. Threads come from
OPENBLAS_NUM_THREADS, set by the caller; OPENBLAS_CORETYPE picks the kernel (the JSON
names the one OpenBLAS used).
"""
import json
import os
import sys
import time

import numpy as np


def openblas_core():
    """The kernel family OpenBLAS chose (e.g. Haswell = AVX2, SkylakeX = AVX-512), if it says."""
    import ctypes
    import glob
    here = os.path.dirname(np.__file__)
    for lib in glob.glob(os.path.join(here, "..", "numpy.libs", "*openblas*")):
        dll = ctypes.CDLL(lib)
        for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename"):
            fn = getattr(dll, name, None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                return fn().decode()
    return "unknown"


def median_seconds(fn, reps=15, warm_seconds=1.0):
    start = time.perf_counter()
    runs = 0
    while runs < 3 or time.perf_counter() - start < warm_seconds:
        fn()
        runs += 1
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main():
    m, n, k = (int(x) for x in sys.argv[1:4])
    flags = set(sys.argv[4:])
    rng = np.random.default_rng(1234)
    a = rng.uniform(-1, 1, (k, m) if "transA" in flags else (m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, k) if "transB" in flags else (k, n)).astype(np.float32)
    op_a = a.T if "transA" in flags else a
    op_b = b.T if "transB" in flags else b
    out = np.empty((m, n), np.float32)
    sec = median_seconds(lambda: np.matmul(op_a, op_b, out=out))
    print(json.dumps({"op": "matmul", "m": m, "n": n, "k": k,
                      "threads": int(os.environ.get("OPENBLAS_NUM_THREADS", "0")),
                      "backend": "numpy-" + openblas_core(),
                      "gflops": round(2.0 * m * n * k / sec / 1e9, 2), "ms": round(sec * 1e3, 4)}))


if __name__ == "__main__":
    main()
