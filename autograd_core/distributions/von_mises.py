"""``VonMises(loc, concentration)``: the circular normal distribution on angles."""
import math

import numpy as np

from ..grad_mode import no_grad
from ..random import _rng
from . import constraints
from ._special import log_bessel_i
from .distribution import Distribution
from .utils import _host_float_values, _host_sample, _loc_property

__all__ = ["VonMises"]


class VonMises(Distribution):
    """Density exp(concentration cos(x - loc)) / (2 pi I0(concentration)) over angles x; samples lie in
    [-pi, pi)."""

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc, concentration, validate_args=None):
        self._init_parameters(validate_args, loc=loc, concentration=concentration)

    def expand(self, batch_shape, _instance=None):
        return self._expanded(VonMises, batch_shape, _instance, ("loc", "concentration"))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (self.concentration * (value - self.loc).cos() - math.log(2 * math.pi)
                - log_bessel_i(self.concentration, 0))

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        with no_grad():
            loc, kappa = (_host_float_values(t.expand(shape)) for t in (self.loc, self.concentration))

            def draw():
                angles = _rng(None).vonmises(loc, kappa)
                return np.mod(angles + np.pi, 2 * np.pi) - np.pi
            return _host_sample(draw, self.loc)

    mean = mode = _loc_property

    @property
    def variance(self):
        """1 - E[cos(X - loc)] = 1 - I1(concentration) / I0(concentration) (the circular variance)."""
        return 1 - (log_bessel_i(self.concentration, 1) - log_bessel_i(self.concentration, 0)).exp()
