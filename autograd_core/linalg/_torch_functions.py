"""The ``torch.*`` and ``Tensor`` names of linear algebra that predate ``torch.linalg``: det, inverse, logdet,
slogdet, cholesky, matrix_exp, matrix_power, pinverse, svd (with V, not Vh), qr (``some``)."""
import collections
import warnings

import numpy as np

from ..ops._registry import tensor_method
from ..ops._util import write_out
from ..ops.index import where
from ._checks import require_matrices
from ._decompositions import LinalgCholeskyEx, LinalgQr, LinalgSvd
from ._products import matrix_exp as _matrix_exp, matrix_power as _matrix_power
from ._solve import _write_pair, det as _det, inv, pinv, slogdet as _slogdet

slogdet_result = collections.namedtuple("slogdet", ["sign", "logabsdet"])
svd_result = collections.namedtuple("svd", ["U", "S", "V"])
qr_result = collections.namedtuple("qr", ["Q", "R"])


@tensor_method()
def det(input):
    """The determinant of each square matrix (``torch.linalg.det``)."""
    return _det(input)


@tensor_method()
def inverse(input, *, out=None):
    """The inverse of each square matrix (``torch.linalg.inv``)."""
    return inv(input, out=out)


@tensor_method()
def slogdet(input, *, out=None):
    """``(sign, logabsdet)`` of each determinant (``torch.linalg.slogdet``)."""
    return slogdet_result(*_slogdet(input, out=out))


@tensor_method()
def logdet(input):
    """log det of each square matrix: NaN where the determinant is negative, -inf where it is zero."""
    sign, logabsdet = _slogdet(input)
    return where(sign < 0, np.nan, logabsdet)


@tensor_method()
def cholesky(input, upper=False, *, out=None):
    """The Cholesky factor (deprecated by PyTorch in favour of ``torch.linalg.cholesky``)."""
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future "
                  "PyTorch release.", UserWarning, stacklevel=2)
    if input.array.size == 0:  # PyTorch's deprecated op returns an empty input as it is, whatever its shape
        return input.clone()
    require_matrices("cholesky", input)
    return write_out("cholesky", LinalgCholeskyEx(upper, "cholesky", node_name="CholeskyBackward0")(input), out)


@tensor_method()
def matrix_exp(input):
    """The matrix exponential of each square matrix (``torch.linalg.matrix_exp``)."""
    return _matrix_exp(input)


@tensor_method()
def matrix_power(input, n, *, out=None):
    """``input`` to the integer power ``n`` (``torch.linalg.matrix_power``)."""
    return _matrix_power(input, n, out=out)


@tensor_method()
def pinverse(input, rcond=1e-15):
    """The pseudoinverse, dropping singular values below ``rcond`` times the largest (``torch.linalg.pinv``)."""
    return pinv(input, rtol=rcond)


@tensor_method()
def svd(input, some=True, compute_uv=True, *, out=None):
    """``(U, S, V)`` with input = U diag(S) V^T (V, not Vh); without ``compute_uv`` U and V are zero (m, m), (n, n)."""
    require_matrices("linalg.svd", input, square=False)
    u, s, vh = LinalgSvd(not some or not compute_uv)(input)
    if not compute_uv:
        u, vh = u * 0, vh * 0
    return _write_pair("svd", svd_result(u, s, vh.mT), out)


@tensor_method()
def qr(input, some=True, *, out=None):
    """``(Q, R)`` of each matrix: reduced when ``some``, else a square Q (``torch.linalg.qr``'s 'complete')."""
    require_matrices("linalg.qr", input, square=False)
    return _write_pair("qr", qr_result(*LinalgQr("reduced" if some else "complete")(input)), out)
