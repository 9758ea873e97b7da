"""Time one Adam step over the course models' parameters: this project's optim.Adam vs torch.optim.Adam.

    python benchmarks/bench_optim.py [--repeat 200] [--threads 1]

The parameters have the shapes of the course MLP (784-300-10, ~238k values) and
CNN (Conv2d(1, 10, 3) + Linear(6760, 300) + Linear(300, 10), ~2.03M values);
both optimizers get the same gradients. Ours runs one fused loop per parameter
on one thread, so torch gets the same number of threads (``--threads``).
Prints the median step time of each and the ratio ours / torch (below 1: faster).
"""
import argparse
import time

import numpy as np

import autograd_core
import optim

MODELS = {
    "MLP 784-300-10": [(300, 784), (300,), (10, 300), (10,)],
    "CNN conv3x3(10)+fc300+fc10": [(10, 1, 3, 3), (10,), (300, 6760), (300,), (10, 300), (10,)],
}


def median_step_time(optimizer, repeat):
    """Median seconds of ``optimizer.step()`` (after a few warm-up steps)."""
    for _ in range(5):
        optimizer.step()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        optimizer.step()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def ours_optimizer(params, grads):
    tensors = [autograd_core.tensor(p, requires_grad=True) for p in params]
    for t, g in zip(tensors, grads):
        t.grad = autograd_core.tensor(g)
    return optim.Adam(tensors)


def torch_optimizer(torch, params, grads):
    tensors = [torch.tensor(p, requires_grad=True) for p in params]
    for t, g in zip(tensors, grads):
        t.grad = torch.tensor(g)
    return torch.optim.Adam(tensors)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200, help="timed steps per optimizer (median reported)")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (ours is single-threaded)")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        torch = None
    else:
        torch.set_num_threads(args.threads)

    rng = np.random.default_rng(0)
    print(f"Adam step, median of {args.repeat} (torch threads: {args.threads})")
    print(f"{'model':28s} {'values':>10s} {'ours':>10s} {'torch':>10s} {'ratio':>7s}")
    for name, shapes in MODELS.items():
        params = [rng.standard_normal(s).astype(np.float32) for s in shapes]
        grads = [rng.standard_normal(s).astype(np.float32) for s in shapes]
        size = sum(p.size for p in params)
        ours = median_step_time(ours_optimizer(params, grads), args.repeat)
        if torch is None:
            print(f"{name:28s} {size:10d} {ours * 1e6:8.0f}us {'-':>10s} {'-':>7s}")
            continue
        theirs = median_step_time(torch_optimizer(torch, params, grads), args.repeat)
        print(f"{name:28s} {size:10d} {ours * 1e6:8.0f}us {theirs * 1e6:8.0f}us {ours / theirs:7.2f}")


if __name__ == "__main__":
    main()
