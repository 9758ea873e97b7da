"""The device backends' "pool" kernels: every window as one gather, then a masked max or sum (CuPy's kernels).

The interface of the numpy backend's ``kernels.pool`` (``geometry.Windows`` per
spatial axis, flat in-plane indices for max pooling), written on ``xp``. Each
axis's windows become a (outputs, longest window) table of input positions and
a mask of the positions inside the window; the three tables combine into one
index of the flattened plane, so a pool is one ``take`` and one reduction.
"""
import math

import numpy as np

from ..arrays import array_module, as_array, from_numpy
from ..kernels.pool import divisors  # noqa: F401  (host arithmetic on the windows; avg_pool moves them)


def _axis_table(windows):
    """(positions (O, L), inside (O, L)) of one axis's windows, L the longest window."""
    longest = int((-(-(windows.hi - windows.lo) // windows.step)).max(initial=1))
    positions = windows.lo[:, None] + np.arange(max(longest, 1)) * windows.step
    return np.minimum(positions, np.maximum(windows.hi[:, None] - 1, 0)), positions < windows.hi[:, None]


def _plane_table(windows, plane_shape):
    """The flat in-plane index (outputs, taps) of every tap of every window, and whether it lies in the window."""
    tables = [_axis_table(w) for w in windows]
    index, inside = np.zeros((1, 1), dtype=np.int64), np.ones((1, 1), dtype=bool)
    for (positions, mask), size in zip(tables, plane_shape):
        index = (index[:, None, :, None] * size + positions[None, :, None, :]).reshape(
            index.shape[0] * positions.shape[0], -1)
        inside = (inside[:, None, :, None] & mask[None, :, None, :]).reshape(index.shape)
    return index, inside


def _gathered(x, windows):
    """``x`` (..., *plane) as (volumes, outputs, taps) of its window taps, with the on-device index and mask."""
    spatial = len(windows)
    plane_shape = x.shape[x.ndim - spatial:]
    index, inside = (from_numpy(t, like=x) for t in _plane_table(windows, plane_shape))
    flat = array_module(x).ascontiguousarray(x).reshape(math.prod(x.shape[:x.ndim - spatial]), math.prod(plane_shape))
    return flat[:, index], index, inside


def _out_shape(x, windows):
    return x.shape[:x.ndim - len(windows)] + tuple(w.lo.size for w in windows)


def max_pool(x, windows):
    """Max over each window of ``x`` (..., *size): the maxima and their flat in-plane indices (int64; -1 where a
    window holds no input)."""
    xp = array_module(x)
    taps, index, inside = _gathered(x, windows)
    taps = xp.where(inside, taps, x.dtype.type(-np.inf))
    nan = xp.isnan(taps)  # as the numpy backend's loop: the first maximum, or the last NaN (NaN propagates)
    last_nan = taps.shape[-1] - 1 - nan[..., ::-1].argmax(axis=-1)
    best = xp.where(nan.any(axis=-1), last_nan, taps.argmax(axis=-1))
    out = xp.take_along_axis(taps, best[..., None], axis=-1)[..., 0]
    rows = xp.arange(index.shape[0])
    argmax = xp.where(inside.any(axis=-1), index[rows, best], -1)
    shape = _out_shape(x, windows)
    return out.reshape(shape), argmax.reshape(shape)


def _planes(values, index, plane_size):
    """Zero planes for the rows of ``values`` (count, n) and where each value goes: (row, flat ``index``)."""
    xp = array_module(values)
    out = xp.zeros((values.shape[0], plane_size), dtype=values.dtype)
    rows = xp.broadcast_to(xp.arange(values.shape[0])[:, None], values.shape)
    return out, (rows, xp.broadcast_to(index, values.shape))


def _per_plane(values, plane_shape):
    """``values`` (..., *spatial) as (planes, values per plane), and the leading shape."""
    lead = values.shape[:values.ndim - len(plane_shape)]
    return values.reshape(math.prod(lead), math.prod(values.shape[len(lead):])), lead


def scatter_to_planes(values, index, plane_shape):
    """Sum ``values`` into zero planes of ``plane_shape`` at the flat ``index`` of each value (none where -1: a
    window with no input)."""
    xp = array_module(values)
    flat, lead = _per_plane(values, plane_shape)
    index = index.reshape(flat.shape)
    out, at = _planes(flat, xp.maximum(index, 0), math.prod(plane_shape))
    xp.add.at(out, at, xp.where(index >= 0, flat, 0))
    return out.reshape(lead + tuple(plane_shape))


def place_in_planes(values, index, plane_shape):
    """Zero planes of ``plane_shape`` holding ``values`` at their flat ``index`` (max unpooling)."""
    flat, lead = _per_plane(values, plane_shape)
    out, at = _planes(flat, index.reshape(flat.shape), math.prod(plane_shape))
    out[at] = flat
    return out.reshape(lead + tuple(plane_shape))


def gather_from_planes(planes, index, plane_shape):
    """``planes[..., index]`` per plane: the adjoint of ``scatter_to_planes`` (0 where ``index`` is -1)."""
    xp = array_module(planes)
    spatial = len(plane_shape)
    flat_index = index.reshape(index.shape[:index.ndim - spatial] + (-1,))
    flat_planes = planes.reshape(planes.shape[:planes.ndim - spatial] + (math.prod(plane_shape),))
    picked = xp.take_along_axis(flat_planes, xp.maximum(flat_index, 0), axis=-1)
    return xp.where(flat_index >= 0, picked, 0).reshape(index.shape)


def avg_pool(x, windows, divisor):
    """The sum over each window of ``x`` (..., *size), divided by ``divisor`` (the output's spatial shape)."""
    xp = array_module(x)
    taps, _, inside = _gathered(x, windows)
    sums = xp.where(inside, taps, 0).sum(axis=-1).reshape(_out_shape(x, windows))
    return (sums / as_array(divisor, like=x)).astype(x.dtype, copy=False)


def avg_pool_adjoint(gy, windows, divisor, plane_shape):
    """The adjoint of ``avg_pool``: each output's gradient spread evenly over its window."""
    xp = array_module(gy)
    index, inside = (from_numpy(t, like=gy) for t in _plane_table(windows, plane_shape))
    flat, lead = _per_plane((gy / as_array(divisor, like=gy)).astype(gy.dtype, copy=False), plane_shape)
    shares = xp.where(inside, flat[:, :, None], 0).reshape(flat.shape[0], inside.size)
    out, at = _planes(shares, index.reshape(-1), math.prod(plane_shape))
    xp.add.at(out, at, shares)
    return out.reshape(lead + tuple(plane_shape))
