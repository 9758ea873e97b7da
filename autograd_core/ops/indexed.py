"""More indexed reads and writes: take_along_dim, index_copy, index_fill, masked_scatter, scatter_reduce.

Built on ``index.py``'s keys and its ``Index``/``IndexPut`` ops, so their gradients (and
PyTorch's node names) come with them; ``scatter_reduce`` has its own node.
"""
import numbers

import numpy as np

from ..arrays import array_module, as_array
from ..function import Function
from ..tensor import Tensor, _new, _check_dim, argument_type_error
from ._registry import tensor_method, inplace_method
from ._util import constant_like, exact_dtype_error, write_out
from .index import ARRAY, MASK, IndexPut, Index, _along_dim, _bool_mask, _int_index, _vector_index, gather
from .shape import broadcast_to, reshape, scalar_name

__all__ = ["take_along_dim", "index_copy", "index_fill", "masked_scatter", "scatter_reduce", "index_put_"]


@tensor_method()
def take_along_dim(input, indices, dim=None, *, out=None):
    """``input``'s elements at ``indices`` along ``dim`` (of the flattened input when None), broadcasting."""
    _int_index(indices, input.array, "take_along_dim")
    if dim is None:
        result = gather(reshape(input, (-1,)), 0, reshape(indices, (-1,)))
        return write_out("take_along_dim", result, out, exact_dtype_error)
    if input.array.ndim != indices.array.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of "
                           f"dimensions, but got {input.array.ndim} dimensions for input, and "
                           f"{indices.array.ndim} dimensions for indices")
    axis = _check_dim(dim, input.array.ndim, "take_along_dim")
    shape_in, shape_index = list(input.array.shape), list(indices.array.shape)
    shape_in[axis] = shape_index[axis] = 1
    try:
        batch = list(np.broadcast_shapes(tuple(shape_in), tuple(shape_index)))
    except ValueError:
        raise RuntimeError(f"take_along_dim: the shapes {list(input.shape)} (input) and {list(indices.shape)} "
                           f"(indices) cannot be broadcast together outside dim {axis}") from None
    source_shape, index_shape = batch.copy(), batch.copy()
    source_shape[axis], index_shape[axis] = input.array.shape[axis], indices.array.shape[axis]
    source = input if list(input.array.shape) == source_shape else broadcast_to(input, tuple(source_shape))
    if list(indices.array.shape) != index_shape:
        indices = _new(array_module(indices.array).broadcast_to(indices.array, tuple(index_shape)))
    return write_out("take_along_dim", gather(source, axis, indices), out, exact_dtype_error)


def _slices_shape(input, key, op, name, given):
    """PyTorch's check that ``given`` (a shape) is ``input``'s with ``dim`` sized as the index."""
    expected = list(input.array.shape)
    if expected:
        expected[len(key) - 1] = key[-1].size  # the key ends at dim: (slice(None),) * dim + (index,)
    if list(given) != expected:
        raise RuntimeError(f"{op}(): {name} of shape {list(given)} does not match the expected shape {expected}")


@tensor_method()
def index_copy(input, dim, index, source, *, out=None):
    """``input`` with ``source[.., i, ..]`` copied to position ``index[i]`` along ``dim``."""
    key = _vector_index(input, dim, index, "index_copy")
    if not isinstance(source, Tensor):
        raise argument_type_error(f"index_copy(): argument 'source' (position 4) must be Tensor, not "
                                  f"{type(source).__name__}", source, "Tensor")
    if source.array.dtype != input.array.dtype:
        raise RuntimeError(f"index_copy(): self and source expected to have the same dtype, but got (self) "
                           f"{scalar_name(input)} and (source) {scalar_name(source)}")
    d = len(key) - 1
    if source.array.ndim and key[-1].size != source.array.shape[d]:
        raise IndexError(f"index_copy_(): Number of indices ({key[-1].size}) should be equal to source.size(dim) "
                         f"({source.array.shape[d]})")
    _slices_shape(input, key, "index_copy", "source", source.array.shape)
    result = IndexPut((key,), ARRAY, False, "IndexCopyBackward0")(input, source)
    return write_out("index_copy", result, out, exact_dtype_error)


@tensor_method()
def index_fill(input, dim, index, value):
    """``input`` with ``value`` (a number or a 0-d tensor) at positions ``index`` along ``dim``."""
    key = _vector_index(input, dim, index, "index_fill")
    if isinstance(value, Tensor):
        if value.array.ndim:
            raise RuntimeError(f"index_fill_(): Expected a 0-dimensional value tensor, but got tensor with "
                               f"{value.array.ndim} dimension(s).")
        fill, label = value.to(input.dtype), "IndexFillBackward1"
    elif isinstance(value, numbers.Number):
        fill, label = _new(as_array(value, input.array.dtype, like=input.array)), "IndexFillBackward0"
    else:
        raise argument_type_error(f"index_fill(): argument 'value' (position 3) must be Number or Tensor, not "
                                  f"{type(value).__name__}", value, "Number")
    return IndexPut((key,), ARRAY, False, label)(input, fill)


@tensor_method()
def masked_scatter(input, mask, source):
    """``input`` with the elements of ``source``, in order, written where ``mask`` (broadcast) is true."""
    mask = _bool_mask(mask, input, "masked_scatter")
    if not isinstance(source, Tensor):
        raise argument_type_error(f"masked_scatter(): argument 'source' (position 2) must be Tensor, not "
                                  f"{type(source).__name__}", source, "Tensor")
    if source.array.dtype != input.array.dtype:
        raise RuntimeError(f"masked_scatter_: expected self and source to have same dtypes but got "
                           f"{scalar_name(input)} and {scalar_name(source)}")
    try:
        shape = np.broadcast_shapes(input.array.shape, mask.array.shape)
    except ValueError:
        raise RuntimeError(f"masked_scatter: the shapes {list(input.array.shape)} (input) and "
                           f"{list(mask.array.shape)} (mask) cannot be broadcast together") from None
    key = array_module(mask.array).broadcast_to(mask.array, shape)
    count = int(key.sum())
    if count > source.array.size:
        raise RuntimeError("masked_scatter: expected source to have at least as many elements as ones in mask "
                           f"({source.array.size} < {count})")
    target = input if input.array.shape == shape else broadcast_to(input, shape)
    values = reshape(source, (-1,))[:count]
    return IndexPut(((key,),), MASK, False, "MaskedScatterBackward0")(target, values)


# ----- scatter_reduce -----
_IDENTITY = {"sum": 0, "mean": 0, "prod": 1, "amax": -np.inf, "amin": np.inf}
_UFUNC = {"sum": "add", "mean": "add", "prod": "multiply", "amax": "maximum", "amin": "minimum"}


def _identity(reduce, dtype):
    value = _IDENTITY[reduce]
    if dtype.kind in "iu" and not np.isfinite(value):
        info = np.iinfo(dtype)
        value = info.min if value < 0 else info.max
    return dtype.type(value)


class ScatterReduce(Function):
    """``input`` with ``src`` reduced into it at ``key`` by sum, prod, mean, amax or amin."""

    saves = (0, 1)
    saves_output = True

    def __init__(self, key, reduce, include_self):
        self.key, self.reduce, self.include_self = key, reduce, include_self

    @np.errstate(all="ignore")
    def forward(self, x, src):
        xp = array_module(x)
        key, self.key = self.key, None  # the index arrays go to the saved values
        out = x.copy()
        if not self.include_self:
            out[key] = _identity(self.reduce, x.dtype)
        getattr(xp, _UFUNC[self.reduce]).at(out, key, src)
        counts = xp.zeros(x.shape, dtype=np.int64) + (1 if self.include_self else 0)
        xp.add.at(counts, key, 1)
        if self.reduce == "mean":
            divisor = xp.maximum(counts, 1).astype(x.dtype)
            out = out // divisor if x.dtype.kind in "iu" else out / divisor
        if not self.include_self:
            out = xp.where(counts == 0, x, out)
        self.save_for_backward(counts, *key)
        return out

    def backward(self, gy):
        x, src, counts, *key = self.saved_tensors
        key = tuple(key)
        # where src landed: x's elements there were replaced (include_self=False) or reduced with it
        landed = _new(counts > (1 if self.include_self else 0))
        if self.reduce in ("sum", "mean"):
            g = gy if self.reduce == "sum" else gy / constant_like(array_module(counts).maximum(counts, 1), gy)
            gx = g if self.include_self else g.masked_fill(landed, 0)
            gs = Index((key,), ARRAY)(g)
        elif self.reduce in ("amax", "amin"):
            gx, gs = self._extreme_grads(gy, x, src, key, landed)
        else:
            gx, gs = self._prod_grads(gy, x, src, key, landed)
        return (gx if self.needs_input_grad[0] else None), (gs if self.needs_input_grad[1] else None)

    def _extreme_grads(self, gy, x, src, key, landed):
        """Elements equal to the result share its gradient evenly."""
        y = self.saved_output()
        x_hit = x == y
        if not self.include_self:
            x_hit = x_hit & ~landed
        s_hit = src == Index((key,), ARRAY)(y)
        ties = x_hit.array.astype(np.int64)
        array_module(ties).add.at(ties, key, s_hit.array.astype(np.int64))
        share = gy / constant_like(array_module(ties).maximum(ties, 1), gy)
        return share.masked_fill(~x_hit, 0), Index((key,), ARRAY)(share).masked_fill(~s_hit, 0)

    def _prod_grads(self, gy, x, src, key, landed):
        """d out / d element = the product of the others reduced with it (exact with zeros)."""
        xa, sa = x.array, src.array
        xp = array_module(xa)
        base = xa if self.include_self else xp.ones_like(xa)
        nonzero_product = xp.where(base == 0, xa.dtype.type(1), base)
        zero_count = (base == 0).astype(np.int64)
        xp.multiply.at(nonzero_product, key, xp.where(sa == 0, sa.dtype.type(1), sa))
        xp.add.at(zero_count, key, (sa == 0).astype(np.int64))

        @np.errstate(all="ignore")
        def others(values, product, zeros):
            own_zero = values == 0
            result = xp.where(own_zero, product, product / xp.where(own_zero, values.dtype.type(1), values))
            return xp.where(zeros - own_zero > 0, values.dtype.type(0), result)

        if self.include_self:
            gx = gy * constant_like(others(xa, nonzero_product, zero_count), gy)
        else:
            gx = gy.masked_fill(landed, 0)
        gs = Index((key,), ARRAY)(gy) * constant_like(others(sa, nonzero_product[key], zero_count[key]), gy)
        return gx, gs

    def name(self):
        return "ScatterReduceBackward0"


@tensor_method()
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):
    """``input`` with ``src`` reduced in at ``index`` along ``dim``: "sum", "prod", "mean", "amax" or "amin"."""
    if reduce not in _UFUNC:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if not isinstance(src, Tensor):
        raise argument_type_error(f"scatter_reduce(): argument 'src' (position 3) must be Tensor, not "
                                  f"{type(src).__name__}", src, "Tensor")
    key = _along_dim(input, dim, index, "scatter_reduce", (src,))
    if src.array.dtype != input.array.dtype:
        raise RuntimeError(f"scatter_reduce(): Expected self.dtype to be equal to src.dtype (got {input.dtype} and "
                           f"{src.dtype})")
    shape = np.broadcast_shapes(*[k.shape for k in key])
    if src.array.shape != shape:
        src = src[tuple(slice(0, n) for n in shape)]
    result = ScatterReduce(key, reduce, bool(include_self))(input, src)
    return write_out("scatter_reduce", result, out, exact_dtype_error)


def index_put_(input, indices, values, accumulate=False):
    """``input.index_put_(indices, values, accumulate)``: write (or add) ``values`` at ``input[indices]``."""
    if not isinstance(input, Tensor):
        raise argument_type_error(f"index_put_(): argument 'input' (position 1) must be Tensor, not "
                                  f"{type(input).__name__}", input, "Tensor")
    return input.index_put_(indices, values, accumulate)


for _name, _func in (("index_copy_", index_copy), ("index_fill_", index_fill), ("masked_scatter_", masked_scatter),
                     ("scatter_reduce_", scatter_reduce)):
    inplace_method(_name, _func)
