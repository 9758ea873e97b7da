"""Comparisons, logical and bitwise ops: bool (or integer) results that never carry a gradient.

These work on the arrays directly (no graph node). Python numbers compare weakly, as in
PyTorch: ``float32_tensor == 0.1`` compares in float32; two tensors compare in their
promoted dtype.
"""
import numbers

import numpy as np

from .. import dtypes
from .._backend import as_array
from ..tensor import Tensor, _new
from ._registry import tensor_method, inplace_method
from ._util import broadcast_error

__all__ = ["eq", "ne", "not_equal", "lt", "less", "le", "less_equal", "gt", "greater", "ge", "greater_equal",
           "isclose", "allclose", "equal", "logical_and", "logical_or", "logical_xor", "logical_not",
           "isnan", "isinf", "isposinf", "isneginf", "isfinite",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not"]

_OPERANDS = (Tensor, numbers.Number, np.ndarray, np.generic)


def _arrays(input, other, op):
    """The operands' arrays: a Python number stays a scalar, two tensors meet at their promoted dtype."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be a Tensor, not {type(input).__name__}")
    a = input.array
    if isinstance(other, Tensor):
        b = other.array
    elif isinstance(other, (np.ndarray, np.generic)):
        b = np.asarray(other)
    elif isinstance(other, numbers.Number):
        return a, other
    else:
        raise TypeError(f"{op}(): argument 'other' must be a Tensor or a number, not {type(other).__name__}")
    if a.dtype != b.dtype:
        target = dtypes.result_type(a, b)
        a, b = a.astype(target, copy=False), b.astype(target, copy=False)
    return a, b


def _apply(ufunc, input, other, op):
    a, b = _arrays(input, other, op)
    try:
        return _new(as_array(ufunc(a, b)))
    except ValueError:
        raise broadcast_error(op, _new(np.asarray(a)), _new(np.asarray(b))) from None


def _binary(ufunc, name, *aliases, dunder=None):
    """``torch.<name>(input, other)`` and ``Tensor.<name>``; ``dunder`` gets a form that defers on odd types."""
    def op(input, other):
        return _apply(ufunc, input, other, name)
    op.__name__ = name
    op.__doc__ = f"Elementwise ``{ufunc.__name__}`` with broadcasting; a bool tensor."
    tensor_method(name, *aliases)(op)
    if dunder:
        def method(self, other):
            if not isinstance(other, _OPERANDS):
                return NotImplemented  # so `t == None` is False and `t < None` a TypeError, as in PyTorch
            return op(self, other)
        method.__name__ = dunder
        setattr(Tensor, dunder, method)
    return op


eq = _binary(np.equal, "eq", dunder="__eq__")
ne = not_equal = _binary(np.not_equal, "ne", "not_equal", dunder="__ne__")
lt = less = _binary(np.less, "lt", "less", dunder="__lt__")
le = less_equal = _binary(np.less_equal, "le", "less_equal", dunder="__le__")
gt = greater = _binary(np.greater, "gt", "greater", dunder="__gt__")
ge = greater_equal = _binary(np.greater_equal, "ge", "greater_equal", dunder="__ge__")
logical_and = _binary(np.logical_and, "logical_and")
logical_or = _binary(np.logical_or, "logical_or")
logical_xor = _binary(np.logical_xor, "logical_xor")


def _unary(ufunc, name):
    def op(input):
        return _new(as_array(ufunc(input.array)))
    op.__name__ = name
    op.__doc__ = f"Elementwise ``{ufunc.__name__}``; a bool tensor."
    tensor_method(name)(op)
    return op


logical_not = _unary(np.logical_not, "logical_not")
isnan = _unary(np.isnan, "isnan")
isinf = _unary(np.isinf, "isinf")
isposinf = _unary(np.isposinf, "isposinf")
isneginf = _unary(np.isneginf, "isneginf")
isfinite = _unary(np.isfinite, "isfinite")


@tensor_method()
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``|input - other| <= atol + rtol * |other|`` elementwise (equal infinities are close)."""
    if isinstance(other, Tensor) and other.array.dtype != input.array.dtype:
        raise RuntimeError(f"isclose(): expected both tensors to have the same dtype, got {input.dtype} "
                           f"and {other.dtype}")
    return _apply(lambda a, b: np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan), input, other,
                  "isclose")


@tensor_method()
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when every element of ``input`` is close to ``other`` (see ``isclose``); a Python bool."""
    return bool(isclose(input, other, rtol, atol, equal_nan).array.all())


@tensor_method()
def equal(input, other):
    """True when both tensors have the same shape and elements; a Python bool."""
    a, b = _arrays(input, other, "equal")
    return np.shape(a) == np.shape(b) and bool(np.all(a == b))


# ----- bitwise: integer and bool tensors -----
def _integral(array, op):
    if array.dtype.kind not in "biu":
        raise TypeError(f"{op}: only integer and bool tensors are supported, got {dtypes.from_numpy_dtype(array.dtype)}")


def _bitwise(ufunc, name, dunder, reflected):
    """``torch.bitwise_<op>``, ``Tensor.<dunder>``, its reflected and in-place forms."""
    def op(input, other):
        if not isinstance(other, (Tensor, numbers.Integral)):
            raise TypeError(f"{name}(): argument 'other' must be an integer or bool Tensor or number, "
                            f"not {type(other).__name__}")
        b = other.array if isinstance(other, Tensor) else other
        _integral(input.array, name)
        _integral(np.asarray(b), name)
        target = dtypes.result_type(input.array, b)
        return _apply(ufunc, _new(input.array.astype(target, copy=False)), _new(np.asarray(b, dtype=target)), name)
    op.__name__ = name
    op.__doc__ = f"Elementwise ``{ufunc.__name__}`` of integer or bool tensors, with broadcasting."

    def method(self, other):
        if not isinstance(other, (Tensor, numbers.Integral)):
            return NotImplemented
        return op(self, other)

    def reflected_method(self, other):
        if not isinstance(other, numbers.Integral):
            return NotImplemented
        return op(self, other)

    tensor_method(name)(op)
    setattr(Tensor, dunder, method)
    setattr(Tensor, reflected, reflected_method)  # these ops are commutative
    inplace_method(name + "_", op)
    inplace_method(dunder.replace("__", "__i", 1), op)
    return op


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and", "__and__", "__rand__")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or", "__or__", "__ror__")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor", "__xor__", "__rxor__")


@tensor_method("bitwise_not", "__invert__")
def bitwise_not(input):
    """``~input``: bitwise not of integers, logical not of bools."""
    if input.array.dtype.kind not in "biu":
        raise TypeError("~ (bitwise_not) is only implemented on integer and bool tensors, "
                        f"got {input.dtype}")
    return _new(as_array(np.invert(input.array)))


inplace_method("bitwise_not_", bitwise_not)
