"""Diagonals, products that add (baddbmm, addmv...), kron, cross, tensordot, cdist, meshgrid, rot90 and splits.

Ops PyTorch records as one node are one ``Function`` here (``TraceBackward0``, ``Rot90Backward0``...);
the others are composed of existing ops. Diagonals and the cross product share torch.linalg's ops.
Gradients are written with tensor ops, so they can be differentiated again.
"""
import math
import numbers
from operator import index

import numpy as np

from ..dtypes import is_floating
from ..arrays import array_module, as_array
from ..function import Function
from ..tensor import Tensor, _check_dim, argument_type_error, warn_caller
from ._registry import tensor_method, inplace_method
from ._util import require_out_dtype, write_out
from ..linalg._products import Diagonal, DiagonalBackward, LinalgCross
from .linalg import matmul
from .shape import UnsafeView, broadcast_to, hstack, reshape, sum_to, permute

__all__ = ["diagonal", "diag_embed", "diag", "trace", "baddbmm", "addbmm", "addmv", "addr", "kron", "cross",
           "tensordot", "cdist", "meshgrid", "rot90", "column_stack", "tensor_split", "hsplit", "vsplit", "dsplit"]


# ----- diagonals: torch.linalg's Diagonal and its adjoint, under the node names of these entry points -----
class DiagEmbed(DiagonalBackward):
    """Zeros of ``shape`` with the input's last dim written on the ``offset`` diagonal over two dims."""


class DiagonalCopy(Diagonal):
    """``diag`` of a matrix: PyTorch names its node after the diagonal's copy."""

    def name(self):
        return "DiagonalBackward0_copy"


class TraceScatter(DiagonalBackward):
    """The gradient of ``trace``: the output gradient along the main diagonal."""

    def name(self):
        return "TraceBackwardBackward0"


def _two_dims(ndim, dim1, dim2, op):
    axis1, axis2 = _check_dim(dim1, ndim, op), _check_dim(dim2, ndim, op)
    if axis1 == axis2:
        raise RuntimeError(f"{op}(): diagonal dimensions cannot be identical {dim1}, {dim2}")
    return axis1, axis2


@tensor_method()
def diagonal(input, offset=0, dim1=0, dim2=1):
    """The ``offset`` diagonal over ``dim1`` and ``dim2``, appended as the last dim."""
    axis1, axis2 = _two_dims(input.array.ndim, dim1, dim2, "diagonal")
    return Diagonal(index(offset), axis1, axis2)(input)


@tensor_method()
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices (over ``dim1``, ``dim2`` of the result) whose ``offset`` diagonals are ``input``'s last dim."""
    ndim = input.array.ndim + 1
    axis1, axis2 = _two_dims(ndim, dim1, dim2, "diag_embed")
    offset = index(offset)
    n = input.array.shape[-1] + abs(offset)
    batch = list(input.array.shape[:-1])
    for axis in sorted((axis1, axis2)):
        batch.insert(axis, n)
    return DiagEmbed(tuple(batch), offset, axis1, axis2)(input)


@tensor_method()
def diag(input, diagonal=0, *, out=None):
    """A vector's square matrix with it on the ``diagonal``-th diagonal, or a matrix's ``diagonal``-th diagonal."""
    ndim = input.array.ndim
    if ndim == 1:
        result = diag_embed(input, diagonal, 0, 1)
    elif ndim == 2:
        result = DiagonalCopy(index(diagonal), 0, 1)(input)
    else:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {ndim}D")
    return write_out("diag", result, out)


class Trace(Function):
    def forward(self, x):
        self.in_shape = x.shape
        return as_array(x.trace(dtype=np.int64 if x.dtype.kind in "biu" else None), like=x)

    def backward(self, gy):
        length = min(self.in_shape)
        return TraceScatter(self.in_shape, 0, 0, 1)(broadcast_to(gy, (length,)))


@tensor_method()
def trace(input):
    """The sum of a matrix's main diagonal (integers sum in int64)."""
    if input.array.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.array.ndim}")
    return Trace()(input)


# ----- products that add: beta * input + alpha * product -----
class _AddProduct(Function):
    """``beta * input + alpha * product(a, b)``; ``input`` broadcasts to the product (ignored where beta is 0)."""

    saves = (1, 2)

    def __init__(self, beta, alpha):
        self.beta, self.alpha = beta, alpha

    def forward(self, input, a, b):
        self.input_shape = input.shape
        product = self.product(a, b)
        if self.alpha != 1:
            product = product * self.alpha
        if self.beta == 0:  # input's nan and inf do not propagate
            return product
        return product + (input if self.beta == 1 else input * self.beta)

    def backward(self, gy):
        a, b = self.saved_tensors
        g_input = None
        if self.needs_input_grad[0]:
            g_input = sum_to(gy if self.beta == 1 else gy * self.beta, self.input_shape)
        scaled = gy if self.alpha == 1 else gy * self.alpha
        ga = self.grad_a(scaled, b) if self.needs_input_grad[1] else None
        gb = self.grad_b(scaled, a) if self.needs_input_grad[2] else None
        return g_input, ga, gb


class Baddbmm(_AddProduct):
    @staticmethod
    def product(a, b):
        return a @ b

    @staticmethod
    def grad_a(g, b):
        return matmul(g, b.mT)

    @staticmethod
    def grad_b(g, a):
        return matmul(a.mT, g)


class Addbmm(Baddbmm):
    @staticmethod
    def product(a, b):
        return (a @ b).sum(axis=0)


class Addmv(_AddProduct):
    @staticmethod
    def product(a, b):
        return a @ b

    @staticmethod
    def grad_a(g, b):
        return matmul(g.unsqueeze(1), b.unsqueeze(0))

    @staticmethod
    def grad_b(g, a):
        return matmul(a.mT, g)


class Addr(_AddProduct):
    @staticmethod
    def product(a, b):
        return a[:, None] * b[None, :]

    @staticmethod
    def grad_a(g, b):
        return matmul(g, b)

    @staticmethod
    def grad_b(g, a):
        return matmul(g.mT, a)


def _add_product(cls, op, input, operands, ranks, beta, alpha, out):
    """Checks shared by baddbmm/addbmm/addmv/addr (ranks, dtypes, inner sizes, broadcasting), then the op."""
    names = {"baddbmm": ("batch1", "batch2"), "addbmm": ("batch1", "batch2"), "addmv": ("mat", "vec"),
             "addr": ("vec1", "vec2")}[op]
    for name, t, rank in zip(names, operands, ranks):
        if not isinstance(t, Tensor):
            raise argument_type_error(f"{op}(): argument '{name}' must be Tensor, not {type(t).__name__}", t,
                                      "Tensor")
        if t.array.ndim != rank:
            raise RuntimeError(f"{op}: {name} must be a {rank}D tensor, got {t.array.ndim}D")
    a, b = operands
    if not (input.array.dtype == a.array.dtype == b.array.dtype):
        raise RuntimeError(f"{op}: expected self, {names[0]} and {names[1]} to have the same dtype, but got "
                           f"{input.dtype}, {a.dtype} and {b.dtype}")
    sa, sb = a.array.shape, b.array.shape
    if op in ("baddbmm", "addbmm"):
        if sa[0] != sb[0] or sa[2] != sb[1]:
            raise RuntimeError(f"{op}: {names[0]} {list(sa)} and {names[1]} {list(sb)} cannot be multiplied "
                               "(batch sizes and inner sizes must match)")
        shape = (sa[0], sa[1], sb[2]) if op == "baddbmm" else (sa[1], sb[2])
    elif op == "addmv":
        if sa[1] != sb[0]:
            raise RuntimeError(f"addmv: size mismatch, got input ({sa[0]}), mat ({sa[0]}x{sa[1]}), vec ({sb[0]})")
        shape = (sa[0],)
    else:
        shape = (sa[0], sb[0])
    try:
        fits = np.broadcast_shapes(input.array.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"{op}: the input of shape {list(input.array.shape)} cannot be broadcast to the "
                           f"product's shape {list(shape)}")
    result = cls(beta, alpha)(input, a, b)
    return write_out(op, result, require_out_dtype(out, result.array.dtype))


@tensor_method()
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * bmm(batch1, batch2)``."""
    return _add_product(Baddbmm, "baddbmm", input, (batch1, batch2), (3, 3), beta, alpha, out)


@tensor_method()
def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * sum_b batch1[b] @ batch2[b]``."""
    return _add_product(Addbmm, "addbmm", input, (batch1, batch2), (3, 3), beta, alpha, out)


@tensor_method()
def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat @ vec)``."""
    return _add_product(Addmv, "addmv", input, (mat, vec), (2, 1), beta, alpha, out)


@tensor_method()
def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * outer(vec1, vec2)``."""
    return _add_product(Addr, "addr", input, (vec1, vec2), (1, 1), beta, alpha, out)


for _name, _func in (("baddbmm_", baddbmm), ("addbmm_", addbmm), ("addmv_", addmv), ("addr_", addr)):
    inplace_method(_name, _func)


# ----- kron, cross, tensordot, cdist -----
@tensor_method()
def kron(input, other, *, out=None):
    """The Kronecker product: every element of ``input`` times the whole of ``other``, in blocks."""
    ndim = max(input.array.ndim, other.array.ndim)
    sa = (1,) * (ndim - input.array.ndim) + input.array.shape
    sb = (1,) * (ndim - other.array.ndim) + other.array.shape
    a = reshape(input, tuple(s for n in sa for s in (n, 1)))
    b = reshape(other, tuple(s for n in sb for s in (1, n)))
    result = UnsafeView(tuple(m * n for m, n in zip(sa, sb)))(a * b)
    return write_out("kron", result, out)


@tensor_method()
def cross(input, other, dim=None, *, out=None):
    """The cross product along ``dim`` (default: the first dim of size 3), broadcasting the batch dims."""
    if input.array.dtype != other.array.dtype:
        raise RuntimeError(f"cross: expected both inputs to have the same dtype, but got {input.dtype} and "
                           f"{other.dtype}")
    if input.array.ndim != other.array.ndim:
        raise RuntimeError(f"cross: inputs must have the same number of dimensions, got {input.array.ndim} and "
                           f"{other.array.ndim}")
    try:
        shape = np.broadcast_shapes(input.array.shape, other.array.shape)
    except ValueError:
        raise RuntimeError(f"cross: the shapes {tuple(input.shape)} and {tuple(other.shape)} cannot be broadcast "
                           "together") from None
    if dim is None:
        warn_caller("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
                    "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree with "
                    "that of linalg.cross in a future release.")
        dim = next((d for d, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise RuntimeError(f"cross: no dimension of size 3 in input of shape {list(shape)}")
    axis = _check_dim(dim, len(shape), "cross")
    if input.array.shape[axis] != 3 or other.array.shape[axis] != 3:
        raise RuntimeError(f"cross: inputs dimension {dim} must have length 3. Got {input.array.shape[axis]} and "
                           f"{other.array.shape[axis]}")
    a = input if input.array.shape == shape else broadcast_to(input, shape)
    b = other if other.array.shape == shape else broadcast_to(other, shape)
    return write_out("cross", LinalgCross(axis)(a, b), out)


def _contracted_dims(dims, a, b):
    """``tensordot``'s dims as two lists of axes: the last ``dims`` of ``a`` with the first of ``b``, or given."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, numbers.Integral):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.array.ndim, b.array.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        return list(range(a.array.ndim - dims, a.array.ndim)), list(range(dims))
    if isinstance(dims, (list, tuple)) and len(dims) == 2:
        da, db = ([d] if isinstance(d, numbers.Integral) else list(d) for d in dims)
        if len(da) != len(db):
            raise RuntimeError(f"tensordot: both dimension lists should have same length, got {len(da)} and "
                               f"{len(db)}")
        return ([_check_dim(d, a.array.ndim, "tensordot") for d in da],
                [_check_dim(d, b.array.ndim, "tensordot") for d in db])
    raise TypeError(f"tensordot(): argument 'dims' must be an int or a pair of dim lists, not {type(dims).__name__}")


def tensordot(a, b, dims=2, out=None):
    """The sum of products of ``a``'s dims ``dims[0]`` with ``b``'s dims ``dims[1]`` (or the last/first ``dims``)."""
    da, db = _contracted_dims(dims, a, b)
    for x, y in zip(da, db):
        if a.array.shape[x] != b.array.shape[y]:
            raise RuntimeError(f"tensordot: contracted dimensions need to match, but first has size "
                               f"{a.array.shape[x]} in dim {x} and second has size {b.array.shape[y]} in dim {y}")
    free_a = [d for d in range(a.array.ndim) if d not in da]
    free_b = [d for d in range(b.array.ndim) if d not in db]
    k = math.prod(a.array.shape[d] for d in da)
    left = reshape(permute(a, free_a + da), (-1, k))
    right = reshape(permute(b, db + free_b), (k, -1))
    shape = tuple(a.array.shape[d] for d in free_a) + tuple(b.array.shape[d] for d in free_b)
    return write_out("tensordot", reshape(matmul(left, right), shape), out)


class Cdist(Function):
    """The ``p``-norm distances between the rows of ``x1`` (..., P, M) and of ``x2`` (..., R, M)."""

    saves = (0, 1)
    saves_output = True

    def __init__(self, p):
        self.p = p

    @np.errstate(all="ignore")
    def forward(self, x1, x2):
        xp = array_module(x1, x2)
        diff = xp.abs(x1[..., :, None, :] - x2[..., None, :, :])
        p = self.p
        if p == 0:
            return (diff != 0).sum(axis=-1).astype(x1.dtype)
        if p == math.inf:
            return diff.max(axis=-1, initial=0)
        if p == 1:
            return diff.sum(axis=-1)
        if p == 2:
            return xp.sqrt((diff * diff).sum(axis=-1))
        return (diff ** p).sum(axis=-1) ** (1 / p)

    def backward(self, gy):
        x1, x2 = self.saved_tensors
        diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
        dist = self.saved_output().unsqueeze(-1)
        g = gy.unsqueeze(-1)
        p = self.p
        sign = diff.sign()
        if p == 0:
            pairwise = diff * 0
        elif p == 1:
            pairwise = g * sign
        elif p == math.inf:
            pairwise = (g * sign).masked_fill(diff.abs() != dist, 0)
            pairwise = pairwise / (diff.abs() == dist).sum(-1, keepdim=True).clamp_min(1)
        else:
            scaled = diff * diff.abs() ** (p - 2) if p != 2 else diff
            pairwise = (g * scaled / dist ** (p - 1)).masked_fill(dist == 0, 0)
        g1 = pairwise.sum(-2) if self.needs_input_grad[0] else None
        g2 = -pairwise.sum(-3) if self.needs_input_grad[1] else None
        return g1, g2


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The ``p``-norm distance between each row of ``x1`` (B x P x M) and each row of ``x2`` (B x R x M)."""
    if x1.array.ndim < 2 or x2.array.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.array.ndim}D, X2 got: "
                           f"{x2.array.ndim}D")
    if x1.array.shape[-1] != x2.array.shape[-1]:
        raise RuntimeError(f"cdist: X1 and X2 must have the same number of columns. X1: {x1.array.shape[-1]} X2: "
                           f"{x2.array.shape[-1]}")
    if not is_floating(x1.array.dtype) or not is_floating(x2.array.dtype):
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {x1.dtype}, X2 got: {x2.dtype}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    if x1.array.dtype != x2.array.dtype:
        raise RuntimeError(f"cdist: X1 and X2 must have the same dtype, got {x1.dtype} and {x2.dtype}")
    try:
        batch = np.broadcast_shapes(x1.array.shape[:-2], x2.array.shape[:-2])
    except ValueError:
        raise RuntimeError(f"cdist: the batch dims of {tuple(x1.shape)} and {tuple(x2.shape)} cannot be broadcast "
                           "together") from None
    a = broadcast_to(x1, batch + x1.array.shape[-2:]) if x1.array.shape[:-2] != batch else x1
    b = broadcast_to(x2, batch + x2.array.shape[-2:]) if x2.array.shape[:-2] != batch else x2
    return Cdist(float(p))(a, b)


# ----- meshgrid, rot90 -----
def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors: ``indexing="ij"`` (matrix, the default) or ``"xy"`` (Cartesian)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warn_caller("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.")
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"meshgrid(): expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
        if t.array.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t.shape}")
        if t.array.dtype != tensors[0].array.dtype:
            raise RuntimeError("torch.meshgrid: Expected all tensors in the tensor list to have the same dtype")
    if not tensors:
        raise RuntimeError("torch.meshgrid: Expected at least one tensor")
    swap = indexing == "xy" and len(tensors) >= 2
    order = [1, 0] + list(range(2, len(tensors))) if swap else list(range(len(tensors)))
    sizes = [tensors[i].array.size for i in order]
    grids = []
    for position, i in enumerate(order):
        view = [1] * len(tensors)
        view[position] = -1
        grids.append((i, broadcast_to(reshape(tensors[i], view), sizes)))
    return tuple(g for _, g in sorted(grids, key=lambda pair: pair[0]))


class Rot90(Function):
    """``input`` turned ``k`` quarter turns from ``dims[0]`` toward ``dims[1]`` (a copy)."""

    def __init__(self, k, dims):
        self.k, self.dims = k, dims

    def forward(self, x):
        return array_module(x).rot90(x, self.k, self.dims).copy()

    def backward(self, gy):
        return Rot90(-self.k, self.dims)(gy)


@tensor_method()
def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``dims`` (from the first toward the second)."""
    dims = tuple(dims)
    ndim = input.array.ndim
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = {len(dims)}")
    if ndim < 2:
        raise RuntimeError(f"rot90: expected total dims >= 2, but got total dims = {ndim}")
    a, b = _check_dim(dims[0], ndim, "rot90"), _check_dim(dims[1], ndim, "rot90")
    if a == b:
        raise RuntimeError(f"rot90: expected rotation dims to be different, but got dim0 = {a} and dim1 = {b}")
    return Rot90(index(k) % 4, (a, b))(input)


# ----- splits and stacks -----
def _sliced(input, axis, bounds):
    return tuple(input[(slice(None),) * axis + (slice(start, stop),)] for start, stop in bounds)


@tensor_method()
def tensor_split(input, indices_or_sections, dim=0):
    """Views split at the given indices, or into ``n`` parts whose sizes differ by at most one."""
    if input.array.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    axis = _check_dim(dim, input.array.ndim, "tensor_split")
    size = input.array.shape[axis]
    spec = indices_or_sections
    if isinstance(spec, Tensor):
        if spec.array.dtype.kind not in "iu" or spec.array.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {spec.array.ndim} dims")
        spec = spec.item() if spec.array.ndim == 0 else spec.tolist()
    if isinstance(spec, numbers.Integral):
        if spec <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {spec}")
        small, extra = divmod(size, spec)
        starts = [i * small + min(i, extra) for i in range(spec + 1)]
        bounds = list(zip(starts[:-1], starts[1:]))
    elif isinstance(spec, (list, tuple)):
        cuts = [0] + [index(i) for i in spec] + [size]
        bounds = [(max(min(start, size), 0) if start >= 0 else max(start + size, 0),
                   max(min(stop, size), 0) if stop >= 0 else max(stop + size, 0)) for start, stop in
                  zip(cuts[:-1], cuts[1:])]
        bounds[-1] = (bounds[-1][0], size)
    else:
        raise TypeError(f"tensor_split(): argument 'indices_or_sections' must be an int, a list of ints or a "
                        f"tensor, not {type(spec).__name__}")
    return _sliced(input, axis, bounds)


def _split_along(input, spec, dim, op, min_dims):
    """``hsplit``/``vsplit``/``dsplit``: tensor_split along ``dim``; a number of sections must divide evenly."""
    ndim = input.array.ndim
    if ndim < min_dims:
        raise RuntimeError(f"torch.{op} requires a tensor with at least {min_dims} dimension, but got a tensor "
                           f"with {ndim} dimensions!")
    if isinstance(spec, numbers.Integral):
        size = input.array.shape[dim]
        if spec == 0 or size % spec:
            raise RuntimeError(f"torch.{op} attempted to split along dimension {dim}, but the size of the "
                               f"dimension {size} is not divisible by the split_size {spec}!")
    return tensor_split(input, spec, dim)


@tensor_method()
def hsplit(input, indices_or_sections):
    """Split along dim 1 (dim 0 for a 1-D tensor)."""
    return _split_along(input, indices_or_sections, 1 if input.array.ndim > 1 else 0, "hsplit", 1)


@tensor_method()
def vsplit(input, indices_or_sections):
    """Split along dim 0 of a tensor of at least 2 dims."""
    return _split_along(input, indices_or_sections, 0, "vsplit", 2)


@tensor_method()
def dsplit(input, indices_or_sections):
    """Split along dim 2 of a tensor of at least 3 dims."""
    return _split_along(input, indices_or_sections, 2, "dsplit", 3)


def column_stack(tensors, *, out=None):
    """``hstack`` of the tensors, 0-d and 1-d ones first made columns."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"column_stack(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    for at, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"column_stack(): expected Tensor as element {at} in argument 0, but got "
                            f"{type(t).__name__}")
    columns = [reshape(t, (t.array.size, 1)) if t.array.ndim <= 1 else t for t in tensors]
    return hstack(columns, out=out)
