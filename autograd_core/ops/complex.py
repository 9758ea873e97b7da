"""Complex tensors: their parts (real, imag, angle, view_as_real), conj, and the constructors complex and polar.

Gradients follow PyTorch's convention: for a real loss L of a complex z the gradient is
dL/d(re z) + i dL/d(im z) (the conjugate Wirtinger derivative, doubled).
"""
import numpy as np

from .. import dtypes
from ..arrays import array_module
from ..function import Function
from ..tensor import Tensor, _new, argument_type_error, as_view
from ._registry import tensor_method
from ._util import _SCALAR_TYPE_NAMES, write_out
from .shape import sum_to

__all__ = ["real", "imag", "conj", "conj_physical", "resolve_conj", "angle", "view_as_real", "view_as_complex",
           "complex", "polar", "is_complex"]


def _tensor_input(input, op):
    if not isinstance(input, Tensor):
        raise argument_type_error(f"{op}(): argument 'input' (position 1) must be Tensor, not "
                                  f"{type(input).__name__}", input, "Tensor")
    return input


class Real(Function):
    """``z.real``: PyTorch records it as a select of ``view_as_real``."""

    def forward(self, z):
        return z.real

    def backward(self, gy):
        return complex(gy, _zeros_like(gy))

    def name(self):
        return "SelectBackward0"


class Imag(Real):
    def forward(self, z):
        return z.imag

    def backward(self, gy):
        return complex(_zeros_like(gy), gy)


def _zeros_like(t):
    return _new(array_module(t.array).zeros_like(t.array))


@tensor_method()
def real(input):
    """The real part of a complex tensor (a view); a real tensor itself."""
    if _tensor_input(input, "real").array.dtype.kind != "c":
        return input
    return as_view(Real()(input), input)


@tensor_method()
def imag(input):
    """The imaginary part of a complex tensor (a view)."""
    if _tensor_input(input, "imag").array.dtype.kind != "c":
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return as_view(Imag()(input), input)


Tensor.real = property(real)
Tensor.imag = property(imag)


class ToComplex(Function):
    """A real tensor as complex (imaginary parts 0); its gradient is the real part."""

    def forward(self, x):
        return x.astype(dtypes.complex_of(x.dtype))

    def backward(self, gy):
        return real(gy)

    def name(self):
        return "ToCopyBackward0"


def to_complex(x):
    """``x`` as a complex tensor of its precision (itself when complex already)."""
    return x if x.array.dtype.kind == "c" else ToComplex()(x)


class Conj(Function):
    def forward(self, z):
        return z.conj()

    def backward(self, gy):
        return conj_physical(gy)


class ConjPhysical(Conj):
    pass


@tensor_method()
def conj(input):
    """The complex conjugate (a real tensor itself, as PyTorch's)."""
    if _tensor_input(input, "conj").array.dtype.kind != "c":
        return input
    return Conj()(input)


@tensor_method()
def conj_physical(input, *, out=None):
    """The complex conjugate, always a new tensor."""
    if _tensor_input(input, "conj_physical").array.dtype.kind != "c":
        return write_out("conj_physical", _new(input.array.copy()), out)
    return write_out("conj_physical", ConjPhysical()(input), out)


@tensor_method()
def resolve_conj(input):
    """Conjugation is never lazy here: the tensor itself."""
    return _tensor_input(input, "resolve_conj")


@tensor_method()
def is_complex(input):
    return _tensor_input(input, "is_complex").array.dtype.kind == "c"


class Angle(Function):
    saves = (0,)

    def forward(self, z):
        xp = array_module(z)
        if z.dtype.kind == "c":
            return xp.angle(z)
        return xp.angle(z).astype(z.dtype)

    def backward(self, gy):
        z = self.saved(0)
        if z.array.dtype.kind != "c":
            return _zeros_like(gy)
        re, im = real(z), imag(z)
        squared = re * re + im * im
        safe = squared + _new((squared.array == 0).astype(squared.array.dtype))  # 0 at z = 0, as PyTorch's
        return complex(-gy * im / safe, gy * re / safe)


@tensor_method()
def angle(input, *, out=None):
    """The argument of each element in radians (0 or pi for real tensors)."""
    _tensor_input(input, "angle")
    if input.array.dtype.kind in "iub":
        input = input.to(dtypes.get_default_dtype())
    return write_out("angle", Angle()(input), out)


class ViewAsReal(Function):
    def forward(self, z):
        if z.ndim and z.strides[-1] != z.itemsize:  # the parts cannot be viewed in place: a copy
            return array_module(z).stack([z.real, z.imag], axis=-1)
        return z.reshape(z.shape + (1,)).view(dtypes.real_of(z.dtype))

    def backward(self, gy):
        return view_as_complex(gy.contiguous())


class ViewAsComplex(Function):
    def forward(self, x):
        return x.view(dtypes.complex_of(x.dtype))[..., 0]

    def backward(self, gy):
        return view_as_real(gy)


def view_as_real(input):
    """A complex tensor of shape (..., ) as a real one of shape (..., 2): real and imaginary parts."""
    if _tensor_input(input, "view_as_real").array.dtype.kind != "c":
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return as_view(ViewAsReal()(input), input)


def view_as_complex(input):
    """A float32/float64 tensor of shape (..., 2) as a complex one of shape (...)."""
    array = _tensor_input(input, "view_as_complex").array
    if array.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"view_as_complex is only supported for half, float and double tensors, but got a tensor of "
                           f"scalar type: {scalar_type_name(array.dtype)}")
    if array.ndim == 0 or array.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if array.strides[-1] != array.itemsize:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    return as_view(ViewAsComplex()(input), input)


_COMPLEX_TYPE_NAMES = {"complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def scalar_type_name(np_dtype):
    """PyTorch's name of a scalar type in messages ("Float", "ComplexDouble")."""
    return _SCALAR_TYPE_NAMES.get(np_dtype.name) or _COMPLEX_TYPE_NAMES[np_dtype.name]


class Complex(Function):
    """``real + i imag`` of two real tensors (broadcast)."""

    def forward(self, re, im):
        self.shapes = (re.shape, im.shape)
        return re + im * 1j

    def backward(self, gy):
        sr, si = self.shapes
        return sum_to(real(gy), sr), sum_to(imag(gy), si)


def _real_pair(op, first, second, names):
    """Both of ``op``'s arguments: real floating tensors of one dtype, as PyTorch requires."""
    for name, position, t in ((names[0], 1, first), (names[1], 2, second)):
        if not isinstance(t, Tensor):
            raise argument_type_error(f"{op}(): argument '{name}' (position {position}) must be Tensor, not "
                                      f"{type(t).__name__}", t, "Tensor")
    da, db = first.array.dtype, second.array.dtype
    if da not in (np.float32, np.float64) or db not in (np.float32, np.float64):
        raise RuntimeError(f"{op}: Expected both inputs to be Half, Float or Double tensors but got "
                           f"{scalar_type_name(da)} and {scalar_type_name(db)}")
    if da != db:
        raise RuntimeError(f"{op}: Expected object of scalar type {scalar_type_name(da)} but got scalar type "
                           f"{scalar_type_name(db)} for second argument")


def complex(real, imag, *, out=None):
    """The complex tensor ``real + i imag`` of two float tensors of one dtype."""
    _real_pair("complex", real, imag, ("real", "imag"))
    return write_out("complex", Complex()(real, imag), out)


class Polar(Function):
    """``abs * (cos(angle) + i sin(angle))``."""

    saves = (0, 1)

    def forward(self, r, theta):
        self.shapes = (r.shape, theta.shape)
        return r * array_module(r).exp(theta * 1j)

    def backward(self, gy):
        from .elementwise import cos, sin
        r, theta = self.saved_tensors
        c, s = cos(theta), sin(theta)
        gr, gi = real(gy), imag(gy)
        sr, st = self.shapes
        return sum_to(gr * c + gi * s, sr), sum_to((gi * c - gr * s) * r, st)


def polar(abs, angle, *, out=None):
    """The complex tensor of absolute values ``abs`` and arguments ``angle``."""
    _real_pair("polar", abs, angle, ("abs", "angle"))
    return write_out("polar", Polar()(abs, angle), out)
