"""Reductions and scans beyond the basic ones: the NaN-ignoring nansum/nanmean/nanmedian, quantile,
mode, kthvalue, std_mean/var_mean, aminmax, cummax/cummin and logcumsumexp.

The ``(values, indices)`` results are named tuples printed as ``torch.return_types.<name>``;
values carry the gradient to the positions their indices name, as in PyTorch.
"""
import collections
import numbers

import numpy as np

from ..dtypes import is_floating
from ..arrays import array_module, as_array
from ..function import Function
from ..tensor import Tensor, _new, _check_dim, argument_type_error
from ._registry import tensor_method
from ._util import constant_like, write_out
from .reduce import (_axes, _kept_shape, _moment, _reduced_count, _require_nonempty, _select, _values_indices,
                     _write_pair, expand_reduced, return_types, Var, EvenlySplit, _order, _slice_along)
from .index import gather, scatter_add
from .shape import broadcast_to, movedim, reshape

__all__ = ["nansum", "nanmean", "nanmedian", "quantile", "nanquantile", "mode", "kthvalue", "std_mean", "var_mean",
           "aminmax", "cummax", "cummin", "logcumsumexp"]

return_types.update({name: _values_indices(name) for name in ("nanmedian", "mode", "kthvalue", "cummax", "cummin")})
aminmax_result = collections.namedtuple("aminmax", ["min", "max"])
aminmax_result.__repr__ = lambda self: f"torch.return_types.aminmax(\nmin={self.min!r},\nmax={self.max!r})"


def _require_float(input, op):
    if not is_floating(input.array.dtype):
        raise RuntimeError(f"{op}(): expected input to have floating point or complex dtype but got {input.dtype}")


# ----- NaN-ignoring reductions -----
class Nansum(Function):
    """The sum of the non-NaN elements over ``axes``; NaN elements get a zero gradient."""

    saves = (0,)

    def __init__(self, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim

    def forward(self, x):
        self.in_shape = x.shape
        if not is_floating(x.dtype):
            return as_array(x.sum(axis=self.axes, keepdims=self.keepdim, dtype=np.int64), like=x)
        xp = array_module(x)
        zeroed = xp.where(xp.isnan(x), x.dtype.type(0), x)
        return as_array(zeroed.sum(axis=self.axes, keepdims=self.keepdim), like=x)

    def backward(self, gy):
        x = self.saved(0)
        return expand_reduced(gy, self.in_shape, self.axes, self.keepdim).masked_fill(x.isnan(), 0)


@tensor_method()
def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """The sum over ``dim`` (default all) treating NaN as zero."""
    if dtype is not None:
        input = input.to(dtype)
    result = Nansum(_axes(input, dim, "nansum"), keepdim)(input)
    return write_out("nansum", result, out)


@tensor_method()
def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """The mean over ``dim`` of the non-NaN elements (NaN where there are none)."""
    _require_float(input, "nanmean")
    if dtype is not None:
        input = input.to(dtype)
    axes = _axes(input, dim, "nanmean")
    count = (~input.isnan()).sum(dim=axes, keepdim=keepdim) if axes is not None or input.array.ndim == 0 \
        else (~input.isnan()).sum()
    if axes is None and keepdim and input.array.ndim:
        count = count.reshape(_kept_shape(input.array.shape, None))
    return write_out("nanmean", Nansum(axes, keepdim)(input) / count, out)


def _lower_nanmedian(x, axis=None, keepdims=False):
    """The lower median of the non-NaN elements of array ``x`` (NaN when all are NaN), as a 0-d array."""
    flat = x.reshape(-1)
    return flat[_nanmedian_indices(flat, 0)].reshape(())


def _nanmedian_indices(x, axis):
    """Index of the lower median of the non-NaN elements along ``axis`` (kept as size 1); 0 for all-NaN slices."""
    order = _order(x, axis, False)  # NaN sorts last
    count = (~array_module(x).isnan(x)).sum(axis=axis, keepdims=True) if is_floating(x.dtype) else x.shape[axis]
    position = (count - 1) // 2
    if is_floating(x.dtype):
        position = array_module(x).maximum(position, 0)
    else:
        position = array_module(x).full(_kept_shape(x.shape, (axis,)), max(position, 0))
    return array_module(x).take_along_axis(order, position, axis)


@tensor_method()
def nanmedian(input, dim=None, keepdim=False, *, out=None):
    """The lower median of the non-NaN values; with ``dim``, ``(values, indices)`` along it."""
    if dim is None:
        if input.array.size == 0:
            return _new(array_module(input.array).full((), np.nan, dtype=input.array.dtype))
        return EvenlySplit(_lower_nanmedian, None, False, "NanmedianBackward0")(input)
    _require_nonempty(input, _axes(input, dim, "nanmedian"), "nanmedian")
    result = _select(input, dim, keepdim, "nanmedian", "NanmedianBackward1", _nanmedian_indices)
    return result if out is None else _write_pair("nanmedian", result, out)


# ----- order statistics -----
@tensor_method()
def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """``(values, indices)`` of the ``k``-th smallest element along ``dim``."""
    axis = _check_dim(dim, input.array.ndim, "kthvalue")
    size = input.array.shape[axis] if input.array.ndim else 1
    if not isinstance(k, numbers.Integral) or isinstance(k, bool):
        raise argument_type_error(f"kthvalue(): argument 'k' (position 2) must be int, not {type(k).__name__}", k,
                                  "int")
    _require_nonempty(input, (axis,) if input.array.ndim else None, "kthvalue")
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis}")
    result = _select(input, dim, keepdim, "kthvalue", "KthvalueBackward0",
                     lambda x, a: _slice_along(_order(x, a, False), a, k - 1, k))
    return result if out is None else _write_pair("kthvalue", result, out)


def _mode_indices(x, axis):
    """Index (kept as size 1) of the last occurrence of the most frequent value along ``axis`` (ties: smallest)."""
    xp = array_module(x)
    order = _order(x, axis, False)
    ordered = xp.take_along_axis(x, order, axis)
    n = x.shape[axis]
    positions = xp.arange(n).reshape((n,) + (1,) * (x.ndim - axis - 1))
    starts = xp.concatenate([xp.ones_like(_slice_along(ordered, axis, 0, 1), dtype=bool),
                             _slice_along(ordered, axis, 1, n) != _slice_along(ordered, axis, 0, n - 1)], axis=axis)
    run_start = xp.maximum.accumulate(xp.where(starts, positions, 0), axis=axis)
    run_length = positions - run_start + 1  # the length of each element's run so far, at its last element
    longest = run_length.max(axis=axis, keepdims=True)
    first_longest = (run_length == longest).argmax(axis=axis, keepdims=True)  # ends the smallest such run
    return xp.take_along_axis(order, first_longest, axis)


@tensor_method()
def mode(input, dim=-1, keepdim=False, *, out=None):
    """``(values, indices)``: the most frequent value along ``dim`` (the smallest on ties) and its last index."""
    axis = _check_dim(dim, input.array.ndim, "mode")
    if input.array.ndim and input.array.shape[axis] == 0:
        raise IndexError(f"mode(): Expected reduction dim {axis} to have non-zero size.")
    result = _select(input, dim, keepdim, "mode", "ModeBackward0", _mode_indices)
    return result if out is None else _write_pair("mode", result, out)


def _quantile_positions(q, op):
    """``q`` (a number or a 0-d/1-d tensor) as a float64 host list and whether it was a scalar."""
    if isinstance(q, Tensor):
        if q.array.ndim > 1:
            raise RuntimeError(f"{op}() q must be a scalar or 1D tensor")
        values, scalar = [float(v) for v in q.reshape(-1).tolist()], q.array.ndim == 0
    elif isinstance(q, numbers.Real):
        values, scalar = [float(q)], True
    else:
        raise argument_type_error(f"{op}(): argument 'q' (position 2) must be Tensor or float, not "
                                  f"{type(q).__name__}", q, "Tensor")
    for v in values:
        if not 0 <= v <= 1:
            raise RuntimeError(f"{op}() q must be in the range [0, 1] but got {v}")
    return values, scalar


def _quantile(input, q, dim, keepdim, interpolation, out, op, ignore_nan):
    if input.array.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"{op}() input tensor must be either float or double dtype")
    if interpolation not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise RuntimeError(f"{op}() interpolation must be one of linear, lower, higher, midpoint or nearest. "
                           f"Got {interpolation}")
    if isinstance(q, Tensor) and q.array.dtype != input.array.dtype:
        raise RuntimeError(f"{op}() q tensor must be same dtype as the input tensor")
    qs, scalar = _quantile_positions(q, op)
    if input.array.size == 0:
        raise RuntimeError(f"{op}() input tensor must be non-empty")
    if dim is None:
        rows, axis = reshape(input, (-1,)), 0
        kept = (1,) * input.array.ndim
    else:
        axis = _check_dim(dim, input.array.ndim, op)
        rows = input if input.array.ndim else reshape(input, (1,))
        kept = _kept_shape(input.array.shape, (axis,))
    ordered = movedim(rows.sort(dim=axis).values, axis, -1)  # (..., n), NaN last
    xp = array_module(input.array)
    n = ordered.array.shape[-1]
    nan = xp.isnan(ordered.array)
    count = (n - nan.sum(axis=-1, keepdims=True)) if ignore_nan else xp.full(nan.shape[:-1] + (1,), n)
    ranks = as_array(qs, np.float64, like=input.array).reshape((-1,) + (1,) * ordered.array.ndim) * \
        xp.maximum(count - 1, 0)
    if interpolation == "nearest":
        ranks = xp.round(ranks)
    lower, upper = xp.floor(ranks), xp.ceil(ranks)
    if interpolation == "lower":
        upper = lower
    elif interpolation == "higher":
        lower = upper
    shape = ranks.shape[:1] + ordered.array.shape[:-1] + (1,)
    stack = broadcast_to(ordered.unsqueeze(0), ranks.shape[:1] + ordered.array.shape)
    low = gather(stack, -1, _new(xp.broadcast_to(lower.astype(np.int64), shape)))
    high = gather(stack, -1, _new(xp.broadcast_to(upper.astype(np.int64), shape)))
    if interpolation == "midpoint":
        weight = xp.full(shape, 0.5)
    else:
        weight = xp.broadcast_to(ranks - lower, shape)
    result = low.lerp(high, _new(weight.astype(input.array.dtype)))
    undefined = (count == 0) if ignore_nan else nan.any(axis=-1, keepdims=True)
    if bool(undefined.any()):
        result = result.masked_fill(_new(xp.broadcast_to(undefined, shape)), np.nan)
    result = result.squeeze(-1)
    if keepdim:
        result = result.reshape(ranks.shape[:1] + kept)
    if scalar:
        result = result.squeeze(0)
    return write_out(op, result, out)


@tensor_method()
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """The ``q``-th quantiles along ``dim`` (of all elements when None); NaN if a slice holds NaN."""
    return _quantile(input, q, dim, keepdim, interpolation, out, "quantile", False)


@tensor_method()
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """``quantile`` of the non-NaN elements (NaN where a slice has none)."""
    return _quantile(input, q, dim, keepdim, interpolation, out, "nanquantile", True)


# ----- a moment with the mean, the two extremes -----
class VarMean(Var):
    """``(var, mean)`` in one node: the gradients of both outputs add up."""

    def forward(self, x):
        variance = self.wide_variance(x).astype(x.dtype, copy=False)
        return self.spread(variance), x.mean(axis=self.axes, keepdims=self.keepdim).astype(x.dtype, copy=False)

    @staticmethod
    def spread(variance):
        return variance

    def backward(self, g_spread, g_mean):
        g = None
        if g_spread is not None:
            g = self.spread_backward(g_spread)
        if g_mean is not None:
            count = _reduced_count(self.in_shape, self.axes)
            from_mean = expand_reduced(g_mean, self.in_shape, self.axes, self.keepdim) / count
            g = from_mean if g is None else g + from_mean
        return g

    def spread_backward(self, g):
        return Var.backward(self, g)


class StdMean(VarMean):
    """``(std, mean)`` in one node."""

    @np.errstate(all="ignore")
    def forward(self, x):
        spread, average = super().forward(x)
        self.save_for_backward(spread)
        return spread, average

    @staticmethod
    def spread(variance):
        return array_module(variance).sqrt(variance)

    def spread_backward(self, g):
        std = constant_like(self.saved(1), g)
        return Var.backward(self, (g / (std * 2)).masked_fill(std == 0, 0))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` over ``dim``; the std divides by ``N - correction``."""
    return _moment(StdMean, input, dim, unbiased, keepdim, correction, "std_mean")


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` over ``dim``; the variance divides by ``N - correction``."""
    return _moment(VarMean, input, dim, unbiased, keepdim, correction, "var_mean")


class Aminmax(Function):
    """``(min, max)`` over ``axes`` in one node; tied extremes share each gradient evenly."""

    saves = (0,)

    def __init__(self, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim

    def forward(self, x):
        self.in_shape = x.shape
        low, high = x.min(axis=self.axes, keepdims=self.keepdim), x.max(axis=self.axes, keepdims=self.keepdim)
        self.save_for_backward(as_array(low, like=x), as_array(high, like=x))
        return low, high

    def backward(self, g_min, g_max):
        x = self.saved(0).array
        g = None
        for grad, extreme in ((g_min, self.saved(1)), (g_max, self.saved(2))):
            if grad is None:
                continue
            hit = x == extreme.reshape(_kept_shape(x.shape, self.axes))
            share = constant_like(hit / hit.sum(axis=self.axes, keepdims=True), grad)
            part = expand_reduced(grad, self.in_shape, self.axes, self.keepdim) * share
            g = part if g is None else g + part
        return g


@tensor_method()
def aminmax(input, *, dim=None, keepdim=False, out=None):
    """``(min, max)`` over ``dim`` (default all) as a named tuple."""
    axes = _axes(input, dim, "aminmax")
    _require_nonempty(input, axes, "aminmax")
    if input.array.ndim == 0 or axes is None and not keepdim:
        axes = None
    low, high = Aminmax(axes, keepdim)(input)
    if out is not None:
        low, high = write_out("aminmax", low, out[0]), write_out("aminmax", high, out[1])
    return aminmax_result(low, high)


# ----- scans -----
class CumExtreme(Function):
    """The running extreme along ``axis`` as ``(values, indices)``; the gradient adds up at the indices."""

    def __init__(self, axis, ufunc, node_name):
        self.axis, self.ufunc, self.node_name = axis, ufunc, node_name

    def forward(self, x):
        xp = array_module(x)
        row = x.reshape(x.shape or (1,))
        values = getattr(xp, self.ufunc).accumulate(row, axis=self.axis)
        n = row.shape[self.axis]
        positions = xp.arange(n).reshape((n,) + (1,) * (row.ndim - self.axis - 1))
        current = (row == values) | (xp.isnan(row) if is_floating(row.dtype) else False)
        indices = xp.maximum.accumulate(xp.where(current, positions, 0), axis=self.axis).astype(np.int64)
        self.save_for_backward(_new(indices))
        return values.reshape(x.shape), indices.reshape(x.shape)

    def backward(self, g_values, g_indices):
        indices = self.saved(0)
        if g_values.array.ndim == 0:
            return g_values
        return scatter_add(g_values * 0, self.axis, indices, g_values)

    def name(self):
        return self.node_name


def _cum_extreme(input, dim, ufunc, op, out):
    axis = _check_dim(dim, input.array.ndim, op)
    values, indices = CumExtreme(axis, ufunc, op.capitalize() + "Backward0")(input)
    result = return_types[op](values, indices)
    return result if out is None else _write_pair(op, result, out)


@tensor_method()
def cummax(input, dim, *, out=None):
    """``(values, indices)``: the running maximum along ``dim`` and where it was last reached (NaN propagates)."""
    return _cum_extreme(input, dim, "maximum", "cummax", out)


@tensor_method()
def cummin(input, dim, *, out=None):
    """``(values, indices)``: the running minimum along ``dim`` and where it was last reached (NaN propagates)."""
    return _cum_extreme(input, dim, "minimum", "cummin", out)


class Logcumsumexp(Function):
    """``log(cumsum(exp(x)))`` along ``axis`` without overflow; d/dx_i = sum_{j >= i} gy_j exp(x_i - y_j)."""

    saves = (0,)
    saves_output = True

    def __init__(self, axis):
        self.axis = axis

    @np.errstate(all="ignore")
    def forward(self, x):
        xp = array_module(x)
        row = x.reshape(x.shape or (1,))
        top = row.max(axis=self.axis, keepdims=True) if row.size else row
        top = xp.where(xp.isfinite(top), top, 0)
        return (xp.log(xp.exp(row - top).cumsum(axis=self.axis)) + top).reshape(x.shape)

    def backward(self, gy):
        x, y = self.saved(0), self.saved_output()
        if x.array.ndim == 0:
            return gy
        shift = float(y.array.max()) if y.array.size else 0.0
        weighted = (gy * (shift - y).exp()).flip(self.axis).cumsum(self.axis).flip(self.axis)
        return weighted * (x - shift).exp()


@tensor_method()
def logcumsumexp(input, dim, *, out=None):
    """``log(cumsum(exp(input)))`` along ``dim``, computed stably."""
    axis = _check_dim(dim, input.array.ndim, "logcumsumexp")
    if not is_floating(input.array.dtype):
        input = input.float()
    return write_out("logcumsumexp", Logcumsumexp(axis)(input), out)
