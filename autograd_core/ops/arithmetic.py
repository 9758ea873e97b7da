"""Arithmetic: + - * / ** // % and unary minus, with broadcasting and PyTorch's type promotion."""
import numpy as np

from ..function import Function
from ..tensor import Tensor
from ._registry import tensor_method, inplace_method
from ._util import promote, broadcast_error
from .shape import sum_to, cast

__all__ = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "neg", "negative",
           "pow", "floor_divide", "remainder", "fmod"]


class _Binary(Function):
    """A broadcasting binary op; gradients are summed back to each input's shape.

    Subclasses declare empty ``__slots__`` so that no per-op ``__dict__`` is allocated
    (fewer objects for the cyclic garbage collector to scan on every op).
    """

    __slots__ = ("shapes",)

    def reduce(self, ga, gb):
        sa, sb = self.shapes
        return (None if ga is None else sum_to(ga, sa)), (None if gb is None else sum_to(gb, sb))


class Add(_Binary):
    __slots__ = ()

    def forward(self, a, b):
        self.shapes = (a.shape, b.shape)
        return a + b

    def backward(self, gy):
        return self.reduce(gy, gy)


class Sub(_Binary):
    __slots__ = ()

    def forward(self, a, b):
        self.shapes = (a.shape, b.shape)
        return a - b

    def backward(self, gy):
        return self.reduce(gy, -gy if self.needs_input_grad[1] else None)


class Mul(_Binary):
    __slots__ = ()

    saves = (0, 1)

    def forward(self, a, b):
        self.shapes = (a.shape, b.shape)
        return a * b

    def backward(self, gy):
        return self.reduce(gy * self.saved(1) if self.needs_input_grad[0] else None,
                           gy * self.saved(0) if self.needs_input_grad[1] else None)


class Div(_Binary):
    __slots__ = ()

    saves = (0, 1)

    def forward(self, a, b):
        self.shapes = (a.shape, b.shape)
        return a / b

    def backward(self, gy):
        b = self.saved(1)
        ga = gy / b
        return self.reduce(ga, -ga * self.saved(0) / b if self.needs_input_grad[1] else None)


class Pow(_Binary):
    __slots__ = ()
    """``a ** b`` for two tensors: d/da = b a^(b-1), d/db = a^b log a."""

    saves = (0, 1)
    saves_output = True

    def forward(self, a, b):
        self.shapes = (a.shape, b.shape)
        return a ** b

    def backward(self, gy):
        a, b = self.saved_tensors
        ga = gy * b * a ** (b - 1) if self.needs_input_grad[0] else None
        gb = None
        if self.needs_input_grad[1]:
            # 0 ** b has gradient 0 for b, where log(0) would give nan
            safe_log = a.masked_fill(a == 0, 1).log()
            gb = gy * self.saved_output() * safe_log
        return self.reduce(ga, gb)


class PowScalar(Function):
    """``x ** c`` with a constant exponent."""

    saves = (0,)

    def __init__(self, exponent):
        self.exponent = exponent

    def forward(self, x):
        return x ** self.exponent

    def backward(self, gy):
        (x,) = self.saved_tensors
        c = self.exponent
        if c == 0:
            return gy * 0
        return gy * c * x ** (c - 1) if c != 2 else gy * 2 * x

    def name(self):
        return "PowBackward0"


class Neg(Function):
    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


def _checked(fn_cls, a, b, op):
    if not (isinstance(a, Tensor) and isinstance(b, Tensor) and a.array.dtype == b.array.dtype):
        a, b = promote(a, b, op)
    try:
        return fn_cls()(a, b)
    except ValueError:
        if a.array.ndim and b.array.ndim:
            try:
                np.broadcast_shapes(a.array.shape, b.array.shape)
            except ValueError:
                raise broadcast_error(op, a, b) from None
        raise


@tensor_method("add", "__add__")
def add(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = other * alpha
    return _checked(Add, input, other, "add")


@tensor_method("sub", "subtract", "__sub__")
def sub(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = other * alpha
    return _checked(Sub, input, other, "sub")


@tensor_method("mul", "multiply", "__mul__")
def mul(input, other, *, out=None):
    return _checked(Mul, input, other, "mul")


@tensor_method("div", "divide", "true_divide", "__truediv__")
def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        a, b = promote(input, other, "div")
        q = div(a, b).trunc()
        return q if a.array.dtype.kind == "f" else cast(q, a.array.dtype)
    if rounding_mode is not None:
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")
    a, b = promote(input, other, "div")
    if a.array.dtype.kind != "f":  # true division of integers gives the default float dtype
        from .. import dtypes
        a, b = a.to(dtypes.get_default_dtype()), b.to(dtypes.get_default_dtype())
    return _checked(Div, a, b, "div")


@tensor_method("pow", "__pow__")
def pow(input, exponent):
    if not isinstance(input, Tensor):  # torch.pow(2, x)
        return _checked(Pow, input, exponent, "pow")
    if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        if input.array.dtype.kind != "f" and isinstance(exponent, float):
            from .. import dtypes
            input = input.to(dtypes.get_default_dtype())
        elif input.array.dtype.kind != "f" and exponent < 0:
            raise RuntimeError("pow: Integers to negative integer powers are not allowed.")
        return PowScalar(exponent)(input)
    return _checked(Pow, input, exponent, "pow")


@tensor_method("neg", "negative", "__neg__")
def neg(input):
    if input.array.dtype == np.bool_:
        raise RuntimeError("neg: negation, the `-` operator, on a bool tensor is not supported; "
                           "use the `~` or `logical_not()` operator instead")
    return Neg()(input)


class _Rounded(Function):
    """``//``, and ``%``/fmod on integers: piecewise constant, so the gradient is zero."""

    def __init__(self, kind):
        self.kind = kind

    def forward(self, a, b):
        self.shapes = (a.shape, b.shape)
        return getattr(np, self.kind)(a, b)

    def backward(self, gy):
        zero = gy * 0
        return sum_to(zero, self.shapes[0]), sum_to(zero, self.shapes[1])


@tensor_method("floor_divide", "__floordiv__")
def floor_divide(input, other):
    a, b = promote(input, other, "floor_divide")
    return _Rounded("floor_divide")(a, b)


@tensor_method("remainder", "__mod__")
def remainder(input, other):
    """``a - floor(a / b) * b`` (Python's sign convention); differentiable by composition."""
    a, b = promote(input, other, "remainder")
    if a.array.dtype.kind != "f":
        return _Rounded("remainder")(a, b)
    return a - floor_divide(a.detach(), b.detach()) * b


@tensor_method("fmod")
def fmod(input, other):
    """``a - trunc(a / b) * b`` (C's sign convention)."""
    a, b = promote(input, other, "fmod")
    if a.array.dtype.kind != "f":
        return _Rounded("fmod")(a, b)
    return a - (a.detach() / b.detach()).trunc() * b


def _reflected(func):
    def method(self, other):
        return func(other, self)
    method.__name__ = func.__name__
    return method


Tensor.__radd__ = _reflected(add)
Tensor.__rsub__ = _reflected(sub)
Tensor.__rmul__ = _reflected(mul)
Tensor.__rtruediv__ = _reflected(div)
Tensor.__rpow__ = _reflected(lambda a, b: _checked(Pow, a, b, "pow"))
Tensor.__rfloordiv__ = _reflected(floor_divide)
Tensor.__rmod__ = _reflected(remainder)
Tensor.__pos__ = lambda self: self

for _name, _func in (("add_", add), ("sub_", sub), ("mul_", mul), ("div_", div), ("pow_", pow),
                     ("__iadd__", add), ("__isub__", sub), ("__imul__", mul), ("__itruediv__", div),
                     ("__ipow__", pow), ("floor_divide_", floor_divide), ("__ifloordiv__", floor_divide),
                     ("remainder_", remainder), ("__imod__", remainder), ("neg_", neg)):
    inplace_method(_name, _func)

subtract, multiply, divide, true_divide, negative = sub, mul, div, div, neg
