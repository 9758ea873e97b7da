"""``ExponentialFamily``: distributions of density h(x) exp(<theta, t(x)> - F(theta)), whose entropy and
same-family KL divergence follow from the log normalizer F by differentiation (a Bregman divergence)."""
from ..autograd import grad
from .distribution import Distribution
from .utils import _sum_rightmost

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    """Subclasses give ``_natural_params`` (a tuple of tensors theta), ``_log_normalizer(*theta)`` (F) and
    ``_mean_carrier_measure`` (E[log h(X)])."""

    @property
    def _natural_params(self):
        raise NotImplementedError

    def _log_normalizer(self, *natural_params):
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self):
        raise NotImplementedError

    def _normalizer_and_gradients(self):
        """F at detached natural parameters, the parameters, and dF/dtheta (with a graph, for higher orders)."""
        params = [p.detach().requires_grad_() for p in self._natural_params]
        normalizer = self._log_normalizer(*params)
        return normalizer, params, grad(normalizer.sum(), params, create_graph=True)

    def entropy(self):
        """-E[log h(X)] + F(theta) - <theta, dF/dtheta>."""
        normalizer, params, gradients = self._normalizer_and_gradients()
        result = normalizer - self._mean_carrier_measure
        for param, gradient in zip(params, gradients):
            result = result - (param * gradient).reshape(tuple(self._batch_shape) + (-1,)).sum(-1)
        return result


def bregman_kl(p, q):
    """KL(p || q) of two members of one exponential family: F(theta_q) - F(theta_p) - <theta_q - theta_p, dF_p>."""
    if type(p) is not type(q):
        raise NotImplementedError("The cross KL-divergence between different exponential families cannot"
                                  + " " * 29 + "be computed using Bregman divergences")  # PyTorch's spacing
    normalizer, params, gradients = p._normalizer_and_gradients()
    result = q._log_normalizer(*q._natural_params) - normalizer
    for p_param, q_param, gradient in zip(params, q._natural_params, gradients):
        result = result - _sum_rightmost((q_param - p_param) * gradient, len(q.event_shape))
    return result
