"""Creation ops: tensor, as_tensor, from_numpy, zeros, ones, full, empty, arange, linspace, eye and *_like."""
import numbers

import numpy as np

from . import _backend, dtypes
from .device import device as _device
from .tensor import Tensor, _new, to_array
from .ops._util import shape_arg
from .ops._registry import tensor_method

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "arange", "linspace",
           "logspace", "eye", "zeros_like", "ones_like", "full_like", "empty_like", "is_tensor", "numel"]


def _finish(array, requires_grad, device=None):
    """A new leaf holding ``array`` (a host numpy array is moved to the default backend)."""
    if device is not None:
        _device(device).check_available()
    t = _new(_backend.from_numpy(array) if type(array) is np.ndarray else array)
    if requires_grad:
        t.requires_grad = True
    return t


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (floats -> float32, ints -> int64, bools -> bool)."""
    return _finish(to_array(data, dtype), requires_grad, device)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with an ndarray or tensor of the right dtype."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtypes.as_dtype(dtype)):
        return data
    if _backend.is_array(data) and (dtype is None or data.dtype == dtypes.to_numpy_dtype(dtype)) \
            and data.dtype in dtypes._BY_NUMPY:
        return _finish(data, False, device)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array):
    """A tensor sharing memory with ``array``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expected np.ndarray (got {type(array).__name__})")
    dtypes.from_numpy_dtype(array.dtype)
    return _new(array)


def _filled(shape, value, dtype, requires_grad, device, op):
    shape = shape_arg(shape, op)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"{op}: trying to create tensor with negative dimension: {list(shape)}")
    xp = _backend.default_module()
    return _finish(xp.full(shape, value, dtype=dtypes.to_numpy_dtype(dtype)), requires_grad, device)


def _default(dtype):
    return dtype if dtype is not None else dtypes.get_default_dtype()


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    return _filled(size, 0, _default(dtype), requires_grad, device, "zeros")


def ones(*size, dtype=None, device=None, requires_grad=False, out=None):
    return _filled(size, 1, _default(dtype), requires_grad, device, "ones")


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _filled(size, 0, _default(dtype), requires_grad, device, "empty")


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = dtypes.bool if isinstance(fill_value, bool) else (
            dtypes.int64 if isinstance(fill_value, numbers.Integral) else dtypes.get_default_dtype())
    return _filled((size,) if isinstance(size, int) else size, fill_value, dtype, requires_grad, device, "full")


def zeros_like(input, *, dtype=None, device=None, requires_grad=False):
    return _filled(input.array.shape, 0, dtype or input.dtype, requires_grad, device, "zeros_like")


def ones_like(input, *, dtype=None, device=None, requires_grad=False):
    return _filled(input.array.shape, 1, dtype or input.dtype, requires_grad, device, "ones_like")


def empty_like(input, *, dtype=None, device=None, requires_grad=False):
    return _filled(input.array.shape, 0, dtype or input.dtype, requires_grad, device, "empty_like")


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    return _filled(input.array.shape, fill_value, dtype or input.dtype, requires_grad, device, "full_like")


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Values from ``start`` to ``end`` (exclusive); integer arguments give int64."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and larger bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    if dtype is None:
        integral = all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = dtypes.int64 if integral else dtypes.get_default_dtype()
    np_dtype = dtypes.to_numpy_dtype(dtype)
    count = int(np.ceil((end - start) / step))
    return _finish((start + step * np.arange(count, dtype=np.float64)).astype(np_dtype)
                   if np_dtype.kind == "f" else np.arange(start, end, step, dtype=np_dtype), requires_grad, device)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    dt = dtypes.to_numpy_dtype(_default(dtype))
    return _finish(np.linspace(start, end, steps, dtype=np.float64).astype(dt), requires_grad, device)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    dt = dtypes.to_numpy_dtype(_default(dtype))
    return _finish(np.logspace(start, end, steps, base=base, dtype=np.float64).astype(dt), requires_grad, device)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.eye(n, m, dtype=dtypes.to_numpy_dtype(_default(dtype))), requires_grad, device)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.array.size


@tensor_method()
def new_tensor(self, data, *, dtype=None, requires_grad=False):
    return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)


@tensor_method()
def new_zeros(self, *size, dtype=None, requires_grad=False):
    return zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)


@tensor_method()
def new_ones(self, *size, dtype=None, requires_grad=False):
    return ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)


@tensor_method()
def new_full(self, size, fill_value, *, dtype=None, requires_grad=False):
    return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)


@tensor_method()
def new_empty(self, *size, dtype=None, requires_grad=False):
    return empty(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)
