"""Adam (Kingma & Ba), with PyTorch's options: weight decay (L2 or decoupled), AMSGrad, maximize."""
import numpy as np

from ._kernel import fma, kernel, lerp, lerp_weights, maximum, sign
from .optimizer import (Optimizer, advance_step, check_betas, check_non_negative, state_buffer, step_counter,
                        zeros_state)

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam: steps along the bias-corrected first moment over the root of the second.

    ``decoupled_weight_decay=True`` makes it AdamW (the decay scales the parameter
    instead of joining the gradient).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 maximize=False, decoupled_weight_decay=False):
        check_non_negative(lr=lr, eps=eps)
        betas = check_betas(betas)
        check_non_negative(weight_decay=weight_decay)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                                  "amsgrad": amsgrad, "maximize": maximize,
                                  "decoupled_weight_decay": decoupled_weight_decay})

    def _initial_state(self, param, group):
        state = {"step": step_counter(), "exp_avg": zeros_state(param), "exp_avg_sq": zeros_state(param)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = zeros_state(param)
        return state

    def _update(self, param, grad, state, group):
        step = advance_step(state)
        beta1, beta2 = group["betas"]
        lr, weight_decay, amsgrad = float(group["lr"]), group["weight_decay"], group["amsgrad"]
        decoupled = group["decoupled_weight_decay"]
        exp_avg_sq = state_buffer(state, "exp_avg_sq", param)
        as_dtype = param.dtype.type
        _adam_kernel(param.reshape(-1), grad.reshape(-1), state_buffer(state, "exp_avg", param), exp_avg_sq,
                     state_buffer(state, "max_exp_avg_sq", param) if amsgrad else exp_avg_sq, amsgrad,
                     sign(group["maximize"], param.dtype),
                     weight_decay != 0 and not decoupled, as_dtype(weight_decay),
                     as_dtype(1 - lr * weight_decay if decoupled else 1),
                     *lerp_weights(1 - beta1, param.dtype), as_dtype(beta2), as_dtype(1 - beta2),
                     as_dtype((1 - beta2 ** step) ** 0.5), as_dtype(group["eps"]),
                     as_dtype(-(lr / (1 - beta1 ** step))))


@kernel
def _adam_kernel(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, amsgrad, grad_sign, l2, weight_decay,
                 decay_factor, lerp_coeff, lerp_from_start, beta2, one_minus_beta2, bias_correction2_sqrt, eps,
                 neg_step_size):
    for i in range(param.size):
        g = grad[i] * grad_sign
        p = param[i] * decay_factor
        if l2:
            g = fma(weight_decay, p, g)
        m = lerp(exp_avg[i], g, lerp_coeff, lerp_from_start)
        exp_avg[i] = m
        v = fma(one_minus_beta2 * g, g, exp_avg_sq[i] * beta2)
        exp_avg_sq[i] = v
        if amsgrad:
            v = maximum(max_exp_avg_sq[i], v)
            max_exp_avg_sq[i] = v
        param[i] = p + (neg_step_size * m) / (np.sqrt(v) / bias_correction2_sqrt + eps)
