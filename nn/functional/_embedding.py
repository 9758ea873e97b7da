"""embedding: look up rows of a weight matrix by integer index; the gradient sums back into those rows."""
from autograd_core import as_tensor
from autograd_core.autograd import Function
from autograd_core.autograd.graph import increment_version

from autograd_core.arrays import array_module

__all__ = ["embedding"]


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
    if sparse:
        raise NotImplementedError("embedding: sparse gradients are not supported; use sparse=False")
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
