"""Parity with PyTorch for conv, pooling, normalization and recurrent layers.

Each case builds the same layer in both libraries, copies PyTorch's
parameters and buffers into ours by name, runs the same inputs, and compares
the outputs, the input gradients and every parameter's gradient after the
backward of the same weighted-sum loss.
"""
import numpy as np
import pytest

torch_ref = pytest.importorskip("torch")

import autograd_core as torch  # noqa: E402
import nn  # noqa: E402

RTOL, ATOL = 1e-4, 1e-5


def flat(outputs):
    """Tensors in a (possibly nested) tuple of outputs, in order."""
    if isinstance(outputs, (tuple, list)):
        return [t for o in outputs for t in flat(o)]
    return [outputs]


def copy_state(ours, theirs):
    for name, value in theirs.state_dict().items():
        target = ours.state_dict()[name]
        assert tuple(target.shape) == tuple(value.shape), name
        target.data[...] = value.numpy()


def assert_parity(ours, theirs, *arrays, call=None, steps=1):
    """Run both modules on ``arrays`` ``steps`` times; compare outputs, gradients and buffers."""
    copy_state(ours, theirs)
    call = call or (lambda module, *xs: module(*xs))
    for _ in range(steps):
        xs = [torch.tensor(a, requires_grad=True) for a in arrays]
        txs = [torch_ref.tensor(a, requires_grad=True) for a in arrays]
        outs, touts = flat(call(ours, *xs)), flat(call(theirs, *txs))
        assert len(outs) == len(touts)
        weights = [np.random.randn(*o.shape).astype(np.float32) for o in touts]
        for o, t in zip(outs, touts):
            assert tuple(o.shape) == tuple(t.shape)
            np.testing.assert_allclose(o.numpy(force=True), t.detach().numpy(), rtol=RTOL, atol=ATOL)
        sum((o * torch.tensor(w)).sum() for o, w in zip(outs, weights)).backward()
        sum((t * torch_ref.tensor(w)).sum() for t, w in zip(touts, weights)).backward()
        for x, tx in zip(xs, txs):
            np.testing.assert_allclose(x.grad.numpy(force=True), tx.grad.numpy(), rtol=RTOL, atol=ATOL)
    ours_params, theirs_params = dict(ours.named_parameters()), dict(theirs.named_parameters())
    assert list(ours_params) == list(theirs_params)
    for name, p in theirs_params.items():
        np.testing.assert_allclose(ours_params[name].grad.numpy(force=True), p.grad.numpy(), rtol=RTOL, atol=ATOL, err_msg=name)
    for name, b in theirs.named_buffers():
        np.testing.assert_allclose(dict(ours.named_buffers())[name].numpy(force=True), b.numpy(), rtol=RTOL, atol=ATOL,
                                   err_msg=name)


def randn(*shape):
    return np.random.randn(*shape).astype(np.float32)


# ----- convolution -----
@pytest.mark.parametrize("kwargs", [
    dict(in_channels=1, out_channels=4, kernel_size=3),
    dict(in_channels=4, out_channels=6, kernel_size=(3, 2), stride=2, padding=1, dilation=(1, 2), groups=2),
    dict(in_channels=3, out_channels=2, kernel_size=3, padding="same", bias=False),
    dict(in_channels=2, out_channels=2, kernel_size=(3, 4), padding=(1, 2), padding_mode="reflect"),
    dict(in_channels=2, out_channels=2, kernel_size=4, padding="same", dilation=2, padding_mode="circular"),
    dict(in_channels=2, out_channels=2, kernel_size=2, stride=2, padding=1, padding_mode="replicate"),
])
def test_conv2d(kwargs):
    ours, theirs = nn.Conv2d(**kwargs), torch_ref.nn.Conv2d(**kwargs)
    assert repr(ours) == repr(theirs)
    assert_parity(ours, theirs, randn(2, kwargs["in_channels"], 7, 6))


@pytest.mark.parametrize("kwargs", [dict(kernel_size=3), dict(kernel_size=2, stride=2, padding=1, dilation=2),
                                    dict(kernel_size=3, padding=2, padding_mode="reflect")])
def test_conv1d(kwargs):
    assert_parity(nn.Conv1d(3, 4, **kwargs), torch_ref.nn.Conv1d(3, 4, **kwargs), randn(2, 3, 9))


@pytest.mark.parametrize("kwargs", [dict(kernel_size=3), dict(kernel_size=3, stride=2, padding=1, output_padding=1),
                                    dict(kernel_size=(2, 3), stride=(2, 1), groups=2, dilation=2, bias=False)])
def test_conv_transpose2d(kwargs):
    ours, theirs = nn.ConvTranspose2d(4, 6, **kwargs), torch_ref.nn.ConvTranspose2d(4, 6, **kwargs)
    assert repr(ours) == repr(theirs)
    assert_parity(ours, theirs, randn(2, 4, 5, 4))


def test_conv_transpose2d_output_size():
    ours, theirs = nn.ConvTranspose2d(2, 3, 3, stride=2), torch_ref.nn.ConvTranspose2d(2, 3, 3, stride=2)
    assert_parity(ours, theirs, randn(1, 2, 4, 4), call=lambda m, x: m(x, output_size=[10, 10]))


def test_conv_default_init_bounds_match_pytorch():
    ours, theirs = nn.Conv2d(8, 512, 3), torch_ref.nn.Conv2d(8, 512, 3)
    for name in ("weight", "bias"):
        ours_values, theirs_values = getattr(ours, name).numpy(force=True), getattr(theirs, name).detach().numpy()
        assert np.abs(ours_values).max() == pytest.approx(np.abs(theirs_values).max(), rel=0.03)
        assert ours_values.std() == pytest.approx(theirs_values.std(), rel=0.1)


# ----- pooling -----
@pytest.mark.parametrize("make", [
    lambda m: m.MaxPool2d(2),
    lambda m: m.MaxPool2d((3, 2), stride=(2, 1), padding=1, dilation=1, ceil_mode=True),
    lambda m: m.AvgPool2d(2),
    lambda m: m.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    lambda m: m.AvgPool2d(2, divisor_override=3),
    lambda m: m.AdaptiveAvgPool2d((3, 2)),
    lambda m: m.AdaptiveAvgPool2d((4, None)),
    lambda m: m.AdaptiveMaxPool2d(3),
])
def test_pool2d(make):
    ours, theirs = make(nn), make(torch_ref.nn)
    assert repr(ours) == repr(theirs)
    assert_parity(ours, theirs, randn(2, 3, 7, 6))


@pytest.mark.parametrize("make", [lambda m: m.MaxPool1d(3, stride=2, padding=1), lambda m: m.AvgPool1d(2)])
def test_pool1d(make):
    ours, theirs = make(nn), make(torch_ref.nn)
    assert repr(ours) == repr(theirs)
    assert_parity(ours, theirs, randn(2, 3, 9))


def test_max_pool_return_indices():
    ours, theirs = nn.MaxPool2d(2, return_indices=True), torch_ref.nn.MaxPool2d(2, return_indices=True)
    x = randn(1, 2, 4, 4)
    (_, idx), (_, tidx) = ours(torch.tensor(x)), theirs(torch_ref.tensor(x))
    np.testing.assert_array_equal(idx.numpy(force=True), tidx.numpy())


# ----- normalization -----
@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5)])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm1d_train_then_eval(shape, momentum):
    ours, theirs = nn.BatchNorm1d(3, momentum=momentum), torch_ref.nn.BatchNorm1d(3, momentum=momentum)
    theirs.weight.data.uniform_(0.5, 2)
    theirs.bias.data.uniform_(-1, 1)
    x = randn(*shape) * 3 + 1
    assert_parity(ours, theirs, x, steps=3)
    ours.eval(), theirs.eval()
    ours.zero_grad(), theirs.zero_grad()
    assert_parity(ours, theirs, randn(*shape))


def test_batch_norm2d_train_then_eval():
    ours, theirs = nn.BatchNorm2d(4), torch_ref.nn.BatchNorm2d(4)
    theirs.weight.data.uniform_(0.5, 2)
    assert_parity(ours, theirs, randn(3, 4, 5, 5) * 2 - 1, steps=3)
    ours.eval(), theirs.eval()
    ours.zero_grad(), theirs.zero_grad()
    assert_parity(ours, theirs, randn(2, 4, 5, 5))


@pytest.mark.parametrize("kwargs", [dict(affine=False), dict(track_running_stats=False), dict(bias=False)])
def test_batch_norm_options(kwargs):
    ours, theirs = nn.BatchNorm2d(3, **kwargs), torch_ref.nn.BatchNorm2d(3, **kwargs)
    assert repr(ours) == repr(theirs)
    assert_parity(ours, theirs, randn(2, 3, 4, 4), steps=2)
    ours.eval(), theirs.eval()
    assert_parity(ours, theirs, randn(2, 3, 4, 4))


@pytest.mark.parametrize("shape, normalized", [((4, 6), 6), ((2, 3, 4, 5), (4, 5))])
def test_layer_norm(shape, normalized):
    ours, theirs = nn.LayerNorm(normalized), torch_ref.nn.LayerNorm(normalized)
    theirs.weight.data.normal_()
    theirs.bias.data.normal_()
    assert repr(ours) == repr(theirs)
    assert_parity(ours, theirs, randn(*shape) * 2 + 3)


def test_layer_norm_without_affine_or_bias():
    for kwargs in (dict(elementwise_affine=False), dict(bias=False, eps=1e-3)):
        assert_parity(nn.LayerNorm(5, **kwargs), torch_ref.nn.LayerNorm(5, **kwargs), randn(3, 5))


@pytest.mark.parametrize("groups, shape", [(2, (3, 4, 5)), (1, (2, 6, 3, 3)), (6, (2, 6, 2, 2))])
def test_group_norm(groups, shape):
    ours, theirs = nn.GroupNorm(groups, shape[1]), torch_ref.nn.GroupNorm(groups, shape[1])
    theirs.weight.data.normal_()
    theirs.bias.data.normal_()
    assert repr(ours) == repr(theirs)
    assert_parity(ours, theirs, randn(*shape) + 2)


# ----- recurrent -----
def _with_state(hidden_shape, lstm):
    """A call that passes random initial states of ``hidden_shape``."""
    state = [randn(*hidden_shape) for _ in range(2 if lstm else 1)]

    def call(module, x):
        lib = torch_ref if isinstance(module, torch_ref.nn.Module) else torch
        hx = [lib.tensor(s) for s in state]
        return module(x, tuple(hx) if lstm else hx[0])
    return call


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_two_layer_bidirectional_batch_first(name):
    kwargs = dict(input_size=3, hidden_size=5, num_layers=2, batch_first=True, bidirectional=True)
    ours, theirs = getattr(nn, name)(**kwargs), getattr(torch_ref.nn, name)(**kwargs)
    assert repr(ours) == repr(theirs)
    x = randn(2, 4, 3)
    assert_parity(ours, theirs, x)
    ours.zero_grad(), theirs.zero_grad()
    assert_parity(ours, theirs, x, call=_with_state((4, 2, 5), name == "LSTM"))


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn(nonlinearity):
    ours = nn.RNN(3, 4, num_layers=2, nonlinearity=nonlinearity, bidirectional=True)
    theirs = torch_ref.nn.RNN(3, 4, num_layers=2, nonlinearity=nonlinearity, bidirectional=True)
    assert_parity(ours, theirs, randn(5, 2, 3), call=_with_state((4, 2, 4), False))


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
@pytest.mark.parametrize("kwargs", [dict(proj_size=2, num_layers=2), dict(bias=False), dict(dropout=0.3, num_layers=2)])
def test_lstm_options(kwargs):
    ours, theirs = nn.LSTM(3, 4, **kwargs).eval(), torch_ref.nn.LSTM(3, 4, **kwargs).eval()
    assert repr(ours) == repr(theirs)
    assert_parity(ours, theirs, randn(4, 2, 3))


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_unbatched_sequence(name):
    ours, theirs = getattr(nn, name)(3, 4, num_layers=2), getattr(torch_ref.nn, name)(3, 4, num_layers=2)
    assert_parity(ours, theirs, randn(5, 3))
    ours.zero_grad(), theirs.zero_grad()
    assert_parity(ours, theirs, randn(5, 3), call=_with_state((2, 4), name == "LSTM"))


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("batched", [True, False])
def test_cells(name, batched):
    ours, theirs = getattr(nn, name)(3, 4), getattr(torch_ref.nn, name)(3, 4)
    assert repr(ours) == repr(theirs)
    shape = (2, 4) if batched else (4,)
    state = [randn(*shape) for _ in range(2 if name == "LSTMCell" else 1)]

    def call(module, x, *hx):
        return module(x, tuple(hx) if name == "LSTMCell" else hx[0])

    assert_parity(ours, theirs, randn(*shape[:-1], 3), *state, call=call)


def test_rnn_cell_relu_sequence_of_steps():
    ours, theirs = nn.RNNCell(3, 4, nonlinearity="relu"), torch_ref.nn.RNNCell(3, 4, nonlinearity="relu")

    def call(module, x):
        h = None
        for t in range(x.shape[0]):
            h = module(x[t], h)
        return h

    assert_parity(ours, theirs, randn(4, 2, 3), call=call)
