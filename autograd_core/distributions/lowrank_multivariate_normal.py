"""``LowRankMultivariateNormal(loc, cov_factor, cov_diag)``: a Gaussian of covariance W W^T + diag(D)."""
import math

from ..creation import eye
from ..random import randn
from ..tensor import Size
from . import constraints
from ._linalg import cholesky, solve_triangular
from .distribution import Distribution
from .multivariate_normal import _batch_mahalanobis, _batch_mv, _half_log_det
from .utils import _loc_property, broadcast_all, lazy_property

__all__ = ["LowRankMultivariateNormal"]


def _capacitance_tril(factor, diagonal):
    """The Cholesky factor of I + W^T D^-1 W (m x m for W of rank m): what Woodbury's identities need."""
    m = factor.shape[-1]
    capacitance = (factor.mT / diagonal.unsqueeze(-2)) @ factor + eye(m, dtype=factor.dtype)
    return cholesky(capacitance)


def _lowrank_log_det(factor, diagonal, capacitance_tril):
    """log det(W W^T + D) = log det(capacitance) + log det(D)."""
    return 2 * _half_log_det(capacitance_tril) + diagonal.log().sum(-1)


def _lowrank_mahalanobis(factor, diagonal, x, capacitance_tril):
    """x^T (W W^T + D)^-1 x by Woodbury: x^T D^-1 x - |C^-1 W^T D^-1 x|^2."""
    projected = _batch_mv(factor.mT / diagonal.unsqueeze(-2), x)
    return (x.pow(2) / diagonal).sum(-1) - _batch_mahalanobis(capacitance_tril, projected)


def _check_shapes(loc, cov_factor, cov_diag):
    if loc.dim() < 1:
        raise ValueError("loc must be at least one-dimensional.")
    event_shape = Size(loc.shape[-1:])
    if cov_factor.dim() < 2:
        raise ValueError("cov_factor must be at least two-dimensional, with optional leading batch dimensions")
    if cov_factor.shape[-2:-1] != event_shape:
        raise ValueError(f"cov_factor must be a batch of matrices with shape {event_shape[0]} x m")
    if cov_diag.shape[-1:] != event_shape:
        raise ValueError(f"cov_diag must be a batch of vectors with shape {event_shape}")
    return event_shape


class LowRankMultivariateNormal(Distribution):
    """The multivariate normal of mean ``loc`` and covariance ``cov_factor @ cov_factor.mT + diag(cov_diag)``;
    densities and samples cost O(n m^2) for rank m, not O(n^3)."""

    arg_constraints = {"loc": constraints.real_vector, "cov_factor": constraints.independent(constraints.real, 2),
                       "cov_diag": constraints.independent(constraints.positive, 1)}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, cov_factor, cov_diag, validate_args=None):
        event_shape = _check_shapes(loc, cov_factor, cov_diag)
        try:
            loc_, self.cov_factor, cov_diag_ = broadcast_all(loc.unsqueeze(-1), cov_factor, cov_diag.unsqueeze(-1))
        except RuntimeError as e:
            raise ValueError(f"Incompatible batch shapes: loc {loc.shape}, cov_factor {cov_factor.shape}, "
                             f"cov_diag {cov_diag.shape}") from e
        self.loc, self.cov_diag = loc_[..., 0], cov_diag_[..., 0]
        self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag = cov_factor, cov_diag
        self._capacitance_tril = _capacitance_tril(cov_factor, cov_diag)
        super().__init__(loc_.shape[:-2], event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expanded(LowRankMultivariateNormal, batch_shape, _instance, ("loc", "cov_factor", "cov_diag"),
                              _unbroadcasted_cov_factor=self._unbroadcasted_cov_factor,
                              _unbroadcasted_cov_diag=self._unbroadcasted_cov_diag,
                              _capacitance_tril=self._capacitance_tril)

    def _matrix_shape(self):
        return tuple(self._batch_shape) + tuple(self._event_shape) * 2

    mean = mode = _loc_property

    @lazy_property
    def variance(self):
        return (self._unbroadcasted_cov_factor.pow(2).sum(-1) + self._unbroadcasted_cov_diag).expand(
            tuple(self._batch_shape) + tuple(self._event_shape))

    @lazy_property
    def covariance_matrix(self):
        factor = self._unbroadcasted_cov_factor
        diagonal = self._unbroadcasted_cov_diag.unsqueeze(-1) * eye(factor.shape[-2], dtype=factor.dtype)
        return (factor @ factor.mT + diagonal).expand(self._matrix_shape())

    @lazy_property
    def scale_tril(self):
        return cholesky(self.covariance_matrix)

    @lazy_property
    def precision_matrix(self):
        """(W W^T + D)^-1 = D^-1 - D^-1 W C^-1 W^T D^-1 (Woodbury), C = I + W^T D^-1 W."""
        factor, diagonal = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        inverse_diagonal = diagonal.reciprocal()
        scaled = factor * inverse_diagonal.unsqueeze(-1)  # D^-1 W
        half = solve_triangular(self._capacitance_tril, scaled.mT, upper=False)  # L^-1 W^T D^-1
        n = factor.shape[-2]
        return (inverse_diagonal.unsqueeze(-1) * eye(n, dtype=factor.dtype) - half.mT @ half).expand(
            self._matrix_shape())

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        rank = self._unbroadcasted_cov_factor.shape[-1]
        eps_factor = randn(tuple(shape[:-1]) + (rank,), dtype=self.loc.dtype)
        eps_diagonal = randn(shape, dtype=self.loc.dtype)
        return (self.loc + _batch_mv(self._unbroadcasted_cov_factor, eps_factor)
                + self._unbroadcasted_cov_diag.sqrt() * eps_diagonal)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        mahalanobis = _lowrank_mahalanobis(self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag,
                                           value - self.loc, self._capacitance_tril)
        log_det = _lowrank_log_det(self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag,
                                   self._capacitance_tril)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + log_det + mahalanobis)

    def entropy(self):
        log_det = _lowrank_log_det(self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag,
                                   self._capacitance_tril)
        entropy = 0.5 * (self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + log_det)
        return entropy.expand(self._batch_shape) if len(self._batch_shape) else entropy
