"""Normalization ops: batch_norm, layer_norm, group_norm (torch.nn.functional signatures).

All three standardize ``x`` over some axes with one fused op, ``Standardize``
(mean and biased variance in numpy, closed-form backward), then apply the
optional per-feature scale and shift with ordinary Tensor ops.
"""

from autograd_core.function import Function
from autograd_core.grad_mode import GradMode, no_grad
from autograd_core.tensor import _new

__all__ = ["batch_norm", "layer_norm", "group_norm"]


def _standardize(x, eps, mean):
    """``(x - E[x]) / sqrt(Var[x] + eps)`` with the biased variance; ``mean`` reduces over the normalized axes.

    Written once for ndarrays (forward) and Tensors (differentiable backward).
    Returns the standardized values, the mean, the variance and 1/std.
    """
    mu = mean(x)
    centered = x - mu
    var = mean(centered * centered)
    rstd = (var + eps) ** -0.5
    return centered * rstd, mu, var, rstd


def _standardize_grad(gy, xhat, rstd, mean):
    """d/dx of ``_standardize`` applied to ``gy``: ``rstd * (gy - E[gy] - xhat * E[gy * xhat])``."""
    return rstd * (gy - mean(gy) - xhat * mean(gy * xhat))


class Standardize(Function):
    """Zero mean, unit (biased) variance over ``axes``; keeps the batch statistics for running averages."""

    saves = (0,)

    def __init__(self, axes, eps):
        self.axes, self.eps = axes, eps

    def _array_mean(self, a):
        return a.mean(axis=self.axes, keepdims=True)

    def _tensor_mean(self, t):
        return t.mean(dim=self.axes, keepdim=True)

    def forward(self, x):
        xhat, self.batch_mean, self.batch_var, self.rstd = _standardize(x, self.eps, self._array_mean)
        return xhat

    def backward(self, gy):
        x = self.saved(0)
        if GradMode.enabled:  # create_graph: rebuild the statistics from x so that they are differentiated too
            xhat, _, _, rstd = _standardize(x, self.eps, self._tensor_mean)
            return _standardize_grad(gy, xhat, rstd, self._tensor_mean)
        xhat = (x.array - self.batch_mean) * self.rstd
        return _new(_standardize_grad(gy.array, xhat, self.rstd, self._array_mean))


def _affine(y, weight, bias, feature_shape):
    """``y * weight + bias`` with both reshaped to ``feature_shape`` for broadcasting; either may be None."""
    if weight is not None:
        y = y * weight.reshape(feature_shape)
    if bias is not None:
        y = y + bias.reshape(feature_shape)
    return y


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
    channels = input.shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        _check_param("batch_norm", name, t, (channels,))
    feature_shape = (1, channels) + (1,) * (input.dim() - 2)
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var must be given when training=False")
        scale = (running_var.detach() + eps) ** -0.5
        if weight is not None:
            scale = scale * weight
        shift = -running_mean.detach() * scale
        if bias is not None:
            shift = shift + bias
        return input * scale.reshape(feature_shape) + shift.reshape(feature_shape)
    count = input.numel() // channels
    if count <= 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
    op = Standardize((0,) + tuple(range(2, input.dim())), eps)
    y = op(input)
    if running_mean is not None and running_var is not None:
        _update_running_stats(running_mean, running_var, op, count, momentum)
    return _affine(y, weight, bias, feature_shape)


def _update_running_stats(running_mean, running_var, op, count, momentum):
    """``running = (1 - momentum) * running + momentum * batch``, with the unbiased batch variance."""
    batch_mean = _new(op.batch_mean.reshape(-1))
    batch_var = _new(op.batch_var.reshape(-1) * (count / (count - 1)))
    with no_grad():
        running_mean.mul_(1 - momentum).add_(batch_mean * momentum)
        running_var.mul_(1 - momentum).add_(batch_var * momentum)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize over the trailing dims given by ``normalized_shape``."""
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(normalized_shape)
    if k == 0 or input.dim() < k or tuple(input.shape[input.dim() - k:]) != normalized_shape:
        raise RuntimeError(f"layer_norm: Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, normalized_shape))}], but got input of size{list(input.shape)}")
    _check_param("layer_norm", "weight", weight, normalized_shape)
    _check_param("layer_norm", "bias", bias, normalized_shape)
    y = Standardize(tuple(range(input.dim() - k, input.dim())), eps)(input)
    return _affine(y, weight, bias, normalized_shape)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Split the channels (dim 1) into ``num_groups`` groups and normalize each group per sample."""
    if input.dim() < 2 or input.shape[1] % num_groups != 0:
        raise RuntimeError(f"group_norm: Expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {list(input.shape)} and num_groups={num_groups}")
    n, channels = input.shape[0], input.shape[1]
    _check_param("group_norm", "weight", weight, (channels,))
    _check_param("group_norm", "bias", bias, (channels,))
    y = Standardize((2,), eps)(input.reshape(n, num_groups, -1)).reshape(input.shape)
    return _affine(y, weight, bias, (1, channels) + (1,) * (input.dim() - 2))
