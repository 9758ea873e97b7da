"""Distances between vectors: cosine_similarity, pairwise_distance and pdist (as torch.nn.functional's).

pairwise_distance and pdist are the p-norm of differences; their last ops take
the node names PyTorch's kernels have (``NormBackward1``, ``PdistBackward0``).
"""
import math

import numpy as np

import autograd_core
from autograd_core import as_tensor, no_grad
from autograd_core.arrays import array_module
from autograd_core.ops.reduce import Norm

from ._activation import checked_dim

__all__ = ["cosine_similarity", "pairwise_distance", "pdist"]


class PairwiseNorm(Norm):
    """The p-norm over the innermost dim of ``x1 - x2 + eps`` (ATen's ``norm``)."""

    def name(self):
        return "NormBackward1"


class PdistNorm(Norm):
    """The p-norm of each row pair's difference; for p = inf every tied element gets the whole gradient, as in
    PyTorch's pdist."""

    def backward(self, gy):
        if not math.isinf(self.p):
            return super().backward(gy)
        x = self.saved(0)
        hit = abs(x.array) == self.saved_output().array[:, None]
        sign = array_module(x.array).sign(x.array)
        return gy.unsqueeze(1) * as_tensor((sign * hit).astype(x.array.dtype, copy=False))

    def name(self):
        return "PdistBackward0"


def broadcast_shape(a, b, op):
    """The shape tensors ``a`` and ``b`` broadcast to, or ``op``'s error naming both shapes."""
    try:
        return np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    except ValueError:
        raise RuntimeError(f"{op}: the shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be broadcast together "
                           "(each dimension must be equal, 1, or missing)") from None


def _floating(x):
    return x if x.is_floating_point() else x.to(autograd_core.get_default_dtype())


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """``x1 . x2 / (max(||x1||, eps) max(||x2||, eps))`` along ``dim``, after broadcasting.

    Each input is divided by its norm first, which keeps the result within [-1, 1].
    """
    shape = broadcast_shape(x1, x2, "cosine_similarity")
    dim = checked_dim(dim, len(shape), "cosine_similarity")
    x1, x2 = _floating(x1).expand(shape), _floating(x2).expand(shape)
    unit1, unit2 = x1 / _clamped_norm(x1, dim, eps), x2 / _clamped_norm(x2, dim, eps)
    return (unit1 * unit2).sum(dim)


def _clamped_norm(x, dim, eps):
    """The 2-norm along ``dim`` (kept), raised to ``eps`` where smaller; the raise is invisible to autograd."""
    norm = x.norm(2, dim, keepdim=True).clone()
    with no_grad():
        norm.clamp_min_(eps)
    return norm


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``||x1 - x2 + eps||_p`` over the last dim (of the broadcast shape)."""
    shape = broadcast_shape(x1, x2, "pairwise_distance")
    difference = x1 - x2 + eps
    axes = (len(shape) - 1,) if shape else None
    return PairwiseNorm(float(p), axes, keepdim)(difference)


def pdist(input, p=2):
    """The p-norm distance between every pair of rows ``i < j`` of an (N, M) input: N (N - 1) / 2 values."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if p < 0:
        raise RuntimeError(f"pdist only supports non-negative p values, got p={p}")
    n = input.shape[0]
    first, second = array_module(input.array).triu_indices(n, 1)
    difference = input.index_select(0, as_tensor(first)) - input.index_select(0, as_tensor(second))
    return PdistNorm(float(p), (1,), False)(difference)
