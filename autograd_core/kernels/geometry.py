"""Plain descriptions of a convolution's and a pooling window's geometry (no Numba here)."""
import functools
from typing import NamedTuple

import numpy as np


class ConvGeometry(NamedTuple):
    """One 3-D convolution z (N, C, D, H, W) -> y (N, O, OD, OH, OW); every triple is (depth, height, width).

    1-D and 2-D convolutions are 3-D ones of depth (and height) 1. ``padding``
    is the zero padding before the first plane/row/column; the padding after
    the last one is implied by ``in_size`` and ``out_size``.
    """
    kernel: tuple
    stride: tuple
    padding: tuple
    dilation: tuple
    groups: int
    in_size: tuple
    out_size: tuple

    @property
    def pointwise(self):
        """True when im2col is the identity (1x1 kernel, stride 1, no padding, no extra output_padding rows)."""
        return (self.kernel == (1, 1, 1) and self.stride == (1, 1, 1) and self.padding == (0, 0, 0)
                and self.in_size == self.out_size)


class Slide(NamedTuple):
    """A kernel sliding along one axis: output ``o`` reads taps ``o*stride - padding + k*dilation``, k < kernel."""
    kernel: int
    stride: int
    padding: int
    dilation: int


class Windows(NamedTuple):
    """The pooling windows along one axis: output ``o`` reads inputs ``range(lo[o], hi[o], step)``.

    ``extent[o]`` is the window's length counting padding (the divisor of an
    average that includes padding). ``slide`` describes sliding windows
    (None for adaptive ones), for the kernels specialised to a window shape.
    """
    lo: np.ndarray
    hi: np.ndarray
    step: int
    extent: np.ndarray
    slide: Slide | None = None


def _read_only(*arrays):
    for array in arrays:
        array.flags.writeable = False
    return arrays


@functools.lru_cache(maxsize=256)
def sliding_windows(size, kernel, stride, padding, dilation, out_size):
    """Windows of a (dilated) kernel sliding with ``stride`` over ``size`` inputs padded by ``padding``.

    A training loop asks for the same windows every step, so they are cached (as read-only arrays).
    """
    start = np.arange(out_size, dtype=np.int64) * stride - padding
    first_inside = np.maximum((dilation - 1 - start) // dilation, 0)  # taps before the input begins
    lo = start + first_inside * dilation
    hi = np.minimum(start + (kernel - 1) * dilation + 1, size)
    extent = np.minimum(start + kernel, size + padding) - start
    lo, hi, extent = _read_only(lo, hi, extent)
    return Windows(lo, hi, dilation, extent, Slide(kernel, stride, padding, dilation))


SINGLE_POSITION = sliding_windows(1, 1, 1, 0, 1, 1)  # an axis of length 1: lifts 1-D and 2-D pools to 3-D


def adaptive_windows(size, out_size):
    """PyTorch's adaptive windows: output ``o`` covers ``[floor(o*size/out), ceil((o+1)*size/out))``."""
    o = np.arange(out_size, dtype=np.int64)
    lo = (o * size) // out_size
    hi = -((-(o + 1) * size) // out_size)
    return Windows(lo, hi, 1, hi - lo)
