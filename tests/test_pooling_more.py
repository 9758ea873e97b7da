"""1-D and 2-D pooling beyond the basics: adaptive 1-D pools, the *_with_indices functions, max unpooling and
power-average (LP) pooling; parity with PyTorch, gradchecks, node names and errors."""
import numpy as np
import pytest

import autograd_core as torch
import nn
import nn.functional as F
from autograd_core.autograd import gradcheck, gradgradcheck
from test_layers_3d import assert_call_parity, assert_module_parity, rand

torch_ref = pytest.importorskip("torch")
TF = torch_ref.nn.functional


# ----- adaptive 1-D pools -----

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, options", [
    ("adaptive_avg_pool1d", dict(output_size=4)), ("adaptive_avg_pool1d", dict(output_size=1)),
    ("adaptive_avg_pool1d", dict(output_size=(13,))), ("adaptive_max_pool1d", dict(output_size=5)),
    ("adaptive_max_pool1d", dict(output_size=3, return_indices=True)),
    ("adaptive_max_pool1d_with_indices", dict(output_size=4)),
    ("adaptive_max_pool2d_with_indices", dict(output_size=(3, None))),
])
def test_adaptive_pools_parity_with_torch(name, options, dtype):
    shape = (2, 3, 6, 11) if "2d" in name else (2, 3, 11)
    assert_call_parity(lambda x: getattr(F, name)(x, **options), lambda x: getattr(TF, name)(x, **options),
                       [rand(*shape)], dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, args", [("AdaptiveAvgPool1d", (4,)), ("AdaptiveMaxPool1d", (3,)),
                                        ("AdaptiveMaxPool1d", (5, True))])
def test_adaptive_1d_modules_parity_with_torch(name, args, dtype):
    assert_module_parity(lambda lib, _: getattr(lib, name)(*args), rand(2, 3, 10), dtype)


def test_unbatched_adaptive_1d_input():
    assert_call_parity(lambda x: F.adaptive_max_pool1d(x, 3), lambda x: TF.adaptive_max_pool1d(x, 3),
                       [rand(3, 10)], "float64")


# ----- the *_with_indices functions -----

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, options", [
    ("max_pool1d_with_indices", dict(kernel_size=3, stride=2, padding=1)),
    ("max_pool2d_with_indices", dict(kernel_size=(2, 3), stride=1, dilation=(2, 1), ceil_mode=True)),
])
def test_with_indices_functions_parity_with_torch(name, options, dtype):
    shape = (2, 3, 7, 8) if "2d" in name else (2, 3, 9)
    assert_call_parity(lambda x: getattr(F, name)(x, **options), lambda x: getattr(TF, name)(x, **options),
                       [rand(*shape)], dtype)


@pytest.mark.parametrize("call", [
    lambda x: F.max_pool1d_with_indices(x[0], 2), lambda x: F.max_pool2d_with_indices(x, 2),
    lambda x: F.max_pool3d_with_indices(x.unsqueeze(0), 2), lambda x: F.adaptive_max_pool1d_with_indices(x[0], 2),
    lambda x: F.adaptive_max_pool2d_with_indices(x, 2), lambda x: F.adaptive_max_pool3d_with_indices(x, 1),
    lambda x: torch.max_pool1d_with_indices(x[0], 2),
])
def test_with_indices_functions_always_return_indices(call):
    result = call(torch.randn(2, 2, 4, 4))
    assert isinstance(result, tuple) and len(result) == 2 and result[1].dtype == torch.int64


# ----- max unpooling -----

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("spatial, size, kernel, stride, padding, output_size", [
    (1, (10,), 2, None, 0, None), (1, (11,), 3, 2, 1, (11,)), (1, (9,), 3, 1, 0, None),
    (2, (6, 8), 2, None, 0, None), (2, (7, 9), (2, 3), (2, 2), (1, 1), (2, 3, 7, 9)), (2, (6, 6), 3, 1, 1, None),
])
def test_max_unpool_parity_with_torch(spatial, size, kernel, stride, padding, output_size, dtype):
    x = rand(2, 3, *size).astype(dtype)
    pool, unpool = f"max_pool{spatial}d", f"max_unpool{spatial}d"
    pooled, indices = getattr(TF, pool)(torch_ref.tensor(x), kernel, stride, padding, return_indices=True)
    ours_indices = torch.tensor(indices.numpy())
    assert_call_parity(lambda v: getattr(F, unpool)(v, ours_indices, kernel, stride, padding, output_size),
                       lambda v: getattr(TF, unpool)(v, indices, kernel, stride, padding, output_size),
                       [pooled.numpy()], dtype)


@pytest.mark.parametrize("spatial", [1, 2])
def test_max_unpool_modules_parity_with_torch(spatial):
    x = rand(2, 3, *(8,) * spatial)
    pooled, indices = getattr(TF, f"max_pool{spatial}d")(torch_ref.tensor(x), 2, return_indices=True)
    ours_indices = torch.tensor(indices.numpy())
    name = f"MaxUnpool{spatial}d"
    ours, theirs = getattr(nn, name)(2), getattr(torch_ref.nn, name)(2)
    assert repr(ours) == repr(theirs)
    assert_call_parity(lambda v: ours(v, ours_indices, output_size=x.shape), lambda v: theirs(v, indices, x.shape),
                       [pooled.numpy()], "float64")


def test_max_pool2d_and_max_unpool2d_round_trip():
    x = torch.tensor(rand(1, 2, 6, 6))
    y, indices = nn.MaxPool2d(2, return_indices=True)(x)
    restored = nn.MaxUnpool2d(2)(y, indices).numpy(force=True)
    kept = restored != 0
    np.testing.assert_array_equal(restored[kept], x.numpy(force=True)[kept])
    assert kept.sum() == 18


@pytest.mark.parametrize("op", [
    lambda x: F.max_unpool1d(*F.max_pool1d(x[0], 2, return_indices=True), 2),
    lambda x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2),
    lambda x: F.max_unpool2d(*F.max_pool2d(x, 3, 3, 1, return_indices=True), 3, 3, 1, output_size=x.shape),
    lambda x: F.adaptive_avg_pool1d(x[0], 3), lambda x: F.adaptive_max_pool1d(x[0], 3),
    lambda x: F.lp_pool1d(x[0], 2, 2), lambda x: F.lp_pool2d(x, 3, (2, 1), stride=1),
    lambda x: F.lp_pool2d(x, 1, 2, ceil_mode=True),
])
def test_gradcheck(op):
    x = torch.tensor(np.abs(rand(2, 2, 6, 6)) + 0.5, requires_grad=True)
    assert gradcheck(op, (x,))
    assert gradgradcheck(op, (x,))


@pytest.mark.parametrize("call, error, words", [
    (lambda x, i: F.max_unpool2d(x, i.float(), 2), TypeError, "max_unpool2d: indices must be an int64 Tensor"),
    (lambda x, i: F.max_unpool2d(x, i[..., :1], 2), ValueError,
     "max_unpool2d: indices (1, 2, 3, 1) must have the input's shape (1, 2, 3, 3)"),
    (lambda x, i: F.max_unpool2d(x, i + 36, 2), ValueError, "max_unpool2d: found an invalid max index"),
    (lambda x, i: F.max_unpool2d(x, i, 2, output_size=(5, 6, 7)), ValueError,
     "max_unpool2d: output_size should be a sequence containing 2 or 4 elements, but it has a length of '3'"),
    (lambda x, i: F.max_unpool1d(x[0, 0], i[0, 0], 2, output_size=(8,)), ValueError,
     "max_unpool1d: invalid output_size (8,) (dim 0 must be between 4 and 8, exclusive)"),
    (lambda x, i: F.max_unpool2d(x[0, 0, 0], i[0, 0, 0], 2), ValueError,
     "max_unpool2d expected input (N, C, H, W) or (C, H, W)"),
    (lambda x, i: F.adaptive_avg_pool1d(x[0], (2, 2)), ValueError,
     "adaptive_avg_pool1d: output_size must be a non-negative int or a tuple of 1 of them"),
    (lambda x, i: F.adaptive_max_pool1d(x, 2), ValueError, "adaptive_max_pool1d expected input (N, C, L) or (C, L)"),
    (lambda x, i: F.lp_pool2d(x, 0, 2), ValueError, "lp_pool2d: norm_type must be a non-zero number"),
    (lambda x, i: F.lp_pool1d(x[0], 2, (2, 2)), ValueError, "lp_pool1d: kernel_size must be an int or a tuple of 1"),
    (lambda x, i: F.lp_pool2d(x, 2, 4), ValueError, "avg_pool2d: input (1, 2, 3, 3) is too small"),
])
def test_bad_input_names_the_op(call, error, words):
    x, indices = F.max_pool2d(torch.randn(1, 2, 6, 6), 2, return_indices=True)
    with pytest.raises(error) as info:
        call(x, indices)
    assert words in str(info.value)


# ----- power-average pooling -----

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, args, options", [
    ("lp_pool1d", (2, 3), dict()), ("lp_pool1d", (1.5, 2), dict(stride=1, ceil_mode=True)),
    ("lp_pool2d", (2, 2), dict()), ("lp_pool2d", (3, (2, 3)), dict(stride=(1, 2), ceil_mode=True)),
    ("lp_pool2d", (1, 3), dict(stride=2)),
])
def test_lp_pool_parity_with_torch(name, args, options, dtype):
    shape = (2, 3, 7, 8) if "2d" in name else (2, 3, 9)
    x = np.abs(rand(*shape)) + 0.1
    assert_call_parity(lambda v: getattr(F, name)(v, *args, **options),
                       lambda v: getattr(TF, name)(v, *args, **options), [x], dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, args, options", [
    ("LPPool1d", (2, 3), dict(stride=2)), ("LPPool2d", (2, 2), dict()), ("LPPool2d", (1, (3, 2)), dict(ceil_mode=True)),
])
def test_lp_pool_modules_parity_with_torch(name, args, options, dtype):
    shape = (2, 3, 7, 8) if "2d" in name else (2, 3, 9)
    assert_module_parity(lambda lib, _: getattr(lib, name)(*args, **options), np.abs(rand(*shape)) + 0.1, dtype)


def test_lp_pool_of_signed_input_matches_torch():
    """Odd powers of negative windows: PyTorch's sign * relu(abs) keeps negative sums at zero."""
    x = rand(2, 2, 6, 6)
    assert_call_parity(lambda v: F.lp_pool2d(v, 3, 2), lambda v: TF.lp_pool2d(v, 3, 2), [x], "float64")
