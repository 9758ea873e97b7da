"""Elementwise functions beyond the basic ones: erfc, exp2, logaddexp, logit, sinc, hypot, lerp and the shifts.

Each is ``torch.<name>`` (with ``out=``), ``Tensor.<name>`` and ``Tensor.<name>_``, as in PyTorch;
gradients are written with tensor ops, so they can be differentiated again.
"""
import math
import numbers

import numpy as np

from ..dtypes import computes_bfloat16_in_float32, is_floating
from .. import dtypes
from ..arrays import array_module, kernels
from ..function import Function
from ..tensor import Tensor, _new, argument_type_error
from ._registry import tensor_method, inplace_method
from ._util import _SCALAR_TYPE_NAMES, broadcast_error, promote, write_out
from .arithmetic import _Binary, _checked
from .elementwise import _float_input, _unary, sigmoid
from .shape import sum_to

__all__ = ["erfc", "exp2", "logaddexp", "logaddexp2", "logit", "sinc", "hypot", "lerp",
           "bitwise_left_shift", "bitwise_right_shift"]


class Erfc(Function):
    saves = (0,)

    def forward(self, x):
        return kernels("special", x).erfc(x).astype(x.dtype, copy=False)

    def backward(self, gy):
        x = self.saved(0)
        return gy * (-x * x).exp() * (-2 / math.sqrt(math.pi))


class Exp2(Function):
    saves_output = True

    @np.errstate(all="ignore")
    def forward(self, x):
        return array_module(x).exp2(x)

    def backward(self, gy):
        return gy * self.saved_output() * math.log(2.0)


class Sinc(Function):
    """``sin(pi x) / (pi x)``, 1 at 0; the derivative ``(pi x cos(pi x) - sin(pi x)) / (pi x²)`` is 0 there."""

    saves = (0,)

    @np.errstate(all="ignore")
    def forward(self, x):
        xp = array_module(x)
        scaled = x * math.pi
        return xp.where(x == 0, x.dtype.type(1), xp.sin(scaled) / scaled)

    def backward(self, gy):
        x = self.saved(0)
        scaled = x * math.pi
        slope = (scaled * scaled.cos() - scaled.sin()) / (scaled * x)
        return (gy * slope).masked_fill(x == 0, 0)


erfc = _unary(Erfc, "erfc")
exp2 = _unary(Exp2, "exp2")
sinc = _unary(Sinc, "sinc")


class Logit(Function):
    """``log(x / (1 - x))``, of ``x`` clamped to ``[eps, 1 - eps]`` when ``eps`` is given (gradient 0 outside)."""

    saves = (0,)

    def __init__(self, eps):
        self.eps = eps

    @np.errstate(all="ignore")
    def forward(self, x):
        xp = array_module(x)
        if self.eps is not None:
            x = xp.clip(x, self.eps, 1 - self.eps)
        return xp.log(x / (1 - x))

    def backward(self, gy):
        x = self.saved(0)
        g = gy / (x * (1 - x))
        if self.eps is None:
            return g
        return g.masked_fill((x < self.eps) | (x > 1 - self.eps), 0)


@tensor_method()
def logit(input, eps=None, *, out=None):
    """``log(p / (1 - p))``; with ``eps``, ``p`` is first clamped to ``[eps, 1 - eps]``."""
    if eps is not None and not isinstance(eps, numbers.Real):
        raise argument_type_error(f"logit(): argument 'eps' must be float, not {type(eps).__name__}", eps, "float")
    result = Logit(None if eps is None or eps < 0 else float(eps))(_float_input(input, "logit"))
    return write_out("logit", result, out)


inplace_method("logit_", logit)


# ----- two inputs -----
class Logaddexp(_Binary):
    """``log(exp(a) + exp(b))``: d/da = sigmoid(a - b), d/db = sigmoid(b - a)."""

    __slots__ = ()
    saves = (0, 1)
    log_base = 1.0

    @np.errstate(all="ignore")
    def forward(self, a, b):
        return array_module(a, b).logaddexp(a, b)

    def backward(self, gy):
        a, b = self.saved_tensors
        return (gy * sigmoid((a - b) * self.log_base) if self.needs_input_grad[0] else None,
                gy * sigmoid((b - a) * self.log_base) if self.needs_input_grad[1] else None)


class Logaddexp2(Logaddexp):
    """``log2(2^a + 2^b)``: d/da = 1 / (1 + 2^(b - a))."""

    __slots__ = ()
    log_base = math.log(2.0)

    @np.errstate(all="ignore")
    def forward(self, a, b):
        return array_module(a, b).logaddexp2(a, b)


class Hypot(_Binary):
    """``sqrt(a² + b²)``: d/da = a / hypot, d/db = b / hypot."""

    __slots__ = ()
    saves = (0, 1)
    saves_output = True

    def forward(self, a, b):
        return array_module(a, b).hypot(a, b)

    def backward(self, gy):
        a, b = self.saved_tensors
        scaled = gy / self.saved_output()
        return (scaled * a if self.needs_input_grad[0] else None,
                scaled * b if self.needs_input_grad[1] else None)


def _float_binary(cls, name, doc, inplace=False):
    """``torch.<name>(input, other, *, out=None)`` of two float tensors (or numbers) and ``Tensor.<name>``
    (and ``Tensor.<name>_`` with ``inplace``)."""
    def op(input, other, *, out=None):
        a, b = promote(input, other, name)
        if not is_floating(a.array.dtype):
            raise NotImplementedError(f'"{name}" not implemented for \'{_SCALAR_TYPE_NAMES[a.array.dtype.name]}\': '
                                      "expected floating point tensors")
        return write_out(name, _checked(cls(), a, b, name), out)
    op.__name__, op.__doc__ = name, doc
    tensor_method(name)(op)
    if inplace:
        inplace_method(name + "_", op)
    return op


logaddexp = _float_binary(Logaddexp, "logaddexp", "``log(exp(input) + exp(other))`` without overflow.")
logaddexp2 = _float_binary(Logaddexp2, "logaddexp2", "``log2(2**input + 2**other)`` without overflow.")
hypot = _float_binary(Hypot, "hypot", "``sqrt(input² + other²)`` elementwise, with broadcasting.", inplace=True)


class Lerp(Function):
    """``start + weight * (end - start)`` (PyTorch's two-sided formula); ``weight`` a number or a third input."""

    def __init__(self, weight=None):
        self.weight = weight  # a number, or None for a tensor weight
        self.saves = (0, 1, 2) if weight is None else ()

    @computes_bfloat16_in_float32
    def forward(self, start, end, *weight):
        self.shapes = (start.shape, end.shape) + tuple(w.shape for w in weight)
        diff = end - start
        w = self.weight
        if w is not None:  # a number: one side of the formula
            return start + w * diff if abs(w) < 0.5 else end - diff * (1 - w)
        w = weight[0]
        xp = array_module(start, end)
        return xp.where(xp.abs(w) < 0.5, start + w * diff, end - diff * (1 - w)).astype(start.dtype, copy=False)

    def backward(self, gy):
        grads = []
        if self.weight is None:
            start, end, weight = self.saved_tensors
            parts = (1 - weight, weight, end - start)
        else:
            parts = (1 - self.weight, self.weight)
        for i, (part, shape) in enumerate(zip(parts, self.shapes)):
            grads.append(sum_to(gy * part, shape) if self.needs_input_grad[i] else None)
        return tuple(grads)

    def name(self):
        return "LerpBackward0" if self.weight is not None else "LerpBackward1"


@tensor_method()
def lerp(input, end, weight, *, out=None):
    """``input + weight * (end - input)``; ``weight`` is a number or a broadcasting tensor."""
    if not isinstance(end, Tensor):
        raise argument_type_error(f"lerp(): argument 'end' (position 2) must be Tensor, not {type(end).__name__}",
                                  end, "Tensor")
    if end.array.dtype != input.array.dtype:
        raise RuntimeError(f"lerp: expected dtype {input.dtype} for `end` but got dtype {end.dtype}")
    if not is_floating(input.array.dtype):
        raise NotImplementedError(f'"lerp" not implemented for \'{_SCALAR_TYPE_NAMES[input.array.dtype.name]}\': '
                                  "expected floating point tensors")
    try:
        if isinstance(weight, Tensor):
            result = Lerp()(input, end, weight.to(input.dtype))
        elif isinstance(weight, numbers.Real):
            result = Lerp(float(weight))(input, end)
        else:
            raise argument_type_error(f"lerp(): argument 'weight' (position 3) must be Tensor or float, not "
                                      f"{type(weight).__name__}", weight, "Tensor")
    except ValueError:
        raise broadcast_error("lerp", input, end) from None
    return write_out("lerp", result, out)


inplace_method("lerp_", lerp)


# ----- shifts of integers -----
def _shifted(input, other, op):
    """The two integer operands of a shift as arrays of their promoted dtype."""
    if not isinstance(input, Tensor):
        input = _new(array_module(other.array).asarray(input, dtype=dtypes.result_type(other.array, input)))
    if not isinstance(other, (Tensor, numbers.Integral)):
        raise argument_type_error(f"{op}(): argument 'other' must be Tensor or int, not {type(other).__name__}",
                                  other, "Tensor")
    a, b = promote(input, other, op)
    if a.array.dtype == np.bool_:
        a, b = a.to(dtypes.int64), b.to(dtypes.int64)
    if a.array.dtype.kind not in "iu":
        raise NotImplementedError(f'"{op}" not implemented for \'{_SCALAR_TYPE_NAMES[a.array.dtype.name]}\': '
                                  "expected integer tensors")
    return a.array, b.array


def _shift(name, compute, dunder):
    """``torch.<name>``, ``Tensor.<name>``/``_``, the operator ``dunder`` and its reflected and in-place forms."""
    def op(input, other, *, out=None):
        a, b = _shifted(input, other, name)
        bits = a.dtype.itemsize * 8
        try:
            result = _new(compute(a, b, bits))
        except ValueError:
            raise broadcast_error(name, _new(a), _new(b)) from None
        return write_out(name, result, out)
    op.__name__ = name
    op.__doc__ = f"Elementwise {name.replace('_', ' ')} of integer tensors (shifts past the width give 0 or -1)."
    tensor_method(name)(op)
    inplace_method(name + "_", op)

    def method(self, other):
        return op(self, other) if isinstance(other, (Tensor, numbers.Integral)) else NotImplemented

    def reflected(self, other):
        return op(other, self) if isinstance(other, numbers.Integral) else NotImplemented
    setattr(Tensor, dunder, method)
    setattr(Tensor, dunder.replace("__", "__r", 1), reflected)
    inplace_method(dunder.replace("__", "__i", 1), op)
    return op


def _left(a, b, bits):
    xp = array_module(a, b)
    return xp.where((b >= bits) | (b < 0), a.dtype.type(0), xp.left_shift(a, xp.clip(b, 0, bits - 1)))


def _right(a, b, bits):
    xp = array_module(a, b)
    shifted = xp.right_shift(a, xp.clip(b, 0, bits - 1)).astype(a.dtype, copy=False)
    return shifted if a.dtype.kind == "i" else xp.where(b >= bits, a.dtype.type(0), shifted)


bitwise_left_shift = _shift("bitwise_left_shift", _left, "__lshift__")
bitwise_right_shift = _shift("bitwise_right_shift", _right, "__rshift__")


# ----- torch.<name>_: the in-place forms PyTorch also offers as functions -----
_TORCH_INPLACE = ("erf_", "erfc_", "exp2_", "expm1_", "sinh_", "cosh_", "asin_", "acos_",
                  "atan_", "asinh_", "acosh_", "atanh_", "logit_", "sinc_", "xlogy_", "frac_", "trunc_",
                  "clamp_min_", "clamp_max_", "addmv_")


def _torch_inplace(name):
    """``torch.<name>(input, ...)``: ``input.<name>(...)``, in place."""
    def op(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            raise argument_type_error(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                                      f"{type(input).__name__}", input, "Tensor")
        return getattr(input, name)(*args, **kwargs)
    op.__name__ = name
    op.__doc__ = f"In place: ``input.{name}(...)``."
    return op


for _name in _TORCH_INPLACE:
    globals()[_name] = _torch_inplace(_name)
__all__ += list(_TORCH_INPLACE)
