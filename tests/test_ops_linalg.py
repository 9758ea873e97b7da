"""Linear algebra: matmul/@, mm, bmm, mv, dot, outer, addmm and einsum."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as torch
from autograd_core.autograd import gradcheck, gradgradcheck


def rand(*shape, requires_grad=True):
    return torch.tensor(np.random.randn(*shape), requires_grad=requires_grad)


MATMUL_SHAPES = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((2, 2, 3), (3, 4)), ((3,), (2, 3, 4)),
    ((2, 1, 2, 3), (3, 3, 2)), ((2, 3), (2, 3, 1)), ((2, 2, 3), (3,)), ((1, 2, 3), (2, 3, 2)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES)
def test_matmul_forward_and_gradcheck(shapes):
    a, b = rand(*shapes[0]), rand(*shapes[1])
    out = a @ b
    np.testing.assert_allclose(out.numpy(force=True), np.matmul(a.numpy(force=True), b.numpy(force=True)))
    assert gradcheck(torch.matmul, (a, b))


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((2, 2, 3), (3, 2)), ((2, 1, 3), (1, 3, 2))])
def test_matmul_double_backward(shapes):
    # reshape(-1): gradcheck turns a 0-d grad_output into shape (1,), so keep outputs at least 1-D
    assert gradgradcheck(lambda x, y: (x @ y).reshape(-1), (rand(*shapes[0]), rand(*shapes[1])))


def test_matmul_gradients_only_for_inputs_that_need_them():
    a, b = rand(2, 3), rand(3, 4, requires_grad=False)
    (a @ b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(force=True), np.ones((2, 4)) @ b.numpy(force=True).T)
    assert b.grad is None


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_matmul_batch_broadcasting_hypothesis(data):
    n, k, m = (data.draw(st.integers(1, 3)) for _ in range(3))
    batch = data.draw(st.lists(st.integers(1, 3), max_size=2))

    def operand_batch():  # a suffix of the batch shape with some sizes replaced by 1
        tail = batch[len(batch) - data.draw(st.integers(0, len(batch))):]
        return [1 if data.draw(st.booleans()) else s for s in tail]

    a_shape = operand_batch() + [n, k] if data.draw(st.booleans()) else [k]
    b_shape = operand_batch() + [k, m] if data.draw(st.booleans()) else [k]
    a, b = rand(*a_shape), rand(*b_shape)
    out = a @ b
    np.testing.assert_allclose(out.numpy(force=True), np.matmul(a.numpy(force=True), b.numpy(force=True)))
    assert gradcheck(torch.matmul, (a, b))


def test_mm_bmm_mv_dot_outer_addmm_gradcheck():
    assert gradcheck(torch.mm, (rand(2, 3), rand(3, 2)))
    assert gradcheck(torch.bmm, (rand(2, 2, 3), rand(2, 3, 2)))
    assert gradcheck(torch.mv, (rand(2, 3), rand(3)))
    assert gradcheck(torch.dot, (rand(4), rand(4)))
    assert gradcheck(torch.outer, (rand(3), rand(2)))
    assert gradcheck(lambda c, x, y: torch.addmm(c, x, y, beta=0.5, alpha=2.0), (rand(2, 2), rand(2, 3), rand(3, 2)))
    assert gradcheck(lambda c, x, y: c.addmm(x, y), (rand(2), rand(2, 3), rand(3, 2)))
    assert gradgradcheck(lambda c, x, y: torch.addmm(c, x, y, alpha=0.5), (rand(2, 1), rand(2, 3), rand(3, 2)))


def test_forward_values_of_named_products():
    a, b = rand(2, 3), rand(3, 4)
    np.testing.assert_allclose(a.mm(b).numpy(force=True), a.numpy(force=True) @ b.numpy(force=True))
    np.testing.assert_allclose(torch.outer(a[0], b[0]).numpy(force=True), np.outer(a.numpy(force=True)[0], b.numpy(force=True)[0]))
    np.testing.assert_allclose(a[0].ger(b[0]).numpy(force=True), np.outer(a.numpy(force=True)[0], b.numpy(force=True)[0]))
    assert torch.dot(a[0], a[0]).shape == ()
    nan = torch.full((4,), float("nan"), dtype=torch.float64)  # beta=0 ignores the input, nan included
    product = a.numpy(force=True) @ b.numpy(force=True)
    np.testing.assert_allclose(torch.addmm(nan, a, b, beta=0).numpy(force=True), product)
    with pytest.raises(RuntimeError, match="same dtype"):
        torch.addmm(torch.ones(4), a, b)
    assert (a.mm(b)).grad_fn.name() == "MmBackward0" and torch.dot(a[0], a[1]).grad_fn.name() == "DotBackward0"


def test_rmatmul_with_ndarray():
    w = rand(3, 2)
    out = np.ones((2, 3)) @ w
    assert isinstance(out, torch.Tensor)
    np.testing.assert_allclose(out.numpy(force=True), np.ones((2, 3)) @ w.numpy(force=True))


def test_shape_errors_name_the_op():
    with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied \\(2x3 and 4x5\\)"):
        torch.zeros(2, 3) @ torch.zeros(4, 5)
    with pytest.raises(RuntimeError, match="mm: mat1 and mat2 shapes cannot be multiplied"):
        torch.mm(torch.zeros(2, 3), torch.zeros(2, 3))
    with pytest.raises(RuntimeError, match="batch dimensions \\[6\\] and \\[7\\] cannot be broadcast"):
        torch.zeros(6, 2, 3) @ torch.zeros(7, 3, 5)
    with pytest.raises(RuntimeError, match="inconsistent tensor size, expected tensor \\[3\\] and src \\[4\\]"):
        torch.zeros(3) @ torch.zeros(4)
    with pytest.raises(RuntimeError, match="need to be at least 1D"):
        torch.matmul(torch.tensor(2.0), torch.zeros(2))
    with pytest.raises(RuntimeError, match="mm: self must be a 2-D tensor"):
        torch.mm(torch.zeros(2, 2, 2), torch.zeros(2, 2))
    with pytest.raises(RuntimeError, match="bmm: batch2 must be a 3-D tensor"):
        torch.bmm(torch.zeros(2, 2, 2), torch.zeros(2, 2))
    with pytest.raises(RuntimeError, match="bmm: batch1 and batch2 must have the same batch size"):
        torch.bmm(torch.zeros(2, 2, 2), torch.zeros(3, 2, 2))
    with pytest.raises(RuntimeError, match="dot: other must be a 1-D tensor"):
        torch.dot(torch.zeros(2), torch.zeros(2, 1))
    with pytest.raises(RuntimeError, match="mv: vec must be a 1-D tensor"):
        torch.mv(torch.zeros(2, 2), torch.zeros(2, 1))
    with pytest.raises(RuntimeError, match="same dtype"):
        torch.zeros(2, 2) @ torch.zeros(2, 2, dtype=torch.float64)


# ----- einsum -----

EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk", [(2, 2, 3), (2, 3, 2)]),
    ("i,i", [(3,), (3,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ii", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("iij->j", [(2, 2, 3)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (3, 2)]),
    ("b...,b->...", [(2, 3, 2), (2,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("i,jk->ijk", [(2,), (1, 3)]),
    ("ij,j->i", [(2, 3), (1,)]),
]


@pytest.mark.parametrize("equation,shapes", EINSUM_CASES)
def test_einsum_forward_and_gradcheck(equation, shapes):
    operands = [rand(*s) for s in shapes]
    np.testing.assert_allclose(torch.einsum(equation, *operands).numpy(force=True),
                               np.einsum(equation, *[o.numpy(force=True) for o in operands]))
    assert gradcheck(lambda *xs: torch.einsum(equation, *xs), operands)


def test_einsum_double_backward_and_list_operands():
    a, b = rand(2, 3), rand(3, 3)
    assert gradgradcheck(lambda x, y: torch.einsum("ij,jj->ij", x, y), (a, b))
    np.testing.assert_allclose(torch.einsum("ij,jk", [a, b]).numpy(force=True), a.numpy(force=True) @ b.numpy(force=True))


def test_einsum_errors():
    a = torch.zeros(2, 3)
    with pytest.raises(RuntimeError, match="subscripts for 2 operand\\(s\\) but 1"):
        torch.einsum("ij,jk->ik", a)
    with pytest.raises(RuntimeError, match="does not match the number of dimensions \\(2\\) for operand 0 and no "
                                           "ellipsis was given"):
        torch.einsum("ijk->i", a)
    with pytest.raises(RuntimeError, match="output subscript k does not appear"):
        torch.einsum("ij->k", a)
    with pytest.raises(RuntimeError, match="output subscript i appears more than once"):
        torch.einsum("ij->ii", a)
    with pytest.raises(RuntimeError, match="invalid subscript"):
        torch.einsum("i1->i", a)
    with pytest.raises(RuntimeError, match="do not fit 'ij,ij->ij'"):
        torch.einsum("ij,ij->ij", a, torch.zeros(3, 3))
    with pytest.raises(RuntimeError, match="same dtype"):
        torch.einsum("ij,ij->", a, torch.zeros(2, 3, dtype=torch.float64))


# ----- parity with PyTorch -----

def test_forward_and_gradient_parity_with_torch():
    torch_ref = pytest.importorskip("torch")
    cases = [(lambda m, x, y: m.matmul(x, y), (2, 1, 2, 3), (3, 3, 2)),
             (lambda m, x, y: x @ y, (3,), (2, 3, 4)),
             (lambda m, x, y: m.einsum("bii,bj->bij", x, y), (2, 3, 3), (2, 4)),
             (lambda m, x, y: m.einsum("...i,i", x, y), (2, 3), (3,))]
    for func, sa, sb in cases:
        a, b = np.random.randn(*sa), np.random.randn(*sb)
        results = []
        for lib in (torch, torch_ref):
            ta, tb = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
            out = func(lib, ta, tb)
            (out * out).sum().backward()
            results.append((out.detach().numpy(), ta.grad.numpy(), tb.grad.numpy()))
        for ours, theirs in zip(*results):
            np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
