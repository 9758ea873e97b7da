"""torch.func: grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, vmap, functional_call against PyTorch."""
import numpy as np
import pytest
from _helpers import assert_central_differences_of_layer, assert_raises_like_pytorch, both, layer, scalar

import autograd_core as torch
import nn

torch_ref = pytest.importorskip("torch")

RS = np.random.RandomState(0)
X, W, B = RS.randn(3), RS.randn(2, 3), RS.randn(4, 3)


def assert_same(ours, theirs, tol=1e-10):
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and sorted(ours) == sorted(theirs)
        for k in theirs:
            assert_same(ours[k], theirs[k], tol)
    elif isinstance(theirs, (tuple, list)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            assert_same(o, t, tol)
    else:
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy(force=True), theirs.detach().numpy(), rtol=tol, atol=tol)


def test_grad_and_grad_and_value_match_pytorch():
    assert_same(*both(lambda m: m.func.grad(scalar)(m.tensor(X))))
    assert_same(*both(lambda m: m.func.grad_and_value(lambda a, b: layer(a, b).sum(), argnums=(0, 1))(
        m.tensor(X), m.tensor(W))))
    assert_same(*both(lambda m: m.func.grad(lambda a, b: layer(a, b).sum(), argnums=-1)(m.tensor(X), m.tensor(W))))
    assert_same(*both(lambda m: m.func.grad(lambda d: (d["a"] * d["b"].cos()).sum())(
        {"a": m.tensor(X), "b": m.tensor(X) * 2})))


def test_has_aux_returns_the_aux_value():
    ours, theirs = both(lambda m: m.func.grad(lambda a: (scalar(a), a.sin()), has_aux=True)(m.tensor(X)))
    assert_same(ours, theirs)


def test_grad_nests_and_gives_the_third_derivative():
    ours, theirs = both(lambda m: m.func.grad(m.func.grad(m.func.grad(lambda a: (a.sin() * a ** 3).sum())))(
        m.tensor(1.3, dtype=m.float64)))
    assert_same(ours, theirs)


def test_vjp_and_jvp_match_pytorch():
    def vjp(m):
        out, fn = m.func.vjp(layer, m.tensor(X), m.tensor(W))
        return out, fn(m.tensor(np.array([0.5, -2.0])))
    assert_same(*both(vjp))
    assert_same(*both(lambda m: m.func.jvp(layer, (m.tensor(X), m.tensor(W)), (m.tensor(X[::-1].copy()),
                                                                               m.tensor(W * 3)))))


def test_jacobians_and_hessian_match_pytorch():
    assert_same(*both(lambda m: m.func.jacrev(layer, argnums=(0, 1))(m.tensor(X), m.tensor(W))))
    assert_same(*both(lambda m: m.func.jacfwd(layer, argnums=1)(m.tensor(X), m.tensor(W))))
    assert_same(*both(lambda m: m.func.jacrev(lambda a: (a.sin(), a.sum() * a))(m.tensor(X))))
    assert_same(*both(lambda m: m.func.hessian(scalar)(m.tensor(X))))
    assert_same(*both(lambda m: m.func.jacrev(m.func.jacrev(scalar))(m.tensor(X))))
    assert_same(*both(lambda m: m.func.hessian(lambda a, b: (a * b).sum() ** 2, argnums=(0, 1))(
        m.tensor(X), m.tensor(X + 1))))


def test_jacrev_equals_central_differences():
    assert_central_differences_of_layer(torch.func.jacrev(layer)(torch.tensor(X), torch.tensor(W)).numpy(force=True),
                                        X, W)


def test_vmap_matches_pytorch():
    assert_same(*both(lambda m: m.func.vmap(layer, in_dims=(0, None))(m.tensor(B), m.tensor(W))))
    assert_same(*both(lambda m: m.func.vmap(layer, in_dims=(1, None), out_dims=1)(m.tensor(B.T.copy()),
                                                                                    m.tensor(W))))
    assert_same(*both(lambda m: m.func.vmap(m.func.grad(scalar))(m.tensor(B))))
    assert_same(*both(lambda m: m.func.vmap(m.func.jacrev(layer), in_dims=(0, None))(m.tensor(B), m.tensor(W))))
    assert_same(*both(lambda m: m.func.vmap(lambda a: (a.sum(), a * 2), out_dims=(0, 1))(m.tensor(B))))


def test_vmap_records_for_backward():
    def grads(m):
        b = m.tensor(B, requires_grad=True)
        m.func.vmap(lambda a: a.sin() * a.sum())(b).pow(2).sum().backward()
        return b.grad
    assert_same(*both(grads))


def test_functional_call_with_grad_over_the_parameters():
    model = nn.Linear(3, 2).double()
    reference = torch_ref.nn.Linear(3, 2).double()
    with torch_ref.no_grad():
        reference.weight.copy_(torch_ref.tensor(model.weight.numpy(force=True)))
        reference.bias.copy_(torch_ref.tensor(model.bias.numpy(force=True)))

    def per_parameter_gradients(m, module):
        params = {k: v.detach() for k, v in module.named_parameters()}
        loss = lambda p, x: (m.func.functional_call(module, p, (x,)) ** 2).sum()
        return m.func.grad(loss)(params, m.tensor(B))
    assert_same(per_parameter_gradients(torch, model), per_parameter_gradients(torch_ref, reference))


@pytest.mark.parametrize("call", [
    lambda m: m.func.vmap(lambda a, b: a + b)(m.ones(2, 3), m.ones(3, 3)),
    lambda m: m.func.vmap(lambda a, b: a + b, in_dims=(2, 0))(m.ones(2, 3), m.ones(2, 3)),
    lambda m: m.func.vmap(lambda a, b: a + b, in_dims=(None, None))(m.ones(2, 3), m.ones(2, 3)),
    lambda m: m.func.vmap(lambda a, b: a + b, in_dims=(0.5, 0))(m.ones(2, 3), m.ones(2, 3)),
    lambda m: m.func.vmap(lambda a, b: a + b, in_dims=(0, 0))(m.ones(2, 3), [1]),
    lambda m: m.func.vmap(lambda a, b: a + b, in_dims=[0, 0])(m.ones(2, 3), m.ones(2, 3)),
    lambda m: m.func.grad(lambda a: a)(m.ones(2, 3)),
    lambda m: m.func.grad(lambda a: 3.0)(m.ones(2, 3)),
    lambda m: m.func.grad(lambda a: a.sum(), argnums=2)(m.ones(2, 3)),
    lambda m: m.func.grad(lambda a: a.sum(), has_aux=True)(m.ones(2, 3)),
    lambda m: m.func.grad(lambda a: a.sum(), argnums=(0, 0))(m.ones(2, 3)),
    lambda m: m.func.grad(lambda a: a.sum())(3.0),
    lambda m: m.func.vmap(lambda a: a * 2, randomness="x")(m.ones(2)),
    lambda m: m.func.jacfwd(lambda a: a * 2, randomness="x")(m.ones(2)),
])
def test_bad_calls_get_pytorchs_error(call):
    assert_raises_like_pytorch(call)


def test_vmap_with_in_dims_of_the_wrong_structure_names_both():
    def call(m):
        return m.func.vmap(lambda a, b: a + b, in_dims=(0, 0, 0))(m.ones(2, 3), m.ones(2, 3))
    with pytest.raises(ValueError) as theirs:
        call(torch_ref)
    with pytest.raises(ValueError, match="in_dims has structure") as ours:
        call(torch)
    prefix = "vmap(<lambda>, in_dims=(0, 0, 0), ...)(<inputs>): in_dims is not compatible with the structure of"
    assert str(ours.value).startswith(prefix) and str(theirs.value).startswith(prefix)


def test_vmap_randomness_same_gives_every_sample_the_same_draw():
    rows = torch.func.vmap(lambda a: a + torch.rand(3), randomness="same")(torch.zeros(4, 3))
    np.testing.assert_array_equal(rows.numpy(force=True), np.repeat(rows.numpy(force=True)[:1], 4, axis=0))
    rows = torch.func.vmap(lambda a: a + torch.rand(3), randomness="different")(torch.zeros(4, 3))
    assert not np.array_equal(rows.numpy(force=True)[0], rows.numpy(force=True)[1])
