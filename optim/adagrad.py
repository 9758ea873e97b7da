"""Adagrad (Duchi et al.): per-coordinate steps shrinking with the sum of squared gradients."""
import autograd_core
from autograd_core.arrays import kernels

from .optimizer import Optimizer, execution_options, advance_step, check_non_negative, scalar_state, sign, state_buffer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """``sum += grad**2``; ``param -= clr * grad / (sqrt(sum) + eps)`` with ``clr = lr / (1 + (step - 1) * lr_decay)``.

    As in PyTorch, the state ('step' and the 'sum' accumulator) exists from construction.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_non_negative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                           initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value, "maximize": maximize,
                                  **execution_options(foreach=foreach, differentiable=differentiable, fused=fused)})
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p].update(self._initial_state(p, group))

    def _initial_state(self, param, group):
        return {"step": scalar_state(), "sum": autograd_core.full_like(param, group["initial_accumulator_value"])}

    def _update(self, param, grad, state, group):
        step = advance_step(state)
        scalar = param.dtype.type
        kernels("optim", param).adagrad(
            param.reshape(-1), grad.reshape(-1), state_buffer(state, "sum", param),
            grad_sign=sign(group["maximize"], param.dtype), l2=group["weight_decay"] != 0,
            weight_decay=scalar(group["weight_decay"]), eps=scalar(group["eps"]),
            clr=scalar(float(group["lr"]) / (1 + (step - 1) * group["lr_decay"])))
