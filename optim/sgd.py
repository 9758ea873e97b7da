"""Stochastic gradient descent, with PyTorch's momentum, dampening, Nesterov, weight decay and maximize."""
import autograd_core
from autograd_core.arrays import kernels

from .optimizer import Optimizer, execution_options, check_non_negative, sign, state_buffer

__all__ = ["SGD"]


class SGD(Optimizer):
    """``param -= lr * grad``; with momentum the step follows a running buffer of gradients.

    The buffer starts as the first gradient, then ``buf = momentum * buf + (1 - dampening) * grad``;
    Nesterov steps along ``grad + momentum * buf`` instead of ``buf``.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        check_non_negative(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                                  **execution_options(foreach=foreach, differentiable=differentiable, fused=fused)})

    def _update(self, param, grad, state, group):
        momentum, weight_decay = group["momentum"], group["weight_decay"]
        first_step = momentum != 0 and "momentum_buffer" not in state
        if first_step:  # the buffer starts as the first gradient: the loop writes it whole
            state["momentum_buffer"] = autograd_core.as_tensor(param.copy())
        flat_param = param.reshape(-1)
        scalar = param.dtype.type
        kernels("optim", param).sgd(
            flat_param, grad.reshape(-1), state_buffer(state, "momentum_buffer", param) if momentum != 0 else flat_param,
            grad_sign=sign(group["maximize"], param.dtype), l2=weight_decay != 0, weight_decay=scalar(weight_decay),
            lr=scalar(group["lr"]), use_momentum=momentum != 0, first_step=first_step, momentum=scalar(momentum),
            one_minus_dampening=scalar(1 - group["dampening"]), nesterov=group["nesterov"])
