"""Pooling with PyTorch's signatures: max and average pooling (1-D, 2-D) and adaptive 2-D pooling.

Average pooling is a linear map; max pooling gathers each window's argmax.
Either way the backward is the adjoint map (a spread or a scatter), itself a
differentiable op whose backward is the original map, so gradients of every
order work. 1-D pooling is 2-D pooling of height 1. The arrays are computed by
the backend's "pool" kernel family (numpy's: ``kernels.pool``, Numba, loaded on
first use); arguments are validated here.
"""
import numbers

from ..arrays import kernels
from ..function import Function
from ..kernels.geometry import adaptive_windows, sliding_windows
from ..tensor import Tensor, _new
from .conv import FLOAT_DTYPES, int_tuple, shape_text

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_max_pool2d", "adaptive_avg_pool2d"]


def _backward_name(label):
    return label[:-len("Backward0")] + "BackwardBackward0"


class _AvgPool(Function):
    """The mean of each window (``divisor`` (OH, OW) per output); its backward is ``_AvgPoolAdjoint``."""

    def __init__(self, rows, cols, divisor, plane_shape, label):
        self.rows, self.cols, self.divisor, self.plane_shape, self.label = rows, cols, divisor, plane_shape, label

    def forward(self, x):
        return kernels("pool", x).avg_pool(x, self.rows, self.cols, self.divisor)

    def backward(self, gy):
        return _AvgPoolAdjoint(self.rows, self.cols, self.divisor, self.plane_shape, _backward_name(self.label))(gy)

    def name(self):
        return self.label


class _AvgPoolAdjoint(_AvgPool):
    """Each output's gradient spread evenly over its window; its backward is the average pool."""

    def forward(self, gy):
        return kernels("pool", gy).avg_pool_adjoint(gy, self.rows, self.cols, self.divisor, self.plane_shape)

    def backward(self, gg):
        return _AvgPool(self.rows, self.cols, self.divisor, self.plane_shape, _backward_name(self.label))(gg)


class _MaxPool(Function):
    """The maximum of each window; where it came from (the flat index in its plane, int64) is saved for backward.

    With ``return_indices`` the indices are also the op's second output.
    """

    def __init__(self, rows, cols, plane_shape, label, return_indices):
        self.rows, self.cols, self.plane_shape, self.label = rows, cols, plane_shape, label
        self.return_indices = return_indices

    def forward(self, x):
        y, indices = kernels("pool", x).max_pool(x, self.rows, self.cols)
        self.save_for_backward(indices)
        return (y, indices.copy()) if self.return_indices else y  # the caller may change its copy

    def backward(self, gy, _=None):
        (indices,) = self.saved_tensors
        return _ScatterToPlanes(self.plane_shape, _backward_name(self.label))(gy, _new(indices))

    def name(self):
        return self.label


class _ScatterToPlanes(Function):
    """``g`` summed into zero planes of ``plane_shape`` at the flat ``indices`` (an integer input, no gradient)."""

    saves = (1,)

    def __init__(self, plane_shape, label):
        self.plane_shape, self.label = plane_shape, label

    def forward(self, g, indices):
        return kernels("pool", g).scatter_to_planes(g, indices, self.plane_shape)

    def backward(self, gg):
        (indices,) = self.saved_tensors
        return _GatherFromPlanes(self.plane_shape, _backward_name(self.label))(gg, indices), None

    def name(self):
        return self.label


class _GatherFromPlanes(Function):
    """``planes`` read at the flat ``indices`` of each plane: the adjoint of ``_ScatterToPlanes``."""

    saves = (1,)

    def __init__(self, plane_shape, label):
        self.plane_shape, self.label = plane_shape, label

    def forward(self, planes, indices):
        return kernels("pool", planes).gather_from_planes(planes, indices)

    def backward(self, gy):
        (indices,) = self.saved_tensors
        return _ScatterToPlanes(self.plane_shape, _backward_name(self.label))(gy, indices), None

    def name(self):
        return self.label


# ----- argument checks -----

_WHOLE_ROW = sliding_windows(1, 1, 1, 0, 1, 1)  # the height axis of 1-D pooling


def _check_input(op, spatial, input):
    """The input's spatial size after checking type, dtype and rank."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input.array.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{op} supports float32 and float64 tensors, got {input.dtype}")
    shape = input.array.shape
    axes = "H, W" if spatial == 2 else "L"
    if input.array.ndim not in (spatial + 1, spatial + 2) or 0 in shape[-spatial:]:
        raise ValueError(f"{op} expected input (N, C, {axes}) or (C, {axes}) with non-empty {axes}, "
                         f"got {shape_text(shape)}")
    return shape[-spatial:]


def _output_size(size, kernel, stride, padding, dilation, ceil_mode):
    """PyTorch's pooling output size; in ceil mode the last window must start inside the input or left padding."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def _sliding(op, spatial, input, kernel_size, stride, padding, dilation, ceil_mode, padding_limit):
    """Row and column windows of a sliding pool, after checking every argument."""
    size = _check_input(op, spatial, input)
    kernel = int_tuple(kernel_size, spatial, "kernel_size", op, 1)
    stride = kernel if stride in (None, [], ()) else int_tuple(stride, spatial, "stride", op, 1)
    pad = int_tuple(padding, spatial, "padding", op, 0)
    dilation = int_tuple(dilation, spatial, "dilation", op, 1)
    windows = []
    for n, k, s, p, d in zip(size, kernel, stride, pad, dilation):
        limit = padding_limit(k, d)
        if p > limit:
            raise ValueError(f"{op}: padding {shape_text(pad)} must be at most half of the kernel: at most {limit} "
                             f"for kernel_size {shape_text(kernel)} and dilation {shape_text(dilation)}")
        out = _output_size(n, k, s, p, d, ceil_mode)
        if out < 1:
            raise ValueError(f"{op}: input {shape_text(input.array.shape)} is too small for kernel_size "
                             f"{shape_text(kernel)}, stride {shape_text(stride)}, padding {shape_text(pad)} and "
                             f"dilation {shape_text(dilation)}: the output would be empty")
        windows.append(sliding_windows(n, k, s, p, d, out))
    return (_WHOLE_ROW, windows[0]) if spatial == 1 else tuple(windows)


def _adaptive(op, input, output_size):
    """Row and column windows of an adaptive 2-D pool; ``None`` in ``output_size`` keeps that input size."""
    size = _check_input(op, 2, input)
    sizes = (output_size,) * 2 if output_size is None or isinstance(output_size, numbers.Integral) \
        else tuple(output_size)
    if len(sizes) != 2 or not all(s is None or (isinstance(s, numbers.Integral) and s >= 0) for s in sizes):
        raise ValueError(f"{op}: output_size must be a non-negative int or a pair of them (None keeps the "
                         f"input size), got {output_size!r}")
    return tuple(adaptive_windows(n, n if s is None else int(s)) for n, s in zip(size, sizes))


def _max_padding_limit(kernel, dilation):
    return ((kernel - 1) * dilation + 1) // 2


def _avg_padding_limit(kernel, dilation):
    return kernel // 2


def _in_2d(spatial, input, pool):
    """Run the 2-D ``pool`` on a 1-D input (..., L) as (..., 1, L); results come back 1-D."""
    if spatial == 2:
        return pool(input)
    result = pool(input.unsqueeze(-2))
    if isinstance(result, tuple):
        return tuple(r.squeeze(-2) for r in result)
    return result.squeeze(-2)


# ----- public ops -----

def _max_pool_op(op, spatial, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    rows, cols = _sliding(op, spatial, input, kernel_size, stride, padding, dilation, ceil_mode, _max_padding_limit)
    return _in_2d(spatial, input, lambda x: _apply_max_pool(x, rows, cols, "MaxPool2DWithIndicesBackward0",
                                                        return_indices))


def _apply_max_pool(input, rows, cols, label, return_indices):
    return _MaxPool(rows, cols, input.array.shape[-2:], label, return_indices)(input)


def _apply_avg_pool(input, rows, cols, divisor, label):
    return _AvgPool(rows, cols, divisor, input.array.shape[-2:], label)(input)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The maximum over each (dilated) window of ``input`` (N, C, H, W) or (C, H, W); padding counts as -inf.

    With ``return_indices`` also returns each maximum's flat index ``h * W + w`` in its plane (int64);
    a window that dilation steps clean over the input gives -inf and index -1.
    """
    return _max_pool_op("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The maximum over each window of ``input`` (N, C, L) or (C, L)."""
    return _max_pool_op("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _avg_pool_op(op, spatial, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    rows, cols = _sliding(op, spatial, input, kernel_size, stride, padding, 1, ceil_mode, _avg_padding_limit)
    if divisor_override is not None and (not isinstance(divisor_override, numbers.Integral) or divisor_override == 0):
        raise ValueError(f"{op}: divisor_override must be a non-zero int, got {divisor_override!r}")
    divisor = kernels("pool", input.array).divisors(rows, cols, count_include_pad, divisor_override,
                                                    input.array.dtype)
    return _in_2d(spatial, input, lambda x: _apply_avg_pool(x, rows, cols, divisor, "AvgPool2DBackward0"))


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """The mean over each window of ``input`` (N, C, H, W) or (C, H, W).

    The divisor is the window's size counting zero padding (``count_include_pad``)
    or not, or ``divisor_override`` when given.
    """
    return _avg_pool_op("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                        divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """The mean over each window of ``input`` (N, C, L) or (C, L)."""
    return _avg_pool_op("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def adaptive_avg_pool2d(input, output_size):
    """The mean over PyTorch's adaptive windows, giving an ``output_size`` (int or pair) output.

    A (1, 1) output is the mean over the plane, as in PyTorch (its node is the mean's).
    """
    rows, cols = _adaptive("adaptive_avg_pool2d", input, output_size)
    if rows.lo.size == 1 and cols.lo.size == 1:
        return input.mean((-2, -1), keepdim=True)
    divisor = kernels("pool", input.array).divisors(rows, cols, dtype=input.array.dtype)
    return _apply_avg_pool(input, rows, cols, divisor, "AdaptiveAvgPool2DBackward0")


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """The maximum over PyTorch's adaptive windows, giving an ``output_size`` (int or pair) output."""
    rows, cols = _adaptive("adaptive_max_pool2d", input, output_size)
    return _apply_max_pool(input, rows, cols, "AdaptiveMaxPool2DBackward0", return_indices)
