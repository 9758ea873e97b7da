"""embedding: look up rows of a weight matrix by integer index; the gradient scatter-adds back into those rows."""
import numpy as np

from autograd_core.function import Function
from autograd_core.tensor import _new

__all__ = ["embedding"]


class EmbeddingLookup(Function):
    """``weight[indices]``; backward adds each output row's gradient into its source row."""

    def __init__(self, indices, row_scale=None):
        self.indices, self.row_scale = indices, row_scale

    def forward(self, weight):
        self.num_rows = weight.shape[0]
        return weight[self.indices]

    def backward(self, gy):
        return EmbeddingScatter(self.indices, self.num_rows, self.row_scale)(gy)

    def name(self):
        return "EmbeddingBackward0"


class EmbeddingScatter(Function):
    """Sum gradient rows into a (num_rows, dim) matrix, then scale rows by ``row_scale`` (n, 1) if given.

    Linear, so its backward is the lookup of the scaled incoming gradient.
    """

    def __init__(self, indices, num_rows, row_scale):
        self.indices, self.num_rows, self.row_scale = indices, num_rows, row_scale

    def forward(self, gy):
        dim = gy.shape[-1]
        grad = np.zeros((self.num_rows, dim), dtype=gy.dtype)
        np.add.at(grad, self.indices.reshape(-1), gy.reshape(-1, dim))
        if self.row_scale is not None:
            grad *= self.row_scale
        return grad

    def backward(self, gg):
        if self.row_scale is not None:
            gg = gg * _new(self.row_scale)
        return EmbeddingLookup(self.indices)(gg)


def _row_scale(indices, num_rows, padding_idx, scale_grad_by_freq, dtype):
    """Per-row gradient factors: 0 for the padding row, 1 / count with ``scale_grad_by_freq``; None if all 1."""
    if padding_idx is None and not scale_grad_by_freq:
        return None
    scale = np.ones((num_rows, 1), dtype)
    if scale_grad_by_freq:
        counts = np.bincount(indices.reshape(-1), minlength=num_rows)
        scale[counts > 0, 0] = 1 / counts[counts > 0]
    if padding_idx is not None:
        scale[padding_idx] = 0
    return scale


def _renorm_rows(weight, indices, max_norm, norm_type):
    """Rescale (in place, outside autograd) the referenced rows whose norm exceeds ``max_norm``."""
    rows = np.unique(indices)
    norms = np.linalg.norm(weight.array[rows], ord=norm_type, axis=1)
    too_large = norms > max_norm
    if too_large.any():
        rows = rows[too_large]
        weight.array[rows] *= (max_norm / (norms[too_large] + 1e-7))[:, None].astype(weight.array.dtype)
        weight._version_counter[0] += 1


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
    if weight.array.ndim != 2:
        raise RuntimeError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape "
                           f"{tuple(weight.shape)}")
    if sparse:
        raise NotImplementedError("embedding: sparse gradients are not supported; use sparse=False")
    num_rows = weight.array.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= num_rows):
        bad = indices[(indices < 0) | (indices >= num_rows)].flat[0]
        raise IndexError(f"embedding: index {bad} out of range for {num_rows} embeddings")
    if padding_idx is not None:
        if not -num_rows <= padding_idx < num_rows:
            raise ValueError(f"embedding: padding_idx {padding_idx} must be within num_embeddings ({num_rows})")
        padding_idx %= num_rows
    if max_norm is not None:
        _renorm_rows(weight, indices, max_norm, norm_type)
    row_scale = _row_scale(indices, num_rows, padding_idx, scale_grad_by_freq, weight.array.dtype)
    return EmbeddingLookup(indices, row_scale)(weight)
