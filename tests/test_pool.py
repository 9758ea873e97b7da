"""Max, average and adaptive pooling: course values, loop references, gradchecks, torch parity."""
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

import autograd_core as torch
import nn.functional as F
from autograd_core.autograd import gradcheck, gradgradcheck

COURSE_INPUT = [[5, 1, 0, 1], [1, 6, 1, 7], [4, 1, 6, 3], [1, 8, 0, 1]]


# ----- slow, obviously-correct references (PyTorch's definitions, one plane at a time) -----

def pooled_size(size, kernel, stride, padding, dilation, ceil_mode):
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (math.ceil if ceil_mode else math.floor)(span / stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def reference_max_pool2d(x, kernel, stride, padding, dilation, ceil_mode, gy=None):
    """Maxima, flat argmax indices and, given ``gy``, the input gradient of x (P, H, W)."""
    planes, h, w = x.shape
    oh, ow = (pooled_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in zip((h, w), kernel, stride, padding, dilation))
    y, idx, gx = np.zeros((planes, oh, ow)), np.zeros((planes, oh, ow), np.int64), np.zeros(x.shape)
    for i in range(oh):
        rows = [r for r in range(i * stride[0] - padding[0], i * stride[0] - padding[0] + kernel[0] * dilation[0],
                                 dilation[0]) if 0 <= r < h]
        for j in range(ow):
            cols = [c for c in range(j * stride[1] - padding[1], j * stride[1] - padding[1] + kernel[1] * dilation[1],
                                     dilation[1]) if 0 <= c < w]
            for p in range(planes):
                window = x[p][np.ix_(rows, cols)]
                if window.size == 0:  # dilation stepped over the whole input: -inf, no index
                    y[p, i, j], idx[p, i, j] = -np.inf, -1
                    continue
                a, b = np.unravel_index(np.argmax(window), window.shape)
                y[p, i, j], idx[p, i, j] = window[a, b], rows[a] * w + cols[b]
                if gy is not None:
                    gx[p, rows[a], cols[b]] += gy[p, i, j]
    return y, idx, gx


def reference_avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override, gy):
    """Averages and the input gradient of x (P, H, W)."""
    _, h, w = x.shape
    oh, ow = (pooled_size(n, k, s, p, 1, ceil_mode) for n, k, s, p in zip((h, w), kernel, stride, padding))
    y, gx = np.zeros(x.shape[:1] + (oh, ow)), np.zeros(x.shape)
    for i in range(oh):
        h0 = i * stride[0] - padding[0]
        h1 = min(h0 + kernel[0], h + padding[0])
        for j in range(ow):
            w0 = j * stride[1] - padding[1]
            w1 = min(w0 + kernel[1], w + padding[1])
            divisor = (h1 - h0) * (w1 - w0)
            r0, r1, c0, c1 = max(h0, 0), min(h1, h), max(w0, 0), min(w1, w)
            if divisor_override:
                divisor = divisor_override
            elif not count_include_pad:
                divisor = (r1 - r0) * (c1 - c0)
            y[:, i, j] = x[:, r0:r1, c0:c1].sum((1, 2)) / divisor
            gx[:, r0:r1, c0:c1] += gy[:, i, j][:, None, None] / divisor
    return y, gx


def reference_adaptive(x, out_size, reduce):
    """``reduce`` (np.max or np.mean) over PyTorch's adaptive windows of x (P, H, W)."""
    _, h, w = x.shape
    y = np.zeros(x.shape[:1] + out_size)
    for i in range(out_size[0]):
        rows = slice(i * h // out_size[0], math.ceil((i + 1) * h / out_size[0]))
        for j in range(out_size[1]):
            cols = slice(j * w // out_size[1], math.ceil((j + 1) * w / out_size[1]))
            y[:, i, j] = reduce(x[:, rows, cols], axis=(1, 2))
    return y


def tensor(array, requires_grad=False):
    return torch.tensor(np.asarray(array), requires_grad=requires_grad)


# ----- course values -----

def course_input():
    return torch.tensor(COURSE_INPUT, dtype=torch.float32).reshape(1, 1, 4, 4).detach().requires_grad_()


def test_course_max_and_average_pooling():
    x = course_input()
    assert F.max_pool2d(x, 2, 2).tolist() == [[[[6, 7], [8, 6]]]]
    assert F.avg_pool2d(x, 2, 2).tolist() == [[[[3.25, 2.25], [3.5, 2.5]]]]


def test_course_max_pool_backward_routes_each_gradient_to_its_maximum():
    x = course_input()
    F.max_pool2d(x, 2, 2).backward(torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]]))
    assert x.grad.tolist() == [[[[0, 0, 0, 0], [0, 1, 0, 2], [0, 0, 4, 0], [0, 3, 0, 0]]]]


@pytest.mark.parametrize("size", [4, 5, 7, 8])
@pytest.mark.parametrize("kernel, padding", [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1)])  # padding <= kernel / 2
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_course_output_size_formula(size, kernel, stride, padding):
    x = torch.zeros(1, 1, size, size)
    expected = (size - kernel + 2 * padding) // stride + 1
    for pool in (F.max_pool2d, F.avg_pool2d):
        assert tuple(pool(x, kernel, stride, padding).shape) == (1, 1, expected, expected)


# ----- against the loop references over random shapes -----

@st.composite
def pool_cases(draw, dilated):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilated else (1, 1)
    limits = [((k - 1) * d + 1) // 2 if dilated else k // 2 for k, d in zip(kernel, dilation)]
    padding = tuple(draw(st.integers(0, limit)) for limit in limits)
    stride = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    size = (draw(st.integers(1, 8)), draw(st.integers(1, 8)))
    ceil_mode = draw(st.booleans())
    assume(all(pooled_size(*a, ceil_mode) >= 1 for a in zip(size, kernel, stride, padding, dilation)))
    return (draw(st.integers(1, 2)), draw(st.integers(1, 3))) + size, kernel, stride, padding, dilation, ceil_mode


@settings(max_examples=30, deadline=None)
@given(pool_cases(dilated=True))
def test_max_pool2d_matches_loop_reference(case):
    shape, kernel, stride, padding, dilation, ceil_mode = case
    rng = np.random.default_rng(len(str(case)))
    x = rng.standard_normal(shape)
    tx = tensor(x, True)
    y, idx = F.max_pool2d(tx, kernel, stride, padding, dilation, ceil_mode, return_indices=True)
    gy = rng.standard_normal(y.shape)
    y.backward(tensor(gy))
    planes = (-1,) + shape[2:]
    ref, ref_idx, gx = reference_max_pool2d(x.reshape(planes), kernel, stride, padding, dilation, ceil_mode,
                                            gy.reshape((-1,) + y.shape[2:]))
    np.testing.assert_array_equal(y.numpy(force=True), ref.reshape(y.shape))
    np.testing.assert_array_equal(idx.numpy(force=True), ref_idx.reshape(y.shape))
    np.testing.assert_allclose(tx.grad.numpy(force=True), gx.reshape(shape), atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(pool_cases(dilated=False), st.booleans(), st.sampled_from([None, 1, 3]))
def test_avg_pool2d_matches_loop_reference(case, count_include_pad, divisor_override):
    shape, kernel, stride, padding, _, ceil_mode = case
    rng = np.random.default_rng(len(str(case)))
    x = rng.standard_normal(shape)
    tx = tensor(x, True)
    y = F.avg_pool2d(tx, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    gy = rng.standard_normal(y.shape)
    y.backward(tensor(gy))
    ref, gx = reference_avg_pool2d(x.reshape((-1,) + shape[2:]), kernel, stride, padding, ceil_mode,
                                   count_include_pad, divisor_override, gy.reshape((-1,) + y.shape[2:]))
    np.testing.assert_allclose(y.numpy(force=True), ref.reshape(y.shape), atol=1e-12)
    np.testing.assert_allclose(tx.grad.numpy(force=True), gx.reshape(shape), atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.integers(1, 6), st.integers(1, 6))
def test_adaptive_pools_match_loop_reference(h, w, oh, ow):
    x = np.random.default_rng(h * 100 + w).standard_normal((2, h, w))
    np.testing.assert_allclose(F.adaptive_avg_pool2d(tensor(x), (oh, ow)).numpy(force=True),
                               reference_adaptive(x, (oh, ow), np.mean), atol=1e-12)
    np.testing.assert_array_equal(F.adaptive_max_pool2d(tensor(x), (oh, ow)).numpy(force=True),
                                  reference_adaptive(x, (oh, ow), np.max))


def test_one_dimensional_pools_are_two_dimensional_pools_of_height_one():
    x = tensor(np.random.default_rng(1).standard_normal((2, 3, 9)))
    y, idx = F.max_pool1d(x, 3, 2, 1, 2, True, return_indices=True)
    y2, idx2 = F.max_pool2d(x.unsqueeze(2), (1, 3), (1, 2), (0, 1), (1, 2), True, return_indices=True)
    np.testing.assert_array_equal(y.numpy(force=True), y2.numpy(force=True)[:, :, 0])
    np.testing.assert_array_equal(idx.numpy(force=True), idx2.numpy(force=True)[:, :, 0])
    np.testing.assert_array_equal(F.avg_pool1d(x, 2, ceil_mode=True).numpy(force=True),
                                  F.avg_pool2d(x.unsqueeze(2), (1, 2), ceil_mode=True).numpy(force=True)[:, :, 0])


# ----- gradients -----

def f64(*shape, seed=0):
    return torch.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


@pytest.mark.parametrize("op", [
    lambda x: F.max_pool2d(x, 2),
    lambda x: F.max_pool2d(x, (3, 2), stride=(2, 1), padding=1, dilation=(1, 2), ceil_mode=True),
    lambda x: F.avg_pool2d(x, 3, stride=2, padding=1),
    lambda x: F.avg_pool2d(x, 2, ceil_mode=True, count_include_pad=False),
    lambda x: F.avg_pool2d(x, 2, divisor_override=3),
    lambda x: F.adaptive_avg_pool2d(x, (2, 4)),
    lambda x: F.adaptive_max_pool2d(x, 3),
    lambda x: F.max_pool1d(x.flatten(2), 3, 2),
    lambda x: F.avg_pool1d(x.flatten(2), 3, 2, padding=1),
])
def test_pool_gradcheck(op):
    assert gradcheck(op, (f64(2, 2, 5, 5),))


@pytest.mark.parametrize("op", [lambda x: F.max_pool2d(x, 2, 1), lambda x: F.avg_pool2d(x, 3, 2, 1),
                                lambda x: F.adaptive_avg_pool2d(x, 2)])
def test_pool_gradgradcheck(op):
    assert gradgradcheck(op, (f64(1, 2, 4, 4),))


# ----- dtypes, layouts, special values -----

@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("op", [F.max_pool2d, F.avg_pool2d])
def test_dtype_is_kept(op, dtype):
    x = torch.randn(2, 3, 6, 6, dtype=dtype, requires_grad=True)
    y = op(x, 2)
    y.sum().backward()
    assert y.dtype == x.grad.dtype == dtype


def test_non_contiguous_and_unbatched_inputs():
    base = np.random.default_rng(2).standard_normal((2, 5, 6, 3))
    strided = tensor(base).permute(0, 3, 2, 1)  # (2, 3, 6, 5)
    expected = F.max_pool2d(tensor(np.ascontiguousarray(base.transpose(0, 3, 2, 1))), 2)
    np.testing.assert_array_equal(F.max_pool2d(strided, 2).numpy(force=True), expected.numpy(force=True))
    np.testing.assert_array_equal(F.avg_pool2d(strided[0], 3).numpy(force=True), F.avg_pool2d(strided, 3).numpy(force=True)[0])


def test_max_pool_propagates_nan_and_ties_go_to_the_first():
    x = tensor([[[[1.0, float("nan")], [3.0, 2.0]], [[4.0, 4.0], [4.0, 1.0]]]])
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    assert math.isnan(y.numpy(force=True)[0, 0, 0, 0]) and idx.tolist() == [[[[1]], [[0]]]]


def test_grad_fn_names_and_indices_dtype():
    x = torch.randn(1, 1, 4, 4, requires_grad=True)
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    assert (y.grad_fn.name(), idx.dtype, idx.requires_grad) == ("MaxPool2DWithIndicesBackward0", torch.int64, False)
    gx, = torch.autograd.grad(y, x, torch.ones(1, 1, 2, 2, requires_grad=True), create_graph=True)
    assert gx.grad_fn.name() == "MaxPool2DWithIndicesBackwardBackward0"
    assert F.avg_pool2d(x, 2).grad_fn.name() == "AvgPool2DBackward0"
    assert F.adaptive_avg_pool2d(x, 2).grad_fn.name() == "AdaptiveAvgPool2DBackward0"
    assert F.adaptive_max_pool2d(x, 2).grad_fn.name() == "AdaptiveMaxPool2DBackward0"


# ----- bad input -----

@pytest.mark.parametrize("call, words", [
    (lambda x: F.max_pool2d(x[0, 0], 2), "max_pool2d expected input (N, C, H, W) or (C, H, W)"),
    (lambda x: F.max_pool1d(x, 2), "max_pool1d expected input (N, C, L) or (C, L)"),
    (lambda x: F.max_pool2d(x, 3, padding=2), "padding (2, 2) must be at most half of the kernel"),
    (lambda x: F.avg_pool2d(x, 2, padding=2), "padding (2, 2) must be at most half of the kernel"),
    (lambda x: F.max_pool2d(x, 2, stride=0), "stride must be positive"),
    (lambda x: F.max_pool2d(x, 0), "kernel_size must be positive"),
    (lambda x: F.max_pool2d(x, 6), "is too small for kernel_size (6, 6)"),
    (lambda x: F.max_pool2d(x, 2, dilation=5), "is too small"),
    (lambda x: F.avg_pool2d(x, 2, divisor_override=0), "divisor_override must be a non-zero int"),
    (lambda x: F.adaptive_avg_pool2d(x, (1, 2, 3)), "output_size must be a non-negative int or a pair"),
    (lambda x: F.adaptive_max_pool2d(x, -1), "output_size must be a non-negative int or a pair"),
])
def test_bad_arguments_raise_value_error(call, words):
    with pytest.raises(ValueError) as info:
        call(torch.randn(1, 2, 5, 5))
    assert words in str(info.value)


def test_bad_types_raise_type_error():
    with pytest.raises(TypeError, match="supports float32 and float64"):
        F.max_pool2d(torch.zeros(1, 1, 4, 4, dtype=torch.int64), 2)
    with pytest.raises(TypeError, match="kernel_size must be an int or a tuple of 2 ints"):
        F.avg_pool2d(torch.zeros(1, 1, 4, 4), 2.5)


# ----- parity with PyTorch -----

PARITY_OPS = [
    ("max_pool2d", dict(kernel_size=3, stride=2, padding=1, dilation=(1, 2), ceil_mode=True, return_indices=True)),
    ("max_pool2d", dict(kernel_size=(2, 3), stride=(1, 3))),
    ("avg_pool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ("avg_pool2d", dict(kernel_size=(2, 3), padding=(1, 0), divisor_override=5)),
    ("adaptive_avg_pool2d", dict(output_size=(3, 4))),
    ("adaptive_max_pool2d", dict(output_size=(4, None), return_indices=True)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, options", PARITY_OPS)
def test_pool2d_parity_with_torch(name, options, dtype):
    ref = pytest.importorskip("torch")
    x = np.random.default_rng(3).standard_normal((2, 3, 7, 8)).astype(dtype)
    ours, theirs = tensor(x, True), ref.tensor(x, requires_grad=True)
    y, ty = getattr(F, name)(ours, **options), getattr(ref.nn.functional, name)(theirs, **options)
    if options.get("return_indices"):
        (y, idx), (ty, tidx) = y, ty
        np.testing.assert_array_equal(idx.numpy(force=True), tidx.numpy())
    gy = np.random.default_rng(4).standard_normal(y.shape).astype(dtype)
    y.backward(tensor(gy))
    ty.backward(ref.tensor(gy))
    tol = 1e-6 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(y.numpy(force=True), ty.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(ours.grad.numpy(force=True), theirs.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("name, options", [("max_pool1d", dict(kernel_size=3, stride=2, padding=1, dilation=2)),
                                           ("avg_pool1d", dict(kernel_size=4, stride=3, padding=2, ceil_mode=True))])
def test_pool1d_parity_with_torch(name, options):
    ref = pytest.importorskip("torch")
    x = np.random.default_rng(5).standard_normal((2, 3, 11))
    ours, theirs = tensor(x, True), ref.tensor(x, requires_grad=True)
    y, ty = getattr(F, name)(ours, **options), getattr(ref.nn.functional, name)(theirs, **options)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(y.numpy(force=True), ty.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.grad.numpy(force=True), theirs.grad.numpy(), atol=1e-12)


def test_max_pool2d_matches_torch_on_nan_and_minus_inf_in_random_windows():
    """Random geometries (padding, dilation, ceil_mode) over inputs full of NaN and -inf: values and indices."""
    ref = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    checked = 0
    while checked < 60:
        h, w = (int(v) for v in rng.integers(3, 9, 2))
        x = rng.standard_normal((2, 2, h, w)).astype(np.float32)
        x[rng.random(x.shape) < 0.1] = np.nan
        x[rng.random(x.shape) < 0.2] = -np.inf
        k, s, d = (int(v) for v in rng.integers(1, 4, 3))
        p = int(rng.integers(0, ((k - 1) * d + 1) // 2 + 1))
        ceil_mode = bool(rng.integers(0, 2))
        try:
            ty, tidx = ref.nn.functional.max_pool2d(ref.from_numpy(x), k, s, p, d, ceil_mode, return_indices=True)
        except RuntimeError:  # torch refuses this geometry (output too small)
            continue
        y, idx = F.max_pool2d(tensor(x), k, s, p, d, ceil_mode, return_indices=True)
        np.testing.assert_array_equal(y.numpy(force=True), ty.numpy())
        np.testing.assert_array_equal(idx.numpy(force=True), tidx.numpy())
        checked += 1


@pytest.mark.parametrize("spatial, options", [(2, dict(kernel_size=2)), (2, dict(kernel_size=3, stride=2, padding=1)),
                                             (3, dict(kernel_size=(1, 2, 3), stride=(1, 2, 2), padding=(0, 1, 1)))])
def test_max_pool_matches_torch_on_relu_outputs(spatial, options):
    """Rows of many windows (the vectorised interior and the checked border) over ReLU outputs full of ties."""
    ref = pytest.importorskip("torch")
    x = np.maximum(np.random.default_rng(13).standard_normal((3, 4) + (6, 20, 29)[-spatial:]), 0).astype(np.float32)
    name = f"max_pool{spatial}d"
    y, idx = getattr(F, name)(tensor(x), return_indices=True, **options)
    ty, tidx = getattr(ref.nn.functional, name)(ref.from_numpy(x), return_indices=True, **options)
    np.testing.assert_array_equal(y.numpy(force=True), ty.numpy())
    np.testing.assert_array_equal(idx.numpy(force=True), tidx.numpy())
    assert idx.dtype == torch.int64


def test_parallel_kernels_agree_with_serial_ones(monkeypatch):
    """Small inputs run the serial twins; forcing the parallel ones must not change a single value."""
    from autograd_core.kernels import twin
    rng = np.random.default_rng(12)
    x = rng.standard_normal((3, 4, 9, 8))
    w = rng.standard_normal((6, 2, 3, 3))

    def run():
        tx, tw = tensor(x, True), tensor(w, True)
        y = F.conv2d(tx, tw, stride=2, padding=1, groups=2)
        z = F.max_pool2d(y, 2, ceil_mode=True) + F.avg_pool2d(y, 3, 1, 1).sum() + F.adaptive_max_pool2d(y, 2).sum()
        z.sum().backward()
        return [t.copy() for t in (y.numpy(force=True), z.numpy(force=True), tx.grad.numpy(force=True), tw.grad.numpy(force=True))]

    serial = run()
    monkeypatch.setattr(twin, "PARALLEL_MIN_WORK", 0)
    for got, expected in zip(run(), serial):
        np.testing.assert_array_equal(got, expected)
