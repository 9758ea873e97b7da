"""nn.init: distributions, bounds, in-place semantics and reproducibility under manual_seed."""
import math

import numpy as np
import pytest

import autograd_core as torch
import nn
from nn import init


def param(*shape):
    return nn.Parameter(torch.empty(*shape))


def test_fills_write_in_place_on_parameters_and_return_them():
    p = param(50, 40)
    array = p.array  # identity only: the same array must be written in place
    version = p._version
    assert init.uniform_(p, -2, 3) is p
    assert p.array is array and p._version > version and p.requires_grad and p.grad_fn is None
    assert -2 <= p.numpy(force=True).min() and p.numpy(force=True).max() < 3 and p.numpy(force=True).dtype == np.float32
    init.constant_(p, 0.25)
    assert (p.numpy(force=True) == np.float32(0.25)).all()
    init.zeros_(p)
    assert not p.numpy(force=True).any()
    init.ones_(p)
    assert (p.numpy(force=True) == 1).all()


def test_normal_and_trunc_normal_statistics():
    torch.manual_seed(0)
    p = init.normal_(param(200, 200), mean=1.0, std=2.0)
    assert p.numpy(force=True).mean() == pytest.approx(1.0, abs=0.05) and p.numpy(force=True).std() == pytest.approx(2.0, rel=0.03)
    t = init.trunc_normal_(param(200, 200), mean=0.5, std=1.0, a=-1.0, b=1.5)
    assert t.numpy(force=True).min() >= -1.0 and t.numpy(force=True).max() <= 1.5
    assert t.numpy(force=True).std() < 1.0  # truncation narrows the spread


def test_manual_seed_makes_init_repeat():
    torch.manual_seed(3)
    a = nn.Linear(10, 5)
    torch.manual_seed(3)
    b = nn.Linear(10, 5)
    np.testing.assert_array_equal(a.weight.numpy(force=True), b.weight.numpy(force=True))
    np.testing.assert_array_equal(a.bias.numpy(force=True), b.bias.numpy(force=True))
    assert not np.array_equal(a.weight.numpy(force=True), nn.Linear(10, 5).weight.numpy(force=True))


@pytest.mark.parametrize("shape, fans", [((3, 4), (4, 3)), ((8, 3, 5, 5), (75, 200)), ((2, 6, 7), (42, 14))])
def test_fan_in_and_fan_out(shape, fans):
    assert init._calculate_fan_in_and_fan_out(torch.empty(*shape)) == fans


def test_fan_needs_two_dims():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(param(5))


def test_calculate_gain():
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("conv2d") == 1 and init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")


def test_xavier_bounds_and_std():
    torch.manual_seed(0)
    p = init.xavier_uniform_(param(300, 200), gain=2.0)
    bound = 2.0 * math.sqrt(6 / 500)
    assert np.abs(p.numpy(force=True)).max() <= bound and np.abs(p.numpy(force=True)).max() > 0.95 * bound
    q = init.xavier_normal_(param(300, 200))
    assert q.numpy(force=True).std() == pytest.approx(math.sqrt(2 / 500), rel=0.03)


def test_kaiming_matches_he_formulas():
    torch.manual_seed(0)
    p = init.kaiming_normal_(param(400, 300), nonlinearity="relu")
    assert p.numpy(force=True).std() == pytest.approx(math.sqrt(2 / 300), rel=0.03)
    q = init.kaiming_normal_(param(400, 300), mode="fan_out", nonlinearity="relu")
    assert q.numpy(force=True).std() == pytest.approx(math.sqrt(2 / 400), rel=0.03)
    u = init.kaiming_uniform_(param(400, 300), a=math.sqrt(5))
    bound = 1 / math.sqrt(300)  # gain sqrt(2 / (1 + 5)) * sqrt(3 / fan_in)
    assert np.abs(u.numpy(force=True)).max() <= bound and np.abs(u.numpy(force=True)).max() > 0.95 * bound
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(param(3, 3), mode="fan_avg")


def test_eye_dirac_and_orthogonal():
    np.testing.assert_array_equal(init.eye_(param(2, 3)).numpy(force=True), np.eye(2, 3))
    with pytest.raises(ValueError, match="2 dimensions"):
        init.eye_(param(2, 2, 2))
    d = init.dirac_(param(2, 2, 3, 3)).numpy(force=True)
    assert d[0, 0, 1, 1] == 1 and d[1, 1, 1, 1] == 1 and d.sum() == 2
    for shape in ((6, 4), (4, 6), (3, 2, 2)):
        w = init.orthogonal_(param(*shape), gain=2.0).numpy(force=True).reshape(shape[0], -1).astype(np.float64)
        gram = w @ w.T if shape[0] <= w.shape[1] else w.T @ w
        np.testing.assert_allclose(gram, 4.0 * np.eye(len(gram)), atol=1e-5)
