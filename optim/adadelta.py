"""Adadelta (Zeiler): steps sized by the ratio of running RMS of past updates to that of gradients."""
import numpy as np

from ._kernel import fma, kernel, sign
from .optimizer import Optimizer, advance_step, check_non_negative, state_buffer, step_counter, zeros_state

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """``delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * grad``; ``param -= lr * delta``.

    Both ``square_avg`` (of gradients) and ``acc_delta`` (of updates) are running
    averages with factor ``rho``.
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False):
        check_non_negative(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_non_negative(eps=eps, weight_decay=weight_decay)
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                                  "maximize": maximize})

    def _initial_state(self, param, group):
        return {"step": step_counter(), "square_avg": zeros_state(param), "acc_delta": zeros_state(param)}

    def _update(self, param, grad, state, group):
        advance_step(state)
        rho = group["rho"]
        as_dtype = param.dtype.type
        _adadelta_kernel(param.reshape(-1), grad.reshape(-1), state_buffer(state, "square_avg", param),
                         state_buffer(state, "acc_delta", param), sign(group["maximize"], param.dtype),
                         group["weight_decay"] != 0,
                         as_dtype(group["weight_decay"]), as_dtype(rho), as_dtype(1 - rho),
                         as_dtype(group["eps"]), as_dtype(-float(group["lr"])))


@kernel
def _adadelta_kernel(param, grad, square_avg, acc_delta, grad_sign, decay, weight_decay, rho, one_minus_rho, eps,
                     neg_lr):
    for i in range(param.size):
        g = grad[i] * grad_sign
        p = param[i]
        if decay:
            g = fma(weight_decay, p, g)
        sq = fma(one_minus_rho * g, g, square_avg[i] * rho)
        square_avg[i] = sq
        delta = np.sqrt(acc_delta[i] + eps) / np.sqrt(sq + eps) * g
        acc_delta[i] = fma(one_minus_rho * delta, delta, acc_delta[i] * rho)
        param[i] = fma(neg_lr, delta, p)
