"""The numpy backend's "optim" kernels: one fused Numba loop per algorithm, on flat contiguous arrays.

Each loop reads and writes every array once and is the algorithm's update
written with the names of PyTorch's tensor ops (``lerp``, ``addcmul``,
``addcdiv``, ``add(alpha=)``), each computed as PyTorch's CPU kernels compute it
(the fused ones with one rounding, through ``fma``), so that results agree to
the bit. Hyper-parameters are keyword-only and arrive already converted to the
parameter's dtype, as PyTorch applies Python numbers to a float32 tensor in
float32. Options are loop-invariant scalars where that is exact (``grad_sign``
of +-1, a ``decay`` factor of 1) rather than branches: LLVM vectorises a loop
with one or two invariant branches, not with many.

Registered with ``autograd_core.arrays.add_kernels("optim", ...)`` by
``optim.optimizer`` and fetched with ``kernels("optim", array)``. Numba's
on-disk cache is keyed on this file: after editing it, delete
``optim/__pycache__/kernels.*.nbi`` and ``*.nbc``.
"""
import numba
import numpy as np
from numba.core import types
from numba.extending import intrinsic


def kernel(func):
    """Compile ``func`` as a fused update loop (cached on disk, numpy error model: no per-element checks)."""
    return numba.njit(cache=True, error_model="numpy", nogil=True)(func)


inline = numba.njit(inline="always")


@intrinsic
def fma(typingctx, a, b, c):
    """``a * b + c`` with a single rounding (all three of one float type)."""
    if not (isinstance(a, types.Float) and a == b == c):
        return None  # a typing error naming fma, rather than invalid LLVM IR

    def codegen(context, builder, signature, args):
        return builder.fma(*args)
    return a(a, b, c), codegen


@inline
def add(a, b, alpha):
    """``torch.add(a, b, alpha=alpha)``: ``a + alpha * b``, one rounding."""
    return fma(alpha, b, a)


@inline
def addcmul(a, b, c, value):
    """``torch.addcmul(a, b, c, value=value)``: ``a + value * b * c``."""
    return fma(value * b, c, a)


@inline
def addcdiv(a, b, c, value):
    """``torch.addcdiv(a, b, c, value=value)``: ``a + value * b / c``."""
    return a + (value * b) / c


@inline
def lerp(start, end, weight):
    """``torch.lerp(start, end, w)`` as its vectorised CPU kernel: ``weight`` is ``optimizer.lerp_weight(w)``.

    PyTorch starts from ``start`` with coefficient ``w`` when |w| < 0.5, else
    from ``end`` with ``w - 1``: ``weight`` is that ``(coefficient, from_start)``.
    """
    coefficient, from_start = weight
    return fma(coefficient, end - start, start if from_start else end)


@inline
def maximum(a, b):
    """``torch.maximum`` of two numbers: the larger one, NaN when either is NaN."""
    return a if (a > b or a != a) else b


@inline
def l2_regularized(grad, param, weight_decay, l2):
    """The gradient with L2 weight decay: ``grad + weight_decay * param`` when ``l2``."""
    return add(grad, param, weight_decay) if l2 else grad


@kernel
def sgd(param, grad, momentum_buffer, *, grad_sign, l2, weight_decay, lr, use_momentum, first_step, momentum,
        one_minus_dampening, nesterov):
    """``buf = momentum * buf + (1 - dampening) * g`` (``g`` on the first step); ``param -= lr * buf``.

    Nesterov steps along ``g + momentum * buf``; without momentum, along ``g``.
    """
    for i in range(param.size):
        g = l2_regularized(grad[i] * grad_sign, param[i], weight_decay, l2)
        if use_momentum:
            b = g if first_step else add(momentum_buffer[i] * momentum, g, one_minus_dampening)
            momentum_buffer[i] = b
            g = add(g, b, momentum) if nesterov else b
        param[i] = add(param[i], g, -lr)


@kernel
def adam(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, grad_sign, l2, weight_decay, decay, beta1, beta2,
         one_minus_beta2, amsgrad, step_size, bias_correction2_sqrt, eps):
    """``m = lerp(m, g, 1 - beta1)``; ``v = beta2 v + (1 - beta2) g²`` (AMSGrad: its running maximum);
    ``param -= step_size * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)``, ``step_size = lr / (1 - beta1**t)``.

    ``decay`` scales the parameter first (``1 - lr * weight_decay`` for AdamW, else 1).
    """
    for i in range(param.size):
        p = param[i] * decay
        g = l2_regularized(grad[i] * grad_sign, p, weight_decay, l2)
        m = exp_avg[i] = lerp(exp_avg[i], g, beta1)
        v = exp_avg_sq[i] = addcmul(exp_avg_sq[i] * beta2, g, g, one_minus_beta2)
        if amsgrad:
            v = max_exp_avg_sq[i] = maximum(max_exp_avg_sq[i], v)
        param[i] = addcdiv(p, m, np.sqrt(v) / bias_correction2_sqrt + eps, -step_size)


@kernel
def nadam(param, grad, exp_avg, exp_avg_sq, *, grad_sign, l2, weight_decay, decay, beta1, beta2, one_minus_beta2,
          bias_correction2, eps, grad_step, exp_avg_step):
    """Adam's moments, then a Nesterov step mixing the gradient and the momentum:
    ``param -= grad_step * g / denom + exp_avg_step * m / denom``, ``denom = sqrt(v / (1 - beta2**t)) + eps``.
    """
    for i in range(param.size):
        p = param[i] * decay
        g = l2_regularized(grad[i] * grad_sign, p, weight_decay, l2)
        m = exp_avg[i] = lerp(exp_avg[i], g, beta1)
        v = exp_avg_sq[i] = addcmul(exp_avg_sq[i] * beta2, g, g, one_minus_beta2)
        denom = np.sqrt(v / bias_correction2) + eps
        param[i] = addcdiv(addcdiv(p, g, denom, -grad_step), m, denom, -exp_avg_step)


@kernel
def adamax(param, grad, exp_avg, exp_inf, *, grad_sign, l2, weight_decay, beta1, beta2, eps, clr):
    """``m = lerp(m, g, 1 - beta1)``; ``u = max(beta2 u, |g| + eps)``; ``param -= clr * m / u``."""
    for i in range(param.size):
        p = param[i]
        g = l2_regularized(grad[i] * grad_sign, p, weight_decay, l2)
        m = exp_avg[i] = lerp(exp_avg[i], g, beta1)
        u = exp_inf[i] = maximum(exp_inf[i] * beta2, np.abs(g) + eps)
        param[i] = addcdiv(p, m, u, -clr)


@kernel
def adagrad(param, grad, state_sum, *, grad_sign, l2, weight_decay, eps, clr):
    """``sum += g²``; ``param -= clr * g / (sqrt(sum) + eps)``."""
    for i in range(param.size):
        p = param[i]
        g = l2_regularized(grad[i] * grad_sign, p, weight_decay, l2)
        s = state_sum[i] = fma(g, g, state_sum[i])
        param[i] = addcdiv(p, g, np.sqrt(s) + eps, -clr)


@kernel
def adadelta(param, grad, square_avg, acc_delta, *, grad_sign, l2, weight_decay, rho, one_minus_rho, eps, lr):
    """``sq = rho sq + (1 - rho) g²``; ``delta = sqrt(acc + eps) / sqrt(sq + eps) * g``;
    ``acc = rho acc + (1 - rho) delta²``; ``param -= lr * delta``."""
    for i in range(param.size):
        p = param[i]
        g = l2_regularized(grad[i] * grad_sign, p, weight_decay, l2)
        sq = square_avg[i] = addcmul(square_avg[i] * rho, g, g, one_minus_rho)
        delta = np.sqrt(acc_delta[i] + eps) / np.sqrt(sq + eps) * g
        acc_delta[i] = addcmul(acc_delta[i] * rho, delta, delta, one_minus_rho)
        param[i] = add(p, delta, -lr)


@kernel
def rmsprop(param, grad, square_avg, grad_avg, momentum_buffer, *, grad_sign, l2, weight_decay, alpha,
            one_minus_alpha, centered, grad_avg_weight, eps, use_momentum, momentum, lr):
    """``sq = alpha sq + (1 - alpha) g²``; ``avg = sqrt(sq - ga²) + eps`` (centered, ``ga = lerp(ga, g, 1 - alpha)``)
    or ``sqrt(sq) + eps``; ``param -= lr * g / avg``, or with momentum ``buf = momentum buf + g / avg``,
    ``param -= lr * buf``."""
    for i in range(param.size):
        p = param[i]
        g = l2_regularized(grad[i] * grad_sign, p, weight_decay, l2)
        sq = square_avg[i] = addcmul(square_avg[i] * alpha, g, g, one_minus_alpha)
        if centered:
            ga = grad_avg[i] = lerp(grad_avg[i], g, grad_avg_weight)
            avg = np.sqrt(fma(-ga, ga, sq)) + eps
        else:
            avg = np.sqrt(sq) + eps
        if use_momentum:
            b = momentum_buffer[i] = momentum_buffer[i] * momentum + g / avg
            param[i] = add(p, b, -lr)
        else:
            param[i] = addcdiv(p, g, avg, -lr)


@kernel
def radam(param, grad, exp_avg, exp_avg_sq, *, grad_sign, l2, weight_decay, decay, beta1, beta2, one_minus_beta2,
          bias_correction1, lr, rectified, rect, bias_correction2_sqrt, eps, one):
    """Adam's moments; ``param -= m / (1 - beta1**t) * lr``, times ``sqrt(1 - beta2**t) / (sqrt(v) + eps) * rect``
    once the variance is tractable (``rectified``). The division is PyTorch's ``number / tensor``: a reciprocal
    times the number."""
    for i in range(param.size):
        p = param[i] * decay
        g = l2_regularized(grad[i] * grad_sign, p, weight_decay, l2)
        m = exp_avg[i] = lerp(exp_avg[i], g, beta1)
        v = exp_avg_sq[i] = addcmul(exp_avg_sq[i] * beta2, g, g, one_minus_beta2)
        update = (m / bias_correction1) * lr
        if rectified:
            update = update * ((one / (np.sqrt(v) + eps)) * bias_correction2_sqrt) * rect
        param[i] = p - update


@kernel
def rprop(param, grad, prev, step_size, *, grad_sign, etaminus, etaplus, step_size_min, step_size_max, one):
    """Per element: the step size grows by ``etaplus`` while the gradient keeps its sign, shrinks by ``etaminus``
    when it flips (that step is skipped), clamped to ``[step_size_min, step_size_max]``;
    ``param -= sign(g) * step_size``."""
    for i in range(param.size):
        g = grad[i] * grad_sign
        s = g * prev[i]
        factor = etaplus if s > 0 else etaminus if s < 0 else one if s == 0 else s  # NaN stays NaN
        size = step_size[i] * factor
        if size < step_size_min:
            size = step_size_min
        if size > step_size_max:
            size = step_size_max
        step_size[i] = size
        if factor == etaminus:
            g = one - one
        param[i] = addcmul(param[i], np.sign(g), size, -one)
        prev[i] = g


@kernel
def asgd(param, grad, ax, *, grad_sign, l2, weight_decay, decay, neg_eta, average, mu):
    """``param = param * (1 - lambd * eta) - eta * g``; the average ``ax += (param - ax) * mu``
    (``ax = param`` while ``mu`` is 1)."""
    for i in range(param.size):
        p = param[i]
        g = l2_regularized(grad[i] * grad_sign, p, weight_decay, l2)
        p = param[i] = add(p * decay, g, neg_eta)
        ax[i] = ax[i] + (p - ax[i]) * mu if average else p


@kernel
def lerp_(start, end, *, weight):
    """``start.lerp_(end, w)`` in place (``weight`` as ``optimizer.lerp_weight(w)``): swa_utils' averages."""
    for i in range(start.size):
        start[i] = lerp(start[i], end[i], weight)


@kernel
def add_(a, b, *, alpha):
    """``a.add_(b, alpha=alpha)`` in place, one rounding (``fma``) as PyTorch's CPU kernel: LBFGS's updates."""
    for i in range(a.size):
        a[i] = add(a[i], b[i], alpha)
