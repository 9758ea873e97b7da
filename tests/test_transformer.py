"""Transformer layers, stacks and nn.Transformer against PyTorch; the character-level language model example.

Dropout is 0 (or the modules are in eval mode) where values are compared, except in
the training tests, where the same seed draws PyTorch's dropout masks.
"""
import numpy as np
import pytest

import autograd_core as torch
import nn
import nn.functional as F
from autograd_core.autograd import gradcheck
from benchmarks.peers import OURS
from benchmarks.workloads import WORKLOADS
from benchmarks.workloads.base import Context
from examples import transformer_lm
from test_attention import both, copy_state, module_parity, node_name, randn

torch_ref = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")  # PyTorch's, about its fast path


def encoder_layer(lib, **kwargs):
    return lib.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, **kwargs)


def decoder_layer(lib, **kwargs):
    return lib.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.0, **kwargs)


LIBRARIES = {"ours": torch, "torch": torch_ref}


def both_modules(make, **kwargs):
    """The module ``make(lib, **kwargs)`` builds, in our library and in PyTorch (``activation`` given per library)."""
    def build(lib):
        extra = {k: (v[lib] if isinstance(v, dict) else v) for k, v in kwargs.items()}
        return make(LIBRARIES[lib], **extra)
    return build("ours"), build("torch")


def causal(n):
    return np.triu(np.ones((n, n), dtype=bool), 1)


def float_causal(n, dtype=np.float32):
    return np.where(causal(n), -np.inf, 0).astype(dtype)


GELU = {"ours": F.gelu, "torch": torch_ref.nn.functional.gelu}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs", [{}, dict(norm_first=True), dict(batch_first=True), dict(activation="gelu"),
                                    dict(activation=GELU, norm_first=True), dict(bias=False),
                                    dict(layer_norm_eps=1e-3)])
def test_encoder_layer_matches_pytorch(kwargs, dtype):
    ours, theirs = both_modules(encoder_layer, **kwargs)
    assert repr(ours) == repr(theirs)
    shape = (3, 5, 8) if kwargs.get("batch_first") else (5, 3, 8)
    module_parity(ours, theirs, [randn(*shape, dtype=dtype)], lambda m, x: (m(x),), dtype)


@pytest.mark.parametrize("masks", ["causal-bool", "causal-float", "causal-flag", "padding", "both"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_encoder_layer_masks_match_pytorch(masks, dtype):
    ours, theirs = both_modules(encoder_layer)
    given = {}
    if masks in ("causal-bool", "both"):
        given["src_mask"] = causal(5)
    if masks in ("causal-float", "causal-flag"):
        given["src_mask"] = float_causal(5, dtype)
    if masks in ("padding", "both"):
        pad = np.zeros((3, 5), dtype=bool)
        pad[0, -2:] = True
        given["src_key_padding_mask"] = pad

    def call(module, x, *values):
        return (module(x, is_causal=masks == "causal-flag", **dict(zip(given, values))),)
    module_parity(ours, theirs, [randn(5, 3, 8, dtype=dtype)], call, dtype, list(given.values()))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs", [{}, dict(norm_first=True), dict(batch_first=True), dict(activation="gelu")])
def test_decoder_layer_matches_pytorch(kwargs, dtype):
    ours, theirs = both_modules(decoder_layer, **kwargs)
    assert repr(ours) == repr(theirs)
    tgt, memory = ((3, 4, 8), (3, 6, 8)) if kwargs.get("batch_first") else ((4, 3, 8), (6, 3, 8))
    pad = np.zeros((3, 6), dtype=bool)
    pad[1, -3:] = True

    def call(module, t, m, tgt_mask, memory_padding):
        return (module(t, m, tgt_mask=tgt_mask, memory_key_padding_mask=memory_padding),)
    module_parity(ours, theirs, [randn(*tgt, dtype=dtype), randn(*memory, dtype=dtype)], call, dtype,
                  [float_causal(4, dtype), pad])


def seeded(call):
    """``call`` after the same seed in both libraries: the layers then draw the same dropout masks."""
    def seeded_call(*args):
        torch.manual_seed(7)
        torch_ref.manual_seed(7)
        return call(*args)
    return seeded_call


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs", [{}, dict(batch_first=True), dict(norm_first=True, batch_first=True),
                                    dict(activation="gelu")])
def test_encoder_layer_in_training_matches_pytorch(kwargs, dtype):
    """Dropout in training (on the attention weights, after attention, in and after the feed-forward block): the
    same masks, so the same outputs and gradients; the masks fill the transposed attention output (batch_first) in
    memory order, as PyTorch's."""
    ours, theirs = both_modules(lambda lib, **kw: lib.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16,
                                                                                 dropout=0.3, **kw), **kwargs)
    pad = np.zeros((3, 5), dtype=bool)
    pad[0, -2:] = True
    shape = (3, 5, 8) if kwargs.get("batch_first") else (5, 3, 8)
    module_parity(ours, theirs, [randn(*shape, dtype=dtype)], seeded(lambda m, x: (m(x),)), dtype)
    module_parity(ours, theirs, [randn(*shape, dtype=dtype)],
                  seeded(lambda m, x, mask, padding: (m(x, src_mask=mask, src_key_padding_mask=padding),)), dtype,
                  [causal(5), pad])


@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer_in_training_matches_pytorch(batch_first):
    ours, theirs = both_modules(lambda lib, **kw: lib.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16,
                                                                                 dropout=0.3, **kw),
                                batch_first=batch_first)
    tgt, memory = ((3, 4, 8), (3, 6, 8)) if batch_first else ((4, 3, 8), (6, 3, 8))
    module_parity(ours, theirs, [randn(*tgt), randn(*memory)],
                  seeded(lambda module, t, m, tgt_mask: (module(t, m, tgt_mask=tgt_mask),)), np.float32,
                  [float_causal(4)])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_encoder_and_decoder_stacks_match_pytorch(dtype):
    ours = nn.TransformerEncoder(encoder_layer(torch), 3, norm=nn.LayerNorm(8))
    theirs = torch_ref.nn.TransformerEncoder(encoder_layer(torch_ref), 3, norm=torch_ref.nn.LayerNorm(8),
                                             enable_nested_tensor=False)
    assert repr(ours) == repr(theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    module_parity(ours, theirs, [randn(5, 3, 8, dtype=dtype)], lambda m, x, mask: (m(x, mask=mask),), dtype,
                  [float_causal(5, dtype)])
    ours, theirs = nn.TransformerDecoder(decoder_layer(torch), 2), torch_ref.nn.TransformerDecoder(
        decoder_layer(torch_ref), 2)
    assert repr(ours) == repr(theirs)
    module_parity(ours, theirs, [randn(4, 3, 8, dtype=dtype), randn(6, 3, 8, dtype=dtype)],
                  lambda m, t, mem: (m(t, mem),), dtype)


def test_stack_layers_are_independent_copies():
    layer = encoder_layer(torch)
    stack = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    assert stack.layers[0] is not layer and stack.layers[0].linear1.weight is not stack.layers[1].linear1.weight
    np.testing.assert_array_equal(stack.layers[1].linear1.weight.numpy(force=True),
                                  layer.linear1.weight.numpy(force=True))
    assert stack.num_layers == 2 and stack.norm is None and stack.enable_nested_tensor is False


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs", [dict(batch_first=False), dict(batch_first=True, norm_first=True)])
def test_transformer_matches_pytorch(kwargs, dtype):
    make = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=16, dropout=0.0,
                **kwargs)
    ours, theirs = nn.Transformer(**make), torch_ref.nn.Transformer(**make)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    batch_first = kwargs["batch_first"]
    src, tgt = ((3, 6, 8), (3, 4, 8)) if batch_first else ((6, 3, 8), (4, 3, 8))
    mask = nn.Transformer.generate_square_subsequent_mask(4).numpy(force=True).astype(dtype)

    def call(module, s, t, tgt_mask):
        return (module(s, t, tgt_mask=tgt_mask),)
    module_parity(ours, theirs, [randn(*src, dtype=dtype), randn(*tgt, dtype=dtype)], call, dtype, [mask])


def test_transformer_init_is_xavier_on_matrices():
    model = nn.Transformer(d_model=16, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=32)
    w = model.encoder.layers[0].linear1.weight.numpy(force=True)
    bound = np.sqrt(6 / (16 + 32))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    out_proj = model.encoder.layers[0].self_attn.out_proj.weight.numpy(force=True)
    assert np.abs(out_proj).max() > 1 / np.sqrt(16)  # re-initialised beyond Linear's default bound


def test_generate_square_subsequent_mask_matches_pytorch():
    for size in (1, 4):
        np.testing.assert_array_equal(nn.Transformer.generate_square_subsequent_mask(size).numpy(force=True),
                                      torch_ref.nn.Transformer.generate_square_subsequent_mask(size).numpy())
    mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=torch.float64)
    assert mask.dtype == torch.float64


def test_causal_mask_is_detected_in_the_stacks(monkeypatch):
    seen = []
    original = nn.MultiheadAttention.forward

    def spy(self, *args, **kwargs):
        seen.append(kwargs["is_causal"])
        return original(self, *args, **kwargs)
    monkeypatch.setattr(nn.MultiheadAttention, "forward", spy)
    stack = nn.TransformerEncoder(encoder_layer(torch), 1, enable_nested_tensor=False)
    x = torch.randn(4, 2, 8)
    stack(x, mask=nn.Transformer.generate_square_subsequent_mask(4))
    stack(x, mask=torch.zeros(4, 4))
    stack(x, mask=torch.tensor(causal(4)))
    stack(x, mask=torch.zeros(4, 4), is_causal=False)
    assert seen == [True, False, True, False]


def test_output_nodes_are_named_as_pytorch():
    for norm_first in (False, True):
        ours, theirs = both_modules(encoder_layer, norm_first=norm_first)
        x, tx = both(randn(4, 2, 8))
        assert node_name(ours(x)) == node_name(theirs(tx))


def test_encoder_layer_gradcheck():
    layer = encoder_layer(torch, activation="gelu").double()
    x = torch.randn(3, 2, 8, dtype=torch.float64, requires_grad=True)
    mask = torch.tensor(causal(3))
    assert gradcheck(lambda x: layer(x, src_mask=mask), (x,))


def test_decoder_layer_gradcheck():
    layer = decoder_layer(torch, norm_first=True).double()
    tgt = torch.randn(3, 2, 8, dtype=torch.float64, requires_grad=True)
    memory = torch.randn(4, 2, 8, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda t, m: layer(t, m), (tgt, memory))


def test_dropout_applies_in_training_only():
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.5)
    x = torch.randn(4, 2, 8)
    assert not np.allclose(layer(x).numpy(force=True), layer(x).numpy(force=True))
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(force=True), layer(x).numpy(force=True))


@pytest.mark.parametrize("make, error, message", [
    (lambda: nn.TransformerEncoderLayer(8, 2, activation="tanh"), RuntimeError,
     "activation should be relu/gelu, not tanh"),
    (lambda: nn.TransformerEncoderLayer(8, 3), AssertionError, "embed_dim must be divisible by num_heads"),
    (lambda: nn.Transformer(8, 2, 1, 1, 16)(torch.randn(5, 3, 8), torch.randn(4, 2, 8)), RuntimeError,
     "the batch number of src and tgt must be equal"),
    (lambda: nn.Transformer(8, 2, 1, 1, 16)(torch.randn(5, 3, 8), torch.randn(4, 3, 6)), RuntimeError,
     "the feature number of src and tgt must be equal to d_model"),
])
def test_transformer_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_unbatched_inputs_match_pytorch():
    ours, theirs = both_modules(encoder_layer)
    copy_state(ours, theirs)
    x, tx = both(randn(5, 8))
    np.testing.assert_allclose(ours(x).numpy(force=True), theirs(tx).detach().numpy(), rtol=1e-5, atol=1e-5)


# ----- the example -----
def test_transformer_lm_example_learns_and_samples(tmp_path):
    result = transformer_lm.main(["--epochs", "2", "--steps", "15", "--context", "16", "--d-model", "16",
                                  "--heads", "2", "--layers", "1", "--batch-size", "8", "--sample-length", "40",
                                  "--out", str(tmp_path)])
    losses = result["losses"]
    assert len(losses) == 2 and losses[-1] < losses[0]
    assert len(result["sample"]) == 40 and set(result["sample"]) <= set(result["vocabulary"])
    assert result["plot"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ----- the benchmark workload -----
def test_benchmark_workload_times_a_training_step_and_reports_a_missing_torch():
    ctx = Context({OURS: torch}, {"torch": "missing: not installed (test)"}, quick=True)
    table, = WORKLOADS["transformer"](ctx)
    rows = {row.engine: row for row in table.rows}
    assert rows[OURS].median > 0 and rows["torch"].status.startswith("missing")
    assert "TransformerEncoderLayer(d_model 128, 4 heads" in table.title and table.unit == "ms"
