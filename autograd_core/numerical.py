"""Numerical differentiation by central differences, the course's check on autograd."""
import numpy as np

from .grad_mode import no_grad
from .tensor import Tensor, _new


def _value(y):
    return float(y.item() if isinstance(y, Tensor) else y)


def numerical_diff(f, x, eps=1e-4):
    """``(f(x + eps) - f(x - eps)) / (2 eps)`` for a function of one tensor (elementwise f gives a tensor)."""
    x = x if isinstance(x, Tensor) else _new(np.asarray(x, dtype=np.float64))
    with no_grad():
        return (f(x + eps) - f(x - eps)) / (2 * eps)


def numerical_gradient(f, x, h=1e-4):
    """The gradient of scalar ``f`` at ``x``, perturbing one element at a time (the course's version).

    ``f`` takes a tensor shaped like ``x`` and returns a scalar (tensor or number).
    """
    x = x if isinstance(x, Tensor) else _new(np.asarray(x, dtype=np.float64))
    point = np.array(x.array, copy=True)
    flat = point.reshape(-1)
    grad = np.zeros_like(flat)
    with no_grad():
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + h
            above = _value(f(_new(point)))
            flat[i] = original - h
            below = _value(f(_new(point)))
            flat[i] = original
            grad[i] = (above - below) / (2 * h)
    return _new(grad.reshape(point.shape))
