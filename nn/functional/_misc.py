"""Tensor utilities from torch.nn.functional: one_hot, pad and normalize."""
import math

import numpy as np

from autograd_core.function import Function
from autograd_core.tensor import _new, _check_dim

__all__ = ["one_hot", "pad", "normalize"]


def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding: shape ``tensor.shape + (num_classes,)`` (-1: max value + 1)."""
    labels = tensor.array
    if labels.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot is only applicable to index tensor, got {tensor.dtype}")
    if num_classes == -1:
        if labels.size == 0:
            raise RuntimeError("one_hot: Can not infer total number of classes from empty tensor.")
        num_classes = int(labels.max()) + 1
    if labels.size and labels.min() < 0:
        raise RuntimeError("one_hot: Class values must be non-negative.")
    if labels.size and labels.max() >= num_classes:
        raise RuntimeError(f"one_hot: Class values must be smaller than num_classes ({num_classes}), "
                           f"got {int(labels.max())}.")
    return _new((labels[..., None] == np.arange(num_classes)).astype(np.int64))


# ----- pad -----
class ConstantPad(Function):
    """Pad each axis by ``(before, after)`` with ``value``; negative widths crop.

    Its adjoint is the same op with negated widths and value 0, which is its backward.
    """

    def __init__(self, widths, value):
        self.widths, self.value = widths, value

    def forward(self, x):
        crop = tuple(slice(max(-before, 0), size - max(-after, 0))
                     for size, (before, after) in zip(x.shape, self.widths))
        x = x[crop]
        grow = [(max(before, 0), max(after, 0)) for before, after in self.widths]
        if not any(b or a for b, a in grow):
            return x.copy()
        return np.pad(x, grow, mode="constant", constant_values=np.asarray(self.value, dtype=x.dtype))

    def backward(self, gy):
        return ConstantPad([(-before, -after) for before, after in self.widths], 0)(gy)


class GatherPad(Function):
    """Padding that copies input elements (reflect, replicate, circular): one gather per padded axis."""

    def __init__(self, gathers):
        self.gathers = gathers  # [(axis, source index for each output position), ...]

    def forward(self, x):
        self.in_shape = x.shape
        for axis, index in self.gathers:
            x = np.take(x, index, axis=axis)
        return x

    def backward(self, gy):
        return GatherPadAdjoint(self.gathers, self.in_shape)(gy)


class GatherPadAdjoint(Function):
    """Scatter-add back along each padded axis (the transpose of GatherPad)."""

    def __init__(self, gathers, in_shape):
        self.gathers, self.in_shape = gathers, in_shape

    def forward(self, g):
        for axis, index in reversed(self.gathers):
            shape = list(g.shape)
            shape[axis] = self.in_shape[axis]
            out = np.zeros(shape, g.dtype)
            np.add.at(np.moveaxis(out, axis, 0), index, np.moveaxis(g, axis, 0))
            g = out
        return g

    def backward(self, gg):
        return GatherPad(self.gathers)(gg)


_NUMPY_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(input, pad, mode="constant", value=None):
    """Pad the last ``len(pad) // 2`` dims: ``pad = (last_before, last_after, second_last_before, ...)``.

    Modes: 'constant' (``value``, default 0; negative widths crop), 'reflect',
    'replicate' and 'circular'.
    """
    pad = [int(p) for p in pad]
    ndim = input.array.ndim
    if len(pad) % 2 or len(pad) // 2 > ndim:
        raise ValueError(f"pad: padding length must be even and at most 2 * ndim ({2 * ndim}), got {len(pad)}")
    widths = [(0, 0)] * (ndim - len(pad) // 2) + [(pad[i], pad[i + 1]) for i in range(len(pad) - 2, -1, -2)]
    for axis, (before, after) in enumerate(widths):
        if input.array.shape[axis] + before + after < 0:
            raise RuntimeError(f"pad: the padded size of dim {axis} would be negative "
                               f"({input.array.shape[axis]} + {before} + {after})")
    if mode == "constant":
        return ConstantPad(widths, 0 if value is None else value)(input)
    if mode not in _NUMPY_MODES:
        raise NotImplementedError(f"pad: mode '{mode}' is not supported; expected constant, reflect, replicate "
                                  "or circular")
    if value:
        raise ValueError(f"pad: padding mode '{mode}' doesn't take in value argument")
    gathers = []
    for axis, (before, after) in enumerate(widths):
        if not (before or after):
            continue
        size = input.array.shape[axis]
        limit = size - 1 if mode == "reflect" else size
        if min(before, after) < 0 or max(before, after) > limit or size == 0:
            raise ValueError(f"pad: {mode} padding ({before}, {after}) of dim {axis} must be non-negative and at "
                             f"most {limit} for an input of size {size}")
        gathers.append((axis, np.pad(np.arange(size), (before, after), mode=_NUMPY_MODES[mode])))
    return GatherPad(gathers)(input)


# ----- normalize -----
class VectorNorm(Function):
    """The p-norm over ``dim`` (kept); its gradient is 0 for an all-zero vector, as in PyTorch."""

    saves = (0,)
    saves_output = True

    def __init__(self, p, dim):
        self.p, self.dim = p, dim

    def forward(self, x):
        size = np.abs(x)
        if self.p == math.inf:
            return size.max(axis=self.dim, keepdims=True)
        if self.p == 2:
            return np.sqrt((x * x).sum(axis=self.dim, keepdims=True))
        return (size ** self.p).sum(axis=self.dim, keepdims=True) ** (1 / self.p)

    def backward(self, gy):
        (x,) = self.saved_tensors
        norm = self.saved_output()
        sign = np.sign(x.array)
        safe_norm = norm + _new((norm.array == 0).astype(norm.array.dtype))
        if self.p == math.inf:
            peak = (np.abs(x.array) == norm.array).astype(x.array.dtype)
            peak /= np.maximum(peak.sum(axis=self.dim, keepdims=True), 1)
            return gy * _new(sign * peak)
        if self.p == 2:
            return gy * x / safe_norm
        size = x * _new(sign)
        return gy * _new(sign) * size ** (self.p - 1) / safe_norm ** (self.p - 1)


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """``input / max(||input||_p, eps)`` along ``dim``."""
    if p <= 0:
        raise ValueError(f"normalize: p must be positive, got {p}")
    dim = _check_dim(dim, input.array.ndim, "normalize")
    return input / VectorNorm(p, dim)(input).clamp_min(eps)
