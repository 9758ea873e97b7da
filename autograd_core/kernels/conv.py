"""Convolution on arrays: im2col + batched BLAS GEMM, and the two adjoints.

For a geometry ``g`` (see ``geometry.ConvGeometry``) with input z (N, C, D, H, W),
weight w (O, C/G, KD, KH, KW) and output y (N, O, OD, OH, OW) (1-D and 2-D
convolutions come with depth, and height, 1):

* ``forward(z, w, g, bias)``     y  = conv(z, w) + bias
* ``input_grad(gy, w, g)``       gz = conv^T(gy, w)   (also conv_transpose2d's forward)
* ``weight_grad(z, gy, g)``      gw = d<conv(z, w), gy>/dw  (and gb = d/db, on request)

Each image's columns form a (C*KD*KH*KW, OD*OH*OW) matrix per group, so one
``np.matmul`` of the weight over a chunk of images yields NCDHW output
directly. The bias rides along in the same GEMM: a row of ones under each
group's columns meets a bias column beside the weight. The batch is cut into
chunks so that the column buffer stays under ``COLUMN_BUDGET`` elements, and
each chunk's images are shared out among the threads (``batch_threads``: one
image's GEMM is too small for OpenBLAS to split).

``forward`` can hand its columns back to the caller, which passes them to
``weight_grad`` in the backward pass instead of rebuilding them.

Arrays are float32 or float64 (``ops.conv`` checks). Convolutions whose
per-image GEMM is small (under ``PER_IMAGE_BELOW`` multiply-adds, not
pointwise) take ``per_image``'s kernels instead: each image's columns in a
scratch buffer that stays in cache, rebuilt for the weight gradient rather
than kept.
"""
import math

import numpy as np

from .batch_threads import across_batch
from .blas import THREADED_FROM
from .im2col import col2im, im2col
from .per_image import image_kernels

COLUMN_BUDGET = 1 << 24
PRODUCT_BUDGET = 1 << 22  # elements of the per-image weight-gradient products summed at once
PER_IMAGE_BELOW = THREADED_FROM  # multiply-adds of one image's GEMM below which ``per_image`` runs the call


def _rows_per_group(channels, geom):
    return channels // geom.groups * math.prod(geom.kernel)


def _chunks(batch, geom, channels):
    """Slices of the batch whose im2col buffers fit the budget."""
    per_image = (_rows_per_group(channels, geom) + 1) * geom.groups * math.prod(geom.out_size)
    step = max(1, COLUMN_BUDGET // max(per_image, 1))
    return [slice(start, start + step) for start in range(0, batch, step)]


def _column_buffer(z, geom, ones_row=False):
    """The (n, G, C/G*KD*KH*KW [+ 1 row of ones], OD*OH*OW) buffer for the columns of the contiguous images ``z``
    (``z`` itself, reshaped, for a pointwise convolution without the ones row)."""
    n, channels = z.shape[:2]
    rows = _rows_per_group(channels, geom)
    pixels = math.prod(geom.out_size)
    if geom.pointwise and not ones_row:
        return z.reshape(n, geom.groups, rows, pixels)
    return np.empty((n, geom.groups, rows + (1 if ones_row else 0), pixels), dtype=z.dtype)


def _fill_columns(z, col, geom, ones_row, parallel):
    """im2col of the images ``z`` into their ``_column_buffer`` ``col``."""
    if geom.pointwise and not ones_row:
        return
    rows = _rows_per_group(z.shape[1], geom)
    im2col(z, col.reshape(col.shape[:3] + geom.out_size), geom, parallel)
    if ones_row:
        col[:, :, rows] = 1


def _columns(z, geom, ones_row, parallel):
    """The filled column buffer of the contiguous images ``z``."""
    col = _column_buffer(z, geom, ones_row)
    _fill_columns(z, col, geom, ones_row, parallel)
    return col


def _image_work(weight_rows, out_channels, geom):
    """Multiply-adds of one image's GEMM: (O, rows) times (rows, OD*OH*OW)."""
    return weight_rows * out_channels * math.prod(geom.out_size)


def _per_image(geom, work):
    """Whether ``per_image``'s kernels take a call whose images' GEMMs do ``work`` multiply-adds each."""
    return work < PER_IMAGE_BELOW and not geom.pointwise


def _scratch(images, geom, ones_row=False):
    """One image's ``_column_buffer`` for ``per_image``'s kernels, as (1, G, R [+ 1], OD, OH, OW), its ones row set."""
    col = _column_buffer(images[:1], geom, ones_row)
    if ones_row:
        col[:, :, -1] = 1
    return col.reshape(col.shape[:3] + geom.out_size)


def _image_kernels(geom):
    """``per_image``'s ``(forward, weight_grad, input_grad)`` for ``geom``'s stride and dilation."""
    return image_kernels(*geom.stride, *geom.dilation)


def _grouped_weight(w, groups):
    """The weight as (G, O/G, C/G*KD*KH*KW) matrices."""
    return np.ascontiguousarray(w).reshape(groups, w.shape[0] // groups, -1)


def _grouped_output(y, groups):
    """An (n, O, OD, OH, OW) array viewed as (n, G, O/G, OD*OH*OW)."""
    return y.reshape(y.shape[0], groups, y.shape[1] // groups, math.prod(y.shape[2:]))


def forward(z, w, geom, bias=None, keep_columns=False):
    """The convolution of ``z`` with ``w``, plus ``bias`` (O,) per output channel when given.

    Returns ``(y, columns)``. With ``keep_columns``, ``columns`` are the im2col
    columns of the whole batch, for ``weight_grad`` (None when the batch took
    several chunks, or went image by image).
    """
    z = np.ascontiguousarray(z)
    y = np.empty((z.shape[0], w.shape[0]) + geom.out_size, dtype=z.dtype)
    weight = _grouped_weight(w, geom.groups)
    with_bias = bias is not None
    if with_bias:
        weight = np.concatenate([weight, bias.reshape(weight.shape[:2] + (1,))], axis=2)
    out = _grouped_output(y, geom.groups)
    work = _image_work(weight.shape[2], w.shape[0], geom)
    if _per_image(geom, work):
        _forward_images(z, np.ascontiguousarray(weight), out, geom, with_bias, work)
        return y, None
    parts = _chunks(z.shape[0], geom, z.shape[1])
    for part in parts:
        col = _forward_chunk(z[part], weight, out[part], geom, with_bias, work)
    return y, (col if keep_columns and len(parts) == 1 else None)


def _forward_images(z, weight, out, geom, with_bias, work):
    """``forward`` image by image (``per_image``), the batch's slices on the threads."""
    forward_images = _image_kernels(geom)[0]

    def images_times_weight(some, parallel):
        scratch = _scratch(z, geom, with_bias)
        forward_images(z[some], weight, out[some], scratch, *geom.kernel, *geom.padding)

    across_batch(images_times_weight, z.shape[0], work)


def _forward_chunk(images, weight, out, geom, with_bias, work):
    """``out = weight @ columns(images)`` over the threads; returns the columns."""
    col = _column_buffer(images, geom, with_bias)

    def columns_times_weight(some, parallel):
        _fill_columns(images[some], col[some], geom, with_bias, parallel)
        np.matmul(weight, col[some], out=out[some])

    across_batch(columns_times_weight, images.shape[0], work)
    return col


def input_grad(gy, w, geom):
    """The adjoint of ``forward`` in its input: the image whose convolution's gradient is ``gy``."""
    gy = np.ascontiguousarray(gy)
    channels = w.shape[1] * geom.groups
    gz = np.empty((gy.shape[0], channels) + geom.in_size, dtype=gy.dtype)
    weight_t = _grouped_weight(w, geom.groups).transpose(0, 2, 1)
    grads = _grouped_output(gy, geom.groups)
    work = _image_work(weight_t.shape[1], w.shape[0], geom)
    if _per_image(geom, work):
        _input_grad_images(grads, np.ascontiguousarray(weight_t), gz, geom, work)
        return gz
    for part in _chunks(gy.shape[0], geom, channels):
        _input_grad_chunk(grads[part], weight_t, gz[part], geom, work)
    return gz


def _input_grad_images(grads, weight_t, gz, geom, work):
    """``input_grad`` image by image (``per_image``), the batch's slices on the threads."""
    input_grad_images = _image_kernels(geom)[2]

    def weight_times_grads(some, parallel):
        scratch = _scratch(gz, geom)
        input_grad_images(grads[some], weight_t, gz[some], scratch, *geom.kernel, *geom.padding)

    across_batch(weight_times_grads, grads.shape[0], work)


def _input_grad_chunk(grads, weight_t, gz, geom, work):
    """``gz = col2im(weight^T @ grads)`` over the threads."""
    def weight_times_grads(some, parallel):
        if geom.pointwise:
            np.matmul(weight_t, grads[some], out=_grouped_output(gz[some], geom.groups))
            return
        col = np.matmul(weight_t, grads[some])
        col2im(col.reshape(col.shape[:3] + geom.out_size), gz[some], geom, parallel)

    across_batch(weight_times_grads, grads.shape[0], work)


def _weight_products(grads, col):
    """The sum over images of col[n] @ grads[n]^T, as (G, R, O/G), in stacked GEMMs of a bounded size.

    Each product is computed transposed, as col[n] @ grads[n]^T: with the long
    column matrix as the plain operand OpenBLAS runs it faster (LeNet-5's
    second convolution: 0.46 ms against 0.83 ms).
    """
    total = np.zeros(col.shape[1:3] + grads.shape[2:3], dtype=grads.dtype)
    step = max(1, PRODUCT_BUDGET // total.size)
    for start in range(0, grads.shape[0], step):
        part = slice(start, start + step)
        total += np.matmul(col[part], grads[part].transpose(0, 1, 3, 2)).sum(axis=0)
    return total


def _add_weight_chunk(gw_t, grads, columns, images, geom, with_bias, work):
    """``gw_t +=`` the chunk's products over the threads, from its ``columns`` or rebuilt from its ``images``."""
    def products(some, parallel):
        col = columns[some] if columns is not None else _columns(images[some], geom, with_bias, parallel)
        return _weight_products(grads[some], col)

    for partial in across_batch(products, grads.shape[0], work):
        gw_t += partial


def _add_weight_images(gw_t, grads, z, geom, with_bias, work):
    """``gw_t +=`` the products of ``weight_grad``, image by image (``per_image``), each slice its own sum."""
    weight_grad_images = _image_kernels(geom)[1]
    grads_t = np.ascontiguousarray(grads.transpose(0, 1, 3, 2))  # plain (C-order) operands: a faster compile

    def products(some, parallel):
        total = np.zeros_like(gw_t)
        scratch = _scratch(z, geom, with_bias)
        weight_grad_images(z[some], grads_t[some], total, scratch, *geom.kernel, *geom.padding)
        return total

    for partial in across_batch(products, grads.shape[0], work):
        gw_t += partial


def weight_grad(z, gy, geom, with_bias=False, columns=None):
    """The gradients of <conv(z, w) + b, gy>: in ``w`` (O, C/G, KD, KH, KW), and in ``b`` (O,) or None.

    With ``with_bias`` the ones row under the columns yields the bias gradient in
    the same GEMM. ``columns`` are ``forward``'s kept columns of ``z`` (built
    with the ones row exactly when ``with_bias``); without them they are rebuilt.
    Split over threads, each slice of the batch sums its own products.
    """
    gy = np.ascontiguousarray(gy)
    if columns is None:
        z = np.ascontiguousarray(z)
    groups = geom.groups
    channels = z.shape[1]
    rows = _rows_per_group(channels, geom)
    grads = _grouped_output(gy, groups)
    work = _image_work(rows + (1 if with_bias else 0), gy.shape[1], geom)
    gw_t = np.zeros((groups, rows + (1 if with_bias else 0), gy.shape[1] // groups), dtype=gy.dtype)
    if columns is not None:
        _add_weight_chunk(gw_t, grads, columns, None, geom, with_bias, work)
    elif _per_image(geom, work):
        _add_weight_images(gw_t, grads, z, geom, with_bias, work)
    else:
        for part in _chunks(z.shape[0], geom, channels):
            _add_weight_chunk(gw_t, grads[part], None, z[part], geom, with_bias, work)
    gw = gw_t.transpose(0, 2, 1)
    weight = gw[:, :, :rows].reshape((gy.shape[1], channels // groups) + geom.kernel)
    return weight, (gw[:, :, rows].reshape(-1) if with_bias else None)
