"""Shape ops: reshape/view, transpose/permute, broadcast/expand, sum_to, squeeze, cast, clone,
joining (cat, stack), splitting (split, chunk, unbind), repeat/tile, flip/roll and tril/triu."""
import numpy as np

from .. import dtypes
from ..function import Function
from ..tensor import Tensor, _check_dim, _new, as_view
from ._registry import tensor_method
from ._util import shape_arg, normalize_dims

__all__ = ["reshape", "transpose", "swapaxes", "swapdims", "t", "permute", "movedim", "moveaxis", "broadcast_to",
           "sum_to", "squeeze", "unsqueeze", "flatten", "unflatten", "clone", "cast", "narrow", "tile",
           "cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack", "split", "chunk", "unbind",
           "flip", "fliplr", "flipud", "roll", "tril", "triu"]


class Cast(Function):
    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        self.source = x.dtype
        return x.astype(self.dtype)

    def backward(self, gy):
        return cast(gy, self.source)

    def name(self):
        return "ToCopyBackward0"


def cast(x, np_dtype):
    """``x`` converted to numpy dtype ``np_dtype`` (differentiable between float types)."""
    if x.array.dtype == np_dtype:
        return x
    return Cast(np_dtype)(x)


class Reshape(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.in_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, gy):
        return gy.reshape(self.in_shape)

    def name(self):
        return "ViewBackward0"


@tensor_method("reshape", "view")
def reshape(input, *shape):
    shape = shape_arg(shape, "reshape")
    if shape == input.array.shape:
        return input
    if shape and min(shape) < -1:  # numpy would take any negative size as "infer"
        raise RuntimeError(f"reshape: invalid shape dimension {min(shape)} in {list(shape)}")
    try:
        out = Reshape(shape)(input)
    except ValueError:
        if shape.count(-1) > 1:
            raise RuntimeError(f"reshape: only one dimension can be inferred (got shape {list(shape)})") from None
        raise RuntimeError(f"reshape: shape {list(shape)} is invalid for input of size {input.array.size} "
                           f"(shape {list(input.array.shape)})") from None
    return out if out.array.base is None else as_view(out, input)


@tensor_method()
def view_as(input, other):
    return reshape(input, other.array.shape)


@tensor_method()
def reshape_as(input, other):
    return reshape(input, other.array.shape)


class Permute(Function):
    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, gy):
        return gy.permute(tuple(np.argsort(self.axes)))


@tensor_method()
def permute(input, *dims):
    dims = shape_arg(dims, "permute")
    nd = input.array.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute: number of dims don't match in permute (got {len(dims)} dims for a "
                           f"tensor of shape {list(input.array.shape)})")
    axes = tuple(_check_dim(d, nd, "permute") for d in dims)
    if sorted(axes) != list(range(nd)):
        raise RuntimeError(f"permute: repeated dim in {dims}")
    return as_view(Permute(axes)(input), input)


@tensor_method("transpose", "swapaxes", "swapdims")
def transpose(input, dim0, dim1):
    nd = input.array.ndim
    if nd < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return input
    axes = list(range(nd))
    d0, d1 = _check_dim(dim0, nd, "transpose"), _check_dim(dim1, nd, "transpose")
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return as_view(Permute(tuple(axes))(input), input)


swapaxes = swapdims = transpose


@tensor_method()
def t(input):
    if input.array.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.array.ndim}D")
    return transpose(input, 0, -1) if input.array.ndim == 2 else input


Tensor.T = property(lambda self: self.permute(tuple(range(self.array.ndim))[::-1]))
Tensor.mT = property(lambda self: transpose(self, -2, -1))


class BroadcastTo(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.in_shape = x.shape
        return np.broadcast_to(x, self.shape)

    def backward(self, gy):
        return sum_to(gy, self.in_shape)

    def name(self):
        return "ExpandBackward0"


class SumTo(Function):
    """Sum a broadcast gradient back to ``shape`` (the inverse of broadcasting)."""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.in_shape = x.shape
        lead = x.ndim - len(self.shape)
        axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(self.shape) if s == 1 and x.shape[lead + i] != 1)
        y = x.sum(axis=axes, keepdims=True) if axes else x
        return y.reshape(self.shape) if lead else y

    def backward(self, gy):
        return broadcast_to(gy, self.in_shape)

    def name(self):
        return "SumBackward1"


def sum_to(x, shape):
    """``x`` summed over broadcast dimensions so that it has ``shape``."""
    if x.array.shape == shape:
        return x
    return SumTo(tuple(shape))(x)


@tensor_method()
def broadcast_to(input, *shape):
    shape = shape_arg(shape, "broadcast_to")
    if shape == input.array.shape:
        return input
    try:
        return BroadcastTo(shape)(input)
    except ValueError:
        raise RuntimeError(f"expand: the expanded size of the tensor must match the existing size at every "
                           f"non-singleton dimension (target {list(shape)}, tensor {list(input.array.shape)})") from None


@tensor_method()
def expand(input, *sizes):
    sizes = shape_arg(sizes, "expand")
    lead = len(sizes) - input.array.ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({input.array.ndim})")
    shape = tuple(input.array.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return broadcast_to(input, shape)


@tensor_method()
def expand_as(input, other):
    return broadcast_to(input, other.array.shape)


@tensor_method()
def squeeze(input, dim=None):
    shape = input.array.shape
    if dim is None:
        new = tuple(s for s in shape if s != 1)
    else:
        dims = {_check_dim(d, input.array.ndim, "squeeze") for d in ((dim,) if isinstance(dim, int) else dim)}
        new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return reshape(input, new)


@tensor_method()
def unsqueeze(input, dim):
    nd = input.array.ndim + 1
    d = _check_dim(dim, nd, "unsqueeze")
    shape = input.array.shape
    return reshape(input, shape[:d] + (1,) + shape[d:])


@tensor_method()
def flatten(input, start_dim=0, end_dim=-1):
    shape = input.array.shape
    if not shape:
        return reshape(input, (1,))
    s = _check_dim(start_dim, len(shape), "flatten")
    e = _check_dim(end_dim, len(shape), "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    return reshape(input, shape[:s] + (int(np.prod(shape[s:e + 1])),) + shape[e + 1:])


class Clone(Function):
    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return gy


@tensor_method()
def clone(input, *, memory_format=None):
    return Clone()(input)


@tensor_method()
def contiguous(input, memory_format=None):
    if input.array.flags.c_contiguous:
        return input
    return Clone()(input)


@tensor_method()
def unflatten(input, dim, sizes):
    """Split dimension ``dim`` into ``sizes`` (one entry may be -1)."""
    shape = input.array.shape
    d = _check_dim(dim, len(shape), "unflatten")
    sizes = tuple(int(s) for s in sizes)
    known = int(np.prod([s for s in sizes if s != -1]))
    if sizes.count(-1) > 1 or (sizes.count(-1) == 0 and known != shape[d]) or (known and shape[d] % known):
        raise RuntimeError(f"unflatten: provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                           f"({shape[d]}) in the input tensor of shape {list(shape)}")
    return reshape(input, shape[:d] + sizes + shape[d + 1:])


@tensor_method("movedim", "moveaxis")
def movedim(input, source, destination):
    """Move dims ``source`` to positions ``destination``; the others keep their order."""
    nd = input.array.ndim
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
                           f"contain the same number of dims as destination ({list(dst)} dims)")
    src = [_check_dim(d, nd, "movedim") for d in src]
    dst = [_check_dim(d, nd, "movedim") for d in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in source {list(src)} or destination {list(dst)}")
    order = [d for d in range(nd) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, tuple(order))


moveaxis = movedim


@tensor_method()
def narrow(input, dim, start, length):
    """The slice ``start:start+length`` of dimension ``dim`` (a view)."""
    d = _check_dim(dim, input.array.ndim, "narrow")
    size = input.array.shape[d]
    if not -size <= start <= size:
        raise IndexError(f"narrow: start ({start}) is out of bounds for dimension {d} with size {size}")
    start %= max(size, 1)
    if length < 0 or start + length > size:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return input[(slice(None),) * d + (slice(start, start + length),)]


class Repeat(Function):
    def __init__(self, reps):
        self.reps = reps

    def forward(self, x):
        self.in_shape = x.shape
        return np.tile(x, self.reps)

    def backward(self, gy):
        # view the gradient as (r0, s0, r1, s1, ...) and sum the copies (the r axes)
        shape = (1,) * (len(self.reps) - len(self.in_shape)) + self.in_shape
        pairs = tuple(n for rs in zip(self.reps, shape) for n in rs)
        g = gy.reshape(pairs).sum(dim=tuple(range(0, len(pairs), 2)))
        return g.reshape(self.in_shape)


@tensor_method()
def repeat(input, *sizes):
    """Tile the tensor ``sizes[i]`` times along each dim (new leading dims when ``sizes`` is longer)."""
    sizes = shape_arg(sizes, "repeat")
    if len(sizes) < input.array.ndim:
        raise RuntimeError(f"repeat: number of dimensions of repeat dims ({len(sizes)}) can not be smaller than "
                           f"number of dimensions of tensor ({input.array.ndim})")
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"repeat: repeats must be non-negative, got {list(sizes)}")
    return Repeat(sizes)(input)


@tensor_method()
def tile(input, dims):
    """``repeat`` that pads ``dims`` with leading ones when it is shorter than the tensor's rank."""
    dims = shape_arg((dims,), "tile")
    return repeat(input, (1,) * (input.array.ndim - len(dims)) + dims)


def _common_dtype(tensors):
    """PyTorch's promoted dtype across a list of tensors."""
    dtype = tensors[0].array.dtype
    for t in tensors:
        if t.array.dtype != dtype:
            dtype = dtypes.result_type(np.empty(1, dtype), np.empty(1, t.array.dtype))
    return dtype


def _tensor_list(tensors, op):
    """A checked, non-empty list of tensors, cast to their common dtype."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{op}: expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected a sequence of Tensors, but element {i} is {type(t).__name__}")
    dtype = _common_dtype(tensors)
    return [cast(t, dtype) for t in tensors]


class Cat(Function):
    def __init__(self, dim):
        self.dim = dim

    def forward(self, *xs):
        self.sizes = [x.shape[self.dim] for x in xs]
        return np.concatenate(xs, axis=self.dim)

    def backward(self, gy):
        lead = (slice(None),) * self.dim
        grads, start = [], 0
        for i, n in enumerate(self.sizes):
            grads.append(gy[lead + (slice(start, start + n),)] if self.needs_input_grad[i] else None)
            start += n
        return tuple(grads)


def cat(tensors, dim=0, *, out=None):
    """Join tensors along an existing dim; dtypes are promoted as in PyTorch."""
    tensors = _tensor_list(tensors, "cat")
    for i, t in enumerate(tensors):
        if t.array.ndim == 0:
            raise RuntimeError(f"cat: zero-dimensional tensor (at position {i}) cannot be concatenated")
    d = _check_dim(dim, tensors[0].array.ndim, "cat")
    try:
        return Cat(d)(*tensors)
    except ValueError:
        ref = tensors[0].array.shape
        for i, t in enumerate(tensors):
            if t.array.ndim != len(ref):
                raise RuntimeError(f"cat: Tensors must have same number of dimensions: got {len(ref)} and "
                                   f"{t.array.ndim} (tensor number {i} in the list)") from None
            for k, (want, got) in enumerate(zip(ref, t.array.shape)):
                if k != d and want != got:
                    raise RuntimeError(f"cat: Sizes of tensors must match except in dimension {d}. Expected size "
                                       f"{want} but got size {got} for tensor number {i} in the list.") from None
        raise


concat = concatenate = cat


class Stack(Function):
    def __init__(self, dim):
        self.dim = dim

    def forward(self, *xs):
        return np.stack(xs, axis=self.dim)

    def backward(self, gy):
        lead = (slice(None),) * self.dim
        return tuple(gy[lead + (i,)] if self.needs_input_grad[i] else None for i in range(len(self.next_functions)))


def stack(tensors, dim=0, *, out=None):
    """Join equally shaped tensors along a new dim."""
    tensors = _tensor_list(tensors, "stack")
    d = _check_dim(dim, tensors[0].array.ndim + 1, "stack")
    ref = tensors[0].array.shape
    for i, t in enumerate(tensors):
        if t.array.shape != ref:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(ref)} at entry 0 and "
                               f"{list(t.array.shape)} at entry {i}")
    return Stack(d)(*tensors)


def _at_least(tensor, ndim):
    """``tensor`` with ones added to its shape up to ``ndim`` dims, placed as numpy's atleast_Nd does."""
    shape = tensor.array.shape
    if len(shape) >= ndim:
        return tensor
    if len(shape) == 0:
        return reshape(tensor, (1,) * ndim)
    if len(shape) == 1:  # a row: (n,) -> (1, n) or (1, n, 1)
        return reshape(tensor, ((1,) + shape + (1,))[:ndim])
    return reshape(tensor, shape + (1,))  # a matrix to 3-D: (m, n) -> (m, n, 1)


def hstack(tensors, *, out=None):
    """Concatenate column-wise (along dim 1; along dim 0 for 1-D tensors)."""
    tensors = [_at_least(t, 1) for t in _tensor_list(tensors, "hstack")]
    return cat(tensors, 0 if all(t.array.ndim == 1 for t in tensors) else 1)


def vstack(tensors, *, out=None):
    """Concatenate row-wise after making each tensor at least 2-D."""
    return cat([_at_least(t, 2) for t in _tensor_list(tensors, "vstack")], 0)


def dstack(tensors, *, out=None):
    """Concatenate depth-wise (dim 2) after making each tensor at least 3-D."""
    return cat([_at_least(t, 3) for t in _tensor_list(tensors, "dstack")], 2)


class Split(Function):
    """One output per piece (views of the input); missing output gradients count as zeros."""

    def __init__(self, dim, sizes):
        self.dim, self.sizes = dim, sizes

    def forward(self, x):
        self.in_shape, self.dtype = x.shape, x.dtype
        lead = (slice(None),) * self.dim
        pieces, start = [], 0
        for n in self.sizes:
            pieces.append(x[lead + (slice(start, start + n),)])
            start += n
        return tuple(pieces)

    def backward(self, *grads):
        pieces = []
        for g, n in zip(grads, self.sizes):
            if g is None:
                shape = self.in_shape[:self.dim] + (n,) + self.in_shape[self.dim + 1:]
                g = _new(np.zeros(shape, self.dtype))
            pieces.append(g)
        return cat(pieces, self.dim)

    def name(self):
        return "SplitWithSizesBackward0"


def _share_version(outputs, input):
    """Views share their base's version counter, so in-place changes to either are detected."""
    for out in outputs:
        as_view(out, input)
    return outputs


@tensor_method()
def split(tensor, split_size_or_sections, dim=0):
    """Pieces of ``split_size_or_sections`` elements along ``dim`` (an int size or a list of sizes)."""
    d = _check_dim(dim, tensor.array.ndim, "split")
    size = tensor.array.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step < 0 or (step == 0 and size):
            raise RuntimeError(f"split: split_size must be positive (or 0 for an empty dimension), got {step} "
                               f"for dimension {d} of size {size}")
        sizes = [step] * (size // step) + ([size % step] if size % step else []) if size else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != size or any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size "
                               f"at dimension {d}), but got split_sizes={sizes}")
    return _share_version(Split(d, sizes)(tensor) if sizes else (), tensor)


@tensor_method()
def chunk(input, chunks, dim=0):
    """At most ``chunks`` pieces of ``ceil(size / chunks)`` elements along ``dim``."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    size = input.array.shape[_check_dim(dim, input.array.ndim, "chunk")]
    return split(input, max(-(-size // chunks), 1), dim)


class Unbind(Function):
    def __init__(self, dim):
        self.dim = dim

    def forward(self, x):
        self.piece_shape, self.dtype = x.shape[:self.dim] + x.shape[self.dim + 1:], x.dtype
        return tuple(np.moveaxis(x, self.dim, 0))

    def backward(self, *grads):
        zeros = _new(np.zeros(self.piece_shape, self.dtype)) if None in grads else None
        return stack([zeros if g is None else g for g in grads], self.dim)


@tensor_method()
def unbind(input, dim=0):
    """The slices along ``dim``, with that dim removed."""
    d = _check_dim(dim, input.array.ndim, "unbind")
    if input.array.ndim == 0:
        raise RuntimeError("unbind: dimension specified as 0 but tensor has no dimensions")
    if input.array.shape[d] == 0:
        return ()
    return _share_version(Unbind(d)(input), input)


class Flip(Function):
    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return np.flip(x, self.axes).copy()  # PyTorch's flip copies: no negative-stride alias of the input

    def backward(self, gy):
        return Flip(self.axes)(gy)


@tensor_method()
def flip(input, *dims):
    dims = shape_arg(dims, "flip")
    axes = normalize_dims(dims, input.array.ndim, "flip")
    return Flip(axes)(input) if axes else clone(input)


@tensor_method()
def fliplr(input):
    if input.array.ndim < 2:
        raise RuntimeError(f"fliplr: input tensor must be at least 2-D (got {input.array.ndim}-D)")
    return flip(input, 1)


@tensor_method()
def flipud(input):
    if input.array.ndim < 1:
        raise RuntimeError("flipud: input tensor must be at least 1-D (got 0-D)")
    return flip(input, 0)


class Roll(Function):
    def __init__(self, shifts, axes):
        self.shifts, self.axes = shifts, axes

    def forward(self, x):
        return np.roll(x, self.shifts, self.axes)

    def backward(self, gy):
        return Roll(tuple(-s for s in self.shifts), self.axes)(gy)


@tensor_method()
def roll(input, shifts, dims=None):
    """Rotate elements by ``shifts`` along ``dims`` (over the flattened tensor when ``dims`` is None)."""
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll: shifts {list(shifts)} need matching dims when more than one shift is given")
        return Roll(shifts, None)(input)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    axes = tuple(_check_dim(d, input.array.ndim, "roll") for d in dims)
    return Roll(shifts, axes)(input)


class Triangle(Function):
    """``tril``/``triu``: keep one triangle of the last two dims, zero the rest."""

    def __init__(self, upper, diagonal):
        self.upper, self.diagonal = upper, diagonal

    def forward(self, x):
        return (np.triu if self.upper else np.tril)(x, self.diagonal)

    def backward(self, gy):
        return Triangle(self.upper, self.diagonal)(gy)

    def name(self):
        return "TriuBackward0" if self.upper else "TrilBackward0"


def _triangle(input, diagonal, upper):
    if input.array.ndim < 2:
        op = "triu" if upper else "tril"
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions (got shape {list(input.array.shape)})")
    return Triangle(upper, int(diagonal))(input)


@tensor_method()
def tril(input, diagonal=0):
    """The lower triangle (on and below ``diagonal``) of the last two dims."""
    return _triangle(input, diagonal, False)


@tensor_method()
def triu(input, diagonal=0):
    """The upper triangle (on and above ``diagonal``) of the last two dims."""
    return _triangle(input, diagonal, True)
