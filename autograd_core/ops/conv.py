"""Convolutions with PyTorch's signatures: conv1d/2d/3d and conv_transpose1d/2d/3d.

A 3-D convolution geometry (``kernels.geometry.ConvGeometry``) has three
differentiable faces: the convolution, its adjoint in the input (the
transposed convolution) and its derivative in the weight. Each face's
backward is written with the other two, so gradients of every order stay
differentiable. 1-D and 2-D convolutions are 3-D ones of depth (and height) 1. The arrays are
computed by the backend's "conv" kernel family (numpy's: ``kernels.conv``,
im2col + BLAS, loaded on first use so that Numba loads only when a convolution
runs). Arguments are validated here, in Python, before any kernel sees them.
"""
import numbers

import numpy as np

from ..arrays import kernels
from ..device import check_same_device
from ..function import Function
from ..grad_mode import GradMode
from ..kernels.geometry import ConvGeometry
from ..tensor import Tensor

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]

_NAME = "ConvolutionBackward0"
_DOUBLE_NAME = "ConvolutionBackwardBackward0"
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


SPATIAL_AXES = {1: "L", 2: "H, W", 3: "D, H, W"}  # the spatial axes of each rank, as the error messages name them


def _lift(array, spatial):
    """A 1-D or 2-D convolution's (N, C, ...) array as the (N, C, D, H, W) array the 3-D kernels take."""
    return array if spatial == 3 else array.reshape(array.shape[:2] + (1,) * (3 - spatial) + array.shape[2:])


def _lower(array, spatial):
    """The inverse of ``_lift``."""
    return array if spatial == 3 else array.reshape(array.shape[:2] + array.shape[5 - spatial:])


class _Face(Function):
    """What the three faces share: the geometry, the spatial rank (1, 2 or 3) and the node's name."""

    def __init__(self, geom, spatial, label=_NAME):
        self._geom, self.spatial, self.label = geom, spatial, label
        # PyTorch's argument names over the op's own spatial dims, for viz and onnx (the geometry is 3-D)
        self.kernel, self.stride, self.padding, self.dilation = (tuple(int(v) for v in values[-spatial:]) for values in
                                                                 (geom.kernel, geom.stride, geom.padding,
                                                                  geom.dilation))
        self.groups = geom.groups

    def name(self):
        return self.label

    def derived(self, face, *options):
        """Another face of the same geometry, recorded as part of a backward pass."""
        return face(self._geom, self.spatial, _DOUBLE_NAME, *options)


class _Convolution(_Face):
    """y = conv(z, w) + b.

    With ``keep_columns`` (set when the weight will need a gradient) the
    forward saves its im2col columns beside z and w, for the weight gradient to
    reuse; they are freed with the rest when the node is released.
    """

    saves = (0, 1)

    def __init__(self, geom, spatial, label=_NAME, keep_columns=False):
        super().__init__(geom, spatial, label)
        self.keep_columns = keep_columns

    def forward(self, z, w, b=None):
        y, columns = kernels("conv", z).forward(_lift(z, self.spatial), _lift(w, self.spatial), self._geom, b,
                                                self.keep_columns)
        self.save_for_backward(columns)
        return _lower(y, self.spatial)

    def backward(self, gy):
        z, w, columns = self.saved_tensors
        gz = self.derived(_ConvolutionTranspose)(gy, w) if self.needs_input_grad[0] else None
        if len(self.next_functions) == 2:
            if not self.needs_input_grad[1]:
                return gz, None
            return gz, self.derived(_ConvolutionWeight, False, columns)(z, gy)
        if not (self.needs_input_grad[1] or self.needs_input_grad[2]):
            return gz, None, None
        gw, gb = self.derived(_ConvolutionWeight, True, columns)(z, gy)  # one GEMM gives both
        return gz, gw if self.needs_input_grad[1] else None, gb if self.needs_input_grad[2] else None


class _ConvolutionTranspose(_Face):
    """z = conv^T(x, w) + b: the adjoint of ``_Convolution`` in its input (x has the conv's output shape)."""

    saves = (0, 1)

    def forward(self, x, w, b=None):
        z = kernels("conv", x).input_grad(_lift(x, self.spatial), _lift(w, self.spatial), self._geom)
        if b is not None:
            z += b.reshape(-1, 1, 1, 1)
        return _lower(z, self.spatial)

    def backward(self, gz):
        x, w = self.saved_tensors
        gx = self.derived(_Convolution)(gz, w) if self.needs_input_grad[0] else None
        gw = self.derived(_ConvolutionWeight)(gz, x) if self.needs_input_grad[1] else None
        if len(self.next_functions) == 2:
            return gx, gw
        return gx, gw, gz.sum(_all_but_channels(gz)) if self.needs_input_grad[2] else None


class _ConvolutionWeight(_Face):
    """gw = d<conv(z, w) + b, gy>/dw, bilinear in (z, gy); with ``with_bias`` also gb = d<...>/db (gy summed).

    ``columns`` are the convolution's saved im2col columns of z (None: rebuilt from z); the forward
    uses them once and drops them, since the convolution node owns them.
    """

    saves = (0, 1)

    def __init__(self, geom, spatial, label=_NAME, with_bias=False, columns=None):
        super().__init__(geom, spatial, label)
        self.with_bias, self.columns = with_bias, columns

    def forward(self, z, gy):
        s = self.spatial
        columns, self.columns = self.columns, None
        gw, gb = kernels("conv", z).weight_grad(_lift(z, s), _lift(gy, s), self._geom, self.with_bias, columns)
        return (_lower(gw, s), gb) if self.with_bias else _lower(gw, s)

    def backward(self, ggw, ggb=None):
        z, gy = self.saved_tensors
        if ggw is None:  # only gb was used: its gradient is ggb at every pixel
            shape = (1, -1) + (1,) * (gy.ndim - 2)
            return None, ggb.reshape(shape).expand(gy.shape) if self.needs_input_grad[1] else None
        gz = self.derived(_ConvolutionTranspose)(gy, ggw) if self.needs_input_grad[0] else None
        if not self.needs_input_grad[1]:
            return gz, None
        return gz, self.derived(_Convolution)(z, ggw) if ggb is None else self.derived(_Convolution)(z, ggw, ggb)


def _all_but_channels(t):
    return (0,) + tuple(range(2, t.ndim))


# ----- argument checks (all in Python, before any kernel runs) -----

def int_tuple(value, spatial, what, op, minimum):
    """``value`` (an int or a sequence of 1 or ``spatial`` ints) as ``spatial`` ints >= ``minimum``."""
    values = (value,) if isinstance(value, numbers.Integral) else value
    if not isinstance(values, (tuple, list)) or not all(isinstance(v, numbers.Integral) for v in values) \
            or len(values) not in (1, spatial):
        raise TypeError(f"{op}: {what} must be an int or a tuple of {spatial} ints, got {value!r}")
    values = tuple(int(v) for v in values) * (spatial // len(values))
    if min(values) < minimum:
        raise ValueError(f"{op}: {what} must be {'positive' if minimum else 'non-negative'}, got {value!r}")
    return values


def _as_3d(values, fill):
    """Per-axis values of a 1-D or 2-D convolution as (depth, height, width) triples, the missing axes ``fill``."""
    return (fill,) * (3 - len(values)) + tuple(values)


def shape_text(shape):
    """A shape or per-axis tuple as Python writes it: ``(2, 4, 9, 9)``, ``(3,)``."""
    return str(tuple(int(s) for s in shape))


def _check_operands(op, spatial, input, weight, bias, weight_channels):
    """Type, dtype and weight-rank checks; ``weight_channels`` names the weight's first two axes."""
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(f"{op}: input and weight must be Tensors, got {type(input).__name__} and "
                        f"{type(weight).__name__}")
    dtype = input.array.dtype
    if dtype not in FLOAT_DTYPES:
        raise TypeError(f"{op} supports float32 and float64 tensors, got input of dtype {input.dtype}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (not isinstance(t, Tensor) or t.array.dtype != dtype):
            got = t.dtype if isinstance(t, Tensor) else type(t).__name__
            raise TypeError(f"{op}: {name} must be a Tensor of the input's dtype {input.dtype}, got {got}")
    check_same_device(input, weight, bias)
    if weight.array.ndim != spatial + 2 or 0 in weight.array.shape:
        axes = ", ".join("k" + a for a in SPATIAL_AXES[spatial].split(", "))
        error = ValueError if weight.array.ndim != spatial + 2 else RuntimeError  # PyTorch's class for an empty one
        raise error(f"{op} expected a non-empty weight ({weight_channels}, {axes}), "
                    f"got {shape_text(weight.array.shape)}")


def _check_groups(op, groups, channels, weight):
    if not isinstance(groups, numbers.Integral) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    if channels % groups:
        raise ValueError(f"{op}: groups={groups} does not divide the {channels} channels of weight "
                         f"{shape_text(weight.array.shape)}")
    return int(groups)


def _check_input(op, spatial, input, channels):
    """The input's spatial size, after checking its rank and channel count; also whether it is batched."""
    shape = input.array.shape
    if input.array.ndim not in (spatial + 1, spatial + 2) or shape[-spatial - 1] != channels:
        raise ValueError(f"{op} expected input (N, C_in={channels}, {SPATIAL_AXES[spatial]}), got "
                         f"{shape_text(shape)}")
    if 0 in shape[-spatial:]:
        raise RuntimeError(f"{op}: only a zero batch may be empty, but got input of shape {shape_text(shape)}")
    return shape[-spatial:], input.array.ndim == spatial + 2


def _check_bias(op, bias, channels):
    if bias is not None and bias.array.shape != (channels,):
        raise ValueError(f"{op} expected bias of shape {shape_text((channels,))}, got {shape_text(bias.array.shape)}")


def _padding(op, padding, spatial, kernel, stride, dilation):
    """Zero padding (before, after) per axis, from an int, a tuple, 'valid' or 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * spatial, (0,) * spatial
        if padding != "same":
            raise ValueError(f"{op}: padding must be an int, a tuple of ints, 'valid' or 'same'; got {padding!r}")
        if any(s != 1 for s in stride):
            raise ValueError(f"{op}: padding='same' needs stride 1, got stride {stride}")
        total = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple(t // 2 for t in total), tuple(t - t // 2 for t in total)  # the odd pixel goes after
    pad = int_tuple(padding, spatial, "padding", op, 0)
    return pad, pad


def _run(face, spatial, batched, operands):
    """Apply ``face`` to the operands, adding and removing the batch axis of an unbatched input."""
    input, *rest = operands
    if batched:
        return face(input, *rest)
    return face(input.unsqueeze(0), *rest).squeeze(0)


# ----- public ops -----

def _convolution(op, spatial, input, weight, bias, stride, padding, dilation, groups):
    _check_operands(op, spatial, input, weight, bias, "C_out, C_in/groups")
    groups = _check_groups(op, groups, weight.array.shape[0], weight)
    size, batched = _check_input(op, spatial, input, weight.array.shape[1] * groups)
    _check_bias(op, bias, weight.array.shape[0])
    kernel = weight.array.shape[2:]
    stride = int_tuple(stride, spatial, "stride", op, 1)
    dilation = int_tuple(dilation, spatial, "dilation", op, 1)
    before, after = _padding(op, padding, spatial, kernel, stride, dilation)
    spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    padded = tuple(n + b + a for n, b, a in zip(size, before, after))
    if any(s > p for s, p in zip(spans, padded)):
        raise ValueError(f"{op}: the kernel {shape_text(kernel)} with dilation {shape_text(dilation)} spans "
                         f"{shape_text(spans)}, larger than the padded input {shape_text(padded)}")
    out = tuple((p - s) // st + 1 for p, s, st in zip(padded, spans, stride))
    geom = ConvGeometry(_as_3d(kernel, 1), _as_3d(stride, 1), _as_3d(before, 0), _as_3d(dilation, 1), groups,
                        _as_3d(size, 1), _as_3d(out, 1))
    operands = (input, weight) if bias is None else (input, weight, bias)
    keep_columns = GradMode.enabled and weight.requires_grad
    return _run(_Convolution(geom, spatial, keep_columns=keep_columns), spatial, batched, operands)


def _transposed_convolution(op, spatial, input, weight, bias, stride, padding, output_padding, groups, dilation):
    _check_operands(op, spatial, input, weight, bias, "C_in, C_out/groups")
    groups = _check_groups(op, groups, weight.array.shape[0], weight)
    size, batched = _check_input(op, spatial, input, weight.array.shape[0])
    _check_bias(op, bias, weight.array.shape[1] * groups)
    kernel = weight.array.shape[2:]
    stride = int_tuple(stride, spatial, "stride", op, 1)
    dilation = int_tuple(dilation, spatial, "dilation", op, 1)
    pad = int_tuple(padding, spatial, "padding", op, 0)
    extra = int_tuple(output_padding, spatial, "output_padding", op, 0)
    if any(e >= max(s, d) for e, s, d in zip(extra, stride, dilation)):
        raise ValueError(f"{op}: output_padding {shape_text(extra)} must be smaller than either stride "
                         f"{shape_text(stride)} or dilation {shape_text(dilation)}")
    out = tuple((n - 1) * s - 2 * p + d * (k - 1) + e + 1
                for n, s, p, d, k, e in zip(size, stride, pad, dilation, kernel, extra))
    if min(out) < 1:
        raise ValueError(f"{op}: the output size {shape_text(out)} computed from input {shape_text(size)}, "
                         f"kernel {shape_text(kernel)}, stride, padding and dilation is not positive")
    geom = ConvGeometry(_as_3d(kernel, 1), _as_3d(stride, 1), _as_3d(pad, 0), _as_3d(dilation, 1), groups,
                        _as_3d(out, 1), _as_3d(size, 1))
    operands = (input, weight) if bias is None else (input, weight, bias)
    return _run(_ConvolutionTranspose(geom, spatial), spatial, batched, operands)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation of ``input`` (N, C_in, H, W) with ``weight`` (C_out, C_in/groups, kH, kW).

    ``padding`` is an int, a pair, ``"valid"`` (none) or ``"same"`` (output as
    large as the input; stride 1 only). Unbatched (C_in, H, W) input is accepted.
    """
    return _convolution("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation of ``input`` (N, C_in, L) with ``weight`` (C_out, C_in/groups, kL)."""
    return _convolution("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D cross-correlation of ``input`` (N, C_in, D, H, W) with ``weight`` (C_out, C_in/groups, kD, kH, kW)."""
    return _convolution("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The adjoint of conv2d in its input ("deconvolution"); ``weight`` is (C_in, C_out/groups, kH, kW).

    The output is (N, C_out, H_out, W_out) with
    ``H_out = (H - 1)*stride - 2*padding + dilation*(kH - 1) + output_padding + 1``.
    """
    return _transposed_convolution("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding,
                                   groups, dilation)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The adjoint of conv1d in its input; ``weight`` is (C_in, C_out/groups, kL)."""
    return _transposed_convolution("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding,
                                   groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The adjoint of conv3d in its input; ``weight`` is (C_in, C_out/groups, kD, kH, kW)."""
    return _transposed_convolution("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding,
                                   groups, dilation)
