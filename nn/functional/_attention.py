"""Attention: scaled_dot_product_attention and multi_head_attention_forward (torch.nn.functional signatures).

scaled_dot_product_attention is one recorded op (``_Attention``): scores
``q @ k^T * scale`` plus the mask as an additive bias, a softmax over the keys,
dropout, and the product with the values, computed by the same ops as their
composition. PyTorch runs its fused CPU kernel where it can (4-D inputs with
one head size, no dropout, a mask needing no gradient); the node then takes
that kernel's name, otherwise the name PyTorch's own composition ends with.
"""
import math
import warnings

import numpy as np

import autograd_core
from autograd_core import as_tensor
from autograd_core.autograd import Function

from ._dropout import _scaled_noise, dropout
from ._linear import linear
from ._misc import pad

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

_NEG_INF = float("-inf")
_FUSED_NODE = "ScaledDotProductFlashAttentionForCpuBackward0"


# ----- scaled dot-product attention -----
def _shapes(*tensors):
    return ", ".join(str(list(t.shape)) for t in tensors)


def _check_qkv(query, key, value):
    """Ranks, dtypes and sizes of query (..., L, E), key (..., S, E) and value (..., S, Ev)."""
    op = "scaled_dot_product_attention"
    if min(query.dim(), key.dim(), value.dim()) < 2:
        raise RuntimeError(f"{op}: expected query, key and value of at least 2 dims (..., L, E), (..., S, E) and "
                           f"(..., S, Ev), but got shapes {_shapes(query, key, value)}")
    if not query.dtype == key.dtype == value.dtype:
        raise RuntimeError(f"{op}: expected query, key and value to have the same dtype, but got {query.dtype}, "
                           f"{key.dtype} and {value.dtype}")
    if not query.is_floating_point():
        raise RuntimeError(f"{op}: expected floating point query, key and value, but got {query.dtype}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"{op}: query (..., L, E), key (..., S, E) and value (..., S, Ev) must agree on E and S, "
                           f"but got shapes {_shapes(query, key, value)}")


def _weights_shape(query, key, value):
    """The attention weights' shape (..., L, S): the broadcast batch dims of query, key and value."""
    try:
        batch = np.broadcast_shapes(tuple(query.shape[:-2]), tuple(key.shape[:-2]), tuple(value.shape[:-2]))
    except ValueError:
        raise RuntimeError("scaled_dot_product_attention: the batch dims of query, key and value cannot be broadcast "
                           f"together (shapes {_shapes(query, key, value)})") from None
    return batch + (query.shape[-2], key.shape[-2])


def _repeat_heads(tensor, heads, name):
    """``tensor`` (..., Hkv, S, E) with each head repeated to make ``heads`` (``enable_gqa``'s repeat_interleave)."""
    if tensor.dim() < 3:
        raise RuntimeError(f"scaled_dot_product_attention: enable_gqa needs {name} of at least 3 dims "
                           f"(..., heads, S, E), but got shape {list(tensor.shape)}")
    shape = tuple(tensor.shape)
    if heads % shape[-3]:
        raise RuntimeError(f"scaled_dot_product_attention: Number of heads in key and value must divide the number "
                           f"of heads in query, but got {shape[-3]} heads in {name} and {heads} in query")
    if shape[-3] == heads:
        return tensor
    groups = heads // shape[-3]
    return tensor.unsqueeze(-3).expand(*shape[:-2], groups, *shape[-2:]).reshape(*shape[:-3], heads, *shape[-2:])


def _attention_bias(attn_mask, is_causal, query, weights_shape):
    """The mask as an additive bias (bool: -inf where False; causal: -inf above the diagonal), or None."""
    length, source = weights_shape[-2:]
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
        return autograd_core.full((length, source), _NEG_INF, dtype=query.dtype, device=query.device).triu(diagonal=1)
    if attn_mask is None:
        return None
    if attn_mask.dtype not in (autograd_core.bool, autograd_core.float32, query.dtype):
        raise RuntimeError(f"scaled_dot_product_attention: expected attn_mask of dtype bool, float32 or the query's "
                           f"({query.dtype}), but got {attn_mask.dtype}")
    shape = tuple(attn_mask.shape)
    try:
        fits = len(shape) >= 2 and np.broadcast_shapes(shape, weights_shape) == weights_shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"scaled_dot_product_attention: attn_mask of shape {list(shape)} cannot be broadcast to the "
                           f"attention weights' shape {list(weights_shape)} (..., L, S)")
    if attn_mask.dtype == autograd_core.bool:
        return autograd_core.zeros_like(attn_mask, dtype=query.dtype).masked_fill(attn_mask.logical_not(), _NEG_INF)
    return attn_mask


def _scores(query, key, bias, scale):
    """``query @ key^T * scale + bias``: the attention logits (..., L, S)."""
    scores = (query * scale) @ key.transpose(-2, -1)
    return scores if bias is None else scores + bias


def _safe_softmax(scores):
    """Softmax over the keys, with zeros (not NaN) in rows whose every key is masked, as PyTorch's attention."""
    dead = (scores == _NEG_INF).all(dim=-1, keepdim=True)
    if not dead.any():
        return autograd_core.softmax(scores, -1)
    return autograd_core.softmax(scores.masked_fill(dead, 0.0), -1).masked_fill(dead, 0.0)


def _weights(query, key, bias, scale, safe):
    """The attention weights: the softmax of the scores (``_safe_softmax`` where a mask may hide whole rows)."""
    scores = _scores(query, key, bias, scale)
    return _safe_softmax(scores) if safe else autograd_core.softmax(scores, -1)


class _Attention(Function):
    """``dropout(_weights(query, key, bias)) @ value`` as one node, named ``node``.

    Inputs: query, key, value, then the bias when given. Forward saves the
    weights, dropout's scaled noise and the weights it applied, so that backward
    is four products and the softmax's backward; under ``create_graph`` the
    weights are rebuilt from the inputs, so that gradients of gradients exist.
    """

    def __init__(self, scale, safe, dropout_p, has_bias, node):
        self.scale, self.safe, self.dropout_p, self.node = scale, safe, dropout_p, node
        self.saves = (0, 1, 2, 3) if has_bias else (0, 1, 2)

    def forward(self, query, key, value, bias=None):
        weights = _weights(as_tensor(query), as_tensor(key), None if bias is None else as_tensor(bias), self.scale,
                           self.safe)
        noise = _scaled_noise(weights, None, self.dropout_p) if self.dropout_p > 0 else None
        applied = weights if noise is None else weights * noise
        self.save_for_backward(weights.array, None if noise is None else noise.array, applied.array)
        return (applied @ as_tensor(value)).array

    def backward(self, gy):
        query, key, value, *bias, weights, noise, applied = self.saved_tensors
        bias = bias[0] if bias else None
        noise = None if noise is None else as_tensor(noise)
        if autograd_core.is_grad_enabled():  # create_graph: the weights as functions of the inputs
            weights = _weights(query, key, bias, self.scale, self.safe)
            applied = weights if noise is None else weights * noise
        else:
            weights, applied = as_tensor(weights), as_tensor(applied)
        needs = self.needs_input_grad
        g_weights = gy @ value.transpose(-2, -1)
        if noise is not None:
            g_weights = g_weights * noise
        g_scores = weights * (g_weights - (g_weights * weights).sum(-1, keepdim=True))  # the softmax's backward
        grads = ((g_scores @ key) * self.scale if needs[0] else None,
                 g_scores.transpose(-2, -1) @ (query * self.scale) if needs[1] else None,
                 applied.transpose(-2, -1) @ gy if needs[2] else None)
        if bias is None:
            return grads
        return grads + (g_scores if needs[3] else None,)

    def name(self):
        return self.node


def _runs_fused_kernel(query, key, value, attn_mask, dropout_p, enable_gqa):
    """Whether PyTorch's CPU dispatch picks its fused kernel: 4-D inputs of one batch and head size, key and value
    of one shape (query heads a multiple of theirs with ``enable_gqa``), no dropout, a mask needing no gradient."""
    return (query.dim() == key.dim() == value.dim() == 4 and dropout_p <= 0
            and key.shape[:2] == value.shape[:2] and query.shape[0] == key.shape[0]
            and (query.shape[1] == key.shape[1] or enable_gqa) and value.shape[-1] == query.shape[-1]
            and (attn_mask is None or (attn_mask.dim() in (2, 4) and not attn_mask.requires_grad)))


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, *, scale=None,
                                 enable_gqa=False):
    """``softmax(query @ key^T * scale + mask) @ value`` over (..., L, E), (..., S, E), (..., S, Ev) inputs.

    A bool ``attn_mask`` marks the keys each query may attend (True); a float one
    is added to the scores; ``is_causal`` masks keys after the query's position.
    ``scale`` defaults to 1/sqrt(E); dropout (always applied when ``dropout_p`` > 0)
    acts on the weights; ``enable_gqa`` repeats key and value heads (dim -3) to
    match the query's. Rows with every key masked give zeros.
    """
    _check_qkv(query, key, value)
    if dropout_p > 1:
        raise RuntimeError(f"scaled_dot_product_attention: dropout probability has to be between 0 and 1, but got "
                           f"{dropout_p}")
    fused = _runs_fused_kernel(query, key, value, attn_mask, dropout_p, enable_gqa)
    if enable_gqa:
        key, value = _repeat_heads(key, query.shape[-3], "key"), _repeat_heads(value, query.shape[-3], "value")
    weights_shape = _weights_shape(query, key, value)
    bias = _attention_bias(attn_mask, is_causal, query, weights_shape)
    if scale is None:  # 1/sqrt(E), infinite for E = 0 as in PyTorch (the scores are then empty sums: zeros)
        scale = 1 / math.sqrt(query.shape[-1]) if query.shape[-1] else math.inf
    if fused:
        node = _FUSED_NODE
    else:
        node = "MmBackward0" if len(weights_shape) == 2 == value.dim() else "UnsafeViewBackward0"
    op = _Attention(scale, attn_mask is not None, dropout_p, bias is not None, node)
    return op(query, key, value) if bias is None else op(query, key, value, bias)


# ----- multi-head attention -----
def _check_mha_shapes(query, key, value, key_padding_mask, attn_mask, num_heads):
    """PyTorch's shape rules for batched (3-D) and unbatched (2-D) inputs; whether the input is batched."""
    if query.dim() not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D query "
                             "tensor")
    batched = query.dim() == 3
    kind = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.dim() != query.dim() or value.dim() != query.dim():
        raise AssertionError(f"For {kind} `query`, expected `key` and `value` to be {query.dim()}-D but found "
                             f"{key.dim()}-D and {value.dim()}-D tensors respectively")
    if key_padding_mask is not None and key_padding_mask.dim() != query.dim() - 1:
        raise AssertionError(f"For {kind} `query`, expected `key_padding_mask` to be `None` or {query.dim() - 1}-D "
                             f"but found {key_padding_mask.dim()}-D tensor instead")
    if attn_mask is not None:
        if attn_mask.dim() not in (2, 3):
            raise AssertionError(f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                                 f"{attn_mask.dim()}-D tensor instead")
        expected = (num_heads, query.shape[0], key.shape[0])
        if not batched and attn_mask.dim() == 3 and tuple(attn_mask.shape) != expected:
            raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {tuple(attn_mask.shape)}")
    return batched


def _canonical_mask(mask, mask_name, other, other_name, target_type):
    """``mask`` as an additive float mask of ``target_type`` (True -> -inf); float masks pass as they are.

    A dtype differing from the ``other`` mask's warns, as PyTorch does.
    """
    if mask is None:
        return None
    if mask.dtype != autograd_core.bool and not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if other is not None and mask.dtype != other.dtype:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type for both "
                      "instead.", stacklevel=2)
    if mask.is_floating_point():
        return mask
    return autograd_core.zeros_like(mask, dtype=target_type).masked_fill(mask, _NEG_INF)


def _in_projection(query, key, value, in_proj_weight, in_proj_bias, separate, separate_weights):
    """q, k and v projected: with the packed (3E, E) weight (one product for self-attention) or three weights."""
    biases = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
    if separate:
        for name, weight in zip(("q_proj_weight", "k_proj_weight", "v_proj_weight"), separate_weights):
            if weight is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name} is None")
        return tuple(linear(x, w, b) for x, w, b in zip((query, key, value), separate_weights, biases))
    if in_proj_weight is None:
        raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
    if query is key and key is value:
        return linear(query, in_proj_weight, in_proj_bias).chunk(3, dim=-1)
    weights = in_proj_weight.chunk(3)
    return tuple(linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases))


def _three_dim_mask(attn_mask, heads_in_batch, tgt_len, src_len):
    """A 2-D (L, S) mask as (1, L, S); a 3-D one checked to be (N * num_heads, L, S)."""
    if attn_mask is None:
        return None
    if attn_mask.dim() == 2:
        if tuple(attn_mask.shape) != (tgt_len, src_len):
            raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                               f"{(tgt_len, src_len)}.")
        return attn_mask.unsqueeze(0)
    if tuple(attn_mask.shape) != (heads_in_batch, tgt_len, src_len):
        raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                           f"{(heads_in_batch, tgt_len, src_len)}.")
    return attn_mask


def _one_more_key(*masks):
    """Masks (or None) widened by one attended key at the end (for bias_k/bias_v and add_zero_attn)."""
    return tuple(None if m is None else pad(m, (0, 1)) for m in masks)


def _heads(projected, static, name, heads_in_batch, head_dim):
    """(S, N, E) -> (N * num_heads, S, head_dim); or the given ``static`` key/value, checked."""
    if static is None:
        return projected.reshape(projected.shape[0], heads_in_batch, head_dim).transpose(0, 1)
    if static.shape[0] != heads_in_batch:
        raise AssertionError(f"expecting {name}.size(0) of {heads_in_batch}, but got {static.shape[0]}")
    if static.shape[2] != head_dim:
        raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got {static.shape[2]}")
    return static


def _merged_mask(attn_mask, key_padding_mask, bsz, num_heads, src_len):
    """The attention mask plus the key padding mask, broadcast over the heads: (N * num_heads, L or 1, S)."""
    if key_padding_mask is None:
        return attn_mask
    if tuple(key_padding_mask.shape) != (bsz, src_len):
        raise AssertionError(f"Expected key_padded_mask of shape {(bsz, src_len)}, but got "
                             f"{tuple(key_padding_mask.shape)}")
    padding = key_padding_mask.view(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1).reshape(
        bsz * num_heads, 1, src_len)
    return padding if attn_mask is None else attn_mask + padding


def _keys_and_values(k, v, attn_mask, key_padding_mask, bias_k, bias_v, static_k, static_v, add_zero_attn,
                     bsz, num_heads, head_dim):
    """Keys and values as (N * num_heads, S, head_dim), with bias_k/bias_v and a zero key appended where asked
    (the masks widened to match)."""
    if (bias_k is None) != (bias_v is None):
        raise AssertionError(f"{'bias_k' if bias_v is None else 'bias_v'} is set but "
                             f"{'bias_v' if bias_v is None else 'bias_k'} is None")
    if bias_k is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError(f"bias cannot be added to static {'key' if static_k is not None else 'value'}.")
        k = autograd_core.cat([k, bias_k.repeat(1, bsz, 1)])
        v = autograd_core.cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask, key_padding_mask = _one_more_key(attn_mask, key_padding_mask)
    heads_in_batch = bsz * num_heads
    k = _heads(k, static_k, "static_k", heads_in_batch, head_dim)
    v = _heads(v, static_v, "static_v", heads_in_batch, head_dim)
    if add_zero_attn:
        zeros = autograd_core.zeros((heads_in_batch, 1, head_dim), dtype=k.dtype, device=k.device)
        k, v = autograd_core.cat([k, zeros], dim=1), autograd_core.cat([v, zeros], dim=1)
        attn_mask, key_padding_mask = _one_more_key(attn_mask, key_padding_mask)
    return k, v, attn_mask, key_padding_mask


def _attend_with_weights(q, k, v, attn_mask, dropout_p, bsz, num_heads, average):
    """Attention written out, for its weights: the heads' output (L * N, E) and the weights (N, [H,] L, S)."""
    tgt_len, head_dim = q.shape[1:]
    weights = autograd_core.softmax(_scores(q, k, attn_mask, 1 / math.sqrt(head_dim)), -1)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p)  # the weights returned are the ones applied, as PyTorch's
    output = weights.bmm(v).transpose(0, 1).reshape(tgt_len * bsz, num_heads * head_dim)
    weights = weights.view(bsz, num_heads, tgt_len, k.shape[1])
    return output, (weights.mean(dim=1) if average else weights)


def _attend(q, k, v, attn_mask, dropout_p, is_causal, bsz, num_heads):
    """Attention through scaled_dot_product_attention: the heads' output (L * N, E)."""
    tgt_len, head_dim = q.shape[1:]
    src_len = k.shape[1]
    if attn_mask is not None:
        attn_mask = attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1 else attn_mask.view(bsz, num_heads, -1, src_len)
    output = scaled_dot_product_attention(q.view(bsz, num_heads, tgt_len, head_dim),
                                          k.view(bsz, num_heads, src_len, head_dim),
                                          v.view(bsz, num_heads, src_len, head_dim), attn_mask, dropout_p, is_causal)
    return output.permute(2, 0, 1, 3).reshape(bsz * tgt_len, num_heads * head_dim)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """Multi-head attention of (L, N, E) queries over (S, N, E) keys and values (or unbatched (L, E), (S, E)).

    Returns the output (L, N, E) and, with ``need_weights``, the attention weights:
    (N, L, S) averaged over heads, or (N, num_heads, L, S); else None. Bool masks
    mark what is *not* attended (True -> -inf); float masks are added to the scores.
    """
    batched = _check_mha_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        key_padding_mask = None if key_padding_mask is None else key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", attn_mask, "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    is_causal = is_causal and key_padding_mask is None and not need_weights  # then SDPA's own causal mask serves
    attn_mask = None if is_causal else _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype)
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight and key.shape[:2] != value.shape[:2]:
        raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match value's {value.shape[:2]}")
    if not use_separate_proj_weight and key.shape != value.shape:
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
    q, k, v = _in_projection(query, key, value, in_proj_weight, in_proj_bias, use_separate_proj_weight,
                             (q_proj_weight, k_proj_weight, v_proj_weight))
    attn_mask = _three_dim_mask(attn_mask, bsz * num_heads, tgt_len, key.shape[0])
    k, v, attn_mask, key_padding_mask = _keys_and_values(k, v, attn_mask, key_padding_mask, bias_k, bias_v, static_k,
                                                         static_v, add_zero_attn, bsz, num_heads, head_dim)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    attn_mask = _merged_mask(attn_mask, key_padding_mask, bsz, num_heads, k.shape[1])
    dropout_p = dropout_p if training else 0.0
    if need_weights:
        output, weights = _attend_with_weights(q, k, v, attn_mask, dropout_p, bsz, num_heads, average_attn_weights)
    else:
        output, weights = _attend(q, k, v, attn_mask, dropout_p, is_causal, bsz, num_heads), None
    output = linear(output, out_proj_weight, out_proj_bias)
    output = output.view(tgt_len, bsz, output.shape[-1])  # not -1: tgt_len * bsz may be 0
    if not batched:
        output = output.squeeze(1)
        weights = None if weights is None else weights.squeeze(0)
    return output, weights
