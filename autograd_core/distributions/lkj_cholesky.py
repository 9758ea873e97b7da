"""``LKJCholesky(dim, concentration=1.0)``: Cholesky factors of random correlation matrices (Lewandowski,
Kurowicka and Joe, 2009), sampled by the onion method."""
import math

from ..creation import arange, eye
from ..grad_mode import no_grad
from ..ops.shape import cat
from ..random import randn
from ..tensor import Size
from . import constraints
from ._special import lgamma
from .beta import Beta
from .distribution import Distribution
from .utils import _finfo, broadcast_all

__all__ = ["LKJCholesky"]


def _multivariate_lgamma(x, p):
    """log of the multivariate gamma function Gamma_p(x)."""
    return sum(lgamma(x - j / 2) for j in range(p)) + p * (p - 1) / 4 * math.log(math.pi)


class LKJCholesky(Distribution):
    """L with L L^T distributed with density proportional to det(L L^T)^(concentration - 1)."""

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim, concentration=1.0, validate_args=None):
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}.")
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        offset = arange(dim - 1, dtype=self.concentration.dtype)
        offset = cat([offset.new_zeros((1,)), offset])
        marginal = self.concentration + 0.5 * (dim - 2)
        self._beta = Beta(offset + 0.5, marginal.unsqueeze(-1) - 0.5 * offset)  # one per row
        super().__init__(self.concentration.size(), Size((dim, dim)), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        batch_shape = Size(batch_shape)
        return self._expanded(LKJCholesky, batch_shape, _instance, ("concentration",), dim=self.dim,
                              _beta=self._beta.expand(tuple(batch_shape) + (self.dim,)))

    def sample(self, sample_shape=()):
        with no_grad():
            y = self._beta.sample(sample_shape).unsqueeze(-1)  # squared length of each row's off-diagonal part
            directions = randn(self._extended_shape(sample_shape), dtype=y.dtype).tril(-1)
            directions = directions / directions.norm(dim=-1, keepdim=True)
            first_row = (arange(self.dim) > 0).to(y.dtype).unsqueeze(-1)  # the first row has none
            w = y.sqrt() * (directions * first_row).nan_to_num()
            diagonal = (1 - w.pow(2).sum(-1)).clamp(min=float(_finfo(w.dtype).tiny)).sqrt()
            return w + diagonal.unsqueeze(-1) * eye(self.dim, dtype=w.dtype)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        diagonal = (value * eye(self.dim, dtype=value.dtype)).sum(-1)[..., 1:]
        order = 2 * (self.concentration - 1).unsqueeze(-1) + self.dim - arange(2, self.dim + 1)
        unnormalized = (order * diagonal.log()).sum(-1)
        dm1 = self.dim - 1
        alpha = self.concentration + 0.5 * dm1
        normalizer = 0.5 * dm1 * math.log(math.pi) + _multivariate_lgamma(alpha - 0.5, dm1) - lgamma(alpha) * dm1
        return unnormalized - normalizer
