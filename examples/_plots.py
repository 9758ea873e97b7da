"""Headless matplotlib helpers shared by the examples: every figure is written to a PNG file."""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def output_dir(path):
    """The examples' output folder, created if needed."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_figure(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


def save_curves(path, panels, xlabel="epoch"):
    """One subplot per panel: ``panels`` maps a title to ``{label: values}``."""
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    for ax, (title, curves) in zip(axes[0], panels.items()):
        for label, values in curves.items():
            ax.plot(np.arange(1, len(values) + 1), values, label=label, marker="o" if len(values) < 30 else None)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.grid(alpha=0.3)
        ax.legend()
    return save_figure(fig, path)


def save_history(path, history):
    """Loss and accuracy per epoch, train beside test, from a ``fit``-style history dict."""
    return save_curves(path, {
        "loss": {"train": history["train_loss"], "test": history["test_loss"]},
        "accuracy": {"train": history["train_acc"], "test": history["test_acc"]}})


def save_decision_boundary(path, predict, points, labels, resolution=200):
    """Colour the plane by ``predict`` (an (M, 2) array -> (M,) class array) and scatter the data on top."""
    lo, hi = points.min(axis=0) - 0.2, points.max(axis=0) + 0.2
    xs, ys = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)
    zones = predict(grid).reshape(xs.shape)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.contourf(xs, ys, zones, alpha=0.3, levels=np.arange(labels.max() + 2) - 0.5, cmap="brg")
    ax.scatter(points[:, 0], points[:, 1], c=labels, s=12, cmap="brg", edgecolors="k", linewidths=0.3)
    ax.set_title("decision boundary")
    return save_figure(fig, path)
