"""Adafactor (Shazeer & Stern), as PyTorch implements it: factored second moments, relative step sizes."""
import numpy as np

import autograd_core
from autograd_core.arrays import array_module, kernels

from .optimizer import Optimizer, advance_step, execution_options, lerp_weight, scalar_state

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    """Adam-like steps with a second moment kept as row and column means for matrices (a full one for
    vectors), a step of ``max(eps2, RMS(param)) * min(lr, 1 / sqrt(t))``, and the update clipped to
    RMS ``d``. ``lr`` also scales the decoupled weight decay."""

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False):
        _check_options(lr, beta2_decay, eps, d, weight_decay)
        super().__init__(params, {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d,
                                  "weight_decay": weight_decay, **execution_options(foreach=foreach),
                                  "maximize": maximize})

    def _initial_state(self, param, group):
        if param.dim() <= 1:
            return {"step": scalar_state(), "variance": autograd_core.zeros_like(param)}
        shape = tuple(param.shape)
        return {"step": scalar_state(), "row_var": autograd_core.zeros(shape[:-1] + (1,), dtype=param.dtype),
                "col_var": autograd_core.zeros(shape[:-2] + (1, shape[-1]), dtype=param.dtype)}

    def _update(self, param, grad, state, group):
        step = advance_step(state)
        xp, scalar = array_module(param), param.dtype.type
        lr, weight_decay, (eps1, eps2) = float(group["lr"]), group["weight_decay"], group["eps"]
        eps1 = np.finfo(param.dtype).eps if eps1 is None else eps1
        if group["maximize"]:
            grad = -grad
        weight = lerp_weight(step ** group["beta2_decay"], param.dtype)
        alpha = max(eps2, float(_norm(xp, param)) / (param.size ** 0.5)) * min(lr, 1 / (step ** 0.5))
        if weight_decay != 0:
            param *= scalar(1 - lr * weight_decay)
        if param.ndim > 1:
            row_var, col_var = state["row_var"].array, state["col_var"].array
            _lerp_(row_var, _squared_norm_mean(xp, grad, -1), weight)
            _lerp_(col_var, _squared_norm_mean(xp, grad, -2), weight)
            var_estimate = row_var @ col_var
            var_estimate /= xp.maximum(row_var.mean(axis=-2, keepdims=True), scalar(eps1))
        else:
            variance = state["variance"].array
            _lerp_(variance, grad * grad, weight)
            var_estimate = variance.copy()
        update = scalar(1) / xp.sqrt(xp.maximum(var_estimate, scalar(eps1 * eps1)))
        update *= grad
        denom = max(1.0, float(_norm(xp, update)) / ((update.size ** 0.5) * group["d"]))
        kernels("optim", param).add_(param.reshape(-1), update.reshape(-1), alpha=scalar(-alpha / denom))


def _norm(xp, array):
    return xp.sqrt((array * array).sum())


def _squared_norm_mean(xp, grad, axis):
    """``norm(grad, dim=axis, keepdim=True).square() / grad.size(axis)``, as PyTorch computes it."""
    norm = xp.sqrt((grad * grad).sum(axis=axis, keepdims=True))
    return norm * norm / grad.dtype.type(grad.shape[axis])


def _lerp_(array, end, weight):
    kernels("optim", array).lerp_(array.reshape(-1), end.astype(array.dtype, order="C", copy=False).reshape(-1),
                                  weight=weight)


def _check_options(lr, beta2_decay, eps, d, weight_decay):
    """PyTorch's checks of Adafactor's options, with its messages."""
    if not 0.0 <= lr:
        raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
    if not 0.0 >= beta2_decay:
        raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
    if eps[0] is not None and not 0.0 <= eps[0]:
        raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
    if not 0.0 <= eps[1]:
        raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
    if not 1.0 <= d:
        raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
