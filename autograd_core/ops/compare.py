"""Comparisons, logical and bitwise ops: bool (or integer) results that never carry a gradient.

These work on the arrays directly (no graph node). Python numbers compare weakly, as in
PyTorch: ``float32_tensor == 0.1`` compares in float32; two tensors compare in their
promoted dtype.
"""
import numbers
import operator

import numpy as np

from .. import dtypes
from ..arrays import array_module, as_array, from_numpy
from ..tensor import Tensor, _new, argument_type_error
from ._registry import tensor_method, inplace_method
from ._util import _SCALAR_TYPE_NAMES, broadcast_error, require_input_dtype_out, write_out

__all__ = ["eq", "ne", "not_equal", "lt", "less", "le", "less_equal", "gt", "greater", "ge", "greater_equal",
           "isclose", "allclose", "equal", "logical_and", "logical_or", "logical_xor", "logical_not",
           "isnan", "isinf", "isposinf", "isneginf", "isfinite",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not"]

_OPERANDS = (Tensor, numbers.Number, np.ndarray, np.generic)


def _arrays(input, other, op):
    """The operands' arrays: a number stays a Python scalar, two tensors meet at their promoted dtype."""
    if not isinstance(input, Tensor):
        raise argument_type_error(f"{op}(): argument 'input' must be a Tensor, not {type(input).__name__}", input,
                                  "Tensor")
    a = input.array
    if isinstance(other, Tensor):
        b = other.array
    elif isinstance(other, np.ndarray):
        b = from_numpy(other, like=a)
    elif isinstance(other, np.generic):
        return a, other.item()  # numpy scalars compare weakly, as Python numbers
    elif isinstance(other, numbers.Number):
        return a, other
    else:
        raise argument_type_error(f"{op}(): argument 'other' must be a Tensor or a number, not "
                                  f"{type(other).__name__}", other, "Tensor")
    if a.dtype != b.dtype:
        target = dtypes.result_type(a, b)
        a, b = a.astype(target, copy=False), b.astype(target, copy=False)
    return a, b


def _computed(compute, a, b, op):
    """``compute(a, b)`` as a tensor, with PyTorch's error for shapes that don't broadcast."""
    try:
        return _new(as_array(compute(a, b)))
    except ValueError:
        raise broadcast_error(op, a, b) from None


def _array_function(name):
    """``name(a, b)`` of the operands' array module (``logical_and``...)."""
    def compute(a, b):
        return getattr(array_module(a, b), name)(a, b)
    compute.__name__ = name
    return compute


def _complex_dtype(operand):
    """The complex dtype of an operand (an array or a Python number), or None."""
    dtype = getattr(operand, "dtype", None)
    if dtype is None:
        return np.dtype(np.complex128) if isinstance(operand, complex) else None
    return dtype if dtype.kind == "c" else None


def _binary(compute, name, *aliases, dunder=None, ordering=False):
    """``torch.<name>(input, other, *, out)`` and ``Tensor.<name>``; ``dunder`` gets a form that defers on odd types.

    An ``ordering`` comparison refuses complex operands, as PyTorch's kernels do.
    """
    def op(input, other, *, out=None):
        a, b = _arrays(input, other, name)
        if ordering and (_complex_dtype(a) or _complex_dtype(b)):
            kind = _complex_dtype(a) or _complex_dtype(b)
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'{_SCALAR_TYPE_NAMES[kind.name]}\'')
        return write_out(name, _computed(compute, a, b, name), out)
    op.__name__ = name
    op.__doc__ = f"Elementwise ``{compute.__name__}`` with broadcasting; a bool tensor."
    tensor_method(name, *aliases)(op)
    if dunder:
        def method(self, other):
            if not isinstance(other, _OPERANDS):
                return NotImplemented  # so `t == None` is False and `t < None` a TypeError, as in PyTorch
            return op(self, other)
        method.__name__ = dunder
        setattr(Tensor, dunder, method)
    return op


eq = _binary(operator.eq, "eq", dunder="__eq__")
ne = not_equal = _binary(operator.ne, "ne", "not_equal", dunder="__ne__")
lt = less = _binary(operator.lt, "lt", "less", dunder="__lt__", ordering=True)
le = less_equal = _binary(operator.le, "le", "less_equal", dunder="__le__", ordering=True)
gt = greater = _binary(operator.gt, "gt", "greater", dunder="__gt__", ordering=True)
ge = greater_equal = _binary(operator.ge, "ge", "greater_equal", dunder="__ge__", ordering=True)
logical_and = _binary(_array_function("logical_and"), "logical_and")
logical_or = _binary(_array_function("logical_or"), "logical_or")
logical_xor = _binary(_array_function("logical_xor"), "logical_xor")


def _unary(compute, name, doc, out_argument=False):
    """``torch.<name>(input)`` and ``Tensor.<name>``; with ``out_argument``, PyTorch's bool-only ``out=``."""
    def op(input):
        return _new(as_array(compute(input.array)))

    def op_with_out(input, *, out=None):
        result = op(input)
        if out is None:
            return result
        if isinstance(out, Tensor) and out.array.dtype != np.bool_:
            raise RuntimeError(f"{name} does not support non-boolean outputs.")
        return write_out(name, result, out)

    public = op_with_out if out_argument else op
    public.__name__ = name
    public.__doc__ = f"Elementwise {doc}; a bool tensor."
    tensor_method(name)(public)
    return public


@tensor_method()
def logical_not(input, *, out=None):
    """Elementwise logical not; a bool tensor."""
    result = _new(as_array(array_module(input.array).logical_not(input.array)))
    return write_out("logical_not", result, out)


isnan = _unary(lambda a: array_module(a).isnan(a), "isnan", "test for NaN")
isinf = _unary(lambda a: array_module(a).isinf(a), "isinf", "test for ±inf")
isposinf = _unary(lambda a: a == np.inf, "isposinf", "test for +inf", out_argument=True)
isneginf = _unary(lambda a: a == -np.inf, "isneginf", "test for -inf", out_argument=True)
isfinite = _unary(lambda a: array_module(a).isfinite(a), "isfinite", "test for finite values")


@tensor_method()
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``|input - other| <= atol + rtol * |other|`` elementwise (equal infinities are close)."""
    if isinstance(other, Tensor) and other.array.dtype != input.array.dtype:
        raise RuntimeError(f"isclose(): expected both tensors to have the same dtype, got {input.dtype} "
                           f"and {other.dtype}")

    def close(a, b):
        return array_module(a, b).isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return _computed(close, *_arrays(input, other, "isclose"), "isclose")


@tensor_method()
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when every element of ``input`` is close to ``other`` (see ``isclose``); a Python bool."""
    return bool(isclose(input, other, rtol, atol, equal_nan).array.all())


@tensor_method()
def equal(input, other):
    """True when both tensors have the same shape and elements; a Python bool."""
    if not isinstance(other, Tensor):
        raise TypeError(f"equal(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    a, b = _arrays(input, other, "equal")
    return a.shape == b.shape and bool((a == b).all())


# ----- bitwise: integer and bool tensors -----
def _integral(array, op):
    if array.dtype.kind not in "biu":
        raise TypeError(f"{op}: only integer and bool tensors are supported, got "
                        f"{dtypes.from_numpy_dtype(array.dtype)}")


def _bitwise(compute, name, dunder, reflected):
    """``torch.bitwise_<op>``, ``Tensor.<dunder>``, its reflected and in-place forms."""
    def op(input, other, *, out=None):
        if not isinstance(other, (Tensor, numbers.Integral)):
            raise TypeError(f"{name}(): argument 'other' must be an integer or bool Tensor or number, "
                            f"not {type(other).__name__}")
        a = input.array
        _integral(a, name)
        b = other.array if isinstance(other, Tensor) else other
        if isinstance(other, Tensor):
            _integral(b, name)
        target = dtypes.result_type(a, b)
        a = a.astype(target, copy=False)
        b = b.astype(target, copy=False) if isinstance(other, Tensor) else as_array(b, target, like=a)
        result = _computed(compute, a, b, name)
        return write_out(name, result, out)
    op.__name__ = name
    op.__doc__ = f"Elementwise ``{compute.__name__}`` of integer or bool tensors, with broadcasting."

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


bitwise_and = _bitwise(operator.and_, "bitwise_and", "__and__", "__rand__")
bitwise_or = _bitwise(operator.or_, "bitwise_or", "__or__", "__ror__")
bitwise_xor = _bitwise(operator.xor, "bitwise_xor", "__xor__", "__rxor__")


@tensor_method("bitwise_not", "__invert__")
def bitwise_not(input, *, out=None):
    """``~input``: bitwise not of integers, logical not of bools."""
    if input.array.dtype.kind not in "biu":
        raise TypeError("~ (bitwise_not) is only implemented on integer and bool tensors, "
                        f"got {input.dtype}")
    result = _new(as_array(~input.array))
    if out is None:
        return result
    return write_out("bitwise_not", result, require_input_dtype_out(out, result.array.dtype))


inplace_method("bitwise_not_", bitwise_not)
