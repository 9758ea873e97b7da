"""MultiheadAttention: PyTorch's attention layer over nn.functional.multi_head_attention_forward."""

from .. import functional as F, init
from ..functional._attention import _canonical_mask
from ..parameter import _empty_parameter
from .linear import Linear
from .module import Module

__all__ = ["MultiheadAttention"]


class NonDynamicallyQuantizableLinear(Linear):
    """MultiheadAttention's output projection: a Linear under the class name PyTorch gives it (its repr shows it)."""


class MultiheadAttention(Module):
    """Attention with ``num_heads`` heads of ``embed_dim // num_heads`` features each ("Attention Is All You Need").

    The query, key and value projections are one packed ``in_proj_weight`` (3E, E),
    or ``q_proj_weight``/``k_proj_weight``/``v_proj_weight`` when ``kdim``/``vdim``
    differ from ``embed_dim``; ``out_proj`` maps the heads back. Inputs are
    (L, N, E), (N, L, E) with ``batch_first``, or unbatched (L, E).
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads} instead")
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError(f"embed_dim must be divisible by num_heads (got embed_dim={embed_dim} and "
                                 f"num_heads={num_heads})")
        separate = not self._qkv_same_embed_dim
        for name, in_dim in (("q_proj_weight", embed_dim), ("k_proj_weight", self.kdim),
                             ("v_proj_weight", self.vdim)):
            self.register_parameter(name, _empty_parameter((embed_dim, in_dim), device, dtype) if separate else None)
        self.register_parameter("in_proj_weight", None if separate else
                                _empty_parameter((3 * embed_dim, embed_dim), device, dtype))
        self.register_parameter("in_proj_bias", _empty_parameter((3 * embed_dim,), device, dtype) if bias else None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, device=device, dtype=dtype)
        for name in ("bias_k", "bias_v"):
            self.register_parameter(name, _empty_parameter((1, 1, embed_dim), device, dtype) if add_bias_kv else None)
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        """Xavier-uniform projections, zero biases, Xavier-normal bias_k/bias_v (PyTorch's init)."""
        for weight in (self.in_proj_weight, self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
            if weight is not None:
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        for extra in (self.bias_k, self.bias_v):
            if extra is not None:
                init.xavier_normal_(extra)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        """``(attn_output, attn_output_weights)``; the weights are None unless ``need_weights``.

        ``key_padding_mask`` (N, S) and ``attn_mask`` (L, S) or (N * num_heads, L, S):
        True (bool) excludes a key, floats are added to the scores. ``is_causal`` is
        a hint that ``attn_mask`` is the causal mask.
        """
        key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", attn_mask, "attn_mask", query.dtype)
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype)
        batch_first = self.batch_first and query.dim() == 3
        if batch_first:  # to (L, N, E), keeping self-attention's inputs one tensor
            query, key, value = _transposed(query, key, value)
        separate = not self._qkv_same_embed_dim
        output, weights = F.multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias, self.bias_k,
            self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight, self.out_proj.bias,
            training=self.training, key_padding_mask=key_padding_mask, need_weights=need_weights,
            attn_mask=attn_mask, use_separate_proj_weight=separate, q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal)
        return (output.transpose(1, 0) if batch_first else output), weights


def _transposed(query, key, value):
    """The three inputs with dims 0 and 1 swapped; inputs that were one tensor stay one tensor."""
    swapped = {}
    for x in (query, key, value):
        if id(x) not in swapped:
            swapped[id(x)] = x.transpose(1, 0)
    return swapped[id(query)], swapped[id(key)], swapped[id(value)]
