"""Helpers shared by the distributions: broadcasting parameters, probabilities and logits, lazy properties."""
import functools
import numbers

import numpy as np

from .. import dtypes
from ..creation import tensor
from ..grad_mode import enable_grad
from ..ops.elementwise import clamp_max, log1p
from ..ops.index import where
from ..random import _broadcast_shape
from ..tensor import Tensor

__all__ = ["broadcast_all", "clamp_probs", "euler_constant", "lazy_property", "logits_to_probs", "probs_to_logits"]

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
