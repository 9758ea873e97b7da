"""Creation ops: tensor, as_tensor, from_numpy, zeros, ones, full, empty, arange, linspace, eye and *_like.

Arrays are made by the default backend's module (or on the host, then moved with
``from_numpy``), and by the device's backend (or copied there) for ``device="cuda"``;
``device=`` is checked first, and ``out=`` is honoured as PyTorch does.
"""
import contextlib
import numbers

import numpy as np

from .dtypes import is_floating
from . import arrays, dtypes
from .device import CPU, as_device, get_default_device
from .tensor import Tensor, _new, argument_type_error, int_arg, to_array
from .ops._util import shape_arg, write_out, _SCALAR_TYPE_NAMES
from .ops._registry import tensor_method

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "arange", "linspace",
           "logspace", "eye", "zeros_like", "ones_like", "full_like", "empty_like", "is_tensor", "numel"]


def check_device(device):
    """The device ``device`` names, checked (PyTorch's error where tensors cannot live); None for the CPU when
    ``device`` is None and the default device (``set_default_device``) is the CPU."""
    if device is None:
        device = get_default_device()
        return None if device is CPU else device
    return as_device(device)


def _making_on(target):
    """Where arrays made from nothing go: ``target``'s device (None: the default backend)."""
    return contextlib.nullcontext() if target is None else arrays.device_backend(target.type).on(target.index)


def _finish(array, requires_grad, target=None):
    """A new leaf holding ``array`` (a host numpy array is moved to the default backend), on ``target``."""
    if type(array) is np.ndarray:
        array = arrays.from_numpy(array)
    t = _new(array if target is None else arrays.to_device(array, target))
    if requires_grad:
        t.requires_grad = True
    return t


def _dtype_for_out(dtype, out):
    """The dtype a factory writing into ``out`` makes: ``out``'s, which an explicit ``dtype`` must equal."""
    if not isinstance(out, Tensor):
        return dtype  # write_out raises PyTorch's TypeError
    if dtype is not None and dtypes.as_dtype(dtype) != out.dtype:
        raise RuntimeError(f"dtype {_SCALAR_TYPE_NAMES[dtypes.as_dtype(dtype).numpy.name]} does not match dtype "
                           f"of out parameter ({_SCALAR_TYPE_NAMES[out.array.dtype.name]})")
    return out.dtype


def factory(op, make, dtype, requires_grad, device, out):
    """What every factory shares: the device check, then ``make(dtype)`` (an array) as a new leaf, or in ``out``.

    With ``out`` the values are made in ``out``'s dtype and ``requires_grad`` does not apply, as in PyTorch.
    """
    target = check_device(device)
    with _making_on(target):
        if out is None:
            return _finish(make(dtype), requires_grad, target)
        return write_out(op, _finish(make(_dtype_for_out(dtype, out)), False, target), out)


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (floats -> float32, ints -> int64, bools -> bool)."""
    return _finish(to_array(data, dtype), requires_grad, check_device(device))


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with an ndarray or tensor of the right dtype."""
    if type(data) is np.ndarray and dtype is None and device is None and data.dtype in dtypes._BY_NUMPY \
            and arrays.default_backend() is arrays.NUMPY:
        return _new(data)  # the common case, kept fast: ops and nn.functional wrap their arrays with it
    target = check_device(device)
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtypes.as_dtype(dtype)):
        return data if target is None else data.to(target)
    if arrays.is_array(data) and (dtype is None or data.dtype == dtypes.to_numpy_dtype(dtype)) \
            and data.dtype in dtypes._BY_NUMPY:
        return _finish(data, False, target)
    return tensor(data, dtype=dtype, device=target)


def from_numpy(array):
    """A tensor of ``array``'s values on the default backend (sharing its memory on the CPU)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expected np.ndarray (got {type(array).__name__})")
    dtypes.from_numpy_dtype(array.dtype)
    return _new(arrays.from_numpy(array))


def _filled(size, value, dtype, default, requires_grad, device, out, op):
    """A tensor of shape ``size`` filled with ``value``, of ``dtype`` (``default`` when None), on ``device``."""
    shape = shape_arg(size, op)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"{op}: trying to create tensor with negative dimension: {list(shape)}")
    target = check_device(device)
    xp = arrays.device_backend(target.type).xp if target is not None else arrays.default_module()
    return factory(op, lambda dt: xp.full(shape, value, dtype=dtypes.to_numpy_dtype(dt or default)),
                   dtype, requires_grad, target, out)


def zeros(*size, out=None, dtype=None, device=None, requires_grad=False):
    return _filled(size, 0, dtype, dtypes.get_default_dtype(), requires_grad, device, out, "zeros")


def ones(*size, out=None, dtype=None, device=None, requires_grad=False):
    return _filled(size, 1, dtype, dtypes.get_default_dtype(), requires_grad, device, out, "ones")


def empty(*size, out=None, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _filled(size, 0, dtype, dtypes.get_default_dtype(), requires_grad, device, out, "empty")


def full(size, fill_value, *, out=None, dtype=None, device=None, requires_grad=False):
    """A tensor of ``size`` filled with ``fill_value``; its dtype follows the value (bool, int64, float)."""
    default = dtypes.bool if isinstance(fill_value, bool) else (
        dtypes.int64 if isinstance(fill_value, numbers.Integral) else dtypes.get_default_dtype())
    return _filled((size,) if isinstance(size, int) else size, fill_value, dtype, default, requires_grad, device,
                   out, "full")


def _same_device(input, device):
    """``device``, or ``input``'s device when None (the CPU's default stays None)."""
    return input.device if device is None and type(input.array) is not np.ndarray else device


def _like(input, value, dtype, requires_grad, device, op):
    """A tensor shaped as ``input`` and on its device (or ``device``), filled with ``value``."""
    return _filled(input.array.shape, value, dtype, input.dtype, requires_grad, _same_device(input, device), None,
                   op)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False):
    return _like(input, 0, dtype, requires_grad, device, "zeros_like")


def ones_like(input, *, dtype=None, device=None, requires_grad=False):
    return _like(input, 1, dtype, requires_grad, device, "ones_like")


def empty_like(input, *, dtype=None, device=None, requires_grad=False):
    return _like(input, 0, dtype, requires_grad, device, "empty_like")


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    return _like(input, fill_value, dtype, requires_grad, device, "full_like")


def arange(start, end=None, step=1, *, out=None, dtype=None, device=None, requires_grad=False):
    """Values from ``start`` to ``end`` (exclusive); integer arguments give int64."""
    if end is None:
        start, end = 0, start
    start, end, step = (_number(v, "arange", name) for v, name in ((start, "start"), (end, "end"), (step, "step")))
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and larger bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    integral = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    count = int(np.ceil((end - start) / step))

    def make(dtype):
        np_dtype = dtypes.to_numpy_dtype(dtype or (dtypes.int64 if integral else dtypes.get_default_dtype()))
        xp = arrays.default_module()
        if is_floating(np_dtype):  # computed in float64 as start + i * step, as PyTorch does
            return (start + step * xp.arange(count, dtype=np.float64)).astype(np_dtype)
        return xp.arange(start, end, step, dtype=np_dtype)
    return factory("arange", make, dtype, requires_grad, device, out)


def _number(value, op, name):
    """A range bound or step as a Python number (a 0-d tensor gives its value); PyTorch's TypeError otherwise."""
    if isinstance(value, Tensor) and value.ndim == 0:
        return value.item()
    if not isinstance(value, numbers.Number):
        raise argument_type_error(f"{op}(): argument '{name}' must be Number, not {type(value).__name__}", value,
                                  "Number")
    return value


def _steps(steps, op):
    """linspace's and logspace's ``steps``: a non-negative int."""
    steps = int_arg(steps, op, "steps")
    if steps < 0:
        raise RuntimeError(f"{op}: number of steps must be non-negative, got {steps}")
    return steps


def linspace(start, end, steps, *, out=None, dtype=None, device=None, requires_grad=False):
    steps = _steps(steps, "linspace")
    return factory("linspace", lambda dt: arrays.default_module().linspace(start, end, steps, dtype=np.float64)
                   .astype(dtypes.to_numpy_dtype(dt or dtypes.get_default_dtype())), dtype, requires_grad, device, out)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, device=None, requires_grad=False):
    steps = _steps(steps, "logspace")
    return factory("logspace", lambda dt: arrays.default_module().logspace(start, end, steps, base=base,
                                                                             dtype=np.float64)
                   .astype(dtypes.to_numpy_dtype(dt or dtypes.get_default_dtype())), dtype, requires_grad, device, out)


def eye(n, m=None, *, out=None, dtype=None, device=None, requires_grad=False):
    n, m = _eye_size(n, "n"), None if m is None else _eye_size(m, "m")
    return factory("eye", lambda dt: arrays.default_module().eye(
        n, m, dtype=dtypes.to_numpy_dtype(dt or dtypes.get_default_dtype())), dtype, requires_grad, device, out)


def _eye_size(value, name):
    """eye's ``n`` or ``m``: a non-negative int."""
    size = int_arg(value, "eye", name)
    if size < 0:
        raise RuntimeError(f"eye: {name} must be greater or equal to 0, got {size}")
    return size


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.array.size


@tensor_method()
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    return tensor(data, dtype=dtype or self.dtype, device=_same_device(self, device), requires_grad=requires_grad)


@tensor_method()
def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    return zeros(*size, dtype=dtype or self.dtype, device=_same_device(self, device), requires_grad=requires_grad)


@tensor_method()
def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    return ones(*size, dtype=dtype or self.dtype, device=_same_device(self, device), requires_grad=requires_grad)


@tensor_method()
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return full(size, fill_value, dtype=dtype or self.dtype, device=_same_device(self, device),
                requires_grad=requires_grad)


@tensor_method()
def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    return empty(*size, dtype=dtype or self.dtype, device=_same_device(self, device), requires_grad=requires_grad)
