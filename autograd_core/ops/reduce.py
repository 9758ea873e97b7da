"""Reductions, order statistics and scans: sum, prod, max/min, var/std, norm, sort, cumsum...

Gradients follow PyTorch: ``amax``/``amin`` and the global ``max()``/``min()``/``median()``
share the gradient evenly among tied extremes; the ``dim`` forms of ``max``/``min``/
``median`` and ``sort``/``topk`` send it to the returned indices.

Reductions that can overflow or meet inf - inf (prod, norm, softmax...) give inf and nan
silently, as in PyTorch (``np.errstate``: numpy's warning switch; other backends don't warn).
"""
import builtins
import collections
import math
import warnings

import numpy as np

from ..dtypes import is_differentiable, is_bfloat16, computes_bfloat16_in_float32, is_floating
from .. import dtypes
from ..arrays import array_module, as_array
from ..function import Function
from ..tensor import Tensor, _new, _check_dim
from ._registry import tensor_method
from ._util import _SCALAR_TYPE_NAMES, constant_like, normalize_dims, require_out_dtype, write_out
from .elementwise import _sign, maximum, minimum
from .shape import broadcast_to

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std", "logsumexp",
           "norm", "cumsum", "cumprod", "all", "any", "count_nonzero", "median", "topk", "sort", "argsort",
           "softmax", "log_softmax"]


def _values_indices(name):
    """A named ``(values, indices)`` tuple that prints like ``torch.return_types.<name>``."""
    cls = collections.namedtuple(name, ["values", "indices"])
    cls.__repr__ = lambda self: f"torch.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"
    return cls


return_types = {name: _values_indices(name) for name in ("max", "min", "median", "sort", "topk")}


# ----- shared helpers -----
def _axes(input, dim, op):
    """Reduced axes (sorted tuple, None for all); a 0-d tensor accepts dim 0 or -1 and reduces to itself."""
    axes = normalize_dims(dim, input.array.ndim, op)
    return None if input.array.ndim == 0 else axes


def _reduced_count(shape, axes):
    """How many elements a reduction over ``axes`` (None for all) of an array of ``shape`` combines."""
    return math.prod(shape) if axes is None else math.prod(shape[a] for a in axes)


def _kept_shape(in_shape, axes):
    """The shape a reduction over ``axes`` has with ``keepdim=True``."""
    if axes is None:
        return (1,) * len(in_shape)
    return tuple(1 if i in axes else s for i, s in enumerate(in_shape))


def expand_reduced(gy, in_shape, axes, keepdim):
    """Broadcast a reduction's gradient back over the reduced axes."""
    if not keepdim:
        gy = gy.reshape(_kept_shape(in_shape, axes))
    return broadcast_to(gy, in_shape)


def _require_nonempty(input, axes, op):
    shape = input.array.shape
    if axes is None and input.array.size == 0:
        raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0 "
                           f"(shape {list(shape)}). Specify the reduction dim with the 'dim' argument.")
    for a in axes or ():
        if shape[a] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {a} to have non-zero size (shape {list(shape)}).")


def _require_float(input, op):
    if not is_floating(input.array.dtype):
        raise RuntimeError(f"{op}(): expected a floating point tensor, got {input.dtype}")


def _accumulator_dtype(x, dtype):
    """PyTorch sums and multiplies integers and bools in int64."""
    return np.int64 if dtype is None and x.dtype.kind in "bui" else dtype


def _scan_dtype(x, dtype):
    """As ``_accumulator_dtype``; bfloat16 sums and running products accumulate in float32 (see ``_rounded``)."""
    return np.float32 if dtype is None and is_bfloat16(x.dtype) else _accumulator_dtype(x, dtype)


def _rounded(result, x, dtype):
    """A bfloat16 ``x``'s float32 accumulation (no ``dtype`` asked) rounded once, as PyTorch's kernels do."""
    return result.astype(x.dtype) if dtype is None and is_bfloat16(x.dtype) else result


def _slice_along(array, axis, start, stop):
    """``array[..., start:stop, ...]`` with the slice at ``axis``."""
    return array[(slice(None),) * axis + (slice(start, stop),)]


def _out_dtype(dtype, out):
    """The dtype a reduction or scan that casts (sum, prod, cumsum, cumprod) computes in with ``out=``.

    ``out``'s dtype, as PyTorch casts the input to it; a given ``dtype`` must be that dtype.
    """
    if out is None or not isinstance(out, Tensor):
        return dtype
    if dtype is not None:
        require_out_dtype(out, dtypes.to_numpy_dtype(dtype))
    return out.array.dtype


def _without_dim(op, out):
    if out is not None:
        raise TypeError(f"{op}(): out= needs dim; {op}(input, *, dtype=None) has no out argument, as in PyTorch")


# ----- sum, mean, prod -----
class Sum(Function):
    def __init__(self, axes, keepdim, dtype, node_name):
        self.axes, self.keepdim, self.dtype, self.node_name = axes, keepdim, dtype, node_name

    def forward(self, x):
        self.in_shape = x.shape
        return _rounded(x.sum(axis=self.axes, keepdims=self.keepdim, dtype=_scan_dtype(x, self.dtype)), x,
                        self.dtype)

    def backward(self, gy):
        return expand_reduced(gy, self.in_shape, self.axes, self.keepdim)

    def name(self):
        return self.node_name


class Mean(Function):
    def __init__(self, axes, keepdim, node_name):
        self.axes, self.keepdim, self.node_name = axes, keepdim, node_name

    def forward(self, x):
        self.in_shape = x.shape
        self.count = _reduced_count(x.shape, self.axes)
        if is_bfloat16(x.dtype):  # computed in float32 and rounded once, as PyTorch does
            return (x.sum(axis=self.axes, keepdims=self.keepdim, dtype=np.float32) / self.count).astype(x.dtype)
        return x.mean(axis=self.axes, keepdims=self.keepdim)

    def backward(self, gy):
        return expand_reduced(gy / self.count, self.in_shape, self.axes, self.keepdim)

    def name(self):
        return self.node_name


class Prod(Function):
    """Product; its gradient is the product of the other elements (exact when there are zeros)."""

    saves = (0,)
    saves_output = True

    def __init__(self, axes, keepdim, whole):
        self.axes, self.keepdim, self.whole = axes, keepdim, whole

    @np.errstate(all="ignore")
    def forward(self, x):
        self.in_shape = x.shape
        return x.prod(axis=self.axes, keepdims=self.keepdim, dtype=_accumulator_dtype(x, None))

    def backward(self, gy):
        x = self.saved(0)
        g = expand_reduced(gy, self.in_shape, self.axes, self.keepdim)
        if bool((x.array != 0).all()):
            derivative = expand_reduced(self.saved_output(), self.in_shape, self.axes, self.keepdim) / x
        else:
            derivative = _product_of_others(x, self.axes)
        return g * (derivative.conj() if x.array.dtype.kind == "c" else derivative)  # complex: PyTorch's conj

    def name(self):
        return "ProdBackward0" if self.whole else "ProdBackward1"


def _leave_one_out(x):
    """``(..., n)`` -> ``(..., n, n)``: row ``i`` is ``x`` along its last axis with element ``i`` set to 1."""
    off_diagonal = ~array_module(x.array).eye(x.array.shape[-1], dtype=np.bool_)
    return x.unsqueeze(-2).where(_new(off_diagonal), 1)


def _product_of_others(x, axes):
    """For each element, the product of the other elements of its reduced slice (differentiable)."""
    nd = x.array.ndim
    reduced = list(range(nd)) if axes is None else list(axes)
    order = [d for d in range(nd) if d not in reduced] + reduced
    moved = x.permute(order)
    kept = moved.array.shape[:nd - len(reduced)]
    others = prod(_leave_one_out(moved.reshape(kept + (-1,))), -1)
    return others.reshape(moved.array.shape).permute(tuple(order.index(d) for d in range(nd)))


@tensor_method()
def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum over ``dim`` (an int, a tuple, or None for all); integers and bools sum as int64."""
    if dim is None:
        _without_dim("sum", out)
        return Sum(_axes(input, None, "sum"), keepdim, dtypes.to_numpy_dtype(dtype), "SumBackward0")(input)
    accumulate = _out_dtype(dtype, out)
    result = Sum(_axes(input, dim, "sum"), keepdim, dtypes.to_numpy_dtype(accumulate), "SumBackward1")(input)
    return write_out("sum", result, out)


@tensor_method()
def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean over ``dim``; floating point tensors only (or pass ``dtype``)."""
    if dtype is not None:
        require_out_dtype(out, dtypes.to_numpy_dtype(dtype))
        input = input.to(dtype)
    if not is_differentiable(input.array.dtype):
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point "
                           f"or complex dtype. Got: {_SCALAR_TYPE_NAMES[input.array.dtype.name]}")
    node_name = "MeanBackward0" if dim is None else "MeanBackward1"
    result = Mean(_axes(input, dim, "mean"), keepdim, node_name)(input)
    return write_out("mean", result, out)


@tensor_method()
def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Product over ``dim`` (None for all); integers and bools multiply as int64."""
    if dim is None:
        _without_dim("prod", out)
    dtype = _out_dtype(dtype, out)
    if dtype is not None:
        input = input.to(dtype)
    result = Prod(_axes(input, dim, "prod"), keepdim, dim is None)(input)
    return write_out("prod", result, out)


# ----- extremes -----
class TakeAlong(Function):
    """The elements of ``x`` at ``indices`` along ``axis`` (the indices of max, sort... as an int64 input).

    ``indices`` has the result's shape; ``index_shape`` is that shape with ``axis`` present, as
    indexing along it needs (``(1,)`` for a 0-d ``x``). The gradient goes back to those positions.
    """

    saves = (1,)

    def __init__(self, axis, index_shape, node_name):
        self.axis, self.index_shape, self.node_name = axis, index_shape, node_name

    def forward(self, x, indices):
        self.in_shape = x.shape
        xp = array_module(x)
        picked = xp.take_along_axis(x.reshape(x.shape or (1,)), indices.reshape(self.index_shape), self.axis)
        return picked.reshape(indices.shape)

    def backward(self, gy):
        (indices,) = self.saved_tensors
        return PutAlong(self.axis, self.index_shape, self.in_shape)(gy, indices), None

    def name(self):
        return self.node_name


class PutAlong(Function):
    """Zeros of ``shape`` with ``g`` written at ``indices`` along ``axis`` (the adjoint of TakeAlong)."""

    saves = (1,)

    def __init__(self, axis, index_shape, shape):
        self.axis, self.index_shape, self.shape = axis, index_shape, shape

    def forward(self, g, indices):
        xp = array_module(g)
        out = xp.zeros(self.shape or (1,), dtype=g.dtype)
        xp.put_along_axis(out, indices.reshape(self.index_shape), g.reshape(self.index_shape), self.axis)
        return out.reshape(self.shape)

    def backward(self, gg):
        (indices,) = self.saved_tensors
        return TakeAlong(self.axis, self.index_shape, "GatherBackward0")(gg, indices), None

    def name(self):
        return "ScatterBackward0"


def _amax(x, axis, keepdims):
    return x.max(axis=axis, keepdims=keepdims)


def _amin(x, axis, keepdims):
    return x.min(axis=axis, keepdims=keepdims)


class EvenlySplit(Function):
    """An extreme value (``reducer``: _amax, _amin, _lower_median); tied elements share the gradient.

    As in PyTorch, the global ``max()``/``min()``/``median()`` count NaN elements as hits of a NaN
    result (``nan_hits``); ``amax``/``amin`` do not, so a slice whose result is NaN gets NaN gradients.
    """

    saves = (0,)
    saves_output = True

    def __init__(self, reducer, axes, keepdim, node_name, nan_hits=True):
        self.reducer, self.axes, self.keepdim, self.node_name = reducer, axes, keepdim, node_name
        self.nan_hits = nan_hits

    def forward(self, x):
        self.in_shape = x.shape
        return self.reducer(x, axis=self.axes, keepdims=self.keepdim)

    @np.errstate(all="ignore")  # a NaN slice of amax/amin shares 0 / 0
    def backward(self, gy):
        x = self.saved(0).array
        y = self.saved_output().array.reshape(_kept_shape(x.shape, self.axes))
        xp = array_module(x)
        g = expand_reduced(gy, self.in_shape, self.axes, self.keepdim)
        if self.nan_hits:  # PyTorch writes gy / count at the hits, 0 elsewhere
            hit = (x == y) | (xp.isnan(x) & xp.isnan(y))
            return (g / constant_like(hit.sum(axis=self.axes, keepdims=True), gy)).masked_fill(_new(~hit), 0)
        hit = x == y  # PyTorch multiplies gy / count by the hits
        return g * constant_like(hit / hit.sum(axis=self.axes, keepdims=True), gy)

    def name(self):
        return self.node_name


def _select(input, dim, keepdim, op, node_name, pick):
    """``return_types[op](values, indices)`` where ``pick(array, axis)`` gives keepdim indices along ``dim``."""
    ndim = input.array.ndim
    axis = _check_dim(dim, ndim, op)
    data = input.array if ndim else input.array.reshape(1)
    kept = pick(data, axis).astype(np.int64, copy=False)
    index_shape = kept.shape
    if not ndim:
        kept = kept.reshape(())
    elif not keepdim:
        kept = kept.squeeze(axis)
    indices = _new(kept)
    return return_types[op](TakeAlong(axis, index_shape, node_name)(input, indices), indices)


def _write_pair(op, result, out):
    """``out=(values, indices)``: each of the dtype it will hold, as PyTorch requires."""
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(f"{op}(): argument 'out' must be tuple of Tensors, not {type(out).__name__}")
    values, indices = out
    require_out_dtype(values, result.values.array.dtype)
    require_out_dtype(indices, np.dtype(np.int64))
    return return_types[op](write_out(op, result.values, values), write_out(op, result.indices, indices))


def _extreme(input, dim, keepdim, op, out):
    """``max``/``min``: global, along ``dim`` as ``(values, indices)``, or elementwise against a tensor."""
    if isinstance(dim, Tensor):
        return (maximum if op == "max" else minimum)(input, dim, out=out)
    reducer, method = (_amax, "argmax") if op == "max" else (_amin, "argmin")
    title = op.capitalize()
    if dim is None:
        _require_nonempty(input, None, op)
        result = EvenlySplit(reducer, None, False, title + "Backward1")(input)
        return write_out(op, result, out)
    _require_nonempty(input, _axes(input, dim, op), op)
    result = _select(input, dim, keepdim, op, title + "Backward0",
                     lambda x, axis: getattr(x, method)(axis=axis, keepdims=True))
    return result if out is None else _write_pair(op, result, out)


@tensor_method()
def max(input, dim=None, keepdim=False, *, out=None):
    """The largest element; with ``dim``, ``(values, indices)`` along it; with a tensor, ``maximum``."""
    return _extreme(input, dim, keepdim, "max", out)


@tensor_method()
def min(input, dim=None, keepdim=False, *, out=None):
    """The smallest element; with ``dim``, ``(values, indices)`` along it; with a tensor, ``minimum``."""
    return _extreme(input, dim, keepdim, "min", out)


def _amax_amin(reducer, input, dim, keepdim, op):
    axes = _axes(input, dim, op)
    _require_nonempty(input, axes, op)
    return EvenlySplit(reducer, axes, keepdim, op.capitalize() + "Backward0", nan_hits=False)(input)


def _input_dtype_out(input, out):
    """``out`` of amax/amin, checked: PyTorch wants the input's dtype."""
    if isinstance(out, Tensor) and out.array.dtype != input.array.dtype:
        raise RuntimeError(f"Expected the dtype for input and out to match, but got "
                           f"{_SCALAR_TYPE_NAMES[input.array.dtype.name]} for input's dtype and "
                           f"{_SCALAR_TYPE_NAMES[out.array.dtype.name]} for out's dtype.")
    return out


@tensor_method()
def amax(input, dim=(), keepdim=False, *, out=None):
    """The maximum over ``dim`` (default all); ties share the gradient evenly."""
    result = _amax_amin(_amax, input, dim, keepdim, "amax")
    return write_out("amax", result, _input_dtype_out(input, out))


@tensor_method()
def amin(input, dim=(), keepdim=False, *, out=None):
    """The minimum over ``dim`` (default all); ties share the gradient evenly."""
    result = _amax_amin(_amin, input, dim, keepdim, "amin")
    return write_out("amin", result, _input_dtype_out(input, out))


def _arg_extreme(method, input, dim, keepdim, op):
    data = input.array
    if dim is None:
        _require_nonempty(input, None, op)
        index = getattr(data.reshape(-1), method)()
        return _new(as_array(index, np.int64, like=data).reshape((1,) * data.ndim if keepdim else ()))
    axis = _check_dim(dim, data.ndim, op)
    if data.ndim == 0:
        return _new(array_module(data).zeros((), dtype=np.int64))
    _require_nonempty(input, (axis,), op)
    return _new(as_array(getattr(data, method)(axis=axis, keepdims=keepdim), np.int64))


@tensor_method()
def argmax(input, dim=None, keepdim=False, *, out=None):
    """Index of the first maximum (of the flattened tensor when ``dim`` is None); NaN counts as largest."""
    result = _arg_extreme("argmax", input, dim, keepdim, "argmax")
    return write_out("argmax", result, require_out_dtype(out, np.dtype(np.int64)))


@tensor_method()
def argmin(input, dim=None, keepdim=False, *, out=None):
    """Index of the first minimum (of the flattened tensor when ``dim`` is None); NaN counts as smallest."""
    result = _arg_extreme("argmin", input, dim, keepdim, "argmin")
    return write_out("argmin", result, require_out_dtype(out, np.dtype(np.int64)))


# ----- order statistics: median, sort, topk -----
def _order(x, axis, descending):
    """Stable sorting permutation along ``axis``; NaN sorts as the largest value, as in PyTorch."""
    if not descending:
        return x.argsort(axis=axis, kind="stable")
    xp = array_module(x)
    flipped = xp.flip(x, axis).argsort(axis=axis, kind="stable")
    return xp.flip(x.shape[axis] - 1 - flipped, axis)


def _median_indices(x, axis):
    """Index of the lower median along ``axis`` (kept as size 1); a NaN in the slice is the median."""
    middle = (x.shape[axis] - 1) // 2
    index = _slice_along(_order(x, axis, False), axis, middle, middle + 1)
    if is_floating(x.dtype):
        xp = array_module(x)
        nan = xp.isnan(x)
        has_nan = nan.any(axis=axis, keepdims=True)
        if bool(has_nan.any()):
            index = xp.where(has_nan, nan.argmax(axis=axis, keepdims=True), index)
    return index


def _lower_median(x, axis=None, keepdims=False):
    flat = x.reshape(-1)
    return flat[_median_indices(flat, 0)].reshape(())


@tensor_method()
def median(input, dim=None, keepdim=False, *, out=None):
    """The lower of the two middle values; with ``dim``, ``(values, indices)`` along it."""
    if dim is None:
        if out is not None:
            raise TypeError("median(): out= needs dim; median(input) has no out argument, as in PyTorch")
        if input.array.size == 0:
            return _new(array_module(input.array).full((), np.nan, dtype=input.array.dtype))
        return EvenlySplit(_lower_median, None, False, "MedianBackward0")(input)
    _require_nonempty(input, _axes(input, dim, "median"), "median")
    result = _select(input, dim, keepdim, "median", "MedianBackward1", _median_indices)
    return result if out is None else _write_pair("median", result, out)


@tensor_method()
def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    """``(values, indices)`` sorted along ``dim``; always stable; NaN sorts as the largest value."""
    result = _select(input, dim, True, "sort", "SortBackward0", lambda x, axis: _order(x, axis, descending))
    return result if out is None else _write_pair("sort", result, out)


@tensor_method()
def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort ``input`` along ``dim`` (stable)."""
    axis = _check_dim(dim, input.array.ndim, "argsort")
    if input.array.ndim == 0:
        return _new(array_module(input.array).zeros((), dtype=np.int64))
    return _new(_order(input.array, axis, descending).astype(np.int64, copy=False))


@tensor_method()
def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """``(values, indices)`` of the ``k`` largest (or smallest) elements along ``dim``, in sorted order."""
    n = input.array.shape[_check_dim(dim, input.array.ndim, "topk")] if input.array.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: selected index k out of range (k={k}, but dim {dim} has size {n})")
    result = _select(input, dim, True, "topk", "TopkBackward0",
                     lambda x, axis: _slice_along(_order(x, axis, largest), axis, 0, k))
    return result if out is None else _write_pair("topk", result, out)


# ----- moments -----
class Var(Function):
    """Variance with ``correction`` (Bessel's for 1): ``sum((x - mean)^2) / max(N - correction, 0)``.

    Float32 and float16 accumulate in float64, as PyTorch's CPU kernel does (no overflow of the squares).
    With ``N - correction <= 0`` the result is inf or nan and so is the gradient, as in PyTorch.
    """

    saves = (0,)

    def __init__(self, axes, correction, keepdim):
        self.axes, self.correction, self.keepdim = axes, correction, keepdim

    @np.errstate(all="ignore")
    def forward(self, x):
        return self.wide_variance(x).astype(x.dtype, copy=False)

    def wide_variance(self, x):
        """The variance of array ``x`` in float64 (or ``x``'s wider dtype); notes the shape and dof for backward."""
        self.in_shape = x.shape
        self.dof = _reduced_count(x.shape, self.axes) - self.correction
        wide = x if x.dtype.itemsize >= 8 else x.astype(np.float64)
        centered = wide - wide.mean(axis=self.axes, keepdims=True)
        return (centered * centered).sum(axis=self.axes, keepdims=self.keepdim) / builtins.max(self.dof, 0)

    @np.errstate(all="ignore")  # 0 * inf where dof <= 0
    def backward(self, gy):
        x = self.saved(0)
        g = expand_reduced(gy, self.in_shape, self.axes, self.keepdim)
        average = mean(x, self.axes, keepdim=True)
        if self.axes is None and self.dof <= 0:  # PyTorch: 2 / dof is inf; times x - mean, nan where that is 0
            xp = array_module(x.array)
            return g * constant_like(xp.where(x.array == average.array, np.nan, np.inf), x)
        return g * (x - average) * (2 / self.dof if self.dof else math.inf)


class Std(Var):
    """Standard deviation; the gradient is 0 where it is 0 (a constant slice), as in PyTorch."""

    saves_output = True

    @np.errstate(all="ignore")
    def forward(self, x):
        return array_module(x).sqrt(self.wide_variance(x)).astype(x.dtype, copy=False)

    def backward(self, gy):
        y = self.saved_output()
        return super().backward((gy / (y * 2)).masked_fill(y == 0, 0))


def _moment(cls, input, dim, unbiased, keepdim, correction, op):
    if isinstance(dim, bool):  # var(x, False): the old positional ``unbiased``
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}(): pass either unbiased or correction, not both")
    if correction is None:
        correction = 0 if unbiased is False else 1
    if not is_floating(input.array.dtype):
        raise RuntimeError(f"{op}(): std and var only support floating point dtypes, got {input.dtype}")
    axes = _axes(input, dim, op)
    if _reduced_count(input.array.shape, axes) - correction <= 0:
        warnings.warn(f"{op}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
                      "factor (input numel divided by output numel).", UserWarning, stacklevel=3)
    return cls(axes, correction, keepdim)(input)


@tensor_method()
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Variance over ``dim``, divided by ``N - correction`` (``unbiased=False`` means correction 0)."""
    result = _moment(Var, input, dim, unbiased, keepdim, correction, "var")
    return write_out("var", result, out)


@tensor_method()
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Standard deviation over ``dim`` (the square root of ``var``)."""
    result = _moment(Std, input, dim, unbiased, keepdim, correction, "std")
    return write_out("std", result, out)


# ----- logsumexp and norms -----
class Logsumexp(Function):
    """``log(sum(exp(x)))`` computed around the maximum so that it neither overflows nor underflows."""

    saves = (0,)
    saves_output = True

    def __init__(self, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim

    @np.errstate(all="ignore")
    @computes_bfloat16_in_float32
    def forward(self, x):
        self.in_shape = x.shape
        xp = array_module(x)
        if x.size:
            shift = x.max(axis=self.axes, keepdims=True)
            shift = xp.where(xp.isinf(shift), 0, shift)  # an infinite max would give inf - inf
        else:  # nothing to sum: log(0) = -inf
            shift = xp.zeros(_kept_shape(x.shape, self.axes), dtype=x.dtype)
        y = xp.log(xp.exp(x - shift).sum(axis=self.axes, keepdims=True)) + shift
        return y if self.keepdim else y.squeeze(axis=self.axes)

    def backward(self, gy):
        x, y = self.saved(0), self.saved_output()
        expand = (self.in_shape, self.axes, self.keepdim)
        return expand_reduced(gy, *expand) * (x - expand_reduced(y, *expand)).exp()


@tensor_method()
def logsumexp(input, dim, keepdim=False, *, out=None):
    """``log(sum(exp(input), dim))``, numerically stable; integers promote to the default float dtype."""
    if not is_floating(input.array.dtype):
        input = input.to(dtypes.get_default_dtype())
    result = Logsumexp(_axes(input, dim, "logsumexp"), keepdim)(input)
    if out is None:
        return result
    if isinstance(out, Tensor) and not is_floating(out.array.dtype):
        raise RuntimeError(f"logsumexp(): Expected floating point type for result tensor, but got: "
                           f"{_SCALAR_TYPE_NAMES[out.array.dtype.name]}")
    return write_out("logsumexp", result, out)


class Norm(Function):
    """The vector p-norm over ``axes``: ``sum(|x|^p)^(1/p)``, with p in {0, 1, 2, inf, -inf} special-cased."""

    saves = (0,)
    saves_output = True

    def __init__(self, p, axes, keepdim):
        self.p, self.axes, self.keepdim = p, axes, keepdim

    @np.errstate(all="ignore")
    @computes_bfloat16_in_float32
    def forward(self, x):
        self.in_shape = x.shape
        p, reduce, xp = self.p, dict(axis=self.axes, keepdims=self.keepdim), array_module(x)
        if p == 2:
            return xp.sqrt((x * x).sum(**reduce))
        if p == 0:
            return (x != 0).sum(dtype=x.dtype, **reduce)
        size = xp.abs(x)
        if p == 1:
            return size.sum(**reduce)
        if math.isinf(p):
            return size.max(**reduce) if p > 0 else size.min(**reduce)
        return (size ** p).sum(**reduce) ** (1 / p)

    def backward(self, gy):
        x, p = self.saved(0), self.p
        expand = (self.in_shape, self.axes, self.keepdim)
        if p == 0:
            return expand_reduced(gy * 0, *expand)
        xp = array_module(x.array)
        sign = constant_like(_sign(x.array), x)
        if p == 1:
            return expand_reduced(gy, *expand) * sign
        y = self.saved_output()
        if math.isinf(p):  # like amax/amin of |x|: ties share the gradient, NaN elements are hits (PyTorch's rule)
            size = xp.abs(x.array)
            hit = (size == y.array.reshape(_kept_shape(x.array.shape, self.axes))) | xp.isnan(size)
            return expand_reduced(gy, *expand) * sign * constant_like(hit / hit.sum(axis=self.axes, keepdims=True), x)
        safe_y = y + constant_like(y.array == 0, y)  # a zero norm means a zero slice: gradient 0, not nan
        if p == 2:
            return expand_reduced(gy / safe_y, *expand) * x
        safe_size = x.abs() + constant_like(x.array == 0, x)
        return expand_reduced(gy / safe_y ** (p - 1), *expand) * sign * safe_size ** (p - 1)

    def name(self):
        return "LinalgVectorNormBackward0"


@tensor_method()
def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """The vector p-norm over ``dim`` (all elements by default); ``'fro'`` is the 2-norm."""
    if dtype is not None:
        input = input.to(dtype)
    _require_float(input, "norm")
    if isinstance(p, str):
        if p != "fro":
            raise ValueError(f"norm: p={p!r} is not supported; expected a number or 'fro'")
        p = 2
    result = Norm(float(p), _axes(input, dim, "norm"), keepdim)(input)
    return write_out("norm", result, require_out_dtype(out, result.array.dtype))


# ----- scans -----
class Cumsum(Function):
    """Running sum along ``axis`` (from the end when ``reverse``); each direction is the other's gradient."""

    def __init__(self, axis, reverse=False):
        self.axis, self.reverse = axis, reverse

    def forward(self, x):
        dtype, row = _scan_dtype(x, None), x.reshape(x.shape or (1,))  # a 0-d tensor scans as one element
        if self.reverse:
            xp = array_module(x)
            return _rounded(xp.flip(xp.flip(row, self.axis).cumsum(axis=self.axis, dtype=dtype), self.axis), x,
                            None).reshape(x.shape)
        return _rounded(row.cumsum(axis=self.axis, dtype=dtype), x, None).reshape(x.shape)

    def backward(self, gy):
        return Cumsum(self.axis, not self.reverse)(gy)


class Cumprod(Function):
    saves = (0,)
    saves_output = True

    def __init__(self, axis):
        self.axis = axis

    @np.errstate(all="ignore")
    def forward(self, x):
        row = x.reshape(x.shape or (1,))  # a 0-d tensor scans as one element
        return _rounded(row.cumprod(axis=self.axis, dtype=_scan_dtype(x, None)), x, None).reshape(x.shape)

    def backward(self, gy):
        x, axis = self.saved(0), self.axis
        if x.array.ndim == 0:  # one element: y = x
            return gy
        if bool((x.array != 0).all()):
            return Cumsum(axis, reverse=True)(gy * self.saved_output()) / x
        # with zeros: d y_j / d x_i = product of x_k for k <= j, k != i
        x_last, g_last = x.transpose(axis, -1), gy.transpose(axis, -1)
        partial = cumprod(_leave_one_out(x_last), -1)  # [..., i, j] = prod_{k <= j, k != i} x_k
        xp = array_module(x.array)
        upper = xp.triu(xp.ones((x_last.array.shape[-1],) * 2, dtype=x.array.dtype))  # j >= i
        return (partial * _new(upper) * g_last.unsqueeze(-2)).sum(-1).transpose(axis, -1)


def _scan(cls, input, dim, dtype, out, op):
    dtype = _out_dtype(dtype, out)
    if dtype is not None:
        input = input.to(dtype)
    result = cls(_check_dim(dim, input.array.ndim, op))(input)
    return write_out(op, result, out)


@tensor_method()
def cumsum(input, dim, *, dtype=None, out=None):
    """Running sum along ``dim``; integers and bools accumulate as int64."""
    return _scan(Cumsum, input, dim, dtype, out, "cumsum")


@tensor_method()
def cumprod(input, dim, *, dtype=None, out=None):
    """Running product along ``dim``; the gradient is exact where elements are zero."""
    return _scan(Cumprod, input, dim, dtype, out, "cumprod")


# ----- truth and counting -----
def _truth(method, input, dim, keepdim, out, op):
    reduced = as_array(getattr(input.array, method)(axis=_axes(input, dim, op), keepdims=keepdim))
    result = _new(reduced.astype(np.uint8) if input.array.dtype == np.uint8 else reduced)
    if out is None:
        return result
    if isinstance(out, Tensor) and out.array.dtype not in (np.bool_, np.uint8):
        raise RuntimeError(f"{op} only supports bool tensor for result, got: "
                           f"{_SCALAR_TYPE_NAMES[out.array.dtype.name]}")
    return write_out(op, result, out)


@tensor_method()
def all(input, dim=None, keepdim=False, *, out=None):
    """Whether every element over ``dim`` is nonzero (bool; uint8 for uint8 input, as in PyTorch)."""
    return _truth("all", input, dim, keepdim, out, "all")


@tensor_method()
def any(input, dim=None, keepdim=False, *, out=None):
    """Whether some element over ``dim`` is nonzero (bool; uint8 for uint8 input, as in PyTorch)."""
    return _truth("any", input, dim, keepdim, out, "any")


@tensor_method()
def count_nonzero(input, dim=None):
    """The number of nonzero elements over ``dim`` (int64)."""
    counted = (input.array != 0).sum(axis=_axes(input, dim, "count_nonzero"), dtype=np.int64)
    return _new(as_array(counted))


# ----- softmax and log-softmax: exp(x) normalised along a dim, computed stably -----
def _minus_max(x, dim):
    """``x`` minus its max along ``dim``; an empty ``x`` (no max to take) as a copy, so the result is empty too."""
    return x - x.max(axis=dim, keepdims=True) if x.size else x.copy()


class Softmax(Function):
    saves_output = True

    def __init__(self, dim):
        self.dim = dim

    @np.errstate(all="ignore")
    @computes_bfloat16_in_float32
    def forward(self, x):
        e = array_module(x).exp(_minus_max(x, self.dim))
        e /= e.sum(axis=self.dim, keepdims=True)
        return e

    def backward(self, gy):
        y = self.saved_output()
        return y * (gy - (gy * y).sum(self.dim, keepdim=True))


class LogSoftmax(Function):
    saves_output = True

    def __init__(self, dim):
        self.dim = dim

    @np.errstate(all="ignore")
    @computes_bfloat16_in_float32
    def forward(self, x):
        xp = array_module(x)
        z = _minus_max(x, self.dim)
        z -= xp.log(xp.exp(z).sum(axis=self.dim, keepdims=True))
        return z

    def backward(self, gy):
        y = self.saved_output()
        return gy - y.exp() * gy.sum(self.dim, keepdim=True)


def _softmax_input(input, dim, dtype, op):
    if dtype is not None:
        input = input.to(dtype)
    if not input.is_floating_point():
        raise RuntimeError(f"{op}: expected a floating point input, got {input.dtype} (pass dtype=torch.float32)")
    return input, _check_dim(dim, input.array.ndim, op)


@tensor_method()
def softmax(input, dim, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim``."""
    input, dim = _softmax_input(input, dim, dtype, "softmax")
    return Softmax(dim)(input)


@tensor_method()
def log_softmax(input, dim, dtype=None):
    """x - logsumexp(x) along ``dim``."""
    input, dim = _softmax_input(input, dim, dtype, "log_softmax")
    return LogSoftmax(dim)(input)
