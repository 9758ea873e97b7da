"""torch.autograd.forward_ad: dual tensors through elementwise, matmul, reduction and shape ops, against PyTorch."""
import numpy as np
import pytest
from _helpers import assert_raises_like_pytorch

import autograd_core as torch
from autograd_core.autograd import forward_ad as fwAD

torch_ref = pytest.importorskip("torch")

RS = np.random.RandomState(0)
X, T, W = RS.randn(3, 4), RS.randn(3, 4), RS.randn(4, 2)

OPS = {
    "exp_sin_tanh": lambda m, x: x.exp() * x.sin() + x.tanh() / (1 + x ** 2),
    "sigmoid_log_sqrt": lambda m, x: m.sigmoid(x) + (x ** 2 + 1).log() * (x.abs() + 1).sqrt(),
    "relu_clamp_where": lambda m, x: m.relu(x) + x.clamp(-0.5, 0.5) + m.where(x > 0, x * 3, -x),
    "matmul": lambda m, x: x @ m.tensor(W) @ m.tensor(W).T,
    "sum_mean_max": lambda m, x: x.sum(1) * x.mean(0)[:3] + x.amax(1) + x.max(0).values[:3],
    "norm_var_logsumexp": lambda m, x: x.norm() + x.var(1) + x.logsumexp(0)[:3] + x.prod(1),
    "softmax": lambda m, x: x.softmax(1) * x.log_softmax(0),
    "shapes": lambda m, x: m.cat([x.T.reshape(2, 6), x.flatten()[None, 2:8].expand(2, 6)], 0).permute(1, 0)
    .unsqueeze(0).squeeze(0)[1:4, 1],
    "stack_split_index": lambda m, x: m.stack(x.split(2, 1), 0).sum(0) * x[:, [0, 2]] + x.transpose(0, 1)[1:3].T,
    "broadcasting": lambda m, x: x * m.tensor(W[:, 0]) + x[:1] - x[:, :1] / 2,
}


def dual_run(m, op, primal, tangent):
    with m.autograd.forward_ad.dual_level():
        x = m.autograd.forward_ad.make_dual(m.tensor(primal), m.tensor(tangent))
        p, t = m.autograd.forward_ad.unpack_dual(op(m, x))
        return p, t


@pytest.mark.parametrize("name", OPS)
def test_tangents_match_pytorch(name):
    (p, t), (p_ref, t_ref) = (dual_run(m, OPS[name], X, T) for m in (torch, torch_ref))
    np.testing.assert_allclose(p.numpy(force=True), p_ref.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(t.numpy(force=True), t_ref.numpy(), rtol=1e-10, atol=1e-10)


def test_tangent_equals_the_directional_central_difference():
    op = OPS["norm_var_logsumexp"]
    _, t = dual_run(torch, op, X, T)
    h = 1e-6
    numeric = (op(torch, torch.tensor(X + h * T)) - op(torch, torch.tensor(X - h * T))) / (2 * h)
    np.testing.assert_allclose(t.numpy(force=True), numeric.numpy(force=True), rtol=1e-6, atol=1e-8)


def test_make_dual_leaves_the_primal_plain_and_unpack_gives_the_namedtuple():
    x = torch.tensor(X)
    with fwAD.dual_level() as level:
        assert level == 0
        dual = fwAD.make_dual(x, torch.tensor(T))
        assert fwAD.unpack_dual(x).tangent is None
        unpacked = fwAD.unpack_dual(dual)
        assert isinstance(unpacked, fwAD.UnpackedDualTensor)
        assert unpacked.tangent is not None and fwAD.unpack_dual(unpacked.primal).tangent is None
        y = dual * 2
    assert fwAD.unpack_dual(y).tangent is None  # the level closed: tangents are gone


def test_reverse_mode_still_works_through_dual_tensors():
    x = torch.tensor(X, requires_grad=True)
    with fwAD.dual_level():
        dual = fwAD.make_dual(x, torch.tensor(T))
        assert type(dual.grad_fn).__name__ == "ViewBackward0"
        y = (dual.sin() * dual).sum()
        y.backward()
    np.testing.assert_allclose(x.grad.numpy(force=True), np.cos(X) * X + np.sin(X), rtol=1e-12)


def test_a_tangent_that_does_not_reach_an_output_leaves_it_zero():
    with fwAD.dual_level():
        dual = fwAD.make_dual(torch.tensor(X), torch.tensor(T))
        y = dual * torch.tensor(W[:3, :1])
        z = torch.tensor(W) * 2  # no dual input: no tangent
        assert fwAD.unpack_dual(z).tangent is None
        np.testing.assert_allclose(fwAD.unpack_dual(y).tangent.numpy(force=True), T * W[:3, :1])


@pytest.mark.parametrize("call", [
    lambda m: m.autograd.forward_ad.make_dual(m.ones(3), m.ones(3)),
    lambda m: _in_level(m, lambda: m.autograd.forward_ad.make_dual(m.ones(3), m.ones(2))),
    lambda m: _in_level(m, lambda: m.autograd.forward_ad.make_dual(m.ones(3, dtype=m.int64), m.ones(3))),
    lambda m: _in_level(m, lambda: m.autograd.forward_ad.make_dual(m.ones(3), m.ones(3, dtype=m.int64))),
    lambda m: _in_level(m, lambda: _in_level(m, lambda: None)),
])
def test_bad_calls_get_pytorchs_error(call):
    assert_raises_like_pytorch(call)


def _in_level(m, fn):
    with m.autograd.forward_ad.dual_level():
        return fn()


def test_a_custom_function_gives_its_tangent_by_its_jvp_or_raises_pytorchs_error():
    def run(m, with_jvp):
        class Cube(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, scale):
                ctx.save_for_backward(x)
                ctx.primal, ctx.scale = x, scale  # what jvp reads (PyTorch's saved_tensors are backward's)
                return x ** 3 * scale

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return 3 * x ** 2 * ctx.scale * grad, None

        if with_jvp:
            Cube.jvp = staticmethod(lambda ctx, t, _: 3 * ctx.primal ** 2 * ctx.scale * t)
        with m.autograd.forward_ad.dual_level():
            x = m.autograd.forward_ad.make_dual(m.tensor(X), m.tensor(T))
            return m.autograd.forward_ad.unpack_dual(Cube.apply(x, 2.0).sin()).tangent

    np.testing.assert_allclose(run(torch, True).numpy(force=True), run(torch_ref, True).numpy(), rtol=1e-12)
    with pytest.raises(NotImplementedError) as theirs:
        run(torch_ref, False)
    with pytest.raises(NotImplementedError) as ours:
        run(torch, False)
    assert str(ours.value) == str(theirs.value)
