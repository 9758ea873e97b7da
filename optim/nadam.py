"""NAdam (Dozat): Adam with Nesterov momentum and a warming-up momentum schedule."""
import numpy as np

from ._kernel import fma, kernel, lerp, lerp_weights, sign
from .optimizer import (Optimizer, advance_step, check_betas, check_non_negative, state_buffer, step_counter,
                        zeros_state)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """Adam whose step mixes the current gradient and the momentum with weights from
    ``mu_t = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay))`` and their running product.

    ``decoupled_weight_decay=True`` gives NAdamW (the decay scales the parameter).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, maximize=False):
        check_non_negative(lr=lr, eps=eps)
        betas = check_betas(betas)
        check_non_negative(weight_decay=weight_decay, momentum_decay=momentum_decay)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                                  "momentum_decay": momentum_decay,
                                  "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize})

    def _initial_state(self, param, group):
        return {"step": step_counter(), "mu_product": step_counter(1.0), "exp_avg": zeros_state(param),
                "exp_avg_sq": zeros_state(param)}

    def _update(self, param, grad, state, group):
        step = advance_step(state)
        beta1, beta2 = group["betas"]
        lr, weight_decay, momentum_decay = float(group["lr"]), group["weight_decay"], group["momentum_decay"]
        decoupled = group["decoupled_weight_decay"]
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product = state["mu_product"].array
        mu_product *= np.float32(mu)  # a float32 scalar tensor, as in PyTorch
        mu_product = float(mu_product)
        as_dtype = param.dtype.type
        _nadam_kernel(param.reshape(-1), grad.reshape(-1), state_buffer(state, "exp_avg", param),
                      state_buffer(state, "exp_avg_sq", param), sign(group["maximize"], param.dtype),
                      weight_decay != 0 and not decoupled, as_dtype(weight_decay),
                      as_dtype(1 - lr * weight_decay if decoupled else 1),
                      *lerp_weights(1 - beta1, param.dtype), as_dtype(beta2), as_dtype(1 - beta2),
                      as_dtype(1 - beta2 ** step), as_dtype(group["eps"]),
                      as_dtype(-lr * (1.0 - mu) / (1.0 - mu_product)),
                      as_dtype((-lr * mu_next) / (1.0 - mu_product * mu_next)))


@kernel
def _nadam_kernel(param, grad, exp_avg, exp_avg_sq, grad_sign, l2, weight_decay, decay_factor, lerp_coeff,
                  lerp_from_start, beta2, one_minus_beta2, bias_correction2, eps, grad_coeff, avg_coeff):
    for i in range(param.size):
        g = grad[i] * grad_sign
        p = param[i] * decay_factor
        if l2:
            g = fma(weight_decay, p, g)
        m = lerp(exp_avg[i], g, lerp_coeff, lerp_from_start)
        exp_avg[i] = m
        v = fma(one_minus_beta2 * g, g, exp_avg_sq[i] * beta2)
        exp_avg_sq[i] = v
        denom = np.sqrt(v / bias_correction2) + eps
        p = p + (grad_coeff * g) / denom
        param[i] = p + (avg_coeff * m) / denom
