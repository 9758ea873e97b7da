"""The special functions the distributions need, with their derivatives: lgamma, digamma, polygamma, erfinv,
xlogy and the regularized incomplete gamma function (``torch.special.gammainc``).

Values come from the backend's "special" kernels (scipy.special for numpy arrays).
``lgamma``, ``digamma``, ``polygamma``, ``erfinv`` and ``xlogy`` are also ``torch.<name>``,
``Tensor.<name>`` and ``Tensor.<name>_``, as in PyTorch.
"""
import math
import numbers

import numpy as np

from ..dtypes import is_floating
from .. import dtypes
from ..arrays import array_module, kernels
from ..function import Function
from ..ops._registry import inplace_method, tensor_method
from ..ops._util import promote, write_out
from ..ops.elementwise import _float_input, _unary
from ..random import _invalid_arguments
from ..tensor import Tensor

__all__ = ["lgamma", "digamma", "polygamma", "erfinv", "xlogy"]


def _special(name, *arrays):
    """The special function ``name`` of ``arrays``, in the first one's dtype."""
    return getattr(kernels("special", *arrays), name)(*arrays).astype(arrays[0].dtype, copy=False)


class Lgamma(Function):
    saves = (0,)

    @np.errstate(all="ignore")
    def forward(self, x):
        return _special("gammaln", x)

    def backward(self, gy):
        return gy * digamma(self.saved(0))


class Polygamma(Function):
    """The ``n``-th derivative of digamma (digamma itself for ``n`` = 0)."""

    saves = (0,)

    def __init__(self, n):
        self.n = n

    @np.errstate(all="ignore")
    def forward(self, x):
        if self.n == 0:
            return _special("psi", x)
        return kernels("special", x).polygamma(self.n, x).astype(x.dtype, copy=False)

    def backward(self, gy):
        return gy * Polygamma(self.n + 1)(self.saved(0))


class Digamma(Polygamma):
    def __init__(self):
        super().__init__(0)


class Erfinv(Function):
    saves_output = True

    @np.errstate(all="ignore")
    def forward(self, x):
        return _special("erfinv", x)

    def backward(self, gy):
        y = self.saved_output()
        return gy * (math.sqrt(math.pi) / 2) * (y * y).exp()


lgamma = _unary(Lgamma, "lgamma")
digamma = _unary(Digamma, "digamma")
erfinv = _unary(Erfinv, "erfinv")


@tensor_method("polygamma")
def _polygamma_method(self, n):
    return polygamma(n, self)


def polygamma(n, input, *, out=None):
    """The ``n``-th derivative of digamma, elementwise."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return write_out("polygamma", Polygamma(int(n))(_float_input(input, "polygamma")), out)


inplace_method("polygamma_", _polygamma_method)


class Xlogy(Function):
    """``x * log(y)``, 0 where ``x`` is 0 (unless ``y`` is nan)."""

    saves = (0, 1)

    def __init__(self, node_name="XlogyBackward0"):
        self.node_name = node_name

    @np.errstate(all="ignore")
    def forward(self, x, y):
        xp = array_module(x, y)
        return xp.where((x == 0) & ~xp.isnan(y), x.dtype.type(0), x * xp.log(y))

    def backward(self, gy):
        x, y = self.saved(0), self.saved(1)
        gx = gy * xlogy((x != 0).to(x.dtype), y) if self.needs_input_grad[0] else None
        gyy = gy * x / y if self.needs_input_grad[1] else None
        return gx, gyy

    def name(self):
        return self.node_name


_XLOGY_SIGNATURES = ("Tensor input, Tensor other, *, Tensor out = None",
                     "Number self, Tensor other, *, Tensor out = None",
                     "Tensor input, Number other, *, Tensor out = None")


@tensor_method()
def xlogy(input, other, *, out=None):
    """``input * log(other)``, with 0 where ``input`` is 0; numbers and tensors broadcast and promote."""
    if not (isinstance(input, Tensor) or isinstance(other, Tensor)):
        raise _invalid_arguments("xlogy", (input, other), _XLOGY_SIGNATURES)
    node = "XlogyBackward0" if isinstance(input, Tensor) and isinstance(other, Tensor) else (
        "XlogyBackward2" if isinstance(input, Tensor) else "XlogyBackward1")
    x, y = promote(input, other, "xlogy")
    if not is_floating(x.array.dtype):
        x, y = x.to(dtypes.get_default_dtype()), y.to(dtypes.get_default_dtype())
    return write_out("xlogy", Xlogy(node)(x, y), out)


inplace_method("xlogy_", xlogy)


class LogBesselI(Function):
    """log I_order(x), the modified Bessel function of the first kind, for x > 0 (from the scaled
    ``ive``, so that large x do not overflow)."""

    saves = (0,)

    def __init__(self, order):
        self.order = order

    @np.errstate(all="ignore")
    def forward(self, x):
        xp = array_module(x)
        return (xp.log(kernels("special", x).ive(self.order, x)) + x).astype(x.dtype, copy=False)

    def backward(self, gy):
        x = self.saved(0)
        # d/dx log I_v(x) = I_{v+1}(x) / I_v(x) + v / x
        return gy * ((log_bessel_i(x, self.order + 1) - log_bessel_i(x, self.order)).exp() + self.order / x)


def log_bessel_i(x, order):
    """log I_order(x) of a tensor of positive ``x``, differentiable in ``x``."""
    return LogBesselI(order)(x)


class Igamma(Function):
    """The regularized lower incomplete gamma function P(a, x); differentiable in ``x`` only, as in PyTorch."""

    saves = (0, 1)

    @np.errstate(all="ignore")
    def forward(self, a, x):
        return _special("gammainc", a, x)

    def backward(self, gy):
        if self.needs_input_grad[0]:
            raise NotImplementedError("the derivative for 'igamma: input' is not implemented.")
        a, x = self.saved(0), self.saved(1)
        return None, gy * ((a - 1) * x.log() - x - lgamma(a)).exp()


def gammainc(input, other):
    """P(input, other) = the integral of t^(input-1) e^-t from 0 to ``other``, over Gamma(input)."""
    return Igamma()(*promote(input, other, "gammainc"))
