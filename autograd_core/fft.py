"""``torch.fft``: the sample frequencies of a discrete Fourier transform and the shifts that centre them.

The transforms themselves (fft, ifft, rfft, irfft, fft2, fftn...) take or give complex tensors, which
this library does not have yet (its dtypes are real), so they are not offered.
"""
import numpy as np

from . import arrays, dtypes
from .creation import factory
from .ops.shape import roll
from .tensor import Tensor, _check_dim, argument_type_error, int_arg

__all__ = ["fftfreq", "fftshift", "ifftshift", "rfftfreq"]


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

