"""Pooling kernels over volumes: max (with argmax), average, their adjoints and max unpooling.

Arrays are viewed as volumes (P, D, H, W), one per (image, channel); 1-D and
2-D pools come with depth (and height) 1 (``geometry.SINGLE_POSITION``
windows). Every kernel runs its volumes in parallel (on large enough arrays,
see ``twin``). Windows come from ``geometry.sliding_windows`` or
``geometry.adaptive_windows``, one per spatial axis; an index is the flat
position ``(d * H + h) * W + w`` inside the volume (``h * W + w`` in a plane),
as PyTorch's ``return_indices`` gives it.

Max pooling over sliding windows runs on a kernel compiled for its window
shape and stride: with the taps and strides as compile-time constants Numba
unrolls the window and vectorises the row of outputs (LeNet-5's first pool,
64x6x28x28 in 2x2 windows: 0.16 ms, against 0.38 ms with the strides as
run-time arguments and int64 indices; the kernel taking the windows at run
time serves adaptive windows). Indices come back int32 where a volume allows.
"""
import functools
import math

import numpy as np
from numba import njit, prange

from .geometry import SINGLE_POSITION
from .twin import TwinKernel, named_for


@TwinKernel
def _max_pool(x, lowest, d_lo, d_hi, d_step, h_lo, h_hi, h_step, w_lo, w_hi, w_step, out, argmax):
    """Max pooling over any windows (adaptive ones); ``lowest`` is -inf in x's dtype, so comparisons stay
    in that dtype (no float64 round trips)."""
    height, width = x.shape[2], x.shape[3]
    for p in prange(x.shape[0]):
        for od in range(out.shape[1]):
            d0, d1 = d_lo[od], d_hi[od]
            for oh in range(out.shape[2]):
                h0, h1 = h_lo[oh], h_hi[oh]
                for ow in range(out.shape[3]):
                    best = lowest
                    best_at = -1
                    for i_d in range(d0, d1, d_step):
                        for ih in range(h0, h1, h_step):
                            for iw in range(w_lo[ow], w_hi[ow], w_step):
                                v = x[p, i_d, ih, iw]
                                if best_at < 0 or v > best or v != v:  # first maximum wins; NaN propagates
                                    best = v
                                    best_at = (i_d * height + ih) * width + iw
                    out[p, od, oh, ow] = best
                    argmax[p, od, oh, ow] = best_at


@functools.lru_cache(maxsize=None)
def _sliding_max_pool(kernel_d, kernel_h, kernel_w, stride_d, stride_h, stride_w, dilation_d, dilation_h,
                      dilation_w):
    """The max-pool kernel for one window shape and stride; each compiles once (and is cached on disk).

    In each row of outputs, the windows wholly inside the volume (columns
    ``first`` to ``stop``) take the unrolled, unchecked loop, which Numba
    vectorises: the strides are compile-time constants, the loads and stores
    are indexed by unsigned ints (Numba adds no wraparound for negative indices
    then) and ``argmax`` is int32 where the volume allows (32-bit lanes, as
    float32's). The windows that reach into the padding check each tap.
    """
    span_d, span_h, span_w = (kernel_d - 1) * dilation_d, (kernel_h - 1) * dilation_h, (kernel_w - 1) * dilation_w

    @njit(inline="always")
    def checked(volume, lowest, front, top, left):
        """The maximum of the window at (front, top, left) and its flat index, skipping taps outside the volume."""
        depth, height, width = volume.shape
        best, best_at = lowest, -1
        for kd in range(kernel_d):
            i_d = front + kd * dilation_d
            for kh in range(kernel_h):
                ih = top + kh * dilation_h
                for kw in range(kernel_w):
                    iw = left + kw * dilation_w
                    if 0 <= i_d < depth and 0 <= ih < height and 0 <= iw < width:
                        v = volume[i_d, ih, iw]
                        take = (v > best) | (v != v) | (best_at < 0)  # first maximum wins; NaN propagates
                        best = v if take else best
                        best_at = (i_d * height + ih) * width + iw if take else best_at
        return best, best_at

    def max_pool(x, lowest, pad_d, pad_h, pad_w, out, argmax):
        depth, height, width = x.shape[1], x.shape[2], x.shape[3]
        width_out = out.shape[3]
        first = min(-(-pad_w // stride_w), width_out)  # the columns of windows wholly inside: first to stop
        stop = max(first, min((width - 1 - span_w + pad_w) // stride_w + 1, width_out))
        flat = x.reshape(x.shape[0], depth * height * width)
        for p in prange(x.shape[0]):
            volume, planes = x[p], flat[p]
            for od in range(out.shape[1]):
                front = od * stride_d - pad_d
                planes_inside = front >= 0 and front + span_d < depth
                for oh in range(out.shape[2]):
                    top = oh * stride_h - pad_h
                    inside = planes_inside and top >= 0 and top + span_h < height
                    begin, end = (first, stop) if inside else (width_out, width_out)  # the unchecked columns
                    best_row, at_row = out[p, od, oh], argmax[p, od, oh]
                    for ow in range(begin, end):
                        corner = (front * height + top) * width + ow * stride_w - pad_w
                        best, best_at = planes[np.uint64(corner)], corner
                        for kd in range(kernel_d):
                            for kh in range(kernel_h):
                                for kw in range(kernel_w):
                                    at = corner + (kd * dilation_d * height + kh * dilation_h) * width + kw * dilation_w
                                    v = planes[np.uint64(at)]
                                    take = (v > best) | (v != v)  # first maximum wins; NaN propagates
                                    best = v if take else best
                                    best_at = at if take else best_at
                        best_row[np.uint64(ow)] = best
                        at_row[np.uint64(ow)] = best_at
                    for ow in range(begin):
                        best_row[ow], at_row[ow] = checked(volume, lowest, front, top, ow * stride_w - pad_w)
                    for ow in range(end, width_out):
                        best_row[ow], at_row[ow] = checked(volume, lowest, front, top, ow * stride_w - pad_w)
    return TwinKernel(named_for(max_pool, kernel_d, kernel_h, kernel_w, stride_d, stride_h, stride_w, dilation_d,
                                dilation_h, dilation_w))


@TwinKernel
def _scatter(values, index, out):
    """out[p] = 0, then out[p, index[p, k]] += values[p, k] (negative indices are skipped)."""
    for p in prange(values.shape[0]):
        out[p] = 0
        for k in range(values.shape[1]):
            i = index[p, k]
            if i >= 0:
                out[p, i] += values[p, k]


@TwinKernel
def _place(values, index, out):
    """out[p] = 0, then out[p, index[p, k]] = values[p, k] in order (the last of repeated indices stays)."""
    for p in prange(values.shape[0]):
        out[p] = 0
        for k in range(values.shape[1]):
            out[p, index[p, k]] = values[p, k]


@TwinKernel
def _avg_pool(x, d_lo, d_hi, h_lo, h_hi, w_lo, w_hi, divisor, out):
    for p in prange(x.shape[0]):
        volume = x[p]
        for od in range(out.shape[1]):
            d0, d1 = d_lo[od], d_hi[od]  # hoisted by hand: else the depth loop slows 2-D pools by ~25%
            for oh in range(out.shape[2]):
                h0, h1 = h_lo[oh], h_hi[oh]
                for ow in range(out.shape[3]):
                    total = 0.0  # accumulate in float64
                    for i_d in range(d0, d1):
                        for ih in range(h0, h1):
                            row = volume[i_d, ih]
                            for iw in range(w_lo[ow], w_hi[ow]):
                                total += row[iw]
                    out[p, od, oh, ow] = total / divisor[od, oh, ow]


@TwinKernel
def _avg_pool_adjoint(gy, d_lo, d_hi, h_lo, h_hi, w_lo, w_hi, divisor, gx):
    for p in prange(gy.shape[0]):
        volume = gx[p]
        volume[:] = 0
        for od in range(gy.shape[1]):
            d0, d1 = d_lo[od], d_hi[od]
            for oh in range(gy.shape[2]):
                h0, h1 = h_lo[oh], h_hi[oh]
                for ow in range(gy.shape[3]):
                    share = gy[p, od, oh, ow] / divisor[od, oh, ow]
                    for i_d in range(d0, d1):
                        for ih in range(h0, h1):
                            row = volume[i_d, ih]
                            for iw in range(w_lo[ow], w_hi[ow]):
                                row[iw] += share


def _in_3d(windows):
    """The (depth, rows, columns) windows of a pool over the last ``len(windows)`` axes."""
    return (SINGLE_POSITION,) * (3 - len(windows)) + tuple(windows)


def _split(shape, spatial):
    """``shape`` as (the number of volumes, the spatial sizes)."""
    return math.prod(shape[:len(shape) - spatial]), tuple(shape[len(shape) - spatial:])


def _volumes(x, spatial):
    """``x`` (..., *size) with ``spatial`` trailing spatial axes as contiguous volumes (P, D, H, W)."""
    count, size = _split(x.shape, spatial)
    return np.ascontiguousarray(x).reshape((count,) + (1,) * (3 - spatial) + size)


def _out_shape(x, windows):
    return x.shape[:x.ndim - len(windows)] + tuple(w.lo.size for w in windows)


def max_pool(x, windows):
    """Max over each window of ``x`` (..., *size), one Windows per spatial axis: the maxima and their flat
    indices (int32 where a volume holds fewer than 2**31 positions, else int64)."""
    volumes = _volumes(x, len(windows))
    depth, rows, cols = _in_3d(windows)
    out = np.empty((volumes.shape[0], depth.lo.size, rows.lo.size, cols.lo.size), dtype=x.dtype)
    argmax = np.empty(out.shape, dtype=np.int32 if math.prod(volumes.shape[1:]) < 1 << 31 else np.int64)
    lowest = x.dtype.type(-np.inf)
    slides = (depth.slide, rows.slide, cols.slide)
    if None not in slides:
        kernel = _sliding_max_pool(*(s.kernel for s in slides), *(s.stride for s in slides),
                                   *(s.dilation for s in slides))
        kernel.sized(volumes.size)(volumes, lowest, *(s.padding for s in slides), out, argmax)
    else:
        _max_pool.sized(volumes.size)(volumes, lowest, depth.lo, depth.hi, depth.step, rows.lo, rows.hi, rows.step,
                                      cols.lo, cols.hi, cols.step, out, argmax)
    shape = _out_shape(x, windows)
    return out.reshape(shape), argmax.reshape(shape)


def _into_volumes(kernel, values, index, plane_shape):
    """Run ``kernel`` (``_scatter`` or ``_place``) of ``values`` at ``index`` into zero volumes of ``plane_shape``."""
    count, _ = _split(values.shape, len(plane_shape))
    per_volume = values.size // count if count else 0
    out = np.empty((count, math.prod(plane_shape)), dtype=values.dtype)
    kernel.sized(out.size)(np.ascontiguousarray(values).reshape(count, per_volume),
                           np.ascontiguousarray(index).reshape(count, per_volume), out)
    return out.reshape(values.shape[:values.ndim - len(plane_shape)] + tuple(plane_shape))


def scatter_to_planes(values, index, plane_shape):
    """Sum ``values`` into zero planes (or volumes) of ``plane_shape`` at the flat ``index`` of each value."""
    return _into_volumes(_scatter, values, index, plane_shape)


def place_in_planes(values, index, plane_shape):
    """Zero planes (or volumes) of ``plane_shape`` holding ``values`` at their flat ``index`` (max unpooling).

    Every index must lie inside its plane; of repeated indices the last value stays, as in PyTorch.
    """
    return _into_volumes(_place, values, index, plane_shape)


def gather_from_planes(planes, index, plane_shape):
    """``planes[..., index]`` per plane (or volume) of ``plane_shape``: the adjoint of ``scatter_to_planes``."""
    spatial = len(plane_shape)
    flat_index = index.reshape(index.shape[:index.ndim - spatial] + (-1,))
    flat_planes = planes.reshape(planes.shape[:planes.ndim - spatial] + (math.prod(plane_shape),))
    picked = np.take_along_axis(flat_planes, np.maximum(flat_index, 0), axis=-1)
    return np.where(flat_index >= 0, picked, 0).reshape(index.shape)  # -1 marks a window with no input


def divisors(windows, count_include_pad=True, divisor_override=None, dtype=np.float32):
    """The divisor of every output of an average pool, shaped as the output's spatial axes."""
    if divisor_override is not None:
        return np.full(tuple(w.lo.size for w in windows), divisor_override, dtype=dtype)
    lengths = [w.extent if count_include_pad else w.hi - w.lo for w in windows]
    return functools.reduce(np.multiply.outer, lengths).astype(dtype)


def _divisor_3d(divisor):
    return divisor.reshape((1,) * (3 - divisor.ndim) + divisor.shape)


def avg_pool(x, windows, divisor):
    """The sum over each (unit-step) window of ``x`` (..., *size), divided by ``divisor`` (the output's size)."""
    volumes = _volumes(x, len(windows))
    depth, rows, cols = _in_3d(windows)
    divisor_3d = _divisor_3d(divisor)
    out = np.empty((volumes.shape[0],) + divisor_3d.shape, dtype=x.dtype)
    _avg_pool.sized(volumes.size)(volumes, depth.lo, depth.hi, rows.lo, rows.hi, cols.lo, cols.hi, divisor_3d, out)
    return out.reshape(_out_shape(x, windows))


def avg_pool_adjoint(gy, windows, divisor, plane_shape):
    """The adjoint of ``avg_pool``: each output's gradient spread evenly over its window."""
    spatial = len(windows)
    volumes = _volumes(gy, spatial)
    depth, rows, cols = _in_3d(windows)
    gx = np.empty((volumes.shape[0],) + (1,) * (3 - spatial) + tuple(plane_shape), dtype=gy.dtype)
    _avg_pool_adjoint.sized(gx.size)(volumes, depth.lo, depth.hi, rows.lo, rows.hi, cols.lo, cols.hi,
                                     _divisor_3d(divisor), gx)
    return gx.reshape(gy.shape[:gy.ndim - spatial] + tuple(plane_shape))
