"""Layer norm kernels (the "normalization" family registered by nn.functional for numpy arrays): one Numba loop
per row of a (rows, features) array, the statistics and sums in float64 (sums vectorized, so not in index order).
"""
import math

import numpy as np
from numba import njit

_FAST = {"nsz", "arcp", "contract", "reassoc"}  # no fast-math for inf/NaN: they pass as numpy's


@njit(cache=True, fastmath=_FAST)
def layer_norm(x, weight, bias, eps, y, mean, rstd):
    """``y = (x - mean) * rstd * weight + bias`` per row, and each row's ``mean`` and ``rstd`` (1/std, biased
    variance); the weight and the bias may be None."""
    rows, features = x.shape
    for r in range(rows):
        total = 0.0
        for j in range(features):
            total += x[r, j]
        m = total / features
        squares = 0.0
        for j in range(features):
            d = x[r, j] - m
            squares += d * d
        s = 1.0 / math.sqrt(squares / features + eps)
        mean[r], rstd[r] = m, s
        for j in range(features):
            value = (x[r, j] - m) * s
            if weight is not None:
                value *= weight[j]
            if bias is not None:
                value += bias[j]
            y[r, j] = value


@njit(cache=True, fastmath=_FAST)
def layer_norm_backward(gy, x, weight, mean, rstd, gx, g_weight, g_bias):
    """The gradients of ``layer_norm`` for the output gradient ``gy``, written into ``gx`` (rows, features),
    ``g_weight`` and ``g_bias`` (features); None for any not wanted (and for a missing weight)."""
    rows, features = x.shape
    w_acc = np.zeros(features)
    b_acc = np.zeros(features)
    for r in range(rows):
        m, s = np.float64(mean[r]), np.float64(rstd[r])
        g_sum = 0.0
        g_xhat_sum = 0.0
        for j in range(features):
            xhat = (x[r, j] - m) * s
            g = np.float64(gy[r, j])
            w_acc[j] += g * xhat
            b_acc[j] += g
            if weight is not None:
                g *= weight[j]
            g_sum += g
            g_xhat_sum += g * xhat
        if gx is not None:
            g_mean, g_xhat_mean = g_sum / features, g_xhat_sum / features
            for j in range(features):
                g = np.float64(gy[r, j])
                if weight is not None:
                    g *= weight[j]
                gx[r, j] = (g - g_mean - (x[r, j] - m) * s * g_xhat_mean) * s
    if g_weight is not None:
        g_weight[:] = w_acc
    if g_bias is not None:
        g_bias[:] = b_acc
