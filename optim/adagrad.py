"""Adagrad (Duchi et al.): per-coordinate steps shrinking with the sum of squared gradients."""
import numpy as np

from ._kernel import fma, kernel, sign
from .optimizer import Optimizer, advance_step, check_non_negative, state_buffer, step_counter, zeros_state

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """``sum += grad**2``; ``param -= clr * grad / (sqrt(sum) + eps)`` with ``clr = lr / (1 + (step - 1) * lr_decay)``.

    As in PyTorch, the state ('step' and the 'sum' accumulator) exists from construction.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, *,
                 maximize=False):
        check_non_negative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                           initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value, "maximize": maximize})
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p].update(self._initial_state(p.array, group))

    def _initial_state(self, param, group):
        return {"step": step_counter(), "sum": zeros_state(param, group["initial_accumulator_value"])}

    def _update(self, param, grad, state, group):
        step = advance_step(state)
        clr = float(group["lr"]) / (1 + (step - 1) * group["lr_decay"])
        as_dtype = param.dtype.type
        _adagrad_kernel(param.reshape(-1), grad.reshape(-1), state_buffer(state, "sum", param),
                        sign(group["maximize"], param.dtype), group["weight_decay"] != 0,
                        as_dtype(group["weight_decay"]), as_dtype(group["eps"]), as_dtype(-clr))


@kernel
def _adagrad_kernel(param, grad, state_sum, grad_sign, decay, weight_decay, eps, neg_clr):
    for i in range(param.size):
        g = grad[i] * grad_sign
        p = param[i]
        if decay:
            g = fma(weight_decay, p, g)
        s = fma(g, g, state_sum[i])
        state_sum[i] = s
        param[i] = p + (neg_clr * g) / (np.sqrt(s) + eps)
