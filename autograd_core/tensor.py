"""Tensor (also called Variable): an ndarray plus what autograd needs to know about it.

This file holds the class, its attributes and the methods that are not ops;
each op family in ``ops/`` attaches its methods (``x.exp()``, ``x + y``...).
"""
import functools
import inspect
import operator
import re
import sys
import warnings

import numpy as np

from .dtypes import is_differentiable, is_floating
from . import dtypes
from . import arrays
from .device import device as _device, CPU, as_device
from .grad_mode import GradMode


def init_fields(t, data, grad_fn=None, output_index=0):
    """Set every field of a new tensor ``t`` (shared by ``_new``, ``Tensor()`` and ``Parameter()``)."""
    t.array = data
    t.grad = None
    t.grad_fn = grad_fn
    t._output_index = output_index
    t._requires_grad = grad_fn is not None
    t._version_counter = [0]
    t._grad_accumulator = None
    t._hooks = None
    t._post_accumulate_grad_hooks = None
    t.name = None
    t._base = None
    return t


def _new(data, grad_fn=None, output_index=0):
    """Wrap an ndarray without checks (the hot path of every op)."""
    return init_fields(object.__new__(Tensor), data, grad_fn, output_index)


# What a view remembers of how it was made (``_view_steps``): a tuple of ``(array method, argument)`` steps that make
# it again from its root base, or why an in-place change through it cannot be recorded (PyTorch's creation meta).
NO_GRAD_VIEW = "made in no_grad mode"
MULTI_OUTPUT_VIEW = "one of several views"  # split, chunk, unbind
OPAQUE_VIEW = None  # a view the steps cannot express (expand)


def as_view(out, base, step=OPAQUE_VIEW):
    """Mark ``out`` as a view of ``base``'s memory: they share the version counter, and ``out`` keeps ``step``
    (``(array method, argument)`` that makes it from ``base``, or a reason in-place changes through it are refused)."""
    counter = base._version_counter
    out._version_counter = counter
    out._view_version = counter[0]
    if base._base is None:
        out._base, parent = base, ()
    else:
        out._base, parent = base._base, base._view_steps
    if not GradMode.enabled:
        out._view_steps = NO_GRAD_VIEW
    elif type(parent) is not tuple:
        out._view_steps = parent
    else:
        out._view_steps = parent + (step,) if type(step) is tuple else step
    return out


def to_array(data, dtype=None):
    """Convert user data to an ndarray with PyTorch's dtype inference.

    Python floats become the default dtype (float32), ints int64, bools bool;
    ndarrays and tensors keep their dtype unless ``dtype`` is given.
    """
    np_dtype = dtypes.to_numpy_dtype(dtype)
    if isinstance(data, Tensor):
        data = data.array
    if arrays.is_array(data) and not isinstance(data, np.ndarray):
        array = arrays.array_module(data).array(data, dtype=np_dtype)  # a copy on the data's own backend
    elif isinstance(data, np.ndarray) or isinstance(data, np.generic):
        array = np.array(data, dtype=np_dtype)
    else:
        try:
            array = np.array(data, dtype=np_dtype)
        except (ValueError, TypeError) as exc:
            raise TypeError(f"tensor(): could not convert {type(data).__name__} to a tensor: {exc}") from None
        if np_dtype is None and array.dtype == np.float64:
            array = array.astype(dtypes.get_default_dtype().numpy)
        elif np_dtype is None and array.dtype == np.complex128:  # Python complex numbers: the default complex dtype
            array = array.astype(dtypes.complex_of(dtypes.get_default_dtype().numpy))
    if not dtypes.is_known(array.dtype):
        if array.dtype.kind in "iu" and np_dtype is None:
            array = array.astype(np.int64)
        else:
            raise TypeError(f"tensor(): unsupported element type {array.dtype}; expected numbers or bools "
                            f"({', '.join(d.name for d in dtypes.ALL)})")
    return arrays.from_numpy(array) if type(array) is np.ndarray else array


class Tensor(dtypes.FloatingConversions):
    """A multi-dimensional array that records the operations applied to it.

    ``array`` is the backing ndarray (DeZero's ``.data``); ``data`` is, as in
    PyTorch, a Tensor sharing that array with autograd cut out; ``grad`` the
    accumulated gradient (a Tensor); ``grad_fn`` the Function that created it
    (None for leaves).
    """

    __slots__ = ("array", "grad", "grad_fn", "_output_index", "_requires_grad", "_version_counter",
                 "_grad_accumulator", "_hooks", "_post_accumulate_grad_hooks", "name", "_base", "_view_steps", "_view_version", "__weakref__")
    __array_priority__ = 1000
    __array_ufunc__ = None  # numpy defers to our reflected operators

    def __init__(self, data=None, *sizes, requires_grad=False, name=None, dtype=None):
        xp = arrays.default_module()
        if isinstance(data, int) and not isinstance(data, bool):  # torch.Tensor(2, 3): uninitialised
            array = xp.empty((data,) + sizes, dtype=dtypes.to_numpy_dtype(dtype or dtypes.get_default_dtype()))
        elif data is None:
            array = xp.empty((0,), dtype=dtypes.get_default_dtype().numpy)
        elif arrays.is_array(data) and dtype is None and data.dtype in dtypes._BY_NUMPY:
            array = arrays.from_numpy(data) if type(data) is np.ndarray else data  # DeZero's Variable(ndarray)
        elif arrays.is_array(data) or isinstance(data, Tensor):
            array = to_array(data, dtype)
        else:  # torch.Tensor([1, 2]) is float32
            array = to_array(data, dtype or dtypes.get_default_dtype())
        init_fields(self, array)
        self.name = name
        if requires_grad:
            self.requires_grad = True

    # ----- autograd attributes -----
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if self.grad_fn is not None:
            if not value:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to "
                                   "use a computed variable in a subgraph that doesn't require differentiation "
                                   "use var_no_grad = var.detach().")
            return
        if value and not is_differentiable(self.array.dtype):
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients "
                               f"(got dtype {self.dtype})")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def creator(self):
        """DeZero's name for ``grad_fn``."""
        return self.grad_fn

    @property
    def _version(self):
        return self._version_counter[0]

    @property
    def data(self):
        """This tensor's values as a new leaf that shares the array but not the graph or the version counter.

        In-place changes through it (``p.data.add_(...)``) are invisible to autograd, as in PyTorch.
        """
        return _new(self.array)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data: expected a Tensor to assign, got {type(value).__name__} "
                            "(wrap arrays with autograd_core.as_tensor)")
        if self._requires_grad and not is_differentiable(value.array.dtype):
            raise RuntimeError(f"data: cannot assign a tensor of dtype {value.dtype} to a tensor that requires "
                               "grad (only floating point and complex tensors can require gradients)")
        self.array = value.array

    @property
    def retains_grad(self):
        return self.grad_fn is not None and bool(self._hooks) and _retain_hook in self._hooks

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if self.grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if not self.retains_grad:
            self.register_hook(_retain_hook)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        if self.grad_fn is not None:
            ref = __import__("weakref").ref(self)
            if hook is _retain_hook:
                self.grad_fn._register_tensor_hook(self._output_index, lambda g: _store_retained(ref, g))
            else:
                self.grad_fn._register_tensor_hook(self._output_index, hook)
        return _RemovableHandle(self, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(self)`` after a backward pass has accumulated into this leaf's ``.grad``."""
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._post_accumulate_grad_hooks is None:
            self._post_accumulate_grad_hooks = []
        self._post_accumulate_grad_hooks.append(hook)
        return _PostAccumulateHandle(self._post_accumulate_grad_hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``."""
        from .engine import backward
        backward([self], None if gradient is None else [gradient], retain_graph, create_graph, inputs)

    def detach(self):
        """A tensor sharing this data (and its version counter), cut from the graph."""
        t = _new(self.array)
        t._version_counter = self._version_counter
        return t

    def detach_(self):
        self.grad_fn = None
        self._requires_grad = False
        return self

    def _apply_inplace(self, func, *args, **kwargs):
        """Compute ``func(self, *args)`` out of place, write it into this tensor's array, bump its version.

        When the op is recorded, this tensor takes the new node as its ``grad_fn``
        and the node's input is an alias holding the old one, as in PyTorch; a
        view's base is rebased instead (``CopySlices``), and the view reads its
        part back from it.
        """
        op = f"{func.__name__}_"
        check_writable(self, op)
        recording = GradMode.enabled and (self._requires_grad or
                                          any(isinstance(a, Tensor) and a._requires_grad for a in args) or
                                          (self._base is not None and self._base._requires_grad))
        source = self
        if recording:
            check_in_place_target(self, op)
            if self._base is not None and self._view_version != self._version_counter[0]:
                from .ops.index import refreshed_view_node
                refreshed_view_node(self)
            source = _new(self.array, self.grad_fn, self._output_index)
            source._requires_grad, source._version_counter = self._requires_grad, self._version_counter
        result = func(source, *args, **kwargs)
        if recording and result.grad_fn is not None and result.grad_fn.keeps_saved(source):
            # the new node needs the old values: keep them in a snapshot of their own
            source.array, source._version_counter = source.array.copy(), [source._version_counter[0]]
        if result.array.shape != self.array.shape:
            raise RuntimeError(f"{op}: output with shape {list(self.array.shape)} doesn't match the "
                               f"broadcast shape {list(result.array.shape)}")
        if not np.can_cast(result.array.dtype, self.array.dtype, "same_kind"):  # dtypes: numpy's for every backend
            raise RuntimeError(f"{op}: result type {result.dtype} can't be cast to the desired "
                               f"output type {self.dtype}")
        arrays.array_module(self.array).copyto(self.array, result.array, casting="same_kind")
        self._version_counter[0] += 1
        if not recording:
            if GradMode.tracer is not None:  # onnx.export: this tensor now holds the traced result
                GradMode.tracer.alias(self, result)
            return self
        if self._base is None:
            self.grad_fn, self._output_index, self._requires_grad = result.grad_fn, result._output_index, True
        else:
            from .ops.index import rebase_history
            rebase_history(self, result.grad_fn, result._output_index)
        return self

    # ----- array attributes -----
    @property
    def shape(self):
        return Size(self.array.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self.array.shape)
        return self.array.shape[_check_dim(dim, self.array.ndim, "size")]

    @property
    def ndim(self):
        return self.array.ndim

    def dim(self):
        return self.array.ndim

    ndimension = dim

    def numel(self):
        return self.array.size

    nelement = numel

    def element_size(self):
        return self.array.itemsize

    @property
    def dtype(self):
        return dtypes._BY_NUMPY[self.array.dtype]

    @property
    def device(self):
        """The device of the array's backend: ``cpu``, or ``cuda:N`` for a CuPy array on GPU N."""
        return CPU if type(self.array) is np.ndarray else arrays.device_of(self.array)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    def is_floating_point(self):
        return is_floating(self.array.dtype)

    def is_complex(self):
        return self.array.dtype.kind == "c"

    def is_contiguous(self):
        return self.array.flags.c_contiguous

    def item(self):
        if self.array.size != 1:
            raise RuntimeError(f"a Tensor with {self.array.size} elements cannot be converted to Scalar")
        return self.array.item()

    def tolist(self):
        return self.array.tolist()

    def numpy(self, force=False):
        """The values as a numpy array: the same memory on the CPU, as PyTorch's; ``force`` copies a device's."""
        if not force:
            if self._requires_grad:
                raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                                   "instead.")
            if self.device.type != "cpu":
                raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to copy "
                                "the tensor to host memory first.")
        return arrays.to_numpy(self.array)

    def __array__(self, dtype=None, copy=None):
        array = arrays.to_numpy(self.array)
        return array if dtype is None else array.astype(dtype)

    def __len__(self):
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __iter__(self):
        if self.array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.array.shape[0]))

    def __bool__(self):
        if self.array.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous (shape {tuple(self.shape)})")
        return bool(self.array)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.array.dtype.kind not in "iub" or self.array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __hash__(self):
        return id(self)

    def __format__(self, spec):
        if self.array.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __repr__(self):
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment; detach() it first")
        copied = type(self).__new__(type(self))
        init_fields(copied, self.array.copy())
        copied._requires_grad, copied.name = self._requires_grad, self.name
        if self.grad is not None:
            copied.grad = _new(self.grad.array.copy())
        memo[id(self)] = copied
        return copied

    def __reduce_ex__(self, protocol):
        raise TypeError("Tensors are saved with autograd_core.save (no pickle), not pickled")

    # ----- dtype and device conversion -----
    def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False):
        """``to(dtype)``, ``to(device)``, ``to(tensor)`` or ``to(device, dtype)``."""
        dtype, device = to_arguments(args, dtype, device)
        moved = self
        if device is not None:
            from .ops.transfer import to_device_tensor
            moved = to_device_tensor(self, device, copy and dtype is None)
        if dtype is None or dtypes.as_dtype(dtype).numpy == self.array.dtype:
            return self.clone() if copy and moved is self else moved
        from .ops.shape import cast
        return cast(moved, dtypes.as_dtype(dtype).numpy)

    def type(self, dtype=None):
        """The legacy type name (``torch.FloatTensor``), or a copy converted to a dtype, name or legacy type."""
        if dtype is None:
            return _TYPE_NAMES.get(self.array.dtype.name, "torch.Tensor")
        if isinstance(dtype, type) and isinstance(getattr(dtype, "dtype", None), dtypes.dtype):
            dtype = dtype.dtype  # torch.DoubleTensor
        if isinstance(dtype, str) and dtype in _NAME_TYPES:
            dtype = _NAME_TYPES[dtype]
        return self.to(dtype)

    def cpu(self):
        """This tensor on the CPU (itself when it is there)."""
        return self.to(CPU)

    def cuda(self, device=None, non_blocking=False):
        """This tensor on CUDA device ``device`` (an index, a device or a string; the current device by default)."""
        return self.to(_device("cuda") if device is None else device if isinstance(device, (str, _device))
                       else _device("cuda", device))

    def long(self):
        return self.to(dtypes.int64)

    def int(self):
        return self.to(dtypes.int32)

    def bool(self):
        return self.to(dtypes.bool)


def to_arguments(args, dtype=None, device=None):
    """The ``(dtype, device)`` a ``to(...)`` call asks for (Tensor.to, Module.to); the device must be available."""
    for arg in args:
        if isinstance(arg, Tensor):
            dtype, device = arg.dtype, arg.device
        elif isinstance(arg, (str, _device)) or (isinstance(arg, int) and not isinstance(arg, bool)):
            device = arg
        else:
            dtype = arg
    if device is not None:
        device = as_device(device)
    return dtype, device


def check_writable(tensor, op):
    """Refuse, as PyTorch does, to write into a tensor whose memory is read-only (an expanded view)."""
    if not tensor.array.flags.writeable:
        raise RuntimeError(f"{op}: unsupported operation: more than one element of the written-to tensor refers to a "
                           "single memory location. Please clone() the tensor before performing the operation. (Its "
                           "memory is read-only: an expanded view.)")


def check_in_place_target(tensor, op):
    """Refuse, as PyTorch does, an in-place change to be recorded where the history cannot follow it: on a leaf
    that requires grad or a view of one, or on a view that cannot be made again from its base."""
    base = tensor._base
    if base is None:
        if tensor.grad_fn is None and tensor._requires_grad:
            raise RuntimeError(f"{op}: a leaf Variable that requires grad is being used in an in-place operation "
                               "(wrap it in no_grad(), or work on a clone)")
        return
    if base.grad_fn is None and base._requires_grad:
        raise RuntimeError(f"{op}: a view of a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    steps = tensor._view_steps
    if type(steps) is not tuple:
        raise RuntimeError(f"{op}: {_view_refusal(tensor, steps)}")


_MULTIPLE_VIEWS = ("This view is the output of a function that returns multiple views. Such functions do not allow "
                   "the output views to be modified inplace. You should replace the inplace operation by an "
                   "out-of-place one.")


def _view_refusal(view, steps):
    """PyTorch's reason for refusing a recorded in-place change through ``view``."""
    if steps == NO_GRAD_VIEW:
        return ("A view was created in no_grad mode and is being modified inplace with grad mode enabled. Given that "
                "this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both "
                "the view and the inplace either both inside the no_grad block (if you don't want the inplace to be "
                "tracked) or both outside (if you want the inplace to be tracked).")
    if steps == MULTI_OUTPUT_VIEW:
        if view.grad_fn is None:
            return ("A view was created in no_grad mode and is being modified inplace with grad mode enabled. "
                    + _MULTIPLE_VIEWS)
        op = re.sub(r"Backward\d*$", "", view.grad_fn.name())
        return f"Output {view._output_index} of {op} is a view and is being modified inplace. {_MULTIPLE_VIEWS}"
    return ("in-place change of a view that cannot be replayed from its base (an expanded view) while recording "
            "the graph; clone() it first")


# ----- the public-op boundary -----
def argument_type_error(message, culprit, expected):
    """A TypeError for an argument of the wrong type that keeps the argument (``culprit``) and what was
    ``expected`` ("Tensor", "int"), so that the public function the user called (maybe through nested ops) can
    name itself and the argument, as PyTorch's parser does."""
    error = TypeError(message)
    error.culprit, error.expected = culprit, expected
    return error


def check_tensor_arguments(namespace):
    """Make the public functions of a package's ``namespace`` (its ``globals()``) that its submodules define raise
    PyTorch's TypeError, naming the function and the argument, for an argument of the wrong type: one an argument
    check refused (``argument_type_error``), or a non-Tensor where a Tensor attribute is read.

    The wrapper costs one call on the way in; the argument is looked for only
    when the op has already failed. It belongs to the package's module, so a
    second pass (or another package importing it) leaves it as it is.
    """
    package = namespace["__name__"]
    for name, value in list(namespace.items()):
        if inspect.isfunction(value) and not name.startswith("_") and value.__module__.startswith(package + "."):
            namespace[name] = _checked(value, name, package)


def _checked(func, name, module):
    @functools.wraps(func)
    def op(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (AttributeError, TypeError) as err:
            error = _argument_error(func, name, args, kwargs, err)
            if error is None:
                raise
            raise error from None
    op.__module__, op.__qualname__ = module, name  # found again under this name (pickling, introspection)
    return op


def warn_caller(message, category=UserWarning):
    """``warnings.warn`` pointing at the user's line: the first frame outside autograd_core and the package that
    warns (a public op may be entered through its argument-checking wrapper, one frame more)."""
    frame, level = sys._getframe(1), 2  # stacklevel 2: warn_caller's caller
    packages = ("autograd_core", frame.f_globals.get("__name__", "").partition(".")[0])
    while frame.f_back is not None and frame.f_globals.get("__name__", "").partition(".")[0] in packages:
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def _argument_error(func, name, args, kwargs, err):
    """``err`` reworded for the argument of ``func`` (called as ``name``) it is about, or None when it is about none
    (None is not blamed where it is the argument's default: an op failing on it is a bug, not bad input)."""
    if isinstance(err, TypeError):
        if not hasattr(err, "culprit"):
            return None
        culprit, expected = err.culprit, err.expected
    elif isinstance(err.name, str) and hasattr(Tensor, err.name) and not isinstance(err.obj, Tensor):
        culprit, expected = err.obj, "Tensor"
    else:
        return None
    try:
        signature = inspect.signature(func)
        bound = signature.bind(*args, **kwargs)
    except (TypeError, ValueError):
        return None
    kind = type(culprit).__name__
    for position, (param, value) in enumerate(bound.arguments.items(), 1):
        parameter = signature.parameters[param]
        where = f" (position {position})" if position <= len(args) else ""
        if value is culprit and parameter.kind is not inspect.Parameter.VAR_POSITIONAL:
            if value is None and parameter.default is None:
                continue
            message = f"{name}(): argument '{param}'{where} must be {expected}, not {kind}"
        elif isinstance(value, (tuple, list)) and any(v is culprit for v in value):
            at = next(i for i, v in enumerate(value) if v is culprit)
            message = (f"{name}(): argument '{param}'{where} must be tuple of {expected}s, but found element of "
                       f"type {kind} at pos {at}")
        else:
            continue
        return argument_type_error(message, culprit, expected)
    return None


class Size(tuple):
    """``x.shape``: a tuple that prints as ``torch.Size([2, 3])``."""

    def __repr__(self):
        return f"torch.Size({list(self)})"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n


class _RemovableHandle:
    def __init__(self, tensor, hook):
        self._tensor, self._hook = tensor, hook

    def remove(self):
        hooks = self._tensor._hooks
        if hooks and self._hook in hooks:
            hooks.remove(self._hook)
        fn = self._tensor.grad_fn
        if fn is not None and fn._hooks:
            for lst in fn._hooks.values():
                if self._hook in lst:
                    lst.remove(self._hook)


class _PostAccumulateHandle:
    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _retain_hook(grad):
    """Marker hook: its presence in ``_hooks`` means ``retain_grad()`` was called."""


def _store_retained(ref, grad):
    tensor = ref()
    if tensor is not None:
        tensor.grad = grad if tensor.grad is None else tensor.grad + grad
    return None


def _check_dim(dim, ndim, op):
    """Normalise a possibly negative dim, with PyTorch's errors when it is no int or out of range."""
    n = max(ndim, 1)
    if type(dim) is not int:
        dim = int_arg(dim, op, "dim")
    if not -n <= dim < n:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def int_arg(value, op, name):
    """``value`` (an int, a numpy integer or an integer 0-d tensor) as an int; PyTorch's TypeError otherwise."""
    try:
        return operator.index(value)
    except TypeError:
        raise argument_type_error(f"{op}(): argument '{name}' must be int, not {type(value).__name__}", value,
                                  "int") from None


_TYPE_NAMES = {"float32": "torch.FloatTensor", "float64": "torch.DoubleTensor", "float16": "torch.HalfTensor",
               "bfloat16": "torch.BFloat16Tensor", "int64": "torch.LongTensor", "int32": "torch.IntTensor",
               "int16": "torch.ShortTensor", "int8": "torch.CharTensor", "uint8": "torch.ByteTensor",
               "bool": "torch.BoolTensor", "complex64": "torch.ComplexFloatTensor",
               "complex128": "torch.ComplexDoubleTensor"}  # by dtype name
_NAME_TYPES = {type_name: dtypes.as_dtype(name) for name, type_name in _TYPE_NAMES.items()}

Variable = Tensor
