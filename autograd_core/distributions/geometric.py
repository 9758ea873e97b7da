"""``Geometric(probs=None, logits=None)``: the number of failures before the first success."""
from ..creation import zeros_like
from ..grad_mode import no_grad
from ..ops.index import where
from ..random import rand
from . import constraints
from .distribution import Distribution
from .utils import _BinaryProbsOrLogits, _finfo, _softplus, broadcast_all

__all__ = ["Geometric"]


class Geometric(_BinaryProbsOrLogits, Distribution):
    """Failures (0, 1, 2...) before the first success of independent trials of success probability ``probs``."""

    arg_constraints = {"probs": constraints.interval(0.0, 1.0), "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None):
        (param,) = self._set_probs_or_logits(probs, logits)
        super().__init__(param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_probs_or_logits(Geometric, batch_shape, _instance)

    @property
    def mean(self):
        return 1.0 / self.probs - 1.0

    @property
    def mode(self):
        return zeros_like(self.probs)

    @property
    def variance(self):
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        with no_grad():
            u = rand(shape, dtype=self.probs.dtype).clamp(min=float(_finfo(self.probs.dtype).tiny))
            return (u.log() / (-self.probs).log1p()).floor()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        probs = where((probs == 1) & (value == 0), 0.0, probs)  # 0 * log(0) is 0 here
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self):
        return (_softplus(self.logits) - self.logits * self.probs) / self.probs
