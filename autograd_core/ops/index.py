"""Indexing: ``x[key]`` reads and writes, narrow, gather/scatter, index_select/index_add, masked ops, where, nonzero.

Every read is one ``Index`` node whose gradient scatters back into zeros
(``IndexGrad``, repeated indices accumulate); every write is one out-of-place
``IndexPut`` node, which ``x[key] = v`` and the ``*_`` methods apply in place.
A key's index arrays live on the indexed data's backend; the node saves them
for backward (``save_for_backward``) and keeps only the rest of the key.
"""
import numbers

import numpy as np

from .. import dtypes
from ..arrays import array_module, as_array, from_numpy, is_array
from ..function import Function
from ..grad_mode import GradMode
from ..tensor import argument_type_error, check_writable, int_arg, Tensor, _new, _check_dim, as_view
from ._registry import tensor_method, inplace_method
from ._util import exact_dtype_error, promote, write_out
from .fill import fill, copy
from .shape import sum_to, cast, broadcast_to, reshape, scalar_name

__all__ = ["gather", "scatter", "scatter_add", "index_select", "index_add", "index_put", "masked_fill",
           "masked_select", "where", "nonzero", "argwhere", "take", "narrow", "narrow_copy"]

# Kinds of key: views only; boolean masks (no repeats); integer arrays (repeats possible)
BASIC, MASK, ARRAY = 0, 1, 2


def _is_index_array(part):
    """Whether a part of a numpy key is an index array (not an int, slice, None or Ellipsis)."""
    return not (part is None or part is Ellipsis or type(part) is int or type(part) is slice)


def _array_like(value, like):
    """``value`` (a tensor, an array or Python data) as an array of ``like``'s backend.

    Python data and numpy arrays are made on the host and moved (``from_numpy``).
    """
    if isinstance(value, Tensor):
        value = value.array
    if type(value) is type(like):
        return value
    if is_array(value) and type(value) is not np.ndarray:
        return as_array(value, like=like)
    return from_numpy(np.asarray(value), like=like)


def _index_array(entry, like, op):
    """An advanced-index entry (tensor, list, ndarray, bool) as an integer or boolean array of ``like``'s backend."""
    array = _array_like(entry, like)
    if array.dtype.kind not in "iub":
        if array.size == 0 and not isinstance(entry, Tensor):  # x[[]]
            return array.astype(np.int64)
        raise IndexError(f"{op}: tensors used as indices must be long, int or bool tensors "
                         f"(got {array.dtype} from {type(entry).__name__})")
    return array


def index_key(key, like, op):
    """Anything ``x[key]`` accepts as numpy key tuples applied in turn ("stages"), and the key's kind
    (BASIC, MASK or ARRAY); index arrays are made on the backend of ``like`` (the indexed array).

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
            array = _index_array(k, like, op)
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
        elif _is_index_array(p):
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


_SLOT = object()  # where a key's index array was taken out to be saved


def _without_arrays(stages):
    """``stages`` with each index array replaced by ``_SLOT``, and those arrays in order."""
    template, arrays = [], []
    for stage in stages:
        parts = []
        for p in stage:
            if p is None or p is Ellipsis or type(p) is int or type(p) is slice:
                parts.append(p)
            else:
                arrays.append(p)
                parts.append(_SLOT)
        template.append(tuple(parts))
    return tuple(template), arrays


def _with_arrays(template, arrays):
    """The stages ``_without_arrays`` took apart, put back together."""
    arrays = iter(arrays)
    return tuple(tuple(next(arrays) if p is _SLOT else p for p in stage) for stage in template)


def _index_error(err, op):
    """numpy's IndexError in PyTorch's words (dimensions, tensors), naming ``op``."""
    message = str(err).replace("axis", "dimension").replace("array", "tensor")
    return IndexError(f"{op}: {message}")


def _basic_node_name(key, shape):
    """PyTorch's node for reading a basic key: a lone slice always slices, other keys as ``_last_step``."""
    if len(key) == 2 and key[1] is Ellipsis:  # one int, slice or None (and the Ellipsis index_key adds)
        first = key[0]
        if type(first) is int:
            return "SelectBackward0"
        if type(first) is slice:
            return "SliceBackward0"
    return _last_step(key, shape)


def _last_step(key, shape):
    """The node of a basic key's last step that does something (select, slice, unsqueeze), or an alias.

    A slice over a whole dim does nothing, as in PyTorch.
    """
    name, dim = "AliasBackward0", 0
    for part in key:
        if part is None:
            name = "UnsqueezeBackward0"
        elif type(part) is int:
            name, dim = "SelectBackward0", dim + 1
        elif part is Ellipsis:
            dim += len(shape) - sum(1 for p in key if type(p) is int or type(p) is slice)
        else:
            if part.indices(shape[dim]) != (0, shape[dim], 1):
                name = "SliceBackward0"
            dim += 1
    return name


class _KeyedOp(Function):
    """An op driven by a key (``stages`` of ``kind``): ``forward`` moves the key's index arrays to the saved values."""

    def _save_key(self):
        if self.kind:
            self.stages, arrays = _without_arrays(self.stages)
            self.save_for_backward(*arrays)

    def _saved_key(self):
        return _with_arrays(self.stages, self.saved_tensors) if self.kind else self.stages


class Index(_KeyedOp):
    """``x[key]`` (a key given as stages); ``label`` names the public op it implements (gather...)."""

    def __init__(self, stages, kind, label=None):
        self.stages, self.kind, self.label = stages, kind, label

    def forward(self, x):
        self.in_shape = x.shape
        out = _select(x, self.stages)
        if self.kind:
            self._save_key()
        return out

    def backward(self, gy):
        return IndexGrad(self._saved_key(), self.kind, self.in_shape)(gy)

    def name(self):
        if self.label:
            return self.label
        return "IndexBackward0" if self.kind else _basic_node_name(self.stages[0], self.in_shape)


class NarrowCopy(Index):
    """``narrow_copy``: the slice as a new array."""

    def forward(self, x):
        return super().forward(x).copy()


class IndexGrad(_KeyedOp):
    """Zeros of ``shape`` with ``g`` added at ``key``: the adjoint of ``Index`` (repeats accumulate)."""

    def __init__(self, stages, kind, shape):
        self.stages, self.kind, self.shape = stages, kind, shape

    def forward(self, g):
        xp = array_module(g)
        out = xp.zeros(self.shape, g.dtype)
        target, key = _target(out, self.stages), self.stages[-1]
        if self.kind == ARRAY:
            xp.add.at(target, key, g)
        else:
            target[key] = g
        self._save_key()
        return out

    def backward(self, gg):
        return Index(self._saved_key(), self.kind)(gg)


def _reduce_to(g, shape):
    """Sum ``g`` to ``shape``, which may have extra leading ones (numpy's assignment broadcasting)."""
    if g.array.ndim < len(shape):
        g = reshape(g, (1,) * (len(shape) - g.array.ndim) + g.array.shape)
    return sum_to(g, shape)


class IndexPut(_KeyedOp):
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
            array_module(out).add.at(target, key, v)
        else:
            target[key] += v
        self._save_key()
        return out

    def backward(self, gy):
        stages = self._saved_key()
        gx = gv = None
        if self.needs_input_grad[0]:
            # overwritten positions get no gradient; added ones pass it through
            zero = _new(array_module(gy.array).zeros((), gy.array.dtype))
            gx = gy if self.accumulate else IndexPut(stages, self.kind, False)(gy, zero)
        if self.needs_input_grad[1]:
            gv = _reduce_to(Index(stages, self.kind)(gy), self.v_shape)
        return gx, gv

    def name(self):
        return self.label or "IndexPutBackward0"


def _shape_mismatch(op, values, target):
    shape = values.shape if hasattr(values, "shape") else np.shape(values)
    return RuntimeError(f"{op}: shape mismatch: value tensor of shape {list(shape)} cannot be broadcast "
                        f"to indexing result of shape {list(target.shape)}")


@tensor_method("__getitem__")
def getitem(input, key):
    """``input[key]``: ints, slices (positive steps), None, Ellipsis, integer arrays and boolean masks."""
    stages, kind = index_key(key, input.array, "__getitem__")
    try:
        out = Index(stages, kind)(input)
    except IndexError as err:
        raise _index_error(err, "__getitem__") from None
    return as_view(out, input, ("__getitem__", stages[0])) if kind == BASIC else out


def _as_values(values, like):
    """``values`` as a tensor of ``like``'s dtype and backend (differentiable cast for tensors)."""
    if isinstance(values, Tensor):
        return values if values.array.dtype == like.array.dtype else cast(values, like.array.dtype)
    return _new(as_array(values, dtype=like.array.dtype, like=like.array))


def _put(input, stages, kind, values, accumulate, label, op):
    values = _as_values(values, input)
    try:
        return IndexPut(stages, kind, accumulate, label)(input, values)
    except IndexError as err:
        raise _index_error(err, op) from None
    except ValueError:
        raise _shape_mismatch(op, values.array, _select(input.array, stages)) from None


@tensor_method()
def index_put(input, indices, values, accumulate=False):
    """``input`` with ``values`` (cast to its dtype) written, or added with ``accumulate``, at ``input[indices]``."""
    key = indices if type(indices) is tuple else tuple(indices)
    for at, entry in enumerate(key):
        if not isinstance(entry, Tensor):
            raise argument_type_error(f"index_put(): expected Tensor as element {at} in argument 'indices', but "
                                      f"got {type(entry).__name__}", entry, "Tensor")
    if not isinstance(values, Tensor):
        raise argument_type_error(f"index_put(): argument 'values' must be Tensor, not {type(values).__name__}",
                                  values, "Tensor")
    stages, kind = index_key(key, input.array, "index_put")
    return _put(input, stages, kind, values, accumulate, None, "index_put")


def _setitem(input, key, value):
    """``input`` with ``value`` written at ``key`` as PyTorch records ``input[key] = value``: CopySlices for basic
    keys, fill_/copy_ when the key is the whole tensor (``x[...]``, ``x[:]``), IndexPutBackward0 otherwise."""
    stages, kind = index_key(key, input.array, "__setitem__")
    if kind == BASIC and _last_step(stages[0], input.array.shape) == "AliasBackward0":
        if isinstance(value, numbers.Number):
            return fill(input, _new(as_array(value, dtype=input.array.dtype, like=input.array)))
        return copy(input, value)
    return _put(input, stages, kind, value, False, None if kind else "CopySlices", "__setitem__")


_setitem.__name__ = "__setitem_"  # _apply_inplace names the op "<name>_" in its errors: "__setitem__"


@tensor_method("__setitem__")
def setitem(self, key, value):
    """``self[key] = value``: recorded as an in-place index_put (CopySlices) when autograd is involved."""
    key = key if type(key) is tuple else (key,)
    if GradMode.enabled and (self._requires_grad or (isinstance(value, Tensor) and value._requires_grad)):
        self._apply_inplace(_setitem, key, value)
        return
    # nothing to record: write straight into the array (cost of the written region, not of the tensor)
    stages, _ = index_key(key, self.array, "__setitem__")
    check_writable(self, "__setitem__")
    if isinstance(value, Tensor):
        values = value.array
    else:
        values = value if isinstance(value, numbers.Number) else as_array(value, like=self.array)
    try:
        _target(self.array, stages)[stages[-1]] = values
    except IndexError as err:
        raise _index_error(err, "__setitem__") from None
    except ValueError:
        raise _shape_mismatch("__setitem__", values, _select(self.array, stages)) from None
    self._version_counter[0] += 1


# ----- in-place changes through a view: the base's history follows -----
def _replayed(array, steps):
    """``array`` (shaped as a view's base) seen through the view's ``steps``: ``(array method, argument)`` pairs."""
    for method, argument in steps:
        array = getattr(array, method)(argument)
    return array


def _write_region(out, steps, src):
    """Write ``src`` into the elements of ``out`` (a new C-contiguous array shaped as the base) that ``steps`` view."""
    region = _replayed(out, steps)
    xp = array_module(out)
    if xp.may_share_memory(region, out):
        region[...] = src
    else:  # a reshape of the base's layout had to copy here: write through the elements' flat positions
        out.reshape(-1)[_replayed(xp.arange(out.size).reshape(out.shape), steps)] = src


class AsStrided(Function):
    """The view ``steps`` of a base of shape ``base_shape``: a view's history made again from its base after an
    in-place change (PyTorch's ``AsStridedBackward0``)."""

    def __init__(self, steps, base_shape):
        self.steps, self.base_shape = steps, base_shape

    def forward(self, x):
        return _replayed(x, self.steps)

    def backward(self, gy):
        zero = _new(array_module(gy.array).zeros((), gy.array.dtype))
        return AsStridedScatter(self.steps, self.base_shape)(zero, gy)


class AsStridedScatter(Function):
    """``input`` (broadcast to ``base_shape``) with the view ``steps`` replaced by ``src``.

    Recorded as ``CopySlices`` (``label``) when it stands for an in-place change
    through a view: the rest of the base keeps its gradient, the view's part
    goes to the values written there.
    """

    def __init__(self, steps, base_shape, label=None):
        self.steps, self.base_shape, self.label = steps, base_shape, label

    def forward(self, input, src):
        out = array_module(input).empty(self.base_shape, input.dtype)
        out[...] = input
        _write_region(out, self.steps, src)
        return out

    def backward(self, gy):
        gx = gsrc = None
        if self.needs_input_grad[0]:
            zero = _new(array_module(gy.array).zeros((), gy.array.dtype))
            gx = AsStridedScatter(self.steps, self.base_shape)(gy, zero)
        if self.needs_input_grad[1]:
            gsrc = AsStrided(self.steps, self.base_shape)(gy)
        return gx, gsrc

    def name(self):
        return self.label or "AsStridedScatterBackward0"


def _read_back(view):
    """Give ``view`` the node that reads it from its base's current history."""
    base = view._base
    node = AsStrided(view._view_steps, base.array.shape)
    node._record((base,), view.array)
    view.grad_fn, view._output_index, view._requires_grad = node, 0, True
    view._view_version = view._version_counter[0]
    return node


def rebase_history(view, node, index):
    """``view``'s elements were replaced in place by output ``index`` of ``node``: its base takes a ``CopySlices``
    node over its old history and those values, and the view reads its part back from the base, as in PyTorch."""
    base = view._base
    old = _new(base.array, base.grad_fn, base._output_index)
    old._requires_grad = base._requires_grad
    values = _new(view.array, node, index)
    copy_slices = AsStridedScatter(view._view_steps, base.array.shape, "CopySlices")
    copy_slices._record((old, values), base.array)
    base.grad_fn, base._output_index, base._requires_grad = copy_slices, 0, True
    _read_back(view)


def refreshed_view_node(view):
    """The node of ``view`` (a recorded view whose memory changed in place since), made again from its base."""
    if type(view._view_steps) is tuple and view._base._requires_grad:
        return _read_back(view)
    view._view_version = view._version_counter[0]  # nothing to replay: its node stays
    return view.grad_fn


def _narrow_key(input, dim, start, length, op):
    """The basic key of ``narrow``: ``start:start+length`` along ``dim`` (checked as PyTorch does)."""
    d = _check_dim(dim, input.array.ndim, op)
    start, length = int_arg(start, op, "start"), int_arg(length, op, "length")
    size = input.array.shape[d]
    if not -size <= start <= size:
        raise IndexError(f"{op}: start ({start}) is out of bounds for dimension {d} with size {size}")
    start %= max(size, 1)
    if length < 0 or start + length > size:
        raise RuntimeError(f"{op}: start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return ((slice(None),) * d + (slice(start, start + length), Ellipsis),)


@tensor_method()
def narrow(input, dim, start, length):
    """The slice ``start:start+length`` of dimension ``dim`` (a view)."""
    key = _narrow_key(input, dim, start, length, "narrow")
    return as_view(Index(key, BASIC, "SliceBackward0")(input), input, ("__getitem__", key[0]))


@tensor_method()
def narrow_copy(input, dim, start, length, *, out=None):
    """``narrow`` as a new tensor."""
    result = NarrowCopy(_narrow_key(input, dim, start, length, "narrow_copy"), BASIC, "NarrowCopyBackward0")(input)
    return write_out("narrow_copy", result, out,
                lambda result, out: "Expected self.dtype() == output.dtype() to be true, but got false.")


def _tensor_argument(value, like, op, name):
    """``value`` (a tensor, or an array of some backend) as an array of ``like``'s backend; PyTorch's TypeError
    for anything else."""
    if not (isinstance(value, Tensor) or is_array(value)):
        raise argument_type_error(f"{op}(): argument '{name}' must be Tensor, not {type(value).__name__}", value,
                                  "Tensor")
    return _array_like(value, like)


def _int_index(index, like, op):
    """``index`` (a tensor or an array) as an integer array of ``like``'s backend."""
    array = _tensor_argument(index, like, op, "index")
    if array.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int64 for index, but got {array.dtype}")
    return array


_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def _check_range(index, size, dim, op):
    """PyTorch's bounds check for gather/scatter/index_select (no negative indices)."""
    # one reduction: seen as unsigned, negative indices become huge
    if index.size and index.view(_UNSIGNED[index.itemsize]).max() >= size:
        low = int(index.min())
        raise IndexError(f"{op}(): index {low if low < 0 else int(index.max())} is out of bounds for dimension "
                         f"{dim} with size {size}")


def _along_dim(input, dim, index, op, others=()):
    """Checked key that picks ``index`` along ``dim`` and the same position along every other dim.

    ``index`` may be smaller than ``input`` (and than each tensor in ``others``) off ``dim``.
    """
    nd = input.array.ndim
    d = _check_dim(dim, nd, op)
    index = _int_index(index, input.array, op)
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
    xp = array_module(index)
    key = []
    for k, n in enumerate(index.shape):
        if k == d:
            key.append(index)
        else:
            shape = [1] * nd
            shape[k] = n
            key.append(xp.arange(n).reshape(shape))
    return tuple(key)


@tensor_method()
def gather(input, dim, index, *, sparse_grad=False, out=None):
    """``out[i][j] = input[index[i][j]][j]`` for ``dim=0`` (and likewise for other dims)."""
    result = Index((_along_dim(input, dim, index, "gather"),), ARRAY, "GatherBackward0")(input)
    return write_out("gather", result, out, exact_dtype_error)


def _scatter(input, dim, index, src, accumulate, op, label, out):
    if isinstance(src, Tensor):
        key = _along_dim(input, dim, index, op, (src,))
        if src.array.dtype != input.array.dtype:
            raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype (got {input.dtype} and "
                               f"{src.dtype})")
        shape = np.broadcast_shapes(*[k.shape for k in key])  # the index's
        if src.array.shape != shape:  # only the leading block of src is scattered
            src = src[tuple(slice(0, n) for n in shape)]
    elif isinstance(src, numbers.Number):
        key = _along_dim(input, dim, index, op)
        src = _new(as_array(src, dtype=input.array.dtype, like=input.array))
    else:
        raise argument_type_error(f"{op}(): argument 'src' must be Tensor, not {type(src).__name__}", src,
                                  "Tensor")
    return write_out(op, IndexPut((key,), ARRAY, accumulate, label)(input, src), out, exact_dtype_error)


@tensor_method()
def scatter(input, dim, index, src=None, *, value=None, out=None):
    """``input`` with ``src[i][j]`` (or the number ``value``) written at ``[index[i][j]][j]`` for ``dim=0``."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter(): expected a src tensor or a value")
    label = "ScatterBackward0" if isinstance(src, Tensor) else "ScatterBackward1"
    return _scatter(input, dim, index, src, False, "scatter", label, out)


@tensor_method()
def scatter_add(input, dim, index, src, *, out=None):
    """Like ``scatter`` but repeated targets add up."""
    return _scatter(input, dim, index, src, True, "scatter_add", "ScatterAddBackward0", out)


def _vector_index(input, dim, index, op):
    """Checked key selecting the 1-D ``index`` along ``dim``."""
    d = _check_dim(dim, input.array.ndim, op)
    index = _int_index(index, input.array, op)
    if index.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector (got shape {list(index.shape)})")
    index = index.reshape(-1)
    _check_range(index, input.array.shape[d] if input.array.ndim else 1, d, op)
    return (slice(None),) * d + (index,)


@tensor_method()
def index_select(input, dim, index, *, out=None):
    """The entries ``index`` (a vector) along ``dim``."""
    result = Index((_vector_index(input, dim, index, "index_select"),), ARRAY, "IndexSelectBackward0")(input)
    return write_out("index_select", result, out,
                lambda result, out: "index_select(): self and result must have the same scalar type")


@tensor_method()
def index_add(input, dim, index, source, *, alpha=1, out=None):
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
    result = IndexPut((key,), ARRAY, True, "IndexAddBackward0")(input, source)
    return write_out("index_add", result, out, exact_dtype_error)


@tensor_method()
def take(input, index, *, out=None):
    """The elements of the flattened input at ``index`` (negative indices count from the end)."""
    key = (_int_index(index, input.array, "take"),)
    flat = input if input.array.ndim == 1 else reshape(input, (-1,))
    try:
        result = Index((key,), ARRAY, "TakeBackward0")(flat)
    except IndexError as err:
        raise _index_error(err, "take") from None
    return write_out("take", result, out,
                lambda result, out: f"take(): self and out expected to have the same dtype, but got self.dtype = "
                                    f"{scalar_name(result)} and out.dtype = {scalar_name(out)}")


def _bool_mask(mask, like, op, name="mask"):
    if not isinstance(mask, Tensor):
        mask = _new(_tensor_argument(mask, like.array, op, name))
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
        return array_module(x).where(condition, x, y)

    def backward(self, gy):
        condition = self.saved(0)
        zero = _new(array_module(gy.array).zeros((), gy.array.dtype))
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


def where(condition, input=None, other=None, *, out=None):
    """``input`` where ``condition`` holds, else ``other`` (tensors or numbers, promoted); with one
    argument, the indices of the true elements (``nonzero(as_tuple=True)``)."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if isinstance(input, Tensor) or isinstance(other, Tensor):
        input, other = promote(input, other, "where")
    else:
        dtype = dtypes.result_type(input, other)
        input, other = _new(as_array(input, dtype)), _new(as_array(other, dtype))
    condition = _bool_mask(condition, input, "where", "condition")
    return write_out("where", _where(condition, input, other, "where"), out,
                lambda result, out: f"Expected out type to be {scalar_name(result)} but got {scalar_name(out)}")


def _where_method(self, condition, other):
    """``x.where(condition, y)``: ``x`` where ``condition`` holds, else ``y``."""
    return where(condition, self, other)


Tensor.where = _where_method


@tensor_method()
def masked_fill(input, mask, value):
    """``input`` with ``value`` (a number or 0-d tensor, cast to ``input``'s dtype) where ``mask`` is true."""
    mask = _bool_mask(mask, input, "masked_fill")
    if isinstance(value, Tensor) and value.array.ndim:
        raise RuntimeError(f"masked_fill: only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.array.ndim} dimension(s).")
    return _where(mask, _as_values(value, input), input, "masked_fill", "MaskedFillBackward0")


@tensor_method()
def masked_select(input, mask, *, out=None):
    """The elements where ``mask`` (broadcast with ``input``) is true, as a 1-D tensor."""
    mask = _bool_mask(mask, input, "masked_select")
    try:
        shape = np.broadcast_shapes(input.array.shape, mask.array.shape)
    except ValueError:
        raise RuntimeError(f"masked_select: the shapes {list(input.array.shape)} (input) and "
                           f"{list(mask.array.shape)} (mask) cannot be broadcast together") from None
    key = (array_module(mask.array).broadcast_to(mask.array, shape),)
    source = input if input.array.shape == shape else broadcast_to(input, shape)
    return write_out("masked_select", Index((key,), MASK, "MaskedSelectBackward0")(source), out,
                lambda result, out: "masked_select(): self and result must have the same scalar type")


@tensor_method()
def nonzero(input, *, out=None, as_tuple=False):
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or one 1-D tensor per dim."""
    xp = array_module(input.array)
    if as_tuple:
        if out is not None:
            raise RuntimeError("nonzero does not support the out kwarg when as_tuple is True")
        return tuple(_new(i.astype(np.int64, copy=False)) for i in xp.nonzero(xp.atleast_1d(input.array)))
    return write_out("nonzero", _new(xp.argwhere(input.array).astype(np.int64, copy=False)), out,
                lambda result, out: f"nonzero: Expected out tensor to have scalar type Long but got scalar type"
                                    f"{scalar_name(out)}")


@tensor_method()
def argwhere(input):
    return nonzero(input)


for _name, _func in (("masked_fill_", masked_fill), ("scatter_", scatter), ("scatter_add_", scatter_add),
                     ("index_put_", index_put), ("index_add_", index_add)):
    inplace_method(_name, _func)
