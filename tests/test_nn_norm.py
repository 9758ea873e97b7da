"""Normalization layers and ops: gradients (float64 gradcheck), running statistics, modes, errors, reprs."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as torch
import nn
import nn.functional as F
from autograd_core.autograd import gradcheck, gradgradcheck


def rand64(*shape, requires_grad=True):
    return torch.tensor(np.random.randn(*shape), requires_grad=requires_grad)


# ----- gradients -----
@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 5), (2, 3, 3, 2)])
def test_batch_norm_training_gradcheck(shape):
    x, w, b = rand64(*shape), rand64(3), rand64(3)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (x, w, b))
    assert gradgradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (x, w, b))


def test_batch_norm_eval_gradcheck_uses_running_stats():
    x, w, b = rand64(4, 3, 2), rand64(3), rand64(3)
    rm, rv = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64), torch.tensor([2.0, 0.5, 1.5], dtype=torch.float64)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False), (x, w, b))


@pytest.mark.parametrize("normalized_shape", [(4,), (3, 4)])
def test_layer_norm_gradcheck(normalized_shape):
    x, w, b = rand64(2, 3, 4), rand64(*normalized_shape), rand64(*normalized_shape)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, normalized_shape, w, b), (x, w, b))
    assert gradgradcheck(lambda x, w, b: F.layer_norm(x, normalized_shape, w, b), (x, w, b))


# (weight, bias, which of input/weight/bias need a gradient): every combination with something to differentiate
ROW_KERNEL_CASES = [(weight, bias, needs) for weight, bias in [(True, True), (True, False), (False, False)]
                    for needs in [(True, True, True), (False, True, True), (True, False, False)]
                    if any(n for n, given in zip(needs, (True, weight, bias)) if given)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weight, bias, needs", ROW_KERNEL_CASES)
def test_layer_norm_row_kernels_match_pytorch(dtype, weight, bias, needs):
    """float32/float64 layer norm runs the "normalization" kernels: PyTorch's outputs and gradients, on a
    transposed (non-contiguous) input, for whichever inputs need them."""
    torch_ref = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((5, 3, 4, 6)).astype(dtype) * 3 + 1, rng.standard_normal((4, 6)).astype(dtype),
              rng.standard_normal((4, 6)).astype(dtype)]
    grad = rng.standard_normal((3, 5, 4, 6)).astype(dtype)
    results = []
    for lib in (torch, torch_ref):
        x, w, b = (lib.tensor(a, requires_grad=n) for a, n in zip(arrays, needs))
        y = lib.nn.functional.layer_norm(x.transpose(0, 1), (4, 6), w if weight else None, b if bias else None)
        y.backward(lib.tensor(grad))
        results.append([y] + [t.grad for t, given in zip((x, w, b), (True, weight, bias)) if given])
    tolerance = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    for ours, theirs in zip(*results):
        assert (ours is None) == (theirs is None)
        if ours is not None:
            np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), **tolerance)


def test_group_norm_gradcheck():
    x, w, b = rand64(2, 4, 3), rand64(4), rand64(4)
    assert gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), (x, w, b))
    assert gradgradcheck(lambda x: F.group_norm(x, 4), (x,))


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(2, 4), min_size=2, max_size=4), st.floats(1e-5, 1e-1))
def test_batch_norm_gradcheck_random_shapes(shape, eps):
    x = rand64(*shape)
    assert gradcheck(lambda x: F.batch_norm(x, None, None, training=True, eps=eps), (x,))


@pytest.mark.parametrize("module", [nn.BatchNorm1d(3), nn.LayerNorm(5), nn.GroupNorm(3, 3)])
def test_modules_gradcheck_all_parameters(module):
    module.double()
    x = rand64(4, 3, 5)
    params = list(module.parameters())
    assert len(params) == 2

    def run(x, *ps):
        return module(x)

    assert gradcheck(run, (x, *params))


def test_inplace_op_on_output_keeps_gradients():
    """Norm saves its input, not its output, so an in-place op on its result is allowed (as in PyTorch)."""
    x = rand64(4, 3)
    (F.batch_norm(x, None, None, training=True) + 1).pow(3).sum().backward()
    expected = x.grad.numpy(force=True).copy()
    x.grad = None
    y = F.batch_norm(x, None, None, training=True)
    y.add_(1)
    y.pow(3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(force=True), expected)


def test_second_backward_without_retain_graph_raises():
    x = rand64(4, 3)
    y = F.layer_norm(x, (3,))
    gy = torch.ones(4, 3, dtype=torch.float64)
    y.backward(gy)
    with pytest.raises(RuntimeError, match="second time"):
        y.backward(gy)


# ----- values and running statistics -----
def test_batch_norm_training_standardizes_each_channel():
    bn = nn.BatchNorm2d(3)
    y = bn(torch.tensor(np.random.randn(8, 3, 4, 4) * 5 + 2, dtype=torch.float32))
    np.testing.assert_allclose(y.numpy(force=True).mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(y.numpy(force=True).var(axis=(0, 2, 3)), 1, atol=1e-3)


def test_running_stats_use_unbiased_variance_and_momentum():
    bn = nn.BatchNorm1d(2, momentum=0.3)
    expected_mean, expected_var = np.zeros(2), np.ones(2)
    for _ in range(4):
        x = np.random.randn(6, 2, 3) * 3 + 1
        bn(torch.tensor(x, dtype=torch.float32))
        expected_mean = 0.7 * expected_mean + 0.3 * x.mean(axis=(0, 2))
        expected_var = 0.7 * expected_var + 0.3 * x.var(axis=(0, 2), ddof=1)
    np.testing.assert_allclose(bn.running_mean.numpy(force=True), expected_mean, rtol=1e-5)
    np.testing.assert_allclose(bn.running_var.numpy(force=True), expected_var, rtol=1e-5)
    assert bn.num_batches_tracked.item() == 4
    assert bn.num_batches_tracked.dtype == torch.int64


def test_momentum_none_is_cumulative_average():
    bn = nn.BatchNorm1d(3, momentum=None)
    batches = [np.random.randn(5, 3) + i for i in range(3)]
    for x in batches:
        bn(torch.tensor(x, dtype=torch.float32))
    np.testing.assert_allclose(bn.running_mean.numpy(force=True), np.mean([x.mean(axis=0) for x in batches], axis=0),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.running_var.numpy(force=True), np.mean([x.var(axis=0, ddof=1) for x in batches], axis=0),
                               rtol=1e-5)


def test_eval_mode_uses_running_stats_and_leaves_them_alone():
    bn = nn.BatchNorm1d(3)
    for _ in range(3):
        bn(torch.tensor(np.random.randn(8, 3) * 2 + 1, dtype=torch.float32))
    bn.weight.data[:] = [1.0, 2.0, 3.0]
    bn.bias.data[:] = [0.5, 0.0, -0.5]
    bn.eval()
    mean, var = bn.running_mean.numpy(force=True).copy(), bn.running_var.numpy(force=True).copy()
    x = np.random.randn(4, 3).astype(np.float32)
    y = bn(torch.tensor(x))
    expected = (x - mean) / np.sqrt(var + 1e-5) * bn.weight.numpy(force=True) + bn.bias.numpy(force=True)
    np.testing.assert_allclose(y.numpy(force=True), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(bn.running_mean.numpy(force=True), mean)
    assert bn.num_batches_tracked.item() == 3


def test_without_running_stats_eval_uses_batch_stats():
    bn = nn.BatchNorm1d(3, affine=False, track_running_stats=False).eval()
    assert bn.running_mean is None and list(bn.parameters()) == []
    y = bn(torch.tensor(np.random.randn(10, 3) * 4, dtype=torch.float32))
    np.testing.assert_allclose(y.numpy(force=True).mean(axis=0), 0, atol=1e-5)
    assert "running_mean" not in bn.state_dict()


def test_reset_running_stats_and_state_dict():
    bn = nn.BatchNorm2d(2)
    bn(torch.randn(3, 2, 2, 2) * 3 + 1)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    bn.reset_running_stats()
    np.testing.assert_array_equal(bn.running_mean.numpy(force=True), 0)
    np.testing.assert_array_equal(bn.running_var.numpy(force=True), 1)
    assert bn.num_batches_tracked.item() == 0


def test_layer_norm_normalizes_trailing_dims_and_bias_flag():
    ln = nn.LayerNorm([3, 4], bias=False)
    assert ln.bias is None and tuple(ln.weight.shape) == (3, 4)
    y = ln(torch.randn(2, 3, 4) * 3 + 5)
    np.testing.assert_allclose(y.numpy(force=True).mean(axis=(1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(y.numpy(force=True).var(axis=(1, 2)), 1, atol=1e-3)


def test_group_norm_matches_manual_computation():
    gn = nn.GroupNorm(2, 4)
    gn.weight.data[:] = [1, 2, 3, 4]
    x = np.random.randn(3, 4, 5)
    y = gn.double()(torch.tensor(x))
    g = x.reshape(3, 2, 10)
    manual = ((g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + 1e-5)).reshape(3, 4, 5)
    np.testing.assert_allclose(y.numpy(force=True), manual * np.array([1, 2, 3, 4])[:, None], rtol=1e-10)


# ----- errors and printing -----
def test_input_dim_errors():
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(torch.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(torch.randn(2, 3, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(torch.randn(1, 3))
    with pytest.raises(RuntimeError, match=r"expected running_mean of shape \[4\]"):
        F.batch_norm(torch.randn(2, 4), torch.zeros(3), torch.ones(3))


def test_shape_errors_name_the_op():
    with pytest.raises(RuntimeError, match=r"layer_norm: Given normalized_shape=\[5\].*size\[2, 4\]"):
        nn.LayerNorm(5)(torch.randn(2, 4))
    with pytest.raises(RuntimeError, match="group_norm: .*divisible by num_groups"):
        F.group_norm(torch.randn(2, 5, 3), 2)
    with pytest.raises(ValueError, match="num_channels must be divisible by num_groups"):
        nn.GroupNorm(3, 4)


def test_reprs_match_pytorch():
    assert repr(nn.BatchNorm1d(3, momentum=None)) == (
        "BatchNorm1d(3, eps=1e-05, momentum=None, affine=True, bias=True, track_running_stats=True)")
    assert repr(nn.BatchNorm2d(3, affine=False, track_running_stats=False)) == (
        "BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)")
    assert repr(nn.LayerNorm(10)) == "LayerNorm((10,), eps=1e-05, elementwise_affine=True, bias=True)"
    assert repr(nn.LayerNorm([3, 4], bias=False)) == "LayerNorm((3, 4), eps=1e-05, elementwise_affine=True, bias=False)"
    assert repr(nn.GroupNorm(2, 4)) == "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"
