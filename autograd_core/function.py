"""Function: the one protocol of every recorded op, built-in or user-written.

A Function object is both the op's context (``ctx``) and its node in the graph:
``next_functions`` gives one ``(node, output_index)`` edge per input, as in
PyTorch, with an ``AccumulateGrad`` node for each leaf that requires grad (kept
flat: the nodes in slots, ``_next_index`` a shared tuple; fewer live objects per
recorded op for the cyclic garbage collector to scan).

An op is entered in one of two ways and recorded by the same code (``_record``):

* built-in ops write ``forward(self, *arrays)`` on the inputs' arrays and are
  called as ``Exp()(x)`` (constructor arguments carry the op's parameters);
* PyTorch's protocol: ``@staticmethod forward(ctx, *args)`` on tensors, called
  as ``MyOp.apply(*args)``.

Either way ``backward(ctx, *grads)`` receives and returns Tensors, so that the
backward pass can itself be recorded (``create_graph=True``), and ``ctx`` offers
PyTorch's ``save_for_backward`` / ``saved_tensors``, ``needs_input_grad`` (a
tuple), ``mark_dirty``, ``mark_non_differentiable`` and ``set_materialize_grads``.

Everything a backward needs is saved through one mechanism: input tensors a
built-in op lists in ``saves``, its output when ``saves_output`` is set, and the
values ``forward`` passes to ``save_for_backward`` (tensors, or arrays the op
derived itself). Saved tensors are checked against in-place changes when read,
and all of it is freed when the node's backward has run (``release``).
"""
import functools
import weakref

from .dtypes import is_differentiable, _DIFFERENTIABLE
from .arrays import array_module, as_array, is_array, _by_type as _ARRAY_TYPES  # every backend's array type
from .device import check_same_device
from .grad_mode import GradMode, no_grad
from .tensor import Tensor, _new, check_in_place_target

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
    """What the engine needs of every graph node (``torch.autograd.graph.Node``)."""

    __slots__ = ()
    # The node each input's gradient flows to (None for an input that needs none): for up to two inputs in
    # _next0 and _next1 (None past the inputs), else all of them in _next_many; ``_next`` gives them as a tuple
    _next0 = _next1 = None
    _next_many = ()
    _next = ()
    _next_index = ()  # which output of that node each input is
    n_outputs = 1
    _hooks = None  # {output_index: [hook, ...]}: tensor hooks on this node's outputs

    def name(self):
        return type(self).__name__

    @property
    def next_functions(self):
        """One ``(node, output_index)`` edge per input, as PyTorch's."""
        return tuple(zip(self._next, self._next_index))

    # _output_meta: ((shape, dtype), ...) per output: what a gradient arriving there must have

    def _register_tensor_hook(self, output_index, hook):
        """``hook(grad)`` runs on output ``output_index``'s gradient before this node (``Tensor.register_hook``)."""
        if self._hooks is None:
            self._hooks = {}
        self._hooks.setdefault(output_index, []).append(hook)

    def keeps_saved(self, tensor):
        """Whether ``tensor`` itself is among the values saved for backward (nothing here)."""
        return False

    def release(self):
        """Free what was saved for backward; nodes that save nothing have nothing to free."""


class AccumulateGrad(Node):
    """The node behind a leaf tensor that requires grad: adds arriving gradients into ``.grad``."""

    __slots__ = ("variable", "_hooks", "__weakref__")

    def __init__(self, variable):
        self.variable = variable
        self._hooks = None

    def name(self):
        return "torch::autograd::AccumulateGrad"

    @property
    def _output_meta(self):
        return ((self.variable.array.shape, self.variable.array.dtype),)

    def run_backward(self, grads):
        """Hooks of the leaf, then ``.grad += grad`` (a recorded sum under ``create_graph``)."""
        grad, var = grads[0], self.variable
        if var._hooks:
            for hook in var._hooks:
                result = hook(grad)
                if result is not None:
                    grad = result
        if GradMode.enabled:  # create_graph: keep the gradient's own graph
            var.grad = grad if var.grad is None else var.grad + grad
        elif var.grad is None:
            var.grad = _new(grad.array.copy())  # own, writable, contiguous
        else:
            var.grad.array += grad.array
        if var._post_accumulate_grad_hooks:
            for hook in tuple(var._post_accumulate_grad_hooks):
                hook(var)
        return ()


def _accumulator(tensor):
    ref = tensor._grad_accumulator
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(tensor)
        tensor._grad_accumulator = weakref.ref(node)
    return node


_IN_SLOT = object()  # in ``_saved``: this value sits in the node's slot ``_saved0`` or ``_saved1``
_IN_SLOTS = {1: (_IN_SLOT,), 2: (_IN_SLOT, _IN_SLOT)}
_ZEROS = {n: (0,) * n for n in range(9)}  # all-zero edge indices and saved versions, one shared tuple per length
_INTERNED = {}


def interned(value):
    """The one shared copy of an immutable metadata tuple (output shapes and dtypes, edge indices).

    A recorded node keeps such tuples until the graph is freed; sharing them leaves
    fewer live objects for the cyclic garbage collector to scan on every op.
    """
    found = _INTERNED.get(value)
    if found is None:
        if len(_INTERNED) >= 65536:  # shapes that never repeat must not grow the table without bound
            _INTERNED.clear()
        found = _INTERNED[value] = value
    return found


def source_of(tensor):
    """The node a gradient for ``tensor`` flows to (its output ``tensor._output_index``), or None."""
    fn = tensor.grad_fn
    if fn is not None:
        if tensor._base is not None and tensor._view_version != tensor._version_counter[0]:
            from .ops.index import refreshed_view_node  # the view's memory changed in place since it was made
            fn = refreshed_view_node(tensor)
        return fn
    if tensor._requires_grad:
        return _accumulator(tensor)
    return None


def edge_of(tensor):
    """The ``(node, output_index)`` a gradient for ``tensor`` flows to."""
    return (source_of(tensor), tensor._output_index)


# ``needs_input_grad`` of a recorded built-in op with one or two inputs: one shared tuple per case,
# indexed by whether each input's gradient flows somewhere (False/True index as 0/1)
_NEEDS1 = ((False,), (True,))
_NEEDS2 = (((False, False), (False, True)), ((True, False), (True, True)))


class Function(Node):
    """Base of every differentiable op; see the module docstring for the protocol."""

    # _saved: what backward reads (None once freed), _saved_versions: the saved tensors' versions when saved;
    # both unset until something is saved. One or two saved inputs of a built-in op sit in _saved0/_saved1,
    # _saved then holds a shared tuple of _IN_SLOT markers: no tuple per recorded op for the collector to scan
    __slots__ = ("_next0", "_next1", "_next_index", "needs_input_grad", "_saved", "_saved0", "_saved1",
                 "_saved_versions", "_output", "_output_version", "_output_meta", "__dict__", "__weakref__")
    _saved_in_forward = False  # forward called save_for_backward (set per instance)
    saves = ()  # built-in ops: indices of the inputs whose tensors backward reads
    saves_output = False  # built-in ops: backward reads the output (``saved_output()``)
    _materialize_grads = True  # apply: missing output gradients arrive as zeros (built-in ops take None)
    _argument_positions = None  # apply: where the tensor arguments sit among forward's arguments
    _dirty = ()
    _non_differentiable = ()
    _static_node_class = None  # set per op class by __init_subclass__

    @property
    def _next(self):
        """The edges' nodes as a tuple. They sit in slots for one and two inputs, so that a recorded op leaves
        no tuple of them for the cyclic garbage collector to scan while the graph is alive."""
        return (self._next_many or (self._next0, self._next1))[:len(self._next_index)]

    # ----- the two ways in -----
    def __call__(self, *inputs):
        """Run a built-in op on Tensors: ``forward`` sees their arrays; record when a gradient is needed."""
        n_inputs = len(inputs)
        try:
            if n_inputs == 1:  # the common arities without a list: this runs for every op
                ys = self.forward(inputs[0].array)
            elif n_inputs == 2:
                ys = self.forward(inputs[0].array, inputs[1].array)
            else:
                ys = self.forward(*[x.array for x in inputs])
        except TypeError:  # an array library refusing another device's arrays (CuPy's): PyTorch's error instead
            check_same_device(*inputs)
            raise
        if Hooks.dual_call is not None:  # forward-mode AD is on (autograd/forward_ad.py): tangents too
            return Hooks.dual_call(self, inputs, ys)
        return self._outputs(inputs, ys)

    def _outputs(self, inputs, ys):
        """Tensors of ``forward``'s arrays ``ys``, recorded when an input requires grad."""
        if GradMode.enabled:
            for x in inputs:
                if x._requires_grad:
                    return self._record(inputs, ys)
        if type(ys) in _ARRAY_TYPES:
            out = _new(ys)
        elif type(ys) is tuple:
            out = tuple(_new(as_array(y)) for y in ys)
        else:
            out = _new(as_array(ys))
        if GradMode.tracer is not None:  # onnx.export is tracing this thread's ops (run without recording)
            GradMode.tracer.record(self, inputs, out)
        return out

    @classmethod
    def apply(cls, *args, **kwargs):
        """PyTorch's custom Function: ``forward(ctx, *args)`` runs on tensors without recording."""
        ctx = cls.__new__(cls)
        positions = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
        inputs = [args[i] for i in positions]
        recording = GradMode.enabled and any(x._requires_grad for x in inputs)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad and recording for a in args)
        with no_grad():
            outputs = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        if Hooks.dual_apply is not None:  # forward-mode AD is on: the class's jvp gives the tangents
            Hooks.dual_apply(ctx, args, outs)
        for t in ctx._dirty:
            if not any(t is o for o in outs):
                raise RuntimeError(f"{cls.__name__}: a tensor marked dirty with mark_dirty() must be returned "
                                   "as an output of forward")
        if not recording:
            return outputs
        ctx._argument_positions = positions
        wrapped = ctx._record(inputs, outs)
        return wrapped[0] if single else wrapped

    # ----- recording -----
    def _record(self, inputs, outputs):
        """Make this node the ``grad_fn`` of ``outputs``: arrays from ``__call__``, or ``apply``'s tensors.

        Connects one edge per input, saves the input tensors the op declared in
        ``saves``, and takes the node class named as PyTorch names the node.
        """
        n_inputs = len(inputs)
        if n_inputs == 2:  # the common arities unrolled (no comprehension: each one is a function call in 3.11)
            a, b = inputs
            first, second = self._next0, self._next1 = source_of(a), source_of(b)
            needs = _NEEDS2[first is not None][second is not None]
            index = (a._output_index, b._output_index)
        elif n_inputs == 1:
            a = inputs[0]
            first = self._next0 = source_of(a)
            self._next1 = None
            needs = _NEEDS1[first is not None]
            index = (a._output_index,)
        else:
            nodes = self._next_many = tuple([source_of(x) for x in inputs])  # rare: in the instance's __dict__
            needs = tuple([node is not None for node in nodes])
            index = tuple([x._output_index for x in inputs])
        self._next_index = _ZEROS[n_inputs] if index == _ZEROS.get(n_inputs) else interned(index)
        saves = self.saves
        if saves:
            n_saved = len(saves)
            if n_saved <= 2 and not (self._saved_in_forward or Hooks.saved):  # in the slots
                first = self._saved0 = inputs[saves[0]]
                if n_saved == 2:
                    second = self._saved1 = inputs[saves[1]]
                    versions = (first._version_counter[0], second._version_counter[0])
                else:
                    versions = (first._version_counter[0],)
                self._saved = _IN_SLOTS[n_saved]
            else:
                declared = tuple([inputs[i] for i in saves])
                versions = tuple([t._version_counter[0] for t in declared])
                if self._saved_in_forward:
                    declared, versions = declared + self._saved, versions + self._saved_versions
                self._saved = declared
            self._saved_versions = _ZEROS[n_saved] if versions == _ZEROS.get(n_saved) else versions  # often shared
        if Hooks.saved:
            self._saved = _packed(getattr(self, "_saved", ()))
        if self._argument_positions is not None:
            self.__class__ = _node_class(type(self), self.name())
            return self._connect_outputs(inputs, outputs)
        self.needs_input_grad = needs  # apply's ctx keeps its own, one entry per forward argument
        node_class = self._static_node_class
        self.__class__ = node_class if node_class is not None else _node_class(type(self), self.name())
        if type(outputs) is not tuple:
            array = outputs if type(outputs) in _ARRAY_TYPES else as_array(outputs)
            dtype = array.dtype
            out = _new(array, self, 0) if dtype in _DIFFERENTIABLE else _new(array)  # _output, inlined
            self._output_meta = interned(((array.shape, dtype),))
            if self.saves_output:
                self._output = _Packed(array, True) if Hooks.saved else array
                self._output_version = out._version_counter
            return out
        self.n_outputs = len(outputs)
        arrays = [as_array(y) for y in outputs]
        self._output_meta = interned(tuple([(a.shape, a.dtype) for a in arrays]))
        return tuple([_output(a, self, i) for i, a in enumerate(arrays)])

    def _connect_outputs(self, inputs, outputs):
        """``apply``'s outputs: fresh tensors become this node's outputs, dirty inputs are rebased onto it."""
        self.n_outputs = len(outputs)
        meta, connected = [], []
        for i, o in enumerate(outputs):
            if not isinstance(o, Tensor):
                meta.append(None)
                connected.append(o)
                continue
            meta.append((o.array.shape, o.array.dtype))
            if any(o is t for t in self._non_differentiable) or not is_differentiable(o.array.dtype):
                connected.append(o)
                continue
            dirty = any(o is t for t in self._dirty)
            if dirty:
                check_in_place_target(o, f"{self.name()} (mark_dirty)")
            elif any(o is x for x in inputs) or o.grad_fn is not None:
                o = _new(o.array)  # an input returned as is (or a tensor of another graph) is aliased, as PyTorch
            if dirty and o._base is not None:
                from .ops.index import rebase_history  # a view changed in place: its base's history follows
                rebase_history(o, self, i)
            else:
                o.grad_fn, o._output_index, o._requires_grad = self, i, True
            connected.append(o)
        self._output_meta = tuple(meta)
        return tuple(connected)

    # ----- backward, as the engine runs it -----
    def run_backward(self, grads):
        """Call ``backward`` with one gradient per output; return one gradient (or None) per input edge."""
        if self._argument_positions is not None:
            return self._run_custom_backward(grads)
        result = self.backward(*grads)
        if type(result) is not tuple:
            result = (result,)
        if len(result) != len(self._next_index):
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients (expected "
                               f"{len(self._next_index)}, got {len(result)})")
        return result

    def _run_custom_backward(self, grads):
        """``apply``'s static backward: zeros for missing gradients unless told otherwise, one result per argument."""
        if self._materialize_grads and any(g is None for g in grads):
            xp = array_module(*[g.array for g in grads if g is not None])
            grads = [_new(xp.zeros(*self._output_meta[i])) if g is None and self._output_meta[i] is not None
                     else g for i, g in enumerate(grads)]
        result = type(self).backward(self, *grads)
        return self._tensor_gradients(result if type(result) is tuple else (result,))

    def _tensor_gradients(self, result):
        """From ``apply``'s backward (one gradient per forward argument), the gradients of the tensor arguments."""
        expected = len(self.needs_input_grad)
        if len(result) > expected and all(g is None for g in result[expected:]):
            result = result[:expected]  # extra Nones are allowed, as in PyTorch
        if len(result) != expected:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients (expected "
                               f"{expected}, got {len(result)})")
        for i, g in enumerate(result):
            if g is not None and i not in self._argument_positions:
                raise RuntimeError(f"function {self.name()} returned a gradient different than None at position "
                                   f"{i + 1}, but the corresponding forward input was not a Tensor")
            if g is not None and not isinstance(g, Tensor):
                raise TypeError(f"function {self.name()} returned a gradient of type {type(g).__name__} at "
                                f"index {i}; expected a Tensor or None")
        return tuple([result[i] for i in self._argument_positions])

    def forward(self, *args):
        raise NotImplementedError(f"{type(self).__name__} does not define forward")

    def backward(self, *grads):
        raise NotImplementedError(f"{type(self).__name__} does not define backward")

    @staticmethod
    def jvp(ctx, *tangents):
        """Custom Functions: the outputs' tangents from the inputs' (one per forward argument, None where absent)."""
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it with "
                                  "forward mode AD.")

    def name(self):
        return type(self).__name__ + ("Backward" if self._argument_positions is not None else "Backward0")

    def __init_subclass__(cls, **kwargs):
        """Each op class whose name is its class name gets its node class (``Add`` -> ``AddBackward0``) now."""
        super().__init_subclass__(**kwargs)
        if "_node_of" not in cls.__dict__:
            static = cls.name is Function.name
            cls._static_node_class = _make_node_class(cls, cls.__name__ + "Backward0") if static else None

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"

    # ----- ctx: saving -----
    def save_for_backward(self, *values):
        """Keep ``values`` for backward: tensors (checked for in-place changes when read) or derived arrays."""
        self._saved = values
        self._saved_versions = tuple([v._version_counter[0] if isinstance(v, Tensor) else None for v in values])
        self._saved_in_forward = True

    @property
    def saved_tensors(self):
        saved = getattr(self, "_saved", ())
        if saved is None:
            raise RuntimeError(_FREED)
        if saved is _IN_SLOTS[2]:  # a built-in op's two saved inputs, checked here: no call per value
            a, b = self._saved0, self._saved1
            versions = self._saved_versions
            if a._version_counter[0] == versions[0] and b._version_counter[0] == versions[1]:
                return a, b
        return tuple([self.saved(i) for i in range(len(saved))])

    def saved(self, i):
        """Saved value ``i`` alone, checked for a freed graph and for in-place changes."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(_FREED)
        value = saved[i]
        if value is _IN_SLOT:
            value = self._saved0 if i == 0 else self._saved1
        elif type(value) is _Packed:  # a saved_tensors_hooks pack hook has it: no version check, as in PyTorch
            return value.unpacked()
        if isinstance(value, Tensor) and value._version_counter[0] != self._saved_versions[i]:
            raise _version_error(self, value, value._version_counter[0], self._saved_versions[i], f"saved tensor {i}")
        return value

    def saved_output(self):
        """The op's output as a tensor connected to this node (for double backward)."""
        if self._output is None:
            raise RuntimeError(_FREED)
        if type(self._output) is _Packed:
            return _new(self._output.unpacked(), self, 0)
        if self._output_version[0] != 0:
            raise _version_error(self, _new(self._output), self._output_version[0], 0, "output 0")
        out = _new(self._output, self, 0)
        out._version_counter = self._output_version
        return out

    def inspect_saved(self):
        """``[(label, tensor or array), ...]`` still valid for backward (for viz); None once freed."""
        saved = self._saved_values()
        if saved is None:
            return None
        labels = [f"input {i}" for i in self.saves] + [f"saved {k}" for k in range(len(saved) - len(self.saves))]
        items = [(label, value) for label, value, version in zip(labels, saved, getattr(self, "_saved_versions", ()))
                 if value is not None and type(value) is not _Packed
                 and (not isinstance(value, Tensor) or value._version_counter[0] == version)]
        output = getattr(self, "_output", None) if self.saves_output else None
        if output is not None and type(output) is not _Packed and self._output_version[0] == 0:
            items.append(("output", self._output))
        return items

    def _saved_values(self):
        """The saved values without checks, the slots' in place of their markers (None once freed)."""
        saved = getattr(self, "_saved", ())
        if saved is not None and saved is _IN_SLOTS.get(len(saved)):
            return (self._saved0,) if len(saved) == 1 else (self._saved0, self._saved1)
        return saved

    def keeps_saved(self, tensor):
        """Whether ``tensor`` itself is among the values saved for backward."""
        return any(value is tensor for value in self._saved_values() or ())

    def release(self):
        """Free what was saved for backward (the graph's structure stays walkable)."""
        if self.saves:
            self._saved0 = self._saved1 = None
        self._saved = self._output = None

    # ----- ctx: the rest of PyTorch's protocol -----
    def mark_dirty(self, *tensors):
        """Declare inputs that ``forward`` changed in place (and returns): they become this node's outputs."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = tensors

    def set_materialize_grads(self, value):
        """Whether backward receives zeros (True, the default) or None for outputs that got no gradient."""
        self._materialize_grads = bool(value)


class Hooks:
    """The switches of forward-mode AD and saved-tensor hooks: one attribute read each on the hot path.

    ``dual_call(fn, inputs, ys)`` (built-in ops) and ``dual_apply(ctx, args, outputs)``
    (``Function.apply``) are set by ``autograd.forward_ad`` while a dual level is
    open; ``saved`` is the stack of ``(pack_hook, unpack_hook)`` of
    ``autograd.graph.saved_tensors_hooks``, applied to everything a recorded node saves.
    They are process-wide, as PyTorch's dual levels are.
    """
    dual_call = None
    dual_apply = None
    saved = []


class _Packed:
    """A saved value as a pack hook returned it, with the unpack hook that gives it back.

    A saved tensor's place in the graph (its ``grad_fn``, or its leaf's
    AccumulateGrad) is kept too: a tensor the unpack hook makes afresh is put
    back there, so that double backward reaches the graph, as in PyTorch.
    """

    __slots__ = ("packed", "unpack", "is_array", "edge")

    def __init__(self, value, is_array):
        pack, self.unpack = Hooks.saved[-1]
        self.is_array = is_array
        self.edge = edge_of(value) if not is_array and value._requires_grad else None
        self.packed = pack(_new(value) if is_array else value)

    def unpacked(self):
        tensor = self.unpack(self.packed)
        if not isinstance(tensor, Tensor):
            raise TypeError(f"Output of saved tensor unpack_hook expected to be a Tensor but got result of type "
                            f"{type(tensor).__name__}")
        if self.is_array:
            return tensor.array
        if self.edge is None or tensor._requires_grad:
            return tensor
        node, index = self.edge
        if type(node) is AccumulateGrad:
            tensor = _new(tensor.array)
            tensor._requires_grad, tensor._grad_accumulator = True, weakref.ref(node)
            return tensor
        return _new(tensor.array, node, index)


def _packed(values):
    """``values`` with each tensor and array handed to the innermost pack hook (anything else kept as is)."""
    return tuple([_Packed(v, False) if isinstance(v, Tensor) else _Packed(v, True) if is_array(v) else v
                  for v in values])


_NODE_CLASSES = {}


def _node_class(op_class, name):
    """The subclass of ``op_class`` called ``name`` that recorded nodes of that name take (made once)."""
    key = (op_class, name)
    node_class = _NODE_CLASSES.get(key)
    if node_class is None:
        node_class = _NODE_CLASSES[key] = _make_node_class(op_class, name)
    return node_class


def _named(self):
    return type(self).__name__


def _make_node_class(op_class, name):
    namespace = {"__slots__": (), "__module__": op_class.__module__, "__qualname__": name, "_node_of": op_class,
                 "_static_node_class": None}
    if op_class.name is Function.name:
        namespace["name"] = _named
    return type(name, (op_class,), namespace)


def _output(array, fn, index):
    if is_differentiable(array.dtype):
        return _new(array, fn, index)
    return _new(array)


class _DifferentiatedTwice(Function):
    """Stands behind the results of a ``once_differentiable`` backward when a graph of them is wanted."""

    def backward(self, *grads):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")


def once_differentiable(backward):
    """Decorate a ``backward`` that cannot itself be differentiated (written on arrays, say).

    It runs without recording; when a graph of its results is wanted
    (``create_graph=True``), differentiating them raises PyTorch's error.
    """

    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with no_grad():
            result = backward(ctx, *grads)
        sources = [g for g in grads if isinstance(g, Tensor) and g._requires_grad]
        if not (GradMode.enabled and sources):
            return result
        single = not isinstance(result, tuple)
        results = (result,) if single else result
        present = [r for r in results if isinstance(r, Tensor)]
        guarded = iter(_DifferentiatedTwice()._record(sources, tuple([r.array for r in present])))
        out = tuple([next(guarded) if isinstance(r, Tensor) else r for r in results])
        return out[0] if single else out

    return wrapper
