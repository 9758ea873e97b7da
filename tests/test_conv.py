"""conv1d / conv2d / conv_transpose1d / conv_transpose2d: course values, a loop reference, gradchecks, torch parity."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as torch
import nn.functional as F
from autograd_core.autograd import gradcheck, gradgradcheck

COURSE_INPUT = [[5, 1, 0, 1, 9], [1, 6, 1, 7, 0], [4, 1, 6, 3, 5], [1, 8, 0, 1, 0], [2, 2, 8, 0, 4]]
COURSE_FILTER = [[2, 0, -2], [0, 2, 0], [-2, 0, 2]]


# ----- a slow, obviously-correct reference -----

def reference_conv2d(x, w, stride, pad_before, pad_after, dilation, groups, gy=None):
    """Loop convolution of x (N, C, H, W) with w (O, C/G, KH, KW); with ``gy`` also returns (gx, gw)."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    og = o // groups
    xp = np.zeros((n, c, h + pad_before[0] + pad_after[0], wd + pad_before[1] + pad_after[1]))
    xp[:, :, pad_before[0]:pad_before[0] + h, pad_before[1]:pad_before[1] + wd] = x
    oh = (xp.shape[2] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (xp.shape[3] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    y = np.zeros((n, o, oh, ow))
    gxp, gw = np.zeros_like(xp), np.zeros(w.shape)
    for g in range(groups):
        cs, os_ = slice(g * cg, (g + 1) * cg), slice(g * og, (g + 1) * og)
        for i in range(oh):
            for j in range(ow):
                for a in range(kh):
                    for b in range(kw):
                        r, s = i * stride[0] + a * dilation[0], j * stride[1] + b * dilation[1]
                        y[:, os_, i, j] += xp[:, cs, r, s] @ w[os_, :, a, b].T
                        if gy is not None:
                            gxp[:, cs, r, s] += gy[:, os_, i, j] @ w[os_, :, a, b]
                            gw[os_, :, a, b] += gy[:, os_, i, j].T @ xp[:, cs, r, s]
    if gy is None:
        return y
    return y, gxp[:, :, pad_before[0]:pad_before[0] + h, pad_before[1]:pad_before[1] + wd], gw


def reference_conv_transpose2d(x, w, stride, padding, output_padding, dilation, groups):
    """Loop transposed convolution: every input pixel scatters ``x * w`` onto the (cropped) output."""
    n, ci, h, wd = x.shape
    _, cog, kh, kw = w.shape
    cig = ci // groups
    full = np.zeros((n, cog * groups, (h - 1) * stride[0] + dilation[0] * (kh - 1) + 1 + output_padding[0],
                     (wd - 1) * stride[1] + dilation[1] * (kw - 1) + 1 + output_padding[1]))
    for g in range(groups):
        cis, cos = slice(g * cig, (g + 1) * cig), slice(g * cog, (g + 1) * cog)
        for i in range(h):
            for j in range(wd):
                for a in range(kh):
                    for b in range(kw):
                        full[:, cos, i * stride[0] + a * dilation[0], j * stride[1] + b * dilation[1]] += \
                            x[:, cis, i, j] @ w[cis, :, a, b]
    return full[:, :, padding[0]:full.shape[2] - padding[0], padding[1]:full.shape[3] - padding[1]]


def tensor(array, requires_grad=False):
    return torch.tensor(np.asarray(array), requires_grad=requires_grad)


# ----- course values -----

def course_operands():
    x = torch.tensor(COURSE_INPUT, dtype=torch.float32).reshape(1, 1, 5, 5)
    w = torch.tensor(COURSE_FILTER, dtype=torch.float32).reshape(1, 1, 3, 3)
    return x, w


def test_course_convolution_values():
    x, w = course_operands()
    assert F.conv2d(x, w).tolist() == [[[[26, 6, -6], [0, -4, 8], [24, -8, -4]]]]
    assert F.conv2d(x, w, stride=2).tolist() == [[[[26, -6], [24, -4]]]]


@pytest.mark.parametrize("size", [5, 7, 8])
@pytest.mark.parametrize("kernel", [1, 2, 3])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", [0, 1, 2])
def test_course_output_size_formula(size, kernel, stride, padding):
    y = F.conv2d(torch.zeros(1, 1, size, size), torch.zeros(1, 1, kernel, kernel), stride=stride, padding=padding)
    expected = (size - kernel + 2 * padding) // stride + 1
    assert tuple(y.shape) == (1, 1, expected, expected)


# ----- against the loop reference over random shapes -----

@st.composite
def conv_cases(draw):
    groups = draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    h = draw(st.integers(max(1, dilation[0] * (kh - 1) + 1 - 2 * padding[0]), 7))
    w = draw(st.integers(max(1, dilation[1] * (kw - 1) + 1 - 2 * padding[1]), 7))
    shape = (draw(st.integers(1, 2)), groups * draw(st.integers(1, 2)), h, w)
    weight = (groups * draw(st.integers(1, 3)), shape[1] // groups, kh, kw)
    return shape, weight, stride, padding, dilation, groups


@settings(max_examples=30, deadline=None)
@given(conv_cases())
def test_conv2d_matches_loop_reference(case):
    shape, wshape, stride, padding, dilation, groups = case
    rng = np.random.default_rng(len(str(case)))
    x, w, b = rng.standard_normal(shape), rng.standard_normal(wshape), rng.standard_normal(wshape[0])
    tx, tw, tb = tensor(x, True), tensor(w, True), tensor(b, True)
    y = F.conv2d(tx, tw, tb, stride=stride, padding=padding, dilation=dilation, groups=groups)
    gy = rng.standard_normal(y.shape)
    ref, gx, gw = reference_conv2d(x, w, stride, padding, padding, dilation, groups, gy)
    np.testing.assert_allclose(y.numpy(force=True), ref + b[:, None, None], atol=1e-12)
    y.backward(tensor(gy))
    np.testing.assert_allclose(tx.grad.numpy(force=True), gx, atol=1e-12)
    np.testing.assert_allclose(tw.grad.numpy(force=True), gw, atol=1e-12)
    np.testing.assert_allclose(tb.grad.numpy(force=True), gy.sum((0, 2, 3)), atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(conv_cases(), st.data())
def test_conv_transpose2d_matches_loop_reference(case, data):
    shape, wshape, stride, padding, dilation, groups = case
    extra = tuple(data.draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    padding = tuple(min(p, (n - 1) * s // 2) for p, n, s in zip(padding, shape[2:], stride))
    rng = np.random.default_rng(len(str(case)))
    x, w = rng.standard_normal(shape), rng.standard_normal((shape[1], wshape[0] // groups) + wshape[2:])
    y = F.conv_transpose2d(tensor(x), tensor(w), stride=stride, padding=padding, output_padding=extra,
                           groups=groups, dilation=dilation)
    ref = reference_conv_transpose2d(x, w, stride, padding, extra, dilation, groups)
    np.testing.assert_allclose(y.numpy(force=True), ref, atol=1e-12)


def test_conv1d_is_conv2d_of_height_one():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 4, 11)), rng.standard_normal((6, 2, 3))
    y = F.conv1d(tensor(x), tensor(w), stride=2, padding=1, dilation=2, groups=2)
    ref = reference_conv2d(x[:, :, None], w[:, :, None], (1, 2), (0, 1), (0, 1), (1, 2), 2)[:, :, 0]
    np.testing.assert_allclose(y.numpy(force=True), ref, atol=1e-12)


def test_conv_transpose2d_is_the_adjoint_of_conv2d():
    rng = np.random.default_rng(2)
    x, w = tensor(rng.standard_normal((2, 4, 9, 8))), tensor(rng.standard_normal((6, 2, 3, 2)))
    y = F.conv2d(x, w, stride=2, padding=1, dilation=(1, 2), groups=2)
    v = tensor(rng.standard_normal(y.shape))
    back = F.conv_transpose2d(v, w, stride=2, padding=1, output_padding=(0, 1), groups=2, dilation=(1, 2))
    assert back.shape == x.shape
    assert np.isclose((y * v).sum().item(), (x * back).sum().item())


# ----- gradients -----

def f64(*shape, seed=0):
    return torch.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


@pytest.mark.parametrize("options", [dict(), dict(stride=2, padding=1), dict(dilation=2, padding=(2, 0)),
                                     dict(groups=2, stride=(1, 2)), dict(padding="same")])
def test_conv2d_gradcheck(options):
    x, w, b = f64(2, 2, 6, 5), f64(4, 2 // options.get("groups", 1), 3, 2, seed=1), f64(4, seed=2)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, **options), (x, w, b))


def test_conv2d_gradgradcheck():
    x, w, b = f64(1, 2, 5, 4), f64(2, 1, 2, 3, seed=1), f64(2, seed=2)
    assert gradgradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, groups=2), (x, w, b))


def test_second_derivative_through_the_bias_gradient_alone():
    x, w, b = f64(2, 2, 4, 4), f64(3, 2, 2, 2, seed=1), f64(3, seed=2)
    gy = f64(2, 3, 3, 3, seed=3)
    gb, = torch.autograd.grad(F.conv2d(x, w, b), b, gy, create_graph=True)
    (gb ** 2).sum().backward()
    np.testing.assert_allclose(gy.grad.numpy(force=True), np.broadcast_to(2 * gb.numpy(force=True)[None, :, None, None], gy.shape))
    assert x.grad is None and w.grad is None


@pytest.mark.parametrize("options", [dict(), dict(stride=2, padding=1, output_padding=1),
                                     dict(groups=2, dilation=2, stride=(2, 1), output_padding=(1, 0))])
def test_conv_transpose2d_gradcheck(options):
    x, w, b = f64(2, 2, 3, 4), f64(2, 3, 2, 3, seed=1), f64(3 * options.get("groups", 1), seed=2)
    assert gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, **options), (x, w, b))


def test_conv_transpose2d_gradgradcheck():
    x, w = f64(1, 2, 3, 3), f64(2, 2, 2, 2, seed=1)
    assert gradgradcheck(lambda x, w: F.conv_transpose2d(x, w, stride=2), (x, w))


def test_conv1d_and_conv_transpose1d_gradcheck():
    x, w, b = f64(2, 2, 7), f64(3, 2, 3, seed=1), f64(3, seed=2)
    assert gradcheck(lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2), (x, w, b))
    x2, w2 = f64(2, 3, 4, seed=3), f64(3, 2, 3, seed=4)
    assert gradcheck(lambda x, w: F.conv_transpose1d(x, w, stride=2, output_padding=1), (x2, w2))


# ----- dtypes, layouts, shapes -----

@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_dtype_is_kept_end_to_end(dtype):
    x = torch.randn(2, 3, 6, 6, dtype=dtype, requires_grad=True)
    w = torch.randn(4, 3, 3, 3, dtype=dtype, requires_grad=True)
    b = torch.randn(4, dtype=dtype, requires_grad=True)
    y = F.conv2d(x, w, b, padding=1)
    y.sum().backward()
    assert {y.dtype, x.grad.dtype, w.grad.dtype, b.grad.dtype} == {dtype}


def test_non_contiguous_and_broadcast_inputs():
    rng = np.random.default_rng(3)
    base, w = rng.standard_normal((2, 6, 5, 3)), rng.standard_normal((4, 3, 2, 2))
    strided = tensor(base).permute(0, 3, 2, 1)  # (2, 3, 5, 6), not contiguous
    expected = reference_conv2d(base.transpose(0, 3, 2, 1), w, (1, 1), (1, 1), (1, 1), (1, 1), 1)
    np.testing.assert_allclose(F.conv2d(strided, tensor(w), padding=1).numpy(force=True), expected, atol=1e-12)
    row = tensor(rng.standard_normal((1, 3, 1, 6))).expand(2, 3, 5, 6)  # zero strides
    expected = reference_conv2d(np.broadcast_to(row.numpy(force=True), (2, 3, 5, 6)), w, (1, 1), (0, 0), (0, 0), (1, 1), 1)
    np.testing.assert_allclose(F.conv2d(row, tensor(w)).numpy(force=True), expected, atol=1e-12)


def test_unbatched_input():
    x, w = torch.randn(3, 6, 6), torch.randn(2, 3, 3, 3)
    np.testing.assert_allclose(F.conv2d(x, w).numpy(force=True), F.conv2d(x.unsqueeze(0), w).numpy(force=True)[0])


def test_empty_batch():
    x, w = torch.randn(0, 3, 5, 5, requires_grad=True), torch.randn(2, 3, 3, 3, requires_grad=True)
    y = F.conv2d(x, w)
    y.sum().backward()
    assert tuple(y.shape) == (0, 2, 3, 3) and tuple(x.grad.shape) == (0, 3, 5, 5) and w.grad.abs().sum().item() == 0
    assert tuple(F.conv_transpose2d(torch.randn(0, 2, 3, 3), w).shape) == (0, 3, 5, 5)


def test_pointwise_convolution_with_groups():
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((2, 4, 3, 5)), rng.standard_normal((6, 2, 1, 1))
    tx, tw = tensor(x, True), tensor(w, True)
    y = F.conv2d(tx, tw, groups=2)
    gy = rng.standard_normal(y.shape)
    ref, gx, gw = reference_conv2d(x, w, (1, 1), (0, 0), (0, 0), (1, 1), 2, gy)
    y.backward(tensor(gy))
    np.testing.assert_allclose(y.numpy(force=True), ref, atol=1e-12)
    np.testing.assert_allclose(tx.grad.numpy(force=True), gx, atol=1e-12)
    np.testing.assert_allclose(tw.grad.numpy(force=True), gw, atol=1e-12)


def test_large_batch_is_processed_in_chunks(monkeypatch):
    from autograd_core.kernels import conv as conv_kernels
    monkeypatch.setattr(conv_kernels, "PER_IMAGE_BELOW", 0)  # the whole-batch path, which chunks
    monkeypatch.setattr(conv_kernels, "COLUMN_BUDGET", 500)  # forces one image per chunk
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((3, 2, 6, 6)), rng.standard_normal((3, 2, 3, 3))
    tx, tw = tensor(x, True), tensor(w, True)
    y = F.conv2d(tx, tw, padding=1)
    gy = rng.standard_normal(y.shape)
    y.backward(tensor(gy))
    ref, gx, gw = reference_conv2d(x, w, (1, 1), (1, 1), (1, 1), (1, 1), 1, gy)
    np.testing.assert_allclose(y.numpy(force=True), ref, atol=1e-12)
    np.testing.assert_allclose(tx.grad.numpy(force=True), gx, atol=1e-12)
    np.testing.assert_allclose(tw.grad.numpy(force=True), gw, atol=1e-12)


CONV_PATHS = {"per image": 1 << 62, "whole batch": 0}  # kernels.conv.PER_IMAGE_BELOW forcing each path


@pytest.mark.parametrize("path", CONV_PATHS)
@pytest.mark.parametrize("groups, bias", [(1, True), (2, False)])
def test_batch_shared_out_among_threads_gives_the_loop_reference(monkeypatch, groups, bias, path):
    from autograd_core.kernels import batch_threads, conv as conv_kernels
    monkeypatch.setattr(conv_kernels, "PER_IMAGE_BELOW", CONV_PATHS[path])
    monkeypatch.setattr(batch_threads, "SPLIT_FROM", 0)  # every batch of two or more images is split
    monkeypatch.setattr(batch_threads, "_thread_limit", lambda: 3)  # three uneven slices of five images
    rng = np.random.default_rng(9)
    x, w = rng.standard_normal((5, 4, 7, 6)), rng.standard_normal((6, 4 // groups, 3, 2))
    b = rng.standard_normal(6) if bias else None
    tx, tw = tensor(x, True), tensor(w, True)
    tb = tensor(b, True) if bias else None
    y = F.conv2d(tx, tw, tb, padding=1, groups=groups)
    gy = rng.standard_normal(y.shape)
    gx_graph, = torch.autograd.grad(y, tx, tensor(gy), retain_graph=True)  # input gradient alone
    y.backward(tensor(gy))
    ref, gx, gw = reference_conv2d(x, w, (1, 1), (1, 1), (1, 1), (1, 1), groups, gy)
    if bias:
        ref = ref + b[:, None, None]
        np.testing.assert_allclose(tb.grad.numpy(force=True), gy.sum(axis=(0, 2, 3)), atol=1e-12)
    np.testing.assert_allclose(y.numpy(force=True), ref, atol=1e-12)
    np.testing.assert_allclose(tx.grad.numpy(force=True), gx, atol=1e-12)
    np.testing.assert_allclose(gx_graph.numpy(force=True), gx, atol=1e-12)
    np.testing.assert_allclose(tw.grad.numpy(force=True), gw, atol=1e-12)
    gw_rebuilt, = torch.autograd.grad(F.conv2d(tx.detach(), tw, padding=1, groups=groups), tw, tensor(gy))
    np.testing.assert_allclose(gw_rebuilt.numpy(force=True), gw, atol=1e-12)  # columns rebuilt per slice


@pytest.mark.parametrize("path", CONV_PATHS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("stride, padding, dilation, groups", [
    ((1, 1), (0, 0), (1, 1), 1), ((2, 1), (1, 2), (1, 1), 1), ((1, 2), (2, 1), (2, 1), 3), ((3, 2), (0, 1), (1, 2), 1)])
def test_per_image_and_whole_batch_kernels_give_the_loop_reference(monkeypatch, path, dtype, stride, padding,
                                                                    dilation, groups):
    """Both ways of running a convolution (small ones image by image, large ones over the whole batch) give the
    loop reference's output and gradients, with and without a bias."""
    from autograd_core.kernels import conv as conv_kernels
    monkeypatch.setattr(conv_kernels, "PER_IMAGE_BELOW", CONV_PATHS[path])
    rng = np.random.default_rng(11)
    x, w, b = rng.standard_normal((3, 6, 9, 8)), rng.standard_normal((6, 6 // groups, 3, 2)), rng.standard_normal(6)
    tx, tw, tb = (torch.tensor(v.astype(dtype), requires_grad=True) for v in (x, w, b))
    y = F.conv2d(tx, tw, tb, stride=stride, padding=padding, dilation=dilation, groups=groups)
    gy = rng.standard_normal(tuple(y.shape))
    y.backward(torch.tensor(gy.astype(dtype)))
    ref, gx, gw = reference_conv2d(x, w, stride, padding, padding, dilation, groups, gy)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y.numpy(force=True), ref + b[:, None, None], **tol)
    np.testing.assert_allclose(tx.grad.numpy(force=True), gx, **tol)
    np.testing.assert_allclose(tw.grad.numpy(force=True), gw, **tol)
    np.testing.assert_allclose(tb.grad.numpy(force=True), gy.sum(axis=(0, 2, 3)), **tol)


def test_per_image_kernels_are_found_in_the_disk_cache_by_a_new_process():
    """A second process loads the per-image kernels compiled by the first instead of compiling them again."""
    import subprocess
    import sys
    script = (
        "import autograd_core as torch, nn.functional as F\n"
        "from autograd_core.kernels import per_image\n"
        "x, w = torch.randn(2, 3, 8, 8, requires_grad=True), torch.randn(4, 3, 3, 3, requires_grad=True)\n"
        "F.conv2d(x, w, padding=1).sum().backward()\n"
        "kernels = per_image.image_kernels(1, 1, 1, 1, 1, 1)\n"
        "print(sum(sum(k.stats.cache_hits.values()) for k in kernels), "
        "sum(sum(k.stats.cache_misses.values()) for k in kernels))\n")
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
            for _ in range(2)]
    hits, misses = map(int, runs[1].stdout.split())
    assert (hits, misses) == (3, 0), runs[1].stdout + runs[1].stderr


def test_padding_strings():
    x, w = torch.randn(1, 2, 7, 6), torch.randn(3, 2, 3, 4)
    assert F.conv2d(x, w, padding="valid").shape == F.conv2d(x, w).shape
    assert tuple(F.conv2d(x, w, padding="same", dilation=(2, 1)).shape) == (1, 3, 7, 6)


def test_grad_fn_names():
    x, w = torch.randn(1, 2, 5, 5, requires_grad=True), torch.randn(3, 2, 3, 3, requires_grad=True)
    y = F.conv2d(x, w)
    assert y.grad_fn.name() == "ConvolutionBackward0"
    gx, = torch.autograd.grad(y.sum(), x, create_graph=True)
    assert gx.grad_fn.name() == "ConvolutionBackwardBackward0"
    assert F.conv_transpose2d(y, w).grad_fn.name() == "ConvolutionBackward0"


# ----- bad input -----

def test_channel_mismatch_message_is_exact():
    with pytest.raises(ValueError) as info:
        F.conv2d(torch.randn(2, 4, 9, 9), torch.randn(8, 3, 3, 3))
    assert str(info.value) == "conv2d expected input (N, C_in=3, H, W), got (2, 4, 9, 9)"
    with pytest.raises(ValueError) as info:
        F.conv2d(torch.randn(9, 9), torch.randn(8, 3, 3, 3))
    assert str(info.value) == "conv2d expected input (N, C_in=3, H, W), got (9, 9)"
    with pytest.raises(ValueError) as info:
        F.conv2d(torch.randn(1, 6, 5, 5), torch.randn(4, 2, 3, 3), groups=2)
    assert str(info.value) == "conv2d expected input (N, C_in=4, H, W), got (1, 6, 5, 5)"
    with pytest.raises(ValueError) as info:
        F.conv1d(torch.randn(2, 4, 9), torch.randn(8, 3, 3))
    assert str(info.value) == "conv1d expected input (N, C_in=3, L), got (2, 4, 9)"


@pytest.mark.parametrize("call, words", [
    (lambda x, w: F.conv2d(x, torch.randn(2, 3, 5, 5)), "larger than the padded input (3, 3)"),
    (lambda x, w: F.conv2d(x, w, dilation=3), "larger than the padded input (3, 3)"),
    (lambda x, w: F.conv2d(x, w, stride=0), "stride must be positive"),
    (lambda x, w: F.conv2d(x, w, stride=(1, -2)), "stride must be positive"),
    (lambda x, w: F.conv2d(x, w, padding=-1), "padding must be non-negative"),
    (lambda x, w: F.conv2d(x, w, dilation=0), "dilation must be positive"),
    (lambda x, w: F.conv2d(x, w, groups=0), "groups must be a positive int"),
    (lambda x, w: F.conv2d(torch.randn(1, 4, 3, 3), torch.randn(3, 2, 1, 1), groups=2),
     "groups=2 does not divide the 3 channels"),
    (lambda x, w: F.conv2d(x, w, padding="same", stride=2), "padding='same' needs stride 1"),
    (lambda x, w: F.conv2d(x, w, padding="full"), "padding must be an int, a tuple of ints, 'valid' or 'same'"),
    (lambda x, w: F.conv2d(x, torch.randn(2, 3, 3)), "expected a non-empty weight"),
    (lambda x, w: F.conv2d(x, w, torch.randn(3)), "expected bias of shape (2,), got (3,)"),
    (lambda x, w: F.conv_transpose2d(torch.randn(1, 2, 3, 3), w, stride=2, output_padding=2),
     "output_padding (2, 2) must be smaller than either stride (2, 2) or dilation (1, 1)"),
    (lambda x, w: F.conv_transpose2d(torch.randn(1, 2, 1, 1), w, padding=2), "is not positive"),
])
def test_bad_arguments_raise_value_error(call, words):
    x, w = torch.randn(1, 3, 3, 3), torch.randn(2, 3, 2, 2)
    with pytest.raises(ValueError) as info:
        call(x, w)
    assert words in str(info.value)


def test_bad_types_raise_type_error():
    x, w = torch.randn(1, 3, 4, 4), torch.randn(2, 3, 2, 2)
    with pytest.raises(TypeError, match="supports float32 and float64"):
        F.conv2d(torch.zeros(1, 3, 4, 4, dtype=torch.int64), w)
    with pytest.raises(TypeError, match="weight must be a Tensor of the input's dtype"):
        F.conv2d(x, w.double())
    with pytest.raises(TypeError, match="stride must be an int or a tuple of 2 ints"):
        F.conv2d(x, w, stride=(1, 2, 3))


# ----- parity with PyTorch -----

PARITY_CASES = [
    ((2, 3, 8, 7), (4, 3, 3, 3), dict(stride=1, padding=1)),
    ((1, 4, 9, 9), (6, 2, 3, 2), dict(stride=(2, 1), padding=(0, 2), dilation=(2, 1), groups=2)),
    ((3, 2, 6, 6), (5, 2, 4, 4), dict(padding="same")),
    ((2, 4, 5, 5), (4, 1, 3, 3), dict(stride=3, padding=2, groups=4)),
    ((2, 3, 6, 6), (4, 3, 1, 1), dict()),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("xshape, wshape, options", PARITY_CASES)
def test_conv2d_parity_with_torch(xshape, wshape, options, dtype):
    ref = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    x, w, b = (rng.standard_normal(s).astype(dtype) for s in (xshape, wshape, wshape[:1]))
    ours = [tensor(a, True) for a in (x, w, b)]
    theirs = [ref.tensor(a, requires_grad=True) for a in (x, w, b)]
    y, ty = F.conv2d(*ours, **options), ref.nn.functional.conv2d(*theirs, **options)
    gy = rng.standard_normal(y.shape).astype(dtype)
    y.backward(tensor(gy))
    ty.backward(ref.tensor(gy))
    tol = 1e-4 if dtype == "float32" else 1e-10
    np.testing.assert_allclose(y.numpy(force=True), ty.detach().numpy(), rtol=tol, atol=tol)
    for mine, other in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(force=True), other.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("xshape, wshape, options", [
    ((2, 4, 4, 5), (4, 3, 3, 3), dict(stride=2, padding=1, output_padding=1)),
    ((1, 4, 3, 3), (4, 2, 2, 3), dict(stride=(1, 3), groups=2, dilation=2, output_padding=(1, 2))),
])
def test_conv_transpose2d_parity_with_torch(xshape, wshape, options):
    ref = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal(xshape), rng.standard_normal(wshape)
    b = rng.standard_normal(wshape[1] * options.get("groups", 1))
    ours = [tensor(a, True) for a in (x, w, b)]
    theirs = [ref.tensor(a, requires_grad=True) for a in (x, w, b)]
    y, ty = F.conv_transpose2d(*ours, **options), ref.nn.functional.conv_transpose2d(*theirs, **options)
    gy = rng.standard_normal(y.shape)
    y.backward(tensor(gy))
    ty.backward(ref.tensor(gy))
    np.testing.assert_allclose(y.numpy(force=True), ty.detach().numpy(), atol=1e-10)
    for mine, other in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(force=True), other.grad.numpy(), atol=1e-10)


@pytest.mark.parametrize("name, options", [("conv1d", dict(padding="same", dilation=2, groups=2)),
                                           ("conv_transpose1d", dict(stride=3, padding=1, output_padding=2,
                                                                     groups=2))])
def test_1d_parity_with_torch(name, options):
    ref = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    x, w, b = rng.standard_normal((2, 4, 10)), rng.standard_normal((4, 2, 4)), rng.standard_normal(4)
    ours = [tensor(a, True) for a in (x, w, b)]
    theirs = [ref.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = getattr(F, name)(*ours, **options)
    ty = getattr(ref.nn.functional, name)(*theirs, **options)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(y.numpy(force=True), ty.detach().numpy(), atol=1e-10)
    for mine, other in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(force=True), other.grad.numpy(), atol=1e-10)


def test_conv_transpose2d_pointwise_kernel_with_output_padding():
    """A 1x1 kernel is not a plain GEMM when output_padding adds rows past the convolution's reach."""
    x = tensor(np.random.default_rng(0).standard_normal((1, 1, 1, 1)), requires_grad=True)
    w = tensor(np.random.default_rng(1).standard_normal((1, 1, 1, 1)), requires_grad=True)
    y = F.conv_transpose2d(x, w, stride=(1, 2), output_padding=(0, 1))
    assert y.shape == (1, 1, 1, 2)
    np.testing.assert_allclose(y.numpy(force=True), [[[[x.numpy(force=True).item() * w.numpy(force=True).item(), 0.0]]]])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(force=True).ravel(), w.numpy(force=True).ravel())


@pytest.mark.parametrize("path", CONV_PATHS)
def test_kept_columns_serve_repeated_backward_and_in_place_changes_are_caught(monkeypatch, path):
    """The forward's im2col columns feed the weight gradient (whole batch; image by image they are rebuilt);
    a second backward reuses them, and changing the input in place after the forward is refused rather than
    answered with stale columns."""
    from autograd_core.kernels import conv as conv_kernels
    monkeypatch.setattr(conv_kernels, "PER_IMAGE_BELOW", CONV_PATHS[path])
    rng = np.random.default_rng(8)
    x, w, b = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    tx, tw, tb = tensor(x), tensor(w, True), tensor(b, True)
    y = F.conv2d(tx, tw, tb, padding=1)
    gy = rng.standard_normal(y.shape)
    _, _, gw = reference_conv2d(x, w, (1, 1), (1, 1), (1, 1), (1, 1), 1, gy)
    y.backward(tensor(gy), retain_graph=True)
    first = tw.grad.numpy(force=True).copy()
    np.testing.assert_allclose(first, gw, atol=1e-12)
    y.backward(tensor(gy), retain_graph=True)
    np.testing.assert_allclose(tw.grad.numpy(force=True), 2 * first, atol=1e-12)
    np.testing.assert_allclose(tb.grad.numpy(force=True), 2 * gy.sum(axis=(0, 2, 3)), atol=1e-12)
    tx.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward(tensor(gy))
