"""Norms and matrix functions of ``torch.linalg``: vector_norm, matrix_norm, norm, cond, matrix_power, matrix_exp,
cross, multi_dot, vecdot, diagonal, vander, tensorinv, tensorsolve."""
import math

from ..arrays import array_module
from ..function import Function
from ..ops._util import normalize_dims, write_out
from ..ops.reduce import Norm
from ..ops.shape import cat
from ..tensor import _check_dim
from ._checks import eye_like, require_float, require_matrices
from ._decompositions import svdvals
from ._solve import inv, inv_ex, solve


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """``sum(|x|^ord)^(1/ord)`` over ``dim`` (all elements by default); ord may be 0, inf or -inf."""
    require_float("linalg.vector_norm", x, "x")
    if dtype is not None:
        x = x.to(dtype)
    axes = normalize_dims(dim, max(x.array.ndim, 1), "linalg.vector_norm") if x.array.ndim else None
    return write_out("linalg.vector_norm", Norm(float(ord), axes, keepdim)(x), out)


def _matrix_dims(op, A, dim):
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"{op}: dim must be a 2-tuple. Got {dim}")
    d0, d1 = (_check_dim(d, A.array.ndim, op) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"{op}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """A matrix norm over the two dims ``dim``: 'fro', 'nuc', 1, -1, 2, -2, inf or -inf."""
    op = "linalg.matrix_norm"
    require_matrices(op, A, square=False)
    if dtype is not None:
        A = A.to(dtype)
    d0, d1 = _matrix_dims(op, A, dim)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim, out=out)
    if ord not in ("nuc", 1, -1, 2, -2, math.inf, -math.inf):
        raise RuntimeError(f"{op}: Order {ord} not supported.")
    if ord in ("nuc", 2, -2):
        values = svdvals(A.movedim((d0, d1), (-2, -1)))
        if ord == "nuc":
            result = values.sum(-1, keepdim=keepdim)
        else:
            result = values.amax(-1, keepdim=keepdim) if ord == 2 else values.amin(-1, keepdim=keepdim)
        if keepdim:
            result = result.unsqueeze(-1).movedim((-2, -1), (d0, d1))
    else:  # 1: the largest column sum of |A|; inf: the largest row sum
        summed, reduced = (d0, d1) if abs(ord) == 1 else (d1, d0)
        sums = A.abs().sum(summed, keepdim=keepdim)
        if not keepdim and summed < reduced:
            reduced -= 1
        result = sums.amax(reduced, keepdim=keepdim) if ord > 0 else sums.amin(reduced, keepdim=keepdim)
    return write_out(op, result, out)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    """A vector norm (1-D input or one ``dim``) or a matrix norm (2-D input, two dims, or a string ``ord``)."""
    require_float("linalg.norm", A)
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        return vector_norm(A, 2, dim, keepdim, dtype=dtype, out=out)
    if dim is None:
        if A.array.ndim not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                               f"{A.array.ndim}D.")
        dim = tuple(range(A.array.ndim))
    if isinstance(ord, str) or len(dim) == 2:
        return matrix_norm(A, ord, dim, keepdim, dtype=dtype, out=out)
    return vector_norm(A, ord, dim, keepdim, dtype=dtype, out=out)


def matrix_power(A, n, *, out=None):
    """A^n by repeated squaring (A^-1 for negative ``n``, the identity for 0)."""
    op = "linalg.matrix_power"
    require_matrices(op, A)
    if n == 0:
        identity = eye_like(A.array.shape[-1], A).expand(*A.array.shape)
        return write_out(op, identity.clone(), out)
    base = inv(A) if n < 0 else A
    result, n = None, abs(n)
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return write_out(op, result, out)


def _exp_array(a):
    """e^A by scaling and squaring with an 18-term Taylor series: exact to rounding for any norm."""
    xp = array_module(a)
    norm_ = float(abs(a).sum(axis=-1).max()) if a.size else 0.0
    squarings = max(0, math.ceil(math.log2(norm_)) + 1) if norm_ > 0.5 else 0
    scaled = a / (2.0 ** squarings)
    identity = xp.eye(a.shape[-1], dtype=a.dtype)
    result = identity + scaled / 18
    for k in range(17, 0, -1):
        result = identity + (scaled @ result) / k
    for _ in range(squarings):
        result = result @ result
    return result


class LinalgMatrixExp(Function):
    """e^A; the gradient is the upper-right block of exp([[A^T, G], [0, A^T]]) (Mathias's identity)."""

    saves = (0,)

    def forward(self, a):
        return _exp_array(a)

    def backward(self, g):
        at = self.saved(0).mT
        n = at.shape[-1]
        block = cat([cat([at, g], -1), cat([at * 0, at], -1)], -2)
        return matrix_exp(block)[..., :n, n:]


def matrix_exp(A):
    """The matrix exponential of each square matrix of ``A``."""
    require_matrices("linalg.matrix_exp", A)
    return LinalgMatrixExp()(A)


class LinalgCross(Function):
    """The cross product along ``axis`` (inputs broadcast); ga = b x g, gb = g x a."""

    saves = (0, 1)

    def __init__(self, axis):
        self.axis = axis

    def forward(self, a, b):
        return array_module(a, b).cross(a, b, axis=self.axis)

    def backward(self, g):
        a, b = self.saved_tensors
        ga = cross(b, g, dim=self.axis) if self.needs_input_grad[0] else None
        gb = cross(g, a, dim=self.axis) if self.needs_input_grad[1] else None
        return ga, gb


def cross(input, other, *, dim=-1, out=None):
    """The cross product of 3-vectors along ``dim`` (batch dims broadcast)."""
    op = "linalg.cross"
    if input.array.ndim != other.array.ndim:
        raise RuntimeError(f"{op}: inputs must have the same number of dimensions.")
    axis = _check_dim(dim, input.array.ndim, op) - input.array.ndim
    if input.array.shape[axis] != 3 or other.array.shape[axis] != 3:
        raise RuntimeError(f"{op}: inputs dimension {dim} must have length 3. Got {input.array.shape[axis]} and "
                           f"{other.array.shape[axis]}")
    if input.array.dtype != other.array.dtype:
        raise RuntimeError(f"{op}: expected both inputs to have the same dtype, but got {input.dtype} and "
                           f"{other.dtype}")
    return write_out(op, LinalgCross(axis)(input, other), out)


def _chain_order(dims):
    """The cheapest parenthesisation of a chain of products (matrix i is dims[i] x dims[i+1]); split points."""
    count = len(dims) - 1
    cost = [[0] * count for _ in range(count)]
    split = [[0] * count for _ in range(count)]
    for length in range(1, count):
        for i in range(count - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain(tensors, split, i, j):
    if i == j:
        return tensors[i]
    k = split[i][j]
    return _chain(tensors, split, i, k) @ _chain(tensors, split, k + 1, j)


def multi_dot(tensors, *, out=None):
    """The product of a chain of matrices in the cheapest order; the first and last may be vectors."""
    op = "multi_dot"
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"{op}(): expected at least 2 tensors but got {len(tensors)}")
    first, last = tensors[0].array.ndim, tensors[-1].array.ndim
    for i, t in enumerate(tensors):
        allowed = (1, 2) if i in (0, len(tensors) - 1) else (2,)
        if t.array.ndim not in allowed:
            where = "first" if i == 0 else ("last" if i == len(tensors) - 1 else None)
            raise RuntimeError(f"{op}(): the {where} tensor must be 1D or 2D but got {t.array.ndim}D" if where else
                               f"{op}(): tensor {i} must be 2D but got {t.array.ndim}D")
    matrices = list(tensors)
    if first == 1:
        matrices[0] = matrices[0].unsqueeze(0)
    if last == 1:
        matrices[-1] = matrices[-1].unsqueeze(-1)
    for i in range(len(matrices) - 1):
        if matrices[i].array.shape[1] != matrices[i + 1].array.shape[0]:
            a, b = matrices[i].array.shape, matrices[i + 1].array.shape
            raise RuntimeError(f"{op}(): tensors {i} and {i + 1} with shapes {list(a)} and {list(b)} cannot be "
                               "multiplied")
    dims = [m.array.shape[0] for m in matrices] + [matrices[-1].array.shape[1]]
    result = _chain(matrices, _chain_order(dims), 0, len(matrices) - 1)
    if first == 1 or last == 1:
        rows = () if first == 1 else (tensors[0].array.shape[0],)
        columns = () if last == 1 else (tensors[-1].array.shape[1],)
        result = result.view(rows + columns)
    return write_out(op, result, out)


def vecdot(x, y, *, dim=-1, out=None):
    """The dot product of vectors along ``dim`` (batch dims broadcast)."""
    if x.array.shape[dim] != y.array.shape[dim]:
        raise RuntimeError(f"linalg.vecdot: inconsistent tensor size, expected tensor [{x.array.shape[dim]}] and src "
                           f"[{y.array.shape[dim]}] to have the same number of elements along dim {dim}")
    return write_out("linalg.vecdot", (x * y).sum(dim), out)


class Diagonal(Function):
    """The diagonal ``offset`` of the planes (dim1, dim2), moved to the last dim."""

    def __init__(self, offset, dim1, dim2):
        self.offset, self.dim1, self.dim2 = offset, dim1, dim2

    def forward(self, a):
        self.in_shape = a.shape
        return array_module(a).diagonal(a, self.offset, self.dim1, self.dim2).copy()

    def backward(self, g):
        return DiagonalBackward(self.in_shape, self.offset, self.dim1, self.dim2)(g)


class DiagonalBackward(Function):
    """Zeros of ``shape`` with ``g`` written on the diagonal (the gradient of Diagonal, itself differentiable)."""

    def __init__(self, shape, offset, dim1, dim2):
        self.shape, self.offset, self.dim1, self.dim2 = shape, offset, dim1, dim2

    def forward(self, g):
        xp = array_module(g)
        out = xp.zeros(self.shape, dtype=g.dtype)
        planes = xp.moveaxis(out, (self.dim1, self.dim2), (-2, -1))  # a writable view of ``out``
        steps = xp.arange(g.shape[-1])
        planes[..., steps + max(-self.offset, 0), steps + max(self.offset, 0)] = g
        return out

    def backward(self, gg):
        return Diagonal(self.offset, self.dim1, self.dim2)(gg)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonal ``offset`` of each matrix of ``A`` over the dims ``dim1`` and ``dim2``, as the last dim."""
    op = "linalg.diagonal"
    d1, d2 = _check_dim(dim1, A.array.ndim, op), _check_dim(dim2, A.array.ndim, op)
    if d1 == d2:
        raise RuntimeError(f"{op}: diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal(offset, d1, d2)(A)


def vander(x, *, N=None):
    """The Vandermonde matrix of ``x`` (..., n): columns x^0, x^1, ..., x^(N-1) (N = n by default)."""
    if x.array.ndim == 0:
        raise RuntimeError("linalg.vander: x must have at least one dimension.")
    n = x.array.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    powers = x.unsqueeze(-1).expand(*x.array.shape, n - 1).cumprod(-1)
    return cat([x.unsqueeze(-1) * 0 + 1, powers], -1)


_CONDITION_ORDERS = (None, 2, -2, "fro", "nuc", 1, -1, math.inf, -math.inf)


def cond(A, p=None, *, out=None):
    """The condition number ``norm(A, p) * norm(A^-1, p)``: the singular-value ratio for p in (None, 2, -2);
    inf for a singular matrix under the other norms but 'nuc'."""
    if p not in _CONDITION_ORDERS:
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if p in (None, 2, -2):
        require_matrices("linalg.cond", A, square=False)
        values = svdvals(A)
        largest, smallest = values[..., :1], values[..., -1:]
        result = (smallest / largest if p == -2 else largest / smallest).squeeze(-1)
        return write_out("linalg.cond", result, out)
    require_matrices(f"linalg.cond(ord={p})", A)
    result = matrix_norm(A, p) * matrix_norm(inv_ex(A).inverse, p)  # NaN where A is singular
    if p != "nuc":
        result = result.nan_to_num(nan=math.inf, posinf=math.inf)
    return write_out("linalg.cond", result, out)


def tensorinv(A, ind=2, *, out=None):
    """The inverse of ``A`` seen as a matrix from its first ``ind`` dims to the rest: shape[ind:] + shape[:ind]."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, columns = A.array.shape[:ind], A.array.shape[ind:]
    if math.prod(columns) != math.prod(rows):
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {math.prod(columns)} != {math.prod(rows)}")
    matrix = A.reshape(math.prod(rows), math.prod(columns))
    inverse = inv(matrix.mT).mT  # column-major, as LAPACK's inverse is in PyTorch: its reshape is an alias
    return write_out("linalg.tensorinv", inverse.reshape(*columns, *rows), out)


def tensorsolve(A, B, dims=None, *, out=None):
    """X with ``tensordot(A, X, X.ndim) = B``; ``dims`` of A are first moved to its end."""
    if dims is not None:
        dims = [_check_dim(d, A.array.ndim, "linalg.tensorsolve") for d in dims]
        A = A.movedim(dims, list(range(A.array.ndim - len(dims), A.array.ndim)))
    rows, columns = A.array.shape[:B.array.ndim], A.array.shape[B.array.ndim:]
    if math.prod(columns) != math.prod(rows):
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {math.prod(columns)} != {math.prod(rows)}")
    x = solve(A.reshape(math.prod(rows), math.prod(columns)), B.reshape(-1))
    return write_out("linalg.tensorsolve", x.view(*columns), out)
