"""Recurrence kernels (the numpy backend's "recurrent" family): the LSTM cell's elementwise steps in Numba.

``nn.functional._rnn`` runs the loop over time on array methods: per step one
matmul (``h @ weight_hh.T``) and one ``tanh`` over all four gates (the sigmoid
gates' pre-activations halved: sigmoid(a) = tanh(a / 2) / 2 + 1/2), both on
numpy's vectorised routines, then the kernels below for the arithmetic left.
Transcendentals stay out of Numba: its scalar ``tanh``/``exp`` cost 10-40 ns an
element, numpy's SIMD float32 ``tanh`` about 0.3 ns. The same cells on array
methods (``_rnn.ARRAY_CELLS``) serve backends without this family.
"""
from numba import njit


@njit(cache=True, nogil=True)
def lstm_cell(gates, c_prev, c):
    """``gates`` (N, 4H) holds tanh of the (halved) pre-activations and becomes (i, f, g, o);
    ``c`` gets ``f * c_prev + i * g``."""
    batch, size = c.shape
    for n in range(batch):
        row = gates[n]
        for j in range(size):
            i = row[j] * 0.5 + 0.5
            f = row[size + j] * 0.5 + 0.5
            row[j], row[size + j] = i, f
            row[3 * size + j] = row[3 * size + j] * 0.5 + 0.5
            c[n, j] = f * c_prev[n, j] + i * row[2 * size + j]


@njit(cache=True, nogil=True)
def lstm_cell_backward(g_out, dh, dc, c_prev, gates, tanh_c, d_gates):
    """One step back: the pre-activation gradients into ``d_gates``; ``dc`` becomes the previous step's."""
    batch, size = dh.shape
    for n in range(batch):
        a, d = gates[n], d_gates[n]
        for j in range(size):
            i, f, g, o = a[j], a[size + j], a[2 * size + j], a[3 * size + j]
            tc = tanh_c[n, j]
            h_grad = dh[n, j] + g_out[n, j]
            c_grad = dc[n, j] + h_grad * o * (1 - tc * tc)
            d[j] = c_grad * g * i * (1 - i)
            d[size + j] = c_grad * c_prev[n, j] * f * (1 - f)
            d[2 * size + j] = c_grad * i * (1 - g * g)
            d[3 * size + j] = h_grad * tc * o * (1 - o)
            dc[n, j] = c_grad * f
