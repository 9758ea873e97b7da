"""``Laplace(loc, scale)``: the double-exponential distribution."""
from ..creation import empty
from .distribution import Distribution
from .normal import _RealLocationScale
from .utils import _finfo, _loc_property

__all__ = ["Laplace"]


class Laplace(_RealLocationScale, Distribution):
    """The Laplace distribution of location ``loc`` and scale ``scale`` (density exp(-|x - loc| / scale) / 2 scale)."""

    def expand(self, batch_shape, _instance=None):
        return self._expanded(Laplace, batch_shape, _instance, ("loc", "scale"))

    mean = mode = _loc_property

    @property
    def variance(self):
        return 2 * self.scale.pow(2)

    @property
    def stddev(self):
        return 2 ** 0.5 * self.scale

    def rsample(self, sample_shape=()):
        eps = float(_finfo(self.loc.dtype).eps)
        u = empty(self._extended_shape(sample_shape), dtype=self.loc.dtype).uniform_(eps - 1, 1)
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 - 0.5 * (value - self.loc).sign() * (-(value - self.loc).abs() / self.scale).expm1()

    def icdf(self, value):
        term = value - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self):
        return 1 + (2 * self.scale).log()
