"""Argument checks shared by ``torch.linalg``: PyTorch's words for bad shapes, dtypes and singular input."""
import numpy as np

from ..dtypes import is_floating
from ..arrays import array_module
from ..ops._util import _SCALAR_TYPE_NAMES
from ..tensor import Tensor, _new, argument_type_error


class LinAlgError(RuntimeError):
    """Raised by ``torch.linalg`` for singular or not positive-definite input (a RuntimeError, as PyTorch's)."""


LinAlgError.__module__ = "autograd_core.linalg"


def require_float(op, A, name="A"):
    """PyTorch's error unless ``A`` is a float32/float64 tensor."""
    if not isinstance(A, Tensor):
        raise argument_type_error(f"{op}(): argument '{name}' must be Tensor, not {type(A).__name__}", A, "Tensor")
    dtype = A.array.dtype
    if dtype == np.float16:
        raise NotImplementedError(f"{op}: not implemented for 'Half'")
    if not is_floating(dtype):
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got "
                           f"{_SCALAR_TYPE_NAMES[dtype.name]}")


def require_matrices(op, A, square=True, name="A"):
    """``A`` is float with at least 2 dims (batches of square matrices when ``square``)."""
    require_float(op, A, name)
    shape = A.array.shape
    if len(shape) < 2:
        raise RuntimeError(f"{op}: The input tensor {name} must have at least 2 dimensions.")
    if square and shape[-1] != shape[-2]:
        raise RuntimeError(f"{op}: {name} must be batches of square matrices, but they are {shape[-2]} by "
                           f"{shape[-1]} matrices")


def require_same_dtype(op, A, B):
    if A.array.dtype != B.array.dtype:
        raise RuntimeError(f"{op}: Expected A and B to have the same dtype, but found A of type "
                           f"{_SCALAR_TYPE_NAMES[A.array.dtype.name]} and B of type "
                           f"{_SCALAR_TYPE_NAMES[B.array.dtype.name]} instead")


def batch_prefix(batch_shape, flat_index):
    """PyTorch's "(Batch element i): " for a failure in a batch (nothing for a single matrix)."""
    return f"(Batch element {flat_index}): " if batch_shape else ""


def first_failure(a, fails):
    """The flat batch index and the result of ``fails(matrix)`` for the first matrix of ``a`` where it is nonzero."""
    flat = a.reshape((-1,) + a.shape[-2:])
    for i in range(flat.shape[0]):
        code = fails(flat[i])
        if code:
            return i, code
    return None, 0


def zero_pivot(m):
    """LAPACK getrf's info: the 1-based index of the first exactly-zero pivot of LU with partial pivoting, else 0."""
    xp = array_module(m)
    u = m.astype(np.float64)
    n = u.shape[0]
    for k in range(n):
        p = k + int(xp.abs(u[k:, k]).argmax())
        if float(u[p, k]) == 0.0:
            return k + 1
        if p != k:
            u[[k, p]] = u[[p, k]]
        u[k + 1:] = u[k + 1:] - (u[k + 1:, k] / u[k, k])[:, None] * u[k]
    return 0


def failed_minor(m):
    """The order of the first leading minor of ``m`` that is not positive-definite (0 when all are)."""
    xp = array_module(m)
    for k in range(1, m.shape[0] + 1):
        try:
            xp.linalg.cholesky(m[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return 0


def info_array(a, fails):
    """PyTorch's ``info`` of the ``*_ex`` functions: per matrix, ``fails(matrix)`` (0 on success), as int32."""
    xp = array_module(a)
    flat = a.reshape((-1,) + a.shape[-2:])
    codes = [fails(flat[i]) for i in range(flat.shape[0])]
    return _new(xp.asarray(codes, dtype=np.int32).reshape(a.shape[:-2]))


def eye_like(n, like):
    """A constant identity matrix of ``like``'s dtype and backend."""
    xp = array_module(like.array)
    return _new(xp.eye(n, dtype=like.array.dtype))


def each_matrix(func, a):
    """``func`` matrix by matrix over ``a``'s batch, NaN where it raises LinAlgError (the ``*_ex`` functions)."""
    xp = array_module(a)
    flat = a.reshape((-1,) + a.shape[-2:])
    results = []
    for i in range(flat.shape[0]):
        try:
            results.append(func(flat[i]))
        except np.linalg.LinAlgError:
            results.append(xp.full(a.shape[-2:], np.nan, dtype=a.dtype))
    return xp.stack(results).reshape(a.shape) if results else func(a)
