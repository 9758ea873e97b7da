"""``MultivariateNormal(loc, covariance_matrix=None, precision_matrix=None, scale_tril=None)``."""
import math

from ..creation import eye
from ..ops.shape import flip
from ..random import _broadcast_shape, randn
from . import constraints
from ._linalg import cholesky, solve_triangular
from .distribution import Distribution
from .utils import _loc_property, lazy_property

__all__ = ["MultivariateNormal"]


def _diagonal(matrices):
    """The diagonals of a batch of square matrices."""
    return (matrices * eye(matrices.shape[-1], dtype=matrices.dtype)).sum(-1)


def _batch_mv(matrices, vectors):
    return (matrices @ vectors.unsqueeze(-1)).squeeze(-1)


def _batch_mahalanobis(scale_tril, x):
    """x^T (L L^T)^-1 x for lower-triangular L, broadcast over the batch dimensions of both."""
    return solve_triangular(scale_tril, x.unsqueeze(-1), upper=False).squeeze(-1).pow(2).sum(-1)


def _half_log_det(scale_tril):
    return _diagonal(scale_tril).log().sum(-1)


def _precision_to_scale_tril(precision):
    """The lower Cholesky factor of precision^-1, from the Cholesky factor of the flipped precision."""
    flipped_factor = cholesky(flip(precision, (-2, -1)))
    inverse_factor = flip(flipped_factor, (-2, -1)).mT
    return solve_triangular(inverse_factor, eye(precision.shape[-1], dtype=precision.dtype), upper=False)


_MATRICES = ("covariance_matrix", "precision_matrix", "scale_tril")


class MultivariateNormal(Distribution):
    """The Gaussian of mean vector ``loc``, given one of its covariance matrix, its inverse (precision) or the
    lower Cholesky factor of its covariance (``scale_tril``); batch dimensions broadcast."""

    arg_constraints = {"loc": constraints.real_vector, "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = {name: m for name, m in zip(_MATRICES, (covariance_matrix, precision_matrix, scale_tril))
                 if m is not None}
        if len(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        ((name, matrix),) = given.items()
        if matrix.dim() < 2:
            shown = "scale_tril matrix" if name == "scale_tril" else name
            raise ValueError(f"{shown} must be at least two-dimensional, with optional leading batch dimensions")
        batch_shape = _broadcast_shape(matrix.shape[:-2], loc.shape[:-1])
        setattr(self, name, matrix.expand(batch_shape + (-1, -1)))
        self.loc = loc.expand(batch_shape + (-1,))
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = scale_tril
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = cholesky(covariance_matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(precision_matrix)

    def expand(self, batch_shape, _instance=None):
        return self._expanded(MultivariateNormal, batch_shape, _instance, ("loc",) + _MATRICES,
                              _unbroadcasted_scale_tril=self._unbroadcasted_scale_tril)

    def _matrix_shape(self):
        return tuple(self._batch_shape) + tuple(self._event_shape) * 2

    @lazy_property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape())

    @lazy_property
    def covariance_matrix(self):
        factor = self._unbroadcasted_scale_tril
        return (factor @ factor.mT).expand(self._matrix_shape())

    @lazy_property
    def precision_matrix(self):
        factor = self._unbroadcasted_scale_tril
        inverse = solve_triangular(factor, eye(factor.shape[-1], dtype=factor.dtype), upper=False)
        return (inverse.mT @ inverse).expand(self._matrix_shape())

    mean = mode = _loc_property

    @property
    def variance(self):
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(tuple(self._batch_shape) +
                                                                    tuple(self._event_shape))

    def rsample(self, sample_shape=()):
        eps = randn(self._extended_shape(sample_shape), dtype=self.loc.dtype)
        return self.loc + _batch_mv(self._unbroadcasted_scale_tril, eps)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        mahalanobis = _batch_mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        n = self._event_shape[0]
        return -0.5 * (n * math.log(2 * math.pi) + mahalanobis) - _half_log_det(self._unbroadcasted_scale_tril)

    def entropy(self):
        n = self._event_shape[0]
        entropy = 0.5 * n * (1.0 + math.log(2 * math.pi)) + _half_log_det(self._unbroadcasted_scale_tril)
        return entropy.expand(self._batch_shape) if len(self._batch_shape) else entropy
