"""Image layers: interpolate / Upsample, pad and the pad modules, pixel and channel shuffles, fold / unfold,
grid_sample / affine_grid, instance norm, local response norm, BatchNorm3d: parity with PyTorch (values, input and
parameter gradients, node names, reprs), gradchecks and errors."""
import warnings

import numpy as np
import pytest

torch_ref = pytest.importorskip("torch")

import autograd_core as torch  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
from autograd_core.autograd import gradcheck, gradgradcheck  # noqa: E402

TF = torch_ref.nn.functional
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-10}


def pair(array, requires_grad=True):
    return torch.tensor(array, requires_grad=requires_grad), torch_ref.tensor(array, requires_grad=requires_grad)


def random(shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def close(ours, theirs, dtype=np.float64):
    tol = TOLERANCE[dtype]
    theirs = theirs.detach().numpy() if isinstance(theirs, torch_ref.Tensor) else np.asarray(theirs)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(force=True), theirs, rtol=tol, atol=tol)


def node(t):
    return type(t.grad_fn).__name__


def check_parity(ours_fn, theirs_fn, *arrays, dtype=np.float64):
    """Same inputs through both: outputs, node names and the gradients of a weighted sum agree."""
    inputs = [pair(a.astype(dtype)) for a in arrays]
    y = ours_fn(*[a for a, _ in inputs])
    ty = theirs_fn(*[b for _, b in inputs])
    close(y, ty, dtype)
    assert node(y) == node(ty)
    weights = random(tuple(ty.shape), dtype, seed=1)
    (y * torch.tensor(weights)).sum().backward()
    (ty * torch_ref.tensor(weights)).sum().backward()
    for a, b in inputs:
        close(a.grad, b.grad, dtype)


def same_error(ours_fn, theirs_fn, error=None):
    """Both raise; ours with PyTorch's type and message (or ``error``'s type when the messages differ on purpose)."""
    with pytest.raises(Exception) as theirs:
        theirs_fn()
    with pytest.raises(Exception) as ours:
        ours_fn()
    if error is None:
        assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)
    else:
        assert isinstance(ours.value, error)


# ----- interpolate -----
MODE_DIMS = [("nearest", 1), ("nearest", 2), ("nearest", 3), ("nearest-exact", 1), ("nearest-exact", 2),
             ("nearest-exact", 3), ("linear", 1), ("bilinear", 2), ("bicubic", 2), ("trilinear", 3)]
RESIZES = [dict(size=4), dict(size=9), dict(scale_factor=0.6), dict(scale_factor=2), dict(scale_factor=2.6),
           dict(scale_factor=1.7, recompute_scale_factor=True)]


@pytest.mark.parametrize("mode, dims", MODE_DIMS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_interpolate_matches_pytorch(mode, dims, dtype):
    x = random((2, 2) + (5, 3, 4)[:dims], dtype)
    for resize in RESIZES:
        for align_corners in ([None] if "nearest" in mode else [False, True]):
            check_parity(lambda a: F.interpolate(a, mode=mode, align_corners=align_corners, **resize),
                         lambda a: TF.interpolate(a, mode=mode, align_corners=align_corners, **resize), x, dtype=dtype)


def test_interpolate_2d_nearest_copies_or_doubles_whatever_the_factor():
    x = random((1, 1, 3, 4))
    for factor in (1.2, 2.3):
        check_parity(lambda a: F.interpolate(a, scale_factor=factor), lambda a: TF.interpolate(a, scale_factor=factor),
                     x)


def test_interpolate_nearest_gradient_is_the_adjoint_of_its_forward():
    # PyTorch 2.13's 1-D and 3-D nearest backward takes the "same size" and "twice the size" shortcuts that its
    # forward does not take when a scale factor is given (3 -> 6 at 2.3 reads [0, 0, 0, 1, 1, 2] but sends the
    # gradient back to [0, 0, 1, 1, 2, 2]); here the gradient follows the forward, and the values match PyTorch's
    x, tx = pair(random((1, 1, 3)))
    y, ty = F.interpolate(x, scale_factor=2.3), TF.interpolate(tx, scale_factor=2.3)
    close(y, ty)
    y.backward(torch.arange(6.0, dtype=torch.float64).reshape(1, 1, 6))
    np.testing.assert_array_equal(x.grad.numpy(force=True), [[[3, 7, 5]]])
    assert gradcheck(lambda a: F.interpolate(a, scale_factor=2.3), (x,))


def test_interpolate_per_dim_sizes_and_area_mode():
    x = random((2, 3, 6, 5))
    check_parity(lambda a: F.interpolate(a, size=(3, 8), mode="bilinear"),
                 lambda a: TF.interpolate(a, size=(3, 8), mode="bilinear"), x)
    check_parity(lambda a: F.interpolate(a, scale_factor=(0.5, 2.0), mode="bicubic", align_corners=True),
                 lambda a: TF.interpolate(a, scale_factor=(0.5, 2.0), mode="bicubic", align_corners=True), x)
    check_parity(lambda a: F.interpolate(a, size=(3, 2), mode="area"), lambda a: TF.interpolate(a, size=(3, 2),
                                                                                                mode="area"), x)
    check_parity(lambda a: F.interpolate(a, scale_factor=0.5, mode="area"),
                 lambda a: TF.interpolate(a, scale_factor=0.5, mode="area"), random((2, 3, 6)))
    check_parity(lambda a: F.interpolate(a, size=(6, 5), mode="bilinear"),
                 lambda a: TF.interpolate(a, size=(6, 5), mode="bilinear"), x)


@pytest.mark.parametrize("mode, dims", [("nearest", 2), ("nearest-exact", 1), ("linear", 1), ("bilinear", 2),
                                        ("bicubic", 2), ("trilinear", 3)])
def test_interpolate_gradchecks(mode, dims):
    x = torch.tensor(random((1, 2) + (3, 4, 2)[:dims]), requires_grad=True)
    align = None if "nearest" in mode else False
    assert gradcheck(lambda a: F.interpolate(a, scale_factor=1.7, mode=mode, align_corners=align), (x,))
    assert gradgradcheck(lambda a: F.interpolate(a, size=5, mode=mode, align_corners=align), (x,))


@pytest.mark.parametrize("call", [
    lambda F, x: F.interpolate(x(1, 2, 3, 4), scale_factor=0.1),
    lambda F, x: F.interpolate(x(1, 2, 4), scale_factor=0.2, mode="linear"),
    lambda F, x: F.interpolate(x(1, 2, 3, 4), size=(2, 3), mode="nearest", align_corners=True),
    lambda F, x: F.interpolate(x(1, 2, 3, 4), size=2, scale_factor=2),
    lambda F, x: F.interpolate(x(1, 2, 3, 4)),
    lambda F, x: F.interpolate(x(1, 2, 3, 4), size=(2, 3, 4)),
    lambda F, x: F.interpolate(x(1, 2, 3, 4), size=2, recompute_scale_factor=True),
    lambda F, x: F.interpolate(x(1, 2, 3), scale_factor=2, mode="bilinear"),
    lambda F, x: F.interpolate(x(1, 2, 3, 4), scale_factor=2, mode="trilinear"),
    lambda F, x: F.interpolate(x(1, 2, 3), scale_factor=2, mode="bicubic"),
    lambda F, x: F.interpolate(x(1, 2), scale_factor=2),
    lambda F, x: F.interpolate(x(1, 2, 3, 4), scale_factor=2, antialias=True),
])
def test_interpolate_errors_are_pytorchs(call):
    same_error(lambda: call(F, torch.ones), lambda: call(TF, torch_ref.ones))


def test_interpolate_refuses_what_it_does_not_implement():
    with pytest.raises(NotImplementedError, match="antialias=True is not supported"):
        F.interpolate(torch.ones(1, 1, 4, 4), scale_factor=2, mode="bilinear", antialias=True)
    with pytest.raises(NotImplementedError, match="floating point"):
        F.interpolate(torch.ones(1, 1, 4, dtype=torch.int64), scale_factor=2)


def test_upsample_modules_match_pytorch():
    x = random((1, 2, 3, 4))
    for ours, theirs in ((nn.Upsample(scale_factor=2, mode="bilinear"),
                          torch_ref.nn.Upsample(scale_factor=2, mode="bilinear")),
                         (nn.Upsample(size=(5, 7)), torch_ref.nn.Upsample(size=(5, 7))),
                         (nn.UpsamplingNearest2d(scale_factor=3), torch_ref.nn.UpsamplingNearest2d(scale_factor=3)),
                         (nn.UpsamplingBilinear2d((4, 6)), torch_ref.nn.UpsamplingBilinear2d((4, 6)))):
        assert repr(ours) == repr(theirs)
        check_parity(ours, theirs, x)
    assert nn.Upsample(scale_factor=(2, 3)).scale_factor == (2.0, 3.0)


def test_deprecated_upsample_functions_warn_and_interpolate():
    x = torch.tensor(random((1, 1, 2, 3)))
    with pytest.warns(UserWarning, match="upsample_bilinear` is deprecated"):
        y = F.upsample_bilinear(x, scale_factor=2)
    close(y, TF.interpolate(torch_ref.tensor(x.numpy(force=True)), scale_factor=2, mode="bilinear",
                            align_corners=True))
    with pytest.warns(UserWarning, match="upsample_nearest` is deprecated"):
        F.upsample_nearest(x, size=4)
    with pytest.warns(UserWarning, match="upsample` is deprecated"):
        F.upsample(x, size=4, mode="bicubic", align_corners=False)


# ----- pad -----
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("batched", [False, True])
def test_pad_matches_pytorch_for_one_to_three_dims(mode, dims, batched):
    x = random((2,) * batched + (3,) + (4, 5, 3)[:dims])
    for pad in [(1, 2) * dims, (0, 1) * dims, (-1, 2) * dims, (2, -1, 1, 0, 0, 1)[:2 * dims]]:
        check_parity(lambda a: F.pad(a, pad, mode), lambda a: TF.pad(a, pad, mode), x)


def test_pad_gradchecks_with_negative_widths():
    x = torch.tensor(random((2, 3, 4)), requires_grad=True)
    for mode in ("reflect", "replicate", "circular"):
        assert gradcheck(lambda a: F.pad(a, (-1, 2), mode=mode), (x,))
        assert gradgradcheck(lambda a: F.pad(a, (2, -1), mode=mode), (x,))


PAD_MODULES = [("ZeroPad1d", (2,)), ("ZeroPad2d", ((1, 0, 2, 1),)), ("ZeroPad3d", (1,)), ("ConstantPad1d", (2, 1.5)),
               ("ConstantPad2d", ((1, 0, 2, 1), -2.0)), ("ConstantPad3d", (1, 3.5)), ("ReflectionPad1d", (2,)),
               ("ReflectionPad2d", ((1, 0, 2, 1),)), ("ReflectionPad3d", (1,)), ("ReplicationPad1d", (2,)),
               ("ReplicationPad2d", ((1, 0, 2, 1),)), ("ReplicationPad3d", (1,)), ("CircularPad1d", (2,)),
               ("CircularPad2d", ((1, 0, 2, 1),)), ("CircularPad3d", (1,))]


@pytest.mark.parametrize("name, args", PAD_MODULES)
def test_pad_modules_match_pytorch(name, args):
    ours, theirs = getattr(nn, name)(*args), getattr(torch_ref.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert ours.padding == theirs.padding
    dims = int(name[-2])
    check_parity(ours, theirs, random((2, 3) + (3, 4, 5)[:dims]))


def test_circular_pad_module_checks_the_rank():
    same_error(lambda: nn.CircularPad2d(1)(torch.ones(3, 3)), lambda: torch_ref.nn.CircularPad2d(1)(torch_ref.ones(3, 3)))


# ----- pixel and channel shuffles -----
@pytest.mark.parametrize("shape, factor", [((2, 8, 3, 3), 2), ((8, 3, 2), 2), ((2, 2, 9, 2, 1), 3)])
def test_pixel_shuffle_and_unshuffle_match_pytorch(shape, factor):
    x = random(shape)
    check_parity(lambda a: F.pixel_shuffle(a, factor), lambda a: TF.pixel_shuffle(a, factor), x)
    shuffled = TF.pixel_shuffle(torch_ref.tensor(x), factor).numpy()
    check_parity(lambda a: F.pixel_unshuffle(a, factor), lambda a: TF.pixel_unshuffle(a, factor), shuffled)
    check_parity(nn.PixelShuffle(factor), torch_ref.nn.PixelShuffle(factor), x)
    check_parity(nn.PixelUnshuffle(factor), torch_ref.nn.PixelUnshuffle(factor), shuffled)


def test_shuffles_gradcheck_and_reprs():
    x = torch.tensor(random((1, 8, 2, 2)), requires_grad=True)
    assert gradgradcheck(lambda a: F.pixel_shuffle(a, 2), (x,))
    assert gradgradcheck(lambda a: F.pixel_unshuffle(a, 2), (x,))
    assert gradgradcheck(lambda a: F.channel_shuffle(a, 4), (x,))
    for ours, theirs in ((nn.PixelShuffle(3), torch_ref.nn.PixelShuffle(3)),
                         (nn.PixelUnshuffle(2), torch_ref.nn.PixelUnshuffle(2)),
                         (nn.ChannelShuffle(4), torch_ref.nn.ChannelShuffle(4))):
        assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("shape, groups", [((2, 6, 3, 3), 2), ((2, 6, 4), 3), ((1, 4, 2, 1, 2), 4)])
def test_channel_shuffle_matches_pytorch(shape, groups):
    x = random(shape)
    check_parity(lambda a: F.channel_shuffle(a, groups), lambda a: TF.channel_shuffle(a, groups), x)
    check_parity(nn.ChannelShuffle(groups), torch_ref.nn.ChannelShuffle(groups), x)


@pytest.mark.parametrize("call", [
    lambda F, x: F.pixel_shuffle(x(2, 3), 2),
    lambda F, x: F.pixel_shuffle(x(2, 5, 3, 3), 2),
    lambda F, x: F.pixel_shuffle(x(2, 8, 3, 3), 0),
    lambda F, x: F.pixel_unshuffle(x(2, 8, 3, 4), 2),
    lambda F, x: F.pixel_unshuffle(x(2, 8, 4, 3), 2),
    lambda F, x: F.channel_shuffle(x(2, 5, 3), 2),
    lambda F, x: F.channel_shuffle(x(2, 6, 3), 0),
    lambda F, x: F.channel_shuffle(x(6), 2),
])
def test_shuffle_errors_are_pytorchs(call):
    same_error(lambda: call(F, torch.ones), lambda: call(TF, torch_ref.ones))


# ----- unfold / fold -----
BLOCKS = [((2, 3, 5, 6), dict(kernel_size=2)),
          ((2, 3, 7, 6), dict(kernel_size=(3, 2), dilation=(2, 1), padding=(1, 2), stride=(2, 3))),
          ((3, 5, 6), dict(kernel_size=3, padding=1))]


@pytest.mark.parametrize("shape, kwargs", BLOCKS)
def test_unfold_and_fold_match_pytorch(shape, kwargs):
    x = random(shape)
    check_parity(lambda a: F.unfold(a, **kwargs), lambda a: TF.unfold(a, **kwargs), x)
    check_parity(nn.Unfold(**kwargs), torch_ref.nn.Unfold(**kwargs), x)
    columns = random(tuple(TF.unfold(torch_ref.tensor(x), **kwargs).shape), seed=2)
    check_parity(lambda a: F.fold(a, shape[-2:], **kwargs), lambda a: TF.fold(a, shape[-2:], **kwargs), columns)
    check_parity(nn.Fold(shape[-2:], **kwargs), torch_ref.nn.Fold(shape[-2:], **kwargs), columns)


def test_unfold_fold_gradchecks_and_reprs():
    x = torch.tensor(random((1, 2, 4, 5)), requires_grad=True)
    assert gradgradcheck(lambda a: F.unfold(a, 2, dilation=1, padding=1, stride=2), (x,))
    columns = torch.tensor(random((1, 8, 6)), requires_grad=True)
    assert gradgradcheck(lambda c: F.fold(c, (3, 4), 2), (columns,))
    assert repr(nn.Fold(4, 2)) == repr(torch_ref.nn.Fold(4, 2))
    assert repr(nn.Unfold((2, 3), stride=2)) == repr(torch_ref.nn.Unfold((2, 3), stride=2))


@pytest.mark.parametrize("call", [
    lambda F, x: F.unfold(x(2, 3, 4, 4, 4), 2),
    lambda F, x: F.unfold(x(2, 3, 4, 4), 5),
    lambda F, x: F.unfold(x(2, 3, 4, 4), 2, stride=0),
    lambda F, x: F.fold(x(2, 12, 9), (4, 4), 2, stride=2),
    lambda F, x: F.fold(x(2, 13, 4), (4, 4), 2, stride=2),
    lambda F, x: F.fold(x(2, 13, 4, 3), (4, 4), 2, stride=2),
])
def test_fold_errors_are_pytorchs(call):
    same_error(lambda: call(F, torch.ones), lambda: call(TF, torch_ref.ones))


# ----- grid_sample / affine_grid -----
@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_grid_sample_matches_pytorch(dims, mode, padding_mode, dtype):
    x = random((2, 3) + (4, 5, 3)[:dims], dtype)
    grid = np.random.default_rng(5).uniform(-1.3, 1.3, (2,) + (3, 2, 4)[:dims] + (dims,)).astype(dtype)
    for align_corners in (False, True):
        check_parity(lambda a, g: F.grid_sample(a, g, mode, padding_mode, align_corners),
                     lambda a, g: TF.grid_sample(a, g, mode, padding_mode, align_corners), x, grid, dtype=dtype)


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_gradcheck(padding_mode):
    x = torch.tensor(random((1, 2, 3, 4)), requires_grad=True)
    grid = torch.tensor(np.random.default_rng(6).uniform(-1.2, 1.2, (1, 2, 3, 2)), requires_grad=True)
    assert gradcheck(lambda a, g: F.grid_sample(a, g, padding_mode=padding_mode, align_corners=False), (x, grid))
    x3 = torch.tensor(random((1, 1, 2, 3, 2)), requires_grad=True)
    grid3 = torch.tensor(np.random.default_rng(7).uniform(-1, 1, (1, 2, 1, 2, 3)), requires_grad=True)
    assert gradcheck(lambda a, g: F.grid_sample(a, g, padding_mode=padding_mode, align_corners=True), (x3, grid3))


def test_grid_sample_backward_is_once_differentiable():
    x = torch.tensor(random((1, 1, 3, 3)), requires_grad=True)
    grid = torch.zeros(1, 2, 2, 2, dtype=torch.float64, requires_grad=True)
    y = F.grid_sample(x, grid, align_corners=False)
    (gx,) = torch.autograd.grad(y, (x,), torch.ones(1, 1, 2, 2, dtype=torch.float64, requires_grad=True),
                                create_graph=True)
    with pytest.raises(RuntimeError, match="differentiate twice"):
        gx.sum().backward()


@pytest.mark.parametrize("call", [
    lambda F, x: F.grid_sample(x(1, 2, 3, 4), x(1, 3, 3, 3), align_corners=False),
    lambda F, x: F.grid_sample(x(1, 2, 3, 4), x(2, 3, 3, 2), align_corners=False),
    lambda F, x: F.grid_sample(x(1, 2, 3, 4), x(1, 3, 3, 2), mode="foo", align_corners=False),
    lambda F, x: F.grid_sample(x(1, 2, 3, 4), x(1, 3, 3, 2), padding_mode="foo", align_corners=False),
    lambda F, x: F.affine_grid(x(2, 2, 4), (2, 3, 4, 5), align_corners=False),
    lambda F, x: F.affine_grid(x(2, 2, 3), (2, 3, 4), align_corners=False),
])
def test_grid_errors_are_pytorchs(call):
    same_error(lambda: call(F, torch.ones), lambda: call(TF, torch_ref.ones))


def test_grid_sample_warns_about_the_default_and_refuses_bicubic():
    x, grid = torch.ones(1, 1, 2, 2), torch.zeros(1, 1, 1, 2)
    with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior has changed"):
        F.grid_sample(x, grid)
    with pytest.raises(NotImplementedError, match="bicubic"):
        F.grid_sample(x, grid, mode="bicubic", align_corners=False)
    with pytest.raises(ValueError, match="floating point type"):
        F.affine_grid(torch.ones(1, 2, 3, dtype=torch.int64), (1, 1, 2, 2), align_corners=False)


@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 3, 1, 5), (2, 1, 3, 4, 2)])
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_matches_pytorch_and_gradchecks(size, align_corners):
    d = len(size) - 2
    theta = random((2, d, d + 1), seed=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the unit-size grid warning, in both
        check_parity(lambda t: F.affine_grid(t, size, align_corners), lambda t: TF.affine_grid(t, size, align_corners),
                     theta)
        check_parity(lambda t: F.affine_grid(t, size, align_corners), lambda t: TF.affine_grid(t, size, align_corners),
                     theta, dtype=np.float32)
        assert gradgradcheck(lambda t: F.affine_grid(t, size, align_corners), (torch.tensor(theta, requires_grad=True),))


def test_spatial_transformer_pipeline_matches_pytorch():
    x, theta = random((2, 3, 5, 6)), random((2, 2, 3), seed=9) * 0.5
    check_parity(lambda a, t: F.grid_sample(a, F.affine_grid(t, (2, 3, 4, 4), False), align_corners=False),
                 lambda a, t: TF.grid_sample(a, TF.affine_grid(t, (2, 3, 4, 4), False), align_corners=False), x, theta)


# ----- normalization -----
def copy_parameters(ours, theirs):
    for (name, p), (their_name, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == their_name
        with torch.no_grad():
            p.copy_(torch.tensor(q.detach().numpy() + random(tuple(q.shape), seed=10)))
        with torch_ref.no_grad():
            q.copy_(torch_ref.tensor(p.numpy(force=True)))


def check_module(ours, theirs, shape, dtype=np.float64):
    """Train-mode steps then an eval step: outputs, gradients and running buffers agree."""
    copy_parameters(ours, theirs)
    for training in (True, True, False):
        ours.train(training)
        theirs.train(training)
        check_parity(ours, theirs, random(shape, dtype, seed=int(training)), dtype=dtype)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        close(p.grad, q.grad, dtype)
    for (name, b), (_, c) in zip(ours.named_buffers(), theirs.named_buffers()):
        close(b, c.numpy(), dtype)


@pytest.mark.parametrize("name, shape", [("InstanceNorm1d", (2, 3, 5)), ("InstanceNorm1d", (3, 5)),
                                         ("InstanceNorm2d", (2, 3, 4, 5)), ("InstanceNorm2d", (3, 4, 5)),
                                         ("InstanceNorm3d", (2, 3, 2, 3, 4))])
@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("track_running_stats", [False, True])
def test_instance_norm_modules_match_pytorch(name, shape, affine, track_running_stats):
    make = lambda module: module(3, affine=affine, track_running_stats=track_running_stats)  # noqa: E731
    ours, theirs = make(getattr(nn, name)), make(getattr(torch_ref.nn, name))
    assert repr(ours) == repr(theirs)
    check_module(ours.double(), theirs.double(), shape)
    check_module(make(getattr(nn, name)), make(getattr(torch_ref.nn, name)), shape, np.float32)


def test_instance_norm_functional_gradcheck_and_parity():
    x = random((2, 3, 4))
    weight, bias = random(3, seed=2), random(3, seed=3)
    check_parity(lambda a, w, b: F.instance_norm(a, weight=w, bias=b, eps=1e-3),
                 lambda a, w, b: TF.instance_norm(a, weight=w, bias=b, eps=1e-3), x, weight, bias)
    inputs = tuple(torch.tensor(a, requires_grad=True) for a in (x, weight, bias))
    assert gradcheck(lambda a, w, b: F.instance_norm(a, weight=w, bias=b), inputs)
    assert gradgradcheck(lambda a, w, b: F.instance_norm(a, weight=w, bias=b), inputs)


def test_instance_norm_checks_follow_pytorch():
    same_error(lambda: F.instance_norm(torch.ones(2, 3)), lambda: TF.instance_norm(torch_ref.ones(2, 3)))
    same_error(lambda: nn.InstanceNorm2d(3)(torch.ones(3, 4)), lambda: torch_ref.nn.InstanceNorm2d(3)(
        torch_ref.ones(3, 4)))
    same_error(lambda: nn.InstanceNorm2d(3, affine=True)(torch.ones(2, 4, 4, 4)),
               lambda: torch_ref.nn.InstanceNorm2d(3, affine=True)(torch_ref.ones(2, 4, 4, 4)))
    with pytest.warns(UserWarning, match="input's size at dim=1 does not match num_features"):
        nn.InstanceNorm2d(3)(torch.randn(2, 4, 4, 4))


@pytest.mark.parametrize("shape", [(2, 5, 4), (2, 6, 3, 3), (2, 4, 2, 3, 3)])
@pytest.mark.parametrize("size", [1, 2, 5])
def test_local_response_norm_matches_pytorch(shape, size):
    ours, theirs = nn.LocalResponseNorm(size, alpha=0.1, beta=0.6, k=2.0), torch_ref.nn.LocalResponseNorm(
        size, alpha=0.1, beta=0.6, k=2.0)
    assert repr(ours) == repr(theirs)
    check_parity(ours, theirs, random(shape))
    check_parity(ours, theirs, random(shape, np.float32), dtype=np.float32)


def test_local_response_norm_gradcheck_and_rank():
    x = torch.tensor(random((1, 4, 3)), requires_grad=True)
    assert gradgradcheck(lambda a: F.local_response_norm(a, 3, alpha=0.5), (x,))
    same_error(lambda: F.local_response_norm(torch.ones(3), 2), lambda: TF.local_response_norm(torch_ref.ones(3), 2))


def test_batch_norm_3d_matches_pytorch():
    ours, theirs = nn.BatchNorm3d(3), torch_ref.nn.BatchNorm3d(3)
    assert repr(ours) == repr(theirs)
    check_module(ours.double(), theirs.double(), (2, 3, 2, 3, 4))
    same_error(lambda: nn.BatchNorm3d(3)(torch.ones(2, 3, 4, 4)),
               lambda: torch_ref.nn.BatchNorm3d(3)(torch_ref.ones(2, 3, 4, 4)))


@pytest.mark.parametrize("call", [
    lambda F, x: F.grid_sample(x(0, 1, 4, 4), x(0, 2, 2, 2), align_corners=False),
    lambda F, x: F.unfold(x(0, 1, 4, 4), 2),
    lambda F, x: F.fold(x(0, 4, 9), (4, 4), 2),
    lambda F, x: F.pixel_unshuffle(x(0, 1, 4, 4), 2),
    lambda F, x: F.instance_norm(x(0, 3, 4)),
    lambda F, x: F.interpolate(x(0, 1, 4, 4), scale_factor=2),
])
def test_empty_batches_give_pytorchs_shapes(call):
    assert tuple(call(F, torch.zeros).shape) == tuple(call(TF, torch_ref.zeros).shape)
