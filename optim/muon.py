"""Muon (Jordan et al.): momentum SGD whose update is orthogonalised by a Newton–Schulz iteration."""
import math

import numpy as np

import autograd_core
from autograd_core.arrays import array_module, kernels

from .optimizer import Optimizer, lerp_weight

__all__ = ["Muon"]

EPS = 1e-7
DEFAULT_A = 3.4445
DEFAULT_B = -4.7750
DEFAULT_C = 2.0315
DEFAULT_NS_STEPS = 5


class Muon(Optimizer):
    """For 2-D parameters (hidden layers' weights): the (Nesterov) momentum ``buf = lerp(buf, g, 1 - momentum)``
    is replaced by the nearest semi-orthogonal matrix (``ns_steps`` quintic Newton–Schulz iterations in
    bfloat16, as PyTorch runs them), then ``param -= adjusted_lr * update`` after decoupled weight decay.
    ``adjust_lr_fn``: None/"original" scales lr by ``sqrt(max(1, rows / cols))``, "match_rms_adamw"
    by ``0.2 * sqrt(max(rows, cols))``."""

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=(DEFAULT_A, DEFAULT_B, DEFAULT_C), eps=EPS, ns_steps=DEFAULT_NS_STEPS,
                 adjust_lr_fn=None):
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ("original", "match_rms_adamw"):
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        super().__init__(params, {"lr": lr, "weight_decay": weight_decay, "momentum": momentum,
                                  "nesterov": nesterov, "ns_coefficients": ns_coefficients, "eps": eps,
                                  "ns_steps": ns_steps, "adjust_lr_fn": adjust_lr_fn})
        for group in self.param_groups:
            for p in group["params"]:
                if p.dim() != 2:
                    raise ValueError(f"Muon only supports 2D parameters whereas we found a parameter with size: "
                                     f"{p.size()}")

    def _initial_state(self, param, group):
        return {"momentum_buffer": autograd_core.zeros_like(param)}

    def _update(self, param, grad, state, group):
        lr, momentum, scalar = float(group["lr"]), group["momentum"], param.dtype.type
        buf = state["momentum_buffer"].array
        ops = kernels("optim", param)
        ops.lerp_(buf.reshape(-1), grad.reshape(-1), weight=lerp_weight(1 - momentum, param.dtype))
        if group["nesterov"]:
            update = grad.copy()
            ops.lerp_(update.reshape(-1), buf.reshape(-1), weight=lerp_weight(momentum, param.dtype))
        else:
            update = buf
        update = _zeropower_via_newtonschulz(update, group["ns_coefficients"], group["ns_steps"], group["eps"])
        param *= scalar(1 - lr * group["weight_decay"])
        ops.add_(param.reshape(-1), update.astype(param.dtype).reshape(-1),
                 alpha=scalar(-_adjust_lr(lr, group["adjust_lr_fn"], param.shape)))


def _bfloat16(array):
    """``array`` rounded to bfloat16 (to nearest, ties to even), kept in float32."""
    bits = array.astype(np.float32).view(np.uint32)
    return ((bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1)))
            & np.uint32(0xFFFF0000)).view(np.float32)


def _zeropower_via_newtonschulz(grad, ns_coefficients, ns_steps, eps):
    """PyTorch's bfloat16 Newton–Schulz orthogonalisation of a matrix: each op's result rounded to bfloat16,
    its products accumulated in float32."""
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if len(grad.shape) != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    xp = array_module(grad)
    a, b, c = (np.float32(k) for k in ns_coefficients)
    ortho = _bfloat16(grad)
    tall = grad.shape[0] > grad.shape[1]
    if tall:
        ortho = ortho.T
    norm = _bfloat16(xp.sqrt((ortho * ortho).sum()))
    ortho = _bfloat16(ortho / xp.maximum(norm, _bfloat16(xp.asarray(eps, dtype=np.float32))))
    for _ in range(ns_steps):
        gram = _bfloat16(ortho @ ortho.T)
        gram_update = _bfloat16(b * gram + c * (gram @ gram))
        ortho = _bfloat16(a * ortho + gram_update @ ortho)
    return ortho.T if tall else ortho


def _adjust_lr(lr, adjust_lr_fn, param_shape):
    rows, cols = param_shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, rows / cols))
    return lr * 0.2 * math.sqrt(max(rows, cols))
