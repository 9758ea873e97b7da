"""``torch.fft``: discrete Fourier transforms with gradients, their sample frequencies and the shifts that centre them.

Each transform is one of three recorded ops, named as PyTorch names them: complex to complex
(``FftC2CBackward0``), real to complex (``FftR2CBackward0``: rfft, and fft of a real tensor) and complex to
real (``FftC2RBackward0``: irfft, hfft). A requested size (``n``, ``s``) first crops or zero-pads the input
(``SliceBackward0`` / ``ConstantPadNdBackward0``). Each backward is the adjoint transform: the other direction
with the dual normalization ("backward" <-> "forward", "ortho" itself); rfft's pads the one-sided gradient
with zeros and irfft's doubles the bins that stand for two, as PyTorch's backward formulas do.
"""
import numpy as np

from . import arrays, dtypes
from .creation import factory
from .function import Function
from .ops._util import write_out
from .ops.complex import conj, real, scalar_type_name, to_complex
from .ops.shape import roll
from .tensor import Tensor, _check_dim, _new, argument_type_error, int_arg

__all__ = ["fft", "ifft", "rfft", "irfft", "fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn", "irfftn",
           "hfft", "ihfft", "fftfreq", "fftshift", "ifftshift", "rfftfreq"]

_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _transformed(array, axes, forward, norm, onesided=False, last_size=None):
    """The array-level transform along ``axes``: c2c, r2c (``onesided``) or c2r (``last_size`` given)."""
    xp = arrays.array_module(array)
    if last_size is not None:
        sizes = [array.shape[a] for a in axes[:-1]] + [last_size]
        result = xp.fft.irfftn(array, s=sizes, axes=axes, norm=norm)
        return result.astype(dtypes.real_of(array.dtype), copy=False)
    if onesided:
        result = xp.fft.rfftn(array, axes=axes, norm=norm)
    else:
        result = (xp.fft.fftn if forward else xp.fft.ifftn)(array, axes=axes, norm=norm)
    return result.astype(_complex_for(array.dtype), copy=False)


def _complex_for(np_dtype):
    return np_dtype if np_dtype.kind == "c" else dtypes.complex_of(np_dtype)


class FftC2C(Function):
    def __init__(self, axes, norm, forward):
        self.axes, self.norm, self.forward_direction = axes, norm, forward

    def forward(self, z):
        return _transformed(z, self.axes, self.forward_direction, self.norm)

    def backward(self, gy):
        return FftC2C(self.axes, _DUAL[self.norm], not self.forward_direction)(gy)


class FftR2C(Function):
    """A real tensor's transform: all of it, or the ``onesided`` half (rfft) the rest mirrors."""

    def __init__(self, axes, norm, onesided):
        self.axes, self.norm, self.onesided = axes, norm, onesided

    def forward(self, x):
        self.last_size = x.shape[self.axes[-1]]
        return _transformed(x, self.axes, True, self.norm, self.onesided)

    def backward(self, gy):
        if self.onesided:  # the bins rfft leaves out get zero gradient
            gy = _resized(gy, self.axes[-1:], (self.last_size,))
        return real(FftC2C(self.axes, _DUAL[self.norm], False)(gy))


class FftC2R(Function):
    """The inverse transform of a one-sided (Hermitian) spectrum: a real signal of ``last_size`` along the last axis."""

    def __init__(self, axes, norm, last_size):
        self.axes, self.norm, self.last_size = axes, norm, last_size

    def forward(self, z):
        return _transformed(z, self.axes, False, self.norm, last_size=self.last_size)

    def backward(self, gy):
        gz = FftR2C(self.axes, _DUAL[self.norm], True)(gy)
        half = gz.array.shape[self.axes[-1]]
        doubled = self.last_size - half  # the bins that stand for themselves and their mirror image
        if doubled <= 0:
            return gz
        weights = np.ones(half)
        weights[1:1 + doubled] = 2
        shape = [1] * gz.array.ndim
        shape[self.axes[-1]] = half
        return gz * _new(arrays.as_array(weights.reshape(shape), dtypes.real_of(gz.array.dtype), like=gz.array))


class Resize(Function):
    """Crop or zero-pad ``axes`` to ``sizes`` (the input a requested transform size sees)."""

    def __init__(self, axes, sizes):
        self.axes, self.sizes = axes, sizes

    def forward(self, x):
        self.in_sizes = tuple(x.shape[a] for a in self.axes)
        kept = [slice(None)] * x.ndim
        shape = list(x.shape)
        for axis, size in zip(self.axes, self.sizes):
            kept[axis] = slice(0, min(size, x.shape[axis]))
            shape[axis] = size
        out = arrays.array_module(x).zeros(shape, dtype=x.dtype)
        out[tuple(kept)] = x[tuple(kept)]
        return out

    def backward(self, gy):
        return Resize(self.axes, self.in_sizes)(gy)

    def name(self):
        padded = any(size > old for size, old in zip(self.sizes, self.in_sizes))
        return "ConstantPadNdBackward0" if padded else "SliceBackward0"


def _resized(x, axes, sizes):
    """``x`` with ``axes`` cropped or zero-padded to ``sizes`` (itself when they already fit)."""
    if all(x.array.shape[a] == s for a, s in zip(axes, sizes)):
        return x
    return Resize(tuple(axes), tuple(sizes))(x)


# ----- argument checks -----
def _input(op, input):
    if not isinstance(input, Tensor):
        raise argument_type_error(f"{op}(): argument 'input' (position 1) must be Tensor, not "
                                  f"{type(input).__name__}", input, "Tensor")
    if input.array.dtype.kind in "iub":  # integers are transformed as the default float dtype, as PyTorch's
        return input.to(dtypes.get_default_dtype())
    return input


def _norm(op, norm):
    if norm is None:
        return "backward"
    if norm not in _DUAL:
        raise RuntimeError(f'{op}: Invalid normalization mode: "{norm}"')
    return norm


def _points(op, n):
    if n < 1:
        raise RuntimeError(f"{op}: Invalid number of data points ({n}) specified")
    return n


def _sizes_and_axes(op, input, s, dim, all_dims_default):
    """The transform's axes and the size along each: PyTorch's rules for ``s`` and ``dim`` (-1 in ``s``: as is)."""
    ndim = input.array.ndim
    if s is not None:
        s = [int_arg(v, op, "s") for v in (s if isinstance(s, (tuple, list)) else (s,))]
    if dim is not None:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        if ndim == 0 and dims:
            raise IndexError(f"{op}: Dimension specified as {dims[0]} but tensor has no dimensions")
        axes = [_check_dim(d, ndim, op) for d in dims]
        if s is not None and len(s) != len(axes):
            raise RuntimeError(f"{op}: When given, dim and shape arguments must have the same length")
    elif s is not None:
        if len(s) > ndim:
            raise RuntimeError(f"{op}: Got shape with {len(s)} values but input tensor only has {ndim} dimensions.")
        axes = list(range(ndim - len(s), ndim))
    else:
        axes = list(range(ndim)) if all_dims_default else [_check_dim(d, ndim, op) for d in (-2, -1)]
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"{op}: FFT dims must be unique")
    sizes = [input.array.shape[a] if s is None or s[i] == -1 else s[i] for i, a in enumerate(axes)]
    return tuple(axes), [_points(op, size) for size in sizes]


def _one_axis_at_least(op, axes, sizes):
    """The real transforms need a last axis (the one-sided one)."""
    if not axes:
        raise RuntimeError(f"{op}: {op[4:]} must transform at least one axis")
    return axes, sizes


def _real_input(op, input):
    if input.array.dtype.kind == "c":
        raise RuntimeError(f"{op} expects a real input tensor, but got {scalar_type_name(input.array.dtype)}")
    return input


# ----- the transforms, n-dimensional; the 1-d and 2-d forms choose their axes -----
def _c2c(op, input, s, dim, norm, forward, out, all_dims=True, one_dim=False):
    """fft and ifft (``one_dim``: a real signal takes the real-to-complex op) and their 2-d and n-d forms."""
    input = _input(op, input)
    axes, sizes = _sizes_and_axes(op, input, s, dim, all_dims)
    x = _resized(input, axes, sizes)
    norm = _norm(op, norm)
    if x.array.dtype.kind == "c" or not one_dim:  # PyTorch's n-d transforms take a real signal as complex
        return write_out(op, FftC2C(axes, norm, forward)(to_complex(x)), out)
    if forward:
        return write_out(op, FftR2C(axes, norm, False)(x), out)
    return write_out(op, conj(FftR2C(axes, _DUAL[norm], False)(x)), out)  # a real signal's inverse, as PyTorch


def _r2c(op, input, s, dim, norm, out, all_dims=True):
    input = _real_input(op, _input(op, input))
    axes, sizes = _one_axis_at_least(op, *_sizes_and_axes(op, input, s, dim, all_dims))
    return write_out(op, FftR2C(axes, _norm(op, norm), True)(_resized(input, axes, sizes)), out)


def _c2r(op, input, s, dim, norm, out, all_dims=True):
    """irfftn's core: ``s``'s last size (default 2 (m - 1)) is the real output's; the input keeps its half."""
    input = _input(op, input)
    explicit_last = s is not None and (s if isinstance(s, (tuple, list)) else (s,))[-1] != -1
    axes, sizes = _one_axis_at_least(op, *_sizes_and_axes(op, input, s, dim, all_dims))
    last = sizes[-1] if explicit_last else _points(op, 2 * (input.array.shape[axes[-1]] - 1))
    z = _resized(input, axes, sizes[:-1] + [last // 2 + 1])
    return write_out(op, FftC2R(axes, _norm(op, norm), last)(to_complex(z)), out)


def _one(n, op):
    return None if n is None else (int_arg(n, op, "n"),)


def fft(input, n=None, dim=-1, norm=None, *, out=None):
    """The discrete Fourier transform along ``dim`` (``n`` points: cropped or zero-padded)."""
    op = "fft_fft"
    return _c2c(op, input, _one(n, op), dim, norm, True, out, one_dim=True)


def ifft(input, n=None, dim=-1, norm=None, *, out=None):
    """The inverse discrete Fourier transform along ``dim``."""
    op = "fft_ifft"
    return _c2c(op, input, _one(n, op), dim, norm, False, out, one_dim=True)


def rfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The transform of a real signal: its n // 2 + 1 non-negative frequencies."""
    op = "fft_rfft"
    return _r2c(op, input, _one(n, op), dim, norm, out)


def irfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The real signal of ``n`` points (default 2 (m - 1)) whose one-sided transform is ``input``."""
    op = "fft_irfft"
    return _c2r(op, input, _one(n, op), dim, norm, out)


def hfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The (real) transform of a one-sided Hermitian signal: ``irfft`` of its conjugate, dually normalized."""
    op = "fft_hfft"
    return _c2r(op, conj(_input(op, input)), _one(n, op), dim, _DUAL[_norm(op, norm)], out)


def ihfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The inverse of ``hfft``: the conjugate of ``rfft``, dually normalized."""
    op = "fft_ihfft"
    result = conj(_r2c(op, input, _one(n, op), dim, _DUAL[_norm(op, norm)], None))
    return write_out(op, result, out)


def fft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return _c2c("fft_fft2", input, s, dim, norm, True, out, all_dims=False)


def ifft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return _c2c("fft_ifft2", input, s, dim, norm, False, out, all_dims=False)


def rfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return _r2c("fft_rfft2", input, s, dim, norm, out, all_dims=False)


def irfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return _c2r("fft_irfft2", input, s, dim, norm, out, all_dims=False)


def fftn(input, s=None, dim=None, norm=None, *, out=None):
    """The n-dimensional transform over ``dim`` (all dims, or the last ``len(s)``)."""
    return _c2c("fft_fftn", input, s, dim, norm, True, out)


def ifftn(input, s=None, dim=None, norm=None, *, out=None):
    return _c2c("fft_ifftn", input, s, dim, norm, False, out)


def rfftn(input, s=None, dim=None, norm=None, *, out=None):
    return _r2c("fft_rfftn", input, s, dim, norm, out)


def irfftn(input, s=None, dim=None, norm=None, *, out=None):
    return _c2r("fft_irfftn", input, s, dim, norm, out)



def _frequencies(op, n, d, count, wrap, dtype, requires_grad, device, out):
    n = int_arg(n, op, "n")
    if n < 0:
        raise RuntimeError(f"{op}: Trying to create tensor with negative dimension {n}: [{n}]")
    if isinstance(d, Tensor) or not isinstance(d, (int, float)):
        raise argument_type_error(f"{op}(): argument 'd' must be float, not {type(d).__name__}", d, "float")

    def make(dtype):
        np_dtype = dtypes.to_numpy_dtype(dtype or dtypes.get_default_dtype())
        xp = arrays.default_module()
        steps = xp.arange(count(n), dtype=np_dtype)
        if wrap:  # the second half are the negative frequencies
            steps[(n + 1) // 2:] -= n
        with np.errstate(divide="ignore", invalid="ignore"):  # n = 0: rfftfreq's one frequency is NaN, as PyTorch's
            return steps * np_dtype.type(np.float64(1.0) / (n * d))
    return factory(op, make, dtype, requires_grad, device, out)


def fftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The frequencies of an ``n``-point transform with sample spacing ``d``: [0, 1, ..., -2, -1] / (n d)."""
    return _frequencies("fft_fftfreq", n, d, lambda n: n, True, dtype, requires_grad, device, out)


def rfftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The non-negative frequencies of an ``n``-point real transform: [0, 1, ..., n // 2] / (n d)."""
    return _frequencies("fft_rfftfreq", n, d, lambda n: n // 2 + 1, False, dtype, requires_grad, device, out)


def _shifted(op, input, dim, forward):
    if not isinstance(input, Tensor):
        raise argument_type_error(f"{op}(): argument 'input' (position 1) must be Tensor, not "
                                  f"{type(input).__name__}", input, "Tensor")
    if dim is None:
        axes = tuple(range(input.array.ndim))
    else:
        axes = tuple(_check_dim(d, input.array.ndim, op) for d in (dim if isinstance(dim, (tuple, list)) else (dim,)))
    if not axes:
        raise RuntimeError(f"{op}: `shifts` required (no dims to shift)")
    halves = [input.array.shape[a] // 2 for a in axes]
    return roll(input, tuple(h if forward else -h for h in halves), axes)


def fftshift(input, dim=None):
    """Roll the zero frequency to the centre of each dim in ``dim`` (all by default)."""
    return _shifted("fft_fftshift", input, dim, True)


def ifftshift(input, dim=None):
    """The inverse of ``fftshift``: the centre back to index 0."""
    return _shifted("fft_ifftshift", input, dim, False)

