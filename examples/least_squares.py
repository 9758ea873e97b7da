"""Least squares by hand-written gradient descent: fit y = a x + b to D = {(1, 2), (2, 3), (3, 5)}.

The loss is the squared error summed over D, as the course computes it (the
values below come from the sum; the mean would end at a = 1.46388); autograd
gives the gradients and the update ``a -= lr * a.grad`` is written out
(lr 0.01, 500 epochs), ending at a = 1.49677, b = 0.34067, loss 0.16669.

    python -m examples.least_squares [--epochs 500] [--lr 0.01] [--out DIR]
"""
import argparse

import autograd_core as torch
from examples._plots import output_dir, save_curves, save_figure


def squared_error(a, b, xs, ys):
    return ((a * xs + b - ys) ** 2).sum()


def fit(epochs=500, lr=0.01):
    """Gradient descent from a = b = 0; returns a, b, the final loss and the loss after each epoch."""
    xs = torch.tensor([1.0, 2.0, 3.0])
    ys = torch.tensor([2.0, 3.0, 5.0])
    a = torch.tensor(0.0, requires_grad=True)
    b = torch.tensor(0.0, requires_grad=True)
    losses = []
    for _ in range(epochs):
        loss = squared_error(a, b, xs, ys)
        a.grad = b.grad = None
        loss.backward()
        with torch.no_grad():
            a -= lr * a.grad
            b -= lr * b.grad
        losses.append(loss.item())
    final = squared_error(a, b, xs, ys)
    return {"a": a.item(), "b": b.item(), "loss": final.item(), "losses": losses,
            "points": (xs.tolist(), ys.tolist())}


def _plot_fit(path, result):
    import matplotlib.pyplot as plt
    xs, ys = result["points"]
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.scatter(xs, ys, label="D")
    ax.plot([0, 4], [result["b"], 4 * result["a"] + result["b"]],
            label=f"y = {result['a']:.5f} x + {result['b']:.5f}")
    ax.legend()
    ax.grid(alpha=0.3)
    return save_figure(fig, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=500)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--out", default="out", help="folder for the plots (default ./out)")
    args = parser.parse_args(argv)
    result = fit(args.epochs, args.lr)
    print(f"a = {result['a']:.5f}, b = {result['b']:.5f}, loss = {result['loss']:.5f}")
    out = output_dir(args.out)
    result["plots"] = [_plot_fit(out / "least_squares_fit.png", result),
                       save_curves(out / "least_squares_loss.png", {"squared error": {"loss": result["losses"]}})]
    return result


if __name__ == "__main__":
    main()
