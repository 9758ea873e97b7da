"""Stochastic gradient descent, with PyTorch's momentum, dampening, Nesterov, weight decay and maximize."""
import numpy as np

from autograd_core.tensor import _new

from ._kernel import fma, kernel, sign
from .optimizer import Optimizer, check_non_negative, state_buffer

__all__ = ["SGD"]


class SGD(Optimizer):
    """``param -= lr * grad``; with momentum the step follows a running buffer of gradients.

    The buffer starts as the first gradient, then ``buf = momentum * buf + (1 - dampening) * grad``;
    Nesterov steps along ``grad + momentum * buf`` instead of ``buf``.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False):
        check_non_negative(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize})

    def _update(self, param, grad, state, group):
        momentum, weight_decay = group["momentum"], group["weight_decay"]
        first = momentum != 0 and "momentum_buffer" not in state
        if first:  # the buffer starts as the first gradient: the loop writes it whole
            state["momentum_buffer"] = _new(np.empty_like(param))
        flat_param = param.reshape(-1)
        buffer = state_buffer(state, "momentum_buffer", param) if momentum != 0 else flat_param
        as_dtype = param.dtype.type
        _sgd_kernel(flat_param, grad.reshape(-1), buffer, sign(group["maximize"], param.dtype), weight_decay != 0,
                    as_dtype(weight_decay), momentum != 0, first, as_dtype(momentum), as_dtype(1 - group["dampening"]),
                    group["nesterov"], as_dtype(-float(group["lr"])))


@kernel
def _sgd_kernel(param, grad, buffer, grad_sign, decay, weight_decay, use_momentum, first, momentum,
                one_minus_dampening, nesterov, neg_lr):
    for i in range(param.size):
        g = grad[i] * grad_sign
        if decay:
            g = fma(weight_decay, param[i], g)
        if use_momentum:
            b = g if first else fma(one_minus_dampening, g, buffer[i] * momentum)
            buffer[i] = b
            g = fma(momentum, b, g) if nesterov else b
        param[i] = fma(neg_lr, g, param[i])
