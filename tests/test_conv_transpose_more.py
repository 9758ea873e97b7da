"""nn.ConvTranspose1d (and F.conv_transpose1d): parity with PyTorch, output_size, parameters, gradchecks, errors."""
import math

import numpy as np
import pytest

import autograd_core as torch
import nn
import nn.functional as F
from autograd_core.autograd import gradcheck, gradgradcheck
from test_layers_3d import assert_call_parity, assert_module_parity, rand

torch_ref = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("options", [
    dict(kernel_size=3), dict(kernel_size=4, stride=3, padding=2, output_padding=1),
    dict(kernel_size=2, stride=2, groups=2, bias=False), dict(kernel_size=3, dilation=2, padding=1, groups=4),
])
def test_conv_transpose1d_parity_with_torch(options, dtype):
    assert_module_parity(lambda lib, dt: lib.ConvTranspose1d(4, 8, dtype=dt, **options), rand(3, 4, 9), dtype)


@pytest.mark.parametrize("output_size", [(19,), (20,), [2, 8, 21]])
def test_output_size_picks_the_output_padding(output_size):
    assert_module_parity(lambda lib, dt: lib.ConvTranspose1d(4, 8, 3, stride=3, padding=1, dtype=dt), rand(2, 4, 7),
                         "float64", call=lambda module, x: module(x, output_size=output_size))


def test_unbatched_input():
    assert_module_parity(lambda lib, dt: lib.ConvTranspose1d(4, 2, 3, stride=2, dtype=dt), rand(4, 6), "float64")


def test_functional_parity_with_torch():
    assert_call_parity(lambda x, w, b: F.conv_transpose1d(x, w, b, 2, 1, 1, 1, 2),
                       lambda x, w, b: torch_ref.nn.functional.conv_transpose1d(x, w, b, 2, 1, 1, 1, 2),
                       [rand(2, 3, 6), rand(3, 5, 3, seed=1), rand(5, seed=2)], "float64")


def test_parameters_init_and_node_name():
    conv = nn.ConvTranspose1d(4, 6, 3, groups=2)
    assert tuple(conv.weight.shape) == (4, 3, 3) and tuple(conv.bias.shape) == (6,)
    bound = 1 / math.sqrt(3 * 3)  # PyTorch's fan_in of a transposed weight: its dim 1 times the kernel
    assert max(np.abs(p.numpy(force=True)).max() for p in (conv.weight, conv.bias)) <= bound
    y = conv(torch.randn(1, 4, 5, requires_grad=True))
    assert type(y.grad_fn).__name__ == "ConvolutionBackward0" and tuple(y.shape) == (1, 6, 7)


@pytest.mark.parametrize("options", [dict(), dict(stride=2, padding=1, output_padding=1), dict(groups=2, dilation=2)])
def test_gradcheck(options):
    x = torch.tensor(rand(2, 2, 5), requires_grad=True)
    w = torch.tensor(rand(2, 4 // options.get("groups", 1), 3, seed=1), requires_grad=True)
    b = torch.tensor(rand(4, seed=2), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.conv_transpose1d(x, w, b, **options), (x, w, b))
    assert gradgradcheck(lambda x, w, b: F.conv_transpose1d(x, w, b, **options), (x, w, b))


@pytest.mark.parametrize("make, words", [
    (lambda: nn.ConvTranspose1d(2, 3, 3, padding_mode="reflect"),
     'Only "zeros" padding mode is supported for ConvTranspose1d'),
    (lambda: nn.ConvTranspose1d(2, 3, 3, padding="same"), "ConvTranspose1d: padding must be an int"),
    (lambda: nn.ConvTranspose1d(2, 3, 3, stride=2)(torch.randn(1, 2, 4), output_size=(12,)),
     "ConvTranspose1d: requested an output size of (12,), but valid sizes range from 9 to 10"),
    (lambda: nn.ConvTranspose1d(2, 3, 3)(torch.randn(1, 2, 4), output_size=(1, 2)),
     "ConvTranspose1d: output_size must have 1 or 3 elements (got 2)"),
    (lambda: nn.ConvTranspose1d(2, 3, 3)(torch.randn(1, 3, 4)), "conv_transpose1d expected input (N, C_in=2, L)"),
    (lambda: F.conv_transpose1d(torch.randn(1, 2, 2), torch.randn(2, 3, 2), padding=2),
     "conv_transpose1d: the output size (-1,) computed from input (2,)"),
    (lambda: F.conv_transpose1d(torch.randn(1, 2, 2), torch.randn(2, 3, 2), stride=2, output_padding=2),
     "conv_transpose1d: output_padding (2,) must be smaller than either stride (2,) or dilation (1,)"),
])
def test_bad_input_names_the_layer_and_the_shapes(make, words):
    with pytest.raises(ValueError) as info:
        make()
    assert words in str(info.value)
