"""RAdam (Liu et al.): Adam whose adaptive step is rectified by the variance of its second moment."""
import autograd_core
from autograd_core.arrays import kernels

from .optimizer import (Optimizer, advance_step, check_betas, check_non_negative, execution_options, lerp_weight,
                        scalar_state, sign, state_buffer)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """Plain momentum SGD (bias-corrected) while the length of the approximated SMA ``rho_t`` is at most 5,
    then Adam's step scaled by the rectification term.

    ``decoupled_weight_decay=True`` makes the decay scale the parameter (RAdamW) instead of joining the gradient.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        check_non_negative(lr=lr, eps=eps)
        betas = check_betas(betas)
        check_non_negative(weight_decay=weight_decay)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                                  "maximize": maximize, "decoupled_weight_decay": decoupled_weight_decay,
                                  **execution_options(foreach=foreach, capturable=capturable,
                                                      differentiable=differentiable)})

    def _initial_state(self, param, group):
        return {"step": scalar_state(), "exp_avg": autograd_core.zeros_like(param),
                "exp_avg_sq": autograd_core.zeros_like(param)}

    def _update(self, param, grad, state, group):
        step = advance_step(state)
        beta1, beta2 = group["betas"]
        lr, weight_decay, decoupled = float(group["lr"]), group["weight_decay"], group["decoupled_weight_decay"]
        bias_correction2 = 1 - beta2 ** step
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        rectified = rho_t > 5.0
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5 \
            if rectified else 1.0
        scalar = param.dtype.type
        kernels("optim", param).radam(
            param.reshape(-1), grad.reshape(-1), state_buffer(state, "exp_avg", param),
            state_buffer(state, "exp_avg_sq", param),
            grad_sign=sign(group["maximize"], param.dtype), l2=weight_decay != 0 and not decoupled,
            weight_decay=scalar(weight_decay),
            decay=scalar(1 - lr * weight_decay if decoupled and weight_decay != 0 else 1),
            beta1=lerp_weight(1 - beta1, param.dtype), beta2=scalar(beta2), one_minus_beta2=scalar(1 - beta2),
            bias_correction1=scalar(1 - beta1 ** step), lr=scalar(lr), rectified=rectified, rect=scalar(rect),
            bias_correction2_sqrt=scalar(bias_correction2 ** 0.5), eps=scalar(group["eps"]), one=scalar(1))
