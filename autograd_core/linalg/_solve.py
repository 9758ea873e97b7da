"""Inverses and solvers of ``torch.linalg``: inv, det, slogdet, solve, solve_triangular, pinv, lstsq, matrix_rank.

Each backward is written with differentiable tensor ops, so double backward works.
"""
import collections

import numpy as np

from ..arrays import array_module
from ..function import Function
from ..ops._util import write_out
from ..tensor import _new
from ._checks import (LinAlgError, batch_prefix, eye_like, first_failure, info_array, require_float, require_matrices,
                      require_same_dtype, zero_pivot)

linalg_inv_ex = collections.namedtuple("linalg_inv_ex", ["inverse", "info"])
linalg_solve_ex = collections.namedtuple("linalg_solve_ex", ["result", "info"])
linalg_slogdet = collections.namedtuple("linalg_slogdet", ["sign", "logabsdet"])
linalg_lstsq = collections.namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])


def _solved_each(a, b):
    """``solve(a, b)`` matrix by matrix over the broadcast batch, NaN where a matrix is singular (``*_ex``)."""
    xp = array_module(a, b)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = xp.broadcast_to(a, batch + a.shape[-2:]).reshape((-1,) + a.shape[-2:])
    b = xp.broadcast_to(b, batch + b.shape[-2:]).reshape((-1,) + b.shape[-2:])
    out = xp.full(b.shape, np.nan, dtype=b.dtype)
    for i in range(a.shape[0]):
        try:
            out[i] = xp.linalg.solve(a[i], b[i])
        except np.linalg.LinAlgError:
            pass
    return out.reshape(batch + b.shape[-2:])


def _solved(a, b, check_errors, op):
    """``solve(a, b)``; for a singular matrix LinAlgError (``check_errors``) or NaN in its place."""
    try:
        return array_module(a, b).linalg.solve(a, b)
    except np.linalg.LinAlgError:
        if check_errors:
            raise LinAlgError(_solve_message(op, a)) from None
        return _solved_each(a, b)


def _inverse_message(op, a):
    index, pivot = first_failure(a, zero_pivot)
    return (f"{op}: {batch_prefix(a.shape[:-2], index or 0)}The diagonal element {pivot or a.shape[-1]} is "
            "zero, the inversion could not be completed because the input matrix is singular.")


def _solve_message(op, a):
    index, _ = first_failure(a, zero_pivot)
    return (f"torch.{op}: {batch_prefix(a.shape[:-2], index or 0)}The solver failed because the input "
            "matrix is singular.")


def _info(a, failed):
    """``info`` of an ``*_ex`` result: zeros unless a matrix failed, then LAPACK's pivot index per matrix."""
    if not failed:
        xp = array_module(a)
        return _new(xp.zeros(a.shape[:-2], dtype=np.int32))
    return info_array(a, zero_pivot)


class LinalgInvEx(Function):
    """A^-1; gA = -A^-T G A^-T."""

    saves_output = True

    def __init__(self, op="linalg.inv", check_errors=True):
        self.op, self.check_errors = op, check_errors

    def forward(self, a):
        xp = array_module(a)
        try:
            return xp.linalg.inv(a)
        except np.linalg.LinAlgError:
            if self.check_errors:
                raise LinAlgError(_inverse_message(self.op, a)) from None
            return _solved_each(a, xp.broadcast_to(xp.eye(a.shape[-1], dtype=a.dtype), a.shape))

    def backward(self, g):
        y = self.saved_output().mT
        return -(y @ g @ y)


def inv(A, *, out=None):
    """The inverse of each square matrix of ``A`` (..., n, n); LinAlgError when one is singular."""
    require_matrices("linalg.inv", A)
    return write_out("linalg.inv", LinalgInvEx()(A), out)


def inv_ex(A, *, check_errors=False, out=None):
    """``(inverse, info)``: ``info`` is 0 per invertible matrix, else LAPACK's index of the zero pivot."""
    require_matrices("linalg.inv_ex", A)
    inverse = LinalgInvEx("linalg.inv_ex", check_errors)(A)
    result = linalg_inv_ex(inverse, _info(A.array, bool(array_module(inverse.array).isnan(inverse.array).any())))
    return _write_pair("linalg.inv_ex", result, out)


def _write_pair(op, result, out):
    """A named pair of results, each written into its ``out`` tensor when given."""
    if out is None:
        return result
    return type(result)(*[write_out(op, r, o) for r, o in zip(result, out)])


class LinalgDet(Function):
    """det A; gA = g det(A) A^-T, or g times the cofactor matrix (from the SVD) when A is singular."""

    saves = (0,)
    saves_output = True

    def forward(self, a):
        return array_module(a).linalg.det(a)

    def backward(self, g):
        a, d = self.saved(0), self.saved_output()
        scale = (g * d).unsqueeze(-1).unsqueeze(-1)
        try:
            return scale * inv(a).mT
        except LinAlgError:
            return g.unsqueeze(-1).unsqueeze(-1) * _cofactor(a)


def _cofactor(a):
    """det(A) A^-T for any square A: det(U) det(V) U diag(prod of the other singular values) V^T."""
    from ._decompositions import svd
    u, s, vh = svd(a)
    n = s.shape[-1]
    off_diagonal = s.unsqueeze(-2).expand(*s.shape[:-1], n, n) * (1 - eye_like(n, s)) + eye_like(n, s)
    others = off_diagonal.prod(-1)
    sign = (det(u) * det(vh)).unsqueeze(-1).unsqueeze(-1)
    return sign * (u * others.unsqueeze(-2)) @ vh


def det(A, *, out=None):
    """The determinant of each square matrix of ``A`` (..., n, n)."""
    require_matrices("linalg.det", A)
    return write_out("linalg.det", LinalgDet()(A), out)


class LinalgSlogdet(Function):
    """(sign, log|det A|); g_logabsdet A^-T (the sign has no gradient)."""

    saves = (0,)

    def forward(self, a):
        sign, logabsdet = array_module(a).linalg.slogdet(a)
        return sign, logabsdet

    def backward(self, g_sign, g_logabsdet):
        if g_logabsdet is None:
            return None
        return g_logabsdet.unsqueeze(-1).unsqueeze(-1) * inv(self.saved(0)).mT


def slogdet(A, *, out=None):
    """``(sign, logabsdet)`` of the determinant of each square matrix of ``A``."""
    require_matrices("linalg.slogdet", A)
    return _write_pair("linalg.slogdet", linalg_slogdet(*LinalgSlogdet()(A)), out)


class LinalgSolveEx(Function):
    """X with A X = B (X A = B when not ``left``); gB = A^-T G (G A^-T), gA = -gB X^T (-X^T gB)."""

    saves = (0,)
    saves_output = True

    def __init__(self, left, vector, op="linalg.solve", check_errors=True):
        self.left, self.vector, self.op, self.check_errors = left, vector, op, check_errors

    def forward(self, a, b):
        if self.vector:
            b = b[..., None]
        if self.left:
            x = _solved(a, b, self.check_errors, self.op)
        else:
            x = _solved(a.swapaxes(-1, -2), b.swapaxes(-1, -2), self.check_errors, self.op)
            x = x.swapaxes(-1, -2)
        return x[..., 0] if self.vector else x

    def backward(self, g):
        a, x = self.saved(0), self.saved_output()
        if self.vector:
            g, x = g.unsqueeze(-1), x.unsqueeze(-1)
        gb = solve(a.mT, g, left=self.left)
        ga = -(gb @ x.mT) if self.left else -(x.mT @ gb)
        if self.vector:
            gb = gb.squeeze(-1)
        return (ga if self.needs_input_grad[0] else None), (gb if self.needs_input_grad[1] else None)


def _solve_args(op, A, B, left):
    """Checks ``A`` and ``B`` of ``A X = B`` and says whether ``B`` is a (batch of) vector(s)."""
    require_matrices(op, A)
    require_float(op, B, "B")
    require_same_dtype(op, A, B)
    a, b = A.array.shape, B.array.shape
    vector = left and (len(b) == 1 or (len(b) == len(a) - 1 and b == a[:-1]))
    rows = b[-1] if vector else (b[-2] if left else b[-1])
    if rows != a[-1]:
        b_dims = f"{b[-1]}x1" if vector else f"{b[-2]}x{b[-1]}"
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({a[-2]}x{a[-1]} and {b_dims})")
    return vector


def solve(A, B, *, left=True, out=None):
    """X with ``A @ X = B`` (``X @ A = B`` when not ``left``); B may be a vector. LinAlgError for a singular A."""
    vector = _solve_args("linalg.solve", A, B, left)
    return write_out("linalg.solve", LinalgSolveEx(left, vector)(A, B), out)


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """``(result, info)`` of ``solve``; ``info`` is nonzero for each singular matrix of ``A``."""
    vector = _solve_args("linalg.solve_ex", A, B, left)
    result = LinalgSolveEx(left, vector, "linalg.solve_ex", check_errors)(A, B)
    failed = bool(array_module(result.array).isnan(result.array).any())
    return _write_pair("linalg.solve_ex", linalg_solve_ex(result, _info(A.array, failed)), out)


def _triangle(xp, a, upper, unitriangular):
    """The triangle of ``a`` that is read, with ones on the diagonal when ``unitriangular``."""
    if unitriangular:
        strict = xp.triu(a, 1) if upper else xp.tril(a, -1)
        return strict + xp.eye(a.shape[-1], dtype=a.dtype)
    return xp.triu(a) if upper else xp.tril(a)


class LinalgSolveTriangular(Function):
    """X with A X = B for a triangular A (X A = B when not ``left``): only the ``upper`` or lower triangle is read."""

    saves = (0,)
    saves_output = True

    def __init__(self, upper, left, unitriangular):
        self.upper, self.left, self.unitriangular = upper, left, unitriangular

    def forward(self, a, b):
        xp = array_module(a, b)
        t = _triangle(xp, a, self.upper, self.unitriangular)
        with np.errstate(all="ignore"):
            try:
                if self.left:
                    return xp.linalg.solve(t, b)
                return xp.linalg.solve(t.swapaxes(-1, -2), b.swapaxes(-1, -2)).swapaxes(-1, -2)
            except np.linalg.LinAlgError:
                raise LinAlgError("linalg.solve_triangular: the triangular matrix A has a zero on its diagonal "
                                  "(PyTorch returns inf and NaN there; this backend refuses it)") from None

    def backward(self, g):
        a, x = self.saved(0), self.saved_output()
        gb = solve_triangular(a.mT, g, upper=not self.upper, left=self.left, unitriangular=self.unitriangular)
        ga = None
        if self.needs_input_grad[0]:
            ga = -(gb @ x.mT) if self.left else -(x.mT @ gb)
            offset = 1 if self.unitriangular else 0
            ga = ga.triu(offset) if self.upper else ga.tril(-offset)
        return ga, (gb if self.needs_input_grad[1] else None)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """X with ``A @ X = B`` (``X @ A = B`` when not ``left``) for triangular ``A`` (..., n, n), ``B`` (..., n, k)."""
    op = "linalg.solve_triangular"
    require_matrices(op, A)
    require_matrices(op, B, square=False, name="B")
    require_same_dtype(op, A, B)
    n, rows = A.array.shape[-1], (B.array.shape[-2] if left else B.array.shape[-1])
    if rows != n:
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation {'AX = B' if left else 'XA = B'}"
                           f" ({n}x{n} and {B.array.shape[-2]}x{B.array.shape[-1]})")
    return write_out(op, LinalgSolveTriangular(upper, left, unitriangular)(A, B), out)


def _tolerance(s, atol, rtol, shape):
    """The cutoff below which singular values count as zero: max(atol, rtol * the largest), as PyTorch's pinv."""
    if rtol is None:
        rtol = np.finfo(s.dtype).eps * max(shape[-2:]) if atol is None or atol <= 0 else 0.0
    largest = abs(s).max(axis=-1, keepdims=True) if s.shape[-1] else s[..., :1]
    return array_module(s).maximum(atol or 0.0, rtol * largest)


def _pinv_array(a, atol, rtol, hermitian):
    xp = array_module(a)
    if hermitian:
        w, v = xp.linalg.eigh(a)
        keep = abs(w) > _tolerance(w, atol, rtol, a.shape)
        w_inv = xp.where(keep, 1 / xp.where(keep, w, 1), 0).astype(a.dtype)
        return (v * w_inv[..., None, :]) @ v.swapaxes(-1, -2)
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    keep = s > _tolerance(s, atol, rtol, a.shape)
    s_inv = xp.where(keep, 1 / xp.where(keep, s, 1), 0).astype(a.dtype)
    return (vh.swapaxes(-1, -2) * s_inv[..., None, :]) @ u.swapaxes(-1, -2)


def pinv_backward(g, p, a):
    """The gradient of A^+ (``p``) for ``a`` given its gradient ``g`` (Golub and Pereyra's formula)."""
    m, n = a.shape[-2:]
    ph, gh = p.mT, g.mT
    if m <= n:
        k = gh @ p
        k_ph = k @ ph
        return -(p @ k).mT + k_ph - (a @ p) @ k_ph + (ph @ p) @ (gh - k @ a)
    k = p @ gh
    ph_k = ph @ k
    return -(k @ p).mT + (gh - a @ k) @ p @ ph + ph_k - ph_k @ p @ a


class LinalgPinv(Function):
    """The Moore-Penrose pseudoinverse from the SVD (the eigendecomposition when ``hermitian``)."""

    saves = (0,)
    saves_output = True

    def __init__(self, atol, rtol, hermitian):
        self.atol, self.rtol, self.hermitian = atol, rtol, hermitian

    def forward(self, a):
        return _pinv_array(a, self.atol, self.rtol, self.hermitian)

    def backward(self, g):
        return pinv_backward(g, self.saved_output(), self.saved(0))


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """The pseudoinverse of each matrix of ``A``: singular values at most max(atol, rtol * the largest) are dropped."""
    require_matrices("linalg.pinv", A, square=hermitian)
    return write_out("linalg.pinv", LinalgPinv(atol, rtol, hermitian)(A), out)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """How many singular values (eigenvalues' magnitudes when ``hermitian``) of each matrix exceed the tolerance."""
    require_matrices("linalg.matrix_rank", A, square=hermitian)
    a = A.array
    xp = array_module(a)
    s = abs(xp.linalg.eigvalsh(a)) if hermitian else xp.linalg.svd(a, compute_uv=False)
    rank = (s > _tolerance(s, atol, rtol, a.shape)).sum(axis=-1).astype(np.int64)
    return write_out("linalg.matrix_rank", _new(xp.asarray(rank)), out)


class LinalgLstsq(Function):
    """The least-squares solution A^+ B; its gradient is that of the pseudoinverse product."""

    saves = (0, 1)

    def __init__(self, rcond, vector):
        self.rcond, self.vector = rcond, vector

    def forward(self, a, b):
        p = _pinv_array(a, None, self.rcond, False)
        return (p @ b[..., None])[..., 0] if self.vector else p @ b

    def backward(self, g):
        a, b = self.saved_tensors
        if self.vector:
            g, b = g.unsqueeze(-1), b.unsqueeze(-1)
        p = pinv(a, rtol=self.rcond)
        ga = pinv_backward(g @ b.mT, p, a) if self.needs_input_grad[0] else None
        gb = (p.mT @ g) if self.needs_input_grad[1] else None
        if self.vector and gb is not None:
            gb = gb.squeeze(-1)
        return ga, gb


_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution of ``A X = B`` with PyTorch's result fields for each LAPACK ``driver``."""
    op = "torch.linalg.lstsq"
    require_matrices("linalg.lstsq", A, square=False)
    require_same_dtype("linalg.lstsq", A, B)
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise RuntimeError(f"{op}: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    vector = B.array.ndim == A.array.ndim - 1
    if (B.array.shape[-1] if vector else B.array.shape[-2]) != A.array.shape[-2]:
        raise RuntimeError(f"{op}: input.size(-2) should match other.size(-2)")
    a = A.array
    xp = array_module(a)
    m, n = a.shape[-2:]
    if rcond is None:
        rcond = float(np.finfo(a.dtype).eps) * max(m, n)
    solution = LinalgLstsq(rcond, vector)(A, B)
    s = xp.linalg.svd(a, compute_uv=False)
    full_rank = (s > _tolerance(s, None, rcond, a.shape)).sum(axis=-1)
    empty = xp.zeros((0,), dtype=a.dtype)
    rank = _new(full_rank.astype(np.int64)) if driver != "gels" else _new(xp.zeros((0,), dtype=np.int64))
    values = _new(s) if driver in ("gelsd", "gelss") else _new(empty)
    residuals = _new(empty)
    if driver != "gelsy" and m > n and bool((full_rank == n).all()):
        x, b = solution.array, B.array
        r = (a @ x[..., None] - b[..., None])[..., 0] if vector else a @ x - b
        residuals = _new((r * r).sum(axis=-1 if vector else -2))
    return linalg_lstsq(solution, residuals, rank, values)
