"""Activation functions and softmax.

Piecewise-linear activations multiply the incoming gradient by their constant
slope; smooth ones write their derivative with Tensor ops on the saved input,
so second derivatives work.
"""
import math
import warnings

import numpy as np

from autograd_core.function import Function
from autograd_core.ops.elementwise import relu as _relu, sigmoid, tanh
from autograd_core.ops.shape import sum_to
from autograd_core.tensor import _new, _check_dim

__all__ = ["relu", "relu6", "leaky_relu", "hardtanh", "hardsigmoid", "hardswish", "prelu", "elu", "selu", "celu",
           "gelu", "silu", "mish", "softplus", "softsign", "sigmoid", "tanh", "logsigmoid", "softmax", "softmin",
           "log_softmax"]

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _maybe_inplace(func, input, inplace, name):
    """``func(input)``, or written into ``input`` when ``inplace`` (errors then name the op ``<name>_``)."""
    if not inplace:
        return func(input)

    def write(x):
        return func(x)
    write.__name__ = name  # in-place errors name the op
    return input._apply_inplace(write)


# ----- piecewise linear -----
class _PiecewiseLinear(Function):
    """``y = f(x)`` for a piecewise-linear ``f``; ``compute`` returns y and the slope at x."""

    def forward(self, x):
        y, self.slope = self.compute(x)
        return y

    def backward(self, gy):
        return gy * _new(self.slope)


class LeakyRelu(_PiecewiseLinear):
    def __init__(self, negative_slope):
        self.negative_slope = negative_slope

    def compute(self, x):
        positive = x > 0
        one, neg = x.dtype.type(1), x.dtype.type(self.negative_slope)
        return np.where(positive, x, x * neg), np.where(positive, one, neg)


class Hardtanh(_PiecewiseLinear):
    """``clip(x * scale + shift, low, high)`` with slope ``scale`` strictly inside."""

    def __init__(self, low, high, scale=1.0, shift=0.0):
        self.low, self.high, self.scale, self.shift = low, high, scale, shift

    def compute(self, x):
        z = x * x.dtype.type(self.scale) + x.dtype.type(self.shift) if self.scale != 1 or self.shift else x
        inside = (z > self.low) & (z < self.high)
        return np.clip(z, self.low, self.high).astype(x.dtype, copy=False), inside * x.dtype.type(self.scale)


def relu(input, inplace=False):
    """max(x, 0)."""
    return _maybe_inplace(_relu, input, inplace, "relu")


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x for x > 0, else negative_slope * x."""
    return _maybe_inplace(LeakyRelu(negative_slope), input, inplace, "leaky_relu")


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clipped to [min_val, max_val]."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    return _maybe_inplace(Hardtanh(min_val, max_val), input, inplace, "hardtanh")


def relu6(input, inplace=False):
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input, inplace=False):
    """clip(x / 6 + 1/2, 0, 1)."""
    return _maybe_inplace(Hardtanh(0.0, 1.0, 1.0 / 6.0, 0.5), input, inplace, "hardsigmoid")


# ----- smooth activations (derivatives in Tensor ops) -----
class Elu(Function):
    """``scale * (x if x > 0 else alpha * (exp(input_scale * x) - 1))``: ELU, SELU and CELU."""

    saves_output = True

    def __init__(self, alpha, scale, input_scale):
        self.alpha, self.scale, self.input_scale = alpha, scale, input_scale

    def forward(self, x):
        t = x.dtype.type
        self.positive = x > 0
        negative = np.expm1(np.minimum(x, t(0)) * t(self.input_scale)) * t(self.alpha)
        y = np.where(self.positive, x, negative)
        if self.scale != 1:
            y *= t(self.scale)
        return y

    def backward(self, gy):
        y = self.saved_output()
        positive = self.positive.astype(y.array.dtype)
        negative_slope = (y + self.scale * self.alpha) * self.input_scale
        return gy * (_new(positive * y.array.dtype.type(self.scale)) + _new(1 - positive) * negative_slope)


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, else alpha * (exp(x) - 1)."""
    return _maybe_inplace(Elu(alpha, 1.0, 1.0), input, inplace, "elu")


def selu(input, inplace=False):
    """scale * elu(x, alpha) with the self-normalising constants."""
    return _maybe_inplace(Elu(_SELU_ALPHA, _SELU_SCALE, 1.0), input, inplace, "selu")


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be zero")
    return _maybe_inplace(Elu(alpha, 1.0, 1.0 / alpha), input, inplace, "celu")


def _ndtr(x):
    """Φ(x) on an array, in its dtype."""
    from scipy.special import ndtr  # imported on first use: scipy is slow to load
    return ndtr(x)


class NormalCdf(Function):
    """Φ(x), the standard normal CDF; dΦ/dx = φ(x)."""

    saves = (0,)

    def forward(self, x):
        return _ndtr(x)

    def backward(self, gy):
        (x,) = self.saved_tensors
        return gy * _normal_pdf(x)


def _normal_pdf(x):
    return (x * x * -0.5).exp() * _INV_SQRT_2PI


class Gelu(Function):
    saves = (0,)

    def __init__(self, approximate):
        self.approximate = approximate

    def forward(self, x):
        if self.approximate == "tanh":
            inner = (x + x * x * x * x.dtype.type(0.044715)) * x.dtype.type(_SQRT_2_OVER_PI)
            return x * (np.tanh(inner) + 1) * x.dtype.type(0.5)
        return x * _ndtr(x)

    def backward(self, gy):
        (x,) = self.saved_tensors
        if self.approximate == "tanh":
            t = ((x + x * x * x * 0.044715) * _SQRT_2_OVER_PI).tanh()
            slope = (t + 1) * 0.5 + x * 0.5 * (1 - t * t) * (x * x * (3 * 0.044715) + 1) * _SQRT_2_OVER_PI
        else:
            slope = NormalCdf()(x) + x * _normal_pdf(x)
        return gy * slope


def gelu(input, approximate="none"):
    """x * Φ(x) (``approximate='none'``, exact via erf) or its tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate argument must be either 'none' or 'tanh', got '{approximate}'")
    return Gelu(approximate)(input)


def _stable_sigmoid(x):
    return np.tanh(x * x.dtype.type(0.5)) * x.dtype.type(0.5) + x.dtype.type(0.5)


class Silu(Function):
    saves = (0,)

    def forward(self, x):
        return x * _stable_sigmoid(x)

    def backward(self, gy):
        (x,) = self.saved_tensors
        s = x.sigmoid()
        return gy * s * (x * (1 - s) + 1)


def silu(input, inplace=False):
    """x * sigmoid(x) (swish)."""
    return _maybe_inplace(Silu(), input, inplace, "silu")


class Softplus(Function):
    """``log(1 + exp(beta x)) / beta``, and ``x`` where ``beta x > threshold``."""

    saves = (0,)

    def __init__(self, beta, threshold):
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        z = x * x.dtype.type(self.beta) if self.beta != 1 else x
        self.linear = z > self.threshold
        smooth = np.logaddexp(x.dtype.type(0), z)
        if self.beta != 1:
            smooth /= x.dtype.type(self.beta)
        return np.where(self.linear, x, smooth)

    def backward(self, gy):
        (x,) = self.saved_tensors
        linear = self.linear.astype(x.array.dtype)
        z = x * self.beta if self.beta != 1 else x
        return gy * (_new(linear) + _new(1 - linear) * z.sigmoid())


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, computed stably; x itself where beta x > threshold."""
    return Softplus(beta, threshold)(input)


class Mish(Function):
    saves = (0,)

    def forward(self, x):
        return x * np.tanh(np.logaddexp(x.dtype.type(0), x))

    def backward(self, gy):
        (x,) = self.saved_tensors
        t = softplus(x).tanh()
        return gy * (t + x * x.sigmoid() * (1 - t * t))


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    return _maybe_inplace(Mish(), input, inplace, "mish")


class Softsign(Function):
    saves = (0,)

    def forward(self, x):
        self.sign = np.sign(x)
        return x / (np.abs(x) + 1)

    def backward(self, gy):
        (x,) = self.saved_tensors
        denominator = x * _new(self.sign) + 1  # 1 + |x|
        return gy / (denominator * denominator)


def softsign(input):
    """x / (1 + |x|)."""
    return Softsign()(input)


class Hardswish(Function):
    saves = (0,)

    def forward(self, x):
        t = x.dtype.type
        self.middle = ((x >= -3) & (x <= 3)).astype(x.dtype)
        self.upper = (x > 3).astype(x.dtype)
        return x * np.clip(x + t(3), t(0), t(6)) / t(6)

    def backward(self, gy):
        (x,) = self.saved_tensors
        return gy * (_new(self.middle) * (x / 3 + 0.5) + _new(self.upper))


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6."""
    return _maybe_inplace(Hardswish(), input, inplace, "hardswish")


class Prelu(Function):
    """``x if x > 0 else w * x`` with ``w`` broadcast over the input."""

    saves = (0, 1)

    def forward(self, x, w):
        self.positive = x > 0
        return np.where(self.positive, x, w * x)

    def backward(self, gy):
        x, w = self.saved_tensors
        positive = self.positive.astype(x.array.dtype)
        negative = _new(1 - positive)
        gx = gy * (_new(positive) + negative * w) if self.needs_input_grad[0] else None
        gw = sum_to(gy * x * negative, w.array.shape) if self.needs_input_grad[1] else None
        return gx, gw


def prelu(input, weight):
    """Leaky ReLU with a learnt slope per channel (dim 1), or one shared slope."""
    channels = weight.array.size
    if weight.array.ndim > 1 or (channels != 1 and (input.array.ndim < 2 or input.array.shape[1] != channels)):
        raise RuntimeError(f"prelu: weight of shape {tuple(weight.shape)} does not match input of shape "
                           f"{tuple(input.shape)}: expected 1 slope or one per channel (dim 1)")
    if channels != 1:
        weight = weight.reshape((channels,) + (1,) * (input.array.ndim - 2))
    return Prelu()(input, weight)


def logsigmoid(input):
    """log(sigmoid(x)), stable for large |x|."""
    return -softplus(-input)


# ----- softmax family -----
class Softmax(Function):
    saves_output = True

    def __init__(self, dim):
        self.dim = dim

    def forward(self, x):
        e = np.exp(x - x.max(axis=self.dim, keepdims=True))
        e /= e.sum(axis=self.dim, keepdims=True)
        return e

    def backward(self, gy):
        y = self.saved_output()
        return y * (gy - (gy * y).sum(self.dim, keepdim=True))


class LogSoftmax(Function):
    saves_output = True

    def __init__(self, dim):
        self.dim = dim

    def forward(self, x):
        z = x - x.max(axis=self.dim, keepdims=True)
        z -= np.log(np.exp(z).sum(axis=self.dim, keepdims=True))
        return z

    def backward(self, gy):
        y = self.saved_output()
        return gy - y.exp() * gy.sum(self.dim, keepdim=True)


def _softmax_args(input, dim, dtype, op):
    """The normalised dim (PyTorch's legacy implicit choice when None) and the input in ``dtype``."""
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {op} has been deprecated. "
                      "Change the call to include dim=X as an argument.", stacklevel=3)
        dim = 0 if input.array.ndim in (0, 1, 3) else 1
    if dtype is not None:
        input = input.to(dtype)
    if input.array.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point input, got {input.dtype} (pass dtype=torch.float32)")
    return input, _check_dim(dim, input.array.ndim, op)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim``, computed stably."""
    input, dim = _softmax_args(input, dim, dtype, "softmax")
    return Softmax(dim)(input)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along ``dim``."""
    input, dim = _softmax_args(input, dim, dtype, "softmin")
    return Softmax(dim)(-input)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """x - logsumexp(x) along ``dim``, computed stably."""
    input, dim = _softmax_args(input, dim, dtype, "log_softmax")
    return LogSoftmax(dim)(input)
