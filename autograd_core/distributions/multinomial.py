"""``Multinomial(total_count=1, probs=None, logits=None)``: category counts of ``total_count`` draws."""
import math
import numbers

from ..creation import arange, tensor
from ..grad_mode import no_grad
from ..ops.index import where
from . import constraints
from ._special import lgamma
from .binomial import Binomial
from .categorical import Categorical, _OnCategorical
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["Multinomial"]


class Multinomial(_OnCategorical, Distribution):
    """How many of ``total_count`` independent Categorical(``probs`` or ``logits``) draws fall in each category."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, numbers.Number):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expanded(Multinomial, batch_shape, _instance, total_count=self.total_count,
                             _categorical=self._categorical.expand(batch_shape))
        new._binomial = Binomial(total_count=self.total_count, probs=new.probs)
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        return constraints.multinomial(self.total_count)

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        with no_grad():
            draws = self._categorical.sample((self.total_count,) + tuple(sample_shape))
            counts = (draws.unsqueeze(-1) == arange(self._event_shape[0])).sum(0)
            return counts.to(self.probs.dtype)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        logits = where((value == 0) & (logits == -math.inf), 0.0, logits)  # 0 * log(0) is 0
        return lgamma(value.sum(-1) + 1) - lgamma(value + 1).sum(-1) + (logits * value).sum(-1)

    def entropy(self):
        n = tensor(float(self.total_count), dtype=self.probs.dtype)
        term1 = n * self._categorical.entropy() - lgamma(n + 1)
        support = self._binomial.enumerate_support(expand=False)[1:]
        term2 = (self._binomial.log_prob(support).exp() * lgamma(support + 1)).sum(0).sum(-1)
        return term1 + term2
