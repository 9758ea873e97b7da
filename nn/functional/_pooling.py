"""Pooling of nn.functional (implemented in ``autograd_core.ops.pool``), and power-average pooling built on it."""
import math

import autograd_core
from autograd_core import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d, adaptive_max_pool1d,
                           adaptive_max_pool1d_with_indices, adaptive_max_pool2d, adaptive_max_pool2d_with_indices,
                           adaptive_max_pool3d, adaptive_max_pool3d_with_indices, avg_pool1d, avg_pool2d, avg_pool3d,
                           max_pool1d, max_pool1d_with_indices, max_pool2d, max_pool2d_with_indices, max_pool3d,
                           max_pool3d_with_indices, max_unpool1d, max_unpool2d, max_unpool3d)

from ._activation import relu

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_avg_pool3d", "max_unpool1d", "max_unpool2d", "max_unpool3d",
           "lp_pool1d", "lp_pool2d", "lp_pool3d"]


def _lp_pool(op, spatial, average, input, norm_type, kernel_size, stride, ceil_mode):
    """PyTorch's power-average pool: ``(sum over the window of x**p) ** (1/p)``, from the average of x**p."""
    if isinstance(norm_type, bool) or not isinstance(norm_type, (int, float)) or norm_type == 0:
        raise ValueError(f"{op}: norm_type must be a non-zero number, got {norm_type!r}")
    kernel = (kernel_size,) * spatial if isinstance(kernel_size, int) else tuple(kernel_size)
    if len(kernel) != spatial:
        raise ValueError(f"{op}: kernel_size must be an int or a tuple of {spatial} ints, got {kernel_size!r}")
    try:
        out = average(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    except (ValueError, RuntimeError) as error:  # the average pool's check of the geometry, said for this op
        raise type(error)(f"{op}: {error}") from None
    return (autograd_core.sign(out) * relu(out.abs())).mul(math.prod(kernel)).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over windows of (N, C, L) or (C, L) input: the ``norm_type``-norm of each window."""
    return _lp_pool("lp_pool1d", 1, avg_pool1d, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over windows of (N, C, H, W) or (C, H, W) input."""
    return _lp_pool("lp_pool2d", 2, avg_pool2d, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over windows of (N, C, D, H, W) or (C, D, H, W) input."""
    return _lp_pool("lp_pool3d", 3, avg_pool3d, input, norm_type, kernel_size, stride, ceil_mode)
