"""One Adam step over the course CNN's ~2M parameters (gradients already in place)."""
import numpy as np

from benchmarks import bench_optim
from benchmarks.peers import OURS
from benchmarks.workloads.base import Goal, Table, timed_rows


def largest_model():
    """The parameter shapes of bench_optim's largest model (the course CNN, ~2.03M values)."""
    return max(bench_optim.MODELS.items(), key=lambda item: sum(np.prod(s) for s in item[1]))


def ours_adam(_, params, grads):
    return bench_optim.ours_optimizer(params, grads).step


def torch_adam(torch, params, grads):
    return bench_optim.torch_optimizer(torch, params, grads).step


def dezero_adam(dz, params, grads):
    holder = dz.Layer()
    for i, (p, g) in enumerate(zip(params, grads)):
        param = dz.Parameter(p.copy())
        param.grad = dz.Variable(g)
        setattr(holder, f"p{i}", param)
    return dz.optimizers.Adam().setup(holder).update


def adam_step(ctx):
    name, shapes = largest_model()
    rng = np.random.default_rng(0)
    params, grads = ([rng.standard_normal(s, dtype=np.float32) for s in shapes] for _ in range(2))
    size = sum(p.size for p in params)
    builders = {OURS: ours_adam, "torch": torch_adam, "dezero": dezero_adam}
    rows = timed_rows(ctx, builders, repeats=ctx.pick(50, 5), warmup=ctx.pick(5, 1), args=(params, grads))
    return [Table("adam", f"one Adam step over {size / 1e6:.2f}M float32 parameters ({name})", "ms", rows,
                  Goal(1.0))]
