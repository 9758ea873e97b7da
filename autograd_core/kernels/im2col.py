"""im2col and its adjoint col2im, parallel over (image, channel) pairs.

``col`` has shape (N, G, R, OH, OW) for G channel groups of C/G channels:
row ``(c*KH + kh)*KW + kw`` of group g holds, for channel ``g*C/G + c``, the
input pixels that kernel tap (kh, kw) meets at every output position, zero
where the tap falls in the padding. Rows past C/G*KH*KW (R may be larger)
are left alone. Both kernels are ``twin.TwinKernel``s: call ``im2col.sized(col.size)(...)``.
"""
from numba import prange

from .twin import TwinKernel


@TwinKernel
def im2col(x, col, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w):
    """Fill ``col`` from the contiguous input ``x`` (N, C, H, W)."""
    n_images, channels, height, width = x.shape
    per_group = channels // col.shape[1]
    out_h, out_w = col.shape[3], col.shape[4]
    for job in prange(n_images * channels):
        n = job // channels
        c = job - n * channels
        g = c // per_group
        for kh in range(kernel_h):
            for kw in range(kernel_w):
                row = ((c - g * per_group) * kernel_h + kh) * kernel_w + kw
                for oh in range(out_h):
                    ih = oh * stride_h - pad_h + kh * dilation_h
                    if ih < 0 or ih >= height:
                        col[n, g, row, oh, :] = 0
                        continue
                    for ow in range(out_w):
                        iw = ow * stride_w - pad_w + kw * dilation_w
                        col[n, g, row, oh, ow] = x[n, c, ih, iw] if 0 <= iw < width else 0


@TwinKernel
def col2im(col, x, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w):
    """Overwrite ``x`` (N, C, H, W) with the sum of every column entry at the pixel it was read from."""
    n_images, channels, height, width = x.shape
    per_group = channels // col.shape[1]
    out_h, out_w = col.shape[3], col.shape[4]
    for job in prange(n_images * channels):
        n = job // channels
        c = job - n * channels
        g = c // per_group
        x[n, c] = 0
        for kh in range(kernel_h):
            for kw in range(kernel_w):
                row = ((c - g * per_group) * kernel_h + kh) * kernel_w + kw
                for oh in range(out_h):
                    ih = oh * stride_h - pad_h + kh * dilation_h
                    if ih < 0 or ih >= height:
                        continue
                    for ow in range(out_w):
                        iw = ow * stride_w - pad_w + kw * dilation_w
                        if 0 <= iw < width:
                            x[n, c, ih, iw] += col[n, g, row, oh, ow]
