"""Arithmetic ops: gradchecks in float64 over broadcast shapes drawn by hypothesis."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as torch
from autograd_core.autograd import gradcheck, gradgradcheck

SETTINGS = settings(max_examples=25, deadline=None)
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** b,
    "rsub_scalar": lambda a, b: 2.5 - a * b,
    "rdiv_scalar": lambda a, b: 1.5 / (a + b),
    "rpow_scalar": lambda a, b: 1.5 ** (a * b),
    "remainder": lambda a, b: torch.remainder(3 * a, b),
    "fmod": lambda a, b: torch.fmod(3 * a, b),
    "div_floor": lambda a, b: torch.div(3 * a, b, rounding_mode="floor") + a * b,
    "div_trunc": lambda a, b: torch.div(3 * a, b, rounding_mode="trunc") + a * b,
}


def leaf(array):
    return torch.tensor(array, dtype=torch.float64, requires_grad=True)


def positive(shape, seed):
    return np.random.default_rng(seed).uniform(0.5, 2.0, shape)


@pytest.mark.parametrize("name", sorted(BINARY))
@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       seed=st.integers(0, 1000))
def test_binary_ops_gradcheck_over_broadcast_shapes(name, shapes, seed):
    a, b = (leaf(positive(s, seed + i)) for i, s in enumerate(shapes.input_shapes))
    out = BINARY[name](a, b)
    assert out.shape == shapes.result_shape
    assert gradcheck(BINARY[name], (a, b))


@pytest.mark.parametrize("name", ["mul", "div", "pow"])
def test_binary_ops_gradgradcheck(name):
    a, b = leaf(positive((2, 3), 1)), leaf(positive((3,), 2))
    assert gradgradcheck(BINARY[name], (a, b))


@pytest.mark.parametrize("exponent", [0, 1, 2, 3, -1, 0.5, -2.5])
def test_pow_scalar_exponent(exponent):
    x = leaf(positive((4,), 3))
    assert gradcheck(lambda t: t ** exponent, (x,))
    assert gradgradcheck(lambda t: t ** exponent, (x,))


def test_pow_at_zero_base_has_finite_exponent_gradient():
    base = leaf([0.0, 2.0])
    exponent = leaf([2.0, 3.0])
    (base ** exponent).sum().backward()
    assert np.all(np.isfinite(exponent.grad.numpy()))
    assert exponent.grad.numpy()[0] == 0.0


def test_neg_floor_divide_remainder():
    x = leaf([-3.5, 2.25, 7.0])
    assert gradcheck(lambda t: -t, (x,))
    assert (torch.tensor([7, -7]) // 2).tolist() == [3, -4]
    assert (torch.tensor([7, -7]) % 3).tolist() == [1, 2]
    assert torch.fmod(torch.tensor([7, -7]), 3).tolist() == [1, -1]
    assert gradcheck(lambda t: t % 1.5, (x,))
    with pytest.raises(RuntimeError, match="bool tensor"):
        -torch.tensor([True])


def test_alpha_and_functional_forms():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    np.testing.assert_array_equal(torch.add(a, b, alpha=2).detach().numpy(), [7, 10])
    np.testing.assert_array_equal(torch.sub(a, b, alpha=0.5).detach().numpy(), [-0.5, 0])
    np.testing.assert_array_equal(torch.div(torch.tensor([7.0, -7.0]), 2, rounding_mode="floor").numpy(), [3, -4])
    np.testing.assert_array_equal(torch.div(torch.tensor([7.0, -7.0]), 2, rounding_mode="trunc").numpy(), [3, -3])
    assert torch.div(torch.tensor([7, -7]), 2, rounding_mode="trunc").tolist() == [3, -3]
