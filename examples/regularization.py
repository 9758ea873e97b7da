"""Over- and under-fitting, and three remedies: weight decay, dropout and batch normalization.

1. polynomial: polynomials of degree 1, 3 and 9 fitted (by Adam, on this engine)
   to 10 noisy samples of sin(2 pi x): too simple, right, and too flexible.
2. weight decay: a deep MLP (six hidden layers of 100) trained on only 300
   images overfits; SGD with weight_decay=0.1 narrows the train/test gap.
3. dropout: the same network with Dropout(0.2) after each hidden layer.
4. batch norm: five hidden layers trained on 1,000 images with and without
   BatchNorm1d; batch norm learns faster.
Each demo writes one PNG. The image demos use MNIST-format data (Fashion-MNIST
or the MNIST test split when MNIST's training images are absent).

    python -m examples.regularization [--demos polynomial,weight_decay,dropout,batch_norm] [--epochs 100]
"""
import argparse

import numpy as np

import autograd_core as torch
import nn
import optim
from autograd_core.utils.data import DataLoader
from examples._data import first, load_digits
from examples._plots import output_dir, save_curves, save_figure
from examples.train import evaluate

DEMOS = ("polynomial", "weight_decay", "dropout", "batch_norm")
DEGREES = (1, 3, 9)


# ----- 1. polynomial fits -----
def _powers(x, degree):
    u = 2 * x - 1  # on [-1, 1] the powers stay well scaled
    return torch.from_numpy(np.stack([u ** k for k in range(1, degree + 1)], axis=1).astype(np.float32))


def fit_polynomial(x, y, degree, steps=3000, lr=0.05):
    """A degree-``degree`` polynomial (a Linear layer on the powers of x) fitted by Adam to mean squared error."""
    model = nn.Linear(degree, 1)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    features, targets = _powers(x, degree), torch.from_numpy(y[:, None].astype(np.float32))
    for _ in range(steps):
        loss = nn.functional.mse_loss(model(features), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    def predict(points):
        with torch.no_grad():
            return model(_powers(points, degree)).numpy()[:, 0]
    return predict


def polynomial_demo(out, steps, log, seed=0, noise=0.25):
    import matplotlib.pyplot as plt
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 1, 10)
    y = np.sin(2 * np.pi * x) + rng.normal(0, noise, x.shape)
    grid = np.linspace(0, 1, 200)
    truth = np.sin(2 * np.pi * grid)
    fig, axes = plt.subplots(1, len(DEGREES), figsize=(4 * len(DEGREES), 3.5), sharey=True)
    errors = {}
    for ax, degree in zip(axes, DEGREES):
        predict = fit_polynomial(x, y, degree, steps)
        errors[degree] = (float(np.mean((predict(x) - y) ** 2)), float(np.mean((predict(grid) - truth) ** 2)))
        log(f"degree {degree}: train MSE {errors[degree][0]:.4f}, MSE against the true curve {errors[degree][1]:.4f}")
        ax.plot(grid, truth, "g--", label="sin(2 pi x)")
        ax.plot(grid, predict(grid), "r", label=f"degree {degree}")
        ax.scatter(x, y, label="samples")
        ax.set_ylim(-2, 2)
        ax.set_title(f"degree {degree}: train MSE {errors[degree][0]:.3f}")
        ax.legend(fontsize=8)
    return save_figure(fig, out / "polynomial.png"), errors


# ----- 2-4. image demos -----
def he_linear(n_in, n_out):
    """A Linear layer with He initialisation (normal, std sqrt(2 / n_in)) and zero bias, as the course uses."""
    layer = nn.Linear(n_in, n_out)
    nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    nn.init.zeros_(layer.bias)
    return layer


def deep_mlp(hidden_layers, dropout=0.0, batch_norm=False, width=100):
    layers, size = [], 784
    for _ in range(hidden_layers):
        layers.append(he_linear(size, width))
        if batch_norm:
            layers.append(nn.BatchNorm1d(width))
        layers.append(nn.ReLU())
        if dropout:
            layers.append(nn.Dropout(dropout))
        size = width
    layers.append(he_linear(size, 10))
    return nn.Sequential(*layers)


def train_curves(model, train, test, epochs, optimizer, batch_size=100):
    """Train/test accuracy after every epoch (measured in eval mode)."""
    loader = DataLoader(train, batch_size=batch_size, shuffle=True)
    loss_fn = nn.CrossEntropyLoss()
    train_acc, test_acc = [], []
    for _ in range(epochs):
        model.train()
        for inputs, targets in loader:
            loss = loss_fn(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        train_acc.append(evaluate(model, train, loss_fn)[1])
        test_acc.append(evaluate(model, test, loss_fn)[1])
    return train_acc, test_acc


def compare(out, name, variants, train, test, epochs, log):
    """Train each ``label -> (model, optimizer)`` variant and plot their accuracy curves side by side."""
    panels, finals = {}, {}
    for label, (model, optimizer) in variants.items():
        train_acc, test_acc = train_curves(model, train, test, epochs, optimizer)
        panels[label] = {"train": train_acc, "test": test_acc}
        finals[label] = (train_acc[-1], test_acc[-1])
        log(f"{name}, {label}: train acc {train_acc[-1]:.3f}, test acc {test_acc[-1]:.3f}")
    return save_curves(out / f"{name}.png", panels), finals


def weight_decay_demo(out, data, epochs, log, lr=0.01, decay=0.1):
    train = first(data.train, 300)
    variants = {}
    for label, wd in (("no weight decay", 0.0), (f"weight decay {decay}", decay)):
        torch.manual_seed(0)
        model = deep_mlp(6)
        variants[label] = (model, optim.SGD(model.parameters(), lr=lr, weight_decay=wd))
    return compare(out, "weight_decay", variants, train, data.test, epochs, log)


def dropout_demo(out, data, epochs, log, lr=0.01, p=0.2):
    train = first(data.train, 300)
    variants = {}
    for label, rate in (("no dropout", 0.0), (f"dropout {p}", p)):
        torch.manual_seed(0)
        model = deep_mlp(6, dropout=rate)
        variants[label] = (model, optim.SGD(model.parameters(), lr=lr))
    return compare(out, "dropout", variants, train, data.test, epochs, log)


def batch_norm_demo(out, data, epochs, log, lr=0.01):
    train = first(data.train, 1000)
    variants = {}
    for label, bn in (("without batch norm", False), ("with batch norm", True)):
        torch.manual_seed(0)
        model = deep_mlp(5, batch_norm=bn)
        variants[label] = (model, optim.SGD(model.parameters(), lr=lr))
    return compare(out, "batch_norm", variants, train, data.test, epochs, log)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demos", default=",".join(DEMOS), help=f"comma-separated subset of {', '.join(DEMOS)}")
    parser.add_argument("--epochs", type=int, default=100, help="epochs of the weight decay and dropout demos")
    parser.add_argument("--bn-epochs", type=int, default=20, help="epochs of the batch norm demo")
    parser.add_argument("--poly-steps", type=int, default=3000, help="Adam steps per polynomial fit")
    parser.add_argument("--data-dir", default=None,
                        help="MNIST-format data (default $AUTOGRAD_CORE_DATA or ./data, else the embedded digits)")
    parser.add_argument("--out", default="out", help="folder for the plots (default ./out)")
    args = parser.parse_args(argv)
    demos = [d.strip() for d in args.demos.split(",") if d.strip()]
    unknown = sorted(set(demos) - set(DEMOS))
    if unknown:
        parser.error(f"unknown demo(s) {', '.join(unknown)}; choose from {', '.join(DEMOS)}")
    out = output_dir(args.out)
    results = {}
    if "polynomial" in demos:
        results["polynomial"] = polynomial_demo(out, args.poly_steps, print)
    image_demos = [d for d in demos if d != "polynomial"]
    if image_demos:
        data = load_digits(args.data_dir)
        print(data.note)
        runs = {"weight_decay": lambda: weight_decay_demo(out, data, args.epochs, print),
                "dropout": lambda: dropout_demo(out, data, args.epochs, print),
                "batch_norm": lambda: batch_norm_demo(out, data, args.bn_epochs, print)}
        for name in image_demos:
            results[name] = runs[name]()
    return results


if __name__ == "__main__":
    main()
