"""Walk what autograd recorded: the variables and Function nodes behind some output tensors.

The walk follows ``grad_fn`` and ``next_functions`` from the outputs (no
recursion, so 10,000-node chains are fine). Every edge of the recorded graph
becomes a variable between two nodes, as the course draws it: a leaf that
requires grad (behind an ``AccumulateGrad`` node) or one output of a Function.
Nodes do not keep their outputs, so an intermediate variable's tensor is known
only when something still holds it: the outputs passed in, tensors named in
``params``, tensors a caller adds (``attach``) and what each Function saved for
backward (until backward frees it).
"""
from collections import deque

import numpy as np

from autograd_core import Tensor
from autograd_core.arrays import is_array, to_numpy
from autograd_core.autograd.graph import AccumulateGrad, get_gradient_edge

__all__ = ["Variable", "Op", "RecordedGraph", "record_graph", "as_tensors", "op_arguments", "saved_items"]


class Variable:
    """A tensor in the drawing: a leaf, or output ``index`` of a recorded Function."""

    __slots__ = ("key", "is_leaf", "tensor", "saved_values", "name", "is_output")

    def __init__(self, key, is_leaf, tensor=None):
        self.key = key
        self.is_leaf = is_leaf
        self.tensor = tensor
        self.saved_values = None  # a numpy array, when only a saved output array is known
        self.name = None
        self.is_output = False

    @property
    def values(self):
        """The forward value as a numpy array, or None when no one holds the tensor any more."""
        return self.tensor.numpy(force=True) if self.tensor is not None else self.saved_values

    @property
    def grad(self):
        """``.grad`` as a numpy array (leaves, and non-leaves that retained it), else None."""
        if self.tensor is None or self.tensor.grad is None:
            return None
        return self.tensor.grad.numpy(force=True)


class Op:
    """A recorded Function node (a box in the drawing)."""

    __slots__ = ("key", "node")

    def __init__(self, key, node):
        self.key = key
        self.node = node

    @property
    def name(self):
        return self.node.name()


def leaf_key(tensor):
    return ("leaf", id(tensor))


def output_key(node, index):
    return ("out", id(node), index)


def op_key(node):
    return ("op", id(node))


def tensor_key(tensor):
    """The key of the variable ``tensor`` is in any graph."""
    if tensor.grad_fn is None:
        return leaf_key(tensor)
    return output_key(*get_gradient_edge(tensor))


class RecordedGraph:
    """Variables and ops by key, with edges from inputs to outputs, in forward order."""

    def __init__(self):
        self.variables = {}
        self.ops = {}
        self.edges = []  # (source_key, target_key): variable -> op, or op -> variable
        self.producer = {}  # intermediate variable key -> op key
        self.consumers = {}  # variable key -> [op key, ...] (one entry per edge)
        self.inputs = {}  # op key -> [variable key, ...] (one entry per edge)

    def __len__(self):
        return len(self.variables) + len(self.ops)

    def attach(self, tensor, name=None):
        """Record ``tensor`` as the value of its variable when that variable is in the graph.

        ``name`` names the variable; without it, the tensor's ``name`` attribute does when set.
        """
        var = self.variables.get(tensor_key(tensor))
        if var is None:
            return
        if var.tensor is None:
            var.tensor = tensor
        if name:
            var.name = name
        elif var.name is None:
            var.name = tensor.name

    def _leaf(self, tensor):
        key = leaf_key(tensor)
        var = self.variables.get(key)
        if var is None:
            var = self.variables[key] = Variable(key, True, tensor)
            var.name = tensor.name
        return var

    def _output_variable(self, node, index, pending):
        """The variable for output ``index`` of ``node``; a new node is queued for the walk."""
        key = output_key(node, index)
        var = self.variables.get(key)
        if var is None:
            var = self.variables[key] = Variable(key, False)
            source = op_key(node)
            if source not in self.ops:
                self.ops[source] = Op(source, node)
                pending.append(node)
            self.edges.append((source, key))
            self.producer[key] = source
        return var

    def _walk(self, outputs):
        pending = deque()
        for t in outputs:
            var = self._leaf(t) if t.grad_fn is None else self._output_variable(*get_gradient_edge(t), pending)
            var.is_output = True
            if var.tensor is None:
                var.tensor = t
        while pending:
            node = pending.popleft()
            target = op_key(node)
            for source, index in reversed(node.next_functions):  # reversed back by _reverse
                if source is None:
                    continue
                if type(source) is AccumulateGrad:
                    var = self._leaf(source.variable)
                else:
                    var = self._output_variable(source, index, pending)
                self.edges.append((var.key, target))
                self.consumers.setdefault(var.key, []).append(target)
                self.inputs.setdefault(target, []).append(var.key)

    def _attach_saved(self):
        for op in self.ops.values():
            for _, value, key in saved_items(op.node) or ():
                var = self.variables.get(key) if key is not None else None
                if var is None or var.tensor is not None or var.saved_values is not None:
                    continue
                if isinstance(value, Tensor):
                    var.tensor = value
                else:
                    var.saved_values = to_numpy(value)

    def _reverse(self):
        """Put variables, ops and edges in forward order (the walk found them output first)."""
        self.variables = dict(reversed(self.variables.items()))
        self.ops = dict(reversed(self.ops.items()))
        self.edges.reverse()
        for inputs in self.inputs.values():
            inputs.reverse()

    def consumer_ops(self, op):
        """The ops that take any output of ``op`` as an input."""
        result = []
        for index in range(op.node.n_outputs):
            result.extend(self.consumers.get(output_key(op.node, index), ()))
        return result


def as_tensors(outputs, caller):
    """One tensor, or a list/tuple (nested in tuples, as LSTM returns) of them, as a flat list."""
    if isinstance(outputs, Tensor):
        return [outputs]
    if isinstance(outputs, (list, tuple)):
        flat = []
        for item in outputs:
            flat.extend(as_tensors(item, caller))
        return flat
    raise TypeError(f"{caller}: expected a Tensor or a list/tuple of Tensors, got {type(outputs).__name__}")


def _param_names(params, caller):
    if params is None:
        return {}
    if not hasattr(params, "items"):
        raise TypeError(f"{caller}: params must be a dict of name -> Tensor (e.g. dict(model.named_parameters())), "
                        f"got {type(params).__name__}")
    names = {}
    for name, tensor in params.items():
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{caller}: params[{name!r}] is a {type(tensor).__name__}, expected a Tensor")
        names[id(tensor)] = (str(name), tensor)
    return names


def record_graph(outputs, params=None, tensors=(), caller="make_dot"):
    """The graph behind ``outputs`` (a tensor or a list/tuple of them).

    ``params`` (name -> tensor) names leaves, or intermediate tensors; ``tensors``
    are further tensors whose values the drawing may show.
    """
    outputs = as_tensors(outputs, caller)
    if not outputs:
        raise ValueError(f"{caller}: no output tensors given")
    graph = RecordedGraph()
    graph._walk(outputs)
    for name, tensor in _param_names(params, caller).values():
        graph.attach(tensor, name)
    for tensor in tensors:
        graph.attach(tensor)
    graph._attach_saved()
    graph._reverse()
    return graph


def op_arguments(node):
    """The node's public, small, non-array attributes (axes, keepdim, stride, padding...).

    A NamedTuple attribute (such as a convolution's geometry) gives its fields.
    """
    arguments = {}
    for name, value in vars(node).items():
        if name.startswith("_"):
            continue
        fields = value._asdict().items() if hasattr(value, "_asdict") else [(name, value)]
        for field, item in fields:
            if is_array(item) or isinstance(item, Tensor) or callable(item) or item == node.name():
                continue
            text = str(item) if isinstance(item, np.dtype) else repr(item)
            if len(text) <= 60:
                arguments.setdefault(field, text)
    return arguments


def saved_items(node):
    """``[(label, tensor_or_array, variable_key_or_None), ...]`` saved for backward, or None once freed."""
    inspect = getattr(node, "inspect_saved", None)
    items = inspect() if inspect is not None else []
    if items is None:
        return None
    keyed = []
    for label, value in items:
        if label == "output":
            keyed.append((label, value, output_key(node, 0)))
        elif isinstance(value, Tensor):
            keyed.append((label, value, tensor_key(value) if value.requires_grad else None))
        else:
            keyed.append((label, value, None))
    return keyed