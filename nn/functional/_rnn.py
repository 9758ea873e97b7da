"""Recurrences over whole sequences: one recorded op per layer and direction (``nn.RNN/LSTM/GRU``).

``Recurrence`` runs the forward loop on arrays: one matmul of every time
step's input with ``weight_ih`` up front, then per step ``h @ weight_hh.T``
and the gate math, keeping the activated gates. Its backward is
backpropagation through time over the saved gates, then one matmul per
weight for the weight gradients of all steps. Under ``create_graph`` the
backward differentiates the composite recurrence (``nn.modules.rnn``'s steps)
instead, so that second derivatives exist, as in PyTorch.

Gate order follows PyTorch: LSTM (i, f, g, o), GRU (r, z, n) with
``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``. Recurrent layers have no
functional form in torch.nn.functional, so nothing here is public.
"""
from types import SimpleNamespace

import numpy as np

import autograd_core
from autograd_core import as_tensor
from autograd_core.arrays import array_module, kernels
from autograd_core.autograd import Function

__all__ = []


def _sigmoid(a):
    """Sigmoid in tanh form (stable, one transcendental), as autograd_core.sigmoid computes it."""
    return array_module(a).tanh(a * 0.5) * 0.5 + 0.5


def lstm_forward(gates, h0, c0, w_hh, hs, cells, tanh_cells):
    """The "recurrent" kernels' LSTM forward on array methods (same arguments, same in-place results)."""
    xp = array_module(gates)
    size = hs.shape[2]
    scale = xp.ones(4 * size, dtype=gates.dtype)
    scale[:2 * size] = scale[3 * size:] = 0.5  # sigmoid(a) = tanh(a / 2) / 2 + 1/2
    shift = 1 - scale  # 0.5 on the sigmoid gates, 0 on g
    h, c = h0, c0
    for t in range(gates.shape[0]):
        a = xp.tanh((gates[t] + h @ w_hh.T) * scale) * scale + shift
        gates[t] = a
        c = a[:, size:2 * size] * c + a[:, :size] * a[:, 2 * size:3 * size]
        cells[t] = c
        tanh_cells[t] = tc = xp.tanh(c)
        hs[t] = h = a[:, 3 * size:] * tc


def lstm_backward(g_out, dh, dc, c0, w_hh, gates, cells, tanh_cells, d_gates):
    """The "recurrent" kernels' LSTM backward through time on array methods (``dh``, ``dc`` updated in place)."""
    size = dh.shape[1]
    for t in range(gates.shape[0] - 1, -1, -1):
        h_grad = dh + g_out[t]
        a, tc = gates[t], tanh_cells[t]
        i, f, g, o = a[:, :size], a[:, size:2 * size], a[:, 2 * size:3 * size], a[:, 3 * size:]
        c_grad = dc + h_grad * o * (1 - tc * tc)
        c_prev = cells[t - 1] if t else c0
        d = d_gates[t]
        d[:, :size] = c_grad * g * i * (1 - i)
        d[:, size:2 * size] = c_grad * c_prev * f * (1 - f)
        d[:, 2 * size:3 * size] = c_grad * i * (1 - g * g)
        d[:, 3 * size:] = h_grad * tc * o * (1 - o)
        dc[...] = c_grad * f
        dh[...] = d @ w_hh


ARRAY_LOOPS = SimpleNamespace(lstm_forward=lstm_forward, lstm_backward=lstm_backward)


def _recurrent_kernels(a):
    """The backend's "recurrent" kernel family (Numba's for numpy), else the same loops on array methods."""
    try:
        return kernels("recurrent", a)
    except NotImplementedError:
        return ARRAY_LOOPS


class Recurrence(Function):
    """One layer and direction of ``mode`` over a padded sequence ``x`` (L, N, input_size).

    Inputs: x, h0 (N, H), c0 for LSTM, weight_ih, weight_hh, then bias_ih and
    bias_hh when ``has_bias``. Outputs: the hidden states of every step
    (L, N, H) in the input's time order, the last h, and the last c for LSTM.
    ``composite(inputs) -> outputs`` is the same recurrence from Tensor ops,
    differentiated under ``create_graph``.
    """

    def __init__(self, mode, reverse, has_bias, composite):
        self.mode, self.reverse, self.has_bias, self.composite = mode, reverse, has_bias, composite
        self.is_lstm = mode == "LSTM"
        self.saves = tuple(range((3 if self.is_lstm else 2) + 2 + (2 if has_bias else 0)))

    def name(self):
        # PyTorch's float32 LSTM records its oneDNN layer node; its other recurrences end in a stack of steps
        return "MkldnnRnnLayerBackward0" if self.is_lstm and self.single_precision else "StackBackward0"

    def _split(self, arrays):
        """(x, h0, c0 or None, weight_ih, weight_hh, bias_ih or None, bias_hh or None)."""
        x, h0, *rest = arrays
        c0 = rest.pop(0) if self.is_lstm else None
        w_ih, w_hh, *biases = rest
        b_ih, b_hh = biases if self.has_bias else (None, None)
        return x, h0, c0, w_ih, w_hh, b_ih, b_hh

    def forward(self, *arrays):
        x, h0, c0, w_ih, w_hh, b_ih, b_hh = self._split(arrays)
        steps, batch = x.shape[0], x.shape[1]
        self.single_precision = x.dtype == np.float32
        if self.reverse:
            x = x[::-1]
        xw = (x.reshape(steps * batch, x.shape[2]) @ w_ih.T).reshape(steps, batch, w_ih.shape[0])
        if b_ih is not None:
            xw += b_ih if self.mode == "GRU" else b_ih + b_hh
        xp = array_module(x)
        hs = xp.empty((steps, batch, h0.shape[1]), dtype=x.dtype)
        w_hh_t = w_hh.T
        if self.is_lstm:
            cells, tanh_cells = xp.empty_like(hs), xp.empty_like(hs)
            _recurrent_kernels(x).lstm_forward(xw, h0, c0, xp.ascontiguousarray(w_hh), hs, cells, tanh_cells)
            saved, last = (xw, cells, tanh_cells), (hs[-1].copy(), cells[-1].copy())
        elif self.mode == "GRU":
            saved, last = self._gru_forward(xp, xw, h0, w_hh_t, b_hh, hs)
        else:
            saved, last = self._rnn_forward(xp, xw, h0, w_hh_t, hs)
        self.save_for_backward(hs, *saved)
        out = (hs[::-1] if self.reverse else hs).copy()  # the caller may change it in place; hs stays intact
        return (out,) + last

    def _gru_forward(self, xp, xw, h, w_hh_t, b_hh, hs):
        size = h.shape[1]
        gates = xp.empty_like(xw)  # r, z, n
        hidden_n = xp.empty_like(hs)  # W_hn h + b_hn, which r multiplies
        for t in range(xw.shape[0]):
            hw = h @ w_hh_t
            if b_hh is not None:
                hw += b_hh
            rz = _sigmoid(xw[t, :, :2 * size] + hw[:, :2 * size])
            hn = hw[:, 2 * size:]
            n = xp.tanh(xw[t, :, 2 * size:] + rz[:, :size] * hn)
            h = n + rz[:, size:] * (h - n)
            gates[t, :, :2 * size], gates[t, :, 2 * size:], hidden_n[t], hs[t] = rz, n, hn, h
        return (gates, hidden_n), (h,)

    def _rnn_forward(self, xp, xw, h, w_hh_t, hs):
        for t in range(xw.shape[0]):
            pre = xw[t] + h @ w_hh_t
            hs[t] = h = xp.tanh(pre) if self.mode == "RNN_TANH" else xp.maximum(pre, 0)
        return (), (h,)

    def backward(self, g_out, g_h, g_c=None):
        saved = self.saved_tensors
        inputs, (hs, *gates) = saved[:len(self.saves)], saved[len(self.saves):]
        if autograd_core.is_grad_enabled():
            return self._composite_backward(inputs, (g_out, g_h, g_c) if self.is_lstm else (g_out, g_h))
        x, h0, c0, w_ih, w_hh, _, _ = self._split([t.array for t in inputs])
        xp = array_module(hs)
        g_out = None if g_out is None else g_out.array[::-1] if self.reverse else g_out.array
        dh = xp.zeros(h0.shape, h0.dtype) if g_h is None else g_h.array.copy()  # own: the kernels update it
        if self.is_lstm:
            dc = xp.zeros(c0.shape, c0.dtype) if g_c is None else g_c.array.copy()
            d_x_gates = d_h_gates = xp.empty_like(gates[0])
            _recurrent_kernels(hs).lstm_backward(xp.zeros_like(hs) if g_out is None else g_out, dh, dc, c0,
                                                 xp.ascontiguousarray(w_hh), *gates, d_x_gates)
        elif self.mode == "GRU":
            d_x_gates, d_h_gates, dh = self._gru_backward(xp, g_out, dh, h0, w_hh, hs, *gates)
        else:
            d_x_gates, d_h_gates, dh = self._rnn_backward(xp, g_out, dh, w_hh, hs)
        return self._input_grads(x, h0, w_ih, d_x_gates, d_h_gates, hs, dh, dc if self.is_lstm else None)

    def _gru_backward(self, xp, g_out, dh, h0, w_hh, hs, gates, hidden_n):
        size = dh.shape[1]
        d_x_gates = xp.empty_like(gates)
        d_h_gates = xp.empty_like(gates)
        for t in range(gates.shape[0] - 1, -1, -1):
            if g_out is not None:
                dh = dh + g_out[t]
            r, z, n = gates[t, :, :size], gates[t, :, size:2 * size], gates[t, :, 2 * size:]
            h_prev = hs[t - 1] if t else h0
            d_n = dh * (1 - z) * (1 - n * n)
            d_x_gates[t, :, :size] = d_h_gates[t, :, :size] = d_n * hidden_n[t] * r * (1 - r)
            d_x_gates[t, :, size:2 * size] = d_h_gates[t, :, size:2 * size] = dh * (h_prev - n) * z * (1 - z)
            d_x_gates[t, :, 2 * size:] = d_n
            d_h_gates[t, :, 2 * size:] = d_n * r
            dh = dh * z + d_h_gates[t] @ w_hh
        return d_x_gates, d_h_gates, dh

    def _rnn_backward(self, xp, g_out, dh, w_hh, hs):
        d_pre = xp.empty_like(hs)
        for t in range(hs.shape[0] - 1, -1, -1):
            if g_out is not None:
                dh = dh + g_out[t]
            h = hs[t]
            d_pre[t] = d = dh * (1 - h * h) if self.mode == "RNN_TANH" else dh * (h > 0)
            dh = d @ w_hh
        return d_pre, d_pre, dh

    def _input_grads(self, x, h0, w_ih, d_x_gates, d_h_gates, hs, dh, dc):
        """One gradient per input from the gates' gradients of all steps (in the run's time order)."""
        needs = self.needs_input_grad
        steps, batch = hs.shape[0], hs.shape[1]
        flat_x_gates = d_x_gates.reshape(steps * batch, -1)
        flat_h_gates = d_h_gates.reshape(steps * batch, -1)
        grads = [None, dh] + ([dc] if self.is_lstm else [])
        k = len(grads)
        dx = None
        if needs[0]:
            dx = (flat_x_gates @ w_ih).reshape(x.shape[0], batch, x.shape[2])
            dx = dx[::-1] if self.reverse else dx
        grads[0] = dx
        run_x = x[::-1] if self.reverse else x
        grads.append(flat_x_gates.T @ run_x.reshape(steps * batch, -1) if needs[k] else None)
        h_prev = array_module(hs).concatenate([h0[None], hs[:-1]]) if needs[k + 1] else None
        grads.append(flat_h_gates.T @ h_prev.reshape(steps * batch, -1) if needs[k + 1] else None)
        if self.has_bias:
            grads.append(flat_x_gates.sum(axis=0) if needs[k + 2] else None)
            grads.append(flat_h_gates.sum(axis=0) if needs[k + 3] else None)
        return tuple([None if g is None or not need else as_tensor(g) for g, need in zip(grads, needs)])

    def _composite_backward(self, inputs, grads):
        """``create_graph``: the gradients of the composite recurrence, themselves differentiable."""
        wanted = [k for k, need in enumerate(self.needs_input_grad) if need]
        outputs = self.composite(inputs)
        pairs = [(o, g) for o, g in zip(outputs, grads) if g is not None]
        found = autograd_core.autograd.grad([o for o, _ in pairs], [inputs[k] for k in wanted],
                                            [g for _, g in pairs], create_graph=True, allow_unused=True)
        result = [None] * len(inputs)
        for k, g in zip(wanted, found):
            result[k] = g
        return tuple(result)
