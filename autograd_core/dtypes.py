"""PyTorch-style dtype objects (``torch.float32``...) mapped onto numpy dtypes.

numpy's bfloat16 comes from ml_dtypes, which takes most of a second to import: it is
loaded when bfloat16 is first asked for (``torch.bfloat16.numpy``, an array of that dtype).
"""
import builtins
import functools
import numbers
import sys

import numpy as np


_BFLOAT16 = None  # numpy's bfloat16 dtype, once ml_dtypes is loaded (load_bfloat16)


class dtype:
    """A tensor element type; ``numpy`` is the numpy dtype that stores it."""

    __slots__ = ("name", "numpy", "is_floating_point", "is_complex", "is_signed", "itemsize")

    def __init__(self, name):
        self.name = name
        self.numpy = np.dtype(name)
        self.is_floating_point = self.numpy.kind == "f" or self.numpy == _BFLOAT16
        self.is_complex = self.numpy.kind == "c"
        self.is_signed = self.is_floating_point or self.numpy.kind in "ic"
        self.itemsize = self.numpy.itemsize

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))


class _Bfloat16(dtype):
    """``torch.bfloat16``: its numpy dtype is ml_dtypes', imported on first use."""

    __slots__ = ()

    def __init__(self):
        self.name, self.is_floating_point, self.is_complex, self.is_signed, self.itemsize = \
            "bfloat16", True, False, True, 2

    @property
    def numpy(self):
        return load_bfloat16()


float16 = half = dtype("float16")
bfloat16 = _Bfloat16()
float32 = float = dtype("float32")
float64 = double = dtype("float64")
uint8 = dtype("uint8")
int8 = dtype("int8")
int16 = short = dtype("int16")
int32 = int = dtype("int32")
int64 = long = dtype("int64")
bool = dtype("bool")
complex64 = cfloat = dtype("complex64")
complex128 = cdouble = dtype("complex128")

ALL = (float16, bfloat16, float32, float64, uint8, int8, int16, int32, int64, bool, complex64, complex128)
_BY_NUMPY = {d.numpy: d for d in ALL if d is not bfloat16}
_BY_NAME = {d.name: d for d in ALL}
_PYTHON_TYPES = {builtins.float: float64, builtins.int: int64, builtins.bool: bool, builtins.complex: complex128}
_default = [float32]
_FLOATING = {d.numpy for d in ALL if d.is_floating_point and d is not bfloat16}
_DIFFERENTIABLE = _FLOATING | {complex64.numpy, complex128.numpy}


def load_bfloat16():
    """numpy's bfloat16 dtype (importing ml_dtypes the first time), now known to every dtype table."""
    global _BFLOAT16
    if _BFLOAT16 is None:
        import ml_dtypes
        found = np.dtype(ml_dtypes.bfloat16)
        _BY_NUMPY[found] = bfloat16
        _FLOATING.add(found)
        _DIFFERENTIABLE.add(found)
        _BFLOAT16 = found
    return _BFLOAT16


def is_known(np_dtype):
    """Whether numpy dtype ``np_dtype`` has a tensor dtype (a bfloat16 array made by ml_dtypes loads ours)."""
    if np_dtype in _BY_NUMPY:
        return True
    if np_dtype.name == "bfloat16" and "ml_dtypes" in sys.modules:
        load_bfloat16()
        return np_dtype in _BY_NUMPY
    return False


def is_bfloat16(np_dtype):
    """Whether numpy dtype ``np_dtype`` is bfloat16 (False, without importing ml_dtypes, until it is loaded)."""
    return _BFLOAT16 is not None and np_dtype == _BFLOAT16


def is_floating(np_dtype):
    """Whether numpy dtype ``np_dtype`` is one of the tensor floating dtypes (bfloat16's numpy kind is "V")."""
    return np_dtype in _FLOATING


def is_differentiable(np_dtype):
    """Whether tensors of numpy dtype ``np_dtype`` can require grad and be recorded: floating or complex."""
    return np_dtype in _DIFFERENTIABLE


def complex_of(np_dtype):
    """The complex numpy dtype whose parts are of real dtype ``np_dtype`` (complex64 below float64)."""
    return complex128.numpy if np_dtype == np.float64 else complex64.numpy


def real_of(np_dtype):
    """The real numpy dtype of complex ``np_dtype``'s parts (float64 for complex128, float32 for complex64)."""
    return np.dtype(np.float64) if np_dtype == complex128.numpy else np.dtype(np.float32)


def computes_bfloat16_in_float32(forward):
    """Decorates a Function's ``forward``: bfloat16 arrays are computed in float32 and the results rounded once
    to bfloat16, as PyTorch's CPU kernels do (numpy would round after every step and accumulate sums in bfloat16).
    """
    @functools.wraps(forward)
    def widened(self, *arrays):
        if not is_bfloat16(arrays[0].dtype):  # inputs share the first one's dtype
            return forward(self, *arrays)
        ys = forward(self, *[a.astype(np.float32) if a is not None and a.dtype == _BFLOAT16 else a for a in arrays])
        if type(ys) is tuple:
            return tuple(y.astype(_BFLOAT16) if y.dtype == np.float32 else y for y in ys)
        return ys.astype(_BFLOAT16) if ys.dtype == np.float32 else ys
    return widened


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
    if isinstance(value, str) and value in _BY_NAME:  # "bfloat16" too, before numpy knows the name
        return _BY_NAME[value]
    try:
        np_dtype = np.dtype(value)
    except (TypeError, ValueError):
        np_dtype = None
    if np_dtype is None or not is_known(np_dtype):
        raise TypeError(f"unsupported dtype {value!r}; expected one of " + ", ".join(repr(d) for d in ALL))
    return _BY_NUMPY[np_dtype]


def from_numpy_dtype(np_dtype):
    if not is_known(np_dtype):
        raise TypeError(f"numpy dtype {np_dtype} has no tensor equivalent; expected one of "
                        + ", ".join(d.name for d in ALL))
    return _BY_NUMPY[np_dtype]


def to_numpy_dtype(value):
    return None if value is None else as_dtype(value).numpy


def _category(np_dtype):
    return 2 if np_dtype in _FLOATING else (0 if np_dtype.kind == "b" else 3 if np_dtype.kind == "c" else 1)


def _scalar_category(value):
    """bool < integer < float < complex for Python and numpy scalars."""
    if isinstance(value, (builtins.bool, np.bool_)):
        return 0
    if isinstance(value, (builtins.complex, np.complexfloating)):
        return 3
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
        loser = ranks[1] if winner is ranks[0] else ranks[0]
        if winner[0] == 3 and loser[0] == 2 and loser[1] >= winner[1]:  # complex keeps the float tensor's precision
            same_tier = loser[1] == winner[1]
            return complex_of(np.promote_types(loser[2], real_of(winner[2])) if same_tier else loser[2])
        if winner[2] is None:  # a scalar of a higher category than the tensor
            return _category_default(winner[0])
        return winner[2]
    if da is None:
        return _category_default(ca)
    return np.promote_types(da, db)


def _category_default(category):
    """The dtype a category takes from Python scalars alone: bool, int64, the default float, its complex."""
    if category == 3:
        return complex_of(_default[0].numpy)
    return (np.dtype(np.bool_), np.dtype(np.int64), _default[0].numpy)[category]


class FloatingConversions:
    """``float()``, ``double()``, ``half()``: shortcuts for ``self.to(dtype)`` shared by Tensor and nn.Module."""

    __slots__ = ()

    def float(self):
        return self.to(float32)

    def double(self):
        return self.to(float64)

    def half(self):
        return self.to(float16)

    def bfloat16(self):
        return self.to(bfloat16)


if "ml_dtypes" in sys.modules:  # already paid for: bfloat16 arrays may exist
    load_bfloat16()
