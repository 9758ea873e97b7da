"""PyTorch-style dtype objects (``torch.float32``...) mapped onto numpy dtypes."""
import builtins
import numbers

import numpy as np


class dtype:
    """A tensor element type; ``numpy`` is the numpy dtype that stores it."""

    __slots__ = ("name", "numpy", "is_floating_point", "is_signed", "itemsize")

    def __init__(self, name):
        self.name = name
        self.numpy = np.dtype(name)
        self.is_floating_point = self.numpy.kind == "f"
        self.is_signed = self.numpy.kind in "fi"
        self.itemsize = self.numpy.itemsize

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))


float16 = half = dtype("float16")
float32 = float = dtype("float32")
float64 = double = dtype("float64")
uint8 = dtype("uint8")
int8 = dtype("int8")
int16 = short = dtype("int16")
int32 = int = dtype("int32")
int64 = long = dtype("int64")
bool = dtype("bool")

ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool)
_BY_NUMPY = {d.numpy: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_PYTHON_TYPES = {builtins.float: float64, builtins.int: int64, builtins.bool: bool}
_default = [float32]


def _by_name(name):
    return _BY_NAME[name]


def get_default_dtype():
    """The dtype Python floats become (float32 unless changed)."""
    return _default[0]


def set_default_dtype(d):
    d = as_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype only supports floating point dtypes, got {d}")
    _default[0] = d


def as_dtype(value):
    """Accept a project dtype, a numpy dtype or type, a name, or a Python type."""
    if isinstance(value, dtype):
        return value
    if value in _PYTHON_TYPES:
        return _PYTHON_TYPES[value]
    try:
        return _BY_NUMPY[np.dtype(value)]
    except (TypeError, KeyError, ValueError):
        raise TypeError(f"unsupported dtype {value!r}; expected one of "
                        + ", ".join(repr(d) for d in ALL)) from None


def from_numpy_dtype(np_dtype):
    try:
        return _BY_NUMPY[np_dtype]
    except KeyError:
        raise TypeError(f"numpy dtype {np_dtype} has no tensor equivalent; expected one of "
                        + ", ".join(d.name for d in ALL)) from None


def to_numpy_dtype(value):
    return None if value is None else as_dtype(value).numpy


def _category(np_dtype):
    kind = np_dtype.kind
    return 2 if kind == "f" else (0 if kind == "b" else 1)


def _scalar_category(value):
    """bool < integer < float for Python and numpy scalars."""
    if isinstance(value, (builtins.bool, np.bool_)):
        return 0
    return 1 if isinstance(value, numbers.Integral) else 2


def result_type(a, b):
    """PyTorch's type promotion for two operands (arrays of any backend, or Python and numpy scalars).

    Within a category (bool < integer < float) dimensioned tensors decide over
    0-d tensors, which decide over scalars; a higher category always wins, and
    a float result from non-float tensors is the default dtype.
    """
    ranks = []
    for v in (a, b):
        if isinstance(v, (numbers.Number, np.generic)):
            ranks.append((_scalar_category(v), 0, None))
        else:  # an array: anything with a dtype and a rank
            ranks.append((_category(v.dtype), 2 if v.ndim else 1, v.dtype))
    (ca, pa, da), (cb, pb, db) = ranks
    if ca != cb or pa != pb:
        winner = ranks[0] if (ca, pa) > (cb, pb) else ranks[1]
        if winner[2] is None:  # a scalar of a higher category than the tensor
            return (np.dtype(np.bool_), np.dtype(np.int64), _default[0].numpy)[winner[0]]
        return winner[2]
    if da is None:
        return (np.dtype(np.bool_), np.dtype(np.int64), _default[0].numpy)[ca]
    return np.promote_types(da, db)


class FloatingConversions:
    """``float()``, ``double()``, ``half()``: shortcuts for ``self.to(dtype)`` shared by Tensor and nn.Module."""

    __slots__ = ()

    def float(self):
        return self.to(float32)

    def double(self):
        return self.to(float64)

    def half(self):
        return self.to(float16)
