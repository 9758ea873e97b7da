"""Searching and counting: searchsorted, bucketize, bincount, histc, unique, unique_consecutive.

Their results are indices or counts: no gradient flows through them, as in PyTorch.
"""
import numbers

import numpy as np

from ..dtypes import is_floating
from .. import dtypes
from ..arrays import array_module, as_array
from ..tensor import Tensor, _new, _check_dim, argument_type_error
from ._registry import tensor_method
from ._util import _SCALAR_TYPE_NAMES, write_out

__all__ = ["searchsorted", "bucketize", "bincount", "histc", "unique", "unique_consecutive"]


def _not_implemented(op, tensor):
    return NotImplementedError(f'"{op}" not implemented for \'{_SCALAR_TYPE_NAMES[tensor.array.dtype.name]}\'')


def _positions(sorted_rows, values, right):
    """For each value, how many elements of its row of ``sorted_rows`` are below it (or not above, ``right``)."""
    xp = array_module(sorted_rows, values)
    if sorted_rows.ndim == 1:
        return xp.searchsorted(sorted_rows, values, side="right" if right else "left")
    below = sorted_rows[..., None, :] <= values[..., :, None] if right else \
        sorted_rows[..., None, :] < values[..., :, None]
    return below.sum(axis=-1)


def _search(boundaries, values, right, out_int32, op):
    """The insertion positions of ``values`` (a tensor or a number) in ``boundaries``' last dim."""
    scalar = not isinstance(values, Tensor)
    if scalar and not isinstance(values, numbers.Number):
        raise argument_type_error(f"{op}(): argument 'input' must be Tensor or Number, not {type(values).__name__}",
                                  values, "Tensor")
    v = as_array(values, like=boundaries.array) if scalar else values.array
    b = boundaries.array
    if b.ndim > 1 and (scalar or v.ndim != b.ndim or v.shape[:-1] != b.shape[:-1]):
        raise RuntimeError(f"{op}(): boundaries tensor should be 1 dimension or the first N-1 dimensions of "
                           f"boundaries tensor and input value tensor must match, but we got boundaries tensor "
                           f"{list(b.shape)} and input value tensor {list(v.shape)}")
    if b.ndim == 0:
        raise RuntimeError(f"{op}(): boundaries tensor should have positive dimension, but got 0 dimension")
    target = dtypes.result_type(b, v)
    found = _positions(b.astype(target, copy=False), v.astype(target, copy=False), right)
    return _new(as_array(found, np.int32 if out_int32 else np.int64, like=b))


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None, out=None):
    """Indices where ``input``'s values would be inserted in ``sorted_sequence``'s last dim to keep it sorted."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    if sorter is not None:
        sorted_sequence = sorted_sequence.gather(-1, sorter)
    result = _search(sorted_sequence, input, right, out_int32, "searchsorted")
    return write_out("searchsorted", result, out)


@tensor_method()
def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """The bucket of each element of ``input``: its insertion index in the 1-D sorted ``boundaries``."""
    if not isinstance(boundaries, Tensor):
        raise argument_type_error(f"bucketize(): argument 'boundaries' (position 2) must be Tensor, not "
                                  f"{type(boundaries).__name__}", boundaries, "Tensor")
    if boundaries.array.ndim != 1:
        raise RuntimeError(f"bucketize(): boundaries tensor must be 1 dimension, but got dim {boundaries.array.ndim}")
    return write_out("bucketize", _search(boundaries, input, right, out_int32, "bucketize"), out)


@tensor_method()
def bincount(input, weights=None, minlength=0):
    """How often each value 0, 1, ... occurs in the 1-D non-negative integer ``input`` (or its summed weights)."""
    if input.array.dtype.kind not in "biu":
        raise _not_implemented("bincount_cpu", input)
    if input.array.ndim != 1 or (input.array.size and bool((input.array < 0).any())):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    xp = array_module(input.array)
    length = max(int(input.array.max()) + 1 if input.array.size else 0, minlength)
    if weights is None:
        counts = xp.zeros(length, dtype=np.int64)
        xp.add.at(counts, input.array, 1)
        return _new(counts)
    if not isinstance(weights, Tensor) or weights.array.shape != input.array.shape:
        raise RuntimeError("bincount(): weights should be 1-d and have the same length as input")
    w = weights.array
    dtype = w.dtype if is_floating(w.dtype) else np.dtype(np.float64)
    sums = xp.zeros(length, dtype=dtype)
    xp.add.at(sums, input.array, w.astype(dtype, copy=False))
    return _new(sums)


@tensor_method()
def histc(input, bins=100, min=0, max=0, *, out=None):
    """A histogram of ``bins`` equal bins over ``[min, max]`` (the data's range when both are 0)."""
    if not is_floating(input.array.dtype):
        raise _not_implemented("histogram_cpu", input)
    if bins <= 0:
        raise RuntimeError(f"torch.histc: bins must be > 0, but got {bins} for dimension 0")
    data = input.array.reshape(-1)
    low, high = float(min), float(max)
    if low == high and data.size:
        low, high = float(data.min()), float(data.max())
    if low == high:
        low, high = low - 1, high + 1
    if low > high:
        raise RuntimeError(f"torch.histc: max must be larger than min, but got min {min} and max {max}")
    xp = array_module(data)
    inside = data[(data >= low) & (data <= high)]
    position = ((inside.astype(np.float64) - low) * bins / (high - low)).astype(np.int64)
    position = xp.minimum(position, bins - 1)
    counts = xp.zeros(bins, dtype=input.array.dtype)
    xp.add.at(counts, position, 1)
    return write_out("histc", _new(counts), out)


def _run_starts(rows):
    """Boolean starts of runs of equal rows (``rows``: a 2-D array whose rows are compared whole)."""
    xp = array_module(rows)
    if not rows.shape[0]:
        return xp.zeros((0,), dtype=bool)
    different = (rows[1:] != rows[:-1])
    different = different.reshape(different.shape[0], -1).any(axis=1)
    return xp.concatenate([xp.ones((1,), dtype=bool), different])


def _runs(input, dim, sort, op):
    """``(values, inverse, counts)`` of the runs of equal slices along ``dim`` (of the flattened input if None),
    after sorting when ``sort``."""
    xp = array_module(input.array)
    if dim is None:
        rows = input.array.reshape(-1, 1)
        axis = None
    else:
        axis = _check_dim(dim, input.array.ndim, op)
        rows = xp.moveaxis(input.array, axis, 0)
        rows = rows.reshape(rows.shape[0], -1) if rows.ndim else rows.reshape(1, 1)
    n = rows.shape[0]
    if sort and n:
        keys = tuple(rows[:, k] for k in range(rows.shape[1] - 1, -1, -1))
        order = xp.lexsort(xp.stack(keys)) if len(keys) > 1 else rows[:, 0].argsort(kind="stable")
    else:
        order = xp.arange(n)
    ordered = rows[order]
    starts = _run_starts(ordered)
    group = xp.cumsum(starts) - 1
    inverse = xp.empty(n, dtype=np.int64)
    inverse[order] = group
    first = xp.nonzero(starts)[0]
    counts = xp.diff(xp.concatenate([first, xp.asarray([n])])).astype(np.int64) if n else xp.zeros(0, np.int64)
    if axis is None:
        values = ordered[first, 0]
        inverse = inverse.reshape(input.array.shape)
    else:
        moved = xp.moveaxis(input.array, axis, 0)[order][first] if input.array.ndim else input.array.reshape(1)
        values = xp.moveaxis(moved, 0, axis) if input.array.ndim else moved
    return _new(as_array(values)), _new(inverse), _new(as_array(counts, np.int64))


def _unique_result(values, inverse, counts, return_inverse, return_counts):
    result = (values,) + ((inverse,) if return_inverse else ()) + ((counts,) if return_counts else ())
    return result[0] if len(result) == 1 else result


@tensor_method()
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (or slices along ``dim``), sorted; optionally where each element went and how many."""
    values, inverse, counts = _runs(input, dim, True, "unique")
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


@tensor_method()
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """The first of each run of equal consecutive values (or slices along ``dim``)."""
    values, inverse, counts = _runs(input, dim, False, "unique_consecutive")
    return _unique_result(values, inverse, counts, return_inverse, return_counts)
