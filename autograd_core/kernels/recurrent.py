"""Recurrence kernels (the numpy backend's "recurrent" family): LSTM loops with the gate math in Numba.

Each time step is one numpy matmul (``h @ weight_hh.T``, on numpy's BLAS) and
one compiled pass over the batch for the gates, in PyTorch's order
(i, f, g, o). The matmul stays outside Numba, so that one BLAS (numpy's)
and one thread pool serve the whole op (Numba's ``np.dot`` calls scipy's). Sigmoid and
tanh come from one exp each (Numba's ``math.tanh`` costs about 40 ns, exp 4).
``nn.functional._rnn`` holds the same loops on array methods, for backends
without this family.
"""
import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _sigmoid(a):
    return 1.0 / (1.0 + math.exp(-a))


@njit(cache=True, nogil=True)
def _tanh(a):
    return 2.0 / (1.0 + math.exp(-2.0 * a)) - 1.0


@njit(cache=True, nogil=True)
def _lstm_cell(gates, rec, c_prev, h, c, tanh_c):
    """One step: ``gates + rec`` (N, 4H) become the activated gates in ``gates``; fills h, c, tanh(c)."""
    batch, size = h.shape
    for n in range(batch):
        for j in range(size):
            i = _sigmoid(gates[n, j] + rec[n, j])
            f = _sigmoid(gates[n, size + j] + rec[n, size + j])
            g = _tanh(gates[n, 2 * size + j] + rec[n, 2 * size + j])
            o = _sigmoid(gates[n, 3 * size + j] + rec[n, 3 * size + j])
            cell = f * c_prev[n, j] + i * g
            tc = _tanh(cell)
            gates[n, j], gates[n, size + j], gates[n, 2 * size + j], gates[n, 3 * size + j] = i, f, g, o
            c[n, j], tanh_c[n, j], h[n, j] = cell, tc, o * tc


@njit(cache=True, nogil=True)
def _lstm_cell_backward(g_out, dh, dc, c_prev, gates, tanh_c, d_gates):
    """One step back: the pre-activation gradients into ``d_gates``; ``dc`` becomes the previous step's."""
    batch, size = dh.shape
    for n in range(batch):
        for j in range(size):
            i, f = gates[n, j], gates[n, size + j]
            g, o = gates[n, 2 * size + j], gates[n, 3 * size + j]
            tc = tanh_c[n, j]
            h_grad = dh[n, j] + g_out[n, j]
            c_grad = dc[n, j] + h_grad * o * (1 - tc * tc)
            d_gates[n, j] = c_grad * g * i * (1 - i)
            d_gates[n, size + j] = c_grad * c_prev[n, j] * f * (1 - f)
            d_gates[n, 2 * size + j] = c_grad * i * (1 - g * g)
            d_gates[n, 3 * size + j] = h_grad * tc * o * (1 - o)
            dc[n, j] = c_grad * f


def lstm_forward(gates, h0, c0, w_hh, hs, cells, tanh_cells):
    """Runs the sequence; ``gates`` holds the input projections (biases added) and becomes the activated
    gates; ``hs``, ``cells`` and ``tanh_cells`` (L, N, H) get each step's h, c and tanh(c)."""
    h, c, w_t = h0, c0, w_hh.T
    for t in range(gates.shape[0]):
        _lstm_cell(gates[t], h @ w_t, c, hs[t], cells[t], tanh_cells[t])
        h, c = hs[t], cells[t]


def lstm_backward(g_out, dh, dc, c0, w_hh, gates, cells, tanh_cells, d_gates):
    """Backpropagation through time: fills ``d_gates`` (L, N, 4H) from the output gradients ``g_out``
    (L, N, H) and those of the last h and c (``dh``, ``dc``, updated in place to the initial state's)."""
    for t in range(gates.shape[0] - 1, -1, -1):
        _lstm_cell_backward(g_out[t], dh, dc, cells[t - 1] if t else c0, gates[t], tanh_cells[t], d_gates[t])
        np.matmul(d_gates[t], w_hh, out=dh)
