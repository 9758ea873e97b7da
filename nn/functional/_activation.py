"""Activation functions and softmax.

Piecewise-linear activations save their slope (or where they are flat) for
backward; smooth ones write their derivative with Tensor ops on the saved
input or output, so second derivatives work. Branches are selected, never
blended by multiplication, so an infinite input or upstream gradient gets its
branch's slope as in PyTorch (not 0 * inf = nan). With ``inplace=True`` the
result is written into the input, which then hangs from the op's node, as in
PyTorch.
"""
import math
import warnings

import autograd_core
from autograd_core import as_tensor, sigmoid, sum_to, tanh
from autograd_core.autograd import Function

from autograd_core.arrays import array_module
from autograd_core.tensor import int_arg

__all__ = ["relu", "relu6", "leaky_relu", "hardtanh", "hardsigmoid", "hardswish", "prelu", "elu", "selu", "celu",
           "gelu", "silu", "mish", "softplus", "softsign", "sigmoid", "tanh", "logsigmoid", "softmax", "softmin",
           "log_softmax"]

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def checked_dim(dim, ndim, op):
    """``dim`` as a non-negative axis of an ``ndim``-dim input, with PyTorch's errors when no int or out of range."""
    n = max(ndim, 1)
    if type(dim) is not int:
        dim = int_arg(dim, op, "dim")
    if not -n <= dim < n:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


# ----- in place -----
class _WrittenInPlace(Function):
    """The node an input written in place hangs from (``leaky_relu_``, ``elu_``...), named as PyTorch names it.

    The values were written by ``copy_`` from the op's result, so the graph
    behind this node differentiates them (to every order); its own backward is
    the identity.
    """

    @staticmethod
    def forward(ctx, input, label):
        ctx.label = label
        ctx.mark_dirty(input)
        return input

    @staticmethod
    def backward(ctx, gy):
        return gy, None

    def name(self):
        return self.label


def _maybe_inplace(op, input, inplace, name, version=0):
    """``op(input)``, or written into ``input`` when ``inplace``; the node is ``<Op>Backward<version>``.

    PyTorch numbers the in-place node 1 where its backward reads the output
    instead of the input (``LeakyReluBackward1``, ``EluBackward1``). An op
    that saves its input works on a copy, since the input is overwritten.
    """
    if not inplace:
        return op(input)
    if not (autograd_core.is_grad_enabled() and input.requires_grad):
        return input.copy_(op(input))
    if input.is_leaf:
        raise RuntimeError(f"{name}_: a leaf Variable that requires grad is being used in an in-place operation.")
    label = f"{type(op).__name__}Backward{version}"  # before op runs: a recorded op takes its node's class
    input.copy_(op(input.clone() if op.saves else input))
    return _WrittenInPlace.apply(input, label)


# ----- piecewise linear -----
class _PiecewiseLinear(Function):
    """``y = f(x)`` for a piecewise-linear ``f``; ``compute`` returns y and the slope at x (saved for backward)."""

    def forward(self, x):
        y, slope = self.compute(x)
        self.save_for_backward(slope)
        return y

    def backward(self, gy):
        (slope,) = self.saved_tensors
        return gy * as_tensor(slope)


class LeakyRelu(_PiecewiseLinear):
    def __init__(self, negative_slope):
        self.negative_slope = negative_slope

    def compute(self, x):
        xp = array_module(x)
        positive = x > 0
        one, neg = x.dtype.type(1), x.dtype.type(self.negative_slope)
        return xp.where(positive, x, x * neg), xp.where(positive, one, neg)


class Hardtanh(_PiecewiseLinear):
    """``clip(x * scale + shift, low, high)`` with slope ``scale`` strictly inside, flat outside (and at NaN)."""

    def __init__(self, low, high, scale=1.0, shift=0.0):
        self.low, self.high, self.scale, self.shift = low, high, scale, shift

    def compute(self, x):
        z = x * x.dtype.type(self.scale) + x.dtype.type(self.shift) if self.scale != 1 or self.shift else x
        inside = (z > self.low) & (z < self.high)
        return z.clip(self.low, self.high).astype(x.dtype, copy=False), inside

    def backward(self, gy):
        (inside,) = self.saved_tensors
        g = gy * self.scale if self.scale != 1 else gy
        return g.masked_fill(as_tensor(~inside), 0)


class Hardsigmoid(Hardtanh):
    """``clip(x / 6 + 1/2, 0, 1)``."""

    def __init__(self):
        super().__init__(0.0, 1.0, 1.0 / 6.0, 0.5)


def relu(input, inplace=False):
    """max(x, 0)."""
    return input.relu_() if inplace else autograd_core.relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x for x > 0, else negative_slope * x."""
    return _maybe_inplace(LeakyRelu(negative_slope), input, inplace, "leaky_relu", version=1)


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
    return _maybe_inplace(Hardsigmoid(), input, inplace, "hardsigmoid")


# ----- smooth activations (derivatives in Tensor ops) -----
class Elu(Function):
    """``scale * (x if x > 0 else alpha * (exp(input_scale * x) - 1))``: ELU and SELU."""

    saves_output = True

    def __init__(self, alpha, scale, input_scale):
        self.alpha, self.scale, self.input_scale = alpha, scale, input_scale

    def forward(self, x):
        xp, t = array_module(x), x.dtype.type
        exponential = x <= 0  # NaN takes the linear branch, as in PyTorch
        y = xp.where(exponential, xp.expm1(xp.minimum(x, t(0)) * t(self.input_scale)) * t(self.alpha), x)
        if self.scale != 1:
            y *= t(self.scale)
        self.save_for_backward(exponential)
        return y

    def backward(self, gy):
        y = self.saved_output()
        (exponential,) = self.saved_tensors
        exponential_slope = (y + self.scale * self.alpha) * self.input_scale
        return gy * exponential_slope.where(as_tensor(exponential), self.scale)


class Celu(Elu):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""

    def __init__(self, alpha):
        super().__init__(alpha, 1.0, 1.0 / alpha)


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, else alpha * (exp(x) - 1)."""
    return _maybe_inplace(Elu(alpha, 1.0, 1.0), input, inplace, "elu", version=1)


def selu(input, inplace=False):
    """scale * elu(x, alpha) with the self-normalising constants."""
    return _maybe_inplace(Elu(_SELU_ALPHA, _SELU_SCALE, 1.0), input, inplace, "selu", version=1)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be zero")
    return _maybe_inplace(Celu(alpha), input, inplace, "celu", version=1)


def _ndtr(x):
    """Φ(x) on an array, in its dtype (scipy's ufunc: array backends dispatch it to their own)."""
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
            return x * x.dtype.type(0.5) * (array_module(x).tanh(inner) + 1)  # x / 2 first: no overflow at the max
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


class Silu(Function):
    saves = (0,)

    def forward(self, x):
        half = x.dtype.type(0.5)
        return x * (array_module(x).tanh(x * half) * half + half)  # x * sigmoid(x), stable for large |x|

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
        xp = array_module(x)
        z = x * x.dtype.type(self.beta) if self.beta != 1 else x
        linear = z > self.threshold
        smooth = xp.logaddexp(x.dtype.type(0), z)
        if self.beta != 1:
            smooth /= x.dtype.type(self.beta)
        self.save_for_backward(linear)
        return xp.where(linear, x, smooth)

    def backward(self, gy):
        x, linear = self.saved_tensors
        linear = linear.astype(x.dtype.numpy)
        z = x * self.beta if self.beta != 1 else x
        return gy * (as_tensor(linear) + as_tensor(1 - linear) * z.sigmoid())


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, computed stably; x itself where beta x > threshold."""
    return Softplus(beta, threshold)(input)


class Mish(Function):
    saves = (0,)

    def forward(self, x):
        xp = array_module(x)
        return x * xp.tanh(xp.logaddexp(x.dtype.type(0), x))

    def backward(self, gy):
        (x,) = self.saved_tensors
        t = softplus(x).tanh()
        return gy * (t + x * x.sigmoid() * (1 - t * t))


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    return _maybe_inplace(Mish(), input, inplace, "mish")


def softsign(input):
    """x / (1 + |x|)."""
    return input / (input.abs() + 1)


class Hardswish(Function):
    """``x * relu6(x + 3) / 6``; the slope is 0 for x <= -3, 1 for x >= 3 (and NaN), x / 3 + 1/2 between."""

    saves = (0,)

    def forward(self, x):
        t = x.dtype.type
        return x * (x + t(3)).clip(t(0), t(6)) / t(6)

    def backward(self, gy):
        (x,) = self.saved_tensors
        a = x.array
        return (gy * (x / 3 + 0.5)).where(as_tensor(a < 3), gy).masked_fill(as_tensor(a <= -3), 0)


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6."""
    return _maybe_inplace(Hardswish(), input, inplace, "hardswish")


class PreluKernel(Function):
    """``x if x > 0 else w * x`` with ``w`` broadcast over the input (PyTorch's ``_prelu_kernel``)."""

    saves = (0, 1)

    def forward(self, x, w):
        return array_module(x).where(x > 0, x, w * x)

    def backward(self, gy):
        x, w = self.saved_tensors
        positive = (x.array > 0).astype(x.array.dtype)
        negative = as_tensor(1 - positive)
        gx = gy * (as_tensor(positive) + negative * w) if self.needs_input_grad[0] else None
        gw = sum_to(gy * x * negative, w.shape) if self.needs_input_grad[1] else None
        return gx, gw


def prelu(input, weight):
    """Leaky ReLU with a learnt slope per channel (dim 1), or one shared slope."""
    channels = weight.numel()
    if weight.dim() > 1 or (channels != 1 and (input.dim() < 2 or input.shape[1] != channels)):
        raise RuntimeError(f"prelu: weight of shape {tuple(weight.shape)} does not match input of shape "
                           f"{tuple(input.shape)}: expected 1 slope or one per channel (dim 1)")
    if channels != 1:
        weight = weight.reshape((channels,) + (1,) * (input.dim() - 2))
    return PreluKernel()(input, weight)


class LogSigmoid(Function):
    """``log(sigmoid(x)) = -log(1 + exp(-x))``, stable for large |x|."""

    saves = (0,)

    def forward(self, x):
        return -array_module(x).logaddexp(x.dtype.type(0), -x)

    def backward(self, gy):
        (x,) = self.saved_tensors
        return gy * (-x).sigmoid()


def logsigmoid(input):
    """log(sigmoid(x)), stable for large |x|."""
    return LogSigmoid()(input)


# ----- softmax family (the ops are torch.softmax / torch.log_softmax; here, the legacy implicit dim) -----
def _softmax_args(input, dim, dtype, op, stacklevel):
    """The dim (PyTorch's legacy implicit choice, with its warning, when None)."""
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {op} has been deprecated. "
                      "Change the call to include dim=X as an argument.", stacklevel=stacklevel)
        dim = 0 if input.dim() in (0, 1, 3) else 1
    return dim


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim``, computed stably."""
    return autograd_core.softmax(input, _softmax_args(input, dim, dtype, "softmax", _stacklevel), dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along ``dim``."""
    dim = _softmax_args(input, dim, dtype, "softmin", _stacklevel)
    return autograd_core.softmax(-(input if dtype is None else input.to(dtype)), dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """x - logsumexp(x) along ``dim``, computed stably."""
    return autograd_core.log_softmax(input, _softmax_args(input, dim, dtype, "log_softmax", _stacklevel), dtype=dtype)
