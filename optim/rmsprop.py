"""RMSprop (Hinton): steps scaled by a running root-mean-square of the gradients."""
import autograd_core
from autograd_core.arrays import kernels

from .optimizer import (Optimizer, advance_step, check_non_negative, lerp_weight, scalar_state,
                        sign, state_buffer, execution_options)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """``square_avg = alpha * square_avg + (1 - alpha) * grad**2``; ``param -= lr * grad / (sqrt(square_avg) + eps)``.

    ``centered`` subtracts the squared running mean of the gradients from ``square_avg``;
    ``momentum`` accumulates the scaled steps in a buffer first.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_non_negative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        super().__init__(params, {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                                  "centered": centered, "weight_decay": weight_decay, "maximize": maximize,
                                  **execution_options(capturable=capturable, foreach=foreach,
                                                      differentiable=differentiable)})

    def _initial_state(self, param, group):
        state = {"step": scalar_state(), "square_avg": autograd_core.zeros_like(param)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = autograd_core.zeros_like(param)
        if group["centered"]:
            state["grad_avg"] = autograd_core.zeros_like(param)
        return state

    def _update(self, param, grad, state, group):
        advance_step(state)
        alpha, momentum, centered = group["alpha"], group["momentum"], group["centered"]
        square_avg = state_buffer(state, "square_avg", param)
        scalar = param.dtype.type
        kernels("optim", param).rmsprop(
            param.reshape(-1), grad.reshape(-1), square_avg,
            state_buffer(state, "grad_avg", param) if centered else square_avg,
            state_buffer(state, "momentum_buffer", param) if momentum > 0 else square_avg,
            grad_sign=sign(group["maximize"], param.dtype), l2=group["weight_decay"] != 0,
            weight_decay=scalar(group["weight_decay"]), alpha=scalar(alpha), one_minus_alpha=scalar(1 - alpha),
            centered=centered, grad_avg_weight=lerp_weight(1 - alpha, param.dtype), eps=scalar(group["eps"]),
            use_momentum=momentum > 0, momentum=scalar(momentum), lr=scalar(group["lr"]))
