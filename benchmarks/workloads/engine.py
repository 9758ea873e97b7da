"""Engine overhead: a chain of small elementwise ops, and micrograd's scalar MLP demo on 0-d tensors."""
import numpy as np

from benchmarks import bench_engine
from benchmarks.peers import OURS
from benchmarks.workloads.base import Goal, Table, timed_rows


def dezero_op_chain(dezero, n_ops):
    """bench_engine.op_chain in DeZero: mul, add, tanh, sub by turns on 16 floats, then backward
    (DeZero has no requires_grad, so it also computes y's gradient)."""
    x = dezero.Variable(np.linspace(0.1, 1.0, 16, dtype=np.float32))
    y = dezero.Variable(np.linspace(1.0, 2.0, 16, dtype=np.float32))
    F = dezero.functions

    def run():
        h = x
        for _ in range(n_ops // 4):
            h = F.tanh(h * y + y) - 0.5
        F.sum(h).backward()
        x.cleargrad()
        y.cleargrad()
    return run


def torch_scalar_demo(torch):
    """bench_engine's scalar demo step on PyTorch 0-d tensors."""
    X, y = bench_engine.moons()
    model = bench_engine.ScalarMLP(lambda v: torch.tensor(v, requires_grad=True))

    def zero_grad(m):
        for p in m.parameters():
            p.grad = None

    def update(p, g):
        with torch.no_grad():
            p -= 0.05 * g
    return lambda: bench_engine.scalar_step(model, X, y, zero_grad, lambda p: p.grad, update)


def per_op(ctx):
    n_ops = ctx.pick(bench_engine.CHAIN_OPS, 200)
    builders = {OURS: bench_engine.op_chain, "torch": bench_engine.op_chain, "dezero": dezero_op_chain}
    rows = timed_rows(ctx, builders, repeats=ctx.pick(30, 3), warmup=ctx.pick(3, 1),
                      rate=lambda s: f"{s / n_ops * 1e6:.1f}", args=(n_ops,))
    return [Table("per-op", f"per-op overhead: {n_ops} elementwise ops on 16 floats, forward+backward", "ms",
                  rows, Goal(1.0), extra_label="us/op")]


def scalar_graph(ctx):
    builders = {OURS: lambda _: bench_engine.ours_scalar_demo(),
                "micrograd": lambda _: bench_engine.micrograd_scalar_demo(),
                "torch": torch_scalar_demo}
    rows = timed_rows(ctx, builders, repeats=ctx.pick(5, 1), warmup=ctx.pick(1, 0))
    return [Table("scalar", "scalar graph: micrograd's demo step, MLP 2-16-16-1 over 100 points, 0-d tensors",
                  "ms", rows, Goal(1.0))]
