"""nn.LSTM and nn.GRU as ONNX's own LSTM and GRU nodes, one per layer.

PyTorch's gate order is reordered to ONNX's (LSTM i,f,g,o -> i,o,f,c; GRU
r,z,n -> z,r,h, with linear_before_reset as PyTorch computes the new gate).
"""
import numpy as np

from ..arrays import to_numpy
from ._graph import UnsupportedOperatorError

_GATE_ORDER = {"LSTM": (0, 3, 1, 2), "GRU": (1, 0, 2)}


def _reordered(array, kind):
    chunks = np.split(to_numpy(array), len(_GATE_ORDER[kind]), axis=0)
    return np.concatenate([chunks[i] for i in _GATE_ORDER[kind]], axis=0)


def _layer_weights(g, module, kind, layer, directions):
    """The W, R and B initializers of one layer, directions stacked on a leading axis as ONNX wants."""
    suffixes = ["", "_reverse"][:directions]
    w = np.stack([_reordered(getattr(module, f"weight_ih_l{layer}{s}").array, kind) for s in suffixes])
    r = np.stack([_reordered(getattr(module, f"weight_hh_l{layer}{s}").array, kind) for s in suffixes])
    if module.bias:
        b = np.stack([np.concatenate([_reordered(getattr(module, f"bias_ih_l{layer}{s}").array, kind),
                                      _reordered(getattr(module, f"bias_hh_l{layer}{s}").array, kind)])
                      for s in suffixes])
    else:
        b = np.zeros((directions, 2 * w.shape[1]), w.dtype)
    prefix = f"{kind.lower()}_l{layer}"
    return g.constant(w, f"{prefix}_W"), g.constant(r, f"{prefix}_R"), g.constant(b, f"{prefix}_B")


def _states_of_layer(g, states, layer, directions):
    """This layer's slice of an initial state (layers*directions, batch, hidden), or "" when none was given."""
    if states is None:
        return ""
    return g.node("Slice", [states.name, g.ints([layer * directions]), g.ints([(layer + 1) * directions]),
                            g.ints([0])])


def export_recurrent(g, module, kind, x, states):
    """Nodes for ``module(x, states)``; the Values of (output, h_n[, c_n]) in the module's layout."""
    if getattr(module, "proj_size", 0):
        raise UnsupportedOperatorError("onnx.export: LSTM with proj_size has no ONNX LSTM equivalent")
    if len(x.shape) != 3:
        raise UnsupportedOperatorError(f"onnx.export: {kind} of an unbatched input ({list(x.shape)}) is not exported")
    directions = 2 if module.bidirectional else 1
    hidden = module.hidden_size
    batch_axis = 0 if module.batch_first else 1
    batch_dynamic = {a: n for a, n in x.dynamic.items() if a == batch_axis}
    name = g.node("Transpose", [x.name], perm=[1, 0, 2]) if module.batch_first else x.name
    initial = states if kind == "LSTM" else (states,)
    finals = [[] for _ in initial]
    direction = "bidirectional" if directions == 2 else "forward"
    for layer in range(module.num_layers):
        w, r, b = _layer_weights(g, module, kind, layer, directions)
        inputs = [name, w, r, b, ""] + [_states_of_layer(g, s, layer, directions) for s in initial]
        extra = {"linear_before_reset": 1} if kind == "GRU" else {}
        y, *last = g.node(kind, inputs, n_outputs=1 + len(initial), hint=f"{kind.lower()}_l{layer}",
                          hidden_size=hidden, direction=direction, **extra)
        for collected, state in zip(finals, last):
            collected.append(state)
        # Y: (seq, directions, batch, hidden) -> (seq, batch, directions * hidden), the next layer's input
        name = g.node("Reshape", [g.node("Transpose", [y], perm=[0, 2, 1, 3]), g.ints([0, 0, directions * hidden])])
    if module.batch_first:
        name = g.node("Transpose", [name], perm=[1, 0, 2])
    seq_dynamic = {a: n for a, n in x.dynamic.items() if a != batch_axis}
    output = (name, {**batch_dynamic, **seq_dynamic})
    state_dynamic = {1: n for n in batch_dynamic.values()}
    return [output] + [(g.node("Concat", states, axis=0), state_dynamic) for states in finals]


def state_values(tracer, kind, args):
    """The traced Values of the initial states passed to the module (None where none were)."""
    states = args[1] if len(args) > 1 else None
    if states is None:
        return (None, None) if kind == "LSTM" else None
    if kind == "LSTM":
        return tuple(tracer.value(s) for s in states)
    return tracer.value(states)


