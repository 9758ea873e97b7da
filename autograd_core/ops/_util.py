"""Helpers shared by the op families: operand coercion, argument normalisation and ``out=``."""
import numbers
from operator import index

import numpy as np

from ..dtypes import is_floating
from .. import dtypes
from ..arrays import array_module, as_array, from_numpy
from ..grad_mode import GradMode
from ..tensor import argument_type_error, Tensor, _new, _check_dim, warn_caller


def as_operand(value, like, op):
    """Turn a Python or numpy number, or a host ndarray, into a constant Tensor on ``like``'s backend for ``op``."""
    if isinstance(value, Tensor):
        return value
    kind = type(value)
    array = like.array
    if kind is float or kind is int:  # fast path: the scalar keeps the tensor's dtype
        own = array.dtype
        if is_floating(own) or (kind is int and own.kind in "iu"):
            return _new(np.array(value, dtype=own) if type(array) is np.ndarray else as_array(value, own, like=array))
    if isinstance(value, (numbers.Number, np.generic)):
        return _new(as_array(value, dtypes.result_type(array, value), like=array))
    if isinstance(value, np.ndarray):
        return _new(from_numpy(value, like=array))
    raise argument_type_error(f"{op}: unsupported operand type {type(value).__name__}; expected a Tensor or a "
                              "number", value, "Tensor")


def constant_like(array, like):
    """``array`` (a mask or weights made in a backward) as a constant Tensor of tensor ``like``'s dtype."""
    return _new(as_array(array, like.array.dtype))


def promote(a, b, op):
    """Both operands as Tensors of PyTorch's promoted dtype."""
    if not isinstance(a, Tensor):
        a = as_operand(a, b, op)
    if not isinstance(b, Tensor):
        b = as_operand(b, a, op)
    da, db = a.array.dtype, b.array.dtype
    if da == db:
        return a, b
    target = dtypes.result_type(a.array, b.array)
    from .shape import cast
    return (a if da == target else cast(a, target)), (b if db == target else cast(b, target))


def normalize_dims(dim, ndim, op):
    """``dim`` (None, an int or a sequence of ints) as a sorted tuple of non-negative axes, or None for all."""
    if dim is None:
        return None
    if not isinstance(dim, (tuple, list)):
        return (_check_dim(dim, ndim, op),)
    dims = tuple(sorted([_check_dim(d, ndim, op) for d in dim]))
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"{op}: dim {tuple(dim)} appears multiple times in the list of dims")
    return dims or None


def int_args(values, op, name):
    """The ints of argument ``name`` given as ``f(2, 3)`` or ``f((2, 3))``; PyTorch's TypeError for anything else."""
    if len(values) == 1 and isinstance(values[0], (tuple, list)):
        values = values[0]
    ints = []
    for at, value in enumerate(values):
        try:
            ints.append(index(value))
        except TypeError:
            raise argument_type_error(f"{op}(): argument '{name}' must be tuple of ints, but found element of "
                                      f"type {type(value).__name__} at pos {at}", value, "int") from None
    return tuple(ints)


def shape_arg(size, op):
    """A new tensor's size given as ``f(2, 3)`` or ``f((2, 3))``: ints, none negative (PyTorch's errors)."""
    shape = int_args(size, op, "size")
    for s in shape:
        if s < 0:
            raise RuntimeError(f"{op}: Trying to create tensor with negative dimension {s}: {list(shape)}")
    return shape


def broadcast_error(op, a, b):
    return RuntimeError(f"{op}: the shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be broadcast together "
                        "(each dimension must be equal, 1, or missing)")


# PyTorch's scalar-type names, used in its dtype error messages
_SCALAR_TYPE_NAMES = {"float16": "Half", "bfloat16": "BFloat16", "float32": "Float", "float64": "Double",
                      "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long", "bool": "Bool",
                      "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def write_out(op, result, out, dtype_error=None):
    """``result``, or ``out`` holding it as PyTorch's ``out=`` does (then ``out`` is returned).

    ``out`` takes ``result``'s shape (with PyTorch's deprecation warning when it
    had elements and another shape) and keeps its dtype, which must be able to
    hold the result's kind; ``out=`` cannot be used where a gradient is recorded.
    ``dtype_error(result, out)``, for ops whose ``out`` must have exactly the
    result's dtype, gives the op's own message.
    """
    if out is None:
        return result
    if dtype_error is not None and isinstance(out, Tensor) and out.array.dtype != result.array.dtype:
        raise RuntimeError(dtype_error(result, out))
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if GradMode.enabled and (out.requires_grad or result.requires_grad):
        raise RuntimeError(f"{op}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    if not np.can_cast(result.array.dtype, out.array.dtype, "same_kind"):
        raise RuntimeError(f"result type {_SCALAR_TYPE_NAMES[result.array.dtype.name]} can't be cast to the desired "
                           f"output type {_SCALAR_TYPE_NAMES[out.array.dtype.name]}")
    xp = array_module(out.array)
    if out.array.shape != result.array.shape:
        if out.array.size:
            warn_caller(f"An output with one or more elements was resized since it had shape "
                        f"{list(out.array.shape)}, which does not match the required output shape "
                        f"{list(result.array.shape)}. This behavior is deprecated, and in a future PyTorch "
                        "release outputs will not be resized unless they have zero elements. You can explicitly "
                        "reuse an out tensor t by resizing it, inplace, to zero elements with t.resize_(0).")
        out.array = xp.empty(result.array.shape, dtype=out.array.dtype)
    xp.copyto(out.array, result.array, casting="same_kind")
    out._version_counter[0] += 1
    return out


# the C++ names PyTorch's "Expected out tensor to have dtype ..." message gives
_C_TYPE_NAMES = {"float16": "c10::Half", "bfloat16": "c10::BFloat16", "float32": "float", "float64": "double",
                 "uint8": "unsigned char", "int8": "signed char", "int16": "short int", "int32": "int",
                 "int64": "long int", "bool": "bool"}


def _exact_dtype_message(dtype, out):
    return (f"Expected out tensor to have dtype {_C_TYPE_NAMES[np.dtype(dtype).name]}, but got "
            f"{_C_TYPE_NAMES[out.array.dtype.name]} instead")


def exact_dtype_error(result, out):
    """PyTorch's message for an ``out`` of another dtype where the op needs exactly the result's."""
    return _exact_dtype_message(result.array.dtype, out)


def require_out_dtype(out, dtype):
    """``out``, checked as PyTorch does for ops whose ``out=`` must have the result's ``dtype`` (products, indices)."""
    if isinstance(out, Tensor) and out.array.dtype != dtype:
        raise RuntimeError(_exact_dtype_message(dtype, out))
    return out


def require_input_dtype_out(out, dtype):
    """``out``, checked as PyTorch does for ops that keep their input's ``dtype`` (neg, abs, roundings, clamp)."""
    if isinstance(out, Tensor) and out.array.dtype != dtype:
        raise RuntimeError(f"Found dtype {_SCALAR_TYPE_NAMES[out.array.dtype.name]} but expected "
                           f"{_SCALAR_TYPE_NAMES[np.dtype(dtype).name]}")
    return out
