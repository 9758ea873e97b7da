"""The device backends' "conv" kernels: im2col + one batched GEMM (cuBLAS under CuPy), or cuDNN.

The same interface as the numpy backend's ``kernels.conv`` (volumes N, C, D, H, W;
``geometry.ConvGeometry``), written on ``xp`` so that it runs on any backend's
arrays: im2col and col2im are one strided slice copy per kernel tap of a
zero-padded volume, and each product is one ``xp.matmul`` over the batch and
the groups. Where ``cupyx.cudnn`` imports (CuPy 13; CuPy 14 dropped it) and the
padding is symmetric, ``PATH = "cudnn"`` runs cuDNN's convolutions instead;
``AUTOGRAD_CORE_CUDA_CONV=gemm|cudnn`` chooses (``benchmarks.gpu`` times both).
"""
import itertools
import math
import os

from ..arrays import array_module, backend_of


def _cudnn():
    try:
        from cupyx import cudnn
    except ImportError:
        return None
    return cudnn


CUDNN = _cudnn()
PATH = os.environ.get("AUTOGRAD_CORE_CUDA_CONV", "cudnn" if CUDNN is not None else "gemm")


def _uses_cudnn(z, geom):
    """cuDNN serves CuPy arrays of a geometry it can describe: padding equal on both sides of every axis."""
    if PATH != "cudnn" or CUDNN is None or backend_of(z).name != "cupy":
        return False
    return all((i + 2 * p - d * (k - 1) - 1) // s + 1 == o
               for i, p, d, k, s, o in zip(geom.in_size, geom.padding, geom.dilation, geom.kernel, geom.stride,
                                           geom.out_size))


def _padded_extent(geom):
    """The size of a zero-bordered volume holding the input and every tap of every output (d, h, w)."""
    return tuple(max(p + i, (o - 1) * s + (k - 1) * d + 1) for p, i, o, s, k, d in
                 zip(geom.padding, geom.in_size, geom.out_size, geom.stride, geom.kernel, geom.dilation))


def _taps(geom):
    """For each kernel tap (kd, kh, kw) in im2col's row order, the slices of the padded volume it reads."""
    for tap in itertools.product(*(range(k) for k in geom.kernel)):
        yield (slice(None), slice(None)) + tuple(slice(t * d, t * d + (o - 1) * s + 1, s) for t, d, o, s in
                                                 zip(tap, geom.dilation, geom.out_size, geom.stride))


def _interior(geom):
    return (slice(None), slice(None)) + tuple(slice(p, p + i) for p, i in zip(geom.padding, geom.in_size))


def _columns(xp, z, geom):
    """im2col of ``z`` as (N, G, C/G*KD*KH*KW, OD*OH*OW)."""
    n, channels = z.shape[:2]
    shape = (n, geom.groups, channels // geom.groups * math.prod(geom.kernel), math.prod(geom.out_size))
    if geom.pointwise:
        return z.reshape(shape)
    padded = xp.zeros((n, channels) + _padded_extent(geom), dtype=z.dtype)
    padded[_interior(geom)] = z
    col = xp.empty((n, channels, math.prod(geom.kernel)) + geom.out_size, dtype=z.dtype)
    for row, window in enumerate(_taps(geom)):
        col[:, :, row] = padded[window]
    return col.reshape(shape)


def _col2im(xp, col, geom, channels):
    """The adjoint of ``_columns``: each column entry added at the pixel it was read from, (N, C, D, H, W)."""
    n = col.shape[0]
    if geom.pointwise:
        return col.reshape((n, channels) + geom.in_size)
    col = col.reshape((n, channels, math.prod(geom.kernel)) + geom.out_size)
    padded = xp.zeros((n, channels) + _padded_extent(geom), dtype=col.dtype)
    for row, window in enumerate(_taps(geom)):
        padded[window] += col[:, :, row]
    return xp.ascontiguousarray(padded[_interior(geom)])


def _weight_matrices(w, groups):
    """A weight (O, C/G, KD, KH, KW) as (G, O/G, C/G*KD*KH*KW) matrices."""
    return w.reshape(groups, w.shape[0] // groups, math.prod(w.shape[1:]))


def _grouped_output(y, groups):
    """An (n, O, OD, OH, OW) array as (n, G, O/G, OD*OH*OW)."""
    return y.reshape(y.shape[0], groups, y.shape[1] // groups, math.prod(y.shape[2:]))


def _cudnn_run(function, arrays, geom, **options):
    """Run ``cupyx.cudnn``'s ``function`` on ``arrays`` (volumes, and None or a bias), as 2-D images when the
    depth and the kernel's depth are 1 (cuDNN's 2-D algorithms)."""
    planar = geom.in_size[0] == 1 and geom.kernel[0] == 1
    axes = slice(1, None) if planar else slice(None)
    arrays = [a.reshape(a.shape[:2] + a.shape[3:]) if planar and a is not None and a.ndim == 5 else a
              for a in arrays]
    function(*arrays, geom.padding[axes], geom.stride[axes], geom.dilation[axes], geom.groups, auto_tune=True,
             tensor_core="auto", **options)


def forward(z, w, geom, bias=None, keep_columns=False):
    """``(conv(z, w) + bias, columns)``; ``columns`` (im2col of z, for ``weight_grad``) only with ``keep_columns``
    on the GEMM path."""
    xp = array_module(z)
    n = z.shape[0]
    y = xp.empty((n, w.shape[0]) + geom.out_size, dtype=z.dtype)
    if _uses_cudnn(z, geom):
        _cudnn_run(CUDNN.convolution_forward, (xp.ascontiguousarray(z), xp.ascontiguousarray(w), bias, y), geom)
        return y, None
    col = _columns(xp, xp.ascontiguousarray(z), geom)
    product = xp.matmul(_weight_matrices(w, geom.groups), col)
    if bias is not None:
        product += bias.reshape(1, geom.groups, -1, 1)
    y[...] = product.reshape(y.shape)
    return y, (col if keep_columns else None)


def input_grad(gy, w, geom):
    """The adjoint of ``forward`` in its input (also conv_transpose's forward)."""
    xp = array_module(gy)
    channels = w.shape[1] * geom.groups
    if _uses_cudnn(gy, geom):
        gz = xp.empty((gy.shape[0], channels) + geom.in_size, dtype=gy.dtype)
        _cudnn_run(CUDNN.convolution_backward_data, (xp.ascontiguousarray(w), xp.ascontiguousarray(gy), None, gz),
                   geom, deterministic=False)
        return gz
    grads = _grouped_output(xp.ascontiguousarray(gy), geom.groups)
    col = xp.matmul(_weight_matrices(w, geom.groups).transpose(0, 2, 1), grads)
    return _col2im(xp, col, geom, channels)


def weight_grad(z, gy, geom, with_bias=False, columns=None):
    """The gradients of <conv(z, w) + b, gy> in ``w`` (O, C/G, KD, KH, KW) and, with ``with_bias``, in ``b``."""
    xp = array_module(z)
    channels = z.shape[1]
    gb = gy.sum(axis=(0, 2, 3, 4)) if with_bias else None
    shape = (gy.shape[1], channels // geom.groups) + geom.kernel
    if _uses_cudnn(z, geom):
        gw = xp.empty(shape, dtype=gy.dtype)
        _cudnn_run(CUDNN.convolution_backward_filter, (xp.ascontiguousarray(z), xp.ascontiguousarray(gy), gw), geom,
                   deterministic=False)
        return gw, gb
    col = columns if columns is not None else _columns(xp, xp.ascontiguousarray(z), geom)
    grads = _grouped_output(xp.ascontiguousarray(gy), geom.groups)
    gw = xp.matmul(grads, col.transpose(0, 1, 3, 2)).sum(axis=0)
    return gw.reshape(shape), gb
