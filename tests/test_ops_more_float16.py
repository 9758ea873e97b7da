"""float16 end to end: storage, promotion, printing, arithmetic, reductions and gradients against PyTorch.

PyTorch's CPU kernels compute half-precision elementwise ops in float32 and round once; numpy
computes some of them in float16, so values agree to a few float16 ulps rather than exactly.
"""
import numpy as np
import pytest

import autograd_core as torch
import nn.functional as F

torch_ref = pytest.importorskip("torch")
F_ref = torch_ref.nn.functional

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4)).astype(np.float16)
B = RNG.standard_normal((4, 2)).astype(np.float16)
ULPS = 4 * float(np.finfo(np.float16).eps)

OPS = [
    ("add", lambda t, f, x, y: x + 1.5), ("mul", lambda t, f, x, y: x * x),
    ("div", lambda t, f, x, y: x / (x.abs() + 1)), ("pow", lambda t, f, x, y: x ** 2),
    ("exp", lambda t, f, x, y: x.exp()), ("log", lambda t, f, x, y: (x.abs() + 0.1).log()),
    ("sqrt", lambda t, f, x, y: (x.abs() + 0.1).sqrt()), ("tanh", lambda t, f, x, y: x.tanh()),
    ("sigmoid", lambda t, f, x, y: x.sigmoid()), ("relu", lambda t, f, x, y: t.relu(x)),
    ("sum", lambda t, f, x, y: x.sum(1)), ("mean", lambda t, f, x, y: x.mean()), ("var", lambda t, f, x, y: x.var(0)),
    ("max", lambda t, f, x, y: x.max(1).values), ("cumsum", lambda t, f, x, y: x.cumsum(1)),
    ("matmul", lambda t, f, x, y: x @ y), ("softmax", lambda t, f, x, y: t.softmax(x, 1)),
    ("log_softmax", lambda t, f, x, y: t.log_softmax(x, 1)), ("linear", lambda t, f, x, y: f.linear(x, y.T)),
    ("mse_loss", lambda t, f, x, y: f.mse_loss(x, x * 0.5)),
    ("cross_entropy", lambda t, f, x, y: f.cross_entropy(x, t.tensor([0, 1, 3]))),
    ("layer_norm", lambda t, f, x, y: f.layer_norm(x, (4,))), ("where", lambda t, f, x, y: t.where(x > 0, x, 0.0)),
    ("erfc", lambda t, f, x, y: t.erfc(x)), ("exp2", lambda t, f, x, y: t.exp2(x)),
    ("lerp", lambda t, f, x, y: t.lerp(x, x * 2, 0.3)), ("logaddexp", lambda t, f, x, y: t.logaddexp(x, x * 0.5)),
    ("hypot", lambda t, f, x, y: t.hypot(x, x * 0.5)), ("nansum", lambda t, f, x, y: t.nansum(x)),
    ("logcumsumexp", lambda t, f, x, y: t.logcumsumexp(x, 1)), ("std_mean", lambda t, f, x, y: t.std_mean(x, 1)[0]),
    ("aminmax", lambda t, f, x, y: t.aminmax(x, dim=0).max), ("cummax", lambda t, f, x, y: t.cummax(x, 1).values),
    ("diagonal", lambda t, f, x, y: t.diagonal(x)), ("kron", lambda t, f, x, y: t.kron(x, y)),
    ("addmv", lambda t, f, x, y: t.addmv(y[:3, 0].contiguous(), x[:, :3].contiguous(), y[:3, 1].contiguous())),
    ("rot90", lambda t, f, x, y: t.rot90(x)), ("nanmedian", lambda t, f, x, y: t.nanmedian(x, 1).values),
    ("scatter_reduce", lambda t, f, x, y: x.scatter_reduce(0, t.tensor([[0, 1, 0, 2]]), x[:1] * 2, "amax")),
]


@pytest.mark.parametrize("case", OPS, ids=[c[0] for c in OPS])
def test_float16_values_and_gradients_stay_half_and_match_pytorch(case):
    _, f = case
    ours_x, ours_y = torch.tensor(A, requires_grad=True), torch.tensor(B, requires_grad=True)
    theirs_x, theirs_y = torch_ref.tensor(A, requires_grad=True), torch_ref.tensor(B, requires_grad=True)
    ours, theirs = f(torch, F, ours_x, ours_y), f(torch_ref, F_ref, theirs_x, theirs_y)
    assert ours.dtype == torch.float16 and theirs.dtype == torch_ref.float16
    scale = max(1.0, float(theirs.detach().abs().max()))
    np.testing.assert_allclose(ours.numpy(force=True).astype(np.float64),
                               theirs.detach().numpy().astype(np.float64), atol=ULPS * scale, rtol=0)
    ours.float().sum().backward()
    theirs.float().sum().backward()
    for o, t in ((ours_x, theirs_x), (ours_y, theirs_y)):
        if t.grad is None:
            assert o.grad is None
            continue
        assert o.grad.dtype == torch.float16
        grad_scale = max(1.0, float(t.grad.abs().max()))
        np.testing.assert_allclose(o.grad.numpy(force=True).astype(np.float64), t.grad.numpy().astype(np.float64),
                                   atol=ULPS * grad_scale, rtol=0)


@pytest.mark.parametrize("make", [
    lambda t: t.ones(2, dtype=t.float16) + t.ones(2), lambda t: t.ones(2, dtype=t.float16) + 1.5,
    lambda t: t.ones(2, dtype=t.float16) * t.tensor(2.0, dtype=t.float64), lambda t: t.arange(3) + t.ones(3).half(),
    lambda t: t.tensor([1, 2]).half() / 3, lambda t: t.ones(2, dtype=t.float16).sum(), lambda t: t.zeros(2).half(),
])
def test_float16_promotion_matches_pytorch(make):
    ours, theirs = make(torch), make(torch_ref)
    assert repr(ours.dtype) == repr(theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(force=True), theirs.numpy())


def test_float16_prints_and_overflows_as_pytorch():
    values = [1.5, -2.25, 3.0, 65504.0, 1e-4]
    assert repr(torch.tensor(values, dtype=torch.float16)) == repr(torch_ref.tensor(values, dtype=torch_ref.float16))
    big = torch.tensor([60000.0], dtype=torch.float16)
    assert (big * 2).numpy(force=True)[0] == np.inf
    assert torch.float16 is torch.half and torch.tensor([1.0]).half().dtype.itemsize == 2
