"""Optimizer paths on f(x, y) = x**2 / 20 + y**2, from (-7, 2), 30 steps each.

The function is 20 times steeper along y than along x, which shows each method's
character: SGD zig-zags across the valley, Momentum overshoots and swings back,
AdaGrad and RMSprop rescale each coordinate, Adam combines momentum with that
rescaling. Autograd computes every gradient; this project's ``optim`` updates.

    python -m examples.optimizer_paths [--steps 30] [--out optimizer_paths.png]
"""
import argparse

import numpy as np

import autograd_core as torch
import optim
from examples._plots import plt, save_figure

START = (-7.0, 2.0)
OPTIMIZERS = {
    "SGD (lr 0.95)": lambda params: optim.SGD(params, lr=0.95),
    "Momentum (lr 0.1, 0.9)": lambda params: optim.SGD(params, lr=0.1, momentum=0.9),
    "AdaGrad (lr 1.5)": lambda params: optim.Adagrad(params, lr=1.5),
    "RMSprop (lr 0.3)": lambda params: optim.RMSprop(params, lr=0.3),
    "Adam (lr 0.3)": lambda params: optim.Adam(params, lr=0.3),
}


def f(x, y):
    return x ** 2 / 20 + y ** 2


def descend(make_optimizer, steps=30):
    """The (steps + 1, 2) array of points visited from ``START``."""
    x = torch.tensor(START[0], requires_grad=True)
    y = torch.tensor(START[1], requires_grad=True)
    optimizer = make_optimizer([x, y])
    path = [START]
    for _ in range(steps):
        optimizer.zero_grad()
        f(x, y).backward()
        optimizer.step()
        path.append((x.item(), y.item()))
    return np.array(path)


def plot_paths(paths, out):
    """Each path over the contours of f (one panel per optimizer), and every path's distance to (0, 0)."""
    xs, ys = np.meshgrid(np.linspace(-10, 10, 200), np.linspace(-5, 5, 200))
    fig, axes = plt.subplots(2, 3, figsize=(15, 8))
    for ax, (name, path) in zip(axes.flat, paths.items()):
        ax.contour(xs, ys, f(xs, ys), levels=np.geomspace(0.05, 30, 12), cmap="viridis", linewidths=0.8)
        ax.plot(path[:, 0], path[:, 1], "o-", color="tab:red", markersize=3, linewidth=1)
        ax.plot(0, 0, "+", color="black", markersize=12)
        ax.set_title(name)
        ax.set_xlim(-10, 10)
        ax.set_ylim(-5, 5)
    distances = axes.flat[len(paths)]
    for name, path in paths.items():
        distances.semilogy(np.hypot(path[:, 0], path[:, 1]), label=name)
    distances.set_title("distance to the minimum (0, 0)")
    distances.set_xlabel("step")
    distances.legend(fontsize=8)
    distances.grid(alpha=0.3)
    return save_figure(fig, out)


def main(argv=None):
    """Run every optimizer, save the figure to ``--out``; returns the paths by optimizer name."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--out", default="optimizer_paths.png", help="PNG file to write")
    args = parser.parse_args(argv)
    paths = {name: descend(make, args.steps) for name, make in OPTIMIZERS.items()}
    print(f"saved {plot_paths(paths, args.out)}")
    for name, path in paths.items():
        print(f"{name:24s} ends at ({path[-1, 0]: .4f}, {path[-1, 1]: .4f})")
    return paths


if __name__ == "__main__":
    main()
