"""The backward pass: one dependency count and one loop over ready nodes.

A node runs once every node that consumes its outputs has delivered its
gradient, so nodes run in reverse topological order without recursion or
sorting; fan-out is handled by summing into the node's input buffer.
"""
import gc

import numpy as np

from .function import AccumulateGrad, edge_of
from .grad_mode import GradMode
from .tensor import Tensor, _new

#: Observers called as ``observer(node, grads)`` before each node runs (viz.backward_steps).
observers = []


def _dependencies(roots):
    """Count, for every node reachable from ``roots``, the edges that point at it."""
    deps = {}
    seen = set(roots)
    stack = list(seen)
    while stack:
        fn = stack.pop()
        for nxt, _ in fn.next_functions:
            if nxt is not None:
                if nxt in deps:
                    deps[nxt] += 1
                else:
                    deps[nxt] = 1
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
    return deps


def _root_gradients(tensors, grad_tensors, op):
    grads = []
    for i, t in enumerate(tensors):
        g = None if grad_tensors is None else grad_tensors[i]
        if g is None:
            if t.array.size != 1:
                raise RuntimeError(f"{op}: grad can be implicitly created only for scalar outputs "
                                   f"(output {i} has shape {tuple(t.shape)}); pass gradient= of that shape")
            g = _new(np.ones_like(t.array))
        elif not isinstance(g, Tensor):
            g = _new(np.asarray(g, dtype=t.array.dtype))
        if g.array.shape != t.array.shape:
            raise RuntimeError(f"{op}: Mismatch in shape: grad_output[{i}] has a shape of {tuple(g.shape)} "
                               f"and output[{i}] has a shape of {tuple(t.shape)}.")
        grads.append(g)
    return grads


def _check_anomaly(fn, grads):
    for i, g in enumerate(grads):
        if g is not None and not np.all(np.isfinite(g.array)):
            kind = "nan" if np.isnan(g.array).any() else "inf"
            raise RuntimeError(f"Function '{fn.name()}' returned {kind} values in its {i}th output.")


def run(edges, grads, retain_graph, create_graph, capture=None):
    """Propagate ``grads`` (one per root edge) backward through the graph.

    Without ``capture``, leaf gradients accumulate into ``.grad``. With
    ``capture`` (a dict edge -> None, for ``autograd.grad``), the total gradient
    reaching each listed edge is stored there and ``.grad`` is left alone.
    """
    buffers = {}
    for (node, index), g in zip(edges, grads):
        if node is None:
            continue
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node.n_outputs
        buf[index] = g if buf[index] is None else buf[index] + g
    deps = _dependencies(list(buffers))
    ready = [node for node in buffers if node not in deps]
    previous_mode = GradMode.enabled
    GradMode.enabled = create_graph
    anomaly = GradMode.anomaly
    # The loop allocates many short-lived objects and creates no reference cycles:
    # pausing the cyclic collector saves its repeated scans of the (large) graph.
    collecting = gc.isenabled()
    gc.disable()
    try:
        while ready:
            fn = ready.pop()
            in_grads = buffers.pop(fn, None)
            if in_grads is not None and fn._hooks:
                _run_prehooks(fn, in_grads)
            for obs in observers:
                obs(fn, in_grads)
            if capture is not None and in_grads is not None:
                for i, g in enumerate(in_grads):
                    if (fn, i) in capture:
                        capture[(fn, i)] = g
            if type(fn) is AccumulateGrad:
                if capture is None and in_grads is not None and in_grads[0] is not None:
                    fn.accumulate(in_grads[0])
                continue
            nexts = fn.next_functions
            if in_grads is None:
                out_grads = (None,) * len(nexts)
            else:
                out_grads = fn._backward(in_grads)
                if type(out_grads) is not tuple:
                    out_grads = (out_grads,)
                if not retain_graph:
                    fn.release()
                if anomaly:
                    _check_anomaly(fn, out_grads)
            for (nxt, index), g in zip(nexts, out_grads):
                if nxt is None:
                    continue
                if g is not None:
                    buf = buffers.get(nxt)
                    if buf is None:
                        buf = buffers[nxt] = [None] * nxt.n_outputs
                    buf[index] = g if buf[index] is None else buf[index] + g
                remaining = deps[nxt] - 1
                deps[nxt] = remaining
                if remaining == 0:
                    ready.append(nxt)
    finally:
        GradMode.enabled = previous_mode
        if collecting:
            gc.enable()
    return capture


def _run_prehooks(fn, grads):
    for index, hooks in fn._hooks.items():
        g = grads[index]
        if g is None:
            continue
        for hook in hooks:
            result = hook(g)
            if result is not None:
                g = result
        grads[index] = g


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """``Tensor.backward`` / ``autograd.backward``: accumulate into ``.grad`` of the leaves (or of ``inputs``)."""
    if retain_graph is None:
        retain_graph = create_graph
    for i, t in enumerate(tensors):
        if not t._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    if inputs is None:
        run([edge_of(t) for t in tensors], _root_gradients(tensors, grad_tensors, "backward"),
            retain_graph, create_graph)
        return
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    grads = grad(tensors, inputs, grad_tensors, retain_graph, create_graph, allow_unused=True)
    previous_mode = GradMode.enabled
    GradMode.enabled = create_graph
    try:
        for x, g in zip(inputs, grads):
            if g is None:
                continue
            if x.grad_fn is None:
                edge_of(x)[0].accumulate(g)
            else:
                x.grad = g if x.grad is None else x.grad + g
    finally:
        GradMode.enabled = previous_mode


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False, materialize_grads=False):
    """Return d(outputs)/d(inputs) without touching ``.grad`` (``torch.autograd.grad``)."""
    single_input = isinstance(inputs, Tensor)
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if single_input else list(inputs)
    if grad_outputs is not None:
        grad_outputs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    for i, t in enumerate(outputs):
        if not t._requires_grad:
            raise RuntimeError(f"grad: element {i} of outputs does not require grad and does not have a grad_fn")
    for i, x in enumerate(inputs):
        if not x._requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad; only tensors with requires_grad=True "
                               "can be differentiated against")
    grads = _root_gradients(outputs, grad_outputs, "grad")
    input_edges = [edge_of(x) for x in inputs]
    captured = run([edge_of(t) for t in outputs], grads, retain_graph, create_graph,
                   capture={e: None for e in input_edges})
    result = []
    for i, (x, e) in enumerate(zip(inputs, input_edges)):
        g = captured[e]
        if g is None:
            if materialize_grads:
                g = _new(np.zeros_like(x.array))
            elif not allow_unused:
                raise RuntimeError(f"grad: input {i} (shape {tuple(x.shape)}) was not used in the graph; "
                                   "pass allow_unused=True to get None for it")
        result.append(g)
    return tuple(result)
