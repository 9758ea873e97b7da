"""Pooling with PyTorch's signatures: max, average and adaptive pooling (1-D, 2-D, 3-D) and max unpooling.

Average pooling is a linear map; max pooling gathers each window's argmax and
max unpooling places each value back at its index. Either way the backward is
the adjoint map (a spread, a scatter or a gather), itself a differentiable op
whose backward is the original map, so gradients of every order work. 1-D
pooling is 2-D pooling of height 1 (as in PyTorch, whose nodes are then the
squeeze's). The arrays are computed by
the backend's "pool" kernel family (numpy's: ``kernels.pool``, Numba, loaded on
first use); arguments are validated here.
"""
import numbers

import numpy as np

from ..arrays import kernels
from ..function import Function
from ..kernels.geometry import SINGLE_POSITION, adaptive_windows, sliding_windows
from ..tensor import Tensor, _new
from .conv import FLOAT_DTYPES, SPATIAL_AXES, int_tuple, shape_text

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_avg_pool3d", "max_unpool1d", "max_unpool2d", "max_unpool3d"]


def _backward_name(label):
    return label[:-len("Backward0")] + "BackwardBackward0"


class _AvgPool(Function):
    """The mean of each window (``divisor``: one per output position); its backward is ``_AvgPoolAdjoint``.

    ``windows`` holds one ``Windows`` per spatial axis; ``plane_shape`` is the input's spatial size.
    """

    def __init__(self, windows, divisor, plane_shape, label):
        self.windows, self.divisor, self.plane_shape, self.label = windows, divisor, plane_shape, label

    def forward(self, x):
        return kernels("pool", x).avg_pool(x, self.windows, self.divisor)

    def backward(self, gy):
        return _AvgPoolAdjoint(self.windows, self.divisor, self.plane_shape, _backward_name(self.label))(gy)

    def name(self):
        return self.label


class _AvgPoolAdjoint(_AvgPool):
    """Each output's gradient spread evenly over its window; its backward is the average pool."""

    def forward(self, gy):
        return kernels("pool", gy).avg_pool_adjoint(gy, self.windows, self.divisor, self.plane_shape)

    def backward(self, gg):
        return _AvgPool(self.windows, self.divisor, self.plane_shape, _backward_name(self.label))(gg)


class _MaxPool(Function):
    """The maximum of each window; where it came from (the flat index in its plane) is saved for backward.

    The input is saved too, as PyTorch saves it: changing it in place after the forward makes backward raise.
    With ``return_indices`` the indices are also the op's second output.
    """

    saves = (0,)

    def __init__(self, windows, plane_shape, label, return_indices):
        self.windows, self.plane_shape, self.label = windows, plane_shape, label
        self.return_indices = return_indices

    def forward(self, x):
        y, indices = kernels("pool", x).max_pool(x, self.windows)
        self.save_for_backward(indices)
        return (y, indices.astype(np.int64)) if self.return_indices else y  # PyTorch's dtype, in the caller's copy

    def backward(self, gy, _=None):
        _, indices = self.saved_tensors  # the input is read for its version check only
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
        return kernels("pool", planes).gather_from_planes(planes, indices, self.plane_shape)

    def backward(self, gy):
        (indices,) = self.saved_tensors
        return _ScatterToPlanes(self.plane_shape, _backward_name(self.label))(gy, indices), None

    def name(self):
        return self.label


class _MaxUnpool(Function):
    """Zero planes of ``plane_shape`` holding each value at its flat index; its backward gathers from there."""

    saves = (1,)

    def __init__(self, plane_shape, label):
        self.plane_shape, self.label = plane_shape, label

    def forward(self, x, indices):
        return kernels("pool", x).place_in_planes(x, indices, self.plane_shape)

    def backward(self, gy):
        (indices,) = self.saved_tensors
        return _GatherFromPlanes(self.plane_shape, _backward_name(self.label))(gy, indices), None

    def name(self):
        return self.label


# ----- argument checks -----


def _check_input(op, spatial, input):
    """The input's spatial size after checking type, dtype and rank."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input.array.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{op} supports float32 and float64 tensors, got {input.dtype}")
    shape = input.array.shape
    axes = SPATIAL_AXES[spatial]
    if input.array.ndim not in (spatial + 1, spatial + 2):
        raise ValueError(f"{op} expected input (N, C, {axes}) or (C, {axes}) with non-empty {axes}, "
                         f"got {shape_text(shape)}")
    if 0 in shape[-spatial:]:  # a zero batch is fine, as in PyTorch
        raise RuntimeError(f"{op}: expected input with non-empty {axes} (only the batch may be empty), got "
                           f"{shape_text(shape)}")
    return shape[-spatial:]


def _output_size(size, kernel, stride, padding, dilation, ceil_mode):
    """PyTorch's pooling output size; in ceil mode the last window must start inside the input or left padding."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def _sliding(op, spatial, input, kernel_size, stride, padding, dilation, ceil_mode, padding_limit):
    """The windows of a sliding pool, one per axis of the 2-D (for 1-D input) or 3-D pool, after checking every
    argument."""
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
    return _lifted(spatial, windows)


def _lifted(spatial, windows):
    """The windows of a 1-D pool as those of a 2-D pool of height 1."""
    return (SINGLE_POSITION, windows[0]) if spatial == 1 else tuple(windows)


_SEQUENCE_WORDS = {1: "a tuple of 1", 2: "a pair", 3: "a tuple of 3"}


def _adaptive(op, spatial, input, output_size):
    """The windows of an adaptive pool (see ``_sliding``); ``None`` in ``output_size`` keeps that input size."""
    size = _check_input(op, spatial, input)
    sizes = (output_size,) * spatial if output_size is None or isinstance(output_size, numbers.Integral) \
        else tuple(output_size)
    if len(sizes) != spatial or not all(s is None or (isinstance(s, numbers.Integral) and s >= 0) for s in sizes):
        raise ValueError(f"{op}: output_size must be a non-negative int or {_SEQUENCE_WORDS[spatial]} of them "
                         f"(None keeps the input size), got {output_size!r}")
    return _lifted(spatial, [adaptive_windows(n, n if s is None else int(s)) for n, s in zip(size, sizes)])


def _max_padding_limit(kernel, dilation):
    return ((kernel - 1) * dilation + 1) // 2


def _avg_padding_limit(kernel, dilation):
    return kernel // 2


def _lift_1d(spatial, input, pool):
    """Run ``pool`` on the input, a 1-D one (..., L) as (..., 1, L); results come back 1-D (PyTorch's way)."""
    if spatial != 1:
        return pool(input)
    result = pool(input.unsqueeze(-2))
    if isinstance(result, tuple):
        return tuple(r.squeeze(-2) for r in result)
    return result.squeeze(-2)


def _label(kind, spatial):
    """PyTorch's node name: 1-D pools run as 2-D ones."""
    return kind.format(max(spatial, 2))


# ----- public ops -----

def _max_pool_op(op, spatial, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    windows = _sliding(op, spatial, input, kernel_size, stride, padding, dilation, ceil_mode, _max_padding_limit)
    label = _label("MaxPool{}DWithIndicesBackward0", spatial)
    return _lift_1d(spatial, input, lambda x: _apply_max_pool(x, windows, label, return_indices))


def _apply_max_pool(input, windows, label, return_indices):
    return _MaxPool(windows, input.array.shape[-len(windows):], label, return_indices)(input)


def _apply_avg_pool(input, windows, divisor, label):
    return _AvgPool(windows, divisor, input.array.shape[-len(windows):], label)(input)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The maximum over each (dilated) window of ``input`` (N, C, D, H, W) or (C, D, H, W); padding counts as -inf.

    With ``return_indices`` also returns each maximum's flat index ``(d * H + h) * W + w`` in its volume (int64).
    """
    return _max_pool_op("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The maximum over each (dilated) window of ``input`` (N, C, H, W) or (C, H, W); padding counts as -inf.

    With ``return_indices`` also returns each maximum's flat index ``h * W + w`` in its plane (int64);
    a window that dilation steps clean over the input gives -inf and index -1.
    """
    return _max_pool_op("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The maximum over each window of ``input`` (N, C, L) or (C, L)."""
    return _max_pool_op("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """``max_pool1d`` returning ``(output, indices)`` whatever ``return_indices`` says (as PyTorch's)."""
    return _max_pool_op("max_pool1d_with_indices", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                        True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """``max_pool2d`` returning ``(output, indices)`` whatever ``return_indices`` says (as PyTorch's)."""
    return _max_pool_op("max_pool2d_with_indices", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                        True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """``max_pool3d`` returning ``(output, indices)`` whatever ``return_indices`` says (as PyTorch's)."""
    return _max_pool_op("max_pool3d_with_indices", 3, input, kernel_size, stride, padding, dilation, ceil_mode,
                        True)


def _avg_pool_op(op, spatial, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    windows = _sliding(op, spatial, input, kernel_size, stride, padding, 1, ceil_mode, _avg_padding_limit)
    if divisor_override is not None and (not isinstance(divisor_override, numbers.Integral) or divisor_override == 0):
        raise ValueError(f"{op}: divisor_override must be a non-zero int, got {divisor_override!r}")
    divisor = kernels("pool", input.array).divisors(windows, count_include_pad, divisor_override, input.array.dtype)
    label = _label("AvgPool{}DBackward0", spatial)
    return _lift_1d(spatial, input, lambda x: _apply_avg_pool(x, windows, divisor, label))


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """The mean over each window of ``input`` (N, C, D, H, W) or (C, D, H, W); the divisor as in ``avg_pool2d``."""
    return _avg_pool_op("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                        divisor_override)


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


def _adaptive_avg_pool_op(op, spatial, input, output_size):
    """A one-element output is the mean over the input's spatial axes, as in PyTorch (its node is the mean's)."""
    windows = _adaptive(op, spatial, input, output_size)
    if all(w.lo.size == 1 for w in windows):
        return _lift_1d(spatial, input, lambda x: x.mean(tuple(range(-len(windows), 0)), keepdim=True))
    divisor = kernels("pool", input.array).divisors(windows, dtype=input.array.dtype)
    label = _label("AdaptiveAvgPool{}DBackward0", spatial)
    return _lift_1d(spatial, input, lambda x: _apply_avg_pool(x, windows, divisor, label))


def adaptive_avg_pool1d(input, output_size):
    """The mean over PyTorch's adaptive windows of ``input`` (N, C, L) or (C, L), giving ``output_size`` values."""
    return _adaptive_avg_pool_op("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """The mean over PyTorch's adaptive windows, giving an ``output_size`` (int or pair) output."""
    return _adaptive_avg_pool_op("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    """The mean over PyTorch's adaptive windows of (N, C, D, H, W) or (C, D, H, W) input (``output_size``: int or
    triple)."""
    return _adaptive_avg_pool_op("adaptive_avg_pool3d", 3, input, output_size)


def _adaptive_max_pool_op(op, spatial, input, output_size, return_indices):
    windows = _adaptive(op, spatial, input, output_size)
    label = _label("AdaptiveMaxPool{}DBackward0", spatial)
    return _lift_1d(spatial, input, lambda x: _apply_max_pool(x, windows, label, return_indices))


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """The maximum over PyTorch's adaptive windows of ``input`` (N, C, L) or (C, L)."""
    return _adaptive_max_pool_op("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """The maximum over PyTorch's adaptive windows, giving an ``output_size`` (int or pair) output."""
    return _adaptive_max_pool_op("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """The maximum over PyTorch's adaptive windows of (N, C, D, H, W) or (C, D, H, W) input."""
    return _adaptive_max_pool_op("adaptive_max_pool3d", 3, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """``adaptive_max_pool1d`` returning ``(output, indices)`` whatever ``return_indices`` says."""
    return _adaptive_max_pool_op("adaptive_max_pool1d_with_indices", 1, input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """``adaptive_max_pool2d`` returning ``(output, indices)`` whatever ``return_indices`` says."""
    return _adaptive_max_pool_op("adaptive_max_pool2d_with_indices", 2, input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    """``adaptive_max_pool3d`` returning ``(output, indices)`` whatever ``return_indices`` says."""
    return _adaptive_max_pool_op("adaptive_max_pool3d_with_indices", 3, input, output_size, True)


# ----- max unpooling -----

def _unpool_size(op, spatial, input, kernel, stride, padding, output_size):
    """PyTorch's default output size ``(n - 1)*stride + kernel - 2*padding``, or ``output_size`` checked against it."""
    size = input.array.shape[-spatial:]
    default = tuple((n - 1) * s + k - 2 * p for n, k, s, p in zip(size, kernel, stride, padding))
    if output_size is None:
        if min(default) < 1:
            raise ValueError(f"{op}: the output size {shape_text(default)} computed from input {shape_text(size)}, "
                             f"kernel_size {shape_text(kernel)}, stride and padding is not positive")
        return default
    requested = tuple(output_size)
    if len(requested) == spatial + 2:
        requested = requested[2:]
    if len(requested) != spatial:
        raise ValueError(f"{op}: output_size should be a sequence containing {spatial} or {spatial + 2} elements, "
                         f"but it has a length of '{len(requested)}'")
    for d, (want, base, s) in enumerate(zip(requested, default, stride)):
        if not base - s < want < base + s:
            raise ValueError(f"{op}: invalid output_size {shape_text(requested)} (dim {d} must be between "
                             f"{base - s} and {base + s}, exclusive)")
    return tuple(int(v) for v in requested)


def _check_indices(op, input, indices, plane_shape):
    if not isinstance(indices, Tensor) or indices.array.dtype != np.int64:
        got = indices.dtype if isinstance(indices, Tensor) else type(indices).__name__
        raise TypeError(f"{op}: indices must be an int64 Tensor (as max pooling returns them), got {got}")
    if indices.array.shape != input.array.shape:
        raise ValueError(f"{op}: indices {shape_text(indices.array.shape)} must have the input's shape "
                         f"{shape_text(input.array.shape)}")
    if indices.array.size and not (0 <= int(indices.array.min()) and int(indices.array.max()) < np.prod(plane_shape)):
        raise ValueError(f"{op}: found an invalid max index (from {int(indices.array.min())} to "
                         f"{int(indices.array.max())}): the output planes {shape_text(plane_shape)} hold "
                         f"{int(np.prod(plane_shape))} positions")


def _max_unpool_op(op, spatial, input, indices, kernel_size, stride, padding, output_size):
    _check_input(op, spatial, input)
    kernel = int_tuple(kernel_size, spatial, "kernel_size", op, 1)
    stride = kernel if stride in (None, [], ()) else int_tuple(stride, spatial, "stride", op, 1)
    pad = int_tuple(padding, spatial, "padding", op, 0)
    plane_shape = _unpool_size(op, spatial, input, kernel, stride, pad, output_size)
    _check_indices(op, input, indices, plane_shape)
    if spatial == 1:
        plane = (1,) + plane_shape
        return _MaxUnpool(plane, _label("MaxUnpool{}DBackward0", 1))(input.unsqueeze(-2),
                                                                     indices.unsqueeze(-2)).squeeze(-2)
    return _MaxUnpool(plane_shape, _label("MaxUnpool{}DBackward0", spatial))(input, indices)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of ``max_pool1d``: zeros except each value at its ``indices`` (from return_indices)."""
    return _max_unpool_op("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of ``max_pool2d``: zero planes except each value at its flat index ``h * W + w``."""
    return _max_unpool_op("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of ``max_pool3d``: zero volumes except each value at its flat index."""
    return _max_unpool_op("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)
