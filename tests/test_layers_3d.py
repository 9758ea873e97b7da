"""3-D layers: Conv3d, ConvTranspose3d, MaxPool3d, AvgPool3d, adaptive 3-D pools, MaxUnpool3d, LPPool3d.

Parity with PyTorch (identical weights: outputs, input and parameter gradients), float64 gradchecks,
PyTorch's node names, reprs and parameter shapes, and the errors of bad geometry.
"""
import math

import numpy as np
import pytest

import autograd_core as torch
import nn
import nn.functional as F
from autograd_core.autograd import gradcheck, gradgradcheck

torch_ref = pytest.importorskip("torch")

TOLERANCE = {"float32": 1e-5, "float64": 1e-10}


def ours_and_theirs(array, requires_grad=True):
    return (torch.tensor(array, requires_grad=requires_grad),
            torch_ref.tensor(array, requires_grad=requires_grad))


def assert_close(ours, theirs, dtype):
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(ours.numpy(force=True), theirs.detach().numpy(), rtol=tol, atol=tol)


def outputs(result):
    """The float outputs of a call (dropping the indices of ``return_indices``) and the indices, if any."""
    if isinstance(result, tuple):
        return result[0], result[1]
    return result, None


def assert_call_parity(ours_call, theirs_call, arrays, dtype, seed=0):
    """Same arrays into both calls: outputs, indices and the gradients of every array (a random-weighted sum)."""
    pairs = [ours_and_theirs(a.astype(dtype)) for a in arrays]
    (y, idx), (ty, tidx) = outputs(ours_call(*[p[0] for p in pairs])), outputs(theirs_call(*[p[1] for p in pairs]))
    assert type(y.grad_fn).__name__ == type(ty.grad_fn).__name__
    assert tuple(y.shape) == tuple(ty.shape)
    if tidx is not None:
        np.testing.assert_array_equal(idx.numpy(force=True), tidx.numpy())
    assert_close(y, ty, dtype)
    weights = np.random.default_rng(seed).standard_normal(tuple(ty.shape)).astype(dtype)
    (y * torch.tensor(weights)).sum().backward()
    (ty * torch_ref.tensor(weights)).sum().backward()
    for ours, theirs in pairs:
        assert_close(ours.grad, theirs.grad, dtype)


def copy_parameters(ours, theirs):
    for name, value in theirs.state_dict().items():
        target = ours.state_dict()[name]
        assert tuple(target.shape) == tuple(value.shape), name
        target.data[...] = value.numpy()


def assert_module_parity(make, x, dtype, call=None, seed=0):
    """``make(lib, dtype)`` builds the layer in either library; compare outputs and input/parameter gradients."""
    ours, theirs = make(nn, getattr(torch, dtype)), make(torch_ref.nn, getattr(torch_ref, dtype))
    assert repr(ours) == repr(theirs)
    copy_parameters(ours, theirs)
    call = call or (lambda module, input: module(input))
    assert_call_parity(lambda input: call(ours, input), lambda input: call(theirs, input), [x], dtype, seed)
    theirs_params = dict(theirs.named_parameters())
    ours_params = dict(ours.named_parameters())
    assert list(ours_params) == list(theirs_params)
    for name, p in theirs_params.items():
        assert_close(ours_params[name].grad, p.grad, dtype)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def f64(*shape, seed=0):
    return torch.tensor(rand(*shape, seed=seed), requires_grad=True)


# ----- Conv3d / ConvTranspose3d -----

CONV3D = [
    dict(kernel_size=3),
    dict(kernel_size=(2, 3, 1), stride=(1, 2, 2), padding=(1, 0, 1), dilation=(2, 1, 1)),
    dict(kernel_size=3, padding="same", groups=2, bias=False),
    dict(kernel_size=2, padding=1, padding_mode="circular"),
    dict(kernel_size=3, padding=(1, 2, 0), padding_mode="replicate"),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("options", CONV3D)
def test_conv3d_parity_with_torch(options, dtype):
    assert_module_parity(lambda lib, dt: lib.Conv3d(4, 6, dtype=dt, **options), rand(2, 4, 5, 6, 7), dtype)


CONV_TRANSPOSE3D = [
    dict(kernel_size=3),
    dict(kernel_size=(2, 3, 1), stride=(2, 1, 3), padding=(1, 0, 0), output_padding=(1, 0, 2)),
    dict(kernel_size=2, stride=2, groups=2, dilation=(1, 2, 1), bias=False),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("options", CONV_TRANSPOSE3D)
def test_conv_transpose3d_parity_with_torch(options, dtype):
    assert_module_parity(lambda lib, dt: lib.ConvTranspose3d(4, 6, dtype=dt, **options), rand(2, 4, 3, 4, 5), dtype)


def test_conv_transpose3d_output_size_picks_the_output_padding():
    assert_module_parity(lambda lib, dt: lib.ConvTranspose3d(2, 3, 3, stride=2, dtype=dt), rand(1, 2, 3, 3, 3),
                         "float64", call=lambda module, x: module(x, output_size=(8, 7, 8)))


def test_unbatched_3d_inputs():
    assert_module_parity(lambda lib, dt: lib.Conv3d(2, 3, 2, dtype=dt), rand(2, 4, 4, 4), "float64")
    assert_call_parity(lambda x: F.max_pool3d(x, 2), lambda x: torch_ref.nn.functional.max_pool3d(x, 2),
                       [rand(2, 4, 4, 4)], "float64")


@pytest.mark.parametrize("options", [dict(), dict(stride=(2, 1, 2), padding=1, dilation=(1, 2, 1)), dict(groups=2)])
def test_conv3d_gradcheck(options):
    x, w, b = f64(2, 2, 4, 5, 4), f64(4, 2 // options.get("groups", 1), 2, 3, 2, seed=1), f64(4, seed=2)
    assert gradcheck(lambda x, w, b: F.conv3d(x, w, b, **options), (x, w, b))


@pytest.mark.parametrize("options", [dict(), dict(stride=2, padding=1, output_padding=(1, 0, 1)), dict(groups=2)])
def test_conv_transpose3d_gradcheck(options):
    x, w, b = f64(2, 2, 3, 2, 3), f64(2, 4 // options.get("groups", 1), 2, 2, 3, seed=1), f64(4, seed=2)
    assert gradcheck(lambda x, w, b: F.conv_transpose3d(x, w, b, **options), (x, w, b))


def test_conv3d_gradgradcheck():
    x, w, b = f64(1, 2, 3, 3, 3), f64(2, 1, 2, 2, 2, seed=1), f64(2, seed=2)
    assert gradgradcheck(lambda x, w, b: F.conv3d(x, w, b, padding=1, groups=2), (x, w, b))


def test_conv3d_parameters_and_init_follow_pytorch():
    conv = nn.Conv3d(4, 6, (3, 2, 1), groups=2)
    assert tuple(conv.weight.shape) == (6, 2, 3, 2, 1) and tuple(conv.bias.shape) == (6,)
    assert tuple(nn.ConvTranspose3d(4, 6, 2, groups=2).weight.shape) == (4, 3, 2, 2, 2)
    bound = 1 / math.sqrt(2 * 3 * 2 * 1)
    for p in (conv.weight, conv.bias):
        assert np.abs(p.numpy(force=True)).max() <= bound


def test_conv3d_is_conv2d_when_the_depth_is_one():
    x, w = rand(2, 3, 1, 6, 5), rand(4, 3, 1, 3, 2, seed=1)
    y3 = F.conv3d(torch.tensor(x), torch.tensor(w), stride=(1, 2, 1), padding=(0, 1, 1))
    y2 = F.conv2d(torch.tensor(x[:, :, 0]), torch.tensor(w[:, :, 0]), stride=(2, 1), padding=1)
    np.testing.assert_allclose(y3.numpy(force=True)[:, :, 0], y2.numpy(force=True), atol=1e-12)


@pytest.mark.parametrize("call, words", [
    (lambda: F.conv3d(torch.randn(1, 2, 4, 4), torch.randn(3, 2, 2, 2, 2)),
     "conv3d expected input (N, C_in=2, D, H, W), got (1, 2, 4, 4)"),
    (lambda: F.conv3d(torch.randn(1, 2, 4, 4, 4), torch.randn(3, 2, 2, 2)),
     "conv3d expected a non-empty weight (C_out, C_in/groups, kD, kH, kW), got (3, 2, 2, 2)"),
    (lambda: F.conv3d(torch.randn(1, 2, 3, 4, 4), torch.randn(3, 2, 4, 2, 2)),
     "conv3d: the kernel (4, 2, 2) with dilation (1, 1, 1) spans (4, 2, 2), larger than the padded input (3, 4, 4)"),
    (lambda: F.conv_transpose3d(torch.randn(1, 2, 1, 3, 3), torch.randn(2, 3, 1, 2, 2), padding=(1, 0, 0)),
     "conv_transpose3d: the output size (-1, 4, 4) computed from input (1, 3, 3)"),
    (lambda: F.conv3d(torch.randn(1, 2, 4, 4, 4), torch.randn(3, 2, 2, 2, 2), stride=(1, 2)),
     "conv3d: stride must be an int or a tuple of 3 ints"),
])
def test_conv3d_bad_input_names_the_op_and_the_shapes(call, words):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert words in str(info.value)


# ----- 3-D pools -----

POOL3D = [
    ("max_pool3d", dict(kernel_size=3, stride=2, padding=1, dilation=(1, 2, 1), ceil_mode=True, return_indices=True)),
    ("max_pool3d", dict(kernel_size=(2, 3, 1), stride=(1, 3, 2))),
    ("max_pool3d_with_indices", dict(kernel_size=2)),
    ("avg_pool3d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ("avg_pool3d", dict(kernel_size=(2, 3, 2), padding=(1, 0, 1), divisor_override=5)),
    ("adaptive_avg_pool3d", dict(output_size=(3, 2, 4))),
    ("adaptive_avg_pool3d", dict(output_size=1)),
    ("adaptive_max_pool3d", dict(output_size=(4, None, 3), return_indices=True)),
    ("adaptive_max_pool3d_with_indices", dict(output_size=2)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, options", POOL3D)
def test_pool3d_parity_with_torch(name, options, dtype):
    assert_call_parity(lambda x: getattr(F, name)(x, **options),
                       lambda x: getattr(torch_ref.nn.functional, name)(x, **options), [rand(2, 3, 5, 7, 8)], dtype)


POOL3D_MODULES = [
    ("MaxPool3d", (3,), dict(stride=(1, 2, 2), padding=1)),
    ("MaxPool3d", (2,), dict(return_indices=True, ceil_mode=True)),
    ("AvgPool3d", (3,), dict(stride=2, padding=1, count_include_pad=False)),
    ("AdaptiveAvgPool3d", ((2, None, 3),), {}),
    ("AdaptiveMaxPool3d", (2,), dict(return_indices=True)),
    ("LPPool3d", (2, 2), {}),
    ("LPPool3d", (3, (2, 1, 2)), dict(stride=1, ceil_mode=True)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, args, options", POOL3D_MODULES)
def test_pool3d_modules_parity_with_torch(name, args, options, dtype):
    x = np.abs(rand(2, 3, 5, 6, 7)) + 0.1  # LPPool's fractional powers want positive windows
    assert_module_parity(lambda lib, _: getattr(lib, name)(*args, **options), x, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("size, kernel, stride, padding, output_size", [
    ((6, 8, 10), 2, None, 0, None), ((7, 7, 9), 3, 2, 1, None), ((7, 8, 9), (2, 3, 2), (2, 2, 1), (1, 1, 0), (7, 8, 9)),
    ((6, 6, 6), 3, 1, 0, None)])  # overlapping windows: a maximum met twice is placed once
def test_max_unpool3d_parity_with_torch(size, kernel, stride, padding, output_size, dtype):
    x = rand(2, 3, *size).astype(dtype)
    pooled, indices = torch_ref.nn.functional.max_pool3d(torch_ref.tensor(x), kernel, stride, padding,
                                                         return_indices=True)
    ours_indices, theirs_indices = torch.tensor(indices.numpy()), indices
    assert_call_parity(lambda v: F.max_unpool3d(v, ours_indices, kernel, stride, padding, output_size),
                       lambda v: torch_ref.nn.functional.max_unpool3d(v, theirs_indices, kernel, stride, padding,
                                                                      output_size),
                       [pooled.numpy()], dtype)


def test_max_unpool3d_module_undoes_max_pool3d():
    x = torch.tensor(rand(1, 2, 4, 4, 6))
    y, indices = nn.MaxPool3d(2, return_indices=True)(x)
    restored = nn.MaxUnpool3d(2)(y, indices)
    kept = restored.numpy(force=True) != 0
    np.testing.assert_array_equal(restored.numpy(force=True)[kept], x.numpy(force=True)[kept])
    assert kept.sum() == y.numel() and repr(nn.MaxUnpool3d(2)) == repr(torch_ref.nn.MaxUnpool3d(2))


@pytest.mark.parametrize("op", [
    lambda x: F.max_pool3d(x, 2, stride=1, padding=1),
    lambda x: F.max_pool3d(x, (2, 1, 2), dilation=(1, 1, 2)),
    lambda x: F.avg_pool3d(x, 2, stride=1, padding=1, count_include_pad=False),
    lambda x: F.adaptive_avg_pool3d(x, (2, 3, 2)),
    lambda x: F.adaptive_max_pool3d(x, (2, 3, 2)),
    lambda x: F.lp_pool3d(x, 2, 2, stride=1),
    lambda x: F.max_unpool3d(*F.max_pool3d(x, 2, return_indices=True), 2, output_size=x.shape[2:]),
])
def test_pool3d_gradcheck(op):
    x = torch.tensor(np.abs(rand(2, 2, 4, 5, 4)) + 0.5, requires_grad=True)
    assert gradcheck(op, (x,))
    assert gradgradcheck(op, (x,))


def test_max_pool3d_matches_torch_on_nan_and_minus_inf():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 2, 5, 6, 5)).astype(np.float32)
    x[rng.random(x.shape) < 0.1] = np.nan
    x[rng.random(x.shape) < 0.2] = -np.inf
    for options in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, dilation=(1, 1, 2), ceil_mode=True)):
        y, idx = F.max_pool3d(torch.tensor(x), return_indices=True, **options)
        ty, tidx = torch_ref.nn.functional.max_pool3d(torch_ref.tensor(x), return_indices=True, **options)
        np.testing.assert_array_equal(y.numpy(force=True), ty.numpy())
        np.testing.assert_array_equal(idx.numpy(force=True), tidx.numpy())


def test_pool3d_of_depth_one_is_pool2d():
    x = rand(2, 3, 1, 7, 6)
    for pool3d, pool2d in ((F.max_pool3d, F.max_pool2d), (F.avg_pool3d, F.avg_pool2d)):
        y3 = pool3d(torch.tensor(x), (1, 3, 2), (1, 2, 1), (0, 1, 1))
        y2 = pool2d(torch.tensor(x[:, :, 0]), (3, 2), (2, 1), 1)
        np.testing.assert_allclose(y3.numpy(force=True)[:, :, 0], y2.numpy(force=True), atol=1e-12)


@pytest.mark.parametrize("call, words", [
    (lambda x: F.max_pool3d(x[0, 0], 2), "max_pool3d expected input (N, C, D, H, W) or (C, D, H, W)"),
    (lambda x: F.max_pool3d(x, 6), "is too small for kernel_size (6, 6, 6)"),
    (lambda x: F.avg_pool3d(x, 3, padding=2), "padding (2, 2, 2) must be at most half of the kernel"),
    (lambda x: F.adaptive_avg_pool3d(x, (1, 2)), "output_size must be a non-negative int or a tuple of 3 of them"),
    (lambda x: F.max_unpool3d(x, torch.zeros(1, 2, 5, 5, 5, dtype=torch.int64), 2),
     "indices (1, 2, 5, 5, 5) must have the input's shape (1, 2, 5, 5, 4)"),
    (lambda x: F.max_unpool3d(x, torch.full((1, 2, 5, 5, 4), 2000, dtype=torch.int64), 2),
     "max_unpool3d: found an invalid max index (from 2000 to 2000): the output planes (10, 10, 8) hold 800"),
    (lambda x: F.max_unpool3d(x, torch.zeros(1, 2, 5, 5, 4, dtype=torch.int64), 1, padding=3),
     "max_unpool3d: the output size (-1, -1, -2) computed from input (5, 5, 4)"),
    (lambda x: F.max_unpool3d(x, torch.zeros(1, 2, 5, 5, 4, dtype=torch.int64), 2, output_size=(9, 9, 11)),
     "max_unpool3d: invalid output_size (9, 9, 11) (dim 2 must be between 6 and 10, exclusive)"),
])
def test_pool3d_bad_input_names_the_op(call, words):
    with pytest.raises(ValueError) as info:
        call(torch.randn(1, 2, 5, 5, 4))
    assert words in str(info.value)


def test_max_unpool3d_refuses_float_indices():
    with pytest.raises(TypeError, match="max_unpool3d: indices must be an int64 Tensor"):
        F.max_unpool3d(torch.randn(1, 1, 2, 2, 2), torch.zeros(1, 1, 2, 2, 2), 2)


def test_parallel_3d_kernels_agree_with_serial_ones(monkeypatch):
    """Small inputs run the serial twins; forcing the parallel ones must not change a single value."""
    from autograd_core.kernels import twin
    x, w = rand(2, 4, 5, 6, 5), rand(4, 2, 2, 3, 2, seed=1)

    def run():
        tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
        y = F.conv3d(tx, tw, padding=1, groups=2)
        pooled, indices = F.max_pool3d(y, 2, ceil_mode=True, return_indices=True)
        z = (F.max_unpool3d(pooled, indices, 2, output_size=y.shape[2:]).sum() + F.avg_pool3d(y, 3, 1, 1).sum()
             + F.adaptive_max_pool3d(y, 2).sum())
        z.backward()
        return [t.numpy(force=True).copy() for t in (y, z, tx.grad, tw.grad)]

    serial = run()
    monkeypatch.setattr(twin, "PARALLEL_MIN_WORK", 0)
    for got, expected in zip(run(), serial):
        np.testing.assert_array_equal(got, expected)
