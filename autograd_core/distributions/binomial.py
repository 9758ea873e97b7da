"""``Binomial(total_count=1, probs=None, logits=None)``: successes in ``total_count`` Bernoulli trials."""
from ..creation import arange
from ..grad_mode import no_grad
from ..random import _rng
from . import constraints
from ._special import lgamma
from .distribution import Distribution
from .utils import _host_float_values, _host_sample, _ShapedBinaryProbsOrLogits

__all__ = ["Binomial"]


def _homogeneous_count(total_count, what):
    """The one ``total_count`` of every distribution in the batch, as an int."""
    count = int(total_count.max())
    if int(total_count.min()) != count:
        raise NotImplementedError(f"Inhomogeneous total count not supported by `{what}`.")
    return count


class Binomial(_ShapedBinaryProbsOrLogits, Distribution):
    """The number of successes in ``total_count`` independent trials of success probability ``probs`` (or log-odds
    ``logits``)."""

    arg_constraints = {"total_count": constraints.nonnegative_integer, "probs": constraints.unit_interval,
                       "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        total_count, param = self._set_probs_or_logits(probs, logits, total_count)
        self.total_count = total_count.to(param.dtype)
        super().__init__(param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_probs_or_logits(Binomial, batch_shape, _instance, ("total_count",))

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self):
        return self.total_count * self.probs

    @property
    def mode(self):
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        with no_grad():
            counts, probs = (_host_float_values(t.expand(shape)) for t in (self.total_count, self.probs))
            return _host_sample(lambda: _rng(None).binomial(counts.astype("int64"), probs), self.probs)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        n, k, logits = self.total_count, value, self.logits
        log_binomial = lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)
        # n * log(1 + exp(logits)), with the max of logits and 0 halved on each side so its gradient at 0 is 1/2
        log_normalizer = n * (logits.clamp(min=0) + logits - logits.clamp(max=0)) / 2 + n * (-logits.abs()).exp(
        ).log1p()
        return log_binomial + k * logits - log_normalizer

    def entropy(self):
        _homogeneous_count(self.total_count, "entropy")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand=True):
        count = _homogeneous_count(self.total_count, "enumerate_support")
        values = arange(1 + count, dtype=self._param.dtype).reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values
