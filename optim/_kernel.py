"""What the fused update loops share: the Numba ``kernel`` decorator and exact scalar helpers (``fma``, ``lerp``...).

Each optimizer's update is one compiled loop over a parameter's elements, so the
step reads and writes every array once. The arithmetic follows PyTorch's CPU
kernels operation by operation: ``lerp``, ``addcmul`` and ``add(alpha=...)`` are
computed there with a fused multiply-add (one rounding), so they use ``fma`` here.
Scalars reach a loop already converted to the parameter's dtype, as PyTorch
applies Python numbers to a float32 tensor in float32.

Options become loop-invariant scalars where that is exact (a sign of +-1, a
decay factor of 1) rather than branches: LLVM vectorises a loop with one or two
invariant branches, not with many.

Numba's on-disk cache is keyed on each kernel's own source file: after editing
this module, delete ``optim/__pycache__/*.nbi`` and ``*.nbc``.
"""
import numba
import numpy as np
from numba.core import types
from numba.extending import intrinsic

SUPPORTED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def kernel(func):
    """Compile ``func`` as a fused update loop (cached on disk, numpy error model: no per-element checks)."""
    return numba.njit(cache=True, error_model="numpy", nogil=True)(func)


@intrinsic
def fma(typingctx, a, b, c):
    """``a * b + c`` with a single rounding (all three of one float type)."""
    if not (isinstance(a, types.Float) and a == b == c):
        return None  # a typing error naming fma, rather than invalid LLVM IR

    def codegen(context, builder, signature, args):
        return builder.fma(*args)
    return a(a, b, c), codegen


@numba.njit(inline="always")
def lerp(start, end, coeff, from_start):
    """``torch.lerp``'s vectorised CPU formula: ``fma(coeff, end - start, start or end)``.

    PyTorch starts from ``start`` with ``coeff = weight`` when |weight| < 0.5, else
    from ``end`` with ``coeff = weight - 1``; ``lerp_weights`` gives the pair.
    """
    return fma(coeff, end - start, start if from_start else end)


def lerp_weights(weight, dtype):
    """``lerp``'s loop-invariant arguments for a Python ``weight`` and an array ``dtype``: (coeff, from_start)."""
    w = dtype.type(weight)
    from_start = bool(abs(w) < 0.5)
    return (w if from_start else w - dtype.type(1)), from_start


def sign(maximize, dtype):
    """-1 to negate the gradient (``maximize``), else 1: multiplying by it is exact, and keeps the loop branch-free."""
    return dtype.type(-1 if maximize else 1)


@numba.njit(inline="always")
def maximum(a, b):
    """``torch.maximum`` of two numbers: the larger one, NaN when either is NaN."""
    return a if (a > b or a != a) else b
