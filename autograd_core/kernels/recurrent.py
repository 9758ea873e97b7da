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
    size = c.shape[1]
    for n in range(c.shape[0]):
        row, c_row, c_prev_row = gates[n], c[n], c_prev[n]
        i, f, g, o = row[:size], row[size:2 * size], row[2 * size:3 * size], row[3 * size:]
        for j in range(size):  # one row's gates as 1-d slices: the loop vectorises
            i[j] = i[j] * 0.5 + 0.5
            f[j] = f[j] * 0.5 + 0.5
            o[j] = o[j] * 0.5 + 0.5
            c_row[j] = f[j] * c_prev_row[j] + i[j] * g[j]


@njit(cache=True, nogil=True)
def lstm_cell_backward(g_out, dh, dc, c_prev, gates, tanh_c, d_gates):
    """One step back: the pre-activation gradients into ``d_gates``; ``dc`` becomes the previous step's."""
    size = dh.shape[1]
    for n in range(dh.shape[0]):
        row, d = gates[n], d_gates[n]
        i, f, g, o = row[:size], row[size:2 * size], row[2 * size:3 * size], row[3 * size:]
        di, df, dg, do = d[:size], d[size:2 * size], d[2 * size:3 * size], d[3 * size:]
        g_out_row, dh_row, dc_row, c_prev_row, tanh_row = g_out[n], dh[n], dc[n], c_prev[n], tanh_c[n]
        for j in range(size):
            tc = tanh_row[j]
            h_grad = dh_row[j] + g_out_row[j]
            c_grad = dc_row[j] + h_grad * o[j] * (1 - tc * tc)
            di[j] = c_grad * g[j] * i[j] * (1 - i[j])
            df[j] = c_grad * c_prev_row[j] * f[j] * (1 - f[j])
            dg[j] = c_grad * i[j] * (1 - g[j] * g[j])
            do[j] = h_grad * tc * o[j] * (1 - o[j])
            dc_row[j] = c_grad * f[j]
