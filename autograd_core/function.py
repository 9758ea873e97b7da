"""Function: one recorded operation, its forward on arrays beside its backward on tensors.

Internal ops subclass ``Function`` (DeZero's shape): ``forward(self, *arrays)``
returns an array or a tuple of arrays; ``backward(self, *grads)`` receives and
returns Tensors, so the backward pass can itself be recorded
(``create_graph=True``). Ops are called as ``Exp()(x)``. An op that needs its
inputs in backward lists their indices in ``saves`` and reads them back with
``self.saved_tensors``; one that needs its output sets ``saves_output`` and
calls ``self.saved_output()``. Both accessors raise PyTorch's errors when the
graph was freed or a saved tensor was changed in place.

A recorded Function is also the graph node: ``next_functions`` holds one
``(node, output_index)`` edge per input, as in PyTorch, with an
``AccumulateGrad`` node for each leaf that requires grad.
"""
import weakref

import numpy as np

from ._backend import as_array
from .grad_mode import GradMode
from .tensor import _new

_FREED = ("Trying to backward through the graph a second time (or directly access saved "
          "tensors after they have already been freed). Saved intermediate values of the graph "
          "are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if "
          "you need to backward through the graph a second time or if you need to access saved "
          "tensors after calling backward.")


def _version_error(fn, tensor, found, expected, what):
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{tensor.dtype} {list(tensor.shape)}], which is {what} of {fn.name()}, "
        f"is at version {found}; expected version {expected} instead. Hint: clone the tensor "
        "before changing it in place, or do the change out of place.")


class Node:
    """What the engine needs of every graph node."""

    __slots__ = ()
    next_functions = ()
    n_outputs = 1
    _hooks = None  # {output_index: [hook, ...]} for tensor hooks on non-leaf outputs

    def name(self):
        return type(self).__name__

    def register_prehook(self, output_index, hook):
        if self._hooks is None:
            self._hooks = {}
        self._hooks.setdefault(output_index, []).append(hook)


class AccumulateGrad(Node):
    """The node behind a leaf tensor that requires grad: adds arriving gradients into ``.grad``."""

    __slots__ = ("variable", "_hooks", "__weakref__")

    def __init__(self, variable):
        self.variable = variable
        self._hooks = None

    def accumulate(self, grad):
        var = self.variable
        if var._hooks:
            for hook in var._hooks:
                result = hook(grad)
                if result is not None:
                    grad = result
        if grad.array.dtype != var.array.dtype:
            grad = _new(grad.array.astype(var.array.dtype))
        if GradMode.enabled:  # create_graph: keep the gradient's own graph
            var.grad = grad if var.grad is None else var.grad + grad
        elif var.grad is None:
            var.grad = _new(grad.array.copy())  # own, writable, contiguous
        else:
            var.grad.array += grad.array


def _accumulator(tensor):
    ref = tensor._grad_accumulator
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(tensor)
        tensor._grad_accumulator = weakref.ref(node)
    return node


_NO_EDGE = (None, 0)


def edge_of(tensor):
    """The ``(node, output_index)`` a gradient for ``tensor`` flows to."""
    fn = tensor.grad_fn
    if fn is not None:
        return (fn, tensor._output_index)
    if tensor._requires_grad:
        return (_accumulator(tensor), 0)
    return _NO_EDGE


class Function(Node):
    """Base of every differentiable op; see the module docstring for the protocol."""

    __slots__ = ("next_functions", "_saved", "_saved_versions", "_out", "_out_vc", "__dict__", "__weakref__")
    saves = ()
    saves_output = False
    _released = False  # instance values shadow these defaults once set

    def __call__(self, *inputs):
        ys = self.forward(*[x.array for x in inputs])
        if GradMode.enabled:
            for x in inputs:
                if x._requires_grad:
                    return self._record(inputs, ys)
        if type(ys) is np.ndarray:
            return _new(ys)
        if type(ys) is tuple:
            return tuple(_new(as_array(y)) for y in ys)
        return _new(as_array(ys))

    def _record(self, inputs, ys):
        self.next_functions = tuple([edge_of(x) for x in inputs])
        if self.saves:
            self.save_for_backward(*[inputs[i] for i in self.saves])
        if type(ys) is tuple:
            self.n_outputs = len(ys)
            return tuple(_output(as_array(y), self, i) for i, y in enumerate(ys))
        out = _output(ys if type(ys) is np.ndarray else as_array(ys), self, 0)
        if self.saves_output:
            self._out = out.array
            self._out_vc = out._version_counter
        return out

    def forward(self, *arrays):
        raise NotImplementedError(f"{type(self).__name__} does not define forward")

    def backward(self, *grads):
        raise NotImplementedError(f"{type(self).__name__} does not define backward")

    def _backward(self, grads):
        return self.backward(*grads)

    def name(self):
        return type(self).__name__ + "Backward0"

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"

    def needs_input_grad(self, index):
        return self.next_functions[index][0] is not None

    def save_for_backward(self, *tensors):
        self._saved = tensors
        self._saved_versions = tuple([t._version_counter[0] if t is not None else 0 for t in tensors])

    @property
    def saved_tensors(self):
        if self._released:
            raise RuntimeError(_FREED)
        return tuple([self.saved(i) for i in range(len(self._saved))])

    def saved(self, i):
        """Saved tensor ``i`` alone, checked for a freed graph and for in-place changes."""
        if self._released:
            raise RuntimeError(_FREED)
        t = self._saved[i]
        if t is not None and t._version_counter[0] != self._saved_versions[i]:
            raise _version_error(self, t, t._version_counter[0], self._saved_versions[i], f"saved tensor {i}")
        return t

    def saved_output(self):
        """The op's output as a tensor connected to this node (for double backward)."""
        if self._released:
            raise RuntimeError(_FREED)
        if self._out_vc[0] != 0:
            raise _version_error(self, _new(self._out), self._out_vc[0], 0, "output 0")
        out = _new(self._out, self, 0)
        out._version_counter = self._out_vc
        return out

    def release(self):
        """Free what was saved for backward (the graph's structure stays walkable)."""
        self._released = True
        self._saved = None
        self._out = None


def _output(array, fn, index):
    if array.dtype.kind == "f":
        return _new(array, fn, index)
    return _new(array)
