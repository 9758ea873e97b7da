"""Negative log-likelihood losses of a Poisson and of a Gaussian target, composed as PyTorch composes them."""
import math

import autograd_core
from autograd_core import Tensor, no_grad

from ._loss import _reduce, _reduction

__all__ = ["poisson_nll_loss", "gaussian_nll_loss"]


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """``exp(input) - target * input`` (``log_input``), or ``input - target * log(input + eps)``, reduced.

    ``full`` adds Stirling's approximation of ``log(target!)`` where ``target > 1``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        loss = loss + _stirling_term(target)
    return _reduce(loss, reduction)


def _stirling_term(target):
    """``t log t - t + log(2 pi t) / 2``, and 0 where ``t <= 1``."""
    safe = target.masked_fill(target <= 1, 1)
    term = safe * safe.log() - safe + (safe * (2 * math.pi)).log() * 0.5
    return term.masked_fill(target <= 1, 0)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """``(log(var) + (input - target)^2 / var) / 2`` with ``var`` raised to at least ``eps``, reduced.

    ``var`` holds one variance per element of ``input`` or one per row (a last dim
    of size 1, or missing, or one other dim of size 1), or is a number; ``full``
    adds ``log(2 pi) / 2``.
    """
    if not isinstance(var, Tensor):
        if var < 0:
            raise ValueError("gaussian_nll_loss: var has negative entry/entries")
        var = autograd_core.full_like(input, float(var))
    elif bool((var < 0).any()):
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    var = _homoscedastic_var(input, var)
    reduction = _reduction(None, None, reduction)
    var = var.clone()
    with no_grad():  # the clamp changes the value, not the gradient (as PyTorch's)
        var.clamp_min_(eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def _homoscedastic_var(input, var):
    """``var`` shaped to broadcast over ``input``: the same shape, one dim short, or one mismatched dim of size 1."""
    in_shape, var_shape = tuple(input.shape), tuple(var.shape)
    if var_shape == in_shape:
        return var
    if var_shape == in_shape[:-1]:
        return var.unsqueeze(-1)
    if len(var_shape) == len(in_shape) and sum(v for i, v in zip(in_shape, var_shape) if i != v) == 1:
        return var
    raise ValueError(f"gaussian_nll_loss: var is of incorrect size: {var_shape} for an input of shape {in_shape} "
                     "(expected the input's shape, that shape without its last dim, or 1 in one of its dims)")
