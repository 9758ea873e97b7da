"""``Gamma(concentration, rate)``, and the standard Gamma sampler with its reparameterisation gradient."""
import numpy as np

from ..arrays import array_module, from_numpy, kernels
from ..function import Function
from ..random import _rng
from ..tensor import _new
from . import constraints
from ._special import digamma, gammainc, lgamma, xlogy
from .exp_family import ExponentialFamily
from .utils import _as_float_tensor, _finfo

__all__ = ["Gamma"]


def _sample_gradient(alpha, x):
    """d x / d alpha of x = P^-1(alpha, u) at fixed u (P: the regularized lower incomplete gamma function): minus
    dP/dalpha, by a fourth-order central difference (of the upper tail Q above alpha, where P is near 1), over
    the density at x. In float64, on ``alpha``'s backend."""
    special, xp = kernels("special", alpha), array_module(alpha)
    a, x = alpha.astype(np.float64), x.astype(np.float64)
    h = 1e-3 * xp.minimum(a, xp.sqrt(a))
    lower = x < a

    def tail(b):
        return xp.where(lower, special.gammainc(b, x), -special.gammaincc(b, x))

    d_tail = (8 * (tail(a + h) - tail(a - h)) - (tail(a + 2 * h) - tail(a - 2 * h))) / (12 * h)
    with np.errstate(all="ignore"):
        gradient = -d_tail / xp.exp((a - 1) * xp.log(x) - x - special.gammaln(a))
    return xp.where(xp.isfinite(gradient), gradient, 0.0).astype(alpha.dtype)


class StandardGamma(Function):
    """Samples of Gamma(alpha, 1) drawn by inverting the CDF at uniforms from the generator, so that the gradient
    is d sample / d alpha at a fixed uniform (the implicit reparameterisation gradient)."""

    saves = (0,)
    saves_output = True

    def __init__(self, generator=None):
        self.generator = generator

    def forward(self, alpha):
        u = from_numpy(_rng(self.generator).random(alpha.shape), like=alpha)
        with np.errstate(all="ignore"):
            x = kernels("special", alpha).gammaincinv(alpha.astype(np.float64), u)
        return array_module(alpha).maximum(x, np.finfo(alpha.dtype).tiny).astype(alpha.dtype)

    def backward(self, gy):
        return gy * _new(_sample_gradient(self.saved(0).array, self.saved_output().array))


def _standard_gamma(concentration, generator=None):
    """Samples of Gamma(concentration, 1), differentiable in ``concentration``."""
    return StandardGamma(generator)(concentration)


class Gamma(ExponentialFamily):
    """The Gamma distribution of shape ``concentration`` and inverse scale ``rate``."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        self._init_parameters(validate_args, concentration=concentration, rate=rate)

    def expand(self, batch_shape, _instance=None):
        return self._expanded(Gamma, batch_shape, _instance, ("concentration", "rate"))

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        value = _standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        value.detach().clamp_(min=float(_finfo(value.dtype).tiny))  # not recorded
        return value

    def log_prob(self, value):
        value = _as_float_tensor(value, self.rate)
        if self._validate_args:
            self._validate_sample(value)
        return (xlogy(self.concentration, self.rate) + xlogy(self.concentration - 1, value) - self.rate * value
                - lgamma(self.concentration))

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return gammainc(self.concentration, self.rate * value)

    def entropy(self):
        return (self.concentration - self.rate.log() + lgamma(self.concentration)
                + (1.0 - self.concentration) * digamma(self.concentration))

    @property
    def _natural_params(self):
        return self.concentration - 1, -self.rate

    def _log_normalizer(self, x, y):
        return lgamma(x + 1) + (x + 1) * (-y.reciprocal()).log()

    _mean_carrier_measure = 0
