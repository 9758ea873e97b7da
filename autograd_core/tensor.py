"""Tensor (also called Variable): an ndarray plus what autograd needs to know about it.

This file holds the class, its attributes and the methods that are not ops;
each op family in ``ops/`` attaches its methods (``x.exp()``, ``x + y``...).
"""
import numpy as np

from . import dtypes
from . import arrays
from .device import device as _device, CPU
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
    t.name = None
    t._base = None
    return t


def _new(data, grad_fn=None, output_index=0):
    """Wrap an ndarray without checks (the hot path of every op)."""
    return init_fields(object.__new__(Tensor), data, grad_fn, output_index)


def as_view(out, base):
    """Mark ``out`` as a view of ``base``'s memory: they share the version counter."""
    out._version_counter = base._version_counter
    out._base = base if base._base is None else base._base
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
    if array.dtype not in dtypes._BY_NUMPY:
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
                 "_grad_accumulator", "_hooks", "name", "_base", "__weakref__")
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
        if value and self.array.dtype.kind != "f":
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
        if self._requires_grad and value.array.dtype.kind != "f":
            raise RuntimeError(f"data: cannot assign a tensor of dtype {value.dtype} to a tensor that requires "
                               "grad (only floating point tensors can require gradients)")
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
        and the node's input is an alias holding the old one, as in PyTorch.
        """
        recording = GradMode.enabled and (self._requires_grad or
                                          any(isinstance(a, Tensor) and a._requires_grad for a in args))
        source = self
        if recording:
            check_in_place_target(self, f"{func.__name__}_")
            source = _new(self.array, self.grad_fn, self._output_index)
            source._requires_grad, source._version_counter = self._requires_grad, self._version_counter
        result = func(source, *args, **kwargs)
        if recording and _saved_by(result.grad_fn, source):
            # the new node needs the old values: keep them in a snapshot of their own
            source.array, source._version_counter = source.array.copy(), [source._version_counter[0]]
        if result.array.shape != self.array.shape:
            raise RuntimeError(f"{func.__name__}_: output with shape {list(self.array.shape)} doesn't match the "
                               f"broadcast shape {list(result.array.shape)}")
        if not np.can_cast(result.array.dtype, self.array.dtype, "same_kind"):  # dtypes: numpy's for every backend
            raise RuntimeError(f"{func.__name__}_: result type {result.dtype} can't be cast to the desired "
                               f"output type {self.dtype}")
        if not self.array.flags.writeable:
            raise RuntimeError(f"{func.__name__}_: this tensor is a read-only (expanded) view; clone() it first")
        arrays.array_module(self.array).copyto(self.array, result.array, casting="same_kind")
        self._version_counter[0] += 1
        if recording:
            self.grad_fn, self._output_index, self._requires_grad = result.grad_fn, result._output_index, True
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
        return CPU

    @property
    def is_cuda(self):
        return False

    def is_floating_point(self):
        return self.array.dtype.kind == "f"

    def is_contiguous(self):
        return self.array.flags.c_contiguous

    def item(self):
        if self.array.size != 1:
            raise RuntimeError(f"a Tensor with {self.array.size} elements cannot be converted to Scalar")
        return self.array.item()

    def tolist(self):
        return self.array.tolist()

    def numpy(self, force=False):
        """The values as a numpy array: the same memory on the CPU, as PyTorch's."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
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
        if dtype is None or dtypes.as_dtype(dtype).numpy == self.array.dtype:
            return self.clone() if copy else self
        from .ops.shape import cast
        return cast(self, dtypes.as_dtype(dtype).numpy)

    def type(self, dtype=None):
        """The legacy type name (``torch.FloatTensor``), or a copy converted to a dtype, name or legacy type."""
        if dtype is None:
            return _TYPE_NAMES.get(self.array.dtype, "torch.Tensor")
        if isinstance(dtype, type) and isinstance(getattr(dtype, "dtype", None), dtypes.dtype):
            dtype = dtype.dtype  # torch.DoubleTensor
        if isinstance(dtype, str) and dtype in _NAME_TYPES:
            dtype = _NAME_TYPES[dtype]
        return self.to(dtype)

    def cpu(self):
        return self

    def cuda(self, device=None):
        _device("cuda").check_available()

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
            dtype = arg.dtype
        elif isinstance(arg, (str, _device)):
            device = arg
        else:
            dtype = arg
    if device is not None:
        _device(device).check_available()
    return dtype, device


def check_in_place_target(tensor, op):
    """Refuse, as PyTorch does, an in-place change to be recorded on a leaf that requires grad or on a view."""
    if tensor.grad_fn is None and tensor._requires_grad:
        raise RuntimeError(f"{op}: a leaf Variable that requires grad is being used in an in-place operation "
                           "(wrap it in no_grad(), or work on a clone)")
    if tensor._base is not None:
        raise RuntimeError(f"{op}: in-place change of a view (a slice, reshape or split piece) while recording the "
                           "graph is not supported: the base tensor's gradient history would miss it. Use an "
                           "out-of-place op, or assign through the base (base[index] = value).")


def _saved_by(node, tensor):
    """Whether ``node`` saved ``tensor`` itself for its backward."""
    saved = getattr(node, "_saved", None) if node is not None else None
    return bool(saved) and any(t is tensor for t in saved)


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


def _retain_hook(grad):
    """Marker hook: its presence in ``_hooks`` means ``retain_grad()`` was called."""


def _store_retained(ref, grad):
    tensor = ref()
    if tensor is not None:
        tensor.grad = grad if tensor.grad is None else tensor.grad + grad
    return None


def _check_dim(dim, ndim, op):
    """Normalise a possibly negative dim, with PyTorch's error when out of range."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


_TYPE_NAMES = {np.dtype(np.float32): "torch.FloatTensor", np.dtype(np.float64): "torch.DoubleTensor",
               np.dtype(np.float16): "torch.HalfTensor", np.dtype(np.int64): "torch.LongTensor",
               np.dtype(np.int32): "torch.IntTensor", np.dtype(np.int16): "torch.ShortTensor",
               np.dtype(np.int8): "torch.CharTensor", np.dtype(np.uint8): "torch.ByteTensor",
               np.dtype(np.bool_): "torch.BoolTensor"}
_NAME_TYPES = {name: dtypes.from_numpy_dtype(dt) for dt, name in _TYPE_NAMES.items()}

Variable = Tensor
