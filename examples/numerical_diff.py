"""Numerical differentiation (central differences) checked against autograd, then used for gradient descent.

1. f(x1, x2, x3) = (x1 - 2 x2 - 1)^2 + (x2 x3 - 1)^2 + 1 at (1, 2, 3): value 42, gradient (-8, 46, 20)
   by autograd and by ``numerical_gradient``.
2. d/dx exp(x) at x = 1 by ``numerical_diff`` against autograd.
3. Gradient descent on x0^2 + x1^2 from (-3, 2) with the numerical gradient, lr 0.1, 100 steps: ends at (0, 0).

    python -m examples.numerical_diff [--steps 100] [--lr 0.1] [--out DIR]
"""
import argparse

import numpy as np

import autograd_core as torch
from examples._plots import output_dir, save_figure


def three_variable_function(x):
    x1, x2, x3 = x[0], x[1], x[2]
    return (x1 - 2 * x2 - 1) ** 2 + (x2 * x3 - 1) ** 2 + 1


def square_sum(x):
    return (x ** 2).sum()


def compare_gradients(f, point):
    """``(value, autograd gradient, numerical gradient)`` of scalar ``f`` at ``point``."""
    x = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    value = f(x)
    value.backward()
    return value.item(), x.grad.numpy(), torch.numerical_gradient(f, x.detach()).numpy()


def gradient_descent(f, start, lr=0.1, steps=100):
    """Follow the numerical gradient; returns every point visited (steps + 1 rows)."""
    x = torch.tensor(start, dtype=torch.float64)
    path = [x.numpy().copy()]
    for _ in range(steps):
        x = x - lr * torch.numerical_gradient(f, x)
        path.append(x.numpy().copy())
    return np.array(path)


def _plot_path(path, out):
    import matplotlib.pyplot as plt
    grid = np.linspace(-3.5, 3.5, 101)
    xs, ys = np.meshgrid(grid, grid)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.contour(xs, ys, xs ** 2 + ys ** 2, levels=15, alpha=0.5)
    ax.plot(path[:, 0], path[:, 1], "o-", markersize=3)
    ax.set_title("gradient descent on x0^2 + x1^2")
    return save_figure(fig, out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--out", default="out", help="folder for the plot (default ./out)")
    args = parser.parse_args(argv)

    value, autograd_grad, numerical_grad = compare_gradients(three_variable_function, [1.0, 2.0, 3.0])
    print(f"f(1, 2, 3) = {value:g}; autograd gradient {autograd_grad}, numerical {numerical_grad.round(6)}")

    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    torch.exp(x).backward()
    exp_slope = torch.numerical_diff(torch.exp, x.detach()).item()
    print(f"d/dx exp(x) at 1: autograd {x.grad.item():.10f}, numerical {exp_slope:.10f}")

    path = gradient_descent(square_sum, [-3.0, 2.0], args.lr, args.steps)
    print(f"gradient descent from (-3, 2): {args.steps} steps end at {path[-1]}")
    plot = _plot_path(path, output_dir(args.out) / "gradient_descent.png")
    return {"value": value, "autograd_grad": autograd_grad, "numerical_grad": numerical_grad,
            "exp_autograd": x.grad.item(), "exp_numerical": exp_slope, "path": path, "plot": plot}


if __name__ == "__main__":
    main()
