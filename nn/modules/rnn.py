"""Recurrent layers: RNN, LSTM, GRU and their one-step cells.

A padded sequence runs each layer and direction as one recorded op
(``nn.functional._rnn.Recurrence``). The cells, packed sequences and LSTM
projections are composed from Tensor ops: each layer and direction first
projects the whole sequence through ``weight_ih`` in one matmul, then loops
over time applying the mode's step (``h @ weight_hh.T`` plus the gates); the
same composition is what ``Recurrence`` differentiates under ``create_graph``.
Gate order and parameter names follow PyTorch: LSTM (i, f, g, o), GRU (r, z, n) with
``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``. A PackedSequence input
runs only each sequence's real steps (the batch shrinks as sequences end)
and gives a PackedSequence back.
"""
import functools
import math
import numbers
import warnings

import autograd_core

from .module import Module
from ..parameter import Parameter
from .. import init
from .. import functional as F
from ..functional._rnn import Recurrence
from ..utils.rnn import PackedSequence

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# ----- one time step of each mode: (input projection, state tuple, recurrent weights) -> new state tuple -----
def _rnn_tanh_step(xw, state, w_hh, b_hh):
    return (autograd_core.tanh(xw + F.linear(state[0], w_hh, b_hh)),)


def _rnn_relu_step(xw, state, w_hh, b_hh):
    return (autograd_core.relu(xw + F.linear(state[0], w_hh, b_hh)),)


def _lstm_step(xw, state, w_hh, b_hh, w_hr=None):
    h, c = state
    i, f, g, o = (xw + F.linear(h, w_hh, b_hh)).chunk(4, -1)
    c = autograd_core.sigmoid(f) * c + autograd_core.sigmoid(i) * autograd_core.tanh(g)
    h = autograd_core.sigmoid(o) * autograd_core.tanh(c)
    if w_hr is not None:
        h = F.linear(h, w_hr)
    return h, c


def _gru_step(xw, state, w_hh, b_hh):
    (h,) = state
    x_r, x_z, x_n = xw.chunk(3, -1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, -1)
    r = autograd_core.sigmoid(x_r + h_r)
    z = autograd_core.sigmoid(x_z + h_z)
    n = autograd_core.tanh(x_n + r * h_n)
    return (n + z * (h - n),)  # (1 - z) * n + z * h


_STEPS = {"RNN_TANH": _rnn_tanh_step, "RNN_RELU": _rnn_relu_step, "LSTM": _lstm_step, "GRU": _gru_step}


def _composite_recurrence(mode, reverse, has_bias, inputs):
    """``Recurrence``'s inputs through the per-step Tensor ops: (output, h, and c for LSTM)."""
    x, h0, *rest = inputs
    state = (h0, rest.pop(0)) if mode == "LSTM" else (h0,)
    w_ih, w_hh, b_ih, b_hh = rest + [None, None] if not has_bias else rest
    xw, b_hh = _project_input(mode, x, w_ih, b_ih, b_hh)
    output, final = _scan(_STEPS[mode], xw, state, w_hh, b_hh, (), reverse)
    return (output,) + tuple(final)


def _fused_scan(mode, x, state, weights, reverse):
    """One layer and direction over a padded sequence as one recorded ``Recurrence``: (output, final state)."""
    has_bias = weights["bias_ih"] is not None
    inputs = (x,) + tuple(state) + (weights["weight_ih"], weights["weight_hh"])
    inputs += (weights["bias_ih"], weights["bias_hh"]) if has_bias else ()
    composite = functools.partial(_composite_recurrence, mode, reverse, has_bias)
    output, *final = Recurrence(mode, reverse, has_bias, composite)(*inputs)
    return output, tuple(final)


def _project_input(mode, x, w_ih, b_ih, b_hh):
    """``x @ w_ih.T`` plus the biases that can be added before the recurrence; returns it and the bias left.

    Only GRU keeps ``b_hh`` for the step, since its n gate multiplies it by r.
    """
    if b_ih is None or mode == "GRU":
        return F.linear(x, w_ih, b_ih), b_hh
    return F.linear(x, w_ih, b_ih + b_hh), None


def _scan(step, xw, state, w_hh, b_hh, extra, reverse, batch_sizes=None):
    """Run ``step`` over the time steps of ``xw``; returns the outputs and the last state of each sequence.

    ``xw`` is padded (L, N, G*H), or packed (sum(batch_sizes), G*H) with
    ``batch_sizes[t]`` sequences running at step ``t`` (longest first): going
    forward, a sequence that ends keeps its state as its last; going backward,
    one that starts takes its initial state from ``state``.
    """
    steps = xw.unbind(0) if batch_sizes is None else xw.split(batch_sizes)
    initial, ended = state, []
    if reverse and batch_sizes is not None:
        state = tuple([s[:batch_sizes[-1]] for s in state])
    outputs = [None] * len(steps)
    for t in (range(len(steps) - 1, -1, -1) if reverse else range(len(steps))):
        rows, running = steps[t].shape[0], state[0].shape[0]
        if rows < running:
            ended.append(tuple([s[rows:] for s in state]))
            state = tuple([s[:rows] for s in state])
        elif rows > running:
            state = tuple([autograd_core.cat([s, s0[running:rows]]) for s, s0 in zip(state, initial)])
        state = step(steps[t], state, w_hh, b_hh, *extra)
        outputs[t] = state[0]
    if ended:
        state = tuple([autograd_core.cat([s] + [piece[k] for piece in reversed(ended)]) for k, s in enumerate(state)])
    return (autograd_core.stack(outputs) if batch_sizes is None else autograd_core.cat(outputs)), state


class RNNBase(Module):
    """Multi-layer, optionally bidirectional recurrence shared by RNN, LSTM and GRU."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}")
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError(f"{name}: hidden_size must be a positive integer, got {hidden_size!r}")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError(f"{name}: num_layers must be a positive integer, got {num_layers!r}")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        out_size = proj_size or hidden_size
        gate_size = _GATES[mode] * hidden_size
        self._weight_kinds = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if bias else [])
        self._weight_kinds += ["weight_hr"] if proj_size else []
        self._weight_suffixes = [f"_l{layer}" + ("_reverse" if direction else "")
                                 for layer in range(num_layers) for direction in range(directions)]
        for k, suffix in enumerate(self._weight_suffixes):
            layer_input = input_size if k < directions else out_size * directions
            shapes = {"weight_ih": (gate_size, layer_input), "weight_hh": (gate_size, out_size),
                      "bias_ih": (gate_size,), "bias_hh": (gate_size,), "weight_hr": (proj_size, hidden_size)}
            for kind in self._weight_kinds:
                setattr(self, kind + suffix, Parameter(autograd_core.empty(shapes[kind], dtype=dtype)))
        self.reset_parameters()

    @property
    def _num_directions(self):
        return 2 if self.bidirectional else 1

    @property
    def _flat_weights_names(self):
        return [kind + suffix for suffix in self._weight_suffixes for kind in self._weight_kinds]

    @property
    def all_weights(self):
        """The parameters, one list per layer and direction (PyTorch's ``all_weights``)."""
        return [[getattr(self, kind + suffix) for kind in self._weight_kinds] for suffix in self._weight_suffixes]

    def _weights(self, k):
        """The parameters of layer-direction ``k`` by kind (``weight_ih``...); missing biases are None."""
        weights = dict.fromkeys(("bias_ih", "bias_hh", "weight_hr"))
        weights.update((kind, getattr(self, kind + self._weight_suffixes[k])) for kind in self._weight_kinds)
        return weights

    def flatten_parameters(self):
        """No-op kept for PyTorch compatibility (there is no cuDNN weight buffer to compact)."""

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _initial_state(self, batch, like, hx, batched):
        """The hidden state per (layer, direction) as state tuples, zeros (of ``like``'s dtype and device) where
        ``hx`` is None."""
        directions = self._num_directions
        shapes = [(self.num_layers * directions, batch, self.proj_size or self.hidden_size)]
        if self.mode == "LSTM":
            shapes.append((self.num_layers * directions, batch, self.hidden_size))
        if hx is None:
            hx = [autograd_core.zeros(shape, dtype=like.dtype, device=like.device) for shape in shapes]
        else:
            hx = list(hx) if self.mode == "LSTM" else [hx]
            for k, h in enumerate(hx):
                expected_dim = 3 if batched else 2
                if h.dim() != expected_dim:
                    raise RuntimeError(f"For {'batched 3' if batched else 'unbatched 2'}-D input, hx should also "
                                       f"be {expected_dim}-D but got {h.dim()}-D tensor")
                if h.dtype != like.dtype:
                    raise RuntimeError(f"{type(self).__name__}: Input and hidden tensors are not the same dtype, "
                                       f"found input tensor with {like.dtype} and hidden tensor with {h.dtype}")
                expected = shapes[k] if batched else shapes[k][:1] + shapes[k][2:]
                if tuple(h.shape) != expected:
                    raise RuntimeError(f"{type(self).__name__}: Expected hidden[{k}] size {expected}, got "
                                       f"{list(h.shape)}")
                hx[k] = h if batched else h.unsqueeze(1)
        return list(zip(*[h.unbind(0) for h in hx]))

    def _check_input_size(self, input):
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{type(self).__name__}: input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")

    def _hidden_result(self, finals, batch_index=None):
        """The final states stacked per kind (h, and c for LSTM), the batch reordered by ``batch_index``."""
        final = [autograd_core.stack([state[k] for state in finals]) for k in range(len(finals[0]))]
        if batch_index is not None:
            final = [h.index_select(1, batch_index) for h in final]
        return final

    def forward(self, input, hx=None):
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        name = type(self).__name__
        if input.dim() not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D instead")
        self._check_input_size(input)
        batched = input.dim() == 3
        if not batched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        states = self._initial_state(input.shape[1], input, hx, batched)
        output, finals = self._run_layers(input, states)
        final = self._hidden_result(finals)
        if not batched:
            output = output.squeeze(1)
            final = [h.squeeze(1) for h in final]
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, (tuple(final) if self.mode == "LSTM" else final[0])

    def _forward_packed(self, input, hx):
        """A PackedSequence through the layers: the output packed alike, ``hx`` and h_n in the batch's own order."""
        data, batch_sizes, sorted_indices, unsorted_indices = input
        if data.dim() != 2:
            raise RuntimeError(f"{type(self).__name__}: packed input data must have 2 dimensions, got {data.dim()}")
        self._check_input_size(data)
        if hx is not None and sorted_indices is not None:
            hx = (tuple(h.index_select(1, sorted_indices) for h in hx) if self.mode == "LSTM"
                  else hx.index_select(1, sorted_indices))
        sizes = batch_sizes.tolist()
        states = self._initial_state(sizes[0], data, hx, True)
        output, finals = self._run_layers(data, states, sizes)
        final = self._hidden_result(finals, unsorted_indices)
        return input.with_data(output), (tuple(final) if self.mode == "LSTM" else final[0])

    def _run_layers(self, x, states, batch_sizes=None):
        """Feed ``x`` (L, N, H_in), or packed data with ``batch_sizes``, through every layer.

        Returns the last layer's output and each layer-direction's final state.
        """
        directions = self._num_directions
        step = _STEPS[self.mode]
        finals = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                k = layer * directions + direction
                weights = self._weights(k)
                if batch_sizes is None and not self.proj_size:
                    output, final = _fused_scan(self.mode, x, states[k], weights, direction == 1)
                else:
                    xw, b_hh = _project_input(self.mode, x, weights["weight_ih"], weights["bias_ih"],
                                              weights["bias_hh"])
                    extra = (weights["weight_hr"],) if self.proj_size else ()
                    output, final = _scan(step, xw, states[k], weights["weight_hh"], b_hh, extra, direction == 1,
                                          batch_sizes)
                outputs.append(output)
                finals.append(final)
            x = outputs[0] if directions == 1 else autograd_core.cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)
        return x, finals

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or relu)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__(f"RNN_{nonlinearity.upper()}", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, dtype=dtype)


class LSTM(RNNBase):
    """Long short-term memory; ``forward`` returns ``(output, (h_n, c_n))``."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, dtype=dtype)


class GRU(RNNBase):
    """Gated recurrent unit (gates r, z, n)."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         dtype=dtype)


class RNNCellBase(Module):
    """One time step of a recurrence, with ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``."""

    def __init__(self, mode, input_size, hidden_size, bias, device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gate_size = _GATES[mode] * hidden_size
        self.weight_ih = Parameter(autograd_core.empty((gate_size, input_size), dtype=dtype))
        self.weight_hh = Parameter(autograd_core.empty((gate_size, hidden_size), dtype=dtype))
        for name in ("bias_ih", "bias_hh"):
            self.register_parameter(name, Parameter(autograd_core.empty(gate_size, dtype=dtype)) if bias else None)
        self.reset_parameters()

    reset_parameters = RNNBase.reset_parameters

    def _batched(self, input, hx):
        """Check shapes; return the input and state with a batch dim, zeros for a missing state."""
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input has inconsistent input_size: got {input.shape[-1]} expected "
                               f"{self.input_size}")
        if input.dim() == 1:
            input = input.unsqueeze(0)
        batch = input.shape[0]
        count = 2 if self.mode == "LSTM" else 1
        if hx is None:
            return input, tuple(autograd_core.zeros((batch, self.hidden_size), dtype=input.dtype, device=input.device)
                                for _ in range(count))
        state = tuple(hx) if count == 2 else (hx,)
        state = tuple(h.unsqueeze(0) if h.dim() == 1 else h for h in state)
        for k, h in enumerate(state):
            if tuple(h.shape) != (batch, self.hidden_size):
                raise RuntimeError(f"{name}: hidden state {k} has shape {list(h.shape)}, expected "
                                   f"{[batch, self.hidden_size]} for an input of shape {list(input.shape)}")
        return input, state

    def _step(self, input, hx):
        """The new state tuple, unbatched again when ``input`` was 1-D."""
        x, state = self._batched(input, hx)
        xw, b_hh = _project_input(self.mode, x, self.weight_ih, self.bias_ih, self.bias_hh)
        state = _STEPS[self.mode](xw, state, self.weight_hh, b_hh)
        return tuple(h.squeeze(0) for h in state) if input.dim() == 1 else state

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    """One Elman RNN step; ``forward(input, hx)`` returns ``h'``."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__(f"RNN_{nonlinearity.upper()}", input_size, hidden_size, bias, dtype=dtype)

    def forward(self, input, hx=None):
        return self._step(input, hx)[0]


class LSTMCell(RNNCellBase):
    """One LSTM step; ``forward(input, (h, c))`` returns ``(h', c')``."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, bias, dtype=dtype)

    def forward(self, input, hx=None):
        return self._step(input, hx)


class GRUCell(RNNCellBase):
    """One GRU step; ``forward(input, hx)`` returns ``h'``."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, bias, dtype=dtype)

    def forward(self, input, hx=None):
        return self._step(input, hx)[0]
