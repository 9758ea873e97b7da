"""Pooling kernels over planes: max (with argmax), average, and their adjoints.

Arrays are viewed as planes (P, H, W), one per (image, channel); every kernel
runs its planes in parallel (on large enough arrays, see ``twin``). Windows
come from ``geometry.sliding_windows`` or ``geometry.adaptive_windows``; an
index is the flat position ``h * W + w`` inside the plane, as PyTorch's
``return_indices`` gives it.

Max pooling over sliding windows runs on a kernel compiled for its window
shape: with the taps as compile-time constants Numba unrolls the window and
compares without branches (LeNet-5's first pool, 64x6x28x28 in 2x2 windows:
0.08 ms, against 0.5 ms for the kernel taking the windows at run time, which
serves adaptive windows).
"""
import functools

import numpy as np
from numba import prange

from .twin import TwinKernel


@TwinKernel
def _max_pool(x, lowest, h_lo, h_hi, h_step, w_lo, w_hi, w_step, out, argmax):
    """Max pooling over any windows (adaptive ones); ``lowest`` is -inf in x's dtype, so comparisons stay
    in that dtype (no float64 round trips)."""
    width = x.shape[2]
    for p in prange(x.shape[0]):
        for oh in range(out.shape[1]):
            for ow in range(out.shape[2]):
                best = lowest
                best_at = -1
                for ih in range(h_lo[oh], h_hi[oh], h_step):
                    for iw in range(w_lo[ow], w_hi[ow], w_step):
                        v = x[p, ih, iw]
                        if best_at < 0 or v > best or v != v:  # first maximum wins; NaN propagates (as PyTorch)
                            best = v
                            best_at = ih * width + iw
                out[p, oh, ow] = best
                argmax[p, oh, ow] = best_at


@functools.lru_cache(maxsize=None)
def _sliding_max_pool(kernel_h, kernel_w, dilation_h, dilation_w):
    """The max-pool kernel for one window shape; each shape compiles once (and is cached on disk).

    Windows wholly inside the plane take the unrolled, unchecked loop; those
    that reach into the padding check each tap.
    """
    span_h, span_w = (kernel_h - 1) * dilation_h, (kernel_w - 1) * dilation_w

    @TwinKernel
    def max_pool(x, lowest, stride_h, stride_w, pad_h, pad_w, out, argmax):
        height, width = x.shape[1], x.shape[2]
        for p in prange(x.shape[0]):
            for oh in range(out.shape[1]):
                top = oh * stride_h - pad_h
                rows_inside = top >= 0 and top + span_h < height
                for ow in range(out.shape[2]):
                    left = ow * stride_w - pad_w
                    best = lowest
                    best_at = -1
                    if rows_inside and left >= 0 and left + span_w < width:
                        best = x[p, top, left]
                        best_at = top * width + left
                        for kh in range(kernel_h):
                            ih = top + kh * dilation_h
                            for kw in range(kernel_w):
                                iw = left + kw * dilation_w
                                v = x[p, ih, iw]
                                take = (v > best) | (v != v)  # first maximum wins; NaN propagates (as PyTorch)
                                best = v if take else best
                                best_at = ih * width + iw if take else best_at
                    else:
                        for kh in range(kernel_h):
                            ih = top + kh * dilation_h
                            for kw in range(kernel_w):
                                iw = left + kw * dilation_w
                                if 0 <= ih < height and 0 <= iw < width:
                                    v = x[p, ih, iw]
                                    take = (v > best) | (v != v) | (best_at < 0)
                                    best = v if take else best
                                    best_at = ih * width + iw if take else best_at
                    out[p, oh, ow] = best
                    argmax[p, oh, ow] = best_at
    return max_pool


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
def _avg_pool(x, h_lo, h_hi, w_lo, w_hi, divisor, out):
    for p in prange(x.shape[0]):
        for oh in range(out.shape[1]):
            for ow in range(out.shape[2]):
                total = 0.0  # accumulate in float64
                for ih in range(h_lo[oh], h_hi[oh]):
                    for iw in range(w_lo[ow], w_hi[ow]):
                        total += x[p, ih, iw]
                out[p, oh, ow] = total / divisor[oh, ow]


@TwinKernel
def _avg_pool_adjoint(gy, h_lo, h_hi, w_lo, w_hi, divisor, gx):
    for p in prange(gy.shape[0]):
        gx[p] = 0
        for oh in range(gy.shape[1]):
            for ow in range(gy.shape[2]):
                share = gy[p, oh, ow] / divisor[oh, ow]
                for ih in range(h_lo[oh], h_hi[oh]):
                    for iw in range(w_lo[ow], w_hi[ow]):
                        gx[p, ih, iw] += share


def _plane_count(x):
    return int(np.prod(x.shape[:-2], dtype=np.int64))


def _planes(x):
    """``x`` (..., H, W) as contiguous planes (P, H, W)."""
    return np.ascontiguousarray(x).reshape((_plane_count(x),) + x.shape[-2:])


def max_pool(x, rows, cols):
    """Max over each window of ``x`` (..., H, W): the maxima and their flat indices (int64)."""
    planes = _planes(x)
    out = np.empty((planes.shape[0], rows.lo.size, cols.lo.size), dtype=x.dtype)
    argmax = np.empty(out.shape, dtype=np.int64)
    lowest = x.dtype.type(-np.inf)
    if rows.slide is not None and cols.slide is not None:
        kernel = _sliding_max_pool(rows.slide.kernel, cols.slide.kernel, rows.slide.dilation, cols.slide.dilation)
        kernel.sized(planes.size)(planes, lowest, rows.slide.stride, cols.slide.stride, rows.slide.padding,
                                  cols.slide.padding, out, argmax)
    else:
        _max_pool.sized(planes.size)(planes, lowest, rows.lo, rows.hi, rows.step, cols.lo, cols.hi, cols.step,
                                     out, argmax)
    shape = x.shape[:-2] + out.shape[1:]
    return out.reshape(shape), argmax.reshape(shape)


def scatter_to_planes(values, index, plane_shape):
    """Sum ``values`` into zero planes of ``plane_shape`` at the flat ``index`` of each value."""
    planes, per_plane = _plane_count(values), values.shape[-2] * values.shape[-1]
    out = np.empty((planes, plane_shape[0] * plane_shape[1]), dtype=values.dtype)
    _scatter.sized(out.size)(np.ascontiguousarray(values).reshape(planes, per_plane),
                             index.reshape(planes, per_plane), out)
    return out.reshape(values.shape[:-2] + tuple(plane_shape))


def gather_from_planes(planes, index):
    """``planes[..., index]`` per plane: the adjoint of ``scatter_to_planes``."""
    flat_index = index.reshape(index.shape[:-2] + (index.shape[-2] * index.shape[-1],))
    flat_planes = planes.reshape(planes.shape[:-2] + (planes.shape[-2] * planes.shape[-1],))
    picked = np.take_along_axis(flat_planes, np.maximum(flat_index, 0), axis=-1)
    return np.where(flat_index >= 0, picked, 0).reshape(index.shape)  # -1 marks a window with no input


def divisors(rows, cols, count_include_pad=True, divisor_override=None, dtype=np.float32):
    """The divisor of every output of an average pool, shaped (OH, OW)."""
    if divisor_override is not None:
        return np.full((rows.lo.size, cols.lo.size), divisor_override, dtype=dtype)
    if count_include_pad:
        return np.multiply.outer(rows.extent, cols.extent).astype(dtype)
    return np.multiply.outer(rows.hi - rows.lo, cols.hi - cols.lo).astype(dtype)


def avg_pool(x, rows, cols, divisor):
    """The sum over each (unit-step) window of ``x`` (..., H, W), divided by ``divisor`` (OH, OW)."""
    planes = _planes(x)
    out = np.empty((planes.shape[0],) + divisor.shape, dtype=x.dtype)
    _avg_pool.sized(planes.size)(planes, rows.lo, rows.hi, cols.lo, cols.hi, divisor, out)
    return out.reshape(x.shape[:-2] + divisor.shape)


def avg_pool_adjoint(gy, rows, cols, divisor, plane_shape):
    """The adjoint of ``avg_pool``: each output's gradient spread evenly over its window."""
    planes = _planes(gy)
    gx = np.empty((planes.shape[0],) + tuple(plane_shape), dtype=gy.dtype)
    _avg_pool_adjoint.sized(gx.size)(planes, rows.lo, rows.hi, cols.lo, cols.hi, divisor, gx)
    return gx.reshape(gy.shape[:-2] + tuple(plane_shape))
