"""Engine overhead: 1,000 small elementwise ops forward+backward, and micrograd's scalar MLP demo.

Run: ``python -m benchmarks.bench_engine``. Peers (torch, micrograd) are timed when installed.
"""
import random

import numpy as np

import autograd_core
from benchmarks.timing import measure, report

CHAIN_OPS = 1000


def op_chain(lib, n_ops=CHAIN_OPS):
    """``n_ops`` elementwise ops (mul, add, tanh, sub by turns) on a 16-element tensor, then backward."""
    x = lib.tensor(np.linspace(0.1, 1.0, 16, dtype=np.float32), requires_grad=True)
    y = lib.tensor(np.linspace(1.0, 2.0, 16, dtype=np.float32))

    def run():
        h = x
        for _ in range(n_ops // 4):
            h = (h * y + y).tanh() - 0.5
        h.sum().backward()
        x.grad = None
    return run


def moons(n=100, seed=1):
    """The two-moons data micrograd's demo uses (labels -1/+1), generated with numpy."""
    rng = np.random.default_rng(seed)
    half = n // 2
    t = np.linspace(0, np.pi, half)
    outer = np.stack([np.cos(t), np.sin(t)], 1)
    inner = np.stack([1 - np.cos(t), 1 - np.sin(t) - 0.5], 1)
    X = np.concatenate([outer, inner]) + rng.normal(scale=0.1, size=(n, 2))
    y = np.concatenate([-np.ones(half), np.ones(n - half)])
    return X, y


class ScalarMLP:
    """micrograd's MLP(2, [16, 16, 1]) written with 0-d tensors of ``make_scalar``'s engine."""

    def __init__(self, make_scalar, sizes=(2, 16, 16, 1), seed=0):
        rnd = random.Random(seed)
        self.layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
            neurons = [([make_scalar(rnd.uniform(-1, 1)) for _ in range(n_in)], make_scalar(0.0))
                       for _ in range(n_out)]
            self.layers.append((neurons, i < len(sizes) - 2))

    def __call__(self, x):
        for neurons, nonlinear in self.layers:
            out = []
            for w, b in neurons:
                act = b
                for wi, xi in zip(w, x):
                    act = act + wi * xi
                out.append(act.relu() if nonlinear else act)
            x = out
        return x[0]

    def parameters(self):
        return [p for neurons, _ in self.layers for w, b in neurons for p in w + [b]]


def scalar_step(model, X, y, zero_grad, get_grad, update):
    """One step of micrograd's demo: SVM max-margin loss + L2, backward, SGD."""
    scores = [model(list(map(float, xi))) for xi in X]
    losses = [(1 + -float(yi) * s).relu() for yi, s in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total = data_loss + reg_loss
    zero_grad(model)
    total.backward()
    for p in model.parameters():
        update(p, get_grad(p))


def ours_scalar_demo():
    X, y = moons()
    model = ScalarMLP(lambda v: autograd_core.tensor(v, requires_grad=True))

    def zero_grad(m):
        for p in m.parameters():
            p.grad = None

    def update(p, g):
        with autograd_core.no_grad():
            p -= 0.05 * g
    return lambda: scalar_step(model, X, y, zero_grad, lambda p: p.grad, update)


def micrograd_scalar_demo():
    from micrograd.engine import Value
    X, y = moons()
    model = ScalarMLP(Value)

    def zero_grad(m):
        for p in m.parameters():
            p.grad = 0.0

    def update(p, g):
        p.data -= 0.05 * g
    return lambda: scalar_step(model, X, y, zero_grad, lambda p: p.grad, update)


def peers():
    found = {}
    try:
        import torch
        torch.set_num_threads(1)
        found["torch"] = torch
    except ImportError:
        print("peer missing: torch (pip install torch==2.13.0)")
    return found


def main():
    libs = peers()
    rows = [("torch", measure(op_chain(libs["torch"])))] if "torch" in libs else []
    rows.append(("autograd_core", measure(op_chain(autograd_core))))
    report(f"per-op overhead: {CHAIN_OPS} elementwise ops on 16 elements, forward+backward (goal <= 2.0)", rows)

    rows = []
    try:
        rows.append(("micrograd", measure(micrograd_scalar_demo(), repeats=3, warmup=1)))
    except ImportError:
        print("peer missing: micrograd (pip install micrograd)")
    rows.append(("autograd_core", measure(ours_scalar_demo(), repeats=3, warmup=1)))
    report("scalar graph: micrograd's MLP 2-16-16-1 demo step over 100 points, 0-d tensors "
           "(goal <= micrograd)", rows, reference="micrograd")


if __name__ == "__main__":
    main()
