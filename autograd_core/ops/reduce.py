"""Reductions: sum and mean (further reductions live beside them)."""
import numpy as np

from ..function import Function
from ._registry import tensor_method
from ._util import normalize_dims
from .shape import broadcast_to

__all__ = ["sum", "mean"]


def expand_reduced(gy, in_shape, axes, keepdim):
    """Broadcast a reduction's gradient back over the reduced axes."""
    if axes is not None and not keepdim:
        shape = list(in_shape)
        for a in axes:
            shape[a] = 1
        gy = gy.reshape(tuple(shape))
    elif axes is None and not keepdim:
        gy = gy.reshape((1,) * len(in_shape))
    return broadcast_to(gy, in_shape)


class Sum(Function):
    def __init__(self, axes, keepdim, dtype=None):
        self.axes, self.keepdim, self.dtype = axes, keepdim, dtype

    def forward(self, x):
        self.in_shape = x.shape
        dtype = self.dtype
        if dtype is None and x.dtype.kind in "bui":
            dtype = np.int64  # PyTorch sums integers and bools as int64
        return np.sum(x, axis=self.axes, keepdims=self.keepdim, dtype=dtype)

    def backward(self, gy):
        return expand_reduced(gy, self.in_shape, self.axes, self.keepdim)


class Mean(Function):
    def __init__(self, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim

    def forward(self, x):
        self.in_shape = x.shape
        self.count = x.size if self.axes is None else int(np.prod([x.shape[a] for a in self.axes], dtype=np.int64))
        return np.mean(x, axis=self.axes, keepdims=self.keepdim)

    def backward(self, gy):
        return expand_reduced(gy / self.count, self.in_shape, self.axes, self.keepdim)


@tensor_method()
def sum(input, dim=None, keepdim=False, *, dtype=None):
    from ..dtypes import to_numpy_dtype
    return Sum(normalize_dims(dim, input.data.ndim, "sum"), keepdim, to_numpy_dtype(dtype))(input)


@tensor_method()
def mean(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        from ..dtypes import to_numpy_dtype
        input = input.to(to_numpy_dtype(dtype))
    if input.data.dtype.kind != "f":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point "
                           f"or complex dtype. Got: {input.dtype}")
    return Mean(normalize_dims(dim, input.data.ndim, "mean"), keepdim)(input)
