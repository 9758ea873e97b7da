"""``NegativeBinomial(total_count, probs=None, logits=None)``: successes before ``total_count`` failures."""
from ..grad_mode import no_grad
from ..ops.index import where
from ..random import poisson
from . import constraints
from ._special import lgamma
from .distribution import Distribution
from .gamma import Gamma
from .utils import _ShapedBinaryProbsOrLogits, _softplus, lazy_property

__all__ = ["NegativeBinomial"]


class NegativeBinomial(_ShapedBinaryProbsOrLogits, Distribution):
    """The number of successes (each of probability ``probs``) before ``total_count`` failures: a Poisson whose
    rate is Gamma distributed."""

    arg_constraints = {"total_count": constraints.greater_than_eq(0), "probs": constraints.half_open_interval(0.0, 1.0),
                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args=None):
        total_count, param = self._set_probs_or_logits(probs, logits, total_count)
        self.total_count = total_count.to(param.dtype)
        super().__init__(param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_probs_or_logits(NegativeBinomial, batch_shape, _instance, ("total_count",))

    @property
    def mean(self):
        return self.total_count * self.logits.exp()

    @property
    def mode(self):
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self):
        return self.mean / (-self.logits).sigmoid()

    @lazy_property
    def _gamma(self):
        return Gamma(self.total_count, (-self.logits).exp(), validate_args=False)

    def sample(self, sample_shape=()):
        with no_grad():
            return poisson(self._gamma.sample(sample_shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        log_unnormalized = -self.total_count * _softplus(self.logits) - value * _softplus(-self.logits)
        log_normalization = lgamma(1 + value) + lgamma(self.total_count) - lgamma(self.total_count + value)
        return log_unnormalized - where(self.total_count + value == 0, 0.0, log_normalization)
