"""Numerical differentiation by central differences, the course's check on autograd."""
import numpy as np

from . import dtypes
from .arrays import from_numpy, to_numpy
from .grad_mode import no_grad
from .tensor import Tensor, _new, to_array


def _value(y):
    return float(y.item() if isinstance(y, Tensor) else y)


def _as_tensor(x):
    return x if isinstance(x, Tensor) else _new(to_array(x, dtypes.float64))


def numerical_diff(f, x, eps=1e-4):
    """``(f(x + eps) - f(x - eps)) / (2 eps)`` for a function of one tensor (elementwise f gives a tensor)."""
    x = _as_tensor(x)
    with no_grad():
        return (f(x + eps) - f(x - eps)) / (2 * eps)


def numerical_gradient(f, x, h=1e-4):
    """The gradient of scalar ``f`` at ``x``, perturbing one element at a time (the course's version).

    ``f`` takes a tensor shaped like ``x`` (on ``x``'s backend) and returns a scalar (tensor or number);
    the perturbations are made on a host copy.
    """
    x = _as_tensor(x)
    point = np.array(to_numpy(x.array), copy=True)
    flat = point.reshape(-1)
    grad = np.zeros_like(flat)

    def at_point():
        return _value(f(_new(from_numpy(point.copy(), like=x.array))))

    with no_grad():
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + h
            above = at_point()
            flat[i] = original - h
            below = at_point()
            flat[i] = original
            grad[i] = (above - below) / (2 * h)
    return _new(from_numpy(grad.reshape(point.shape), like=x.array))
