"""Normalization ops: batch_norm, layer_norm, group_norm (torch.nn.functional signatures).

Each is one fused op, as in PyTorch (its node is ``NativeBatchNormBackward0``,
``NativeLayerNormBackward0`` or ``NativeGroupNormBackward0``): standardize ``x``
over some axes (mean and biased variance, or batch norm's running statistics
in evaluation), then apply the optional per-feature scale and shift. The
backward is written once for arrays (the usual pass) and for Tensors (under
``create_graph``, where the statistics are rebuilt from x so that they are
differentiated too).
"""
from types import SimpleNamespace

import numpy as np

import autograd_core
from autograd_core import as_tensor, no_grad, sum_to
from autograd_core.arrays import array_module, optional_kernels
from autograd_core.autograd import Function
from autograd_core.tensor import int_arg

from ._misc import pad

__all__ = ["batch_norm", "layer_norm", "group_norm"]


def _broadcast_axes(ndim, param_shape):
    """The axes of an ``ndim``-dim array that a ``param_shape`` operand (aligned right) is broadcast over."""
    lead = ndim - len(param_shape)
    return tuple(i for i in range(ndim) if i < lead or param_shape[i - lead] == 1)


# the reductions the backward needs, on arrays and on Tensors
_ARRAYS = SimpleNamespace(mean=lambda a, axes: a.mean(axis=axes, keepdims=True),
                          total=lambda a, param_shape: a.sum(axis=_broadcast_axes(a.ndim, param_shape)))
_TENSORS = SimpleNamespace(mean=lambda t, axes: t.mean(dim=axes, keepdim=True), total=sum_to)


class _Normalization(Function):
    """``(x - mean) * rstd * weight + bias``, the statistics over ``axes`` of x viewed as ``stats_shape``.

    Inputs: x, then the weight and the bias when given (``affine``: which of
    the two), then batch norm's running mean and variance where they stand in
    for the batch statistics (``given_stats``). The weight and bias have
    ``feature_shape`` and broadcast as ``param_shape``. With ``returns_stats``
    the op also outputs the batch mean and biased variance (flat), for the
    running averages. Saved for backward: x, the weight, the mean and 1/std.
    """

    def __init__(self, stats_shape, axes, feature_shape, param_shape, eps, affine, given_stats=False,
                 returns_stats=False):
        self.stats_shape, self.axes, self.eps = stats_shape, axes, eps
        self.feature_shape, self.param_shape = feature_shape, param_shape
        self.has_weight, self.has_bias = affine
        self.given_stats, self.returns_stats = given_stats, returns_stats
        self.saves = (0, 1) if self.has_weight else (0,)

    def forward(self, x, *rest):
        xs = x.reshape(self.stats_shape)
        if self.given_stats:
            mean, var = (s.astype(x.dtype).reshape(self.param_shape) for s in rest[-2:])  # copies: saved
            centered = xs - mean
        else:
            mean = xs.mean(axis=self.axes, keepdims=True)
            centered = xs - mean
            var = (centered * centered).mean(axis=self.axes, keepdims=True)
        rstd = (var + self.eps) ** -0.5
        y = (centered * rstd).reshape(x.shape)
        if self.has_weight:
            y *= rest[0].reshape(self.param_shape)
        if self.has_bias:
            y += rest[self.has_weight].reshape(self.param_shape)
        self.save_for_backward(mean, rstd)
        return (y, mean.reshape(-1), var.reshape(-1)) if self.returns_stats else y

    def backward(self, gy, *_):
        x, *rest = self.saved_tensors
        weight = rest[0] if self.has_weight else None
        mean, rstd = rest[-2:]
        if not autograd_core.is_grad_enabled():
            grads = self.input_grads(_ARRAYS, gy.array, x.array, None if weight is None else weight.array, mean, rstd)
            return tuple([None if g is None else as_tensor(g) for g in grads])
        if self.given_stats:
            mean, rstd = as_tensor(mean), as_tensor(rstd)
        else:  # create_graph: the statistics as functions of x
            xs = x.reshape(self.stats_shape)
            mean = xs.mean(dim=self.axes, keepdim=True)
            centered = xs - mean
            rstd = ((centered * centered).mean(dim=self.axes, keepdim=True) + self.eps) ** -0.5
        return self.input_grads(_TENSORS, gy, x, weight, mean, rstd)

    def input_grads(self, math, gy, x, weight, mean, rstd):
        """One gradient (or None) per input, with ``math``'s reductions (on arrays or on Tensors)."""
        needs = self.needs_input_grad
        xhat = ((x.reshape(self.stats_shape) - mean) * rstd).reshape(x.shape)
        grads = [None] * len(needs)
        if needs[0]:
            g = gy if weight is None else gy * weight.reshape(self.param_shape)
            if not self.given_stats:  # through the batch statistics too
                g, xh = g.reshape(self.stats_shape), xhat.reshape(self.stats_shape)
                g = g - math.mean(g, self.axes) - xh * math.mean(g * xh, self.axes)
            grads[0] = (g.reshape(self.stats_shape) * rstd).reshape(x.shape)
        if self.has_weight and needs[1]:
            grads[1] = math.total(gy * xhat, self.param_shape).reshape(self.feature_shape)
        if self.has_bias and needs[1 + self.has_weight]:
            grads[1 + self.has_weight] = math.total(gy, self.param_shape).reshape(self.feature_shape)
        return tuple(grads)


class NativeBatchNorm(_Normalization):
    """Batch norm: statistics per channel (dim 1) over the batch and spatial dims."""


def _row_kernels(x):
    """The backend's "normalization" kernels for a non-empty float32 or float64 array ``x``, else None (then the
    general code runs)."""
    if x.dtype not in (np.float32, np.float64) or x.size == 0:
        return None
    return optional_kernels("normalization", x)


class NativeLayerNorm(_Normalization):
    """Layer norm: statistics per sample over the trailing ``normalized_shape`` dims.

    On arrays with "normalization" kernels (see ``_row_kernels``) forward and the
    array backward are one loop per row of x viewed as (rows, features), with
    float64 statistics; the Tensor backward (``create_graph``) is the general one.
    """

    def forward(self, x, *params):
        rows_kernels = _row_kernels(x)
        if rows_kernels is None:
            return super().forward(x, *params)
        xp, rows = array_module(x), x.reshape(-1, int(np.prod(self.feature_shape)))
        weight = params[0].reshape(-1) if self.has_weight else None
        bias = params[self.has_weight].reshape(-1) if self.has_bias else None
        y = xp.empty(rows.shape, dtype=x.dtype)
        mean, rstd = xp.empty(rows.shape[0]), xp.empty(rows.shape[0])
        rows_kernels.layer_norm(rows, weight, bias, self.eps, y, mean, rstd)
        stats_shape = x.shape[:x.ndim - len(self.feature_shape)] + (1,) * len(self.feature_shape)
        self.save_for_backward(mean.reshape(stats_shape), rstd.reshape(stats_shape))
        return y.reshape(x.shape)

    def input_grads(self, math, gy, x, weight, mean, rstd):
        rows_kernels = _row_kernels(x) if math is _ARRAYS else None
        if rows_kernels is None:
            return super().input_grads(math, gy, x, weight, mean, rstd)
        xp, features = array_module(x), int(np.prod(self.feature_shape))
        needs = self.needs_input_grad
        gx = xp.empty((x.size // features, features), dtype=x.dtype) if needs[0] else None
        g_weight = xp.empty(features, dtype=x.dtype) if self.has_weight and needs[1] else None
        g_bias = xp.empty(features, dtype=x.dtype) if self.has_bias and needs[1 + self.has_weight] else None
        rows_kernels.layer_norm_backward(gy.reshape(-1, features), x.reshape(-1, features),
                                         None if weight is None else weight.reshape(-1), mean.reshape(-1),
                                         rstd.reshape(-1), gx, g_weight, g_bias)
        grads = [None if gx is None else gx.reshape(x.shape)]
        grads += [None if g is None else g.reshape(self.feature_shape) for g, given in
                  ((g_weight, self.has_weight), (g_bias, self.has_bias)) if given]
        return tuple(grads)


class NativeGroupNorm(_Normalization):
    """Group norm: statistics per sample and channel group."""


def _affine_inputs(weight, bias):
    """The optional weight and bias: which are given, and the given ones."""
    return (weight is not None, bias is not None), tuple(p for p in (weight, bias) if p is not None)


def _check_param(op, name, param, expected):
    if param is not None and tuple(param.shape) != tuple(expected):
        raise RuntimeError(f"{op}: expected {name} of shape {list(expected)}, but got {list(param.shape)}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalize each channel (dim 1) over the batch and spatial dims.

    In training, batch statistics normalize the input and, when given, the
    running buffers move towards them (the variance unbiased); otherwise the
    running statistics are used.
    """
    if input.dim() < 2:
        raise ValueError(f"batch_norm: expected an input of at least 2 dims (N, C, ...), but got shape "
                         f"{list(input.shape)}")
    if input.numel() == 0:
        return _batch_norm_of_nothing(input, weight, bias)
    channels = input.shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        _check_param("batch_norm", name, t, (channels,))
    shape = tuple(input.shape)
    param_shape = (1, channels) + (1,) * (len(shape) - 2)
    axes = (0,) + tuple(range(2, len(shape)))
    affine, params = _affine_inputs(weight, bias)
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var must be given when training=False")
        op = NativeBatchNorm(shape, axes, (channels,), param_shape, eps, affine, given_stats=True)
        return op(input, *params, running_mean, running_var)
    count = input.numel() // channels
    if count == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
    tracking = running_mean is not None and running_var is not None
    op = NativeBatchNorm(shape, axes, (channels,), param_shape, eps, affine, returns_stats=tracking)
    if not tracking:
        return op(input, *params)
    y, batch_mean, batch_var = op(input, *params)
    with no_grad():  # the running variance moves towards the unbiased batch variance
        running_mean.mul_(1 - momentum).add_(batch_mean * momentum)
        running_var.mul_(1 - momentum).add_(batch_var * (momentum * count / max(count - 1, 1)))
    return y


def _batch_norm_of_nothing(input, weight, bias):
    """ATen's batch norm of an empty input: no statistics, nor checks; a copy scaled and shifted by the first
    weight and bias, so that the parameters get (zero) gradients."""
    y = input.clone()
    if weight is not None:
        y = y * weight[0]
    return y if bias is None else y + bias[0]


def _trailing_shape(op, input, normalized_shape):
    """``normalized_shape`` as a tuple, checked to be the input's trailing dims."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    else:
        normalized_shape = tuple([int_arg(s, op, "normalized_shape") for s in normalized_shape])
    k = len(normalized_shape)
    if k == 0 or input.dim() < k or tuple(input.shape[input.dim() - k:]) != normalized_shape:
        raise RuntimeError(f"{op}: Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, normalized_shape))}], but got input of size{list(input.shape)}")
    return normalized_shape


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize over the trailing dims given by ``normalized_shape``."""
    normalized_shape = _trailing_shape("layer_norm", input, normalized_shape)
    k = len(normalized_shape)
    _check_param("layer_norm", "weight", weight, normalized_shape)
    _check_param("layer_norm", "bias", bias, normalized_shape)
    shape = tuple(input.shape)
    affine, params = _affine_inputs(weight, bias)
    op = NativeLayerNorm(shape, tuple(range(len(shape) - k, len(shape))), normalized_shape, normalized_shape, eps,
                         affine)
    return op(input, *params)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Split the channels (dim 1) into ``num_groups`` groups and normalize each group per sample."""
    if input.dim() < 2:
        raise RuntimeError(f"group_norm: Expected at least 2 dimensions for input tensor but received {input.dim()}")
    if input.shape[1] % num_groups != 0:
        raise RuntimeError(f"group_norm: Expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {list(input.shape)} and num_groups={num_groups}")
    n, channels = input.shape[0], input.shape[1]
    _check_param("group_norm", "weight", weight, (channels,))
    _check_param("group_norm", "bias", bias, (channels,))
    affine, params = _affine_inputs(weight, bias)
    param_shape = (1, channels) + (1,) * (input.dim() - 2)
    group_size = channels // num_groups * int(np.prod(input.shape[2:], dtype=np.int64))  # not -1: n may be 0
    op = NativeGroupNorm((n, num_groups, group_size), (2,), (channels,), param_shape, eps, affine)
    return op(input, *params)


__all__ += ["rms_norm"]


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """``x / sqrt(mean(x^2) + eps) * weight``, the mean over the trailing ``normalized_shape`` dims.

    Composed of existing ops, as PyTorch's is; ``eps`` defaults to the dtype's machine epsilon.
    """
    normalized_shape = _trailing_shape("rms_norm", input, normalized_shape)
    _check_param("rms_norm", "weight", weight, normalized_shape)
    eps = float(np.finfo(input.array.dtype).eps) if eps is None else eps
    dims = tuple(range(-len(normalized_shape), 0))
    y = input * (input.pow(2).mean(dim=dims, keepdim=True) + eps).rsqrt()
    return y if weight is None else y * weight


__all__ += ["instance_norm", "local_response_norm"]


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalize each channel of each sample over its spatial dims, as PyTorch does: batch norm of the
    (1, N * C, *) view, the per-channel weight, bias and running statistics repeated per sample.

    With ``use_input_stats`` the running statistics (when given) move towards
    the batch's, averaged over the samples; otherwise they normalize.
    """
    if input.dim() < 2:
        raise ValueError(f"instance_norm: expected an input of at least 2 dims (N, C, ...), but got shape "
                         f"{list(input.shape)}")
    spatial = int(np.prod(input.shape[2:]))
    if use_input_stats and spatial == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {input.shape}")
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("instance_norm: Expected running_mean and running_var to be defined when use_input_stats "
                           "is false")
    n, channels = input.shape[0], input.shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean), ("running_var", running_var)):
        _check_param("instance_norm", name, t, (channels,))
    if input.numel() == 0:
        return input.clone().view(input.shape)
    repeated = [None if t is None else t.repeat(n) for t in (running_mean, running_var, weight, bias)]
    y = batch_norm(input.reshape((1, n * channels) + tuple(input.shape[2:])), *repeated, use_input_stats, momentum,
                   eps)
    if use_input_stats:
        with no_grad():
            for running, moved in zip((running_mean, running_var), repeated):
                if running is not None:
                    running.copy_(moved.view(n, channels).mean(0))
    return y.view(input.shape)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """``input / (k + alpha * mean of input^2 over size neighbouring channels) ** beta`` (AlexNet's LRN).

    The window over channels (dim 1) runs from ``c - size // 2`` to
    ``c + (size - 1) // 2``, zero past the ends.
    """
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input (got {input.dim()} "
                         "dimensions)")
    if input.numel() == 0:
        return input
    n, channels = input.shape[0], input.shape[1]
    squares = pad((input * input).reshape(n, channels, -1), (0, 0, size // 2, (size - 1) // 2))
    window = squares[:, :channels]
    for offset in range(1, size):
        window = window + squares[:, offset:offset + channels]
    return input / ((window.reshape(input.shape) / size) * alpha + k) ** beta
