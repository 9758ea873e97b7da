"""PyTorch's legacy tensor types (``torch.FloatTensor``...) and the device-kind flags of tensors.

``FloatTensor([1, 2])`` builds a float32 tensor from data, ``FloatTensor(2, 3)``
an uninitialised one of that size; ``isinstance(t, FloatTensor)`` is true for
CPU tensors of that dtype. The constructors return plain ``Tensor`` objects, as
PyTorch's do. Every tensor here lives on the CPU, so ``is_cpu`` is True and
``is_xpu``, ``is_mps``, ``is_meta``, ``is_sparse``, ``is_quantized`` and
``is_mkldnn`` are False, for tensors and for the legacy types alike.
"""
import numbers

import numpy as np

from . import dtypes
from .creation import as_tensor, empty, tensor
from .device import device as _device
from .ops._registry import tensor_method
from .tensor import Size, Tensor, _TYPE_NAMES

_KIND_FLAGS = {"is_cpu": True, "is_xpu": False, "is_mps": False, "is_meta": False, "is_sparse": False,
               "is_quantized": False, "is_mkldnn": False}


def _flag_property(name, value):
    def get(self):
        return value
    get.__name__ = name
    return property(get, doc=f"``{name}``: {value} for every tensor of this CPU build.")


def _attach_kind_flags():
    for name, value in _KIND_FLAGS.items():
        tensor_method(name)(_flag_property(name, value))


_attach_kind_flags()


class tensortype(type):
    """The type of ``FloatTensor`` and its kin: a dtype that constructs tensors and answers ``isinstance``."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.array.dtype == cls.dtype.numpy

    def __call__(cls, *args, device=None, **kwargs):
        if kwargs:
            raise TypeError(f"{cls.__name__}(): unexpected keyword argument '{next(iter(kwargs))}'; the legacy "
                            "constructors take sizes or data, and device=")
        if device is not None:
            _device(device).check_available()
        if not args:
            return empty(0, dtype=cls.dtype)
        if len(args) == 1 and isinstance(args[0], Size):
            return _uninitialised(cls, tuple(args[0]))
        if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            return _uninitialised(cls, args)
        if len(args) > 1:
            raise TypeError(f"{cls.__name__}(): expected sizes (ints) or a single sequence of data, got "
                            f"({', '.join(type(a).__name__ for a in args)})")
        return _from_data(cls, args[0])


def _uninitialised(cls, shape):
    if any(s < 0 for s in shape):
        raise RuntimeError(f"{cls.__name__}(): trying to create tensor with negative dimension {min(shape)}: "
                           f"{list(shape)}")
    return empty(shape, dtype=cls.dtype)


def _from_data(cls, data):
    """A tensor of ``cls.dtype`` from data: shares a tensor or ndarray of that dtype, copies anything else."""
    if isinstance(data, Tensor):
        if data.dtype is not cls.dtype:
            raise TypeError(f"{cls.__name__}(): expected a tensor of dtype {cls.dtype} (got {data.dtype})")
        return data[...]  # an alias: same memory and version counter
    if isinstance(data, (numbers.Number, np.generic)):
        raise TypeError(f"{cls.__name__}(): data must be a sequence (got {type(data).__name__})")
    if isinstance(data, np.ndarray):
        return as_tensor(data, dtype=cls.dtype)
    return tensor(data, dtype=cls.dtype)


def _legacy_type(name, dtype):
    namespace = dict(_KIND_FLAGS, dtype=dtype, is_cuda=False, __module__="autograd_core",
                     __doc__=f"Legacy constructor of {dtype} CPU tensors; ``isinstance`` checks the dtype.")
    return tensortype(name, (), namespace)


def _legacy_types():
    """``{"FloatTensor": FloatTensor, ...}``: one type per name of ``Tensor.type()``'s table."""
    found = {}
    for dtype_name, full_name in _TYPE_NAMES.items():
        name = full_name.rpartition(".")[2]
        found[name] = _legacy_type(name, dtypes.as_dtype(dtype_name))
    return found


_LEGACY_TYPES = _legacy_types()
globals().update(_LEGACY_TYPES)

__all__ = list(_LEGACY_TYPES)
