"""The matrix factorisations MultivariateNormal needs, differentiable and batched over leading dimensions:
the Cholesky factor (``torch.linalg.cholesky``) and triangular solves (``torch.linalg.solve_triangular``)."""
import numpy as np

from ..arrays import array_module
from ..function import Function


class LinalgCholeskyEx(Function):
    """The lower Cholesky factor L of a symmetric positive-definite A = L L^T (its lower triangle is read)."""

    saves_output = True

    def forward(self, a):
        try:
            return array_module(a).linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise RuntimeError("linalg.cholesky: The factorization could not be completed because the input is not "
                               "positive-definite.") from None

    def backward(self, gl):
        # gA = L^-T Phi L^-1, Phi = the symmetric part of tril(L^T gL) with its diagonal halved
        factor = self.saved_output()
        lower = (factor.mT @ gl).tril()
        phi = 0.5 * (lower + lower.tril(-1).mT)
        left = solve_triangular(factor.mT, phi, upper=True)
        return solve_triangular(factor.mT, left.mT, upper=True).mT


class LinalgSolveTriangular(Function):
    """X with A X = B for a triangular A (only its ``upper`` or lower triangle is read)."""

    saves = (0,)
    saves_output = True

    def __init__(self, upper):
        self.upper = upper

    def forward(self, a, b):
        xp = array_module(a, b)
        return xp.linalg.solve(xp.triu(a) if self.upper else xp.tril(a), b)

    def backward(self, gx):
        a, x = self.saved(0), self.saved_output()
        gb = solve_triangular(a.mT, gx, upper=not self.upper)
        ga = None
        if self.needs_input_grad[0]:
            ga = -(gb @ x.mT)
            ga = ga.triu() if self.upper else ga.tril()
        return ga, gb if self.needs_input_grad[1] else None


def cholesky(input):
    """The lower Cholesky factor of each symmetric positive-definite matrix in ``input`` (..., n, n)."""
    return LinalgCholeskyEx()(input)


def solve_triangular(input, other, *, upper):
    """``input``^-1 ``other`` for triangular matrices ``input`` (..., n, n) and ``other`` (..., n, k)."""
    return LinalgSolveTriangular(upper)(input, other)
