"""In-place fills and copies: values, versions, autograd through them."""
import numpy as np
import pytest

import autograd_core as torch


def test_fill_and_zero_bump_version():
    x = torch.ones(3)
    x.fill_(2.5)
    assert x.tolist() == [2.5] * 3 and x._version == 1
    x.zero_()
    assert x.tolist() == [0.0] * 3 and x._version == 2


def test_fill_on_leaf_requiring_grad_needs_no_grad():
    w = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w.fill_(0)
    with torch.no_grad():
        w.uniform_(-1, 1)
    assert np.all(np.abs(w.detach().numpy()) <= 1) and w.requires_grad


def test_overwritten_values_get_no_gradient():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.zero_()
    (h + x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1, 1])


def test_copy_broadcasts_casts_and_passes_gradient_to_source():
    src = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    dst = torch.zeros(2, 3)
    dst.copy_(src)
    assert dst.dtype is torch.float32 and dst.grad_fn is not None
    (dst * 2).sum().backward()
    np.testing.assert_array_equal(src.grad.numpy(), [4, 4, 4])
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        torch.zeros(3).copy_(torch.ones(4))


def test_random_fills_follow_the_global_seed():
    torch.manual_seed(3)
    a = torch.empty(4).normal_(0, 2)
    torch.manual_seed(3)
    assert torch.empty(4).normal_(0, 2).tolist() == a.tolist()


def test_new_tensor_factories_keep_dtype():
    x = torch.zeros(1, dtype=torch.float64)
    assert x.new_zeros(2, 3).dtype is torch.float64 and x.new_ones((2,)).shape == (2,)
    assert x.new_full((2,), 7).tolist() == [7.0, 7.0] and x.new_tensor([1, 2]).dtype is torch.float64
