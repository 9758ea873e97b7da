"""The GPU workloads (``python -m benchmarks --device cuda``): autograd_core on CuPy against PyTorch CUDA.

Issue 20's four: the course MLP's training step, conv2d 32x3x32x32 -> 64
forward+backward (also on each conv path of the CuPy backend, im2col+GEMM and
cuDNN where CuPy has it, to keep the faster), LeNet-5's training step, and a
4096^3 float32 matmul beside CuPy's own rate. Every timed call ends with
``cuda.synchronize()`` in its library, so times cover the kernels, not the
launches. Without torch's CUDA build the torch rows say so.
"""
import numpy as np

from benchmarks.peers import OURS
from benchmarks.workloads.base import Goal, Table, timed_rows
from benchmarks.workloads.dense import conv_arrays, conv_step, gflops
from benchmarks.workloads.training import MODELS, torch_api_step

DEVICE = "cuda"
RAW = "cupy"  # the matmul table's row of CuPy's own product
GOAL = Goal(1.5)


def synchronized(build):
    """``build``'s run, followed by its library's ``cuda.synchronize()``."""
    def make(lib, *args):
        run = build(lib, *args)

        def timed():
            run()
            lib.cuda.synchronize()
        return timed
    return make


def _engines(ctx, builders):
    """``builders`` without torch when its build has no CUDA (the row then says so)."""
    torch = ctx.engines.get("torch")
    if torch is not None and not torch.cuda.is_available():
        ctx.missing.setdefault("torch", "torch has no CUDA here (a CPU build, or no GPU visible to it)")
    return builders


def _training(ctx, workload):
    model = next(m for m in MODELS if m.workload == workload)
    inputs, targets = model.batch(np.random.default_rng(0))
    builders = _engines(ctx, {OURS: synchronized(torch_api_step), "torch": synchronized(torch_api_step)})
    rows = timed_rows(ctx, builders, repeats=ctx.pick(50, 3), warmup=ctx.pick(10, 1),
                      args=(model, inputs, targets, DEVICE))
    return [Table(f"{workload}-cuda", f"training step on cuda: {model.title}", "ms", rows, GOAL,
                  note="torch row: PyTorch CUDA")]


def mlp_step(ctx):
    return _training(ctx, "train-mlp")


def lenet_step(ctx):
    return _training(ctx, "train-lenet")


def _conv_path(path):
    """Our conv2d step with the CuPy backend's conv family forced onto ``path`` ("gemm" or "cudnn")."""
    def build(lib, *args):
        from autograd_core.cuda import conv
        run = synchronized(conv_step)(lib, *args)

        def on_path():
            kept, conv.PATH = conv.PATH, path
            try:
                run()
            finally:
                conv.PATH = kept
        return on_path
    return build


def conv2d(ctx):
    from autograd_core.cuda import conv
    x, w, b, grad = conv_arrays(np.random.default_rng(0))
    batch, channels, size, _ = x.shape
    filters, _, kernel, _ = w.shape
    flops = 3 * 2 * batch * filters * size * size * channels * kernel * kernel
    paths = ["gemm"] + (["cudnn"] if conv.CUDNN is not None else [])
    for path in paths:
        ctx.engines[f"{OURS} {path}"] = ctx.engines[OURS]
    builders = _engines(ctx, {OURS: synchronized(conv_step), "torch": synchronized(conv_step),
                              **{f"{OURS} {path}": _conv_path(path) for path in paths}})
    rows = timed_rows(ctx, builders, repeats=ctx.pick(50, 3), warmup=ctx.pick(10, 1), rate=gflops(flops),
                      args=(x, w, b, grad, DEVICE))
    return [Table("conv2d-cuda", f"conv2d on cuda {batch}x{channels}x{size}x{size}, {filters} filters "
                                 f"{kernel}x{kernel}, padding 1, forward+backward", "ms", rows, GOAL,
                  extra_label="GFLOP/s", note=f"{OURS} row: the default path ({conv.PATH}); keep the faster path "
                                              "as the default (AUTOGRAD_CORE_CUDA_CONV); torch row: PyTorch CUDA")]


def _product(lib, a, b):
    """a @ b on the GPU, synchronized: our tensors, torch's, or CuPy's arrays (``lib`` is the module)."""
    if lib.__name__ == RAW:
        x, w = lib.asarray(a), lib.asarray(b)

        def raw():
            lib.matmul(x, w)
            lib.cuda.Device().synchronize()
        return raw
    x, w = lib.tensor(a, device=DEVICE), lib.tensor(b, device=DEVICE)

    def run():
        x @ w
        lib.cuda.synchronize()
    return run


def matmul(ctx):
    n = ctx.pick(4096, 1024)
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
    import cupy
    ctx.engines[RAW] = cupy
    builders = _engines(ctx, {OURS: _product, "torch": _product, RAW: _product})
    rows = timed_rows(ctx, builders, repeats=ctx.pick(20, 3), warmup=ctx.pick(3, 1),
                      rate=lambda s: f"{2 * n ** 3 / s / 1e12:.1f}", args=(a, b))
    return [Table("matmul-cuda", f"matmul on cuda {n}x{n} @ {n}x{n} float32 (forward)", "ms", rows,
                  Goal(1.1, reference=RAW), extra_label="TFLOP/s",
                  note="cupy row: cupy.matmul alone, the rate to stay within 10% of; torch row: PyTorch CUDA")]


WORKLOADS = {"train-mlp": mlp_step, "conv2d": conv2d, "train-lenet": lenet_step, "matmul": matmul}
