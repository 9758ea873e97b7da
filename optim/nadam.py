"""NAdam (Dozat): Adam with Nesterov momentum and a warming-up momentum schedule."""
import numpy as np

import autograd_core
from autograd_core.arrays import kernels
from autograd_core.autograd.graph import increment_version

from .optimizer import (Optimizer, advance_step, check_betas, check_non_negative, lerp_weight, scalar_state,
                        sign, state_buffer, execution_options)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """Adam whose step mixes the current gradient and the momentum with weights from
    ``mu_t = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay))`` and their running product.

    ``decoupled_weight_decay=True`` gives NAdamW (the decay scales the parameter).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        check_non_negative(lr=lr, eps=eps)
        betas = check_betas(betas)
        check_non_negative(weight_decay=weight_decay, momentum_decay=momentum_decay)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                                  "momentum_decay": momentum_decay,
                                  "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                                  **execution_options(foreach=foreach, capturable=capturable,
                                                      differentiable=differentiable)})

    def _initial_state(self, param, group):
        return {"step": scalar_state(), "mu_product": scalar_state(1.0), "exp_avg": autograd_core.zeros_like(param),
                "exp_avg_sq": autograd_core.zeros_like(param)}

    def _update(self, param, grad, state, group):
        step = advance_step(state)
        beta1, beta2 = group["betas"]
        lr, weight_decay, momentum_decay = float(group["lr"]), group["weight_decay"], group["momentum_decay"]
        decoupled = group["decoupled_weight_decay"]
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product = _multiply_mu_product(state, mu)
        scalar = param.dtype.type
        kernels("optim", param).nadam(
            param.reshape(-1), grad.reshape(-1), state_buffer(state, "exp_avg", param),
            state_buffer(state, "exp_avg_sq", param),
            grad_sign=sign(group["maximize"], param.dtype), l2=weight_decay != 0 and not decoupled,
            weight_decay=scalar(weight_decay), decay=scalar(1 - lr * weight_decay if decoupled else 1),
            beta1=lerp_weight(1 - beta1, param.dtype), beta2=scalar(beta2), one_minus_beta2=scalar(1 - beta2),
            bias_correction2=scalar(1 - beta2 ** step), eps=scalar(group["eps"]),
            grad_step=scalar(lr * (1.0 - mu) / (1.0 - mu_product)),
            exp_avg_step=scalar((lr * mu_next) / (1.0 - mu_product * mu_next)))


def _multiply_mu_product(state, mu):
    """``state['mu_product'] *= mu`` in float32 (a 0-d tensor, as PyTorch keeps it); the new product as a float."""
    mu_product = state["mu_product"]
    mu_product.array *= np.float32(mu)
    increment_version(mu_product)
    return float(mu_product.array)
