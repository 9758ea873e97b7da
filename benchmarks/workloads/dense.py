"""Dense compute: float32 matmul and conv2d, forward+backward, with their GFLOP/s."""
import numpy as np

from benchmarks import bench_conv
from benchmarks.peers import OURS
from benchmarks.workloads.base import Goal, Table, timed_rows


def gflops(flops):
    return lambda seconds: f"{flops / seconds / 1e9:.1f}"


def matmul_step(lib, a, b, grad, device="cpu"):
    """(a @ b).backward(grad) with torch's API on ``device``, gradients cleared after each run."""
    x, w = (lib.tensor(m, requires_grad=True, device=device) for m in (a, b))
    g = lib.tensor(grad, device=device)

    def run():
        (x @ w).backward(g)
        x.grad = w.grad = None
    return run


def dezero_matmul_step(dezero, a, b, grad):
    x, w = dezero.Variable(a), dezero.Variable(b)

    def run():
        y = dezero.functions.matmul(x, w)
        y.grad = dezero.Variable(grad)
        y.backward()
        x.cleargrad()
        w.cleargrad()
    return run


def numpy_matmuls(np_module, a, b, grad):
    """The three products any engine computes (forward, both gradients), without autograd: the machine's limit."""
    return lambda: (a @ b, grad @ b.T, a.T @ grad)


def matmul(ctx):
    rng = np.random.default_rng(0)
    tables = []
    for n in ctx.pick((256, 1024, 2048), (64, 256)):
        arrays = [rng.standard_normal((n, n), dtype=np.float32) for _ in range(3)]
        builders = {OURS: matmul_step, "torch": matmul_step, "dezero": dezero_matmul_step,
                    "numpy": numpy_matmuls}
        repeats = ctx.pick(max(3, min(30, 2 ** 24 // n ** 2)), 3)
        rows = timed_rows(ctx, builders, repeats=repeats, warmup=ctx.pick(2, 1), rate=gflops(3 * 2 * n ** 3),
                          args=arrays)
        tables.append(Table("matmul", f"matmul {n}x{n} @ {n}x{n} float32, forward+backward", "ms", rows,
                            Goal(1.0), extra_label="GFLOP/s", label=f"matmul {n}",
                            note="numpy row: the same three float32 products with no autograd, "
                                 "the machine's practical limit"))
    return tables


def conv_arrays(rng):
    """Input, weight, bias and output gradient of bench_conv's workload, float32."""
    b, c, s, f, k = (bench_conv.BATCH, bench_conv.CHANNELS, bench_conv.SIZE, bench_conv.FILTERS,
                     bench_conv.KERNEL)
    return [rng.standard_normal(shape, dtype=np.float32) for shape in ((b, c, s, s), (f, c, k, k), (f,), (b, f, s, s))]


def conv_step(lib, x, w, b, grad, device="cpu"):
    params = [lib.tensor(a, requires_grad=True, device=device) for a in (x, w, b)]
    g = lib.tensor(grad, device=device)
    conv2d = lib.nn.functional.conv2d

    def run():
        conv2d(*params, padding=1).backward(g)
        for p in params:
            p.grad = None
    return run


def dezero_conv_step(dezero, x, w, b, grad):
    params = [dezero.Variable(a) for a in (x, w, b)]

    def run():
        y = dezero.functions_conv.conv2d(*params, pad=1)
        y.grad = dezero.Variable(grad)
        y.backward()
        for p in params:
            p.cleargrad()
    return run


def conv2d(ctx):
    x, w, b, grad = conv_arrays(np.random.default_rng(0))
    batch, channels, size, _ = x.shape
    filters, _, kernel, _ = w.shape
    flops = 3 * 2 * batch * filters * size * size * channels * kernel * kernel  # forward, input grad, weight grad
    builders = {OURS: conv_step, "torch": conv_step, "dezero": dezero_conv_step}
    rows = timed_rows(ctx, builders, repeats=ctx.pick(20, 3), warmup=ctx.pick(3, 1), rate=gflops(flops),
                      args=(x, w, b, grad))
    return [Table("conv2d", f"conv2d {batch}x{channels}x{size}x{size}, {filters} filters {kernel}x{kernel}, "
                            f"padding 1, forward+backward", "ms", rows, Goal(1.2), extra_label="GFLOP/s")]
