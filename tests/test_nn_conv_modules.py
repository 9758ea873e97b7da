"""Conv and pooling modules: parameter shapes, default init, reprs, output shapes, values, gradcheck, errors."""
import math

import numpy as np
import pytest

import autograd_core as torch
import nn
from autograd_core.autograd import gradcheck


def naive_conv2d(x, w, b, stride, padding):
    """Direct loop definition of cross-correlation, the reference for Conv2d."""
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, _, h, wd = x.shape
    out_c, _, kh, kw = w.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    y = np.zeros((n, out_c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            y[:, :, i, j] = np.einsum("nchw,ochw->no", patch, w) + b
    return y


# ----- parameters and init -----
def test_parameter_shapes_follow_pytorch():
    assert tuple(nn.Conv2d(4, 6, (3, 2), groups=2).weight.shape) == (6, 2, 3, 2)
    assert tuple(nn.Conv1d(3, 5, 4).weight.shape) == (5, 3, 4)
    transposed = nn.ConvTranspose2d(4, 6, 3, groups=2)
    assert tuple(transposed.weight.shape) == (4, 3, 3, 3)
    assert tuple(transposed.bias.shape) == (6,)
    assert nn.Conv2d(1, 2, 3, bias=False).bias is None
    assert [name for name, _ in nn.Conv2d(1, 2, 3).named_parameters()] == ["weight", "bias"]


@pytest.mark.parametrize("module, fan_in", [(nn.Conv2d(8, 16, 3), 72), (nn.Conv1d(4, 4, 5), 20),
                                            (nn.ConvTranspose2d(6, 8, 2, groups=2), 16)])
def test_default_init_is_uniform_within_inverse_sqrt_fan_in(module, fan_in):
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform(a=sqrt(5)) and the bias rule give the same bound
    for p in (module.weight, module.bias):
        assert np.abs(p.numpy(force=True)).max() <= bound
    assert np.abs(module.weight.numpy(force=True)).max() > 0.8 * bound
    assert module.weight.numpy(force=True).std() == pytest.approx(bound / math.sqrt(3), rel=0.15)


def test_dtype_argument():
    assert nn.Conv2d(1, 2, 3, dtype=torch.float64).weight.dtype == torch.float64


# ----- printing -----
def test_conv_reprs_match_pytorch():
    assert repr(nn.Conv2d(1, 10, 3)) == "Conv2d(1, 10, kernel_size=(3, 3), stride=(1, 1))"
    assert repr(nn.Conv2d(2, 4, (3, 5), stride=2, padding=1, dilation=2, groups=2, bias=False)) == (
        "Conv2d(2, 4, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1), dilation=(2, 2), groups=2, bias=False)")
    assert repr(nn.Conv2d(1, 10, 3, padding="same")) == (
        "Conv2d(1, 10, kernel_size=(3, 3), stride=(1, 1), padding=same)")
    assert repr(nn.Conv1d(2, 3, 4)) == "Conv1d(2, 3, kernel_size=(4,), stride=(1,))"
    assert repr(nn.ConvTranspose2d(2, 3, 3, stride=2, output_padding=1)) == (
        "ConvTranspose2d(2, 3, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))")


def test_pool_reprs_match_pytorch():
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.MaxPool2d((2, 3), stride=1)) == (
        "MaxPool2d(kernel_size=(2, 3), stride=1, padding=0, dilation=1, ceil_mode=False)")
    assert repr(nn.AvgPool2d(3, ceil_mode=True)) == "AvgPool2d(kernel_size=3, stride=3, padding=0)"
    assert repr(nn.AdaptiveAvgPool2d((5, None))) == "AdaptiveAvgPool2d(output_size=(5, None))"
    assert repr(nn.AdaptiveMaxPool2d(3, return_indices=True)) == "AdaptiveMaxPool2d(output_size=3)"
    assert repr(nn.MaxPool1d(2)) == "MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.AvgPool1d(2)) == "AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))"


# ----- values and shapes -----
@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 1)])
def test_conv2d_matches_direct_loop(stride, padding):
    conv = nn.Conv2d(3, 4, 3, stride=stride, padding=padding).double()
    x = np.random.randn(2, 3, 6, 5)
    expected = naive_conv2d(x, conv.weight.numpy(force=True), conv.bias.numpy(force=True), stride, padding)
    np.testing.assert_allclose(conv(torch.tensor(x)).numpy(force=True), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode, numpy_mode", [("reflect", "reflect"), ("replicate", "edge"), ("circular", "wrap")])
def test_padding_modes_pad_the_input_first(mode, numpy_mode):
    conv = nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode=mode).double()
    x = np.random.randn(1, 2, 5, 6)
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (2, 2)), mode=numpy_mode)
    expected = naive_conv2d(padded, conv.weight.numpy(force=True), conv.bias.numpy(force=True), 1, 0)
    np.testing.assert_allclose(conv(torch.tensor(x)).numpy(force=True), expected, rtol=1e-10, atol=1e-12)
    assert repr(conv).endswith(f"padding=(1, 2), padding_mode={mode})")


def test_output_shapes():
    x = torch.randn(2, 3, 8, 7)
    assert tuple(nn.Conv2d(3, 5, 3, padding="same")(x).shape) == (2, 5, 8, 7)
    assert tuple(nn.Conv2d(3, 5, 3, padding="valid")(x).shape) == (2, 5, 6, 5)
    assert tuple(nn.Conv2d(3, 5, 3, stride=2, padding=1)(x).shape) == (2, 5, 4, 4)
    assert tuple(nn.Conv1d(3, 2, 3, dilation=2)(torch.randn(2, 3, 10)).shape) == (2, 2, 6)
    up = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    assert tuple(up(x).shape) == (2, 2, 15, 13)
    assert tuple(up(x, output_size=(16, 14)).shape) == (2, 2, 16, 14)
    assert tuple(up(x, output_size=[2, 2, 16, 13]).shape) == (2, 2, 16, 13)
    assert tuple(nn.MaxPool2d(2)(x).shape) == (2, 3, 4, 3)
    assert tuple(nn.MaxPool2d(2, ceil_mode=True)(x).shape) == (2, 3, 4, 4)
    assert tuple(nn.AvgPool2d(3, stride=1, padding=1)(x).shape) == (2, 3, 8, 7)
    assert tuple(nn.AdaptiveAvgPool2d((1, None))(x).shape) == (2, 3, 1, 7)
    assert tuple(nn.AdaptiveMaxPool2d(2)(x).shape) == (2, 3, 2, 2)


def test_transposed_conv_is_the_adjoint_of_conv():
    """<conv(x), y> == <x, conv_transpose(y)> with shared weights and no bias."""
    conv = nn.Conv2d(3, 4, 3, stride=2, padding=1, bias=False).double()
    up = nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1, bias=False).double()
    up.weight.data[...] = conv.weight.numpy(force=True)
    x, y = np.random.randn(1, 3, 8, 8), np.random.randn(1, 4, 4, 4)
    lhs = (conv(torch.tensor(x)).numpy(force=True) * y).sum()
    rhs = (x * up(torch.tensor(y)).numpy(force=True)).sum()
    assert lhs == pytest.approx(rhs, rel=1e-10)


def test_pool_values():
    x = np.arange(32, dtype=np.float32).reshape(1, 2, 4, 4)
    np.testing.assert_array_equal(nn.MaxPool2d(2)(torch.tensor(x)).numpy(force=True), x.reshape(1, 2, 2, 2, 2, 2).max(axis=(3, 5)))
    np.testing.assert_allclose(nn.AvgPool2d(2)(torch.tensor(x)).numpy(force=True), x.reshape(1, 2, 2, 2, 2, 2).mean(axis=(3, 5)))
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d(1)(torch.tensor(x)).numpy(force=True), x.mean(axis=(2, 3), keepdims=True))
    np.testing.assert_array_equal(nn.AdaptiveMaxPool2d((1, 1))(torch.tensor(x)).numpy(force=True), x.max(axis=(2, 3), keepdims=True))
    seq = np.arange(12, dtype=np.float32).reshape(1, 2, 6)
    np.testing.assert_array_equal(nn.MaxPool1d(3)(torch.tensor(seq)).numpy(force=True), seq.reshape(1, 2, 2, 3).max(axis=3))
    np.testing.assert_allclose(nn.AvgPool1d(2)(torch.tensor(seq)).numpy(force=True), seq.reshape(1, 2, 3, 2).mean(axis=3))


def test_unbatched_inputs():
    assert tuple(nn.Conv2d(3, 4, 3)(torch.randn(3, 5, 5)).shape) == (4, 3, 3)
    assert tuple(nn.MaxPool2d(2)(torch.randn(3, 4, 4)).shape) == (3, 2, 2)


# ----- gradients -----
@pytest.mark.parametrize("module, shape", [
    (nn.Conv2d(2, 4, 3, stride=2, padding=1, groups=2), (2, 2, 5, 4)),
    (nn.Conv1d(2, 3, 2, dilation=2), (2, 2, 6)),
    (nn.ConvTranspose2d(2, 3, 3, stride=2, output_padding=1), (1, 2, 3, 3)),
])
def test_conv_modules_gradcheck(module, shape):
    module.double()
    x = torch.tensor(np.random.randn(*shape), requires_grad=True)
    assert gradcheck(lambda x, w, b: module(x), (x, module.weight, module.bias))


@pytest.mark.parametrize("module", [nn.MaxPool2d(2, stride=1), nn.AvgPool2d(3, stride=2, padding=1),
                                    nn.AdaptiveAvgPool2d((2, 3)), nn.AdaptiveMaxPool2d(2), nn.MaxPool1d(2),
                                    nn.AvgPool1d(3, stride=1)])
def test_pool_modules_gradcheck(module):
    shape = (1, 2, 5) if isinstance(module, (nn.MaxPool1d, nn.AvgPool1d)) else (1, 2, 5, 5)
    x = torch.tensor(np.random.permutation(np.prod(shape)).reshape(shape) / 7.0, requires_grad=True)  # no ties
    assert gradcheck(lambda x: module(x), (x,))


# ----- errors -----
def test_constructor_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        nn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="Invalid padding string 'full'"):
        nn.Conv2d(1, 1, 3, padding="full")
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose2d'):
        nn.ConvTranspose2d(1, 1, 3, padding_mode="circular")
    with pytest.raises(ValueError, match="kernel_size must be an int or a tuple of 2 ints"):
        nn.Conv2d(1, 1, (3, 3, 3))


def test_transposed_output_size_out_of_range():
    up = nn.ConvTranspose2d(1, 1, 3, stride=2)
    with pytest.raises(ValueError, match="valid sizes range from 9 to 10"):
        up(torch.randn(1, 1, 4, 4), output_size=(12, 12))
