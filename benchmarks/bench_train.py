"""The course MLP on Fashion-MNIST in autograd_core and in PyTorch: the same code, run by both libraries.

Recipe: 784-300-10 with ReLU, cross-entropy, Adam with its defaults, batch 100,
shuffled DataLoader over a TensorDataset of float32 images in [0, 1]. Prints
each library's epoch times, test accuracy after the last epoch, and the ratios.

    python -m benchmarks.bench_train [--data-dir ../shared/datasets/fashion-mnist] [--epochs 5] [--seed 0]
"""
import argparse
import statistics
import time
from pathlib import Path

import numpy as np

import autograd_core
import autograd_core.utils.data
from autograd_core.datasets import FashionMNIST

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "fashion-mnist"


def load_arrays(data_dir):
    """Train and test images as float32 (N, 784) arrays in [0, 1], labels as int64."""
    def split(train):
        ds = FashionMNIST(data_dir, train=train)
        return ds.data.numpy().reshape(len(ds), -1).astype(np.float32) / 255, ds.targets.numpy()
    return split(True) + split(False)


def run_recipe(lib, nn, optim, data, arrays, epochs, seed, log):
    """Train with ``lib`` (autograd_core or torch); returns (epoch seconds, test accuracy after each epoch)."""
    x_train, y_train, x_test, y_test = (lib.from_numpy(a) for a in arrays)
    lib.manual_seed(seed)
    model = nn.Sequential(nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 10))
    optimizer = optim.Adam(model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    loader = data.DataLoader(data.TensorDataset(x_train, y_train), batch_size=100, shuffle=True)
    times, accuracies = [], []
    for epoch in range(epochs):
        start = time.perf_counter()
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
        times.append(time.perf_counter() - start)
        with lib.no_grad():
            accuracies.append((model(x_test).argmax(1) == y_test).float().mean().item())
        log(f"  epoch {epoch + 1}: {times[-1]:.3f} s, test accuracy {accuracies[-1]:.4f}")
    return times, accuracies


def _libraries():
    import nn
    import optim
    libs = [("autograd_core", autograd_core, nn, optim, autograd_core.utils.data)]
    try:
        import torch
    except ImportError:
        print("torch is not installed: timing autograd_core alone")
        return libs
    import torch.utils.data
    return libs + [("torch", torch, torch.nn, torch.optim, torch.utils.data)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA), help="folder with the Fashion-MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    arrays = load_arrays(args.data_dir)
    results = {}
    for name, lib, nn, optim, data in _libraries():
        print(f"{name}:")
        times, accuracies = run_recipe(lib, nn, optim, data, arrays, args.epochs, args.seed, print)
        results[name] = {"epoch_s": statistics.median(times), "first_epoch_s": times[0],
                         "accuracy": accuracies[-1]}
    print(f"\n{'library':<16}{'median epoch s':>16}{'first epoch s':>15}{'test acc':>10}")
    for name, r in results.items():
        print(f"{name:<16}{r['epoch_s']:>16.3f}{r['first_epoch_s']:>15.3f}{r['accuracy']:>10.4f}")
    if "torch" in results:
        ours, ref = results["autograd_core"], results["torch"]
        print(f"epoch time ratio autograd_core / torch: {ours['epoch_s'] / ref['epoch_s']:.2f}; "
              f"accuracy difference: {100 * (ours['accuracy'] - ref['accuracy']):+.2f} points")
    return results


if __name__ == "__main__":
    main()
