"""Factorisations of ``torch.linalg``: cholesky, qr, svd/svdvals, eigh/eigvalsh, with PyTorch's gradients.

Backwards are written with differentiable tensor ops on the factors (connected to
the node, as PyTorch's saved outputs are), so double backward works.
"""
import collections

import numpy as np

from ..arrays import array_module
from ..function import Function
from ..ops._util import write_out
from ..ops.shape import cat
from ..tensor import _new
from ._checks import (LinAlgError, batch_prefix, each_matrix, eye_like, failed_minor, first_failure, info_array,
                      require_matrices)
from ._solve import _write_pair, solve_triangular

linalg_cholesky_ex = collections.namedtuple("linalg_cholesky_ex", ["L", "info"])
linalg_qr = collections.namedtuple("linalg_qr", ["Q", "R"])
linalg_svd = collections.namedtuple("linalg_svd", ["U", "S", "Vh"])
linalg_eigh = collections.namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])


class _Factorisation(Function):
    """An op whose backward reads its outputs, saved in forward and returned as tensors connected to the node."""

    def factors(self):
        return [_new(value, self, i) for i, value in enumerate(self.saved_tensors)]


def _zeros_for(g, like):
    return g if g is not None else like * 0


def _cholesky_message(op, a):
    index, order = first_failure(a, failed_minor)
    return (f"{op}: {batch_prefix(a.shape[:-2], index or 0)}The factorization could not be completed "
            f"because the input is not positive-definite (the leading minor of order {order or a.shape[-1]} is not "
            "positive-definite).")


class LinalgCholeskyEx(Function):
    """The Cholesky factor L of A = L L^T (U = L^T when ``upper``); gA = L^-T Phi(L^T gL) L^-1, symmetric."""

    saves_output = True

    def __init__(self, upper, op="linalg.cholesky", check_errors=True, node_name="LinalgCholeskyExBackward0"):
        self.upper, self.op, self.check_errors, self.node_name = upper, op, check_errors, node_name

    def forward(self, a):
        xp = array_module(a)
        try:
            factor = xp.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            if self.check_errors:
                raise LinAlgError(_cholesky_message(self.op, a)) from None
            factor = each_matrix(xp.linalg.cholesky, a)
        return factor.swapaxes(-1, -2) if self.upper else factor

    def backward(self, g):
        factor = self.saved_output()
        lower, g_lower = (factor.mT, g.mT) if self.upper else (factor, g)
        product = (lower.mT @ g_lower).tril()
        phi = 0.5 * (product + product.tril(-1).mT)
        left = solve_triangular(lower.mT, phi, upper=True)
        return solve_triangular(lower.mT, left.mT, upper=True).mT

    def name(self):
        return self.node_name


def cholesky(A, *, upper=False, out=None):
    """The lower Cholesky factor L (A = L L^T) of each symmetric positive-definite matrix; U = L^T when ``upper``."""
    require_matrices("linalg.cholesky", A)
    return write_out("linalg.cholesky", LinalgCholeskyEx(upper)(A), out)


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """``(L, info)``: ``info`` is the order of the first leading minor that is not positive-definite, else 0."""
    require_matrices("linalg.cholesky_ex", A)
    factor = LinalgCholeskyEx(upper, "linalg.cholesky_ex", check_errors)(A)
    xp = array_module(A.array)
    failed = bool(xp.isnan(factor.array).any())
    info = info_array(A.array, failed_minor) if failed else _new(xp.zeros(A.array.shape[:-2], dtype=np.int32))
    return _write_pair("linalg.cholesky_ex", linalg_cholesky_ex(factor, info), out)


_QR_MODES = ("reduced", "complete", "r")


class LinalgQr(_Factorisation):
    """A = Q R with orthonormal Q and upper-triangular R (LAPACK's signs, as PyTorch's)."""

    def __init__(self, mode):
        self.mode = mode

    def forward(self, a):
        xp = array_module(a)
        if self.mode == "r":
            q, r = xp.zeros((0,), dtype=a.dtype), xp.linalg.qr(a, mode="r")
        else:
            q, r = xp.linalg.qr(a, mode=self.mode)
        self.save_for_backward(q, r)
        return q, r

    def backward(self, gq, gr):
        if self.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                               "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
                               "linalg.qr.")
        q, r = self.factors()
        m, n = q.shape[-2], r.shape[-1]
        if self.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        gq, gr = _zeros_for(gq, q), _zeros_for(gr, r)
        if m >= n:
            return _qr_backward_tall(gq, gr, q, r)
        # a wide A = Q [X Y]: Q, X are the QR of A's first m columns, Y = Q^T A_Y also reaches Q
        x, y, gx, gy = r[..., :m], r[..., m:], gr[..., :m], gr[..., m:]
        return cat([_qr_backward_tall(gq + q @ (y @ gy.mT), gx, q, x), q @ gy], -1)


def _qr_backward_tall(gq, gr, q, r):
    """gA = (gQ + Q copyltu(M)) R^-T, M = R gR^T - gQ^T Q, for m >= n."""
    m_ = r @ gr.mT - gq.mT @ q
    lower = m_.tril(-1)
    copyltu = lower + lower.mT + m_ * eye_like(m_.shape[-1], m_)
    b = gq + q @ copyltu
    return solve_triangular(r, b.mT, upper=True).mT


def qr(A, mode="reduced", *, out=None):
    """``(Q, R)`` of each matrix: ``mode`` 'reduced' (k = min(m, n) columns), 'complete' (square Q) or 'r' (R only)."""
    if mode not in _QR_MODES:
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           "or 'complete'")
    require_matrices("linalg.qr", A, square=False)
    return _write_pair("linalg.qr", linalg_qr(*LinalgQr(mode)(A)), out)


class LinalgSvd(_Factorisation):
    """A = U diag(S) Vh, S descending; PyTorch's gradient (the gauge of real singular vectors is their sign)."""

    def __init__(self, full_matrices):
        self.full_matrices = full_matrices

    def forward(self, a):
        u, s, vh = array_module(a).linalg.svd(a, full_matrices=self.full_matrices)
        self.save_for_backward(u, s, vh)
        return u, s, vh

    def backward(self, gu, gs, gvh):
        u, s, vh = self.factors()
        k = s.shape[-1]
        if self.full_matrices:  # the extra columns of a full U (rows of Vh) do not change A
            u, vh = u[..., :k], vh[..., :k, :]
            gu = gu[..., :k] if gu is not None else None
            gvh = gvh[..., :k, :] if gvh is not None else None
        return svd_backward(gu, gs, gvh, u, s, vh)


def svd_backward(gu, gs, gvh, u, s, vh):
    """The gradient of A from those of its thin SVD's factors (any of them may be None)."""
    m, n = u.shape[-2], vh.shape[-1]
    if gu is None and gvh is None:
        gs = _zeros_for(gs, s)
        return u @ (gs.unsqueeze(-1) * vh) if m >= n else (u * gs.unsqueeze(-2)) @ vh
    v = vh.mT
    s2 = s * s
    e = s2.unsqueeze(-2) - s2.unsqueeze(-1) + eye_like(s.shape[-1], s)  # s_j^2 - s_i^2, ones on the diagonal
    ga = 0
    if gu is not None:
        uhgu = u.mT @ gu
        ga = ((uhgu - uhgu.mT) / e) * s.unsqueeze(-2)
    if gvh is not None:
        vhgv = vh @ gvh.mT
        ga = ga + s.unsqueeze(-1) * ((vhgv - vhgv.mT) / e)
    if gs is not None:
        ga = ga + gs.unsqueeze(-1) * eye_like(s.shape[-1], s)
    if m > n and gu is not None:
        gu_sinv = gu / s.unsqueeze(-2)
        return (u @ ga + gu_sinv - u @ (u.mT @ gu_sinv)) @ vh
    if m < n and gvh is not None:
        sinv_gvh = gvh / s.unsqueeze(-1)
        return u @ (ga @ vh + sinv_gvh - (sinv_gvh @ v) @ vh)
    return u @ (ga @ vh)


def svd(A, full_matrices=True, *, driver=None, out=None):
    """``(U, S, Vh)`` with A = U diag(S) Vh, S descending; thin factors unless ``full_matrices``."""
    require_matrices("linalg.svd", A, square=False)
    result = linalg_svd(*LinalgSvd(full_matrices)(A))
    return _write_pair("linalg.svd", result, out)


def svdvals(A, *, driver=None, out=None):
    """The singular values of each matrix of ``A``, descending."""
    require_matrices("linalg.svdvals", A, square=False)
    return write_out("linalg.svdvals", LinalgSvd(False)(A)[1], out)


class LinalgEigh(_Factorisation):
    """Eigenvalues (ascending) and orthonormal eigenvectors of symmetric matrices (the ``uplo`` triangle is read)."""

    def __init__(self, uplo):
        self.uplo = uplo

    def forward(self, a):
        w, v = array_module(a).linalg.eigh(a, UPLO=self.uplo)
        self.save_for_backward(w, v)
        return w, v

    def backward(self, gw, gv):
        w, v = self.factors()
        if gv is None:
            return v @ (_zeros_for(gw, w).unsqueeze(-1) * v.mT)
        vhgv = v.mT @ gv
        n = w.shape[-1]
        e = w.unsqueeze(-2) - w.unsqueeze(-1) + eye_like(n, w)  # w_j - w_i, ones on the diagonal
        inner = 0.5 * (vhgv - vhgv.mT) / e
        if gw is not None:
            inner = inner + gw.unsqueeze(-1) * eye_like(n, w)
        return v @ inner @ v.mT


def _check_uplo(op, A, UPLO):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    require_matrices(op, A)


def eigh(A, UPLO="L", *, out=None):
    """``(eigenvalues, eigenvectors)`` of each symmetric matrix; only its ``UPLO`` ('L' or 'U') triangle is read."""
    _check_uplo("linalg.eigh", A, UPLO)
    return _write_pair("linalg.eigh", linalg_eigh(*LinalgEigh(UPLO)(A)), out)


def eigvalsh(A, UPLO="L", *, out=None):
    """The eigenvalues (ascending) of each symmetric matrix of ``A``."""
    _check_uplo("linalg.eigvalsh", A, UPLO)
    return write_out("linalg.eigvalsh", LinalgEigh(UPLO)(A)[0], out)
