"""Overwriting ops: fill_, zero_, copy_ and the random in-place fills (uniform_, normal_... in random.py)."""
import numpy as np

from ..arrays import array_module, as_array
from ..function import Function
from .transfer import to_device_tensor
from ..tensor import Tensor, _new
from ._registry import tensor_method
from .shape import sum_to, cast

__all__ = []


class Overwrite(Function):
    """The input replaced by ``values(x)`` (an array of ``x``'s shape and dtype): no gradient flows to the old values.

    ``node_name`` is PyTorch's name of the in-place op (FillBackward2, NormalBackward0...).
    """

    def __init__(self, values, node_name):
        self.values, self.node_name = values, node_name

    def forward(self, x):
        return self.values(x)

    def backward(self, gy):
        return None

    def name(self):
        return self.node_name


class Copy(Function):
    """``dst.copy_(src)``: the result is ``src`` broadcast to ``dst``'s shape and dtype."""

    def __init__(self, node_name="CopyBackwards"):
        self.node_name = node_name

    def forward(self, dst, src):
        self.src_shape, self.src_dtype = src.shape, src.dtype
        return array_module(dst).broadcast_to(src, dst.shape).astype(dst.dtype)

    def backward(self, gy):
        return None, sum_to(cast(gy, self.src_dtype), self.src_shape) if self.needs_input_grad[1] else None

    def name(self):
        return self.node_name


def overwrite(tensor, values, node_name):
    """``tensor`` replaced by ``values(array)``, recorded as the node ``node_name``."""
    return Overwrite(values, node_name)(tensor)


def fill(tensor, value):
    """``tensor`` with every element ``value``: a number, or a 0-d tensor (which then gets the gradient's sum)."""
    if isinstance(value, Tensor):
        if value.array.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value.array.ndim} dimensions.")
        return Copy("FillBackward3")(tensor, value)
    return overwrite(tensor, lambda x: array_module(x).full(x.shape, value, dtype=x.dtype), "FillBackward2")


def zero(tensor):
    return overwrite(tensor, lambda x: array_module(x).zeros(x.shape, dtype=x.dtype), "ZeroBackward0")


def copy(dst, src):
    """``src`` (a tensor, or numbers) broadcast to ``dst``'s shape and cast to its dtype; a tensor on another
    device is copied over (differentiably), as PyTorch's ``copy_``."""
    if not isinstance(src, Tensor):
        src = _new(as_array(src, like=dst.array))
    elif type(src.array) is not type(dst.array) and src.device != dst.device:
        src = to_device_tensor(src, dst.device)
    try:
        np.broadcast_shapes(src.array.shape, dst.array.shape)
    except ValueError:
        raise RuntimeError(f"copy_: the source of shape {list(src.array.shape)} cannot be broadcast to the "
                           f"destination's shape {list(dst.array.shape)}") from None
    return Copy()(dst, src)


@tensor_method()
def fill_(self, value):
    """Set every element to ``value`` in place."""
    return self._apply_inplace(fill, value)


@tensor_method()
def zero_(self):
    """Set every element to zero in place."""
    return self._apply_inplace(zero)


@tensor_method()
def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast, converted to this dtype) into this tensor in place."""
    return self._apply_inplace(copy, src)
