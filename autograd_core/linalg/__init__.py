"""``torch.linalg``: norms, inverses, solvers and factorisations with PyTorch's gradients, batched over leading dims.

Everything runs through the array seam (``xp.linalg``), so a CuPy backend gets it too. Complex
matrices (``eig``, ``eigvals``) are not offered: the tensors here are real.
"""
from ..ops.linalg import matmul
from ..tensor import check_tensor_arguments as _check_tensor_arguments
from ._checks import LinAlgError
from ._decompositions import cholesky, cholesky_ex, eigh, eigvalsh, qr, svd, svdvals
from ._products import (cond, cross, diagonal, matrix_exp, matrix_norm, matrix_power, multi_dot, norm, tensorinv,
                        tensorsolve, vander, vecdot, vector_norm)
from ._solve import det, inv, inv_ex, lstsq, matrix_rank, pinv, slogdet, solve, solve_ex, solve_triangular

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv",
           "inv_ex", "lstsq", "matmul", "matrix_exp", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm",
           "pinv", "qr", "slogdet", "solve", "solve_ex", "solve_triangular", "svd", "svdvals", "tensorinv",
           "tensorsolve", "vander", "vecdot", "vector_norm"]

_check_tensor_arguments(globals())  # torch.linalg.inv(None): PyTorch's TypeError naming the function and argument
