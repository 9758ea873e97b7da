"""Shape ops: reshape/view, transpose/permute, broadcast/expand, sum_to, squeeze, cast, clone,
joining (cat, stack), splitting (split, chunk, unbind), repeat/tile, flip/roll and tril/triu."""
import math

import numpy as np

from .. import dtypes
from ..arrays import array_module
from ..function import Function
from ..tensor import MULTI_OUTPUT_VIEW, argument_type_error, int_arg, Tensor, _check_dim, _new, as_view
from ._registry import tensor_method
from ._util import exact_dtype_error, int_args, normalize_dims, write_out, _SCALAR_TYPE_NAMES

__all__ = ["reshape", "transpose", "swapaxes", "swapdims", "t", "permute", "movedim", "moveaxis", "broadcast_to",
           "sum_to", "squeeze", "unsqueeze", "flatten", "unflatten", "clone", "cast", "tile",
           "cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack", "split", "chunk", "unbind",
           "flip", "fliplr", "flipud", "roll", "tril", "triu"]

def scalar_name(tensor):
    """PyTorch's scalar-type name of ``tensor``'s dtype (Float, Long...)."""
    return _SCALAR_TYPE_NAMES[tensor.array.dtype.name]


class Cast(Function):
    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        self.source = x.dtype
        return x.astype(self.dtype)

    def backward(self, gy):
        if gy.array.dtype.kind == "c" and self.source.kind != "c":  # back to a real dtype: the real part
            from .complex import real
            gy = real(gy)
        return cast(gy, self.source)

    def name(self):
        return "ToCopyBackward0"


def cast(x, np_dtype):
    """``x`` converted to numpy dtype ``np_dtype`` (differentiable between float types)."""
    if x.array.dtype == np_dtype:
        return x
    return Cast(np_dtype)(x)


class View(Function):
    """``x`` with another shape and the same elements; the subclasses carry PyTorch's other node names."""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.in_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, gy):
        return reshape(gy, self.in_shape)


class ReshapeAlias(View):
    """``reshape`` of a non-contiguous tensor that can still be viewed."""


class UnsafeView(View):
    """``reshape`` that has to copy (a non-contiguous tensor); the result is no view."""


class Unsqueeze(View):
    """A size-1 dim inserted."""


class Squeeze(View):
    """``squeeze()``, ``squeeze(dim)`` and ``squeeze(dims)`` are PyTorch's overloads 0, 1 and 2."""

    def __init__(self, shape, overload):
        self.shape, self.overload = shape, overload

    def name(self):
        return ("SqueezeBackward0", "SqueezeBackward1", "SqueezeBackward2")[self.overload]


def _inferred_shape(shape, size, op):
    """``shape`` with its -1 worked out for ``size`` elements; PyTorch's error when it cannot hold them."""
    if -1 in shape:
        known = -math.prod(shape)  # the product of the other sizes when they are all >= 0
        if known > 0 and size % known == 0 and shape.count(-1) == 1:
            at = shape.index(-1)
            return shape[:at] + (size // known,) + shape[at + 1:]
    elif math.prod(shape) == size and (not shape or min(shape) >= 0):
        return shape
    raise _shape_error(shape, size, op)


def _shape_error(shape, size, op):
    """What is wrong with ``shape`` for ``size`` elements, in PyTorch's words."""
    for at, s in enumerate(shape):
        if s < -1:  # numpy would take any negative size as "infer"
            return RuntimeError(f"{op}: invalid shape dimension {s} at index {at} of shape {list(shape)}")
    if shape.count(-1) > 1:
        return RuntimeError(f"{op}: only one dimension can be inferred (got shape {list(shape)})")
    if size == 0 and -1 in shape and 0 in shape:
        return RuntimeError(f"{op}: cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                            "unspecified dimension size -1 can be any value and is ambiguous")
    return RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {size}")


def _viewable(shape, strides, new_shape):
    """Whether an array of ``shape`` and ``strides`` can take ``new_shape`` without a copy.

    The rule numpy's reshape and PyTorch's view share: size-1 dims do not
    matter, and every run of old dims merged or split into new dims must be
    contiguous within itself.
    """
    if 0 in shape:
        return True
    dims = [(n, s) for n, s in zip(shape, strides) if n != 1]
    new = [n for n in new_shape if n != 1]
    i = j = 0
    while i < len(dims):
        first = i
        old_size, new_size = dims[i][0], new[j]
        i, j = i + 1, j + 1
        while old_size != new_size:  # grow the smaller side until both cover the same elements
            if old_size < new_size:
                old_size, i = old_size * dims[i][0], i + 1
            else:
                new_size, j = new_size * new[j], j + 1
        for k in range(first, i - 1):
            if dims[k][1] != dims[k + 1][0] * dims[k + 1][1]:
                return False
    return True


@tensor_method()
def reshape(input, *shape):
    """``input`` with ``shape`` (one entry may be -1): a view when the strides allow it, else a copy."""
    array = input.array
    shape = _inferred_shape(int_args(shape, "reshape", "shape"), array.size, "reshape")
    if array.flags.c_contiguous:
        return as_view(View(shape)(input), input, ("reshape", shape))
    if _viewable(array.shape, array.strides, shape):
        return as_view(ReshapeAlias(shape)(input), input, ("reshape", shape))
    return UnsafeView(shape)(input)


@tensor_method()
def view(input, *shape):
    """``input`` seen with ``shape`` (one entry may be -1), sharing its memory; raises where only a copy could."""
    array = input.array
    shape = _inferred_shape(int_args(shape, "view", "size"), array.size, "view")
    if not (array.flags.c_contiguous or _viewable(array.shape, array.strides, shape)):
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one dimension "
                           "spans across two contiguous subspaces). Use .reshape(...) instead.")
    return as_view(View(shape)(input), input, ("reshape", shape))


@tensor_method()
def view_as(input, other):
    return view(input, other.array.shape)


@tensor_method()
def reshape_as(input, other):
    return reshape(input, other.array.shape)


class Permute(Function):
    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, gy):
        return permute(gy, tuple(sorted(range(len(self.axes)), key=self.axes.__getitem__)))


class Transpose(Permute):
    """Two dims swapped (``transpose``, ``swapaxes``, ``mT``)."""


class MatrixTranspose(Permute):
    """``t()``: a matrix transposed (a vector as it is)."""

    def name(self):
        return "TBackward0"


@tensor_method()
def permute(input, *dims):
    dims = int_args(dims, "permute", "dims")
    nd = input.array.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute: number of dims don't match in permute (got {len(dims)} dims for a "
                           f"tensor of shape {list(input.array.shape)})")
    axes = tuple(_check_dim(d, nd, "permute") for d in dims)
    if sorted(axes) != list(range(nd)):
        raise RuntimeError(f"permute: repeated dim in {dims}")
    return as_view(Permute(axes)(input), input, ("transpose", axes))


def _swapped(input, dim0, dim1, op):
    """The axes of ``input`` with ``dim0`` and ``dim1`` exchanged."""
    nd = input.array.ndim
    d0, d1 = _check_dim(dim0, nd, op), _check_dim(dim1, nd, op)
    axes = list(range(nd))
    if nd:
        axes[d0], axes[d1] = axes[d1], axes[d0]
    return tuple(axes)


@tensor_method("transpose", "swapaxes", "swapdims")
def transpose(input, dim0, dim1):
    axes = _swapped(input, dim0, dim1, "transpose")
    return as_view(Transpose(axes)(input), input, ("transpose", axes))


swapaxes = swapdims = transpose


@tensor_method()
def t(input):
    if input.array.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.array.ndim}D")
    axes = tuple(range(input.array.ndim))[::-1]
    return as_view(MatrixTranspose(axes)(input), input, ("transpose", axes))


Tensor.T = property(lambda self: self.permute(tuple(range(self.array.ndim))[::-1]))
Tensor.mT = property(lambda self: transpose(self, -2, -1))


class Expand(Function):
    """``x`` broadcast to ``shape`` (a read-only view)."""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.in_shape = x.shape
        return array_module(x).broadcast_to(x, self.shape)

    def backward(self, gy):
        return sum_to(gy, self.in_shape)


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


def _expanded(input, shape, op):
    """``input`` broadcast to ``shape`` (a read-only view), with PyTorch's error naming ``op``."""
    try:
        return as_view(Expand(shape)(input), input)
    except ValueError:
        raise RuntimeError(f"{op}: the expanded size of the tensor must match the existing size at every "
                           f"non-singleton dimension (target {list(shape)}, tensor {list(input.array.shape)})"
                           ) from None


@tensor_method()
def broadcast_to(input, *shape):
    return _expanded(input, int_args(shape, "broadcast_to", "size"), "broadcast_to")


@tensor_method()
def expand(input, *sizes):
    sizes = int_args(sizes, "expand", "size")
    lead = len(sizes) - input.array.ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({input.array.ndim})")
    return _expanded(input, tuple(input.array.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes)),
                     "expand")


@tensor_method()
def expand_as(input, other):
    return _expanded(input, other.array.shape, "expand_as")


@tensor_method()
def squeeze(input, dim=None):
    """``input`` without its size-1 dims (all, or those among ``dim``: an int or a tuple)."""
    shape = input.array.shape
    if dim is None:
        new, overload = tuple(s for s in shape if s != 1), 0
    else:
        single = not isinstance(dim, (tuple, list))
        dims = {_check_dim(d, input.array.ndim, "squeeze") for d in ((dim,) if single else dim)}
        new, overload = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1)), (1 if single else 2)
    return as_view(Squeeze(new, overload)(input), input, ("reshape", new))


@tensor_method()
def unsqueeze(input, dim):
    nd = input.array.ndim + 1
    d = _check_dim(dim, nd, "unsqueeze")
    shape = input.array.shape[:d] + (1,) + input.array.shape[d:]
    return as_view(Unsqueeze(shape)(input), input, ("reshape", shape))


@tensor_method()
def flatten(input, start_dim=0, end_dim=-1):
    """Dims ``start_dim`` to ``end_dim`` merged into one (``reshape``: a view where possible); nothing to
    merge returns ``input`` itself, as PyTorch does."""
    shape = input.array.shape
    if not shape:
        return reshape(input, (1,))
    s = _check_dim(start_dim, len(shape), "flatten")
    e = _check_dim(end_dim, len(shape), "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    return reshape(input, shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:])


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
    sizes = int_args((sizes,), "unflatten", "sizes")
    known = math.prod([s for s in sizes if s != -1])
    if sizes.count(-1) > 1 or (sizes.count(-1) == 0 and known != shape[d]) or (known and shape[d] % known):
        raise RuntimeError(f"unflatten: provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                           f"({shape[d]}) in the input tensor of shape {list(shape)}")
    return view(input, shape[:d] + sizes + shape[d + 1:])


@tensor_method("movedim", "moveaxis")
def movedim(input, source, destination):
    """Move dims ``source`` to positions ``destination``; the others keep their order."""
    nd = input.array.ndim
    src = tuple(source) if isinstance(source, (tuple, list)) else (source,)
    dst = tuple(destination) if isinstance(destination, (tuple, list)) else (destination,)
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


class Repeat(Function):
    def __init__(self, reps):
        self.reps = reps

    def forward(self, x):
        self.in_shape = x.shape
        return array_module(x).tile(x, self.reps)

    def backward(self, gy):
        # view the gradient as (r0, s0, r1, s1, ...) and sum the copies (the r axes)
        shape = (1,) * (len(self.reps) - len(self.in_shape)) + self.in_shape
        pairs = tuple(n for rs in zip(self.reps, shape) for n in rs)
        g = gy.reshape(pairs).sum(dim=tuple(range(0, len(pairs), 2)))
        return g.reshape(self.in_shape)


def _repeated(input, sizes, op):
    if len(sizes) < input.array.ndim:
        raise RuntimeError(f"{op}: number of dimensions of repeat dims ({len(sizes)}) can not be smaller than "
                           f"number of dimensions of tensor ({input.array.ndim})")
    if any(s < 0 for s in sizes):
        shape = (1,) * (len(sizes) - input.array.ndim) + input.array.shape
        out = [n * s for n, s in zip(shape, sizes)]
        raise RuntimeError(f"{op}: Trying to create tensor with negative dimension {min(out)}: {out}")
    return Repeat(sizes)(input)


@tensor_method()
def repeat(input, *sizes):
    """Tile the tensor ``sizes[i]`` times along each dim (new leading dims when ``sizes`` is longer)."""
    return _repeated(input, int_args(sizes, "repeat", "repeats"), "repeat")


@tensor_method()
def tile(input, dims):
    """``repeat`` that pads ``dims`` with leading ones when it is shorter than the tensor's rank."""
    dims = int_args((dims,), "tile", "dims")
    return _repeated(input, (1,) * (input.array.ndim - len(dims)) + dims, "tile")


def _common_dtype(tensors):
    """PyTorch's promoted dtype across a list of tensors."""
    dtype = tensors[0].array.dtype
    for t in tensors:
        if t.array.dtype != dtype:
            dtype = dtypes.result_type(np.empty(1, dtype), np.empty(1, t.array.dtype))
    return dtype


def _tensor_list(tensors, op):
    """A checked, non-empty list of tensors, cast to their common dtype."""
    if not isinstance(tensors, (tuple, list)):
        raise argument_type_error(f"{op}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                                  f"{type(tensors).__name__}", tensors, "tuple of Tensors")
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
        return array_module(*xs).concatenate(xs, axis=self.dim)

    def backward(self, gy):
        lead = (slice(None),) * self.dim
        grads, start = [], 0
        for i, n in enumerate(self.sizes):
            grads.append(gy[lead + (slice(start, start + n),)] if self.needs_input_grad[i] else None)
            start += n
        return tuple(grads)


def _check_join_out(tensors, out):
    """``cat``/``stack`` write into ``out`` any dtype the joined one casts to within its kind, as PyTorch's."""
    if isinstance(out, Tensor) and not np.can_cast(tensors[0].array.dtype, out.array.dtype, "same_kind"):
        raise TypeError(f"torch.cat(): input types can't be cast to the desired output type {scalar_name(out)}")


def cat(tensors, dim=0, *, out=None):
    """Join tensors along an existing dim; dtypes are promoted as in PyTorch."""
    tensors = _tensor_list(tensors, "cat")
    for i, t in enumerate(tensors):
        if t.array.ndim == 0:
            raise RuntimeError(f"cat: zero-dimensional tensor (at position {i}) cannot be concatenated")
    d = _check_dim(dim, tensors[0].array.ndim, "cat")
    _check_join_out(tensors, out)
    try:
        result = Cat(d)(*tensors)
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
    return write_out("cat", result, out)


concat = concatenate = cat


class Stack(Function):
    def __init__(self, dim):
        self.dim = dim

    def forward(self, *xs):
        return array_module(*xs).stack(xs, axis=self.dim)

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
    _check_join_out(tensors, out)
    return write_out("stack", Stack(d)(*tensors), out)


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
    return cat(tensors, 0 if all(t.array.ndim == 1 for t in tensors) else 1, out=out)


def vstack(tensors, *, out=None):
    """Concatenate row-wise after making each tensor at least 2-D."""
    return cat([_at_least(t, 2) for t in _tensor_list(tensors, "vstack")], 0, out=out)


def dstack(tensors, *, out=None):
    """Concatenate depth-wise (dim 2) after making each tensor at least 3-D."""
    return cat([_at_least(t, 3) for t in _tensor_list(tensors, "dstack")], 2, out=out)


class Split(Function):
    """One output per piece (views of the input); missing output gradients count as zeros.

    ``with_sizes``: the pieces were given as a list of sizes (PyTorch's ``split_with_sizes``).
    """

    def __init__(self, dim, sizes, with_sizes):
        self.dim, self.sizes, self.with_sizes = dim, sizes, with_sizes

    def forward(self, x):
        self.in_shape, self.dtype = x.shape, x.dtype
        lead = (slice(None),) * self.dim
        pieces, start = [], 0
        for n in self.sizes:
            pieces.append(x[lead + (slice(start, start + n),)])
            start += n
        return tuple(pieces)

    def backward(self, *grads):
        xp = array_module(*[g.array for g in grads if g is not None])
        pieces = []
        for g, n in zip(grads, self.sizes):
            if g is None:
                shape = self.in_shape[:self.dim] + (n,) + self.in_shape[self.dim + 1:]
                g = _new(xp.zeros(shape, self.dtype))
            pieces.append(g)
        return cat(pieces, self.dim)

    def name(self):
        return "SplitWithSizesBackward0" if self.with_sizes else "SplitBackward0"


def _share_version(outputs, input):
    """The pieces are views sharing their base's version counter; in-place changes through them are refused while
    recording, as in PyTorch."""
    for out in outputs:
        as_view(out, input, MULTI_OUTPUT_VIEW)
    return outputs


@tensor_method()
def split(tensor, split_size_or_sections, dim=0):
    """Pieces of ``split_size_or_sections`` elements along ``dim`` (an int size or a list of sizes)."""
    d = _check_dim(dim, tensor.array.ndim, "split")
    size = tensor.array.shape[d]
    with_sizes = isinstance(split_size_or_sections, (tuple, list))
    if not with_sizes:
        step = int_arg(split_size_or_sections, "split", "split_size")
        if step < 0 or (step == 0 and size):
            raise RuntimeError(f"split: split_size must be positive (or 0 for an empty dimension), got {step} "
                               f"for dimension {d} of size {size}")
        sizes = [step] * (size // step) + ([size % step] if size % step else []) if size else [0]
    else:
        sizes = list(int_args((split_size_or_sections,), "split", "split_size"))
        if sum(sizes) != size or any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size "
                               f"at dimension {d}), but got split_sizes={sizes}")
    return _share_version(Split(d, sizes, with_sizes)(tensor) if sizes else (), tensor)


@tensor_method()
def chunk(input, chunks, dim=0):
    """At most ``chunks`` pieces of ``ceil(size / chunks)`` elements along ``dim``."""
    chunks = int_arg(chunks, "chunk", "chunks")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    size = input.array.shape[_check_dim(dim, input.array.ndim, "chunk")]
    if size == 0:  # as many empty pieces as asked for, as PyTorch gives
        return split(input, [0] * chunks, dim)
    return split(input, -(-size // chunks), dim)


class Unbind(Function):
    def __init__(self, dim):
        self.dim = dim

    def forward(self, x):
        self.piece_shape, self.dtype = x.shape[:self.dim] + x.shape[self.dim + 1:], x.dtype
        lead = (slice(None),) * self.dim
        return tuple(x[lead + (i,)] for i in range(x.shape[self.dim]))

    def backward(self, *grads):
        zeros = None
        if None in grads:
            xp = array_module(*[g.array for g in grads if g is not None])
            zeros = _new(xp.zeros(self.piece_shape, self.dtype))
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
        return array_module(x).flip(x, self.axes).copy()  # PyTorch's flip copies: no negative-stride alias

    def backward(self, gy):
        return Flip(self.axes)(gy)


@tensor_method()
def flip(input, *dims):
    dims = int_args(dims, "flip", "dims")
    axes = normalize_dims(dims, input.array.ndim, "flip")
    return Flip(axes or ())(input)


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
        return array_module(x).roll(x, self.shifts, self.axes)

    def backward(self, gy):
        return Roll(tuple(-s for s in self.shifts), self.axes)(gy)


@tensor_method()
def roll(input, shifts, dims=None):
    """Rotate elements by ``shifts`` along ``dims`` (over the flattened tensor when ``dims`` is None)."""
    shifts = int_args((shifts,) if isinstance(shifts, (tuple, list)) else (shifts,), "roll", "shifts")
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll: shifts {list(shifts)} need matching dims when more than one shift is given")
        return Roll(shifts, None)(input)
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    axes = tuple(_check_dim(d, input.array.ndim, "roll") for d in dims)
    return Roll(shifts, axes)(input)


class Triangle(Function):
    """``tril``/``triu``: keep one triangle of the last two dims, zero the rest."""

    def __init__(self, upper, diagonal):
        self.upper, self.diagonal = upper, diagonal

    def forward(self, x):
        xp = array_module(x)
        return (xp.triu if self.upper else xp.tril)(x, self.diagonal)

    def backward(self, gy):
        return Triangle(self.upper, self.diagonal)(gy)

    def name(self):
        return "TriuBackward0" if self.upper else "TrilBackward0"


def _triangle(input, diagonal, upper, out):
    op = "triu" if upper else "tril"
    if input.array.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions (got shape {list(input.array.shape)})")
    return write_out(op, Triangle(upper, int_arg(diagonal, op, "diagonal"))(input), out, exact_dtype_error)


@tensor_method()
def tril(input, diagonal=0, *, out=None):
    """The lower triangle (on and below ``diagonal``) of the last two dims."""
    return _triangle(input, diagonal, False, out)


@tensor_method()
def triu(input, diagonal=0, *, out=None):
    """The upper triangle (on and above ``diagonal``) of the last two dims."""
    return _triangle(input, diagonal, True, out)
