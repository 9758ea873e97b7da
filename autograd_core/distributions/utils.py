"""Helpers shared by the distributions: broadcasting parameters, probabilities and logits, lazy properties."""
import functools
import numbers

import numpy as np

from .. import dtypes
from ..arrays import from_numpy, to_numpy
from ..creation import tensor
from ..grad_mode import enable_grad
from ..ops.elementwise import clamp_max, log1p
from ..ops.index import where
from ..ops.shape import cat
from ..random import _broadcast_shape
from ..tensor import Size, Tensor, _new

__all__ = ["broadcast_all", "clamp_probs", "euler_constant", "lazy_property", "logits_to_probs", "probs_to_logits",
           "tril_matrix_to_vec", "vec_to_tril_matrix"]

euler_constant = 0.57721566490153286060  # the Euler-Mascheroni constant


def broadcast_all(*values):
    """``values`` (tensors and numbers) as tensors of one broadcast shape; numbers take the first tensor's dtype
    (the default dtype when there is none)."""
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, torch.Tensor or objects "
                         "implementing __torch_function__.")
    dtype = next((v.dtype for v in values if isinstance(v, Tensor)), dtypes.get_default_dtype())
    tensors = [v if isinstance(v, Tensor) else tensor(v, dtype=dtype) for v in values]
    shape = functools.reduce(_broadcast_shape, [t.shape for t in tensors], ())
    return tuple(t if t.shape == shape else t.expand(shape) for t in tensors)


def _sum_rightmost(value, dim):
    """``value`` summed over its ``dim`` rightmost dimensions."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:value.dim() - dim]) + (-1,)).sum(-1)


def _finfo(dtype):
    """numpy's float limits for a tensor dtype (eps, tiny, min, max)."""
    return np.finfo(dtype.numpy)


def clamp_probs(probs):
    """``probs`` clamped into [eps, 1 - eps] of their dtype, so that their logs are finite."""
    eps = float(_finfo(probs.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def _softplus(x):
    """log(1 + exp(x)), x itself above 20 (PyTorch's threshold), differentiable everywhere."""
    return where(x > 20, x, log1p(clamp_max(x, 20).exp()))


def logits_to_probs(logits, is_binary=False):
    """Probabilities from logits: the sigmoid (binary) or the softmax over the last dimension."""
    return logits.sigmoid() if is_binary else logits.softmax(-1)


def probs_to_logits(probs, is_binary=False):
    """Logits from probabilities (clamped away from 0 and 1): log-odds (binary) or log-probabilities."""
    clamped = clamp_probs(probs)
    return clamped.log() - log1p(-clamped) if is_binary else clamped.log()


class lazy_property:
    """A property computed (with gradients recorded) on first access and then kept on the instance."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        functools.update_wrapper(self, wrapped)

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


_loc_property = property(lambda self: self.loc, doc="``loc``: the mean and the mode of a symmetric unimodal family.")


def _two_parameterisations(probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


class _BinaryProbsOrLogits:
    """A distribution of one success probability (``probs``) or its log-odds (``logits``): the one given is kept,
    the other made from it on first use."""

    def _set_probs_or_logits(self, probs, logits, *others):
        """Keeps ``probs`` or ``logits`` (whichever is given) broadcast with ``others``; returns them all broadcast,
        that parameter last."""
        _two_parameterisations(probs, logits)
        broadcast = broadcast_all(*others, probs if probs is not None else logits)
        setattr(self, "probs" if probs is not None else "logits", broadcast[-1])
        self._param = broadcast[-1]
        return broadcast

    def _expand_probs_or_logits(self, cls, batch_shape, _instance, parameters=(), **attributes):
        """``Distribution._expanded`` with ``probs``/``logits`` among the ``parameters``."""
        new = self._expanded(cls, batch_shape, _instance, parameters + ("probs", "logits"), **attributes)
        new._param = new.__dict__["probs" if "probs" in self.__dict__ else "logits"]
        return new

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)


class _ShapedBinaryProbsOrLogits(_BinaryProbsOrLogits):
    """``_BinaryProbsOrLogits`` with PyTorch's ``param_shape``: the shape of the parameter given."""

    @property
    def param_shape(self):
        return self._param.size()


def _batch_shape(given, like):
    """The batch shape of a distribution of parameters ``given``: () when all are numbers, else ``like``'s shape."""
    return Size() if all(isinstance(g, numbers.Number) for g in given) else like.size()


def _host_sample(draw, like):
    """``draw()`` (host samples from numpy's generator) as a tensor of ``like``'s dtype and backend."""
    return _new(from_numpy(np.asarray(draw()).astype(like.dtype.numpy), like=like.array))


def _as_float_tensor(value, like):
    """``value`` (a tensor or a number) as a tensor of ``like``'s dtype."""
    return value.to(like.dtype) if isinstance(value, Tensor) else tensor(value, dtype=like.dtype)


def _host_float_values(t):
    """A tensor's values on the host, as float64 (for numpy's samplers)."""
    return to_numpy(t.array).astype(np.float64)


def _tril_positions(n, diag):
    """The flat indices (row-major) of the entries of an n x n matrix on or below its ``diag``-th diagonal."""
    rows, cols = np.nonzero(np.arange(n) < np.arange(n).reshape(-1, 1) + (diag + 1))
    return rows * n + cols


def tril_matrix_to_vec(mat, diag=0):
    """The entries of ``mat`` (..., D, D) on or below its ``diag``-th diagonal, row by row, as (..., N)."""
    n = mat.shape[-1]
    if not -n <= diag < n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    flat = mat.reshape(tuple(mat.shape[:-2]) + (n * n,))
    return flat[..., tensor(_tril_positions(n, diag))]


def vec_to_tril_matrix(vec, diag=0):
    """The (..., D, D) matrix with ``vec``'s entries on and below its ``diag``-th diagonal, row by row, zeros
    elsewhere (the inverse of ``tril_matrix_to_vec``)."""
    k = vec.shape[-1]
    n = (-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * k + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2
    if round(n) - n > float(_finfo(vec.dtype).eps):
        raise ValueError(f"The size of last dimension is {k} which cannot be expressed as the lower triangular part "
                         "of a square D x D matrix.")
    n = round(n)
    source = np.zeros(n * n, dtype=np.int64)  # position 0 of the padded vector is the zero
    source[_tril_positions(n, diag)] = np.arange(1, k + 1)
    padded = cat([vec.new_zeros(tuple(vec.shape[:-1]) + (1,)), vec], -1)
    return padded[..., tensor(source.reshape(n, n))]
