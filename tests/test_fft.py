"""torch.fft against PyTorch 2.13: the transforms (values, gradients, node names, float64 gradchecks on real and
complex inputs), the sample frequencies and the shifts."""
import numpy as np
import pytest

import autograd_core as torch
from autograd_core.autograd import gradcheck, gradgradcheck

torch_ref = pytest.importorskip("torch")


@pytest.mark.parametrize("name", ["fftfreq", "rfftfreq"])
@pytest.mark.parametrize("n, d", [(1, 1.0), (5, 1.0), (6, 0.5), (7, 0.1), (0, 1.0), (8, 3)])
@pytest.mark.parametrize("dtype", [None, "float64"])
def test_frequencies_equal_pytorchs_bit_for_bit(name, n, d, dtype):
    ours = getattr(torch.fft, name)(n, d, dtype=getattr(torch, dtype) if dtype else None)
    theirs = getattr(torch_ref.fft, name)(n, d, dtype=getattr(torch_ref, dtype) if dtype else None)
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(force=True), theirs.numpy())


def test_frequencies_take_requires_grad_and_out():
    assert torch.fft.fftfreq(4, dtype=torch.float64, requires_grad=True).requires_grad
    out = torch.empty(0)
    assert torch.fft.rfftfreq(4, out=out) is out
    np.testing.assert_array_equal(out.numpy(force=True), torch_ref.fft.rfftfreq(4).numpy())


@pytest.mark.parametrize("call", [lambda fft: fft.fftfreq(-1), lambda fft: fft.fftfreq(2.5),
                                  lambda fft: fft.rfftfreq(None), lambda fft: fft.fftshift(None),
                                  lambda fft: fft.fftshift((torch_ref if fft is torch_ref.fft else torch).ones(())),
                                  lambda fft: fft.fftshift((torch_ref if fft is torch_ref.fft else torch).ones(2), ()),
                                  lambda fft: fft.fftshift(torch_ref.ones(2) if fft is torch_ref.fft else
                                                           torch.ones(2), dim=3)])
def test_bad_arguments_raise_pytorchs_error_class_naming_the_op(call):
    with pytest.raises(Exception) as theirs:
        call(torch_ref.fft)
    with pytest.raises(type(theirs.value)) as ours:
        call(torch.fft)
    assert "fft" in str(ours.value) or str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name", ["fftshift", "ifftshift"])
@pytest.mark.parametrize("shape, dim", [((5,), None), ((4, 5), None), ((4, 5), 1), ((3, 4, 5), (0, -1))])
def test_shifts_values_gradients_and_node_names_match_pytorch(name, shape, dim):
    values = np.random.default_rng(0).standard_normal(shape)
    ours = torch.tensor(values, requires_grad=True)
    theirs = torch_ref.tensor(values, requires_grad=True)
    y, z = getattr(torch.fft, name)(ours, dim), getattr(torch_ref.fft, name)(theirs, dim)
    np.testing.assert_array_equal(y.numpy(force=True), z.detach().numpy())
    assert type(y.grad_fn).__name__ == type(z.grad_fn).__name__
    weights = np.random.default_rng(1).standard_normal(shape)
    (y * torch.tensor(weights)).sum().backward()
    (z * torch_ref.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(force=True), theirs.grad.numpy())
    assert gradcheck(lambda x: getattr(torch.fft, name)(x, dim), (ours,))
    assert gradgradcheck(lambda x: getattr(torch.fft, name)(x, dim), (ours,))


def test_ifftshift_undoes_fftshift_and_centres_the_zero_frequency():
    freqs = torch.fft.fftfreq(6)
    centred = torch.fft.fftshift(freqs)
    assert centred.tolist() == sorted(freqs.tolist())
    assert torch.fft.ifftshift(centred).tolist() == freqs.tolist()


def _signal(shape, complex_input, seed=0):
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(shape)
    return values + 1j * rng.standard_normal(shape) if complex_input else values


def _check_transform_against_pytorch(name, values, **options):
    """Values, dtype, node name and the gradient of a random real loss equal PyTorch's (1e-10, float64)."""
    ours, theirs = torch.tensor(values, requires_grad=True), torch_ref.tensor(values, requires_grad=True)
    y, z = getattr(torch.fft, name)(ours, **options), getattr(torch_ref.fft, name)(theirs, **options)
    assert str(y.dtype) == str(z.dtype) and tuple(y.shape) == tuple(z.shape)
    np.testing.assert_allclose(y.numpy(force=True), z.detach().resolve_conj().numpy(), rtol=1e-10, atol=1e-10)
    assert type(y.grad_fn).__name__ == type(z.grad_fn).__name__
    weights = _signal(tuple(z.shape), z.is_complex(), seed=1)
    (gy,) = torch.autograd.grad(y, ours, torch.tensor(weights))
    (gz,) = torch_ref.autograd.grad(z, theirs, torch_ref.tensor(weights))
    assert str(gy.dtype) == str(gz.dtype)
    np.testing.assert_allclose(gy.numpy(force=True), gz.resolve_conj().numpy(), rtol=1e-10, atol=1e-10)
    return ours


ONE_DIM = [("fft", {}), ("fft", {"n": 8}), ("fft", {"n": 3, "dim": 0}), ("ifft", {}), ("ifft", {"n": 7}),
           ("irfft", {}), ("irfft", {"n": 7}), ("irfft", {"n": 2, "dim": 0}), ("hfft", {}), ("hfft", {"n": 5})]
REAL_ONLY = [("rfft", {}), ("rfft", {"n": 7}), ("rfft", {"n": 3, "dim": 0}), ("ihfft", {}), ("ihfft", {"n": 4})]
MANY_DIMS = [("fft2", {}), ("ifft2", {"s": (4, 2)}), ("fftn", {}), ("fftn", {"s": (3, 5), "dim": (0, 2)}),
             ("ifftn", {"dim": (1,)}), ("irfft2", {}), ("irfftn", {"s": (4, 5)}),
             ("irfftn", {"s": (2, 6), "dim": (2, 0)})]
REAL_MANY_DIMS = [("rfft2", {}), ("rfftn", {"s": (4, 5)}), ("rfftn", {"dim": (2, 0)})]


@pytest.mark.parametrize("norm", [None, "backward", "ortho", "forward"])
@pytest.mark.parametrize("complex_input", [False, True])
@pytest.mark.parametrize("name, options", ONE_DIM + MANY_DIMS)
def test_transforms_equal_pytorchs_values_gradients_and_nodes(name, options, complex_input, norm):
    shape = (3, 4) if name in dict(ONE_DIM) else (2, 3, 4)
    _check_transform_against_pytorch(name, _signal(shape, complex_input), norm=norm, **options)


@pytest.mark.parametrize("norm", [None, "ortho", "forward"])
@pytest.mark.parametrize("name, options", REAL_ONLY + REAL_MANY_DIMS)
def test_real_input_transforms_equal_pytorchs(name, options, norm):
    shape = (4, 6) if name in dict(REAL_ONLY) else (2, 3, 4)
    _check_transform_against_pytorch(name, _signal(shape, False), norm=norm, **options)


@pytest.mark.parametrize("name, options, complex_input", [
    ("fft", {"n": 5}, True), ("fft", {}, False), ("ifft", {"norm": "ortho"}, True), ("rfft", {"n": 6}, False),
    ("irfft", {"n": 5}, True), ("irfft", {"n": 4, "norm": "forward"}, True), ("hfft", {}, True),
    ("ihfft", {"n": 5}, False), ("fft2", {"s": (3, 2)}, True), ("rfftn", {}, False), ("irfftn", {}, True),
    ("ifftn", {"dim": (0, 1)}, False)])
def test_transforms_pass_gradcheck_and_gradgradcheck(name, options, complex_input):
    x = torch.tensor(_signal((3, 4), complex_input), requires_grad=True)
    assert gradcheck(lambda t: getattr(torch.fft, name)(t, **options), (x,))
    assert gradgradcheck(lambda t: getattr(torch.fft, name)(t, **options), (x,))


def test_a_requested_size_crops_or_pads_the_input_as_pytorchs_nodes():
    x = torch.ones(4, dtype=torch.complex64, requires_grad=True)
    padded, cropped = torch.fft.fft(x, n=6), torch.fft.fft(x, n=2)
    assert [type(y.grad_fn.next_functions[0][0]).__name__ for y in (padded, cropped)] == \
        ["ConstantPadNdBackward0", "SliceBackward0"]


def test_transforms_of_float32_and_integer_tensors_take_pytorchs_dtypes():
    for make in (lambda lib: lib.ones(4), lambda lib: lib.arange(4), lambda lib: lib.ones(4, dtype=lib.complex64)):
        for name in ("fft", "ifft", "irfft", "hfft"):
            ours, theirs = getattr(torch.fft, name)(make(torch)), getattr(torch_ref.fft, name)(make(torch_ref))
            assert str(ours.dtype) == str(theirs.dtype)
    assert torch.fft.rfft(torch.ones(4)).dtype == torch.complex64


def test_ifft_inverts_fft_and_irfft_inverts_rfft():
    x = torch.tensor(_signal((5,), True))
    np.testing.assert_allclose(torch.fft.ifft(torch.fft.fft(x)).numpy(), x.numpy(), atol=1e-12)
    r = torch.tensor(_signal((6,), False))
    np.testing.assert_allclose(torch.fft.irfft(torch.fft.rfft(r), n=6).numpy(), r.numpy(), atol=1e-12)


def test_transforms_over_no_dims_give_the_signal_as_complex():
    for make in (lambda lib: lib.fft.fftn(lib.tensor(1.5)), lambda lib: lib.fft.fftn(lib.ones(3), dim=())):
        ours, theirs = make(torch), make(torch_ref)
        assert str(ours.dtype) == str(theirs.dtype)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_out_receives_the_transform():
    out = torch.empty(0, dtype=torch.complex64)
    assert torch.fft.fft(torch.ones(4), out=out) is out
    np.testing.assert_allclose(out.numpy(), torch_ref.fft.fft(torch_ref.ones(4)).numpy())


@pytest.mark.parametrize("call", [
    lambda lib: lib.fft.fft(lib.ones(4), norm="bad"), lambda lib: lib.fft.fft(lib.ones(4), n=0),
    lambda lib: lib.fft.rfft(lib.ones(4, dtype=lib.complex64)), lambda lib: lib.fft.fft(lib.ones(4), dim=2),
    lambda lib: lib.fft.ihfft(lib.ones(4, dtype=lib.complex64)), lambda lib: lib.fft.fftn(lib.ones(4, 4), s=(2, 2, 2)),
    lambda lib: lib.fft.fftn(lib.ones(4, 4), dim=(0, 0)), lambda lib: lib.fft.irfft(lib.ones(1)),
    lambda lib: lib.fft.fft2(lib.ones(4)), lambda lib: lib.fft.fftn(lib.ones(4, 4), s=(2, 2), dim=(0,)),
    lambda lib: lib.fft.fft([1.0]), lambda lib: lib.fft.fft(lib.tensor(1.0)),
    lambda lib: lib.fft.fft(lib.ones(3), n=2.5),
    lambda lib: lib.fft.rfftn(lib.tensor(1.0))])
def test_bad_transform_arguments_raise_pytorchs_error_naming_the_op(call):
    with pytest.raises(Exception) as theirs:
        call(torch_ref)
    with pytest.raises(type(theirs.value)) as ours:
        call(torch)
    message = str(ours.value)
    assert "fft" in message
    assert str(theirs.value).split(": ")[-1] in message or "Dimension out of range" in message
