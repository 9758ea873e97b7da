"""Adadelta (Zeiler): steps sized by the ratio of running RMS of past updates to that of gradients."""
import autograd_core
from autograd_core.arrays import kernels

from .optimizer import Optimizer, execution_options, advance_step, check_non_negative, scalar_state, sign, state_buffer

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """``delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * grad``; ``param -= lr * delta``.

    Both ``square_avg`` (of gradients) and ``acc_delta`` (of updates) are running
    averages with factor ``rho``.
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        check_non_negative(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_non_negative(eps=eps, weight_decay=weight_decay)
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                                  "maximize": maximize, **execution_options(foreach=foreach, capturable=capturable,
                                                                            differentiable=differentiable)})

    def _initial_state(self, param, group):
        return {"step": scalar_state(), "square_avg": autograd_core.zeros_like(param),
                "acc_delta": autograd_core.zeros_like(param)}

    def _update(self, param, grad, state, group):
        advance_step(state)
        rho = group["rho"]
        scalar = param.dtype.type
        kernels("optim", param).adadelta(
            param.reshape(-1), grad.reshape(-1), state_buffer(state, "square_avg", param),
            state_buffer(state, "acc_delta", param), grad_sign=sign(group["maximize"], param.dtype),
            l2=group["weight_decay"] != 0, weight_decay=scalar(group["weight_decay"]), rho=scalar(rho),
            one_minus_rho=scalar(1 - rho), eps=scalar(group["eps"]), lr=scalar(group["lr"]))
