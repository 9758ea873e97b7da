"""Adamax (Kingma & Ba): Adam with the infinity norm of past gradients in the denominator."""
import numpy as np

from ._kernel import fma, kernel, lerp, lerp_weights, maximum, sign
from .optimizer import (Optimizer, advance_step, check_betas, check_non_negative, state_buffer, step_counter,
                        zeros_state)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """``exp_inf = max(beta2 * exp_inf, |grad| + eps)``; ``param -= lr / (1 - beta1**t) * exp_avg / exp_inf``."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, *, maximize=False):
        check_non_negative(lr=lr, eps=eps)
        betas = check_betas(betas)
        check_non_negative(weight_decay=weight_decay)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                                  "maximize": maximize})

    def _initial_state(self, param, group):
        return {"step": step_counter(), "exp_avg": zeros_state(param), "exp_inf": zeros_state(param)}

    def _update(self, param, grad, state, group):
        step = advance_step(state)
        beta1, beta2 = group["betas"]
        as_dtype = param.dtype.type
        _adamax_kernel(param.reshape(-1), grad.reshape(-1), state_buffer(state, "exp_avg", param),
                       state_buffer(state, "exp_inf", param), sign(group["maximize"], param.dtype),
                       group["weight_decay"] != 0,
                       as_dtype(group["weight_decay"]), *lerp_weights(1 - beta1, param.dtype), as_dtype(beta2),
                       as_dtype(group["eps"]), as_dtype(-(float(group["lr"]) / (1 - beta1 ** step))))


@kernel
def _adamax_kernel(param, grad, exp_avg, exp_inf, grad_sign, decay, weight_decay, lerp_coeff, lerp_from_start,
                   beta2, eps, neg_clr):
    for i in range(param.size):
        g = grad[i] * grad_sign
        p = param[i]
        if decay:
            g = fma(weight_decay, p, g)
        m = lerp(exp_avg[i], g, lerp_coeff, lerp_from_start)
        exp_avg[i] = m
        u = maximum(exp_inf[i] * beta2, np.abs(g) + eps)
        exp_inf[i] = u
        param[i] = p + (neg_clr * m) / u
