"""Embedding and EmbeddingBag: lookup tables of learnt vectors indexed by integers."""
from autograd_core import Tensor, no_grad

from .. import functional as F, init
from ..functional._embedding import refuse_sparse
from ..parameter import Parameter, _empty_parameter
from .module import Module

__all__ = ["Embedding", "EmbeddingBag"]


def _padding_row(padding_idx, num_embeddings, name):
    """``padding_idx`` checked and made non-negative (None stays None)."""
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"{name}: padding_idx {padding_idx} must be within num_embeddings ({num_embeddings})")
    return padding_idx % num_embeddings


def _table(module, num_embeddings, embedding_dim, _weight, freeze, device, dtype):
    """Register ``module.weight``: a new N(0, 1) table (padding row zeroed), or ``_weight`` checked and wrapped."""
    if _weight is None:
        module.weight = _empty_parameter((num_embeddings, embedding_dim), device, dtype)
        module.reset_parameters()
        return
    if tuple(_weight.shape) != (num_embeddings, embedding_dim):
        raise ValueError(f"{type(module).__name__}: _weight of shape {tuple(_weight.shape)} does not match "
                         f"({num_embeddings}, {embedding_dim})")
    module.weight = Parameter(_weight, requires_grad=not freeze)


def _reset_table(module):
    init.normal_(module.weight)
    if module.padding_idx is not None:
        with no_grad():
            module.weight[module.padding_idx].fill_(0)


def _pretrained_shape(embeddings, name):
    if not isinstance(embeddings, Tensor) or embeddings.dim() != 2:
        raise ValueError(f"{name}.from_pretrained: embeddings parameter is expected to be 2-dimensional")
    return embeddings.shape


class Embedding(Module):
    """``weight[input]`` with weight (num_embeddings, embedding_dim) initialised from N(0, 1).

    The ``padding_idx`` row starts at zero and gets no gradient; ``max_norm``
    renormalises looked-up rows in place.
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None, dtype=None):
        super().__init__()
        refuse_sparse("Embedding", sparse)
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = _padding_row(padding_idx, num_embeddings, "Embedding")
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        _table(self, num_embeddings, embedding_dim, _weight, _freeze, device, dtype)

    reset_parameters = _reset_table

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += ", scale_grad_by_freq=True"
        return text

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, sparse=False):
        """An Embedding whose weight is (a copy-free wrap of) the 2-D tensor ``embeddings``."""
        rows, dim = _pretrained_shape(embeddings, "Embedding")
        return cls(rows, dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse, _weight=embeddings,
                   _freeze=freeze)


class EmbeddingBag(Module):
    """Sums, means or maxima of bags of embeddings (``F.embedding_bag``), without the per-index outputs.

    ``forward(input, offsets=None, per_sample_weights=None)``: a 2-D input is
    B bags of equal size; a 1-D one is cut into bags at ``offsets``.
    """

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                 mode="mean", sparse=False, _weight=None, include_last_offset=False, padding_idx=None, device=None,
                 dtype=None):
        super().__init__()
        refuse_sparse("EmbeddingBag", sparse)
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type, self.scale_grad_by_freq = max_norm, norm_type, scale_grad_by_freq
        self.padding_idx = _padding_row(padding_idx, num_embeddings, "EmbeddingBag")
        _table(self, num_embeddings, embedding_dim, _weight, False, device, dtype)
        self.mode, self.sparse, self.include_last_offset = mode, sparse, include_last_offset

    reset_parameters = _reset_table

    def forward(self, input, offsets=None, per_sample_weights=None):
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                               self.mode, self.sparse, per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type!r}"
        if self.scale_grad_by_freq:
            text += f", scale_grad_by_freq={self.scale_grad_by_freq!r}"
        text += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx!r}"
        return text

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                        mode="mean", sparse=False, include_last_offset=False, padding_idx=None):
        """An EmbeddingBag whose weight wraps the 2-D tensor ``embeddings`` (frozen unless ``freeze=False``)."""
        rows, dim = _pretrained_shape(embeddings, "EmbeddingBag")
        bag = cls(rows, dim, max_norm, norm_type, scale_grad_by_freq, mode, sparse, embeddings, include_last_offset,
                  padding_idx)
        bag.weight.requires_grad = not freeze
        return bag
