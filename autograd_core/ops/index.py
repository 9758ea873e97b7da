"""Indexing: ``x[key]`` reads and writes, gather/scatter, index_select/index_add, masked ops, where, nonzero.

Every read is one ``Index`` node whose gradient scatters back into zeros
(``IndexGrad``, repeated indices accumulate); every write is one out-of-place
``IndexPut`` node, which ``x[key] = v`` and the ``*_`` methods apply in place.
"""
import numpy as np

from .. import dtypes
from ..function import Function
from ..grad_mode import GradMode
from ..tensor import Tensor, _new, _check_dim, as_view
from ._registry import tensor_method, inplace_method
from ._util import promote
from .shape import sum_to, cast, broadcast_to, reshape

__all__ = ["gather", "scatter", "scatter_add", "index_select", "index_add", "index_put", "masked_fill",
           "masked_select", "where", "nonzero", "argwhere", "take"]

# Kinds of key: views only; boolean masks (no repeats); integer arrays (repeats possible)
BASIC, MASK, ARRAY = 0, 1, 2


def _index_array(entry, op):
    """An advanced-index entry (tensor, list, ndarray, bool) as an integer or boolean ndarray."""
    array = entry.array if isinstance(entry, Tensor) else np.asarray(entry)
    if array.dtype.kind not in "iub":
        if array.size == 0 and not isinstance(entry, Tensor):  # x[[]]
            return array.astype(np.int64)
        raise IndexError(f"{op}: tensors used as indices must be long, int or bool tensors "
                         f"(got {array.dtype} from {type(entry).__name__})")
    return array


def index_key(key, op):
    """Anything ``x[key]`` accepts as numpy key tuples applied in turn ("stages"), and the key's kind
    (BASIC, MASK or ARRAY).

    Negative slice steps are refused as in PyTorch; basic keys end with an
    Ellipsis so that numpy returns a view even when every dim is selected.
    """
    if type(key) is not tuple:
        key = (key,)
    parts = []
    kind = BASIC
    has_ellipsis = False
    for k in key:
        if k is None or type(k) is int:
            parts.append(k)
        elif type(k) is slice:
            if k.step is not None and k.step <= 0:
                raise ValueError("step must be greater than zero" if k.step else "slice step cannot be zero")
            parts.append(k)
        elif k is Ellipsis:
            has_ellipsis = True
            parts.append(k)
        elif isinstance(k, np.integer) or (isinstance(k, Tensor) and k.array.ndim == 0
                                           and k.array.dtype.kind in "iu"):
            parts.append(int(k))
        else:
            array = _index_array(k, op)
            kind = max(kind, MASK if array.dtype == np.bool_ else ARRAY)
            parts.append(array)
    if kind == BASIC:
        if not has_ellipsis:
            parts.append(Ellipsis)
        return (tuple(parts),), kind
    if any(type(p) is int for p in parts):
        return _ints_first(parts), kind
    return (tuple(parts),), kind


def _ints_first(parts):
    """Split a key mixing ints and index arrays into a basic stage and an advanced stage.

    PyTorch selects with ints before advanced indexing (numpy treats them as
    index arrays, which moves the advanced dims to the front when they are split).
    """
    basic, advanced = [], []
    has_ellipsis = False
    for p in parts:
        if type(p) is int:
            basic.append(p)
        elif isinstance(p, np.ndarray):
            basic.extend([slice(None)] * (p.ndim if p.dtype == np.bool_ else 1))
            advanced.append(p)
        elif p is Ellipsis:
            has_ellipsis = True
            basic.append(p)
            advanced.append(p)
        else:  # a slice or None: applied in the basic stage, kept whole in the advanced one
            basic.append(p)
            advanced.append(slice(None))
    if not has_ellipsis:
        basic.append(Ellipsis)  # keeps the basic stage a view
    return tuple(basic), tuple(advanced)


def _select(array, stages):
    """``array`` indexed by each stage of a key in turn."""
    for key in stages:
        array = array[key]
    return array


def _target(array, stages):
    """The view of ``array`` that the last stage of a key indexes into (for writes)."""
    for key in stages[:-1]:
        array = array[key]
    return array


def _index_error(err, op):
    """numpy's IndexError in PyTorch's words (dimensions, tensors), naming ``op``."""
    message = str(err).replace("axis", "dimension").replace("array", "tensor")
    return IndexError(f"{op}: {message}")


class Index(Function):
    """``x[key]`` (a key given as stages); ``label`` names the public op it implements (gather...)."""

    def __init__(self, stages, kind, label=None):
        self.stages, self.kind, self.label = stages, kind, label

    def forward(self, x):
        self.in_shape = x.shape
        return _select(x, self.stages)

    def backward(self, gy):
        return IndexGrad(self.stages, self.kind, self.in_shape)(gy)

    def name(self):
        return self.label or ("IndexBackward0" if self.kind else "SliceBackward0")


class IndexGrad(Function):
    """Zeros of ``shape`` with ``g`` added at ``key``: the adjoint of ``Index`` (repeats accumulate)."""

    def __init__(self, stages, kind, shape):
        self.stages, self.kind, self.shape = stages, kind, shape

    def forward(self, g):
        out = np.zeros(self.shape, g.dtype)
        target, key = _target(out, self.stages), self.stages[-1]
        if self.kind == ARRAY:
            np.add.at(target, key, g)
        else:
            target[key] = g
        return out

    def backward(self, gg):
        return Index(self.stages, self.kind)(gg)


def _reduce_to(g, shape):
    """Sum ``g`` to ``shape``, which may have extra leading ones (numpy's assignment broadcasting)."""
    if g.array.ndim < len(shape):
        g = reshape(g, (1,) * (len(shape) - g.array.ndim) + g.array.shape)
    return sum_to(g, shape)


class IndexPut(Function):
    """``x`` with ``v`` written (or, with ``accumulate``, added) at ``key``, out of place."""

    def __init__(self, stages, kind, accumulate, label=None):
        self.stages, self.kind, self.accumulate, self.label = stages, kind, accumulate, label

    def forward(self, x, v):
        self.v_shape = v.shape
        out = x.copy()
        target, key = _target(out, self.stages), self.stages[-1]
        if not self.accumulate:
            target[key] = v
        elif self.kind == ARRAY:
            np.add.at(target, key, v)
        else:
            target[key] += v
        return out

    def backward(self, gy):
        gx = gv = None
        if self.needs_input_grad[0]:
            # overwritten positions get no gradient; added ones pass it through
            zero = _new(np.zeros((), gy.array.dtype))
            gx = gy if self.accumulate else IndexPut(self.stages, self.kind, False)(gy, zero)
        if self.needs_input_grad[1]:
            gv = _reduce_to(Index(self.stages, self.kind)(gy), self.v_shape)
        return gx, gv

    def name(self):
        return self.label or "IndexPutBackward0"


def _shape_mismatch(op, values, target):
    return RuntimeError(f"{op}: shape mismatch: value tensor of shape {list(np.shape(values))} cannot be broadcast "
                        f"to indexing result of shape {list(target.shape)}")


@tensor_method("__getitem__")
def getitem(input, key):
    """``input[key]``: ints, slices (positive steps), None, Ellipsis, integer arrays and boolean masks."""
    stages, kind = index_key(key, "__getitem__")
    try:
        out = Index(stages, kind)(input)
    except IndexError as err:
        raise _index_error(err, "__getitem__") from None
    return as_view(out, input) if kind == BASIC else out


def _as_values(values, like):
    """``values`` as a tensor of ``like``'s dtype (differentiable cast for tensors)."""
    if isinstance(values, Tensor):
        return values if values.array.dtype == like.array.dtype else cast(values, like.array.dtype)
    return _new(np.asarray(values, dtype=like.array.dtype))


@tensor_method()
def index_put(input, indices, values, accumulate=False):
    """``input`` with ``values`` (cast to its dtype) written, or added with ``accumulate``, at ``input[indices]``."""
    stages, kind = index_key(indices if type(indices) is tuple else tuple(indices), "index_put")
    values = _as_values(values, input)
    try:
        return IndexPut(stages, kind, accumulate)(input, values)
    except IndexError as err:
        raise _index_error(err, "index_put") from None
    except ValueError:
        raise _shape_mismatch("index_put", values.array, _select(input.array, stages)) from None


@tensor_method("__setitem__")
def setitem(self, key, value):
    """``self[key] = value``: recorded as an in-place ``index_put`` when autograd is involved."""
    key = key if type(key) is tuple else (key,)
    if GradMode.enabled and (self._requires_grad or (isinstance(value, Tensor) and value._requires_grad)):
        self._apply_inplace(index_put, key, value)
        return
    # nothing to record: write straight into the array (cost of the written region, not of the tensor)
    stages, _ = index_key(key, "__setitem__")
    if not self.array.flags.writeable:
        raise RuntimeError("__setitem__: this tensor is a read-only (expanded) view; clone() it first")
    values = value.array if isinstance(value, Tensor) else value
    try:
        _target(self.array, stages)[stages[-1]] = values
    except IndexError as err:
        raise _index_error(err, "__setitem__") from None
    except ValueError:
        raise _shape_mismatch("__setitem__", values, _select(self.array, stages)) from None
    self._version_counter[0] += 1


def _int_index(index, op):
    array = index.array if isinstance(index, Tensor) else np.asarray(index)
    if array.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int64 for index, but got {array.dtype}")
    return array


_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def _check_range(index, size, dim, op):
    """PyTorch's bounds check for gather/scatter/index_select (no negative indices)."""
    # one reduction: seen as unsigned, negative indices become huge
    if index.size and index.view(_UNSIGNED[index.itemsize]).max() >= size:
        low = index.min()
        raise IndexError(f"{op}(): index {low if low < 0 else index.max()} is out of bounds for dimension {dim} "
                         f"with size {size}")


def _along_dim(input, dim, index, op, others=()):
    """Checked key that picks ``index`` along ``dim`` and the same position along every other dim.

    ``index`` may be smaller than ``input`` (and than each tensor in ``others``) off ``dim``.
    """
    nd = input.array.ndim
    d = _check_dim(dim, nd, op)
    index = _int_index(index, op)
    if index.ndim != nd:
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as input tensor "
                           f"(index {list(index.shape)}, input {list(input.array.shape)})")
    for name, t, skip in (("self", input, d),) + tuple(("src", o, None) for o in others):
        for k, (n, limit) in enumerate(zip(index.shape, t.array.shape)):
            if k != skip and n > limit:
                raise RuntimeError(f"{op}(): Size does not match at dimension {k}: expected index "
                                   f"{list(index.shape)} to be no larger than {name} {list(t.array.shape)}"
                                   + (f" apart from dimension {d}" if skip is not None else ""))
    _check_range(index, input.array.shape[d] if nd else 1, d, op)
    key = []
    for k, n in enumerate(index.shape):
        if k == d:
            key.append(index)
        else:
            shape = [1] * nd
            shape[k] = n
            key.append(np.arange(n).reshape(shape))
    return tuple(key)


@tensor_method()
def gather(input, dim, index, *, sparse_grad=False):
    """``out[i][j] = input[index[i][j]][j]`` for ``dim=0`` (and likewise for other dims)."""
    return Index((_along_dim(input, dim, index, "gather"),), ARRAY, "GatherBackward0")(input)


def _scatter(input, dim, index, src, accumulate, op, label):
    if isinstance(src, Tensor):
        key = _along_dim(input, dim, index, op, (src,))
        if src.array.dtype != input.array.dtype:
            raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype (got {input.dtype} and "
                               f"{src.dtype})")
        shape = _int_index(index, op).shape
        if src.array.shape != shape:  # only the leading block of src is scattered
            src = src[tuple(slice(0, n) for n in shape)]
    else:
        key = _along_dim(input, dim, index, op)
        src = _new(np.asarray(src, dtype=input.array.dtype))
    return IndexPut((key,), ARRAY, accumulate, label)(input, src)


@tensor_method()
def scatter(input, dim, index, src=None, *, value=None):
    """``input`` with ``src[i][j]`` (or the number ``value``) written at ``[index[i][j]][j]`` for ``dim=0``."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter(): expected a src tensor or a value")
    return _scatter(input, dim, index, src, False, "scatter", "ScatterBackward0")


@tensor_method()
def scatter_add(input, dim, index, src):
    """Like ``scatter`` but repeated targets add up."""
    return _scatter(input, dim, index, src, True, "scatter_add", "ScatterAddBackward0")


def _vector_index(input, dim, index, op):
    """Checked key selecting the 1-D ``index`` along ``dim``."""
    d = _check_dim(dim, input.array.ndim, op)
    index = _int_index(index, op)
    if index.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector (got shape {list(index.shape)})")
    index = index.reshape(-1)
    _check_range(index, input.array.shape[d] if input.array.ndim else 1, d, op)
    return (slice(None),) * d + (index,)


@tensor_method()
def index_select(input, dim, index):
    """The entries ``index`` (a vector) along ``dim``."""
    return Index((_vector_index(input, dim, index, "index_select"),), ARRAY, "IndexSelectBackward0")(input)


@tensor_method()
def index_add(input, dim, index, source, *, alpha=1):
    """``input`` with ``alpha * source[.., i, ..]`` added at position ``index[i]`` along ``dim``."""
    key = _vector_index(input, dim, index, "index_add")
    if source.array.dtype != input.array.dtype:
        raise RuntimeError(f"index_add(): self ({input.dtype}) and source ({source.dtype}) must have the same "
                           "scalar type")
    expected = list(input.array.shape)
    if expected:
        expected[len(key) - 1] = key[-1].size  # the key ends at dim: (slice(None),) * dim + (index,)
    if list(source.array.shape) != expected:
        raise RuntimeError(f"index_add(): source of shape {list(source.array.shape)} does not match the expected "
                           f"shape {expected}")
    if alpha != 1:
        source = source * alpha
    return IndexPut((key,), ARRAY, True, "IndexAddBackward0")(input, source)


@tensor_method()
def take(input, index):
    """The elements of the flattened input at ``index`` (negative indices count from the end)."""
    key = (_int_index(index, "take"),)
    try:
        return Index((key,), ARRAY, "TakeBackward0")(reshape(input, (-1,)))
    except IndexError as err:
        raise _index_error(err, "take") from None


def _bool_mask(mask, op):
    if not isinstance(mask, Tensor):
        mask = _new(np.asarray(mask))
    if mask.array.dtype != np.bool_:
        raise RuntimeError(f"{op}: expected a boolean mask, but got mask with dtype {mask.dtype}")
    return mask


class Where(Function):
    """``condition ? x : y`` elementwise, broadcasting all three."""

    saves = (0,)

    def __init__(self, label=None):
        self.label = label

    def forward(self, condition, x, y):
        self.shapes = (x.shape, y.shape)
        return np.where(condition, x, y)

    def backward(self, gy):
        condition = self.saved(0)
        zero = _new(np.zeros((), gy.array.dtype))
        gx = sum_to(Where()(condition, gy, zero), self.shapes[0]) if self.needs_input_grad[1] else None
        gz = sum_to(Where()(condition, zero, gy), self.shapes[1]) if self.needs_input_grad[2] else None
        return None, gx, gz

    def name(self):
        return self.label or "WhereBackward0"


def _where(condition, x, y, op, label=None):
    try:
        return Where(label)(condition, x, y)
    except ValueError:
        raise RuntimeError(f"{op}: the shapes {list(condition.array.shape)} (condition), {list(x.array.shape)} and "
                           f"{list(y.array.shape)} cannot be broadcast together") from None


def where(condition, input=None, other=None):
    """``input`` where ``condition`` holds, else ``other`` (tensors or numbers, promoted); with one
    argument, the indices of the true elements (``nonzero(as_tuple=True)``)."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    condition = _bool_mask(condition, "where")
    if isinstance(input, Tensor) or isinstance(other, Tensor):
        input, other = promote(input, other, "where")
    else:
        dtype = dtypes.result_type(input, other)
        input, other = _new(np.asarray(input, dtype)), _new(np.asarray(other, dtype))
    return _where(condition, input, other, "where")


def _where_method(self, condition, other):
    """``x.where(condition, y)``: ``x`` where ``condition`` holds, else ``y``."""
    return where(condition, self, other)


Tensor.where = _where_method


@tensor_method()
def masked_fill(input, mask, value):
    """``input`` with ``value`` (a number or 0-d tensor, cast to ``input``'s dtype) where ``mask`` is true."""
    mask = _bool_mask(mask, "masked_fill")
    if isinstance(value, Tensor) and value.array.ndim:
        raise RuntimeError(f"masked_fill: only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.array.ndim} dimension(s).")
    return _where(mask, _as_values(value, input), input, "masked_fill", "MaskedFillBackward0")


@tensor_method()
def masked_select(input, mask):
    """The elements where ``mask`` (broadcast with ``input``) is true, as a 1-D tensor."""
    mask = _bool_mask(mask, "masked_select")
    try:
        shape = np.broadcast_shapes(input.array.shape, mask.array.shape)
    except ValueError:
        raise RuntimeError(f"masked_select: the shapes {list(input.array.shape)} (input) and "
                           f"{list(mask.array.shape)} (mask) cannot be broadcast together") from None
    key = (np.broadcast_to(mask.array, shape),)
    return Index((key,), MASK, "MaskedSelectBackward0")(broadcast_to(input, shape))


@tensor_method()
def nonzero(input, *, as_tuple=False):
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or one 1-D tensor per dim."""
    if as_tuple:
        return tuple(_new(i.astype(np.int64, copy=False)) for i in np.nonzero(np.atleast_1d(input.array)))
    return _new(np.argwhere(input.array).astype(np.int64, copy=False))


@tensor_method()
def argwhere(input):
    return nonzero(input)


for _name, _func in (("masked_fill_", masked_fill), ("scatter_", scatter), ("scatter_add_", scatter_add),
                     ("index_put_", index_put), ("index_add_", index_add)):
    inplace_method(_name, _func)
