"""torch.fft's sample frequencies and shifts against PyTorch 2.13 (the transforms need complex tensors, which
this library does not have)."""
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
