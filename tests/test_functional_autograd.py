"""torch.autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp against PyTorch, finite differences and grad loops."""
import numpy as np
import pytest
from _helpers import assert_central_differences_of_layer, assert_raises_like_pytorch, both, layer, scalar

import autograd_core as torch
from autograd_core.autograd import functional as F

torch_ref = pytest.importorskip("torch")

RS = np.random.RandomState(0)
X, W, V2, V3 = RS.randn(3), RS.randn(2, 3), RS.randn(2), RS.randn(3)


def assert_same(ours, theirs, tol=1e-10):
    if isinstance(theirs, (tuple, list)):  # PyTorch's forward-mode jacobian nests lists; ours tuples throughout
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            assert_same(o, t, tol)
        return
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(force=True), theirs.detach().numpy(), rtol=tol, atol=tol)


def pair(a, b):
    return (a * b).sin().sum() * (a ** 2).sum(), a.tanh() * b[0]


@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_of_tuples_matches_pytorch(vectorize):
    ours, theirs = both(lambda m: m.autograd.functional.jacobian(
        layer, (m.tensor(X), m.tensor(W)), vectorize=vectorize))
    assert_same(ours, theirs)
    ours, theirs = both(lambda m: m.autograd.functional.jacobian(pair, (m.tensor(X), m.tensor(V3))))
    assert_same(ours, theirs)
    ours, theirs = both(lambda m: m.autograd.functional.jacobian(lambda a: a.tanh(), m.tensor(X)))
    assert_same(ours, theirs)


def test_forward_mode_jacobian_matches_pytorch():
    ours, theirs = both(lambda m: m.autograd.functional.jacobian(
        pair, (m.tensor(X), m.tensor(V3)), vectorize=True, strategy="forward-mode"))
    assert_same(ours, theirs)


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
def test_hessian_matches_pytorch(strategy):
    vectorize = strategy == "forward-mode"
    ours, theirs = both(lambda m: m.autograd.functional.hessian(
        scalar, m.tensor(X), vectorize=vectorize, outer_jacobian_strategy=strategy))
    assert_same(ours, theirs)
    ours, theirs = both(lambda m: m.autograd.functional.hessian(
        lambda a, b: (a * b).sum() ** 2 + (a ** 3).sum(), (m.tensor(X), m.tensor(V3))))
    assert_same(ours, theirs)


def test_products_with_vectors_match_pytorch():
    assert_same(*both(lambda m: m.autograd.functional.vjp(layer, (m.tensor(X), m.tensor(W)), m.tensor(V2))))
    assert_same(*both(lambda m: m.autograd.functional.jvp(layer, (m.tensor(X), m.tensor(W)),
                                                          (m.tensor(V3), m.tensor(W * 2)))))
    assert_same(*both(lambda m: m.autograd.functional.hvp(scalar, m.tensor(X), m.tensor(V3))))
    assert_same(*both(lambda m: m.autograd.functional.vhp(scalar, m.tensor(X), m.tensor(V3))))
    ours, theirs = both(lambda m: m.autograd.functional.vjp(lambda a: a.sum() * 2, m.tensor(X)))
    assert_same(ours, theirs)


def test_create_graph_keeps_the_results_differentiable():
    def second_order(m):
        x = m.tensor(X, requires_grad=True)
        jac = m.autograd.functional.jacobian(lambda a: a.sin() * a.sum(), x, create_graph=True)
        _, hv = m.autograd.functional.hvp(scalar, x, m.tensor(V3), create_graph=True)
        (g,) = m.autograd.grad((jac ** 2).sum() + hv.sum(), x)
        return g
    ours, theirs = both(second_order)
    assert_same(ours, theirs)


def test_jacobian_equals_central_differences():
    jac = F.jacobian(lambda a: layer(a, torch.tensor(W)), torch.tensor(X)).numpy(force=True)
    assert_central_differences_of_layer(jac, X, W)


def test_hessian_equals_central_differences_of_the_gradient_and_a_grad_loop():
    hess = F.hessian(scalar, torch.tensor(X)).numpy(force=True)

    def gradient(point):
        x = torch.tensor(point, requires_grad=True)
        return torch.autograd.grad(scalar(x), x)[0].numpy(force=True)

    h = 1e-6
    numerical = np.stack([(gradient(X + h * e) - gradient(X - h * e)) / (2 * h) for e in np.eye(3)], axis=1)
    np.testing.assert_allclose(hess, numerical, rtol=1e-6, atol=1e-7)
    x = torch.tensor(X, requires_grad=True)
    (g,) = torch.autograd.grad(scalar(x), x, create_graph=True)
    rows = [torch.autograd.grad(g[i], x, retain_graph=True)[0].numpy(force=True) for i in range(3)]
    np.testing.assert_allclose(hess, np.stack(rows), rtol=1e-12, atol=1e-12)


def test_zeros_for_an_independent_input_and_strict_raises_pytorchs_error():
    def f(m):
        return lambda a, b: a * 2

    ours, theirs = both(lambda m: m.autograd.functional.jacobian(f(m), (m.tensor(X), m.tensor(V3))))
    assert_same(ours, theirs)
    for name, args in (("jacobian", ()), ("vjp", ("v",))):
        with pytest.raises(RuntimeError) as theirs:
            fn = getattr(torch_ref.autograd.functional, name)
            fn(f(torch_ref), (torch_ref.tensor(X), torch_ref.tensor(V3)),
               *[torch_ref.ones(3, dtype=torch_ref.float64) for _ in args], strict=True)
        with pytest.raises(RuntimeError) as ours:
            fn = getattr(torch.autograd.functional, name)
            fn(f(torch), (torch.tensor(X), torch.tensor(V3)), *[torch.ones(3, dtype=torch.float64) for _ in args],
               strict=True)
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("call", [
    lambda m: m.autograd.functional.jacobian(lambda a: a, [1.0]),
    lambda m: m.autograd.functional.vjp(lambda a: a, (m.ones(2), 3)),
    lambda m: m.autograd.functional.hessian(lambda a: a.sum(), (m.ones(2), "x")),
    lambda m: m.autograd.functional.jacobian(lambda a: 3.0, m.ones(2)),
])
def test_non_tensors_get_pytorchs_type_error(call):
    with pytest.raises(TypeError) as theirs:
        call(torch_ref)
    with pytest.raises(TypeError) as ours:
        call(torch)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("call", [
    lambda m: m.autograd.functional.vjp(lambda a: a * 2, m.ones(3, dtype=m.float64), m.ones(2, dtype=m.float64)),
    lambda m: m.autograd.functional.jvp(lambda a: a * 2, m.ones(3, dtype=m.float64)),
    lambda m: m.autograd.functional.hvp(lambda a: a.sum(), m.ones(3, dtype=m.float64),
                                        (m.ones(3, dtype=m.float64),) * 2),
    lambda m: m.autograd.functional.hessian(lambda a: a * 2, m.ones(3, dtype=m.float64)),
    lambda m: m.autograd.functional.vhp(lambda a: (a * 2, a), m.ones(3, dtype=m.float64), m.ones(3, dtype=m.float64)),
    lambda m: m.autograd.functional.jacobian(lambda a: a * 2, m.ones(3, dtype=m.float64), strategy="forward-mode"),
    lambda m: m.autograd.functional.jacobian(lambda a: a * 2, m.ones(3, dtype=m.float64), strict=True,
                                             vectorize=True),
])
def test_bad_calls_get_pytorchs_error(call):
    assert_raises_like_pytorch(call)
