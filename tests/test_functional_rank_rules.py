"""The ranks nn.functional accepts, as PyTorch 2.13 does: with its warnings, its unbatched forms and its errors.

Each test runs the same call in both libraries and compares what matters:
warnings (exact text), errors, output shapes and values, and for dropout
which dims a mask is shared along.
"""
import warnings

import numpy as np
import pytest

import autograd_core as torch
import nn.functional as F

torch_ref = pytest.importorskip("torch")


def _pair(array, requires_grad=False):
    """The same values in both libraries."""
    array = np.asarray(array, dtype=np.float32)
    return (torch.tensor(array, requires_grad=requires_grad), torch_ref.tensor(array, requires_grad=requires_grad))


def _call(functional, name, *args, **kwargs):
    """``functional.name(*args)``: its result (or the exception) and the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = getattr(functional, name)(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - compared with PyTorch's below
            result = error
    return result, [str(w.message) for w in caught]


def _shared_dims(y):
    """The dims along which the values of ``y`` (a dropout of ones) repeat: those the mask was broadcast along."""
    y = y.numpy(force=True) if isinstance(y, torch.Tensor) else y.detach().numpy()
    return [d for d in range(y.ndim) if (y == y.take([0], axis=d)).all()]


DROPOUT_CASES = [(name, shape) for name in ("dropout1d", "dropout2d", "dropout3d", "feature_alpha_dropout")
                 for shape in [(12,), (12, 13), (12, 13, 14), (6, 7, 8, 9), (4, 5, 6, 7, 8), (3, 4, 5, 3, 4, 5)]]


@pytest.mark.parametrize("name, shape", DROPOUT_CASES)
def test_channel_dropout_ranks_warnings_and_masks(name, shape):
    """Which ranks raise, which warn (and what), and which dims share one mask value, for p = 0.5 in training."""
    ours, theirs = _pair(np.ones(shape))
    torch.manual_seed(0)
    torch_ref.manual_seed(0)
    (result, warned), (expected, expected_warned) = (
        _call(F, name, ours, 0.5, True), _call(torch_ref.nn.functional, name, theirs, 0.5, True))
    assert warned == expected_warned
    if isinstance(expected, Exception):
        assert type(result) is type(expected) and str(expected) in str(result)
        return
    assert not isinstance(result, Exception), result
    assert tuple(result.shape) == tuple(expected.shape)
    assert _shared_dims(result) == _shared_dims(expected)
    assert set(np.unique(result.numpy(force=True)).round(5)) == set(np.unique(expected.numpy()).round(5))


def test_dropout2d_on_a_2d_input_warns_and_drops_each_element():
    """mnist_rnn's call: (N, C) is taken as channels of size 1, with PyTorch's deprecation warning."""
    x = torch.ones(64, 128, requires_grad=True)
    with pytest.warns(UserWarning) as record:
        y = F.dropout2d(x, 0.25)
    assert [str(w.message) for w in record] == [
        "dropout2d: Received a 2-D input to dropout2d, which is deprecated and will result in an error in a future "
        "release. To retain the behavior and silence this warning, please use dropout instead. Note that dropout2d "
        "exists to provide channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, and an "
        "optional batch dimension (i.e. 3D or 4D inputs)."]
    values = y.numpy(force=True)
    assert set(np.unique(values)) == {0.0, np.float32(1 / 0.75)} and 0.2 < (values == 0).mean() < 0.3
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(force=True), values)


def test_dropout2d_on_a_3d_input_is_1d_channel_dropout():
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d and assuming that channel-wise 1D"):
        y = F.dropout2d(torch.ones(6, 7, 20))
    per_channel = y.numpy(force=True)
    assert (per_channel == per_channel[:, :, :1]).all() and 0 < (per_channel == 0).mean() < 1


@pytest.mark.parametrize("name", ["dropout1d", "dropout2d", "dropout3d", "feature_alpha_dropout"])
@pytest.mark.parametrize("p, training", [(0.5, False), (0.0, True), (1.0, True)])
def test_feature_dropout_needs_two_dims_only_when_it_draws_a_mask(name, p, training):
    ours, theirs = _pair(np.ones(5) * 2)
    (result, _), (expected, _) = _call(F, name, ours, p, training), _call(torch_ref.nn.functional, name, theirs, p,
                                                                        training)
    assert isinstance(result, Exception) == isinstance(expected, Exception)
    if not isinstance(expected, Exception):
        np.testing.assert_array_equal(result.numpy(force=True), expected.numpy())


@pytest.mark.parametrize("name", ["dropout", "dropout2d"])
def test_dropout_in_eval_returns_the_input_itself(name):
    x = torch.ones(2, 3, 4, 5)
    assert getattr(F, name)(x, 0.5, training=False) is x
    assert getattr(F, name)(x, 0.0) is x


def test_unbatched_channel_dropout_in_place_shares_the_mask_per_channel():
    x = torch.ones(5, 6, 7, 8) * 1
    y = F.dropout3d(x, 0.5, inplace=True)
    assert y is x
    values = x.numpy(force=True)
    assert (values == values[:, :1, :1, :1]).all() and 0 < (values == 0).mean() < 1


def test_alpha_dropout_values_are_pytorchs():
    """Dropped elements take SELU's saturation, then an affine map keeps the mean and variance."""
    ours, theirs = _pair(np.full((200, 50), 0.5))
    result = F.alpha_dropout(ours, 0.2, training=True).numpy(force=True)
    expected = torch_ref.nn.functional.alpha_dropout(theirs, 0.2, training=True).numpy()
    np.testing.assert_allclose(np.unique(result), np.unique(expected), rtol=1e-6)
    assert abs((result == result.min()).mean() - 0.2) < 0.02
    assert F.alpha_dropout(ours, 0.2) is ours  # training defaults to False, as in PyTorch


# ----- softmax without dim -----
@pytest.mark.parametrize("name", ["softmax", "softmin", "log_softmax"])
@pytest.mark.parametrize("shape", [(), (4,), (3, 4), (2, 3, 4), (2, 3, 4, 5)])
def test_softmax_family_without_dim_warns_and_picks_pytorchs_dim(name, shape):
    ours, theirs = _pair(np.random.default_rng(0).standard_normal(shape))
    (result, warned), (expected, expected_warned) = _call(F, name, ours), _call(torch_ref.nn.functional, name,
                                                                                theirs)
    assert warned == expected_warned == [f"Implicit dimension choice for {name} has been deprecated. Change the "
                                         "call to include dim=X as an argument."]
    np.testing.assert_allclose(result.numpy(force=True), expected.numpy(), rtol=1e-6, atol=1e-7)


def test_softmax_dim_out_of_range():
    with pytest.raises(IndexError, match=r"softmax: Dimension out of range \(expected to be in range of \[-2, 1\], "
                                         r"but got 2\)"):
        F.softmax(torch.zeros(2, 3), 2)


# ----- unbatched inputs -----
UNBATCHED = [
    ("conv2d", (3, 7, 6), lambda lib: dict(weight=lib.ones(4, 3, 3, 3) * 0.1, padding=1)),
    ("conv1d", (3, 9), lambda lib: dict(weight=lib.ones(2, 3, 3) * 0.1, stride=2)),
    ("conv_transpose2d", (3, 4, 5), lambda lib: dict(weight=lib.ones(3, 2, 3, 3) * 0.1, stride=2)),
    ("conv_transpose1d", (3, 5), lambda lib: dict(weight=lib.ones(3, 2, 3) * 0.1)),
    ("max_pool2d", (3, 7, 6), lambda lib: dict(kernel_size=3, stride=2, padding=1)),
    ("max_pool1d", (3, 9), lambda lib: dict(kernel_size=2)),
    ("avg_pool2d", (3, 7, 6), lambda lib: dict(kernel_size=2, ceil_mode=True)),
    ("avg_pool1d", (3, 9), lambda lib: dict(kernel_size=3, stride=2, padding=1)),
    ("adaptive_avg_pool2d", (3, 7, 6), lambda lib: dict(output_size=(3, 2))),
    ("adaptive_avg_pool2d", (3, 7, 6), lambda lib: dict(output_size=1)),
    ("adaptive_max_pool2d", (3, 7, 6), lambda lib: dict(output_size=(2, 4))),
    ("linear", (5,), lambda lib: dict(weight=lib.ones(3, 5) * 0.2, bias=lib.ones(3))),
    ("layer_norm", (6,), lambda lib: dict(normalized_shape=(6,))),
    ("prelu", (3,), lambda lib: dict(weight=lib.ones(1) * 0.25)),
]


@pytest.mark.parametrize("name, shape, options", UNBATCHED, ids=[f"{c[0]}-{len(c[1])}d" for c in UNBATCHED])
def test_unbatched_inputs_match_pytorch(name, shape, options):
    ours, theirs = _pair(np.random.default_rng(1).standard_normal(shape), requires_grad=True)
    y = getattr(F, name)(ours, **options(torch))
    expected = getattr(torch_ref.nn.functional, name)(theirs, **options(torch_ref))
    np.testing.assert_allclose(y.numpy(force=True), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    y.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(force=True), theirs.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_unbatched_class_losses_match_pytorch(reduction):
    (ours, theirs), target = _pair(np.random.default_rng(2).standard_normal(5), True), np.array(3)
    for name, make in (("cross_entropy", lambda x: x), ("nll_loss", lambda x: x.log_softmax(0))):
        y = getattr(F, name)(F.log_softmax(ours, 0) if name == "nll_loss" else ours, torch.tensor(target),
                             reduction=reduction)
        expected = getattr(torch_ref.nn.functional, name)(make(theirs), torch_ref.tensor(target), reduction=reduction)
        assert tuple(y.shape) == tuple(expected.shape) == ()
        np.testing.assert_allclose(y.numpy(force=True), expected.detach().numpy(), rtol=1e-6)
    probabilities = _pair(np.full(5, 0.2))
    y = F.cross_entropy(ours, probabilities[0], reduction=reduction)
    expected = torch_ref.nn.functional.cross_entropy(theirs, probabilities[1], reduction=reduction)
    assert tuple(y.shape) == tuple(expected.shape) == ()
    np.testing.assert_allclose(y.numpy(force=True), expected.detach().numpy(), rtol=1e-6)


# ----- ranks that raise -----
@pytest.mark.parametrize("shape, pad, mode", [((2, 3, 5, 5), (1, 1), "reflect"), ((3, 5), (1, 1, 1, 1), "replicate"),
                                              ((5,), (1, 1), "circular"), ((2, 3, 4, 5, 6, 7), (1,) * 6, "reflect"),
                                              ((2, 2, 2, 2, 2), (1,) * 8, "replicate")])
def test_non_constant_padding_ranks_are_pytorchs(shape, pad, mode):
    ours, theirs = _pair(np.zeros(shape))
    (result, _), (expected, _) = _call(F, "pad", ours, pad, mode), _call(torch_ref.nn.functional, "pad", theirs, pad,
                                                                         mode)
    assert isinstance(expected, NotImplementedError)
    assert type(result) is NotImplementedError and str(result) == str(expected)


@pytest.mark.parametrize("shape, pad, mode", [((3, 5), (1, 2), "reflect"), ((2, 3, 4, 5), (1, 1, 2, 0), "replicate"),
                                              ((3, 4, 4, 5), (1, 1, 1, 1, 1, 1), "circular")])
def test_non_constant_padding_at_accepted_ranks_matches_pytorch(shape, pad, mode):
    ours, theirs = _pair(np.random.default_rng(3).standard_normal(shape))
    np.testing.assert_array_equal(F.pad(ours, pad, mode).numpy(force=True),
                                  torch_ref.nn.functional.pad(theirs, pad, mode).numpy())


@pytest.mark.parametrize("call, expected_error", [
    (lambda F, x: F.dropout1d(x(4, 5, 6, 7)), RuntimeError),
    (lambda F, x: F.group_norm(x(6), 2), RuntimeError),
    (lambda F, x: F.batch_norm(x(5), None, None, training=True), (ValueError, IndexError)),
    (lambda F, x: F.max_pool2d(x(4, 4), 2), (ValueError, RuntimeError)),
    (lambda F, x: F.conv2d(x(3, 4), x(2, 3, 1, 1)), (ValueError, RuntimeError)),
])
def test_ranks_pytorch_refuses_are_refused(call, expected_error):
    with pytest.raises(Exception) as theirs:
        call(torch_ref.nn.functional, torch_ref.ones)
    assert isinstance(theirs.value, expected_error)
    with pytest.raises(expected_error):
        call(F, torch.ones)
