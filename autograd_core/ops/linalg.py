"""Linear algebra: matmul (``@``), mm, bmm, mv, dot, outer, addmm and einsum, on BLAS through numpy."""
import string
from collections import Counter

import numpy as np

from ..arrays import array_module
from ..dtypes import computes_bfloat16_in_float32
from ..function import Function
from ..tensor import Tensor, _new
from ._registry import tensor_method
from ..device import check_same_device
from ._util import as_operand, require_out_dtype, write_out
from .complex import conj
from .shape import sum_to, reshape, broadcast_to

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "outer", "ger", "addmm", "einsum"]

# PyTorch's node for matmul by operand ranks: these call one kernel, higher ranks fold into bmm or mm
_PRODUCT_NAMES = {(1, 1): "DotBackward0", (2, 1): "MvBackward0", (2, 2): "MmBackward0", (1, 2): "SqueezeBackward4"}


class MatMul(Function):
    """numpy's matmul: vectors are promoted to matrices and batch dims broadcast.

    ``node_name`` is PyTorch's for the entry point (``mm``, ``bmm``...); for ``matmul`` it
    follows from the ranks, as PyTorch's decomposition names it.
    """

    saves = (0, 1)

    def __init__(self, node_name=None):
        self.node_name = node_name

    @computes_bfloat16_in_float32  # numpy's bfloat16 matmul returns float32: PyTorch's result is bfloat16
    def forward(self, a, b):
        self.ndims = (a.ndim, b.ndim)
        # a single matrix times a batch: PyTorch folds the batch into one product of transposes and copies
        # (``clone``) the result back to contiguous
        self.folds_first = b.ndim >= 3 and (a.ndim == 2 or (a.ndim == b.ndim == 3 and a.shape[0] == 1 != b.shape[0]))
        return a @ b

    def backward(self, gy):
        a, b = self.saved_tensors
        if gy.array.dtype.kind == "c":  # complex: the adjoint, conj(b)^T and conj(a)^T, as PyTorch
            a, b = conj(a), conj(b)
        if a.array.ndim == 1 and b.array.ndim == 1:
            return (gy * b if self.needs_input_grad[0] else None), (gy * a if self.needs_input_grad[1] else None)
        # vectors as matrices: a (k,) as (1, k), b (k,) as (k, 1); the gradient gets the dropped dim back
        a2 = a if a.array.ndim > 1 else reshape(a, (1, -1))
        b2 = b if b.array.ndim > 1 else reshape(b, (-1, 1))
        g = gy
        if a.array.ndim == 1:
            g = g.unsqueeze(-2)
        if b.array.ndim == 1:
            g = g.unsqueeze(-1)
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = sum_to(matmul(g, b2.mT), a2.array.shape).reshape(a.array.shape)
        if self.needs_input_grad[1]:
            if b2.array.ndim == 2 and g.array.ndim > 2:  # one matrix shared by a batch: a single BLAS call
                k, n = b2.array.shape
                gb = matmul(reshape(a2, (-1, k)).mT, reshape(g, (-1, n)))
            else:
                gb = sum_to(matmul(a2.mT, g), b2.array.shape)
            gb = gb.reshape(b.array.shape)
        return ga, gb

    def name(self):
        if self.node_name is not None:
            return self.node_name
        name = _PRODUCT_NAMES.get(self.ndims)
        if name is not None:
            return name
        return "CloneBackward0" if self.folds_first and self.needs_input_grad[0] else "UnsafeViewBackward0"


def _dims(shape):
    return "x".join(str(s) for s in shape)


def _product(a, b, op, node_name=None):
    """``MatMul`` of two checked-rank tensors, with PyTorch's errors for dtypes and sizes."""
    if a.array.dtype != b.array.dtype:
        raise RuntimeError(f"{op}: expected both arguments to have the same dtype, but got {a.dtype} and {b.dtype}")
    try:
        return MatMul(node_name)(a, b)
    except TypeError:  # CuPy refuses a numpy array: tensors on two devices?
        check_same_device(a, b)
        raise
    except ValueError:
        sa, sb = a.array.shape, b.array.shape
        if len(sa) == 1 and len(sb) == 1:
            message = (f"inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to have the same "
                       f"number of elements, but got {sa[0]} and {sb[0]} elements respectively")
        elif sa[-1] != (sb[-2] if len(sb) > 1 else sb[0]):
            message = f"mat1 and mat2 shapes cannot be multiplied ({_dims(sa[-2:])} and {_dims(sb[-2:])})"
        else:
            message = (f"batch dimensions {list(sa[:-2])} and {list(sb[:-2])} cannot be broadcast together "
                       f"(shapes {list(sa)} and {list(sb)})")
        raise RuntimeError(f"{op}: {message}") from None


@tensor_method("matmul", "__matmul__")
def matmul(input, other, *, out=None):
    """Matrix product with numpy semantics: dot for vectors, broadcasting over batch dims."""
    if not isinstance(other, Tensor):
        other = as_operand(other, input, "matmul")
    if input.array.ndim == 0 or other.array.ndim == 0:
        raise RuntimeError(f"matmul: both arguments to matmul need to be at least 1D, but they are "
                           f"{input.array.ndim}D and {other.array.ndim}D")
    result = _product(input, other, "matmul")
    return write_out("matmul", result, require_out_dtype(out, result.array.dtype))


Tensor.__rmatmul__ = lambda self, other: matmul(as_operand(other, self, "matmul"), self)


def _require_rank(op, names_ranks):
    for name, t, rank in names_ranks:
        if t.array.ndim != rank:
            raise RuntimeError(f"{op}: {name} must be a {rank}-D tensor, but got a {t.array.ndim}-D tensor of "
                               f"shape {list(t.array.shape)}")


@tensor_method()
def mm(input, mat2, *, out=None):
    """Product of two matrices."""
    _require_rank("mm", (("self", input, 2), ("mat2", mat2, 2)))
    result = _product(input, mat2, "mm", "MmBackward0")
    return write_out("mm", result, require_out_dtype(out, result.array.dtype))


@tensor_method()
def bmm(input, mat2, *, out=None):
    """Batched product of two 3-D tensors with the same batch size."""
    _require_rank("bmm", (("batch1", input, 3), ("batch2", mat2, 3)))
    if input.array.shape[0] != mat2.array.shape[0]:
        raise RuntimeError(f"bmm: batch1 and batch2 must have the same batch size, but got {input.array.shape[0]} "
                           f"and {mat2.array.shape[0]} (shapes {list(input.array.shape)} and {list(mat2.array.shape)})")
    result = _product(input, mat2, "bmm", "BmmBackward0")
    return write_out("bmm", result, require_out_dtype(out, result.array.dtype))


@tensor_method()
def mv(input, vec, *, out=None):
    """Product of a matrix and a vector."""
    _require_rank("mv", (("self", input, 2), ("vec", vec, 1)))
    result = _product(input, vec, "mv", "MvBackward0")
    return write_out("mv", result, require_out_dtype(out, result.array.dtype))


@tensor_method()
def dot(input, other, *, out=None):
    """Inner product of two vectors of the same size."""
    _require_rank("dot", (("self", input, 1), ("other", other, 1)))
    result = _product(input, other, "dot", "DotBackward0")
    return write_out("dot", result, require_out_dtype(out, result.array.dtype))


@tensor_method("outer", "ger")
def outer(input, vec2, *, out=None):
    """``input[i] * vec2[j]`` for two vectors."""
    _require_rank("outer", (("self", input, 1), ("vec2", vec2, 1)))
    result = reshape(input, (-1, 1)) * reshape(vec2, (1, -1))
    return write_out("outer", result, out)


ger = outer


class Addmm(Function):
    """``beta * input + alpha * (mat1 @ mat2)`` in one node; ``input`` broadcasts to the product's shape."""

    saves = (1, 2)

    def __init__(self, beta, alpha):
        self.beta, self.alpha = beta, alpha

    def forward(self, input, mat1, mat2):
        self.input_shape = input.shape
        product = mat1 @ mat2
        if self.alpha != 1:
            product = product * self.alpha
        if self.beta == 0:  # input is ignored: its nan and inf do not propagate
            return product
        return product + (input if self.beta == 1 else input * self.beta)

    def backward(self, gy):
        mat1, mat2 = self.saved_tensors
        g_input = g_mat1 = g_mat2 = None
        if self.needs_input_grad[0]:
            g_input = sum_to(gy if self.beta == 1 else gy * self.beta, self.input_shape)
        scaled = gy if self.alpha == 1 else gy * self.alpha
        if self.needs_input_grad[1]:
            g_mat1 = mm(scaled, mat2.mT)
        if self.needs_input_grad[2]:
            g_mat2 = mm(mat1.mT, scaled)
        return g_input, g_mat1, g_mat2


def _broadcasts_to(shape, target):
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


@tensor_method()
def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat1 @ mat2)`` (``input`` is ignored when ``beta`` is 0)."""
    _require_rank("addmm", (("mat1", mat1, 2), ("mat2", mat2, 2)))
    if not (input.array.dtype == mat1.array.dtype == mat2.array.dtype):
        raise RuntimeError(f"addmm: expected self, mat1 and mat2 to have the same dtype, but got {input.dtype}, "
                           f"{mat1.dtype} and {mat2.dtype}")
    (n, k), (k2, m) = mat1.array.shape, mat2.array.shape
    if k != k2:
        raise RuntimeError(f"addmm: mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {k2}x{m})")
    if not _broadcasts_to(input.array.shape, (n, m)):
        raise RuntimeError(f"addmm: the input of shape {list(input.array.shape)} cannot be broadcast to the "
                           f"product's shape [{n}, {m}]")
    result = Addmm(beta, alpha)(input, mat1, mat2)
    return write_out("addmm", result, require_out_dtype(out, result.array.dtype))


_LETTERS = string.ascii_letters


def _einsum_subscripts(equation, shapes):
    """The equation's operand subscripts and output subscript, with every '...' spelled out in spare letters.

    Ellipsis dims are right-aligned across operands (they broadcast); in implicit
    mode the output is the ellipsis dims, then the letters used once, sorted.
    """
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise RuntimeError(f"einsum(): the equation '{equation}' has subscripts for {len(terms)} operand(s) but "
                           f"{len(shapes)} operand(s) were given")
    bad = set(eq) - set(_LETTERS) - set(",.->")
    if bad:
        raise RuntimeError(f"einsum(): invalid subscript(s) {sorted(bad)} in '{equation}'; subscripts must be "
                           "letters in [a-zA-Z]")
    spare = [c for c in _LETTERS if c not in eq]
    n_ellipsis = max([len(s) - len(t) + 3 for t, s in zip(terms, shapes) if "..." in t], default=0)
    ellipsis = "".join(spare[:n_ellipsis])
    expanded = []
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        has_ellipsis = "..." in term
        if has_ellipsis:
            n = len(shape) - len(term) + 3
            term = term.replace("...", ellipsis[n_ellipsis - n:] if n >= 0 else "...")
        if "." in term or len(term) != len(shape):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(term)}) does not match "
                               f"the number of dimensions ({len(shape)}) for operand {i}"
                               + ("" if has_ellipsis else " and no ellipsis was given"))
        expanded.append(term)
    used = "".join(expanded)
    if arrow:
        out = out.replace("...", ellipsis)
        for c in out:
            if c not in used:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input "
                                   f"operand ('{equation}')")
            if out.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output "
                                   f"('{equation}')")
    else:
        counts = Counter(used)
        out = ellipsis + "".join(sorted(c for c in counts if counts[c] == 1 and c not in ellipsis))
    return expanded, out


class Einsum(Function):
    """``np.einsum`` on explicit subscripts; each gradient is the einsum of the output gradient with the
    other operands (identities re-create repeated letters, broadcasting covers letters nobody else has)."""

    def __init__(self, terms, out):
        self.terms, self.out = terms, out
        self.saves = tuple(range(len(terms)))

    def forward(self, *arrays):
        return array_module(*arrays).einsum(",".join(self.terms) + "->" + self.out, *arrays, optimize=True)

    def backward(self, gy):
        operands = self.saved_tensors
        return tuple(self._operand_grad(i, gy, operands) if self.needs_input_grad[i] else None
                     for i in range(len(operands)))

    def _operand_grad(self, i, gy, operands):
        shape = operands[i].array.shape
        taken = set(self.out).union(*self.terms)
        fresh = (c for c in _LETTERS if c not in taken)
        # a letter repeated in this operand (a diagonal) gets a fresh name and an identity tying the two
        renamed, deltas = "", []
        for c, n in zip(self.terms[i], shape):
            if c in renamed:
                new = next(fresh)
                deltas.append((c + new, n))
                c = new
            renamed += c
        terms = [self.out] + [t for j, t in enumerate(self.terms) if j != i] + [d for d, _ in deltas]
        tensors = [gy] + [t for j, t in enumerate(operands) if j != i]
        xp = array_module(gy.array)
        tensors += [_new(xp.eye(n, dtype=gy.array.dtype)) for _, n in deltas]
        available = set("".join(terms))
        target = "".join(c for c in renamed if c in available)
        g = einsum(",".join(terms) + "->" + target, *tensors)
        if len(target) < len(renamed):  # letters only this operand has: the gradient is constant along them
            sizes = dict(zip(target, g.array.shape))
            g = reshape(g, tuple(sizes.get(c, 1) for c in renamed))
        # dims where this operand and the others broadcast against each other (size 1 on one side)
        g = broadcast_to(g, np.broadcast_shapes(g.array.shape, shape))
        return sum_to(g, shape)


def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum("bij,bjk->bik", x, y)``; operands may also come as one list."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum(): operand {i} is a {type(t).__name__}, expected a Tensor")
        if t.array.dtype != operands[0].array.dtype:
            raise RuntimeError(f"einsum(): expected all operands to have the same dtype, but operand 0 is "
                               f"{operands[0].dtype} and operand {i} is {t.dtype}")
    terms, out = _einsum_subscripts(equation, [t.array.shape for t in operands])
    try:
        return Einsum(terms, out)(*operands)
    except ValueError as err:
        shapes = ", ".join(str(list(t.array.shape)) for t in operands)
        raise RuntimeError(f"einsum(): operands of shapes {shapes} do not fit '{equation}': {err}") from None
