"""Adam (Kingma & Ba), with PyTorch's options: weight decay (L2 or decoupled), AMSGrad, maximize."""
import autograd_core
from autograd_core.arrays import kernels

from .optimizer import (Optimizer, advance_step, check_betas, check_non_negative, lerp_weight, scalar_state,
                        sign, state_buffer, execution_options)

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam: steps along the bias-corrected first moment over the root of the second.

    ``decoupled_weight_decay=True`` makes it AdamW (the decay scales the parameter
    instead of joining the gradient).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        check_non_negative(lr=lr, eps=eps)
        betas = check_betas(betas)
        check_non_negative(weight_decay=weight_decay)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                                  "amsgrad": amsgrad, "maximize": maximize,
                                  "decoupled_weight_decay": decoupled_weight_decay,
                                  **execution_options(foreach=foreach, capturable=capturable,
                                                      differentiable=differentiable, fused=fused)})

    def _initial_state(self, param, group):
        state = {"step": scalar_state(), "exp_avg": autograd_core.zeros_like(param),
                 "exp_avg_sq": autograd_core.zeros_like(param)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = autograd_core.zeros_like(param)
        return state

    def _update(self, param, grad, state, group):
        step = advance_step(state)
        beta1, beta2 = group["betas"]
        lr, weight_decay, amsgrad = float(group["lr"]), group["weight_decay"], group["amsgrad"]
        decoupled = group["decoupled_weight_decay"]
        exp_avg_sq = state_buffer(state, "exp_avg_sq", param)
        scalar = param.dtype.type
        kernels("optim", param).adam(
            param.reshape(-1), grad.reshape(-1), state_buffer(state, "exp_avg", param), exp_avg_sq,
            state_buffer(state, "max_exp_avg_sq", param) if amsgrad else exp_avg_sq,
            grad_sign=sign(group["maximize"], param.dtype), l2=weight_decay != 0 and not decoupled,
            weight_decay=scalar(weight_decay), decay=scalar(1 - lr * weight_decay if decoupled else 1),
            beta1=lerp_weight(1 - beta1, param.dtype), beta2=scalar(beta2), one_minus_beta2=scalar(1 - beta2),
            amsgrad=amsgrad, step_size=scalar(lr / (1 - beta1 ** step)),
            bias_correction2_sqrt=scalar((1 - beta2 ** step) ** 0.5), eps=scalar(group["eps"]))
