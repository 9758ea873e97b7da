"""Elementwise math: each op's forward on arrays beside its derivative on tensors.

Forwards whose finite inputs can leave the domain or overflow (log(0), sqrt(-1), exp(100)...)
give inf and nan silently, as in PyTorch: they run under ``np.errstate`` (numpy's warning
switch; other backends don't warn). It costs about a microsecond a call, so ops that warn only
for infinite inputs (sin(inf), inf - inf...) keep numpy's warning. Gradients that are zero by a
mask are selected (``where``), so an infinite upstream gradient gives 0 there, not nan, as in
PyTorch.
"""
import math
import numbers
import operator

import numpy as np

from ..dtypes import computes_bfloat16_in_float32, is_differentiable, is_floating
from .. import dtypes
from ..arrays import array_module, as_array, kernels, optional_kernels
from ..function import Function
from ..tensor import Tensor, _new
from ._registry import tensor_method, inplace_method
from ._util import _SCALAR_TYPE_NAMES, constant_like, promote, require_input_dtype_out, write_out
from .arithmetic import _Binary, _checked
from .complex import conj
from .arithmetic import pow as _pow
from .shape import sum_to

__all__ = ["exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "rsqrt", "reciprocal", "square",
           "sin", "cos", "tan", "asin", "acos", "atan", "arcsin", "arccos", "arctan", "atan2", "arctan2",
           "sinh", "cosh", "asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh", "tanh", "sigmoid", "relu",
           "erf", "abs", "absolute", "sign", "sgn", "floor", "ceil", "round", "trunc", "fix", "frac",
           "nan_to_num", "maximum", "minimum", "clamp", "clip", "clamp_min", "clamp_max"]


def _float_input(x, op):
    """Integer inputs of float-valued functions become the default float dtype, as in PyTorch."""
    if is_differentiable(x.array.dtype):
        return x
    return x.to(dtypes.get_default_dtype())


# ----- exponentials and logarithms -----
class Exp(Function):
    saves_output = True

    @np.errstate(all="ignore")
    def forward(self, x):
        return array_module(x).exp(x)

    def backward(self, gy):
        return gy * self.saved_output()


class Expm1(Function):
    saves_output = True

    @np.errstate(all="ignore")
    def forward(self, x):
        return array_module(x).expm1(x)

    def backward(self, gy):
        return gy * (self.saved_output() + 1)


class Log(Function):
    saves = (0,)

    @np.errstate(all="ignore")
    def forward(self, x):
        return array_module(x).log(x)

    def backward(self, gy):
        (x,) = self.saved_tensors
        return gy / x


class Log1P(Function):
    saves = (0,)

    @np.errstate(all="ignore")
    def forward(self, x):
        return array_module(x).log1p(x)

    def backward(self, gy):
        return gy / (self.saved(0) + 1)


class Log2(Function):
    saves = (0,)

    @np.errstate(all="ignore")
    def forward(self, x):
        return array_module(x).log2(x)

    def backward(self, gy):
        return gy / (self.saved(0) * math.log(2.0))


class Log10(Function):
    saves = (0,)

    @np.errstate(all="ignore")
    def forward(self, x):
        return array_module(x).log10(x)

    def backward(self, gy):
        return gy / (self.saved(0) * math.log(10.0))


# ----- powers -----
class Sqrt(Function):
    saves_output = True

    @np.errstate(all="ignore")
    def forward(self, x):
        return array_module(x).sqrt(x)

    def backward(self, gy):
        return gy / (2 * self.saved_output())


class Rsqrt(Function):
    saves_output = True

    @np.errstate(all="ignore")
    @computes_bfloat16_in_float32
    def forward(self, x):
        return 1 / array_module(x).sqrt(x)

    def backward(self, gy):
        y = self.saved_output()
        return gy * -0.5 * (y * y * y)


class Reciprocal(Function):
    saves_output = True

    @np.errstate(all="ignore")
    def forward(self, x):
        return 1 / x

    def backward(self, gy):
        y = self.saved_output()
        return -gy * (y * y)


# ----- trigonometric and hyperbolic -----
class Sin(Function):
    saves = (0,)

    def forward(self, x):
        return array_module(x).sin(x)

    def backward(self, gy):
        (x,) = self.saved_tensors
        return gy * x.cos()


class Cos(Function):
    saves = (0,)

    def forward(self, x):
        return array_module(x).cos(x)

    def backward(self, gy):
        (x,) = self.saved_tensors
        return -gy * x.sin()


class Tan(Function):
    saves_output = True

    def forward(self, x):
        return array_module(x).tan(x)

    def backward(self, gy):
        y = self.saved_output()
        return gy * (1 + y * y)


class Asin(Function):
    saves = (0,)

    @np.errstate(all="ignore")
    def forward(self, x):
        return array_module(x).arcsin(x)

    def backward(self, gy):
        x = self.saved(0)
        return gy * (1 - x * x).rsqrt()


class Acos(Function):
    saves = (0,)

    @np.errstate(all="ignore")
    def forward(self, x):
        return array_module(x).arccos(x)

    def backward(self, gy):
        x = self.saved(0)
        return -gy * (1 - x * x).rsqrt()


class Atan(Function):
    saves = (0,)

    def forward(self, x):
        return array_module(x).arctan(x)

    def backward(self, gy):
        x = self.saved(0)
        return gy / (1 + x * x)


class Sinh(Function):
    saves = (0,)

    @np.errstate(all="ignore")
    def forward(self, x):
        return array_module(x).sinh(x)

    def backward(self, gy):
        return gy * self.saved(0).cosh()


class Cosh(Function):
    saves = (0,)

    @np.errstate(all="ignore")
    def forward(self, x):
        return array_module(x).cosh(x)

    def backward(self, gy):
        return gy * self.saved(0).sinh()


class Asinh(Function):
    saves = (0,)

    def forward(self, x):
        return array_module(x).arcsinh(x)

    def backward(self, gy):
        x = self.saved(0)
        return gy * (x * x + 1).rsqrt()


class Acosh(Function):
    saves = (0,)

    @np.errstate(all="ignore")
    def forward(self, x):
        return array_module(x).arccosh(x)

    def backward(self, gy):
        x = self.saved(0)
        if x.array.dtype.kind == "c":  # PyTorch's complex form takes this branch of the square root
            return gy * ((x + 1).rsqrt() * (x - 1).rsqrt())
        return gy * (x * x - 1).rsqrt()


class Atanh(Function):
    saves = (0,)

    @np.errstate(all="ignore")
    def forward(self, x):
        return array_module(x).arctanh(x)

    def backward(self, gy):
        x = self.saved(0)
        return gy / (1 - x * x)


class Tanh(Function):
    saves_output = True

    def forward(self, x):
        return array_module(x).tanh(x)

    def backward(self, gy):
        return _TanhBackward()(gy, self.saved_output())


class _TanhBackward(Function):
    """tanh's backward as one op (PyTorch's ``tanh_backward``): ``gy * (1 - y**2)`` from the output ``y``."""

    saves = (0, 1)

    def forward(self, gy, y):
        return gy * (1 - y * y)

    def backward(self, g):
        gy, y = self.saved_tensors
        if g.array.dtype.kind == "c":  # complex: the conjugate of each derivative, as PyTorch
            gy, y = conj(gy), conj(y)
        need_gy, need_y = self.needs_input_grad
        return _TanhBackward()(g, y) if need_gy else None, g * gy * y * -2 if need_y else None

    def name(self):
        return "TanhBackwardBackward0"


class Sigmoid(Function):
    saves_output = True

    @computes_bfloat16_in_float32
    def forward(self, x):
        # tanh form: stable for large |x| and one transcendental call
        return array_module(x).tanh(x * 0.5) * 0.5 + 0.5

    def backward(self, gy):
        return _SigmoidBackward()(gy, self.saved_output())


class _SigmoidBackward(Function):
    """sigmoid's backward as one op (PyTorch's ``sigmoid_backward``): ``gy * y * (1 - y)`` from the output ``y``."""

    saves = (0, 1)

    def forward(self, gy, y):
        return gy * y * (1 - y)

    def backward(self, g):
        gy, y = self.saved_tensors
        if g.array.dtype.kind == "c":  # complex: the conjugate of each derivative, as PyTorch
            gy, y = conj(gy), conj(y)
        need_gy, need_y = self.needs_input_grad
        return _SigmoidBackward()(g, y) if need_gy else None, g * gy * (1 - 2 * y) if need_y else None

    def name(self):
        return "SigmoidBackwardBackward0"


class Erf(Function):
    saves = (0,)

    def forward(self, x):
        return kernels("special", x).erf(x).astype(x.dtype, copy=False)

    def backward(self, gy):
        x = self.saved(0)
        return gy * (-x * x).exp() * (2 / math.sqrt(math.pi))


class Atan2(_Binary):
    """``atan2(a, b)``: d/da = b / (a² + b²), d/db = -a / (a² + b²); both 0 where a² + b² is 0, as in PyTorch."""

    saves = (0, 1)

    def forward(self, a, b):
        return array_module(a, b).arctan2(a, b)

    def backward(self, gy):
        a, b = self.saved_tensors
        squared_radius = a * a + b * b
        recip = squared_radius.reciprocal().masked_fill(squared_radius == 0, 0)
        return (gy * b * recip if self.needs_input_grad[0] else None,
                gy * -a * recip if self.needs_input_grad[1] else None)


# ----- piecewise: relu, abs and the roundings -----
class Relu(Function):
    saves_output = True

    def forward(self, x):
        fast = _activation_kernels(x)
        return fast.relu(x) if fast is not None else array_module(x).maximum(x, 0)

    def backward(self, gy):
        return _ThresholdBackward()(gy, self.saved_output())


def _activation_kernels(*arrays):
    """The backend's one-pass ReLU kernels where they take ``arrays`` (``kernels.activation.fits``), else None."""
    fast = optional_kernels("activation", *arrays)
    return fast if fast is not None and fast.fits(*arrays) else None


class _ThresholdBackward(Function):
    """ReLU's backward as one op: 0 where the ReLU output ``y`` is <= 0, else ``gy`` (NaN passes; linear in gy)."""

    saves = (1,)

    def forward(self, gy, y):
        fast = _activation_kernels(gy, y)
        if fast is not None:
            return fast.threshold_backward(gy, y)
        # numpy's where branches on every element (1.4 ms on a random 64x6x28x28 mask); an AND of the bits with
        # all-ones or all-zeros runs vectorised (0.14 ms) and gives the same +0.0 and gy (inf and NaN alike)
        xp = array_module(gy, y)
        bits = np.dtype(f"i{gy.dtype.itemsize}")
        keep = xp.empty(y.shape, dtype=bits)  # an array even for 0-d inputs (numpy's ops on them give scalars)
        xp.subtract(y <= 0, 1, out=keep, dtype=bits)  # 0 where y <= 0, -1 (all bits set) elsewhere, NaN included
        return xp.bitwise_and(gy.view(bits), keep, out=keep).view(gy.dtype)

    def backward(self, ggx):
        return _ThresholdBackward()(ggx, self.saved(0)), None

    def name(self):
        return "ThresholdBackwardBackward0"


def _sign(x):
    """-1, 0 or 1 by the sign of each element of array ``x``, in its dtype: 0 for NaN, as in PyTorch."""
    if not is_floating(x.dtype):
        return array_module(x).sign(x)
    return (x > 0).astype(x.dtype) - (x < 0)


def _gradient_where(gy, keep):
    """``gy`` where the bool array ``keep`` holds, else 0: an infinite ``gy`` gives 0 there, as PyTorch's ``where``."""
    return gy.where(_new(keep), 0)


class Abs(Function):
    saves = (0,)

    def forward(self, x):
        return array_module(x).abs(x)

    def backward(self, gy):
        sign = _sign(self.saved(0).array)
        return gy * (_new(sign) if sign.dtype.kind == "c" else constant_like(sign, gy))  # complex: x / |x|


class _Step(Function):
    """A piecewise-constant op: its gradient is zero wherever it is defined (PyTorch's convention)."""

    def backward(self, gy):
        return _new(array_module(gy.array).zeros_like(gy.array))


class Sign(_Step):
    def forward(self, x):
        return _sign(x)


class Floor(_Step):
    def forward(self, x):
        return array_module(x).floor(x)


class Ceil(_Step):
    def forward(self, x):
        return array_module(x).ceil(x)


class Trunc(_Step):
    def forward(self, x):
        return array_module(x).trunc(x)


class Round(_Step):
    """Round half to even, optionally to ``decimals`` places (negative: tens, hundreds...)."""

    def __init__(self, decimals=0):
        self.decimals = decimals

    def forward(self, x):
        return x.round(self.decimals)

    def name(self):
        return "RoundBackward1" if self.decimals else "RoundBackward0"


class Frac(Function):
    def forward(self, x):
        return x - array_module(x).trunc(x)

    def backward(self, gy):
        return gy


class NanToNum(Function):
    saves = (0,)

    def __init__(self, nan, posinf, neginf):
        self.nan, self.posinf, self.neginf = nan, posinf, neginf

    def forward(self, x):
        return array_module(x).nan_to_num(x, nan=self.nan, posinf=self.posinf, neginf=self.neginf)

    def backward(self, gy):
        x = self.saved(0).array
        return gy * constant_like(array_module(x).isfinite(x), gy)


def _conjugated_backward(cls):
    """``cls`` for complex inputs: a holomorphic f's gradient is ``gy * conj(f'(z))`` (PyTorch's convention).

    The backward is linear in ``gy``, so ``conj(backward(conj(gy)))`` gives it from the real formula.
    """
    def backward(self, gy):
        return conj(cls.backward(self, conj(gy)))
    return type(cls.__name__, (cls,), {"backward": backward, "__doc__": cls.__doc__})


def _unary(cls, name, *aliases, integers="promote"):
    """Expose ``cls`` as ``torch.<name>`` (with ``out=``), ``Tensor.<name>`` and the in-place ``Tensor.<name>_``.

    ``integers`` says what integer and bool inputs do: ``"promote"`` to the default float dtype
    (float-valued functions), or ``"copy"`` (roundings: already integral; they keep the input's dtype,
    which PyTorch wants ``out`` to have).
    """
    keeps_dtype = integers == "copy"
    on_complex = _conjugated_backward(cls)

    def op(input, *, out=None):
        if is_floating(input.array.dtype):
            result = cls()(input)
        elif input.array.dtype.kind == "c":
            result = on_complex()(input)
        elif keeps_dtype:
            result = _new(input.array.copy())
        else:
            result = cls()(_float_input(input, name))
        if out is None:
            return result
        return write_out(name, result, require_input_dtype_out(out, result.array.dtype) if keeps_dtype else out)
    op.__name__ = name
    op.__doc__ = f"Elementwise {name}."
    tensor_method(name, *aliases)(op)
    for n in (name,) + aliases:
        inplace_method(n + "_", op)
    return op


exp = _unary(Exp, "exp")
expm1 = _unary(Expm1, "expm1")
log = _unary(Log, "log")
log1p = _unary(Log1P, "log1p")
log2 = _unary(Log2, "log2")
log10 = _unary(Log10, "log10")
sqrt = _unary(Sqrt, "sqrt")
rsqrt = _unary(Rsqrt, "rsqrt")
reciprocal = _unary(Reciprocal, "reciprocal")
sin = _unary(Sin, "sin")
cos = _unary(Cos, "cos")
tan = _unary(Tan, "tan")
asin = arcsin = _unary(Asin, "asin", "arcsin")
acos = arccos = _unary(Acos, "acos", "arccos")
atan = arctan = _unary(Atan, "atan", "arctan")
sinh = _unary(Sinh, "sinh")
cosh = _unary(Cosh, "cosh")
asinh = arcsinh = _unary(Asinh, "asinh", "arcsinh")
acosh = arccosh = _unary(Acosh, "acosh", "arccosh")
atanh = arctanh = _unary(Atanh, "atanh", "arctanh")
tanh = _unary(Tanh, "tanh")
sigmoid = _unary(Sigmoid, "sigmoid")
erf = _unary(Erf, "erf")
floor = _unary(Floor, "floor", integers="copy")
ceil = _unary(Ceil, "ceil", integers="copy")
trunc = fix = _unary(Trunc, "trunc", "fix", integers="copy")


def _reciprocal_times(self, other):
    """``number / tensor`` is PyTorch's ``reciprocal(tensor) * number`` (its node is a MulBackward0)."""
    return reciprocal(self) * other


Tensor.__rtruediv__ = _reciprocal_times


@tensor_method()
def relu(input):
    """``max(input, 0)`` elementwise (integers too); no ``out=``, as in PyTorch."""
    if input.array.dtype.kind == "c":
        raise NotImplementedError("clamp is not supported for complex types")  # PyTorch's relu is a clamp
    return Relu()(input)


@tensor_method("abs", "absolute", "__abs__")
def abs(input, *, out=None):
    """Elementwise absolute value; the gradient is ``sign(x)`` (0 at 0)."""
    if input.array.dtype == np.bool_:
        raise TypeError("abs: not supported for bool tensors; expected a number dtype")
    result = Abs()(input)
    return write_out("abs", result, require_input_dtype_out(out, result.array.dtype))


def _signum(cls, name):
    """``sign`` and ``sgn``: -1, 0 or 1 by the sign of each element (bools unchanged); zero gradient."""
    def op(input, *, out=None):
        result = _new(input.array.copy()) if input.array.dtype == np.bool_ else cls()(input)
        return write_out(name, result, require_input_dtype_out(out, result.array.dtype))
    op.__name__ = name
    op.__doc__ = f"Elementwise {name}: -1, 0 or 1 by the sign of each element (bools unchanged); zero gradient."
    tensor_method(name)(op)
    inplace_method(name + "_", op)
    return op


class Sgn(Sign):
    """``sgn``: the same values as ``sign`` for real tensors, its own node name in PyTorch."""


sign = _signum(Sign, "sign")
sgn = _signum(Sgn, "sgn")


@tensor_method()
def round(input, *, decimals=0, out=None):
    """Round half to even, to ``decimals`` decimal places; zero gradient."""
    if not is_floating(input.array.dtype):
        if decimals:
            raise TypeError(f"round: decimals={decimals} is only supported for floating point tensors, "
                            f"got {input.dtype}")
        result = _new(input.array.copy())
    else:
        result = Round(int(decimals))(input)
    return write_out("round", result, require_input_dtype_out(out, result.array.dtype))


@tensor_method()
def frac(input, *, out=None):
    """``x - trunc(x)``, the fractional part with the sign of ``x``."""
    if not is_floating(input.array.dtype):
        raise TypeError(f"frac: only floating point tensors are supported, got {input.dtype}")
    result = Frac()(input)
    return write_out("frac", result, require_input_dtype_out(out, result.array.dtype))


@tensor_method()
def square(input, *, out=None):
    """``input ** 2`` (integers stay integers, bools become int64)."""
    if input.array.dtype == np.bool_:
        input = input.to(dtypes.int64)
    return _pow(input, 2, out=out)


@tensor_method()
def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """Replace NaN by ``nan`` and ±inf by ``posinf``/``neginf`` (default: the dtype's largest/smallest)."""
    if not is_floating(input.array.dtype):
        result = _new(input.array.copy())
    else:
        result = NanToNum(nan, posinf, neginf)(input)
    if out is None:
        return result
    if isinstance(out, Tensor) and out.array.dtype != result.array.dtype:
        raise RuntimeError(f"nan_to_num: dtype of out: {_SCALAR_TYPE_NAMES[out.array.dtype.name]} should be same "
                           f"as input: {_SCALAR_TYPE_NAMES[result.array.dtype.name]}")
    return write_out("nan_to_num", result, out)


absolute = abs
for _name, _func in (("relu_", relu), ("abs_", abs), ("absolute_", abs), ("round_", round), ("frac_", frac),
                     ("square_", square), ("nan_to_num_", nan_to_num)):
    inplace_method(_name, _func)


# ----- two-argument ops: atan2, maximum, minimum -----
@tensor_method("atan2", "arctan2")
def atan2(input, other, *, out=None):
    """Elementwise angle of the point ``(other, input)``, broadcasting; integers promote to float."""
    a, b = promote(input, other, "atan2")
    if not is_floating(a.array.dtype):
        a, b = _float_input(a, "atan2"), _float_input(b, "atan2")
    result = _checked(Atan2(), a, b, "atan2")
    return write_out("atan2", result, out)


arctan2 = atan2
inplace_method("atan2_", atan2)
inplace_method("arctan2_", atan2)


class Maximum(_Binary):
    """Elementwise max; on ties each input gets half of the gradient, the loser none (PyTorch's rule, NaN included)."""

    saves = (0, 1)
    loses = staticmethod(operator.lt)

    def forward(self, a, b):
        return array_module(a, b).maximum(a, b)

    def backward(self, gy):
        a, b = self.saved(0).array, self.saved(1).array
        shared = gy.where(_new(a != b), gy / 2)
        ga = _gradient_where(shared, ~self.loses(a, b)) if self.needs_input_grad[0] else None
        gb = _gradient_where(shared, ~self.loses(b, a)) if self.needs_input_grad[1] else None
        return ga, gb


class Minimum(Maximum):
    loses = staticmethod(operator.gt)

    def forward(self, a, b):
        return array_module(a, b).minimum(a, b)


@tensor_method()
def maximum(input, other, *, out=None):
    """Elementwise maximum of two tensors with broadcasting; NaN propagates."""
    result = _checked(Maximum(), input, other, "maximum")
    return write_out("maximum", result, out)


@tensor_method()
def minimum(input, other, *, out=None):
    """Elementwise minimum of two tensors with broadcasting; NaN propagates."""
    result = _checked(Minimum(), input, other, "minimum")
    return write_out("minimum", result, out)


# ----- clamp -----
class Clamp(Function):
    """``min(max(x, lo), hi)`` with number bounds; the gradient passes where ``lo <= x <= hi``."""

    saves = (0,)

    def __init__(self, lo, hi, node_name):
        self.lo, self.hi, self.node_name = lo, hi, node_name

    def forward(self, x):
        xp = array_module(x)
        if self.lo is not None:
            x = xp.maximum(x, self.lo)
        return x if self.hi is None else xp.minimum(x, self.hi)

    def backward(self, gy):
        x = self.saved(0).array
        above = None if self.lo is None else x >= self.lo
        below = None if self.hi is None else x <= self.hi
        return _gradient_where(gy, below if above is None else (above if below is None else above & below))

    def name(self):
        return self.node_name


class ClampTensor(Function):
    """``min(max(x, lo), hi)`` with broadcasting tensor bounds (either may be missing).

    ``x`` gets the gradient where ``lo <= x <= hi``; a bound gets it where it is the output
    (where ``lo > hi`` the output is ``hi``), as in PyTorch.
    """

    def __init__(self, has_lo, has_hi, node_name):
        self.has_lo, self.has_hi, self.node_name = has_lo, has_hi, node_name
        self.saves = tuple(range(1 + has_lo + has_hi))

    def forward(self, x, *bounds):
        self.shapes = (x.shape,) + tuple(b.shape for b in bounds)
        xp = array_module(x, *bounds)
        if self.has_lo:
            x = xp.maximum(x, bounds[0])
        return xp.minimum(x, bounds[-1]) if self.has_hi else x

    def backward(self, gy):
        arrays = [t.array for t in self.saved_tensors]
        x = arrays[0]
        lo = arrays[1] if self.has_lo else None
        hi = arrays[-1] if self.has_hi else None
        masks = [(True if lo is None else x >= lo) & (True if hi is None else x <= hi)]
        if lo is not None:
            masks.append(x < lo if hi is None else (x < lo) & (lo < hi))
        if hi is not None:
            masks.append(x > hi if lo is None else (x > hi) | (hi < lo))
        xp = array_module(x)
        return tuple(sum_to(_gradient_where(gy, xp.broadcast_to(m, gy.shape)), shape)
                     if self.needs_input_grad[i] else None
                     for i, (m, shape) in enumerate(zip(masks, self.shapes)))

    def name(self):
        return self.node_name


_FLOAT_BOUNDS = (int, float, type(None))


def _clamp_dtype(input, bounds):
    """PyTorch's result dtype of ``input`` with each bound (numbers weakly, tensors by rank)."""
    like = input.array
    for b in bounds:
        if isinstance(b, Tensor):
            b = b.array
        elif not isinstance(b, numbers.Real):
            raise TypeError(f"clamp: min and max must be numbers or tensors, got {type(b).__name__}")
        like = np.empty((1,) * input.array.ndim, dtype=dtypes.result_type(like, b))  # a stand-in: only its dtype
    return like.dtype


def _clamp(input, min, max, node_names):
    """``clamp``'s result; ``node_names`` are PyTorch's (number bounds, tensor bounds) names for the entry point."""
    if is_floating(input.array.dtype) and type(min) in _FLOAT_BOUNDS and type(max) in _FLOAT_BOUNDS:
        return Clamp(min, max, node_names[0])(input)  # fast path: number bounds keep a float tensor's dtype
    if input.array.dtype.kind == "c":
        raise NotImplementedError("clamp is not supported for complex types")
    bounds = [b for b in (min, max) if b is not None]
    target = _clamp_dtype(input, bounds)
    x = input.to(target)
    if not any(isinstance(b, Tensor) for b in bounds):
        return Clamp(min, max, node_names[0])(x)
    tensors = [b.to(target) if isinstance(b, Tensor) else _new(as_array(b, target, like=x.array)) for b in bounds]
    try:
        return ClampTensor(min is not None, max is not None, node_names[1])(x, *tensors)
    except ValueError:
        shapes = ", ".join(str(tuple(t.shape)) for t in [x] + tensors)
        raise RuntimeError(f"clamp: the shapes of input, min and max {shapes} cannot be broadcast together") \
            from None


def _clamp_out(out, result, bounds):
    """``out``, checked: by number bounds clamp keeps the input's dtype, which PyTorch wants ``out`` to have."""
    if any(isinstance(b, Tensor) for b in bounds):
        return out
    return require_input_dtype_out(out, result.array.dtype)


@tensor_method("clamp", "clip")
def clamp(input, min=None, max=None, *, out=None):
    """Limit every element to ``[min, max]`` (numbers or broadcasting tensors; either may be None)."""
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    result = _clamp(input, min, max, ("ClampBackward1", "ClampBackward0"))
    return write_out("clamp", result, _clamp_out(out, result, (min, max)))


@tensor_method()
def clamp_min(input, min, *, out=None):
    """``clamp(input, min=min)`` (its own node name in PyTorch)."""
    result = _clamp(input, min, None, ("ClampMinBackward0", "ClampMinBackward1"))
    return write_out("clamp_min", result, _clamp_out(out, result, (min,)))


@tensor_method()
def clamp_max(input, max, *, out=None):
    """``clamp(input, max=max)`` (its own node name in PyTorch)."""
    result = _clamp(input, None, max, ("ClampMaxBackward0", "ClampMaxBackward1"))
    return write_out("clamp_max", result, _clamp_out(out, result, (max,)))


clip = clamp
for _name, _func in (("clamp_", clamp), ("clip_", clamp), ("clamp_min_", clamp_min), ("clamp_max_", clamp_max)):
    inplace_method(_name, _func)
