"""Gradient clipping, in place on ``p.grad.array``: by total norm or by value."""
import math

import numpy as np

from autograd_core.tensor import Tensor, _new

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def _norm(array, norm_type):
    flat = array.reshape(-1)
    if norm_type == math.inf:
        return np.abs(flat).max(initial=0)
    if norm_type == 2:
        return np.sqrt(np.dot(flat, flat))
    return np.linalg.norm(flat, ord=norm_type)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so that their joint ``norm_type``-norm is at most ``max_norm``.

    Returns the total norm before clipping (a 0-d tensor); ``norm_type`` may be ``inf``.
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return _new(np.array(0.0, dtype=np.float32))
    dtype = grads[0].array.dtype
    total = _norm(np.array([_norm(g.array, norm_type) for g in grads], dtype=np.float64), norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           "norm anyway, set `error_if_nonfinite=False`")
    coefficient = max_norm / (total + 1e-6)
    if coefficient < 1:
        for g in grads:
            g.array *= g.array.dtype.type(coefficient)
    return _new(np.array(total, dtype=dtype))


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clip every gradient element to [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g.array, -clip_value, clip_value, out=g.array)
