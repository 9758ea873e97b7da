"""Pooling of nn.functional (implemented in ``autograd_core.ops.pool``)."""
from autograd_core import (adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool1d, avg_pool2d, max_pool1d,
                           max_pool2d)

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_max_pool2d", "adaptive_avg_pool2d"]
