"""Thresholds and shrinkage (threshold, hardshrink, softshrink, tanhshrink), RReLU, GLU, Gumbel-softmax, and the
in-place activations of torch.nn.functional (``relu_``, ``elu_``...).

Piecewise-linear ones are one op each with the slope saved for backward, named
as PyTorch names them (``ThresholdBackward0``, ``RreluWithNoiseBackward0``);
their in-place forms hang from ``<Op>Backward1`` as PyTorch's do.
"""
import warnings

import numpy as np

import autograd_core
from autograd_core.arrays import array_module
from autograd_core.autograd import Function

from ._activation import (_PiecewiseLinear, _maybe_inplace, celu, checked_dim, elu, hardtanh, leaky_relu, relu,
                          selu, softmax)

__all__ = ["threshold", "threshold_", "hardshrink", "softshrink", "tanhshrink", "rrelu", "rrelu_", "glu",
           "gumbel_softmax", "relu_", "elu_", "leaky_relu_", "hardtanh_", "selu_", "celu_"]


class Threshold(_PiecewiseLinear):
    """``x`` where ``x > threshold``, else ``value``."""

    def __init__(self, threshold, value):
        self.threshold, self.value = threshold, value

    def compute(self, x):
        above = x > self.threshold
        return array_module(x).where(above, x, x.dtype.type(self.value)), above.astype(x.dtype)


class Hardshrink(_PiecewiseLinear):
    """``x`` outside ``[-lambd, lambd]``, else 0."""

    def __init__(self, lambd):
        self.lambd = lambd

    def compute(self, x):
        outside = (x < -self.lambd) | (x > self.lambd)
        slope = outside.astype(x.dtype)
        return x * slope, slope


class Softshrink(Hardshrink):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0."""

    def compute(self, x):
        y, slope = super().compute(x)
        t = x.dtype.type
        y -= array_module(x).sign(y) * t(self.lambd)
        return y, slope


class RreluWithNoise(_PiecewiseLinear):
    """``x`` for ``x > 0``, else ``slope * x``: one slope drawn from U(lower, upper) per element in training,
    their mean ``(lower + upper) / 2`` in evaluation."""

    def __init__(self, lower, upper, training):
        self.lower, self.upper, self.training = lower, upper, training

    def compute(self, x):
        t = x.dtype.type
        if self.training:
            noise = autograd_core.rand(x.shape, dtype=x.dtype).array
            negative = noise * t(self.upper - self.lower) + t(self.lower)
        else:
            negative = t((self.lower + self.upper) / 2)
        slope = array_module(x).where(x > 0, t(1), negative).astype(x.dtype, copy=False)
        return x * slope, slope


def _threshold(input, threshold, value, inplace):
    return _maybe_inplace(Threshold(threshold, value), input, inplace, "threshold", version=1)


def threshold(input, threshold, value, inplace=False):
    """``input`` where it is above ``threshold``, else ``value``."""
    return _threshold(input, threshold, value, inplace)


def threshold_(input, threshold, value):
    """``threshold`` written into ``input``."""
    return _threshold(input, threshold, value, True)


def hardshrink(input, lambd=0.5):
    """``input`` where ``|input| > lambd``, else 0."""
    return Hardshrink(lambd)(input)


def softshrink(input, lambd=0.5):
    """``input`` moved ``lambd`` towards zero, and 0 within ``[-lambd, lambd]``."""
    if lambd < 0:
        raise RuntimeError(f"softshrink: lambda must be greater or equal to 0, but found to be {lambd}.")
    return Softshrink(lambd)(input)


def tanhshrink(input):
    """``input - tanh(input)``."""
    return input - input.tanh()


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU: negative inputs scaled by a slope drawn from U(lower, upper) when ``training``,
    by ``(lower + upper) / 2`` otherwise."""
    if lower > upper:
        raise RuntimeError(f"rrelu: Lower bound should be less than or equal to the upper bound, got lower={lower} "
                           f"and upper={upper}")
    return _maybe_inplace(RreluWithNoise(lower, upper, training), input, inplace, "rrelu", version=1)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """``rrelu`` written into ``input``."""
    return rrelu(input, lower, upper, training, inplace=True)


class Glu(Function):
    """``a * sigmoid(b)`` for the halves ``a``, ``b`` of the input along ``dim``."""

    saves = (0,)

    def __init__(self, dim):
        self.dim = dim

    def forward(self, x):
        a, b = array_module(x).split(x, 2, axis=self.dim)
        half = x.dtype.type(0.5)
        return a * (array_module(x).tanh(b * half) * half + half)  # sigmoid(b), stable for large |b|

    def backward(self, gy):
        (x,) = self.saved_tensors
        a, b = x.chunk(2, self.dim)
        gate = b.sigmoid()
        ga = gy * gate
        return autograd_core.cat([ga, ga * a * (1 - gate)], self.dim)


def glu(input, dim=-1):
    """The gated linear unit: ``a * sigmoid(b)`` where ``a`` and ``b`` are the halves of ``input`` along ``dim``."""
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    dim = checked_dim(dim, input.dim(), "glu")
    size = input.shape[dim]
    if size % 2:
        raise RuntimeError(f"glu: Halving dimension must be even, but dimension {dim} is size {size}")
    return Glu(dim)(input)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """A sample of the Gumbel-softmax distribution: ``softmax((logits + g) / tau)`` with Gumbel(0, 1) noise ``g``.

    ``hard=True`` returns the one-hot of the sample's argmax, whose gradient is the
    soft sample's (the straight-through estimator).
    """
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    exponential = -(1 - autograd_core.rand_like(logits)).log()
    gumbels = -exponential.clamp_min_(np.finfo(exponential.array.dtype).tiny).log()  # Gumbel(0, 1)
    y_soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.argmax(dim, keepdim=True)
    y_hard = autograd_core.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


# ----- in-place forms of the activations -----
def relu_(input):
    """``relu`` written into ``input``."""
    return relu(input, inplace=True)


def elu_(input, alpha=1.0):
    """``elu`` written into ``input``."""
    return elu(input, alpha, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    """``leaky_relu`` written into ``input``."""
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """``hardtanh`` written into ``input``."""
    return hardtanh(input, min_val, max_val, inplace=True)


def selu_(input):
    """``selu`` written into ``input``."""
    return selu(input, inplace=True)


def celu_(input, alpha=1.0):
    """``celu`` written into ``input``."""
    return celu(input, alpha, inplace=True)
