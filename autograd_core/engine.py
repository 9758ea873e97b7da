"""The backward pass: one dependency count and one loop over ready nodes.

A node runs once every node that consumes its outputs has delivered its
gradient, so nodes run in reverse topological order without recursion or
sorting; where a value fans out, the gradients arriving at it are summed.
Each gradient a backward returns is checked against the input it is for
(count, shape, dtype), as PyTorch's engine does.

Observers (``observe``) are the one place where tools hook in: each is told of
every node before it runs and of the gradients it returned; anomaly mode is one.
"""
import contextlib
import gc

import numpy as np

from .arrays import array_module, as_array, to_numpy, _by_type as _ARRAY_TYPES
from .function import AccumulateGrad, Hooks, edge_of
from .grad_mode import GradMode
from .ops.complex import real
from .ops.shape import cast, sum_to
from .tensor import Tensor, _new

class Observer:
    """Subclass and pass to ``observe`` to watch backward passes (viz.backward_steps does)."""

    def before(self, node, grads):
        """``node`` is about to run with ``grads`` (one per output; None where none arrived)."""

    def after(self, node, grads):
        """``node`` returned ``grads`` (one per ``node.next_functions`` edge)."""


@contextlib.contextmanager
def observe(observer):
    """Tell ``observer`` about every node of the backward passes this thread runs inside the block."""
    previous = GradMode.observers
    GradMode.observers = previous + (observer,)
    try:
        yield observer
    finally:
        GradMode.observers = previous


class _AnomalyCheck(Observer):
    """``detect_anomaly``: a backward that returns NaN or inf raises, naming the node."""

    def after(self, node, grads):
        for i, g in enumerate(grads):
            values = None if g is None else to_numpy(g.array)
            if values is not None and not np.all(np.isfinite(values)):
                kind = "nan" if np.isnan(values).any() else "inf"
                raise RuntimeError(f"Function '{node.name()}' returned {kind} values in its {i}th output.")


_ANOMALY_CHECK = _AnomalyCheck()


def _dependencies(roots):
    """Count, for every node reachable from ``roots``, the edges that point at it (0 for a root no edge reaches);
    and list each node's edge nodes, read once from its slots (``function.Node``: None past its inputs)."""
    deps = dict.fromkeys(roots, 0)
    sources = {}
    stack = list(deps)
    while stack:
        fn = stack.pop()
        nexts = sources[fn] = fn._next_many or (fn._next0, fn._next1)
        for nxt in nexts:
            if nxt is not None:
                count = deps.get(nxt)
                if count is None:  # first seen: walk its edges once
                    stack.append(nxt)
                    count = 0
                deps[nxt] = count + 1
    return deps, sources


def _deliver(buffers, node, index, grad):
    """Add ``grad`` into the gradient waiting for output ``index`` of ``node``.

    The sum is an op under ``create_graph`` or forward-mode AD; otherwise it is taken
    on the arrays (same dtype and shape by now) without the op machinery.
    """
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = [None] * node.n_outputs
    waiting = buf[index]
    if waiting is None:
        buf[index] = grad
    elif GradMode.enabled or Hooks.dual_call is not None:  # recorded, or carrying forward-AD tangents
        buf[index] = waiting + grad
    else:
        total = waiting.array + grad.array
        buf[index] = _new(total if type(total) in _ARRAY_TYPES else as_array(total))  # numpy sums 0-d to a scalar


def _fitted(grad, source, index, expected):
    """``grad`` (returned by ``source`` for its input ``index``) made to fit ``expected`` = (shape, dtype).

    A broadcastable shape is summed down and another dtype cast, as PyTorch
    does; any other shape is an error naming the node that returned it.
    """
    shape, dtype = expected
    array = grad.array
    if array.shape != shape:
        try:
            fits = np.broadcast_shapes(array.shape, shape) == array.shape
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(f"Function {source.name()} returned an invalid gradient at index {index} - got "
                               f"{list(array.shape)} but expected shape compatible with {list(shape)}")
        grad = sum_to(grad, shape)
    if array.dtype.kind == "c" and dtype.kind != "c":  # a real input takes the real part, as PyTorch's engine
        grad = real(grad)
        if grad.array.dtype == dtype:
            return grad
    return grad if grad.array.dtype == dtype else cast(grad, dtype)


def _run_watched(node, grads, retain_graph, capture):
    """A node's backward with its tensor hooks, the observers and ``autograd.grad``'s capture around it."""
    if node._hooks:
        _run_prehooks(node, grads)
    for observer in GradMode.observers:
        observer.before(node, grads)
    if capture is not None:
        for i, g in enumerate(grads):
            if (node, i) in capture:
                capture[(node, i)] = g
        if type(node) is AccumulateGrad:
            return ()  # autograd.grad leaves .grad alone
    out = node.run_backward(grads)
    if not retain_graph:
        node.release()
    for observer in GradMode.observers:
        observer.after(node, out)
    return out


def run(edges, grads, retain_graph, create_graph, capture=None):
    """Propagate ``grads`` (one per root edge) backward through the graph.

    Without ``capture``, leaf gradients accumulate into ``.grad``. With
    ``capture`` (a dict edge -> None, for ``autograd.grad``), the total gradient
    reaching each listed edge is stored there and ``.grad`` is left alone.
    """
    buffers = {}
    for (node, index), g in zip(edges, grads):
        if node is not None:
            _deliver(buffers, node, index, g)
    deps, sources_of = _dependencies(list(buffers))
    ready = [node for node in buffers if not deps[node]]
    with _grad_mode(create_graph), _collector_paused(), _anomaly_checked():
        watched = bool(GradMode.observers) or capture is not None
        while ready:
            node = ready.pop()
            in_grads = buffers.pop(node, None)
            sources = sources_of[node]  # zip below stops at the inputs' count
            if in_grads is None:
                out_grads = (None,) * len(node._next_index)
            elif watched or node._hooks:
                out_grads = _run_watched(node, in_grads, retain_graph, capture)
            else:
                out_grads = node.run_backward(in_grads)
                if not retain_graph:
                    node.release()
            for index, (nxt, nxt_index, g) in enumerate(zip(sources, node._next_index, out_grads)):
                if nxt is None:
                    continue
                if g is not None:
                    expected, array = nxt._output_meta[nxt_index], g.array
                    if array.shape != expected[0] or array.dtype != expected[1]:
                        g = _fitted(g, node, index, expected)
                    if nxt.n_outputs == 1 and nxt not in buffers:  # the first gradient for a one-output node
                        buffers[nxt] = [g]
                    else:
                        _deliver(buffers, nxt, nxt_index, g)
                remaining = deps[nxt] - 1
                deps[nxt] = remaining
                if remaining == 0:
                    ready.append(nxt)
    return capture


@contextlib.contextmanager
def _grad_mode(enabled):
    previous = GradMode.enabled
    GradMode.enabled = enabled
    try:
        yield
    finally:
        GradMode.enabled = previous


@contextlib.contextmanager
def _collector_paused():
    """The loop makes many short-lived objects and no reference cycles: the cyclic GC's scans would be wasted."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@contextlib.contextmanager
def _anomaly_checked():
    if not GradMode.anomaly:
        yield
        return
    with observe(_ANOMALY_CHECK):
        yield


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


def _root_gradients(tensors, grad_tensors, op):
    grads = []
    for i, t in enumerate(tensors):
        g = None if grad_tensors is None else grad_tensors[i]
        if g is None:
            if t.array.dtype.kind == "c":
                raise RuntimeError(f"{op}: grad can be implicitly created only for real scalar outputs")
            if t.array.size != 1:
                raise RuntimeError(f"{op}: grad can be implicitly created only for scalar outputs "
                                   f"(output {i} has shape {tuple(t.shape)}); pass gradient= of that shape")
            g = _new(array_module(t.array).ones_like(t.array))
        elif not isinstance(g, Tensor):
            g = _new(as_array(g, dtype=t.array.dtype, like=t.array))
        if g.array.shape != t.array.shape:
            raise RuntimeError(f"{op}: Mismatch in shape: grad_output[{i}] has a shape of {tuple(g.shape)} "
                               f"and output[{i}] has a shape of {tuple(t.shape)}.")
        grads.append(g)
    return grads


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
    with _grad_mode(create_graph):
        for x, g in zip(inputs, grads):
            if g is None:
                continue
            if x.grad_fn is None:
                edge_of(x)[0].run_backward([g])
            else:
                x.grad = g if x.grad is None else x.grad + g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False, materialize_grads=False):
    """Return d(outputs)/d(inputs) without touching ``.grad`` (``torch.autograd.grad``)."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
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
                g = _new(array_module(x.array).zeros_like(x.array))
            elif not allow_unused:
                raise RuntimeError(f"grad: input {i} (shape {tuple(x.shape)}) was not used in the graph; "
                                   "pass allow_unused=True to get None for it")
        result.append(g)
    return tuple(result)
