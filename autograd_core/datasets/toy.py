"""Small generated data sets that need no download: Spiral, Moons, XOR and NoisySine.

Each is a ``TensorDataset`` (so the DataLoader's fast path applies) with
``data`` and ``targets`` tensors; the same arguments and ``seed`` give the same points.
"""
import math

import numpy as np

from ..creation import from_numpy
from ..utils.data import TensorDataset

__all__ = ["Spiral", "Moons", "make_moons", "XOR", "NoisySine"]


def _rng(seed, train):
    """A fixed default seed per split, so that the train and test points differ but always repeat."""
    return np.random.default_rng(seed if seed is not None else (1984 if train else 2020))


class _Generated(TensorDataset):
    """Points generated on the host (numpy arrays ``data`` and ``targets``), held as tensors."""

    def __init__(self, data, targets):
        self.data, self.targets = from_numpy(data), from_numpy(targets)
        super().__init__(self.data, self.targets)


class Spiral(_Generated):
    """Interleaved spirals, the classic toy classification task (2-D points, one spiral per class).

    Point ``i`` of class ``j`` lies at radius ``r = i / num_per_class`` and angle
    ``4 j + 4 r`` (+ Gaussian noise of std ``noise``): ``(r sin angle, r cos angle)``.
    """

    def __init__(self, train=True, num_per_class=100, num_classes=3, noise=0.2, seed=None):
        rng = _rng(seed, train)
        radius = np.tile(np.arange(num_per_class) / num_per_class, num_classes)
        labels = np.repeat(np.arange(num_classes), num_per_class)
        angle = 4.0 * labels + 4.0 * radius + rng.standard_normal(radius.shape) * noise
        points = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
        self.classes = list(range(num_classes))
        super().__init__(points.astype(np.float32), labels.astype(np.int64))


def make_moons(n_samples=100, noise=None, seed=None):
    """Two interleaving half circles as ``(X, y)`` tensors: X float32 (n, 2), y int64 (0 outer, 1 inner)."""
    points, labels = _moons(n_samples, noise, seed)
    return from_numpy(points), from_numpy(labels)


def _moons(n_samples, noise, seed):
    """``make_moons``' points and labels as host arrays."""
    rng = np.random.default_rng(seed)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    outer = np.linspace(0, math.pi, n_outer)
    inner = np.linspace(0, math.pi, n_inner)
    points = np.concatenate([np.stack([np.cos(outer), np.sin(outer)], axis=1),
                             np.stack([1 - np.cos(inner), 0.5 - np.sin(inner)], axis=1)])
    if noise:
        points = points + rng.normal(scale=noise, size=points.shape)
    labels = np.concatenate([np.zeros(n_outer), np.ones(n_inner)])
    return points.astype(np.float32), labels.astype(np.int64)


class Moons(_Generated):
    """``make_moons`` as a dataset."""

    def __init__(self, train=True, n_samples=200, noise=0.1, seed=None):
        data, targets = _moons(n_samples, noise, seed if seed is not None else (1984 if train else 2020))
        self.classes = [0, 1]
        super().__init__(data, targets)


class XOR(_Generated):
    """Noisy copies of the four corners of the unit square, labelled ``x1 xor x2``.

    With ``n_samples=4`` and ``noise=0`` this is the truth table itself.
    """

    def __init__(self, train=True, n_samples=200, noise=0.1, seed=None):
        rng = _rng(seed, train)
        corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
        which = np.arange(n_samples) % 4
        points = corners[which] + rng.normal(scale=noise, size=(n_samples, 2)) if noise else corners[which]
        self.classes = [0, 1]
        super().__init__(points.astype(np.float32), ((which == 1) | (which == 2)).astype(np.int64))


class NoisySine(_Generated):
    """Next-value prediction on a noisy wave: ``data[t]`` is the wave at step t, ``targets[t]`` at step t + 1.

    ``num_points`` samples span two periods of a sine (a cosine for the test
    split) with uniform noise in [-noise, noise]; both tensors are float32 (N - 1, 1).
    """

    def __init__(self, train=True, num_points=1000, noise=0.05, seed=None):
        rng = _rng(seed, train)
        t = np.linspace(0, 4 * math.pi, num_points)
        wave = (np.sin(t) if train else np.cos(t)) + rng.uniform(-noise, noise, size=num_points)
        wave = wave.astype(np.float32)[:, None]
        super().__init__(wave[:-1], wave[1:])
