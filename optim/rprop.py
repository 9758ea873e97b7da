"""Rprop (Riedmiller & Braun): per-element step sizes adapted to the sign changes of the gradient."""
import autograd_core
from autograd_core.arrays import kernels

from .optimizer import Optimizer, advance_step, check_non_negative, execution_options, scalar_state, state_buffer

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Each element moves by its own step size against the gradient's sign; the size is multiplied by
    ``etas[1]`` while the sign holds, by ``etas[0]`` when it flips, and kept within ``step_sizes``."""

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        check_non_negative(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, {"lr": lr, "etas": etas, "step_sizes": step_sizes, "maximize": maximize,
                                  **execution_options(foreach=foreach, capturable=capturable,
                                                      differentiable=differentiable)})

    def _initial_state(self, param, group):
        return {"step": scalar_state(), "prev": autograd_core.zeros_like(param),
                "step_size": autograd_core.full_like(param, float(group["lr"]))}

    def _update(self, param, grad, state, group):
        advance_step(state)
        (etaminus, etaplus), (step_size_min, step_size_max) = group["etas"], group["step_sizes"]
        scalar = param.dtype.type
        kernels("optim", param).rprop(
            param.reshape(-1), grad.reshape(-1), state_buffer(state, "prev", param),
            state_buffer(state, "step_size", param), grad_sign=scalar(-1 if group["maximize"] else 1),
            etaminus=scalar(etaminus), etaplus=scalar(etaplus), step_size_min=scalar(step_size_min),
            step_size_max=scalar(step_size_max), one=scalar(1))
