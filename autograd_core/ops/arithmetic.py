"""Arithmetic: + - * / ** // % and unary minus, with broadcasting and PyTorch's type promotion.

Float division by zero and powers out of their domain give inf and nan silently, as in
PyTorch: those forwards run under ``np.errstate`` (numpy's warning switch; other backends
don't warn). Integer division by zero raises PyTorch's error.
"""
import math
import numbers

import numpy as np

from ..dtypes import is_differentiable, is_floating
from .. import dtypes
from ..arrays import array_module
from ..function import Function
from ..tensor import Tensor, _new
from ._registry import tensor_method, inplace_method
from ..device import check_same_device
from ._util import promote, broadcast_error, constant_like, require_input_dtype_out, write_out
from .complex import conj

__all__ = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "neg", "negative",
           "pow", "floor_divide", "remainder", "fmod"]


class _Binary(Function):
    """A broadcasting binary op: its backward returns gradients of the output's shape, which the engine
    sums down to each input's shape (as PyTorch's engine does for a broadcast input).

    Subclasses declare empty ``__slots__`` so that no per-op ``__dict__`` is allocated
    (fewer objects for the cyclic garbage collector to scan on every op).
    """

    __slots__ = ()


def _check_integer_divisor(b):
    """PyTorch's error for integers divided by zero (floats give inf and nan)."""
    if b.dtype.kind in "iu" and not b.all():
        raise RuntimeError("ZeroDivisionError")


class Add(_Binary):
    __slots__ = ()

    def forward(self, a, b):
        return a + b

    def backward(self, gy):
        return gy, gy


class Sub(_Binary):
    __slots__ = ()

    def forward(self, a, b):
        return a - b

    def backward(self, gy):
        return gy, -gy if self.needs_input_grad[1] else None


class Rsub(Sub):
    """``number - tensor``: PyTorch records it as ``rsub`` of the tensor."""

    __slots__ = ()

    def name(self):
        return "RsubBackward1"


class Mul(_Binary):
    __slots__ = ()

    saves = (0, 1)

    def forward(self, a, b):
        return a * b

    def backward(self, gy):
        a, b = self.saved_tensors
        if gy.array.dtype.kind == "c":  # complex: the conjugate of each derivative, as PyTorch
            a, b = conj(a), conj(b)
        need_a, need_b = self.needs_input_grad
        return gy * b if need_a else None, gy * a if need_b else None


class Div(_Binary):
    __slots__ = ()

    saves = (0, 1)

    @np.errstate(all="ignore")
    def forward(self, a, b):
        return a / b

    def backward(self, gy):
        a, b = self.saved_tensors
        if gy.array.dtype.kind == "c":  # complex: the conjugate of each derivative, as PyTorch
            a, b = conj(a), conj(b)
        ga = gy / b if self.needs_input_grad[0] else None
        return ga, -gy * (a / b / b) if self.needs_input_grad[1] else None


class DivRounded(_Binary):
    """``div`` with ``rounding_mode`` "floor" or "trunc": piecewise constant, so both gradients are zero."""

    __slots__ = ("mode",)

    def __init__(self, mode):
        self.mode = mode

    @np.errstate(all="ignore")
    def forward(self, a, b):
        _check_integer_divisor(b)
        xp = array_module(a, b)
        if self.mode == "floor":
            return xp.floor_divide(a, b)
        if is_floating(a.dtype):
            return xp.trunc(a / b)
        return (a - xp.fmod(a, b)) // b  # exact for integers: the dividend minus its C remainder divides evenly

    def backward(self, gy):
        zero = _new(array_module(gy.array).zeros_like(gy.array))
        return zero, zero

    def name(self):
        return "DivBackward2"


class Underivable(_Binary):
    """A binary op PyTorch defines no derivative for (``floor_divide``, ``number % tensor``).

    Its node is PyTorch's ``NotImplemented``: a backward through it raises.
    """

    __slots__ = ("function",)

    def __init__(self, function):
        self.function = function  # the array module's function, also the aten op's name

    @np.errstate(all="ignore")
    def forward(self, a, b):
        _check_integer_divisor(b)
        return getattr(array_module(a, b), self.function)(a, b)

    def backward(self, gy):
        raise RuntimeError(f"derivative for aten::{self.function} is not implemented")

    def name(self):
        return "NotImplemented"


class _Remainder(_Binary):
    """``a - rounded(a / b) * b``: d/da = 1, d/db = -rounded(a / b) (floor for remainder, trunc for fmod)."""

    __slots__ = ("scalar_other",)

    saves = (0, 1)

    def __init__(self, scalar_other):
        self.scalar_other = scalar_other  # PyTorch's node for a number divisor is the ...Backward0 overload

    @np.errstate(all="ignore")
    def forward(self, a, b):
        _check_integer_divisor(b)
        return getattr(array_module(a, b), self.function)(a, b)

    def backward(self, gy):
        gb = None
        if self.needs_input_grad[1]:
            a, b = self.saved(0).array, self.saved(1).array
            gb = gy * constant_like(-self.quotient(a, b), gy)
        return gy, gb

    def name(self):
        return self.function.capitalize() + ("Backward0" if self.scalar_other else "Backward1")


class Remainder(_Remainder):
    __slots__ = ()
    function = "remainder"

    @staticmethod
    def quotient(a, b):
        return array_module(a, b).floor_divide(a, b)


class Fmod(_Remainder):
    __slots__ = ()
    function = "fmod"

    @staticmethod
    def quotient(a, b):
        return array_module(a, b).trunc(a / b)


def _scalar_power(x, exponent):
    """``x ** exponent`` as PyTorch computes it: ±1/2 through the square root (so ``-0.0 ** -0.5`` is -inf)."""
    if exponent == 0.5:
        return array_module(x).sqrt(x)
    if exponent == -0.5:
        return 1 / array_module(x).sqrt(x)
    return x ** exponent


class Pow(Function):
    """``x ** c`` with a number exponent: d/dx = c x^(c-1) (0 for c = 0)."""

    saves = (0,)

    def __init__(self, exponent):
        self.exponent = exponent

    @np.errstate(all="ignore")
    def forward(self, x):
        return _scalar_power(x, self.exponent)

    def backward(self, gy):
        (x,) = self.saved_tensors
        c = self.exponent
        if x.array.dtype.kind == "c":  # complex: the conjugate derivative, as PyTorch
            x = conj(x)
        if c == 0:
            return _new(array_module(gy.array).zeros_like(gy.array))
        return gy * (x ** (c - 1) * c) if c != 2 else gy * (x * 2)


class PowTensor(_Binary):
    """``a ** b`` for two tensors: d/da = b a^(b-1) (0 where b = 0), d/db = a^b log a (0 where a = 0 <= b)."""

    __slots__ = ()

    saves = (0, 1)
    saves_output = True

    @np.errstate(all="ignore")
    def forward(self, a, b):
        return a ** b

    @np.errstate(all="ignore")  # b a^(b-1) is 0 * inf at a = b = 0 before the mask
    def backward(self, gy):
        a, b = self.saved_tensors
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = (gy * (b * a ** (b - 1))).masked_fill(b == 0, 0)
        if self.needs_input_grad[1]:
            log_a = a.where((a != 0) | (b < 0), 1).log()  # 0 ** b (b >= 0) is flat in b, where log(0) gives nan
            gb = gy * (self.saved_output() * log_a)
        return ga, gb

    def name(self):
        return "PowBackward1"


class PowScalarBase(Function):
    """``c ** x`` with a number base: d/dx = c^x log c (a zero base: 0 where x >= 0, inf * log 0 = -inf below)."""

    saves = (0,)
    saves_output = True

    def __init__(self, base):
        self.base = base

    @np.errstate(all="ignore")
    def forward(self, x):
        return self.base ** x

    @np.errstate(all="ignore")  # a zero base: 0 * -inf where x > 0, before the mask
    def backward(self, gy):
        base, y = self.base, self.saved_output()
        if base == 0:
            return gy * (y * -math.inf).masked_fill(self.saved(0) >= 0, 0)
        return gy * (y * (math.log(base) if base > 0 else math.nan))

    def name(self):
        return "PowBackward2"


class Neg(Function):
    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


def _checked(fn, a, b, op):
    """``fn(a, b)`` for the op instance ``fn`` after promotion, with PyTorch's error for shapes that don't broadcast."""
    if not (isinstance(a, Tensor) and isinstance(b, Tensor) and a.array.dtype == b.array.dtype):
        a, b = promote(a, b, op)
    try:
        return fn(a, b)
    except ValueError:
        if a.array.ndim and b.array.ndim:
            try:
                np.broadcast_shapes(a.array.shape, b.array.shape)
            except ValueError:
                raise broadcast_error(op, a, b) from None
        raise
    except TypeError:  # CuPy refuses a numpy array: tensors on two devices?
        check_same_device(a, b)
        raise


@tensor_method("add", "__add__")
def add(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = other * alpha
    result = _checked(Add(), input, other, "add")
    return result if out is None else write_out("add", result, out)  # no call when out= is absent: the hot path


@tensor_method("sub", "subtract", "__sub__")
def sub(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = other * alpha
    result = _checked(Sub(), input, other, "sub")
    return result if out is None else write_out("sub", result, out)  # no call when out= is absent: the hot path


@tensor_method("mul", "multiply", "__mul__")
def mul(input, other, *, out=None):
    result = _checked(Mul(), input, other, "mul")
    return result if out is None else write_out("mul", result, out)  # no call when out= is absent: the hot path


@tensor_method("div", "divide", "true_divide", "__truediv__")
def div(input, other, *, rounding_mode=None, out=None):
    """True division (integers divide as the default float dtype), or rounded with "floor" / "trunc"."""
    a, b = promote(input, other, "div")
    if rounding_mode is None:
        if not is_differentiable(a.array.dtype):
            a, b = a.to(dtypes.get_default_dtype()), b.to(dtypes.get_default_dtype())
        result = _checked(Div(), a, b, "div")
    elif rounding_mode in ("floor", "trunc"):
        result = _checked(DivRounded(rounding_mode), a, b, "div")
    else:
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                         f"'{rounding_mode}'")
    return write_out("div", result, out)


def _power(input, exponent):
    if not isinstance(input, Tensor):  # torch.pow(2, x)
        return _number_to_power(input, exponent)
    if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        if not is_differentiable(input.array.dtype) and isinstance(exponent, float):
            input = input.to(dtypes.get_default_dtype())
        elif not is_differentiable(input.array.dtype) and exponent < 0:
            raise RuntimeError("pow: Integers to negative integer powers are not allowed.")
        return Pow(exponent)(input)
    return _checked(PowTensor(), input, exponent, "pow")


def _number_to_power(base, exponent):
    """``base ** exponent`` for a number ``base`` and a tensor ``exponent`` (PyTorch's ``PowBackward2``)."""
    if not isinstance(exponent, Tensor):
        raise TypeError(f"pow(): with a number base the exponent must be a Tensor, got {type(exponent).__name__}")
    if not (isinstance(base, numbers.Real) and not isinstance(base, bool)):
        return _checked(PowTensor(), base, exponent, "pow")
    target = dtypes.result_type(exponent.array, base)
    exponent = exponent.to(target)
    if target.kind in "iu" and bool((exponent.array < 0).any()):
        raise RuntimeError("pow: Integers to negative integer powers are not allowed.")
    return PowScalarBase(base)(exponent)


@tensor_method("pow", "__pow__")
def pow(input, exponent, *, out=None):
    """``input ** exponent``: tensors or numbers on either side (a number base needs a tensor exponent)."""
    result = _power(input, exponent)
    return write_out("pow", result, out)


@tensor_method("neg", "negative", "__neg__")
def neg(input, *, out=None):
    if input.array.dtype == np.bool_:
        raise RuntimeError("neg: negation, the `-` operator, on a bool tensor is not supported; "
                           "use the `~` or `logical_not()` operator instead")
    result = Neg()(input)
    return write_out("neg", result, require_input_dtype_out(out, result.array.dtype))


@tensor_method("floor_divide", "__floordiv__")
def floor_divide(input, other, *, out=None):
    """``floor(input / other)`` elementwise; no gradient in PyTorch (``div(rounding_mode="floor")`` has one)."""
    result = _checked(Underivable("floor_divide"), input, other, "floor_divide")
    return write_out("floor_divide", result, out)


@tensor_method("remainder", "__mod__")
def remainder(input, other, *, out=None):
    """``a - floor(a / b) * b`` (Python's sign convention)."""
    if isinstance(input, Tensor):
        result = _checked(Remainder(not isinstance(other, Tensor)), input, other, "remainder")
    else:  # a number divided by a tensor: no derivative in PyTorch
        result = _checked(Underivable("remainder"), input, other, "remainder")
    return write_out("remainder", result, out)


@tensor_method("fmod")
def fmod(input, other, *, out=None):
    """``a - trunc(a / b) * b`` (C's sign convention)."""
    result = _checked(Fmod(not isinstance(other, Tensor)), input, other, "fmod")
    return write_out("fmod", result, out)


def _reflected(func):
    def method(self, other):
        return func(other, self)
    method.__name__ = func.__name__
    return method


Tensor.__radd__ = _reflected(add)
Tensor.__rsub__ = lambda self, other: _checked(Rsub(), other, self, "sub")
Tensor.__rmul__ = _reflected(mul)
Tensor.__rpow__ = _reflected(_number_to_power)
Tensor.__rfloordiv__ = _reflected(floor_divide)
Tensor.__rmod__ = _reflected(remainder)
Tensor.__pos__ = lambda self: self

for _name, _func in (("add_", add), ("sub_", sub), ("mul_", mul), ("div_", div), ("pow_", pow),
                     ("__iadd__", add), ("__isub__", sub), ("__imul__", mul), ("__itruediv__", div),
                     ("__ipow__", pow), ("floor_divide_", floor_divide), ("__ifloordiv__", floor_divide),
                     ("remainder_", remainder), ("__imod__", remainder), ("fmod_", fmod), ("neg_", neg)):
    inplace_method(_name, _func)

subtract, multiply, divide, true_divide, negative = sub, mul, div, div, neg
