"""embedding and embedding_bag: look up rows of a weight matrix by integer index (and reduce them per bag).

The gradient sums back into the rows that were looked up.
"""
import numpy as np

import autograd_core
from autograd_core import as_tensor
from autograd_core.autograd import Function
from autograd_core.autograd.graph import increment_version

from autograd_core.arrays import array_module

__all__ = ["embedding", "embedding_bag"]


class Embedding(Function):
    """``weight[indices]`` for a (num_rows, dim) weight; the indices are the second input (saved).

    Backward sums each output row's gradient into its source row (``index_add``,
    itself differentiable), scaled per row as ``_row_scale`` says.
    """

    saves = (1,)

    def __init__(self, num_rows, padding_idx, scale_grad_by_freq):
        self.num_rows, self.padding_idx, self.scale_grad_by_freq = num_rows, padding_idx, scale_grad_by_freq

    def forward(self, weight, indices):
        return weight[indices]

    def backward(self, gy):
        (indices,) = self.saved_tensors
        dim = gy.shape[-1]
        grad = gy.new_zeros(self.num_rows, dim).index_add(0, indices.reshape(-1), gy.reshape(-1, dim))
        scale = _row_scale(indices.array, self.num_rows, self.padding_idx, self.scale_grad_by_freq, gy.array.dtype)
        return (grad if scale is None else grad * scale), None


def _row_scale(indices, num_rows, padding_idx, scale_grad_by_freq, dtype):
    """Per-row gradient factors (num_rows, 1): 0 for the padding row, 1 / count with ``scale_grad_by_freq``;
    None when all are 1."""
    if padding_idx is None and not scale_grad_by_freq:
        return None
    xp = array_module(indices)
    scale = xp.ones((num_rows, 1), dtype)
    if scale_grad_by_freq:
        counts = xp.bincount(indices.reshape(-1), minlength=num_rows)
        seen = counts > 0
        scale[seen, 0] = 1 / counts[seen]
    if padding_idx is not None:
        scale[padding_idx] = 0
    return as_tensor(scale)


def _renorm_rows(weight, indices, max_norm, norm_type):
    """Rescale (in place, outside autograd) the referenced rows whose norm exceeds ``max_norm``, as PyTorch's
    ``embedding_renorm_``."""
    xp = array_module(weight.array)
    rows = xp.unique(indices)
    norms = xp.linalg.norm(weight.array[rows], ord=norm_type, axis=1)
    too_large = norms > max_norm
    if too_large.any():
        rows = rows[too_large]
        weight.array[rows] *= (max_norm / (norms[too_large] + 1e-7))[:, None].astype(weight.array.dtype)
        increment_version(weight)


def refuse_sparse(op, sparse):
    """Sparse gradients need sparse tensors, which autograd_core does not have."""
    if sparse:
        raise NotImplementedError(f"{op}: sparse=True (sparse gradients) is not supported: autograd_core has no "
                                  "sparse tensors; use sparse=False")


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of ``weight`` (num_embeddings, dim) picked by the integer tensor ``input``: shape input.shape + (dim,).

    The ``padding_idx`` row gets no gradient; ``max_norm`` renormalises the rows
    used (in place); ``scale_grad_by_freq`` divides each row's gradient by how
    often it occurs in ``input``.
    """
    indices = input.array
    if indices.dtype.kind not in "iu":
        raise RuntimeError(f"embedding: expected indices of an integer dtype (Long or Int), got {input.dtype}")
    if weight.dim() != 2:
        raise RuntimeError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape "
                           f"{tuple(weight.shape)}")
    refuse_sparse("embedding", sparse)
    num_rows = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= num_rows):
        bad = int(indices[(indices < 0) | (indices >= num_rows)].reshape(-1)[0])
        raise IndexError(f"embedding: index {bad} out of range for {num_rows} embeddings")
    if padding_idx is not None:
        if not -num_rows <= padding_idx < num_rows:
            raise ValueError(f"embedding: padding_idx {padding_idx} must be within num_embeddings ({num_rows})")
        padding_idx %= num_rows
    if max_norm is not None:
        _renorm_rows(weight, indices, max_norm, norm_type)
    return Embedding(num_rows, padding_idx, scale_grad_by_freq)(weight, input)


# ----- embedding_bag -----
class EmbeddingBag(Function):
    """Per bag, the sum, mean or max of the weight rows that its indices pick.

    Inputs: weight (num_rows, dim), the flat indices, the bags' bounds (B + 1
    offsets) and, for a weighted sum, per_sample_weights. Entries at
    ``padding_idx`` take no part; an empty bag gives zeros. Saved: the bag of
    each entry and its factor (sum, mean), or the weight position that gave
    each maximum (max); a weighted sum also keeps weight and per_sample_weights.
    """

    def __init__(self, mode, num_rows, padding_idx, scale_grad_by_freq, weighted):
        self.mode, self.num_rows, self.padding_idx = mode, num_rows, padding_idx
        self.scale_grad_by_freq, self.weighted = scale_grad_by_freq, weighted
        if weighted:
            self.saves = (0, 1, 3)
        elif mode != "max":
            self.saves = (1,)

    def forward(self, weight, indices, bounds, *per_sample_weights):
        xp = array_module(weight)
        bag_count = bounds.shape[0] - 1
        bags = xp.repeat(xp.arange(bag_count), bounds[1:] - bounds[:-1])
        kept = xp.ones(indices.shape, dtype=bool) if self.padding_idx is None else indices != self.padding_idx
        rows = weight[indices]
        if self.mode == "max":
            return self.bag_max(xp, rows, indices, bags, kept, bag_count)
        factor = kept.astype(weight.dtype)
        if self.mode == "mean":
            sizes = xp.zeros(bag_count, dtype=weight.dtype)
            xp.add.at(sizes, bags, factor)
            factor = factor / xp.maximum(sizes, 1)[bags]
        self.save_for_backward(bags, factor)
        if self.weighted:
            factor = factor * per_sample_weights[0]
        out = xp.zeros((bag_count, weight.shape[1]), dtype=weight.dtype)
        xp.add.at(out, bags, rows * factor[:, None])
        return out

    def bag_max(self, xp, rows, indices, bags, kept, bag_count):
        """Each bag's elementwise maximum; the first row reaching it gets the gradient, as in PyTorch."""
        rows = xp.where(kept[:, None], rows, -np.inf)
        out = xp.full((bag_count, rows.shape[1]), -np.inf, dtype=rows.dtype)
        xp.maximum.at(out, bags, rows)
        count = rows.shape[0]
        position = xp.where(kept[:, None] & (rows == out[bags]), xp.arange(count)[:, None], count)
        first = xp.full(out.shape, count, dtype=np.int64)
        xp.minimum.at(first, bags, position)
        found = first < count
        source_rows = indices[xp.minimum(first, count - 1)] if count else first
        # the flat position in the weight of each maximum, or -1 for an empty bag
        sources = xp.where(found, source_rows * rows.shape[1] + xp.arange(rows.shape[1]), -1)
        self.save_for_backward(sources)
        return xp.where(found, out, 0).astype(rows.dtype)

    def backward(self, gy):
        saved = self.saved_tensors
        if self.mode == "max":
            (sources,) = saved
            flat = sources.reshape(-1)
            taken = as_tensor(array_module(flat).flatnonzero(flat >= 0))
            grad = gy.new_zeros(self.num_rows * gy.shape[1]).index_add(
                0, as_tensor(flat).index_select(0, taken), gy.reshape(-1).index_select(0, taken))
            return grad.reshape(self.num_rows, gy.shape[1]), None, None
        if self.weighted:
            weight, indices, per_sample_weights, bags, factor = saved
        else:
            indices, bags, factor = saved
        per_entry = gy.index_select(0, as_tensor(bags))
        factor = as_tensor(factor)
        scaled = factor * per_sample_weights if self.weighted else factor
        grad = gy.new_zeros(self.num_rows, gy.shape[1]).index_add(0, indices, per_entry * scaled.unsqueeze(1))
        if self.scale_grad_by_freq:
            counted = indices.array[factor.array != 0]
            grad = grad * _row_scale(counted, self.num_rows, None, True, gy.array.dtype)
        if not self.weighted:
            return grad, None, None
        grad_weights = None
        if self.needs_input_grad[3]:
            grad_weights = (per_entry * weight.index_select(0, indices)).sum(1) * factor
        return grad, None, None, grad_weights


_BAG_MODES = ("sum", "mean", "max")


def _check_indices(tensor, name):
    if tensor.array.dtype.kind not in "iu":
        raise RuntimeError(f"embedding_bag: Expected tensor for argument '{name}' to have one of the following scalar "
                           f"types: Long, Int; but got {tensor.dtype} instead")


def _bag_bounds(input, offsets, include_last_offset):
    """The flat indices and the B + 1 bounds of the bags (a Python list)."""
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        bags, length = input.shape
        if length == 0:
            raise RuntimeError(f"embedding_bag: a 2-D input holds bags of equal size, which must not be 0 (got input "
                               f"of shape {list(input.shape)}): step must be nonzero")
        return input.reshape(-1), [b * length for b in range(bags + 1)]
    if input.dim() != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if offsets.dim() != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    _check_indices(offsets, "offsets")
    bounds = offsets.tolist()
    count = input.shape[0]
    if bounds and bounds[0] != 0:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {bounds[0]}")
    if bounds and bounds[-1] > count:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {count} but got offsets[-1] of "
                           f"{bounds[-1]}")
    if any(a > b for a, b in zip(bounds, bounds[1:])):
        raise RuntimeError(f"embedding_bag: offsets must be non-decreasing, got {bounds}")
    if not include_last_offset:
        bounds.append(count)
    elif bounds and bounds[-1] != count:
        raise RuntimeError(f"embedding_bag: with include_last_offset=True, offsets[-1] ({bounds[-1]}) must be the "
                           f"number of indices ({count})")
    return input, bounds or [0]


def _check_bag_options(mode, scale_grad_by_freq, sparse, per_sample_weights):
    if mode not in _BAG_MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    refuse_sparse("embedding_bag", sparse)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """The sum, mean or max of the ``weight`` rows in each bag of indices: shape (B, embedding_dim).

    A 2-D ``input`` (B, N) holds B bags of N indices; a 1-D one is cut into bags
    at ``offsets`` (with ``include_last_offset``, offsets also holds the end of
    the last bag). ``per_sample_weights`` scales each looked-up row (mode
    'sum'); ``padding_idx`` entries are left out of their bag (and of its size).
    """
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, then it "
                         f"must have the same shape as the input ({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    _check_indices(input, "indices")
    indices, bounds = _bag_bounds(input, offsets, include_last_offset)
    _check_bag_options(mode, scale_grad_by_freq, sparse, per_sample_weights)
    num_rows = weight.shape[0]
    flat = indices.array
    if flat.size and (flat.min() < 0 or flat.max() >= num_rows):
        position = int(array_module(flat).flatnonzero((flat < 0) | (flat >= num_rows))[0])
        raise RuntimeError(f"embedding_bag: Index {position} of input takes value {int(flat[position])} which is not "
                           f"in the valid range [0, {num_rows})")
    if padding_idx is not None:
        if not -num_rows <= padding_idx < num_rows:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, {-num_rows} through "
                               f"{num_rows - 1}, but got {padding_idx}")
        padding_idx %= num_rows
    if max_norm is not None:
        _renorm_rows(weight, flat, max_norm, norm_type)
    weights = () if per_sample_weights is None else (per_sample_weights.reshape(-1),)
    op = EmbeddingBag(mode, num_rows, padding_idx, scale_grad_by_freq, bool(weights))
    return op(weight, indices, autograd_core.tensor(bounds), *weights)
