"""Activation layers: thin modules over nn.functional (PReLU owns a learnt slope)."""
from autograd_core.ops.elementwise import sigmoid, tanh

from .. import functional as F, init
from ..parameter import _empty_parameter
from .module import Module

__all__ = ["ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh",
           "Softmax", "Softmin", "LogSoftmax", "Softplus", "Softsign", "Hardtanh", "Hardsigmoid", "Hardswish",
           "LogSigmoid", "Threshold", "Hardshrink", "Softshrink", "Tanhshrink", "RReLU", "GLU", "Softmax2d"]


def _inplace_repr(inplace):
    return "inplace=True" if inplace else ""


class _InplaceActivation(Module):
    """An activation ``function(input, inplace)`` without other settings."""

    function = None

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return type(self).function(input, self.inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class ReLU(_InplaceActivation):
    """max(x, 0)."""

    function = F.relu


class SELU(_InplaceActivation):
    """scale * elu(x, alpha) with the self-normalising constants."""

    function = F.selu


class SiLU(_InplaceActivation):
    """x * sigmoid(x)."""

    function = F.silu


class Mish(_InplaceActivation):
    """x * tanh(softplus(x))."""

    function = F.mish


class Hardsigmoid(_InplaceActivation):
    """clip(x / 6 + 1/2, 0, 1)."""

    function = F.hardsigmoid


class Hardswish(_InplaceActivation):
    """x * relu6(x + 3) / 6."""

    function = F.hardswish


class _Stateless(Module):
    """An activation ``function(input)`` without settings."""

    function = None

    def forward(self, input):
        return type(self).function(input)


class Sigmoid(_Stateless):
    function = sigmoid


class Tanh(_Stateless):
    function = tanh


class Softsign(_Stateless):
    function = F.softsign


class LogSigmoid(_Stateless):
    function = F.logsigmoid


class Tanhshrink(_Stateless):
    """x - tanh(x)."""

    function = F.tanhshrink


class Hardtanh(Module):
    """x clipped to [min_val, max_val]."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """min(max(x, 0), 6)."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class LeakyReLU(Module):
    """x for x > 0, else negative_slope * x."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class PReLU(Module):
    """Leaky ReLU with a learnt slope: one shared, or one per channel (``num_parameters``), initialised to ``init``."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = _empty_parameter((num_parameters,), device, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class ELU(Module):
    """x for x > 0, else alpha * (exp(x) - 1)."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(ELU):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)


class GELU(Module):
    """x * Φ(x), exact (``approximate='none'``) or with the tanh approximation."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, linear where beta x > threshold."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class _SoftmaxFamily(Module):
    function = None

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return type(self).function(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_SoftmaxFamily):
    """exp(x) / sum(exp(x)) along ``dim``."""

    function = F.softmax


class Softmin(_SoftmaxFamily):
    """softmax(-x) along ``dim``."""

    function = F.softmin


class LogSoftmax(_SoftmaxFamily):
    """log(softmax(x)) along ``dim``, computed stably."""

    function = F.log_softmax


class Threshold(Module):
    """x where x > threshold, else value."""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")


class Hardshrink(Module):
    """x where |x| > lambd, else 0."""

    function = F.hardshrink

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return type(self).function(input, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    """x moved lambd towards 0, and 0 within [-lambd, lambd]."""

    function = F.softshrink


class RReLU(Module):
    """Leaky ReLU whose negative slope is drawn from U(lower, upper) in training and is their mean in eval."""

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")


class GLU(Module):
    """a * sigmoid(b) for the halves a, b of the input along ``dim``."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channels of (N, C, H, W) or (C, H, W) inputs, at every location."""

    def forward(self, input):
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
        return F.softmax(input, -3)
