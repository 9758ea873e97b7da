"""Adamax (Kingma & Ba): Adam with the infinity norm of past gradients in the denominator."""
import autograd_core
from autograd_core.arrays import kernels

from .optimizer import (Optimizer, advance_step, check_betas, check_non_negative, lerp_weight, scalar_state,
                        sign, state_buffer, execution_options)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """``exp_inf = max(beta2 * exp_inf, |grad| + eps)``; ``param -= lr / (1 - beta1**t) * exp_avg / exp_inf``."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        check_non_negative(lr=lr, eps=eps)
        betas = check_betas(betas)
        check_non_negative(weight_decay=weight_decay)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                                  "maximize": maximize, **execution_options(foreach=foreach,
                                                                            differentiable=differentiable,
                                                                            capturable=capturable)})

    def _initial_state(self, param, group):
        return {"step": scalar_state(), "exp_avg": autograd_core.zeros_like(param),
                "exp_inf": autograd_core.zeros_like(param)}

    def _update(self, param, grad, state, group):
        step = advance_step(state)
        beta1, beta2 = group["betas"]
        scalar = param.dtype.type
        kernels("optim", param).adamax(
            param.reshape(-1), grad.reshape(-1), state_buffer(state, "exp_avg", param),
            state_buffer(state, "exp_inf", param), grad_sign=sign(group["maximize"], param.dtype),
            l2=group["weight_decay"] != 0, weight_decay=scalar(group["weight_decay"]),
            beta1=lerp_weight(1 - beta1, param.dtype), beta2=scalar(beta2), eps=scalar(group["eps"]),
            clr=scalar(float(group["lr"]) / (1 - beta1 ** step)))
