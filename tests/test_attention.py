"""Attention: scaled_dot_product_attention, multi_head_attention_forward, nn.MultiheadAttention, rms_norm/RMSNorm.

Parity with PyTorch on identical inputs and weights (outputs, input, mask and
parameter gradients, node names), float64 gradchecks, dropout, and the errors
for inputs that do not fit.
"""
import math

import numpy as np
import pytest

import autograd_core as torch
import nn
import nn.functional as F
from autograd_core.autograd import gradcheck

torch_ref = pytest.importorskip("torch")

TOLERANCES = {np.float32: dict(rtol=1e-5, atol=1e-5), np.float64: dict(rtol=1e-10, atol=1e-10)}


def randn(*shape, dtype=np.float32):
    return np.random.randn(*shape).astype(dtype)


def assert_close(ours, theirs, dtype, name=""):
    """Elementwise to rtol, and to atol scaled by the largest entry (float32 sums of many products round apart)."""
    expected = theirs.detach().numpy()
    tolerance = dict(TOLERANCES[dtype])
    tolerance["atol"] *= max(1.0, float(np.abs(expected).max(initial=0.0)))
    np.testing.assert_allclose(ours.numpy(force=True), expected, err_msg=name, **tolerance)


def node_name(t):
    return type(t.grad_fn).__name__


def both(array, requires_grad=True):
    """The same values as our tensor and PyTorch's (bool arrays never require grad)."""
    grad = requires_grad and array.dtype.kind == "f"
    return torch.tensor(array, requires_grad=grad), torch_ref.tensor(array, requires_grad=grad)


def backward_with_same_weights(outputs, touts):
    """Backward of one random weighted sum of all outputs, in both libraries."""
    weights = [np.random.randn(*t.shape).astype(t.detach().numpy().dtype) for t in touts]
    sum((o * torch.tensor(w)).sum() for o, w in zip(outputs, weights)).backward()
    sum((t * torch_ref.tensor(w)).sum() for t, w in zip(touts, weights)).backward()


# ----- scaled_dot_product_attention -----
def sdpa_parity(shapes, dtype=np.float32, mask=None, **kwargs):
    arrays = [randn(*s, dtype=dtype) for s in shapes] + ([] if mask is None else [mask])
    pairs = [both(a) for a in arrays]
    ours, theirs = [p[0] for p in pairs], [p[1] for p in pairs]
    y = F.scaled_dot_product_attention(*ours[:3], attn_mask=None if mask is None else ours[3], **kwargs)
    ty = torch_ref.nn.functional.scaled_dot_product_attention(*theirs[:3], attn_mask=None if mask is None
                                                              else theirs[3], **kwargs)
    assert node_name(y) == node_name(ty)
    assert_close(y, ty, dtype, "output")
    backward_with_same_weights([y], [ty])
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if b.requires_grad:
            assert_close(a.grad, b.grad, dtype, f"gradient of input {i}")
    return y


def causal_bool(length, source):
    return np.tril(np.ones((length, source), dtype=bool))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shapes, kwargs", [
    (((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 8)), {}),
    (((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6)), {}),
    (((3, 4, 8), (3, 5, 8), (3, 5, 8)), {}),
    (((4, 8), (5, 8), (5, 8)), {}),
    (((2, 2, 3, 4, 8), (2, 2, 3, 5, 8), (2, 2, 3, 5, 8)), {}),
    (((2, 3, 4, 8), (1, 3, 5, 8), (1, 3, 5, 8)), dict(scale=0.3)),
    (((3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 8)), {}),
    (((2, 3, 4, 8), (2, 3, 4, 8), (2, 3, 4, 8)), dict(is_causal=True)),
    (((2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 8)), dict(is_causal=True)),
    (((2, 3, 6, 8), (2, 3, 4, 8), (2, 3, 4, 8)), dict(is_causal=True)),
    (((2, 4, 4, 8), (2, 2, 5, 8), (2, 2, 5, 8)), dict(enable_gqa=True)),
    (((2, 4, 4, 8), (2, 2, 5, 8), (2, 1, 5, 8)), dict(enable_gqa=True)),
])
def test_sdpa_matches_pytorch(shapes, kwargs, dtype):
    sdpa_parity(shapes, dtype, **kwargs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mask_shape", [(4, 5), (2, 1, 4, 5), (3, 4, 5), (1, 5)])
def test_sdpa_masks_match_pytorch(mask_shape, dtype):
    shapes = ((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 8))
    keep = np.random.rand(*mask_shape) > 0.3
    keep[..., 0] = True
    sdpa_parity(shapes, dtype, mask=keep)
    bias = randn(*mask_shape, dtype=dtype)
    sdpa_parity(shapes, dtype, mask=bias)  # a float mask gets its own gradient


def test_sdpa_float32_mask_with_float64_inputs():
    sdpa_parity(((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 8)), np.float64, mask=randn(4, 5))


@pytest.mark.parametrize("masked", ["bool", "float"])
def test_rows_with_every_key_masked_give_zeros_and_zero_gradients(masked):
    keep = np.ones((4, 5), dtype=bool)
    keep[1] = False
    mask = keep if masked == "bool" else np.where(keep, 0, -np.inf).astype(np.float32)
    q = torch.randn(2, 3, 4, 8, requires_grad=True)
    y = F.scaled_dot_product_attention(q, torch.randn(2, 3, 5, 8), torch.randn(2, 3, 5, 8),
                                       attn_mask=torch.tensor(mask))
    y.sum().backward()
    assert np.all(y.numpy(force=True)[:, :, 1] == 0) and np.isfinite(y.numpy(force=True)).all()
    assert np.all(q.grad.numpy(force=True)[:, :, 1] == 0) and np.isfinite(q.grad.numpy(force=True)).all()
    sdpa_parity(((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6)), mask=mask)  # the composed path too


def test_sdpa_scale_and_enable_gqa_are_keyword_only():
    q = torch.randn(1, 2, 3, 4)
    with pytest.raises(TypeError):
        F.scaled_dot_product_attention(q, q, q, None, 0.0, False, 0.5)


def test_sdpa_matches_the_documented_reference_formula():
    q, k, v = randn(2, 4, 3), randn(2, 5, 3), randn(2, 5, 2)
    scores = q @ k.transpose(0, 2, 1) / math.sqrt(3)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    y = F.scaled_dot_product_attention(torch.tensor(q), torch.tensor(k), torch.tensor(v))
    np.testing.assert_allclose(y.numpy(force=True), weights @ v, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs", [{}, dict(is_causal=True), dict(scale=0.7), dict(enable_gqa=True)])
def test_sdpa_gradcheck(kwargs):
    heads = 2 if kwargs.get("enable_gqa") else 4
    q = torch.randn(1, 4, 3, 5, dtype=torch.float64, requires_grad=True)
    k = torch.randn(1, heads, 3, 5, dtype=torch.float64, requires_grad=True)
    v = torch.randn(1, heads, 3, 2, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kwargs), (q, k, v))


def test_sdpa_gradcheck_through_a_float_mask():
    q, k, v = (torch.randn(2, 3, 4, dtype=torch.float64, requires_grad=True) for _ in range(3))
    mask = torch.randn(3, 3, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), (q, k, v, mask))


def test_sdpa_gradcheck_with_dropout_under_a_fixed_seed():
    q, k, v = (torch.randn(2, 3, 4, dtype=torch.float64, requires_grad=True) for _ in range(3))

    def attend(q, k, v):
        torch.manual_seed(3)  # the same dropout mask on every evaluation
        return F.scaled_dot_product_attention(q, k, v, dropout_p=0.4)
    assert gradcheck(attend, (q, k, v))


def test_sdpa_second_derivatives():
    q, k, v = (torch.randn(1, 2, 3, 4, dtype=torch.float64, requires_grad=True) for _ in range(3))
    assert torch.autograd.gradgradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v), (q, k, v))


def test_sdpa_second_derivatives_through_masks_and_dropout():
    q, k, v = (torch.randn(2, 3, 4, dtype=torch.float64, requires_grad=True) for _ in range(3))
    bias = torch.randn(3, 3, dtype=torch.float64, requires_grad=True)
    keep = torch.tensor(np.array([[True, False, True], [False, False, False], [True, True, False]]))

    def attend(q, k, v, bias):
        torch.manual_seed(3)  # the same dropout mask on every evaluation
        return F.scaled_dot_product_attention(q, k, v, attn_mask=bias, dropout_p=0.3)
    assert torch.autograd.gradgradcheck(attend, (q, k, v, bias))
    assert torch.autograd.gradgradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=keep),
                                        (q, k, v))  # a row with every key masked


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mask", [None, "bool", "float"])
def test_sdpa_with_dropout_matches_pytorch(mask, dtype):
    """The same seed draws PyTorch's dropout mask on the weights: the same outputs and gradients."""
    given = {None: None, "bool": np.random.rand(4, 5) > 0.3, "float": randn(3, 4, 5, dtype=dtype)}[mask]
    torch.manual_seed(5)
    torch_ref.manual_seed(5)
    sdpa_parity(((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6)), dtype, mask=given, dropout_p=0.3)


def test_sdpa_dropout_zeroes_weights_and_rescales_the_rest():
    torch.manual_seed(0)
    v = torch.eye(64).reshape(1, 64, 64)
    q, k = torch.zeros(1, 64, 8), torch.zeros(1, 64, 8)  # uniform weights 1/64: the output shows each weight
    y = F.scaled_dot_product_attention(q, k, v, dropout_p=0.25).numpy(force=True)
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 64 / 0.75, rtol=1e-6)
    torch.manual_seed(0)
    again = F.scaled_dot_product_attention(q, k, v, dropout_p=0.25).numpy(force=True)
    np.testing.assert_array_equal(y, again)
    assert node_name(F.scaled_dot_product_attention(q.requires_grad_(), k, v, dropout_p=0.25)) == "UnsafeViewBackward0"


@pytest.mark.parametrize("call, message", [
    (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=torch.ones(4, 5, dtype=torch.bool),
                                                    is_causal=True), "attn_mask should not be set when is_causal"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=torch.ones(3, 5, dtype=torch.bool)),
     r"attn_mask of shape \[3, 5\] cannot be broadcast to the attention weights' shape \[2, 3, 4, 5\]"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=torch.zeros(2, 1, 1, 4, 5)),
     r"attn_mask of shape \[2, 1, 1, 4, 5\] cannot be broadcast"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=torch.zeros(5)), r"attn_mask of shape \[5\]"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=torch.ones(4, 5, dtype=torch.int64)),
     "expected attn_mask of dtype bool, float32 or the query's"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=torch.zeros(4, 5, dtype=torch.float64)),
     "expected attn_mask of dtype bool, float32 or the query's"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k[..., :7], v), "must agree on E and S"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k, v[:, :, :4]), "must agree on E and S"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k.double(), v), "same dtype"),
    (lambda q, k, v: F.scaled_dot_product_attention(q.long(), k.long(), v.long()), "floating point"),
    (lambda q, k, v: F.scaled_dot_product_attention(q[0, 0, 0], k[0, 0, 0], v[0, 0, 0]), "at least 2 dims"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k[:, :2], v[:, :2]), "batch dims .* cannot be broadcast"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k[:, :2], v[:, :2], enable_gqa=True),
     "Number of heads in key and value must divide the number of heads in query, but got 2 heads in key and 3"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, dropout_p=1.5), "between 0 and 1"),
])
def test_sdpa_errors(call, message):
    with pytest.raises(RuntimeError, match=message):
        call(torch.randn(2, 3, 4, 8), torch.randn(2, 3, 5, 8), torch.randn(2, 3, 5, 8))


# ----- rms_norm / RMSNorm -----
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("normalized_shape, affine, eps", [((6,), True, None), ((4, 6), True, 1e-3),
                                                           (6, False, None)])
def test_rms_norm_matches_pytorch(normalized_shape, affine, eps, dtype):
    ours, theirs = nn.RMSNorm(normalized_shape, eps, affine), torch_ref.nn.RMSNorm(normalized_shape, eps, affine)
    assert repr(ours) == repr(theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    if dtype == np.float64:
        ours.double(), theirs.double()
    if affine:
        weight = randn(*ours.weight.shape, dtype=dtype)
        ours.weight.data[...] = weight
        theirs.weight.data[...] = torch_ref.tensor(weight)
    x, tx = both(randn(3, 4, 6, dtype=dtype))
    y, ty = ours(x), theirs(tx)
    assert node_name(y) == node_name(ty) == "MulBackward0"
    assert_close(y, ty, dtype, "output")
    backward_with_same_weights([y], [ty])
    assert_close(x.grad, tx.grad, dtype, "input gradient")
    if affine:
        assert_close(ours.weight.grad, theirs.weight.grad, dtype, "weight gradient")


def test_rms_norm_functional_default_eps_is_the_dtype_epsilon():
    x = torch.tensor([[1e-5, -1e-5, 2e-5]], dtype=torch.float64)
    expected = torch_ref.nn.functional.rms_norm(torch_ref.tensor(x.numpy(force=True)), (3,))
    np.testing.assert_allclose(F.rms_norm(x, (3,)).numpy(force=True), expected.numpy(), rtol=1e-12)


def test_rms_norm_gradcheck():
    x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    w = torch.randn(4, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda x, w: F.rms_norm(x, (4,), w, 1e-6), (x, w))


def test_rms_norm_init_and_errors():
    norm = nn.RMSNorm([2, 3], dtype=torch.float64)
    assert norm.weight.dtype == torch.float64 and np.all(norm.weight.numpy(force=True) == 1)
    assert nn.RMSNorm(3, elementwise_affine=False).weight is None
    with pytest.raises(RuntimeError, match=r"rms_norm: Given normalized_shape=\[3\], expected input with shape "
                                           r"\[\*, 3\]"):
        F.rms_norm(torch.randn(3, 4), (3,))
    with pytest.raises(RuntimeError, match=r"rms_norm: expected weight of shape \[4\], but got \[3\]"):
        F.rms_norm(torch.randn(3, 4), (4,), torch.ones(3))


# ----- MultiheadAttention -----
def copy_state(ours, theirs):
    ours_state = ours.state_dict()
    assert list(ours_state) == list(theirs.state_dict())
    for name, value in theirs.state_dict().items():
        assert tuple(ours_state[name].shape) == tuple(value.shape), name
        ours_state[name].data[...] = value.numpy()


def module_parity(ours, theirs, arrays, call, dtype=np.float32, masks=()):
    """Same weights, same inputs (then ``masks``, needing no gradient): outputs and all gradients match."""
    if dtype == np.float64:
        ours.double(), theirs.double()
    copy_state(ours, theirs)
    pairs = [both(a) for a in arrays]
    mask_pairs = [both(m, requires_grad=False) for m in masks]
    outs = call(ours, *[p[0] for p in pairs], *[m[0] for m in mask_pairs])
    touts = call(theirs, *[p[1] for p in pairs], *[m[1] for m in mask_pairs])
    outs, touts = [o for o in outs if o is not None], [t for t in touts if t is not None]
    assert len(outs) == len(touts)
    for o, t in zip(outs, touts):
        assert node_name(o) == node_name(t)
        assert_close(o, t, dtype, "output")
    backward_with_same_weights(outs, touts)
    for i, (x, tx) in enumerate(pairs):
        if tx.requires_grad:
            assert_close(x.grad, tx.grad, dtype, f"gradient of input {i}")
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(p.grad, theirs_params[name].grad, dtype, f"gradient of {name}")


def self_attention(**kwargs):
    def call(module, x, *masks):
        return module(x, x, x, **dict(zip(("key_padding_mask", "attn_mask"), masks)), **kwargs)
    return call


def cross_attention(**kwargs):
    def call(module, q, k, v, *masks):
        return module(q, k, v, **dict(zip(("key_padding_mask", "attn_mask"), masks)), **kwargs)
    return call


def padding(batch, source, kind):
    pad = np.zeros((batch, source), dtype=bool)
    pad[0, -2:] = True
    return pad if kind == "bool" else np.where(pad, -np.inf, 0).astype(np.float32)


MHA_CASES = [
    (dict(embed_dim=8, num_heads=2), self_attention(), [(5, 3, 8)]),
    (dict(embed_dim=8, num_heads=2), self_attention(need_weights=False), [(5, 3, 8)]),
    (dict(embed_dim=8, num_heads=2), self_attention(average_attn_weights=False), [(5, 3, 8)]),
    (dict(embed_dim=8, num_heads=4, batch_first=True), self_attention(), [(3, 5, 8)]),
    (dict(embed_dim=8, num_heads=4, batch_first=True), self_attention(need_weights=False), [(3, 5, 8)]),
    (dict(embed_dim=8, num_heads=2), self_attention(), [(5, 8)]),
    (dict(embed_dim=8, num_heads=2), self_attention(need_weights=False), [(5, 8)]),
    (dict(embed_dim=8, num_heads=2), cross_attention(), [(4, 3, 8), (6, 3, 8), (6, 3, 8)]),
    (dict(embed_dim=8, num_heads=2, batch_first=True), cross_attention(need_weights=False),
     [(3, 4, 8), (3, 6, 8), (3, 6, 8)]),
    (dict(embed_dim=8, num_heads=2, kdim=3, vdim=5), cross_attention(), [(4, 3, 8), (6, 3, 3), (6, 3, 5)]),
    (dict(embed_dim=8, num_heads=2, kdim=3, vdim=5, batch_first=True), cross_attention(need_weights=False),
     [(3, 4, 8), (3, 6, 3), (3, 6, 5)]),
    (dict(embed_dim=8, num_heads=2, bias=False), self_attention(), [(5, 3, 8)]),
    (dict(embed_dim=8, num_heads=2, add_bias_kv=True), self_attention(), [(5, 3, 8)]),
    (dict(embed_dim=8, num_heads=2, add_zero_attn=True), self_attention(need_weights=False), [(5, 3, 8)]),
    (dict(embed_dim=8, num_heads=2, add_bias_kv=True, add_zero_attn=True, kdim=4, vdim=4), cross_attention(),
     [(4, 3, 8), (6, 3, 4), (6, 3, 4)]),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs, call, shapes", MHA_CASES)
def test_multihead_attention_matches_pytorch(kwargs, call, shapes, dtype):
    ours, theirs = nn.MultiheadAttention(**kwargs), torch_ref.nn.MultiheadAttention(**kwargs)
    assert repr(ours) == repr(theirs)
    module_parity(ours, theirs, [randn(*s, dtype=dtype) for s in shapes], call, dtype)


def attention_masks(kind, batch, length, heads):
    """The (name -> array) masks of a mask case, and whether the attention mask is flagged causal."""
    causal = np.triu(np.ones((length, length), dtype=bool), 1)
    masks = {}
    if kind.startswith("padding") or kind in ("both", "causal-hint-with-padding"):
        masks["key_padding_mask"] = padding(batch, length, "float" if kind == "padding-float" else "bool")
    if kind in ("attn-bool", "both"):
        masks["attn_mask"] = causal
    elif kind == "attn-float":
        masks["attn_mask"] = randn(length, length)
    elif kind == "attn-3d":
        masks["attn_mask"] = np.random.rand(batch * heads, length, length) > 0.7
    elif kind.startswith("causal"):
        masks["attn_mask"] = np.where(causal, -np.inf, 0).astype(np.float32)
    return masks, kind.startswith("causal")


@pytest.mark.filterwarnings("ignore:Support for mismatched")  # a float causal mask beside a bool padding mask
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("kind", ["padding-bool", "padding-float", "attn-bool", "attn-float", "attn-3d", "both",
                                  "causal-hint", "causal-hint-with-padding"])
def test_multihead_attention_masks_match_pytorch(kind, need_weights, dtype):
    batch, length, heads = 3, 5, 2
    masks, is_causal = attention_masks(kind, batch, length, heads)
    zero_attn = kind == "both"
    ours = nn.MultiheadAttention(8, heads, add_zero_attn=zero_attn)
    theirs = torch_ref.nn.MultiheadAttention(8, heads, add_zero_attn=zero_attn)

    def call(module, x, *mask_values):
        return module(x, x, x, need_weights=need_weights, is_causal=is_causal, **dict(zip(masks, mask_values)))
    module_parity(ours, theirs, [randn(length, batch, 8, dtype=dtype)], call, dtype,
                  [m if m.dtype == bool else m.astype(dtype) for m in masks.values()])


def test_fully_padded_sequence_gives_zeros_without_weights():
    """SDPA's rows with every key masked are zero (PyTorch's weights path gives NaN there, and so does ours)."""
    mha, ref = nn.MultiheadAttention(4, 2), torch_ref.nn.MultiheadAttention(4, 2)
    copy_state(mha, ref)
    x = randn(3, 2, 4)
    pad = np.zeros((2, 3), dtype=bool)
    pad[1] = True
    out, _ = mha(*(torch.tensor(x),) * 3, key_padding_mask=torch.tensor(pad), need_weights=False)
    ref_out, _ = ref(*(torch_ref.tensor(x),) * 3, key_padding_mask=torch_ref.tensor(pad), need_weights=False)
    np.testing.assert_allclose(out.numpy(force=True), ref_out.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_multihead_attention_parameters_follow_pytorch():
    mha = nn.MultiheadAttention(8, 2)
    assert [(n, tuple(p.shape)) for n, p in mha.named_parameters()] == [
        ("in_proj_weight", (24, 8)), ("in_proj_bias", (24,)), ("out_proj.weight", (8, 8)), ("out_proj.bias", (8,))]
    separate = nn.MultiheadAttention(8, 2, kdim=3, vdim=4, add_bias_kv=True)
    ref = torch_ref.nn.MultiheadAttention(8, 2, kdim=3, vdim=4, add_bias_kv=True)
    assert [(n, tuple(p.shape)) for n, p in separate.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in ref.named_parameters()]
    assert separate.in_proj_weight is None and not separate._qkv_same_embed_dim
    assert mha.head_dim == 4 and mha.kdim == mha.vdim == 8 and mha.bias_k is None
    assert [n for n, _ in nn.MultiheadAttention(8, 2, bias=False).named_parameters()] == ["in_proj_weight",
                                                                                          "out_proj.weight"]
    assert type(mha.out_proj).__name__ == "NonDynamicallyQuantizableLinear" and isinstance(mha.out_proj, nn.Linear)


def test_multihead_attention_init_is_xavier_with_zero_biases():
    mha = nn.MultiheadAttention(64, 4, add_bias_kv=True)
    w = mha.in_proj_weight.numpy(force=True)
    bound = math.sqrt(6 / (64 + 192))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert np.all(mha.in_proj_bias.numpy(force=True) == 0) and np.all(mha.out_proj.bias.numpy(force=True) == 0)
    assert abs(mha.bias_k.numpy(force=True).std() - math.sqrt(2 / (1 + 64))) < 0.1
    out_bound = 1 / math.sqrt(64)  # out_proj keeps Linear's init
    assert np.abs(mha.out_proj.weight.numpy(force=True)).max() <= out_bound


def test_multihead_attention_dropout_only_in_training():
    mha = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = torch.randn(4, 2, 8)
    mha.eval()
    first, weights = mha(x, x, x)
    np.testing.assert_allclose(weights.numpy(force=True).sum(-1), 1, rtol=1e-6)
    np.testing.assert_array_equal(first.numpy(force=True), mha(x, x, x)[0].numpy(force=True))
    mha.train()
    _, dropped = mha(x, x, x, average_attn_weights=False)
    assert (dropped.numpy(force=True) == 0).mean() > 0.3  # the weights returned are the ones applied


@pytest.mark.parametrize("need_weights, average", [(False, True), (True, True), (True, False)])
def test_multihead_attention_in_training_draws_pytorchs_dropout_mask(need_weights, average):
    x = randn(3, 5, 8)
    results = []
    for lib in (torch, torch_ref):
        lib.manual_seed(0)
        mha = lib.nn.MultiheadAttention(8, 2, dropout=0.3, batch_first=True)
        t = lib.tensor(x)
        results.append(mha(t, t, t, need_weights=need_weights, average_attn_weights=average))
    for ours, theirs in zip(*results):
        if theirs is not None:
            assert_close(ours, theirs, np.float32)


def test_multi_head_attention_forward_with_static_key_and_value():
    e, heads, batch = 8, 2, 3
    arrays = dict(query=randn(4, batch, e), key=randn(6, batch, e), value=randn(6, batch, e),
                  static_k=randn(batch * heads, 7, e // heads), static_v=randn(batch * heads, 7, e // heads),
                  in_proj_weight=randn(3 * e, e), in_proj_bias=randn(3 * e), out_proj_weight=randn(e, e),
                  out_proj_bias=randn(e))

    def call(lib, F_, **a):
        return F_.multi_head_attention_forward(a["query"], a["key"], a["value"], e, heads, a["in_proj_weight"],
                                               a["in_proj_bias"], None, None, False, 0.0, a["out_proj_weight"],
                                               a["out_proj_bias"], static_k=a["static_k"], static_v=a["static_v"])
    ours = {k: torch.tensor(v, requires_grad=True) for k, v in arrays.items()}
    theirs = {k: torch_ref.tensor(v, requires_grad=True) for k, v in arrays.items()}
    outs, touts = call(torch, F, **ours), call(torch_ref, torch_ref.nn.functional, **theirs)
    for o, t in zip(outs, touts):
        assert_close(o, t, np.float32)
    backward_with_same_weights(outs, touts)
    for name in arrays:
        if theirs[name].grad is not None:
            assert_close(ours[name].grad, theirs[name].grad, np.float32, name)


def test_multihead_attention_gradcheck():
    mha = nn.MultiheadAttention(4, 2, add_bias_kv=True).double()
    q = torch.randn(3, 2, 4, dtype=torch.float64, requires_grad=True)
    kv = torch.randn(5, 2, 4, dtype=torch.float64, requires_grad=True)
    pad = torch.tensor([[False] * 5, [False, False, False, True, True]])
    assert gradcheck(lambda q, kv: mha(q, kv, kv, key_padding_mask=pad)[0], (q, kv))
    assert gradcheck(lambda q, kv: mha(q, kv, kv, need_weights=False)[0], (q, kv))
    assert gradcheck(lambda w: F.multi_head_attention_forward(
        q, kv, kv, 4, 2, w, mha.in_proj_bias, None, None, True, 0.0, mha.out_proj.weight, None)[1],
        (mha.in_proj_weight,))


@pytest.mark.parametrize("make, error, message", [
    (lambda: nn.MultiheadAttention(8, 3), AssertionError, "embed_dim must be divisible by num_heads"),
    (lambda: nn.MultiheadAttention(0, 3), ValueError, "embed_dim and num_heads must be greater than 0"),
])
def test_multihead_attention_construction_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("call, error, message", [
    (lambda m, x: m(x, x, x, attn_mask=torch.zeros(4, 5)), RuntimeError,
     r"The shape of the 2D attn_mask is torch.Size\(\[4, 5\]\), but should be \(5, 5\)"),
    (lambda m, x: m(x, x, x, attn_mask=torch.zeros(3, 5, 5)), RuntimeError,
     r"The shape of the 3D attn_mask is torch.Size\(\[3, 5, 5\]\), but should be \(6, 5, 5\)"),
    (lambda m, x: m(x, x, x, attn_mask=torch.zeros(1, 1, 5, 5)), AssertionError, "expected `attn_mask` to be `None`"),
    (lambda m, x: m(x, x, x, key_padding_mask=torch.zeros(3, 4, dtype=torch.bool)), AssertionError,
     r"Expected key_padded_mask of shape \(3, 5\), but got \(3, 4\)"),
    (lambda m, x: m(x, x, x, key_padding_mask=torch.zeros(3, 5, dtype=torch.int64)), AssertionError,
     "only bool and floating types of key_padding_mask are supported"),
    (lambda m, x: m(x, x, x, key_padding_mask=torch.zeros(5, dtype=torch.bool)), AssertionError,
     "expected `key_padding_mask` to be `None` or 2-D"),
    (lambda m, x: m(x, x[:, :, :4], x), AssertionError, "does not match value shape"),
    (lambda m, x: m(x[0], x, x), AssertionError,
     "For unbatched \\(2-D\\) `query`, expected `key` and `value` to be 2-D"),
    (lambda m, x: m(x[..., :4], x[..., :4], x[..., :4]), AssertionError,
     "was expecting embedding dimension of 8, but got 4"),
    (lambda m, x: m(x, x, x, is_causal=True), RuntimeError, "Need attn_mask if specifying the is_causal hint"),
])
def test_multihead_attention_input_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(nn.MultiheadAttention(8, 2), torch.randn(5, 3, 8))


def test_mismatched_mask_types_warn_as_pytorch():
    mha = nn.MultiheadAttention(8, 2)
    x = torch.randn(5, 3, 8)
    with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and attn_mask is deprecated"):
        mha(x, x, x, key_padding_mask=torch.zeros(3, 5, dtype=torch.bool), attn_mask=torch.zeros(5, 5))
