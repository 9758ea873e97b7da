"""Tensor utilities from torch.nn.functional: one_hot, pad and normalize."""
import math

import numpy as np

from autograd_core import as_tensor
from autograd_core.autograd import Function

from ._activation import checked_dim
from autograd_core.arrays import array_module, from_numpy

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
    return as_tensor((labels[..., None] == array_module(labels).arange(num_classes)).astype(np.int64))


# ----- pad -----
class ConstantPadNd(Function):
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
        return array_module(x).pad(x, grow, mode="constant", constant_values=x.dtype.type(self.value))

    def backward(self, gy):
        return ConstantPadNd([(-before, -after) for before, after in self.widths], 0)(gy)


class GatherPad(Function):
    """Padding that copies input elements (reflect, replicate, circular): one gather per padded axis.

    ``gathers`` are ``(axis, index)`` pairs, ``index`` (an integer tensor) giving
    the source of each output position along ``axis``. Backward sums the
    gradient back with ``index_add`` (whose own backward is the gather).
    """

    def __init__(self, gathers, in_shape, label):
        self.gathers, self.in_shape, self.label = gathers, in_shape, label

    def forward(self, x):
        for axis, index in self.gathers:
            x = x.take(index.array, axis=axis)
        return x

    def backward(self, g):
        for axis, index in reversed(self.gathers):
            shape = list(g.shape)
            shape[axis] = self.in_shape[axis]
            g = g.new_zeros(shape).index_add(axis, index, g)
        return g

    def name(self):
        return self.label


# numpy's name for each mode, and PyTorch's node for a padding of k dims
_GATHER_MODES = {"reflect": ("reflect", "ReflectionPad{}DBackward0"),
                 "replicate": ("edge", "ReplicationPad{}DBackward0"), "circular": ("wrap", "CopySlices")}


def _check_pad_rank(pad, ndim):
    """PyTorch's rule for the modes that copy elements: k padded dims of a (k + 1)- or (k + 2)-dim input, k <= 3."""
    k = len(pad) // 2
    if k not in (1, 2, 3) or ndim not in (k + 1, k + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {ndim}D input tensor.\n"
                                  "Supported combinations for non-constant padding:\n"
                                  "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                                  "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                                  "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


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
        return ConstantPadNd(widths, 0 if value is None else value)(input)
    if mode not in _GATHER_MODES:
        raise NotImplementedError(f"pad: mode '{mode}' is not supported; expected constant, reflect, replicate "
                                  "or circular")
    if value:
        raise ValueError(f"pad: padding mode '{mode}' doesn't take in value argument")
    _check_pad_rank(pad, ndim)
    numpy_mode, node = _GATHER_MODES[mode]
    gathers = []
    for axis, (before, after) in enumerate(widths):
        if before or after:
            positions = _source_positions(mode, numpy_mode, input.array.shape[axis], before, after, axis)
            gathers.append((axis, as_tensor(from_numpy(positions, like=input.array))))
    return GatherPad(gathers, tuple(input.shape), node.format(len(pad) // 2))(input)


def _source_positions(mode, numpy_mode, size, before, after, axis):
    """The input position each output position copies along one padded axis.

    Negative widths crop: reflect and replicate pad the whole input and then
    crop; circular crops first and wraps what is left, as PyTorch does.
    """
    grow = (max(before, 0), max(after, 0))
    start, stop = max(-before, 0), size - max(-after, 0)
    if mode == "circular":
        kept = np.arange(start, stop)
        if kept.size == 0 or max(grow) > kept.size:
            raise ValueError(f"pad: circular padding ({before}, {after}) of dim {axis} must leave some of the input "
                             f"and wrap around at most once (size {size}, {kept.size} left after cropping)")
        return np.pad(kept, grow, mode="wrap")
    limit = size - 1 if mode == "reflect" else size
    if size == 0 or max(grow) > limit:
        raise ValueError(f"pad: {mode} padding ({before}, {after}) of dim {axis} must be at most {limit} for an "
                         f"input of size {size}")
    full = np.pad(np.arange(size), grow, mode=numpy_mode)
    return full[start:full.size - max(-after, 0)]


# ----- normalize -----
class VectorNorm(Function):
    """The p-norm over ``dim`` (kept); its gradient is 0 for an all-zero vector, as in PyTorch."""

    saves = (0,)
    saves_output = True

    def __init__(self, p, dim):
        self.p, self.dim = p, dim

    def forward(self, x):
        if self.p == math.inf:
            return abs(x).max(axis=self.dim, keepdims=True)
        if self.p == 2:
            return array_module(x).sqrt((x * x).sum(axis=self.dim, keepdims=True))
        return (abs(x) ** self.p).sum(axis=self.dim, keepdims=True) ** (1 / self.p)

    def backward(self, gy):
        (x,) = self.saved_tensors
        norm = self.saved_output()
        sign = array_module(x.array).sign(x.array)
        safe_norm = norm + as_tensor((norm.array == 0).astype(norm.array.dtype))
        if self.p == math.inf:
            peak = (abs(x.array) == norm.array).astype(x.array.dtype)
            peak /= peak.sum(axis=self.dim, keepdims=True).clip(min=1)
            return gy * as_tensor(sign * peak)
        if self.p == 2:
            return gy * x / safe_norm
        size = x * as_tensor(sign)
        return gy * as_tensor(sign) * size ** (self.p - 1) / safe_norm ** (self.p - 1)


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """``input / max(||input||_p, eps)`` along ``dim``."""
    if p <= 0:
        raise ValueError(f"normalize: p must be positive, got {p}")
    dim = checked_dim(dim, input.array.ndim, "normalize")
    return input / VectorNorm(p, dim)(input).clamp_min(eps)
