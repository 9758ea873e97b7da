"""``MixtureSameFamily(mixture_distribution, component_distribution)``: a mixture of components of one family,
the rightmost batch dimension of the components being the mixture's choice."""
import math

from ..grad_mode import no_grad
from ..tensor import Size
from . import constraints
from .categorical import Categorical
from .distribution import Distribution

__all__ = ["MixtureSameFamily"]


def _check_mixture(mixture, component):
    if not isinstance(mixture, Categorical):
        raise ValueError(" The Mixture distribution needs to be an  instance of torch.distributions.Categorical")
    if not isinstance(component, Distribution):
        raise ValueError("The Component distribution need to be an instance of torch.distributions.Distribution")
    mixture_batch, component_batch = mixture.batch_shape, Size(component.batch_shape[:-1])
    for m, c in zip(reversed(mixture_batch), reversed(component_batch)):
        if m != 1 and c != 1 and m != c:
            raise ValueError(f"`mixture_distribution.batch_shape` ({mixture_batch}) is not compatible with "
                             f"`component_distribution.batch_shape`({component_batch})")
    k_mixture, k_component = mixture.logits.shape[-1], component.batch_shape[-1]
    if k_mixture != k_component:
        raise ValueError(f"`mixture_distribution component` ({k_mixture}) does not equal "
                         f"`component_distribution.batch_shape[-1]` ({k_component})")
    return k_mixture


class MixtureSameFamily(Distribution):
    """Draw a component index from ``mixture_distribution`` (a Categorical), then a sample from that component
    of ``component_distribution``; ``log_prob`` is the log of the mixture's weighted sum of densities."""

    arg_constraints = {}
    has_rsample = False

    def __init__(self, mixture_distribution, component_distribution, validate_args=None):
        self._num_component = _check_mixture(mixture_distribution, component_distribution)
        self._mixture_distribution, self._component_distribution = mixture_distribution, component_distribution
        self._event_ndims = len(component_distribution.event_shape)
        super().__init__(component_distribution.batch_shape[:-1], component_distribution.event_shape,
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        batch_shape = Size(batch_shape)
        return self._expanded(
            MixtureSameFamily, batch_shape, _instance, _num_component=self._num_component,
            _event_ndims=self._event_ndims,
            _component_distribution=self._component_distribution.expand(tuple(batch_shape) + (self._num_component,)),
            _mixture_distribution=self._mixture_distribution.expand(batch_shape))

    @constraints.dependent_property
    def support(self):
        return constraints.MixtureSameFamilyConstraint(self._component_distribution.support)

    @property
    def mixture_distribution(self):
        return self._mixture_distribution

    @property
    def component_distribution(self):
        return self._component_distribution

    def _weights(self, values):
        """The mixture's ``values`` (one per component, last dimension) shaped to broadcast with the components'
        batch and event dimensions."""
        mixture_batch = math.prod(self._mixture_distribution.batch_shape)
        pad = 0 if mixture_batch == 1 else len(self._batch_shape) - len(self._mixture_distribution.batch_shape)
        shape = tuple(values.shape)
        return values.reshape(shape[:-1] + (1,) * pad + shape[-1:] + (1,) * self._event_ndims)

    def _per_component(self, x):
        return x.unsqueeze(-1 - self._event_ndims)

    @property
    def mean(self):
        return (self._weights(self._mixture_distribution.probs) * self._component_distribution.mean).sum(
            -1 - self._event_ndims)

    @property
    def variance(self):
        probs, dim = self._weights(self._mixture_distribution.probs), -1 - self._event_ndims
        mean_of_variances = (probs * self._component_distribution.variance).sum(dim)
        variance_of_means = (probs * (self._component_distribution.mean - self._per_component(self.mean)).pow(2)
                             ).sum(dim)
        return mean_of_variances + variance_of_means

    def cdf(self, x):
        return (self._component_distribution.cdf(self._per_component(x)) * self._mixture_distribution.probs).sum(-1)

    def log_prob(self, x):
        if self._validate_args:
            self._validate_sample(x)
        log_prob_x = self._component_distribution.log_prob(self._per_component(x))
        log_weights = self._mixture_distribution.logits.log_softmax(-1)
        return (log_prob_x + log_weights).logsumexp(-1)

    def sample(self, sample_shape=()):
        with no_grad():
            picks = self._mixture_distribution.sample(sample_shape)
            samples = self._component_distribution.sample(sample_shape)
            at = len(sample_shape) + len(self._batch_shape)
            index = picks.reshape(tuple(picks.shape) + (1,) * (self._event_ndims + 1)).expand(
                tuple(picks.shape) + (1,) + tuple(self._event_shape))
            return samples.gather(at, index).squeeze(at)

    def __repr__(self):
        return (f"MixtureSameFamily(\n  {self._mixture_distribution},\n  {self._component_distribution})")
