"""Convolution benchmark: autograd_core against PyTorch (CPU) in one process, on the same thread count.

Run ``python -m benchmarks.bench_conv`` (or ``python benchmarks/bench_conv.py``). It prints

* conv2d forward+backward on a 32x3x32x32 input with 64 3x3 filters, padding 1:
  our time, torch's time, their ratio (goal <= 1.2) and both GFLOP/s;
* numpy's float32 1024x1024 matmul GFLOP/s, beside a Numba GEMM of the same size;
* the time to the first conv2d call in a fresh process with an empty Numba
  cache (cold) and with the cache filled (warm; goal < 0.5 s).

Timings are the best of several repeats, since a shared machine is noisy.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import autograd_core as ours  # first: it picks Numba's threading layer before anything launches it
import nn.functional as F
import numba
from numba import njit, prange

BATCH, CHANNELS, SIZE, FILTERS, KERNEL = 32, 3, 32, 64, 3
GEMM_SIZE = 1024

FIRST_CALL = """
import time
start = time.perf_counter()
import autograd_core as torch
import nn.functional as F
imported = time.perf_counter()
x = torch.randn(2, 3, 8, 8, requires_grad=True)
y = F.conv2d(x, torch.randn(4, 3, 3, 3), padding=1)
called = time.perf_counter()
y.sum().backward()
done = time.perf_counter()
print(imported - start, called - imported, done - called)
"""


def best_times(fns, repeats, block=5):
    """The fastest of ``repeats`` timed calls of each function, in seconds.

    The functions take turns in blocks of ``block`` calls, so that a burst of
    load from elsewhere on the machine hits all of them alike.
    """
    best = [float("inf")] * len(fns)
    for _ in range(max(1, repeats // block)):
        for k, fn in enumerate(fns):
            fn()  # warm-up: caches, thread pools
            for _ in range(block):
                start = time.perf_counter()
                fn()
                best[k] = min(best[k], time.perf_counter() - start)
    return best


def conv_workload(repeats):
    """(our seconds, torch's seconds or None) for one conv2d forward+backward."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, CHANNELS, SIZE, SIZE)).astype(np.float32)
    w = rng.standard_normal((FILTERS, CHANNELS, KERNEL, KERNEL)).astype(np.float32)
    b = rng.standard_normal(FILTERS).astype(np.float32)
    gy = rng.standard_normal((BATCH, FILTERS, SIZE, SIZE)).astype(np.float32)

    def step(lib, conv, grad):
        params = [lib.tensor(a, requires_grad=True) for a in (x, w, b)]

        def run():
            conv(*params, padding=1).backward(grad)
        return run

    our_step = step(ours, F.conv2d, ours.tensor(gy))
    try:
        import torch
    except ImportError:
        return best_times([our_step], repeats)[0], None
    torch.set_num_threads(numba.get_num_threads())
    return tuple(best_times([our_step, step(torch, torch.nn.functional.conv2d, torch.tensor(gy))], repeats))


@njit(parallel=True, cache=True, fastmath=True)
def numba_gemm(a, b, out):
    """out = a @ b with row blocks in parallel and k-blocking for cache reuse (a plain, un-packed kernel)."""
    n, depth = a.shape
    m = b.shape[1]
    block = 64
    for rb in prange((n + block - 1) // block):
        rows = range(rb * block, min((rb + 1) * block, n))
        for i in rows:
            out[i, :] = 0
        for kb in range(0, depth, block):
            for i in rows:
                for k in range(kb, min(kb + block, depth)):
                    aik = a[i, k]
                    for j in range(m):
                        out[i, j] += aik * b[k, j]


def gemm_rates(repeats):
    """GFLOP/s of np.matmul and of the Numba GEMM, float32 GEMM_SIZE x GEMM_SIZE."""
    rng = np.random.default_rng(1)
    a, b = (rng.standard_normal((GEMM_SIZE, GEMM_SIZE)).astype(np.float32) for _ in range(2))
    out = np.empty_like(a)
    numba_gemm(a, b, out)
    assert np.allclose(out, a @ b, rtol=1e-3, atol=1e-2)
    flops = 2 * GEMM_SIZE ** 3
    return tuple(flops / t / 1e9 for t in best_times([lambda: a @ b, lambda: numba_gemm(a, b, out)], repeats, 2))


def first_call_times():
    """For a cold then a warm fresh process: (whole process, import, first conv2d call, first backward) seconds."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    times = []
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)  # an empty cache for the cold run, kept for the warm one
        for _ in ("cold", "warm"):
            start = time.perf_counter()
            report = subprocess.run([sys.executable, "-c", FIRST_CALL], cwd=root, env=env, capture_output=True,
                                    text=True, check=True).stdout
            times.append((time.perf_counter() - start,) + tuple(float(t) for t in report.split()))
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    threads = numba.get_num_threads()
    print(f"threads: {threads} (numba; torch set to the same)")

    flops = 3 * 2 * BATCH * FILTERS * SIZE * SIZE * CHANNELS * KERNEL * KERNEL  # forward, input grad, weight grad
    ours, theirs = conv_workload(args.repeats)
    print(f"conv2d fwd+bwd {BATCH}x{CHANNELS}x{SIZE}x{SIZE}, {FILTERS} filters {KERNEL}x{KERNEL}, padding 1:")
    print(f"  ours  {ours * 1e3:8.2f} ms  {flops / ours / 1e9:6.1f} GFLOP/s")
    if theirs is None:
        print("  torch not installed: no comparison")
    else:
        print(f"  torch {theirs * 1e3:8.2f} ms  {flops / theirs / 1e9:6.1f} GFLOP/s")
        print(f"  ratio ours/torch {ours / theirs:.2f} (goal <= 1.2)")

    blas, jit = gemm_rates(max(3, args.repeats // 5))
    print(f"float32 {GEMM_SIZE}x{GEMM_SIZE} matmul: numpy (BLAS) {blas:6.1f} GFLOP/s, Numba GEMM {jit:6.1f} GFLOP/s"
          f" -> {'BLAS' if blas >= jit else 'Numba'} is faster")

    for label, (process, imported, first, backward) in zip(("cold", "warm"), first_call_times()):
        print(f"{label} start: first conv2d call {first:.3f} s" + ("  (goal < 0.5 s)" if label == "warm" else "")
              + f"; import before it {imported:.3f} s, first backward {backward:.3f} s, whole process {process:.3f} s")


if __name__ == "__main__":
    main()
