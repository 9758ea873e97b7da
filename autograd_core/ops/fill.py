"""Overwriting ops: fill_, zero_, copy_ and the random in-place fills (uniform_, normal_...)."""
import numpy as np

from ..function import Function
from ..tensor import Tensor
from ._registry import tensor_method
from .shape import sum_to, cast

__all__ = []


class Overwrite(Function):
    """The input replaced by fixed values: no gradient flows back to the old values."""

    def __init__(self, values):
        self.values = values

    def forward(self, x):
        return np.array(np.broadcast_to(self.values, x.shape), dtype=x.dtype)

    def backward(self, gy):
        return None

    def name(self):
        return "FillBackward0"


class Copy(Function):
    """``dst.copy_(src)``: the result is ``src`` broadcast to ``dst``'s shape and dtype."""

    def forward(self, dst, src):
        self.src_shape, self.src_dtype = src.shape, src.dtype
        return np.array(np.broadcast_to(src, dst.shape), dtype=dst.dtype)

    def backward(self, gy):
        return None, sum_to(cast(gy, self.src_dtype), self.src_shape) if self.needs_input_grad[1] else None

    def name(self):
        return "CopyBackwards"


def overwrite(tensor, values):
    return Overwrite(values)(tensor)


def _copy_from(dst, src):
    if not isinstance(src, Tensor):
        src = Tensor(np.asarray(src))
    try:
        np.broadcast_shapes(src.array.shape, dst.array.shape)
    except ValueError:
        raise RuntimeError(f"copy_: the source of shape {list(src.array.shape)} cannot be broadcast to the "
                           f"destination's shape {list(dst.array.shape)}") from None
    return Copy()(dst, src)


@tensor_method()
def fill_(self, value):
    """Set every element to ``value`` in place."""
    return self._apply_inplace(overwrite, value.array if isinstance(value, Tensor) else value)


@tensor_method()
def zero_(self):
    """Set every element to zero in place."""
    return self._apply_inplace(overwrite, 0)


@tensor_method()
def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast, converted to this dtype) into this tensor in place."""
    return self._apply_inplace(_copy_from, src)
