"""ASGD (Polyak & Juditsky): SGD with a decaying step that keeps a running average of the parameters."""
import autograd_core
from autograd_core.arrays import kernels
from autograd_core.autograd.graph import increment_version

from .optimizer import Optimizer, advance_step, check_non_negative, execution_options, scalar_state, sign, state_buffer

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """``param = param * (1 - lambd * eta) - eta * grad``, with ``eta = lr / (1 + lambd * lr * t)**alpha``;
    from step ``t0`` on, ``state["ax"]`` averages the parameters (before that it follows them)."""

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        check_non_negative(lr=lr, weight_decay=weight_decay)
        super().__init__(params, {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0, "weight_decay": weight_decay,
                                  "maximize": maximize,
                                  **execution_options(foreach=foreach, differentiable=differentiable,
                                                      capturable=capturable)})

    def _initial_state(self, param, group):
        return {"step": scalar_state(), "eta": scalar_state(float(group["lr"])), "mu": scalar_state(1.0),
                "ax": autograd_core.zeros_like(param)}

    def _update(self, param, grad, state, group):
        step = advance_step(state)
        lr, lambd, weight_decay = float(group["lr"]), group["lambd"], group["weight_decay"]
        eta, mu = float(state["eta"].array), float(state["mu"].array)
        scalar = param.dtype.type
        kernels("optim", param).asgd(
            param.reshape(-1), grad.reshape(-1), state_buffer(state, "ax", param),
            grad_sign=sign(group["maximize"], param.dtype), l2=weight_decay != 0, weight_decay=scalar(weight_decay),
            decay=scalar(1 - lambd * eta), neg_eta=scalar(-eta), average=mu != 1, mu=scalar(mu))
        _set_scalar(state["eta"], lr / ((1 + lambd * lr * step) ** group["alpha"]))
        _set_scalar(state["mu"], 1 / max(1, step - group["t0"]))


def _set_scalar(tensor, value):
    """Write ``value`` into a 0-d float32 state tensor in place (rounded to float32, as ``copy_`` does)."""
    tensor.array[...] = value
    increment_version(tensor)
