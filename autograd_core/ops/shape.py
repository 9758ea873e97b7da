"""Shape ops: reshape/view, transpose/permute, broadcast/expand, sum_to, squeeze, cast, clone,
joining (cat, stack), splitting (split, chunk, unbind), repeat/tile, flip/roll and tril/triu."""
import numpy as np

from .. import dtypes
from ..function import Function
from ..tensor import Tensor, _check_dim, _new
from ._registry import tensor_method
from ._util import shape_arg, normalize_dims

__all__ = ["reshape", "transpose", "swapaxes", "swapdims", "t", "permute", "movedim", "moveaxis", "broadcast_to",
           "sum_to", "squeeze", "unsqueeze", "flatten", "unflatten", "clone", "cast", "narrow", "tile",
           "cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack", "split", "chunk", "unbind",
           "flip", "fliplr", "flipud", "roll", "tril", "triu"]


class Cast(Function):
    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        self.source = x.dtype
        return x.astype(self.dtype)

    def backward(self, gy):
        return cast(gy, self.source)

    def name(self):
        return "ToCopyBackward0"


def cast(x, np_dtype):
    """``x`` converted to numpy dtype ``np_dtype`` (differentiable between float types)."""
    if x.data.dtype == np_dtype:
        return x
    return Cast(np_dtype)(x)


class Reshape(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.in_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, gy):
        return gy.reshape(self.in_shape)

    def name(self):
        return "ViewBackward0"


@tensor_method("reshape", "view")
def reshape(input, *shape):
    shape = shape_arg(shape, "reshape")
    if shape == input.data.shape:
        return input
    try:
        return Reshape(shape)(input)
    except ValueError:
        if shape.count(-1) > 1:
            raise RuntimeError(f"reshape: only one dimension can be inferred (got shape {list(shape)})") from None
        if any(s < -1 for s in shape):
            raise RuntimeError(f"reshape: invalid shape dimension in {list(shape)}") from None
        raise RuntimeError(f"reshape: shape {list(shape)} is invalid for input of size {input.data.size} "
                           f"(shape {list(input.data.shape)})") from None


@tensor_method()
def view_as(input, other):
    return reshape(input, other.data.shape)


@tensor_method()
def reshape_as(input, other):
    return reshape(input, other.data.shape)


class Permute(Function):
    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, gy):
        return gy.permute(tuple(np.argsort(self.axes)))


@tensor_method()
def permute(input, *dims):
    dims = shape_arg(dims, "permute")
    nd = input.data.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute: number of dims don't match in permute (got {len(dims)} dims for a "
                           f"tensor of shape {list(input.data.shape)})")
    axes = tuple(_check_dim(d, nd, "permute") for d in dims)
    if sorted(axes) != list(range(nd)):
        raise RuntimeError(f"permute: repeated dim in {dims}")
    return Permute(axes)(input)


@tensor_method("transpose", "swapaxes", "swapdims")
def transpose(input, dim0, dim1):
    nd = input.data.ndim
    if nd < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return input
    axes = list(range(nd))
    d0, d1 = _check_dim(dim0, nd, "transpose"), _check_dim(dim1, nd, "transpose")
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return Permute(tuple(axes))(input)


swapaxes = swapdims = transpose


@tensor_method()
def t(input):
    if input.data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.data.ndim}D")
    return transpose(input, 0, -1) if input.data.ndim == 2 else input


Tensor.T = property(lambda self: self.permute(tuple(range(self.data.ndim))[::-1]))
Tensor.mT = property(lambda self: transpose(self, -2, -1))


class BroadcastTo(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.in_shape = x.shape
        return np.broadcast_to(x, self.shape)

    def backward(self, gy):
        return sum_to(gy, self.in_shape)

    def name(self):
        return "ExpandBackward0"


class SumTo(Function):
    """Sum a broadcast gradient back to ``shape`` (the inverse of broadcasting)."""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.in_shape = x.shape
        lead = x.ndim - len(self.shape)
        axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(self.shape) if s == 1 and x.shape[lead + i] != 1)
        y = x.sum(axis=axes, keepdims=True) if axes else x
        return y.reshape(self.shape) if lead else y

    def backward(self, gy):
        return broadcast_to(gy, self.in_shape)

    def name(self):
        return "SumBackward1"


def sum_to(x, shape):
    """``x`` summed over broadcast dimensions so that it has ``shape``."""
    if x.data.shape == shape:
        return x
    return SumTo(tuple(shape))(x)


@tensor_method()
def broadcast_to(input, *shape):
    shape = shape_arg(shape, "broadcast_to")
    if shape == input.data.shape:
        return input
    try:
        return BroadcastTo(shape)(input)
    except ValueError:
        raise RuntimeError(f"expand: the expanded size of the tensor must match the existing size at every "
                           f"non-singleton dimension (target {list(shape)}, tensor {list(input.data.shape)})") from None


@tensor_method()
def expand(input, *sizes):
    sizes = shape_arg(sizes, "expand")
    lead = len(sizes) - input.data.ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({input.data.ndim})")
    shape = tuple(input.data.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return broadcast_to(input, shape)


@tensor_method()
def expand_as(input, other):
    return broadcast_to(input, other.data.shape)


@tensor_method()
def squeeze(input, dim=None):
    shape = input.data.shape
    if dim is None:
        new = tuple(s for s in shape if s != 1)
    else:
        dims = {_check_dim(d, input.data.ndim, "squeeze") for d in ((dim,) if isinstance(dim, int) else dim)}
        new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return reshape(input, new)


@tensor_method()
def unsqueeze(input, dim):
    nd = input.data.ndim + 1
    d = _check_dim(dim, nd, "unsqueeze")
    shape = input.data.shape
    return reshape(input, shape[:d] + (1,) + shape[d:])


@tensor_method()
def flatten(input, start_dim=0, end_dim=-1):
    shape = input.data.shape
    if not shape:
        return reshape(input, (1,))
    s = _check_dim(start_dim, len(shape), "flatten")
    e = _check_dim(end_dim, len(shape), "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    return reshape(input, shape[:s] + (int(np.prod(shape[s:e + 1])),) + shape[e + 1:])


class Clone(Function):
    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return gy


@tensor_method()
def clone(input, *, memory_format=None):
    return Clone()(input)


@tensor_method()
def contiguous(input, memory_format=None):
    if input.data.flags.c_contiguous:
        return input
    return Clone()(input)
