"""The course MLP (or CNN) on Fashion-MNIST in autograd_core and in PyTorch: the same code, run by both libraries.

Recipe: 784-300-10 with ReLU (``--model cnn``: the course CNN, benchmarks.workloads.training),
cross-entropy, Adam with its defaults, batch 100, shuffled DataLoader over a TensorDataset
of float32 images in [0, 1] held on ``--device`` (cuda: CuPy's GPU against PyTorch CUDA).
Prints each library's epoch times and test accuracy after the last epoch (mean over
the seeds, since one run varies by about half a point), and the ratios.
On a shared machine pin both libraries to the same threads, e.g.
``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1``.

    python -m benchmarks.bench_train [--data-dir ../shared/datasets/fashion-mnist] [--epochs 5] [--seeds 0 1 2]
                                     [--model mlp|cnn] [--device cpu|cuda]
"""
import argparse
import statistics
import time
from pathlib import Path

import numpy as np

import autograd_core
import autograd_core.utils.data
from autograd_core.datasets import FashionMNIST
from benchmarks.workloads.training import course_cnn, course_mlp

MODELS = {"mlp": (course_mlp, (784,)), "cnn": (course_cnn, (1, 28, 28))}  # builder, the shape of one image
ACCURACY_POINTS = 0.5  # issue 20: within half a point of PyTorch's accuracy

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "fashion-mnist"


def load_arrays(data_dir):
    """Train and test images as float32 (N, 784) arrays in [0, 1], labels as int64."""
    def split(train):
        ds = FashionMNIST(data_dir, train=train)
        return ds.data.numpy().reshape(len(ds), -1).astype(np.float32) / 255, ds.targets.numpy()
    return split(True) + split(False)


def run_recipe(lib, nn, optim, data, arrays, epochs, seed, log, model="mlp", device="cpu"):
    """Train with ``lib`` (autograd_core or torch) on ``device``; returns (epoch seconds, test accuracy after each
    epoch)."""
    build, image = MODELS[model]
    x_train, x_test = (lib.from_numpy(a.reshape((len(a),) + image)).to(device) for a in arrays[::2])
    y_train, y_test = (lib.from_numpy(a).to(device) for a in arrays[1::2])
    lib.manual_seed(seed)
    model = build(nn)[0].to(device)
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
        if device != "cpu":
            lib.cuda.synchronize()
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
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--model", choices=list(MODELS), default="mlp")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    args = parser.parse_args(argv)
    arrays = load_arrays(args.data_dir)
    libraries = _libraries()
    runs = {name: ([], []) for name, *_ in libraries}
    for seed in args.seeds:  # the libraries take turns, so a busy spell on the machine hits both alike
        for name, lib, nn, optim, data in libraries:
            print(f"{name}, seed {seed}:")
            times, accuracies = run_recipe(lib, nn, optim, data, arrays, args.epochs, seed, print, args.model,
                                           args.device)
            runs[name][0].extend(times)
            runs[name][1].append(accuracies[-1])
    results = {}
    for name, (times, finals) in runs.items():
        results[name] = {"epoch_s": statistics.median(times), "fastest_epoch_s": min(times),
                         "accuracy": statistics.mean(finals), "accuracies": finals}
    print(f"\n{'library':<16}{'median epoch s':>16}{'fastest epoch s':>17}{'mean test acc':>15}  per seed")
    for name, r in results.items():
        print(f"{name:<16}{r['epoch_s']:>16.3f}{r['fastest_epoch_s']:>17.3f}{r['accuracy']:>15.4f}  "
              + " ".join(f"{a:.4f}" for a in r["accuracies"]))
    if "torch" in results:
        ours, ref = results["autograd_core"], results["torch"]
        points = 100 * (ours["accuracy"] - ref["accuracy"])
        print(f"epoch time ratio autograd_core / torch: {ours['epoch_s'] / ref['epoch_s']:.2f}; "
              f"accuracy difference: {points:+.2f} points (goal within {ACCURACY_POINTS}: "
              f"{'met' if abs(points) <= ACCURACY_POINTS else 'MISSED'})")
    return results


if __name__ == "__main__":
    main()
