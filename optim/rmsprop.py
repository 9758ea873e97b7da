"""RMSprop (Hinton): steps scaled by a running root-mean-square of the gradients."""
import numpy as np

from ._kernel import fma, kernel, lerp, lerp_weights, sign
from .optimizer import Optimizer, advance_step, check_non_negative, state_buffer, step_counter, zeros_state

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """``square_avg = alpha * square_avg + (1 - alpha) * grad**2``; ``param -= lr * grad / (sqrt(square_avg) + eps)``.

    ``centered`` subtracts the squared running mean of the gradients from ``square_avg``;
    ``momentum`` accumulates the scaled steps in a buffer first.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, *,
                 maximize=False):
        check_non_negative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        super().__init__(params, {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                                  "centered": centered, "weight_decay": weight_decay, "maximize": maximize})

    def _initial_state(self, param, group):
        state = {"step": step_counter(), "square_avg": zeros_state(param)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = zeros_state(param)
        if group["centered"]:
            state["grad_avg"] = zeros_state(param)
        return state

    def _update(self, param, grad, state, group):
        advance_step(state)
        alpha, momentum, centered = group["alpha"], group["momentum"], group["centered"]
        square_avg = state_buffer(state, "square_avg", param)
        as_dtype = param.dtype.type
        _rmsprop_kernel(param.reshape(-1), grad.reshape(-1), square_avg,
                        state_buffer(state, "grad_avg", param) if centered else square_avg,
                        state_buffer(state, "momentum_buffer", param) if momentum > 0 else square_avg,
                        sign(group["maximize"], param.dtype), group["weight_decay"] != 0,
                        as_dtype(group["weight_decay"]), as_dtype(alpha), as_dtype(1 - alpha), centered,
                        *lerp_weights(1 - alpha, param.dtype), as_dtype(group["eps"]), momentum > 0,
                        as_dtype(momentum), as_dtype(-float(group["lr"])))


@kernel
def _rmsprop_kernel(param, grad, square_avg, grad_avg, buffer, grad_sign, decay, weight_decay, alpha,
                    one_minus_alpha, centered, lerp_coeff, lerp_from_start, eps, use_momentum, momentum, neg_lr):
    for i in range(param.size):
        g = grad[i] * grad_sign
        p = param[i]
        if decay:
            g = fma(weight_decay, p, g)
        sq = fma(one_minus_alpha * g, g, square_avg[i] * alpha)
        square_avg[i] = sq
        if centered:
            ga = lerp(grad_avg[i], g, lerp_coeff, lerp_from_start)
            grad_avg[i] = ga
            avg = np.sqrt(fma(-ga, ga, sq))
        else:
            avg = np.sqrt(sq)
        avg = avg + eps
        if use_momentum:
            b = buffer[i] * momentum + g / avg
            buffer[i] = b
            param[i] = fma(neg_lr, b, p)
        else:
            param[i] = p + (neg_lr * g) / avg
