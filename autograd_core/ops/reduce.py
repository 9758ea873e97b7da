"""Reductions, order statistics and scans: sum, prod, max/min, var/std, norm, sort, cumsum...

Gradients follow PyTorch: ``amax``/``amin`` and the global ``max()``/``min()``/``median()``
share the gradient evenly among tied extremes; the ``dim`` forms of ``max``/``min``/
``median`` and ``sort``/``topk`` send it to the returned indices.
"""
import builtins
import collections
import math
import warnings

import numpy as np

from .. import dtypes
from .._backend import as_array
from ..function import Function
from ..tensor import Tensor, _new, _check_dim
from ._registry import tensor_method
from ._util import normalize_dims
from .elementwise import maximum, minimum
from .shape import broadcast_to

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std", "logsumexp",
           "norm", "cumsum", "cumprod", "all", "any", "count_nonzero", "median", "topk", "sort", "argsort"]


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
    if input.array.dtype.kind != "f":
        raise RuntimeError(f"{op}(): expected a floating point tensor, got {input.dtype}")


def _accumulator_dtype(x, dtype):
    """PyTorch sums and multiplies integers and bools in int64."""
    return np.int64 if dtype is None and x.dtype.kind in "bui" else dtype


def _constant(array, like):
    return _new(np.asarray(array, dtype=like.array.dtype))


# ----- sum, mean, prod -----
class Sum(Function):
    def __init__(self, axes, keepdim, dtype=None):
        self.axes, self.keepdim, self.dtype = axes, keepdim, dtype

    def forward(self, x):
        self.in_shape = x.shape
        return np.sum(x, axis=self.axes, keepdims=self.keepdim, dtype=_accumulator_dtype(x, self.dtype))

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


class Prod(Function):
    """Product; its gradient is the product of the other elements (exact when there are zeros)."""

    saves = (0,)
    saves_output = True

    def __init__(self, axes, keepdim, whole):
        self.axes, self.keepdim, self.whole = axes, keepdim, whole

    def forward(self, x):
        self.in_shape = x.shape
        return np.prod(x, axis=self.axes, keepdims=self.keepdim, dtype=_accumulator_dtype(x, None))

    def backward(self, gy):
        x = self.saved(0)
        g = expand_reduced(gy, self.in_shape, self.axes, self.keepdim)
        if np.all(x.array != 0):
            return g * expand_reduced(self.saved_output(), self.in_shape, self.axes, self.keepdim) / x
        return g * _product_of_others(x, self.axes)

    def name(self):
        return "ProdBackward0" if self.whole else "ProdBackward1"


def _leave_one_out(x):
    """``(..., n)`` -> ``(..., n, n)``: row ``i`` is ``x`` along its last axis with element ``i`` set to 1."""
    eye = np.eye(x.array.shape[-1], dtype=x.array.dtype)
    return x.unsqueeze(-2) * _new(1 - eye) + _new(eye)


def _product_of_others(x, axes):
    """For each element, the product of the other elements of its reduced slice (differentiable)."""
    nd = x.array.ndim
    reduced = list(range(nd)) if axes is None else list(axes)
    order = [d for d in range(nd) if d not in reduced] + reduced
    moved = x.permute(order)
    kept = moved.array.shape[:nd - len(reduced)]
    others = prod(_leave_one_out(moved.reshape(kept + (-1,))), -1)
    return others.reshape(moved.array.shape).permute(tuple(np.argsort(order)))


@tensor_method()
def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over ``dim`` (an int, a tuple, or None for all); integers and bools sum as int64."""
    return Sum(_axes(input, dim, "sum"), keepdim, dtypes.to_numpy_dtype(dtype))(input)


@tensor_method()
def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean over ``dim``; floating point tensors only (or pass ``dtype``)."""
    if dtype is not None:
        input = input.to(dtype)
    if input.array.dtype.kind != "f":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point "
                           f"or complex dtype. Got: {input.dtype}")
    return Mean(_axes(input, dim, "mean"), keepdim)(input)


@tensor_method()
def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product over ``dim`` (None for all); integers and bools multiply as int64."""
    if dtype is not None:
        input = input.to(dtype)
    return Prod(_axes(input, dim, "prod"), keepdim, dim is None)(input)


# ----- extremes -----
class TakeAlong(Function):
    """The elements of ``x`` at ``indices`` along ``axis``; the gradient goes back to those positions."""

    def __init__(self, indices, axis, keepdim, node_name="TakeAlongBackward0"):
        self.indices, self.axis, self.keepdim, self.node_name = indices, axis, keepdim, node_name

    def forward(self, x):
        self.in_shape = x.shape
        y = np.take_along_axis(x, self.indices, self.axis)
        return y if self.keepdim else y.squeeze(self.axis)

    def backward(self, gy):
        if not self.keepdim:
            gy = gy.unsqueeze(self.axis)
        return PutAlong(self.indices, self.axis, self.in_shape)(gy)

    def name(self):
        return self.node_name


class PutAlong(Function):
    """Zeros of ``shape`` with ``g`` written at ``indices`` along ``axis`` (the adjoint of TakeAlong)."""

    def __init__(self, indices, axis, shape):
        self.indices, self.axis, self.shape = indices, axis, shape

    def forward(self, g):
        out = np.zeros(self.shape, dtype=g.dtype)
        np.put_along_axis(out, self.indices, g, self.axis)
        return out

    def backward(self, gg):
        return TakeAlong(self.indices, self.axis, True)(gg)


class EvenlySplit(Function):
    """An extreme value (``reducer``: amax, amin, lower median); tied elements share the gradient."""

    saves = (0,)
    saves_output = True

    def __init__(self, reducer, axes, keepdim, node_name):
        self.reducer, self.axes, self.keepdim, self.node_name = reducer, axes, keepdim, node_name

    def forward(self, x):
        self.in_shape = x.shape
        return self.reducer(x, axis=self.axes, keepdims=self.keepdim)

    def backward(self, gy):
        x = self.saved(0).array
        y = self.saved_output().array.reshape(_kept_shape(x.shape, self.axes))
        hit = (x == y) | (np.isnan(x) & np.isnan(y))
        share = _constant(hit / hit.sum(axis=self.axes, keepdims=True), gy)
        return expand_reduced(gy, self.in_shape, self.axes, self.keepdim) * share

    def name(self):
        return self.node_name


def _select(input, dim, keepdim, op, node_name, pick):
    """``return_types[op](values, indices)`` where ``pick(array, axis)`` gives keepdim indices along ``dim``."""
    if input.array.ndim == 0:  # handled as a 1-element vector
        _check_dim(dim, 0, op)
        values, indices = _select(input.reshape(1), 0, True, op, node_name, pick)
        return return_types[op](values.reshape(()), indices.reshape(()))
    axis = _check_dim(dim, input.array.ndim, op)
    indices = pick(input.array, axis)
    values = TakeAlong(indices, axis, keepdim, node_name)(input)
    if not keepdim:
        indices = indices.squeeze(axis)
    return return_types[op](values, _new(np.asarray(indices, dtype=np.int64)))


def _extreme(input, dim, keepdim, op):
    """``max``/``min``: global, along ``dim`` as ``(values, indices)``, or elementwise against a tensor."""
    if isinstance(dim, Tensor):
        return (maximum if op == "max" else minimum)(input, dim)
    reducer, arg = (np.amax, np.argmax) if op == "max" else (np.amin, np.argmin)
    title = op.capitalize()
    if dim is None:
        _require_nonempty(input, None, op)
        return EvenlySplit(reducer, None, False, title + "Backward1")(input)
    _require_nonempty(input, _axes(input, dim, op), op)
    return _select(input, dim, keepdim, op, title + "Backward0",
                   lambda x, axis: arg(x, axis=axis, keepdims=True))


@tensor_method()
def max(input, dim=None, keepdim=False):
    """The largest element; with ``dim``, ``(values, indices)`` along it; with a tensor, ``maximum``."""
    return _extreme(input, dim, keepdim, "max")


@tensor_method()
def min(input, dim=None, keepdim=False):
    """The smallest element; with ``dim``, ``(values, indices)`` along it; with a tensor, ``minimum``."""
    return _extreme(input, dim, keepdim, "min")


def _amax_amin(reducer, input, dim, keepdim, op):
    axes = _axes(input, dim, op)
    _require_nonempty(input, axes, op)
    return EvenlySplit(reducer, axes, keepdim, op.capitalize() + "Backward0")(input)


@tensor_method()
def amax(input, dim=(), keepdim=False):
    """The maximum over ``dim`` (default all); ties share the gradient evenly."""
    return _amax_amin(np.amax, input, dim, keepdim, "amax")


@tensor_method()
def amin(input, dim=(), keepdim=False):
    """The minimum over ``dim`` (default all); ties share the gradient evenly."""
    return _amax_amin(np.amin, input, dim, keepdim, "amin")


def _arg_extreme(np_arg, input, dim, keepdim, op):
    data = input.array
    if dim is None:
        _require_nonempty(input, None, op)
        index = np_arg(data.reshape(-1))
        return _new(np.asarray(index, dtype=np.int64).reshape((1,) * data.ndim if keepdim else ()))
    axis = _check_dim(dim, data.ndim, op)
    if data.ndim == 0:
        return _new(np.zeros((), dtype=np.int64))
    _require_nonempty(input, (axis,), op)
    return _new(np.asarray(np_arg(data, axis=axis, keepdims=keepdim), dtype=np.int64))


@tensor_method()
def argmax(input, dim=None, keepdim=False):
    """Index of the first maximum (of the flattened tensor when ``dim`` is None); NaN counts as largest."""
    return _arg_extreme(np.argmax, input, dim, keepdim, "argmax")


@tensor_method()
def argmin(input, dim=None, keepdim=False):
    """Index of the first minimum (of the flattened tensor when ``dim`` is None); NaN counts as smallest."""
    return _arg_extreme(np.argmin, input, dim, keepdim, "argmin")


# ----- order statistics: median, sort, topk -----
def _order(x, axis, descending):
    """Stable sorting permutation along ``axis``; NaN sorts as the largest value, as in PyTorch."""
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    flipped = np.argsort(np.flip(x, axis), axis=axis, kind="stable")
    return np.flip(x.shape[axis] - 1 - flipped, axis)


def _median_indices(x, axis):
    """Index of the lower median along ``axis`` (kept as size 1); a NaN in the slice is the median."""
    index = np.take(_order(x, axis, False), [(x.shape[axis] - 1) // 2], axis=axis)
    if x.dtype.kind == "f":
        nan = np.isnan(x)
        has_nan = nan.any(axis=axis, keepdims=True)
        if has_nan.any():
            index = np.where(has_nan, np.argmax(nan, axis=axis, keepdims=True), index)
    return index


def _lower_median(x, axis=None, keepdims=False):
    flat = x.reshape(-1)
    return flat[_median_indices(flat, 0)[0]]


@tensor_method()
def median(input, dim=None, keepdim=False):
    """The lower of the two middle values; with ``dim``, ``(values, indices)`` along it."""
    if dim is None:
        if input.array.size == 0:
            return _new(np.array(np.nan, dtype=input.array.dtype))
        return EvenlySplit(_lower_median, None, False, "MedianBackward0")(input)
    _require_nonempty(input, _axes(input, dim, "median"), "median")
    return _select(input, dim, keepdim, "median", "MedianBackward1", _median_indices)


@tensor_method()
def sort(input, dim=-1, descending=False, stable=False):
    """``(values, indices)`` sorted along ``dim``; always stable; NaN sorts as the largest value."""
    return _select(input, dim, True, "sort", "SortBackward0", lambda x, axis: _order(x, axis, descending))


@tensor_method()
def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort ``input`` along ``dim`` (stable)."""
    axis = _check_dim(dim, input.array.ndim, "argsort")
    if input.array.ndim == 0:
        return _new(np.zeros((), dtype=np.int64))
    return _new(np.asarray(_order(input.array, axis, descending), dtype=np.int64))


@tensor_method()
def topk(input, k, dim=-1, largest=True, sorted=True):
    """``(values, indices)`` of the ``k`` largest (or smallest) elements along ``dim``, in sorted order."""
    n = input.array.shape[_check_dim(dim, input.array.ndim, "topk")] if input.array.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: selected index k out of range (k={k}, but dim {dim} has size {n})")
    return _select(input, dim, True, "topk", "TopkBackward0",
                   lambda x, axis: np.take(_order(x, axis, largest), np.arange(k), axis=axis))


# ----- moments -----
class Var(Function):
    """Variance with ``correction`` (Bessel's for 1): ``sum((x - mean)^2) / (N - correction)``."""

    saves = (0,)

    def __init__(self, axes, correction, keepdim):
        self.axes, self.correction, self.keepdim = axes, correction, keepdim

    def forward(self, x):
        self.in_shape = x.shape
        count = x.size if self.axes is None else math.prod(x.shape[a] for a in self.axes)
        self.dof = builtins.max(count - self.correction, 0)
        if self.dof == 0:
            warnings.warn(f"{type(self).__name__.lower()}(): degrees of freedom is <= 0 (correction "
                          f"{self.correction} for {count} elements); the result is inf or nan", stacklevel=5)
        with np.errstate(divide="ignore", invalid="ignore"):
            centered = x - x.mean(axis=self.axes, keepdims=True)
            return np.sum(centered * centered, axis=self.axes, keepdims=self.keepdim) / self.dof

    def backward(self, gy):
        x = self.saved(0)
        centered = x - mean(x, self.axes, keepdim=True)
        return expand_reduced(gy, self.in_shape, self.axes, self.keepdim) * centered * (2 / self.dof)


class Std(Var):
    """Standard deviation; the gradient is 0 where it is 0 (a constant slice), as in PyTorch."""

    saves_output = True

    def forward(self, x):
        return np.sqrt(super().forward(x))

    def backward(self, gy):
        y = self.saved_output()
        return super().backward(gy / (2 * (y + _constant(y.array == 0, y))))


def _moment(cls, input, dim, unbiased, keepdim, correction, op):
    if isinstance(dim, bool):  # var(x, False): the old positional ``unbiased``
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}(): pass either unbiased or correction, not both")
    if correction is None:
        correction = 0 if unbiased is False else 1
    if input.array.dtype.kind != "f":
        raise RuntimeError(f"{op}(): std and var only support floating point dtypes, got {input.dtype}")
    return cls(_axes(input, dim, op), correction, keepdim)(input)


@tensor_method()
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over ``dim``, divided by ``N - correction`` (``unbiased=False`` means correction 0)."""
    return _moment(Var, input, dim, unbiased, keepdim, correction, "var")


@tensor_method()
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation over ``dim`` (the square root of ``var``)."""
    return _moment(Std, input, dim, unbiased, keepdim, correction, "std")


# ----- logsumexp and norms -----
class Logsumexp(Function):
    """``log(sum(exp(x)))`` computed around the maximum so that it neither overflows nor underflows."""

    saves = (0,)
    saves_output = True

    def __init__(self, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim

    def forward(self, x):
        self.in_shape = x.shape
        shift = np.amax(x, axis=self.axes, keepdims=True, initial=-np.inf)
        shift[np.isinf(shift)] = 0  # an infinite max would give inf - inf
        with np.errstate(divide="ignore"):
            y = np.log(np.sum(np.exp(x - shift), axis=self.axes, keepdims=True)) + shift
        return y if self.keepdim else np.squeeze(y, axis=self.axes)

    def backward(self, gy):
        x, y = self.saved(0), self.saved_output()
        expand = (self.in_shape, self.axes, self.keepdim)
        return expand_reduced(gy, *expand) * (x - expand_reduced(y, *expand)).exp()


@tensor_method()
def logsumexp(input, dim, keepdim=False):
    """``log(sum(exp(input), dim))``, numerically stable; integers promote to the default float dtype."""
    if input.array.dtype.kind != "f":
        input = input.to(dtypes.get_default_dtype())
    return Logsumexp(_axes(input, dim, "logsumexp"), keepdim)(input)


class Norm(Function):
    """The vector p-norm over ``axes``: ``sum(|x|^p)^(1/p)``, with p in {0, 1, 2, inf, -inf} special-cased."""

    saves = (0,)
    saves_output = True

    def __init__(self, p, axes, keepdim):
        self.p, self.axes, self.keepdim = p, axes, keepdim

    def forward(self, x):
        self.in_shape = x.shape
        p, reduce = self.p, dict(axis=self.axes, keepdims=self.keepdim)
        if p == 2:
            return np.sqrt(np.sum(x * x, **reduce))
        if p == 0:
            return np.sum(x != 0, dtype=x.dtype, **reduce)
        size = np.abs(x)
        if p == 1:
            return np.sum(size, **reduce)
        if math.isinf(p):
            return (np.amax if p > 0 else np.amin)(size, **reduce)
        return np.sum(size ** p, **reduce) ** (1 / p)

    def backward(self, gy):
        x, p = self.saved(0), self.p
        expand = (self.in_shape, self.axes, self.keepdim)
        if p == 0:
            return expand_reduced(gy * 0, *expand)
        sign = _constant(np.sign(x.array), x)
        if p == 1:
            return expand_reduced(gy, *expand) * sign
        y = self.saved_output()
        if math.isinf(p):  # like amax/amin of |x|: ties share the gradient
            hit = np.abs(x.array) == y.array.reshape(_kept_shape(x.array.shape, self.axes))
            return expand_reduced(gy, *expand) * sign * _constant(hit / hit.sum(axis=self.axes, keepdims=True), x)
        safe_y = y + _constant(y.array == 0, y)  # a zero norm means a zero slice: gradient 0, not nan
        if p == 2:
            return expand_reduced(gy / safe_y, *expand) * x
        safe_size = x.abs() + _constant(x.array == 0, x)
        return expand_reduced(gy / safe_y ** (p - 1), *expand) * sign * safe_size ** (p - 1)

    def name(self):
        return "LinalgVectorNormBackward0"


@tensor_method()
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """The vector p-norm over ``dim`` (all elements by default); ``'fro'`` is the 2-norm."""
    if dtype is not None:
        input = input.to(dtype)
    _require_float(input, "norm")
    if isinstance(p, str):
        if p != "fro":
            raise ValueError(f"norm: p={p!r} is not supported; expected a number or 'fro'")
        p = 2
    return Norm(float(p), _axes(input, dim, "norm"), keepdim)(input)


# ----- scans -----
class Cumsum(Function):
    """Running sum along ``axis`` (from the end when ``reverse``); each direction is the other's gradient."""

    def __init__(self, axis, reverse=False):
        self.axis, self.reverse = axis, reverse

    def forward(self, x):
        dtype = _accumulator_dtype(x, None)
        if self.reverse:
            return np.flip(np.cumsum(np.flip(x, self.axis), axis=self.axis, dtype=dtype), self.axis)
        return np.cumsum(x, axis=self.axis, dtype=dtype)

    def backward(self, gy):
        return Cumsum(self.axis, not self.reverse)(gy)


class Cumprod(Function):
    saves = (0,)
    saves_output = True

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return np.cumprod(x, axis=self.axis, dtype=_accumulator_dtype(x, None))

    def backward(self, gy):
        x, axis = self.saved(0), self.axis
        if np.all(x.array != 0):
            return Cumsum(axis, reverse=True)(gy * self.saved_output()) / x
        # with zeros: d y_j / d x_i = product of x_k for k <= j, k != i
        x_last, g_last = x.transpose(axis, -1), gy.transpose(axis, -1)
        partial = cumprod(_leave_one_out(x_last), -1)  # [..., i, j] = prod_{k <= j, k != i} x_k
        upper = np.triu(np.ones((x_last.array.shape[-1],) * 2, dtype=x.array.dtype))  # j >= i
        return (partial * _new(upper) * g_last.unsqueeze(-2)).sum(-1).transpose(axis, -1)


def _scan(cls, input, dim, dtype, op):
    if dtype is not None:
        input = input.to(dtype)
    if input.array.ndim == 0:
        _check_dim(dim, 0, op)
        return cls(0)(input.reshape(1)).reshape(())
    return cls(_check_dim(dim, input.array.ndim, op))(input)


@tensor_method()
def cumsum(input, dim, *, dtype=None):
    """Running sum along ``dim``; integers and bools accumulate as int64."""
    return _scan(Cumsum, input, dim, dtype, "cumsum")


@tensor_method()
def cumprod(input, dim, *, dtype=None):
    """Running product along ``dim``; the gradient is exact where elements are zero."""
    return _scan(Cumprod, input, dim, dtype, "cumprod")


# ----- truth and counting -----
def _truth(np_reduce, input, dim, keepdim, op):
    out = as_array(np_reduce(input.array, axis=_axes(input, dim, op), keepdims=keepdim))
    return _new(out.astype(np.uint8) if input.array.dtype == np.uint8 else out)


@tensor_method()
def all(input, dim=None, keepdim=False):
    """Whether every element over ``dim`` is nonzero (bool; uint8 for uint8 input, as in PyTorch)."""
    return _truth(np.all, input, dim, keepdim, "all")


@tensor_method()
def any(input, dim=None, keepdim=False):
    """Whether some element over ``dim`` is nonzero (bool; uint8 for uint8 input, as in PyTorch)."""
    return _truth(np.any, input, dim, keepdim, "any")


@tensor_method()
def count_nonzero(input, dim=None):
    """The number of nonzero elements over ``dim`` (int64)."""
    return _new(np.asarray(np.count_nonzero(input.array, axis=_axes(input, dim, "count_nonzero")),
                           dtype=np.int64))
