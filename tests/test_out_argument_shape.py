"""``out=`` of the shape, index, creation and random ops, and ``device=`` of every creation and random op."""
import warnings

import numpy as np
import pytest

import autograd_core as torch


def values(t):
    return t.numpy(force=True)


# (name, op(lib, out) on fixed inputs): each runs the same way on autograd_core and on PyTorch
OPS = {
    "cat": lambda L, out: L.cat([L.ones(2, 3), L.zeros(1, 3)], out=out),
    "concat": lambda L, out: L.concat([L.ones(2), L.zeros(2)], out=out),
    "stack": lambda L, out: L.stack([L.ones(3), L.arange(3.0)], 1, out=out),
    "hstack": lambda L, out: L.hstack([L.ones(2, 1), L.arange(4.0).reshape(2, 2)], out=out),
    "vstack": lambda L, out: L.vstack([L.arange(3.0), L.ones(3)], out=out),
    "dstack": lambda L, out: L.dstack([L.arange(3.0), L.ones(3)], out=out),
    "zeros": lambda L, out: L.zeros(2, 3, out=out),
    "ones": lambda L, out: L.ones((2, 3), out=out),
    "full": lambda L, out: L.full((3,), 2.5, out=out),
    "arange": lambda L, out: L.arange(1, 7, 2, out=out),
    "linspace": lambda L, out: L.linspace(0, 1, 5, out=out),
    "logspace": lambda L, out: L.logspace(0, 2, 3, out=out),
    "eye": lambda L, out: L.eye(3, 2, out=out),
    "gather": lambda L, out: L.gather(L.arange(6.0).reshape(2, 3), 1, L.tensor([[2, 0], [1, 1]]), out=out),
    "index_select": lambda L, out: L.index_select(L.arange(6.0).reshape(2, 3), 1, L.tensor([2, 0]), out=out),
    "take": lambda L, out: L.take(L.arange(6.0).reshape(2, 3), L.tensor([5, 0, -1]), out=out),
    "masked_select": lambda L, out: L.masked_select(L.arange(3.0), L.tensor([True, False, True]), out=out),
    "where": lambda L, out: L.where(L.tensor([True, False]), L.ones(2), L.zeros(2), out=out),
    "tril": lambda L, out: L.tril(L.ones(3, 3), -1, out=out),
    "triu": lambda L, out: L.triu(L.ones(2, 3), out=out),
    "scatter": lambda L, out: L.scatter(L.zeros(2, 3), 1, L.tensor([[2], [0]]), L.ones(2, 1), out=out),
    "scatter_add": lambda L, out: L.scatter_add(L.zeros(3), 0, L.tensor([0, 0, 2]), L.ones(3), out=out),
    "index_add": lambda L, out: L.index_add(L.zeros(3, 2), 0, L.tensor([0, 2, 0]), L.ones(3, 2), out=out),
    "narrow_copy": lambda L, out: L.narrow_copy(L.arange(6.0).reshape(2, 3), 1, 1, 2, out=out),
}

INT_OPS = {
    "nonzero": lambda L, out: L.nonzero(L.tensor([[0, 1], [2, 0]]), out=out),
    "arange_int": lambda L, out: L.arange(5, out=out),
    "randint": lambda L, out: L.randint(0, 10, (4,), out=out),
    "randperm": lambda L, out: L.randperm(5, out=out),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_out_holds_the_result_and_is_returned(name):
    op = OPS[name]
    expected = op(torch, None)
    out = torch.empty(0, dtype=expected.dtype)
    version = out._version
    result = op(torch, out)
    assert result is out and out.shape == expected.shape and out.dtype == expected.dtype
    np.testing.assert_array_equal(values(out), values(expected))
    assert out._version > version


@pytest.mark.parametrize("name", sorted(OPS))
def test_out_parity_with_torch(name):
    torch_ref = pytest.importorskip("torch")
    ours, theirs = torch.empty(0), torch_ref.empty(0)
    OPS[name](torch, ours)
    OPS[name](torch_ref, theirs)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(values(ours), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", sorted(INT_OPS))
def test_integer_results_into_out(name):
    torch.manual_seed(0)
    expected = INT_OPS[name](torch, None)
    torch.manual_seed(0)
    out = torch.empty(0, dtype=torch.int64)
    assert INT_OPS[name](torch, out) is out
    np.testing.assert_array_equal(values(out), values(expected))


def test_an_out_of_another_shape_is_resized_with_pytorchs_warning():
    out = torch.zeros(5)
    with pytest.warns(UserWarning, match=r"An output with one or more elements was resized since it had shape \[5\], "
                                         r"which does not match the required output shape \[2, 3\]"):
        torch.cat([torch.ones(1, 3), torch.ones(1, 3)], out=out)
    assert out.shape == (2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an empty out is resized silently
        torch.index_select(torch.ones(2, 2), 0, torch.tensor([1]), out=torch.empty(0))
        torch.stack([torch.ones(2)] * 3, out=torch.empty(3, 2))


def test_factories_make_outs_dtype_and_check_an_explicit_one():
    out = torch.empty(2, 3, dtype=torch.int64)
    assert torch.zeros(2, 3, out=out).dtype == torch.int64 and values(out).sum() == 0
    assert torch.full((2,), 1.5, out=torch.empty(2, dtype=torch.int64)).tolist() == [1, 1]
    assert torch.arange(5, out=torch.empty(5)).tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert torch.arange(0.5, 3, out=torch.empty(3, dtype=torch.int64)).tolist() == [0, 1, 2]
    assert torch.eye(2, out=torch.empty(0, dtype=torch.int64)).tolist() == [[1, 0], [0, 1]]
    for make in (torch.zeros, torch.randn, torch.arange, torch.eye, torch.randperm):
        with pytest.raises(RuntimeError, match=r"dtype Double does not match dtype of out parameter \(Float\)"):
            make(2, dtype=torch.float64, out=torch.empty(2))


def test_requires_grad_does_not_apply_to_a_factory_writing_into_out():
    out = torch.empty(2)
    assert torch.ones(2, out=out, requires_grad=True) is out and not out.requires_grad


def test_random_ops_draw_the_same_numbers_into_out():
    for draw in (lambda **kw: torch.randn(3, 2, **kw), lambda **kw: torch.rand(4, **kw),
                 lambda **kw: torch.normal(1.0, 2.0, (3,), **kw),
                 lambda **kw: torch.bernoulli(torch.full((6,), 0.5), **kw)):
        torch.manual_seed(7)
        expected = draw()
        torch.manual_seed(7)
        out = torch.empty(0)
        assert draw(out=out) is out
        np.testing.assert_array_equal(values(out), values(expected))
    torch.manual_seed(7)
    wide = torch.randn(3, out=torch.empty(3, dtype=torch.float64))
    torch.manual_seed(7)
    np.testing.assert_array_equal(values(wide), values(torch.randn(3, dtype=torch.float64)))


def test_join_ops_cast_into_outs_of_the_same_kind_only():
    assert torch.cat([torch.ones(2, dtype=torch.int64)], out=torch.empty(0)).dtype == torch.float32
    assert torch.stack([torch.ones(2)], out=torch.empty(0, dtype=torch.float64)).dtype == torch.float64
    for join in (torch.cat, torch.stack, torch.vstack):
        with pytest.raises(TypeError, match="input types can't be cast to the desired output type Long"):
            join([torch.ones(2)], out=torch.empty(2, dtype=torch.int64))


@pytest.mark.parametrize("op, message", [
    (lambda out: torch.gather(torch.ones(2), 0, torch.tensor([0]), out=out),
     "Expected out tensor to have dtype float, but got double instead"),
    (lambda out: torch.tril(torch.ones(2, 2), out=out),
     "Expected out tensor to have dtype float, but got double instead"),
    (lambda out: torch.scatter(torch.ones(2), 0, torch.tensor([0]), 1.0, out=out),
     "Expected out tensor to have dtype float, but got double instead"),
    (lambda out: torch.index_add(torch.ones(2), 0, torch.tensor([0]), torch.ones(1), out=out),
     "Expected out tensor to have dtype float, but got double instead"),
    (lambda out: torch.index_select(torch.ones(2), 0, torch.tensor([0]), out=out),
     r"index_select\(\): self and result must have the same scalar type"),
    (lambda out: torch.masked_select(torch.ones(2), torch.tensor([True, False]), out=out),
     r"masked_select\(\): self and result must have the same scalar type"),
    (lambda out: torch.take(torch.ones(2), torch.tensor([0]), out=out),
     r"take\(\): self and out expected to have the same dtype, but got self.dtype = Float and out.dtype = Double"),
    (lambda out: torch.where(torch.tensor([True]), torch.ones(1), torch.zeros(1), out=out),
     "Expected out type to be Float but got Double"),
    (lambda out: torch.nonzero(torch.ones(2), out=out),
     "nonzero: Expected out tensor to have scalar type Long but got scalar typeDouble"),
])
def test_ops_whose_out_must_have_the_results_dtype(op, message):
    with pytest.raises(RuntimeError, match=message):
        op(torch.empty(1, dtype=torch.float64))


def test_out_refuses_autograd_and_non_tensors():
    x = torch.ones(2, requires_grad=True)
    for op in (lambda out: torch.cat([x, x], out=out), lambda out: torch.stack([x], out=out),
               lambda out: torch.gather(x, 0, torch.tensor([1]), out=out),
               lambda out: torch.index_select(x, 0, torch.tensor([1]), out=out)):
        with pytest.raises(RuntimeError, match="functions with out=... arguments don't support automatic "
                                               "differentiation, but one of the arguments requires grad"):
            op(torch.empty(0))
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        torch.zeros(2, out=torch.empty(2, requires_grad=True))
    with torch.no_grad():
        assert torch.cat([x, x], out=torch.empty(0)).shape == (4,)
    with pytest.raises(TypeError, match=r"cat\(\): argument 'out' must be Tensor, not int"):
        torch.cat([torch.ones(1)], out=3)
    with pytest.raises(TypeError, match=r"zeros\(\): argument 'out' must be Tensor, not list"):
        torch.zeros(2, out=[])
    with pytest.raises(RuntimeError, match="nonzero does not support the out kwarg when as_tuple is True"):
        torch.nonzero(torch.ones(2), as_tuple=True, out=torch.empty(0, dtype=torch.int64))


def test_errors_match_torch():
    torch_ref = pytest.importorskip("torch")
    cases = [
        lambda L: L.zeros(2, dtype=L.float64, out=L.empty(2)),
        lambda L: L.cat([L.ones(2)], out=L.empty(2, dtype=L.int64)),
        lambda L: L.tril(L.ones(2, 2), out=L.empty(2, 2, dtype=L.float64)),
        lambda L: L.take(L.ones(2), L.tensor([0]), out=L.empty(1, dtype=L.float64)),
        lambda L: L.stack([L.ones(2, requires_grad=True)], out=L.empty(2)),
    ]
    for case in cases:
        with pytest.raises(Exception) as theirs:
            case(torch_ref)
        with pytest.raises(type(theirs.value)) as ours:
            case(torch)
        assert str(theirs.value).split(" (Triggered")[0] in str(ours.value)


CREATION = {
    "tensor": lambda **kw: torch.tensor([1.0], **kw),
    "as_tensor": lambda **kw: torch.as_tensor([1.0], **kw),
    "zeros": lambda **kw: torch.zeros(2, **kw),
    "ones": lambda **kw: torch.ones(2, **kw),
    "empty": lambda **kw: torch.empty(2, **kw),
    "full": lambda **kw: torch.full((2,), 1.0, **kw),
    "arange": lambda **kw: torch.arange(3, **kw),
    "linspace": lambda **kw: torch.linspace(0, 1, 3, **kw),
    "logspace": lambda **kw: torch.logspace(0, 1, 3, **kw),
    "eye": lambda **kw: torch.eye(2, **kw),
    "zeros_like": lambda **kw: torch.zeros_like(torch.ones(2), **kw),
    "ones_like": lambda **kw: torch.ones_like(torch.ones(2), **kw),
    "empty_like": lambda **kw: torch.empty_like(torch.ones(2), **kw),
    "full_like": lambda **kw: torch.full_like(torch.ones(2), 3.0, **kw),
    "rand": lambda **kw: torch.rand(2, **kw),
    "randn": lambda **kw: torch.randn(2, **kw),
    "randint": lambda **kw: torch.randint(0, 3, (2,), **kw),
    "randperm": lambda **kw: torch.randperm(3, **kw),
    "normal": lambda **kw: torch.normal(0.0, 1.0, (2,), **kw),
    "rand_like": lambda **kw: torch.rand_like(torch.ones(2), **kw),
    "randn_like": lambda **kw: torch.randn_like(torch.ones(2), **kw),
    "randint_like": lambda **kw: torch.randint_like(torch.ones(2), 0, 3, **kw),
    "new_tensor": lambda **kw: torch.ones(1).new_tensor([2.0], **kw),
    "new_zeros": lambda **kw: torch.ones(1).new_zeros(2, **kw),
    "new_ones": lambda **kw: torch.ones(1).new_ones(2, **kw),
    "new_full": lambda **kw: torch.ones(1).new_full((2,), 4.0, **kw),
    "new_empty": lambda **kw: torch.ones(1).new_empty(2, **kw),
    "Generator": lambda **kw: torch.Generator(**kw),
}


@pytest.mark.parametrize("name", sorted(CREATION))
def test_device_is_checked_by_every_creation_and_random_op(name):
    with pytest.raises(RuntimeError) as expected:
        torch.zeros(2, device="cuda")
    make = CREATION[name]
    with pytest.raises(RuntimeError, match="^" + str(expected.value).replace("(", r"\(").replace(")", r"\)") + "$"):
        make(device="cuda")
    assert make(device="cpu") is not None and make(device=torch.device("cpu")) is not None


def test_a_refused_device_draws_no_random_numbers():
    torch.manual_seed(3)
    with pytest.raises(RuntimeError):
        torch.randn(2, device="cuda")
    first = torch.randn(2)
    torch.manual_seed(3)
    np.testing.assert_array_equal(values(first), values(torch.randn(2)))
