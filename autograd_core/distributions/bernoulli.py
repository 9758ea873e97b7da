"""``Bernoulli(probs=None, logits=None)``: 1 with probability ``probs``, else 0."""
import math

from ..creation import arange
from ..grad_mode import no_grad
from ..ops.index import where
from ..random import bernoulli
from . import constraints
from .exp_family import ExponentialFamily
from .utils import _ShapedBinaryProbsOrLogits, _softplus, broadcast_all

__all__ = ["Bernoulli"]


class Bernoulli(_ShapedBinaryProbsOrLogits, ExponentialFamily):
    """The Bernoulli distribution, parameterised by the probability of 1 (``probs``) or its log-odds
    (``logits``)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        (param,) = self._set_probs_or_logits(probs, logits)
        super().__init__(param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_probs_or_logits(Bernoulli, batch_shape, _instance)

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        return where(self.probs == 0.5, math.nan, (self.probs >= 0.5).to(self.probs.dtype))

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        with no_grad():
            return bernoulli(self.probs.expand(self._extended_shape(sample_shape)))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return logits * value - _softplus(logits)

    def entropy(self):
        return _softplus(self.logits) - self.logits * self.probs

    def enumerate_support(self, expand=True):
        values = arange(2, dtype=self._param.dtype).reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values

    @property
    def _natural_params(self):
        return (self.logits,)

    def _log_normalizer(self, x):
        return _softplus(x)

    _mean_carrier_measure = 0
