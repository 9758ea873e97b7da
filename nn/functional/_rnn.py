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
from autograd_core.arrays import array_module, optional_kernels
from autograd_core.autograd import Function
from autograd_core.kernels.blas import gemm_threads

__all__ = []


def _sigmoid(a):
    """Sigmoid in tanh form (stable, one transcendental), as autograd_core.sigmoid computes it."""
    return array_module(a).tanh(a * 0.5) * 0.5 + 0.5


def _lstm_cell(gates, c_prev, c):
    """The "recurrent" kernels' ``lstm_cell`` on array methods (same arguments, same in-place results)."""
    size = c.shape[1]
    gates[:, :2 * size] = gates[:, :2 * size] * 0.5 + 0.5
    gates[:, 3 * size:] = gates[:, 3 * size:] * 0.5 + 0.5
    c[...] = gates[:, size:2 * size] * c_prev + gates[:, :size] * gates[:, 2 * size:3 * size]


def _lstm_cell_backward(g_out, dh, dc, c_prev, gates, tanh_c, d_gates):
    """The "recurrent" kernels' ``lstm_cell_backward`` on array methods (``dc`` updated in place)."""
    size = dh.shape[1]
    i, f, g, o = gates[:, :size], gates[:, size:2 * size], gates[:, 2 * size:3 * size], gates[:, 3 * size:]
    h_grad = dh + g_out
    c_grad = dc + h_grad * o * (1 - tanh_c * tanh_c)
    d_gates[:, :size] = c_grad * g * i * (1 - i)
    d_gates[:, size:2 * size] = c_grad * c_prev * f * (1 - f)
    d_gates[:, 2 * size:3 * size] = c_grad * i * (1 - g * g)
    d_gates[:, 3 * size:] = h_grad * tanh_c * o * (1 - o)
    dc[...] = c_grad * f


ARRAY_CELLS = SimpleNamespace(lstm_cell=_lstm_cell, lstm_cell_backward=_lstm_cell_backward)


def _recurrent_kernels(a):
    """The backend's "recurrent" kernel family (Numba's for numpy), else the same cells on array methods."""
    found = optional_kernels("recurrent", a)
    return ARRAY_CELLS if found is None else found


def lstm_forward(cells, gates, h0, c0, w_hh, hs, cs, tanh_cs):
    """The LSTM over the sequence with the cell kernels ``cells``. ``gates`` (L, N, 4H) holds the input
    projections (biases added) and becomes the activated gates (i, f, g, o); ``hs``, ``cs`` and ``tanh_cs``
    (L, N, H) get each step's h, c and tanh(c).

    Per step one matmul and one tanh over all four gates: the sigmoid gates' rows of ``w_hh`` and columns of
    ``gates`` are halved first (exact in binary floating point), since sigmoid(a) = tanh(a / 2) / 2 + 1/2.
    """
    xp = array_module(gates)
    size = h0.shape[1]
    half = xp.ones(4 * size, dtype=gates.dtype)
    half[:2 * size] = half[3 * size:] = 0.5
    gates *= half
    w_t = xp.ascontiguousarray((w_hh * half[:, None]).T)
    recurrent = xp.empty_like(gates[0])
    h, c = h0, c0
    for t in range(gates.shape[0]):
        a = gates[t]
        xp.matmul(h, w_t, out=recurrent)
        xp.add(a, recurrent, out=a)
        xp.tanh(a, out=a)
        cells.lstm_cell(a, c, cs[t])
        xp.tanh(cs[t], out=tanh_cs[t])
        h, c = xp.multiply(a[:, 3 * size:], tanh_cs[t], out=hs[t]), cs[t]


def lstm_backward(cells, g_out, dh, dc, c0, w_hh, gates, cs, tanh_cs, d_gates):
    """Backpropagation through time with the cell kernels ``cells``: fills ``d_gates`` (L, N, 4H) from the
    output gradients ``g_out`` (L, N, H) and those of the last h and c (``dh``, ``dc``, updated in place to
    the initial state's)."""
    xp = array_module(gates)
    for t in range(gates.shape[0] - 1, -1, -1):
        cells.lstm_cell_backward(g_out[t], dh, dc, cs[t - 1] if t else c0, gates[t], tanh_cs[t], d_gates[t])
        xp.matmul(d_gates[t], w_hh, out=dh)


def _product(a, b):
    """``a @ b`` of two 2-d arrays with numpy's BLAS on the threads its size pays for (``blas.gemm_threads``)."""
    with gemm_threads(a.shape[0] * a.shape[1] * b.shape[1]):
        return a @ b


def _per_step(h0, w_hh):
    """The BLAS threads of each time step's ``h @ w_hh.T``: one, below the sizes a second thread pays for."""
    return gemm_threads(h0.shape[0] * w_hh.shape[0] * w_hh.shape[1])


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
        return self._forward(*self._split(arrays))

    def _forward(self, x, h0, c0, w_ih, w_hh, b_ih, b_hh):
        steps, batch = x.shape[0], x.shape[1]
        self.single_precision = x.dtype == np.float32
        if self.reverse:
            x = x[::-1]
        xw = _product(x.reshape(steps * batch, x.shape[2]), w_ih.T).reshape(steps, batch, w_ih.shape[0])
        if b_ih is not None:
            xw += b_ih if self.mode == "GRU" else b_ih + b_hh
        xp = array_module(x)
        hs = xp.empty((steps, batch, h0.shape[1]), dtype=x.dtype)
        w_hh_t = w_hh.T
        with _per_step(h0, w_hh):
            if self.is_lstm:
                cells, tanh_cells = xp.empty_like(hs), xp.empty_like(hs)
                lstm_forward(_recurrent_kernels(x), xw, h0, c0, w_hh, hs, cells, tanh_cells)
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
        return self._backward(x, h0, c0, w_ih, w_hh, hs, gates, g_out, g_h, g_c)

    def _backward(self, x, h0, c0, w_ih, w_hh, hs, gates, g_out, g_h, g_c):
        xp = array_module(hs)
        g_out = None if g_out is None else g_out.array[::-1] if self.reverse else g_out.array
        dh = xp.zeros(h0.shape, h0.dtype) if g_h is None else g_h.array.copy()  # own: the kernels update it
        with _per_step(h0, w_hh):
            if self.is_lstm:
                dc = xp.zeros(c0.shape, c0.dtype) if g_c is None else g_c.array.copy()
                d_x_gates = d_h_gates = xp.empty_like(gates[0])
                lstm_backward(_recurrent_kernels(hs), xp.zeros_like(hs) if g_out is None else g_out, dh, dc, c0,
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
        """One gradient per input from the gates' gradients of all steps (in the run's time order).

        The weights' and biases' gradients that share a gates' gradient are one GEMM: its transpose times
        the operands side by side (the steps' inputs, the previous hidden states, a column of ones).
        """
        needs = self.needs_input_grad
        xp = array_module(hs)
        rows = hs.shape[0] * hs.shape[1]
        flat_x_gates, flat_h_gates = d_x_gates.reshape(rows, -1), d_h_gates.reshape(rows, -1)
        grads = [None, dh] + ([dc] if self.is_lstm else [])
        if needs[0]:
            dx = _product(flat_x_gates, w_ih).reshape(x.shape)
            grads[0] = dx[::-1] if self.reverse else dx
        k = len(grads)
        grads += [None] * (4 if self.has_bias else 2)
        h_prev = xp.concatenate([h0[None], hs[:-1]]).reshape(rows, -1) if needs[k + 1] else None
        ones = xp.ones((rows, 1), dtype=hs.dtype) if self.has_bias else None
        terms = [(k, flat_x_gates, lambda: (x[::-1] if self.reverse else x).reshape(rows, -1)),
                 (k + 1, flat_h_gates, lambda: h_prev)]
        terms += [(k + 2, flat_x_gates, lambda: ones), (k + 3, flat_h_gates, lambda: ones)] if self.has_bias else []
        groups = {}
        for index, gates, operand in terms:
            if needs[index]:
                groups.setdefault(id(gates), (gates, []))[1].append((index, operand()))
        for gates, members in groups.values():
            operands = [operand for _, operand in members]
            product = _product(gates.T, operands[0] if len(operands) == 1 else xp.concatenate(operands, axis=1))
            start = 0
            for index, operand in members:
                width = operand.shape[1]
                grad = product[:, start] if operand is ones else product[:, start:start + width]
                grads[index] = xp.ascontiguousarray(grad)
                start += width
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
