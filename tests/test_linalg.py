"""torch.linalg: values, gradients and node names against PyTorch 2.13, float64 gradcheck and gradgradcheck,
batched inputs, and PyTorch's errors (LinAlgError for singular input)."""
import math

import numpy as np
import pytest

import autograd_core as torch
from autograd_core.autograd import gradcheck, gradgradcheck

torch_ref = pytest.importorskip("torch")


def square(rng, *shape):
    """A well-conditioned square matrix (or batch of them)."""
    return rng.standard_normal(shape) + 3 * np.eye(shape[-1])


def general(rng, *shape):
    return rng.standard_normal(shape)


def spd(lib, a):
    """A symmetric positive-definite matrix made from ``a``, for either library."""
    return a @ a.mT + a.shape[-1] * lib.eye(a.shape[-1], dtype=a.dtype)


def sym(a):
    return (a + a.mT) / 2


# (id, f(lib, *inputs) -> tuple of outputs, inputs as (maker, shape)); outputs are gauge-invariant where
# a factor is only defined up to signs (squares of singular vectors and eigenvectors)
CASES = [
    ("inv", lambda lib, a: (lib.linalg.inv(a),), [(square, (3, 3))]),
    ("inv-batched", lambda lib, a: (lib.linalg.inv(a),), [(square, (2, 3, 3))]),
    ("inv_ex", lambda lib, a: (lib.linalg.inv_ex(a).inverse,), [(square, (2, 3, 3))]),
    ("det", lambda lib, a: (lib.linalg.det(a),), [(square, (3, 3))]),
    ("det-batched", lambda lib, a: (lib.linalg.det(a),), [(square, (2, 2, 3, 3))]),
    ("slogdet", lambda lib, a: (lib.linalg.slogdet(a).logabsdet,), [(general, (2, 4, 4))]),
    ("solve", lambda lib, a, b: (lib.linalg.solve(a, b),), [(square, (3, 3)), (general, (3, 2))]),
    ("solve-vector", lambda lib, a, b: (lib.linalg.solve(a, b),), [(square, (3, 3)), (general, (3,))]),
    ("solve-batch-vector", lambda lib, a, b: (lib.linalg.solve(a, b),), [(square, (2, 3, 3)), (general, (2, 3))]),
    ("solve-broadcast", lambda lib, a, b: (lib.linalg.solve(a, b),), [(square, (2, 3, 3)), (general, (3, 2))]),
    ("solve-right", lambda lib, a, b: (lib.linalg.solve(a, b, left=False),), [(square, (3, 3)), (general, (2, 3))]),
    ("solve_ex", lambda lib, a, b: (lib.linalg.solve_ex(a, b).result,), [(square, (3, 3)), (general, (3, 2))]),
    ("solve_triangular-upper", lambda lib, a, b: (lib.linalg.solve_triangular(a, b, upper=True),),
     [(square, (2, 3, 3)), (general, (2, 3, 2))]),
    ("solve_triangular-lower-right", lambda lib, a, b: (lib.linalg.solve_triangular(a, b, upper=False, left=False),),
     [(square, (3, 3)), (general, (2, 3))]),
    ("solve_triangular-unit", lambda lib, a, b: (lib.linalg.solve_triangular(a, b, upper=False, unitriangular=True),),
     [(square, (3, 3)), (general, (3, 2))]),
    ("cholesky", lambda lib, a: (lib.linalg.cholesky(spd(lib, a)),), [(general, (2, 3, 3))]),
    ("cholesky-upper", lambda lib, a: (lib.linalg.cholesky(spd(lib, a), upper=True),), [(general, (3, 3))]),
    ("cholesky_ex", lambda lib, a: (lib.linalg.cholesky_ex(spd(lib, a)).L,), [(general, (3, 3))]),
    ("qr-tall", lambda lib, a: tuple(lib.linalg.qr(a)), [(general, (4, 3))]),
    ("qr-wide", lambda lib, a: tuple(lib.linalg.qr(a)), [(general, (2, 3, 5))]),
    ("qr-complete-square", lambda lib, a: tuple(lib.linalg.qr(a, mode="complete")), [(general, (3, 3))]),
    ("svd-tall", lambda lib, a: _svd_invariants(lib.linalg.svd(a, full_matrices=False)), [(general, (4, 3))]),
    ("svd-wide", lambda lib, a: _svd_invariants(lib.linalg.svd(a, full_matrices=False)), [(general, (2, 3, 4))]),
    ("svd-full-square", lambda lib, a: _svd_invariants(lib.linalg.svd(a)), [(general, (3, 3))]),
    ("svd-singular-values-only", lambda lib, a: (lib.linalg.svd(a, full_matrices=False).S,), [(general, (4, 3))]),
    ("svdvals", lambda lib, a: (lib.linalg.svdvals(a),), [(general, (2, 3, 4))]),
    ("eigh", lambda lib, a: _eigh_invariants(lib.linalg.eigh(sym(a))), [(general, (2, 3, 3))]),
    ("eigh-upper", lambda lib, a: _eigh_invariants(lib.linalg.eigh(sym(a), UPLO="U")), [(general, (3, 3))]),
    ("eigh-values-only", lambda lib, a: (lib.linalg.eigh(sym(a)).eigenvalues,), [(general, (3, 3))]),
    ("eigvalsh", lambda lib, a: (lib.linalg.eigvalsh(sym(a)),), [(general, (2, 4, 4))]),
    ("pinv-tall", lambda lib, a: (lib.linalg.pinv(a),), [(general, (4, 3))]),
    ("pinv-wide", lambda lib, a: (lib.linalg.pinv(a),), [(general, (2, 3, 4))]),
    ("pinv-hermitian", lambda lib, a: (lib.linalg.pinv(spd(lib, a), hermitian=True),), [(general, (3, 3))]),
    ("lstsq", lambda lib, a, b: (lib.linalg.lstsq(a, b).solution,), [(general, (5, 3)), (general, (5, 2))]),
    ("lstsq-batched", lambda lib, a, b: (lib.linalg.lstsq(a, b).solution,),
     [(general, (2, 5, 3)), (general, (2, 5, 2))]),
    ("matrix_power-3", lambda lib, a: (lib.linalg.matrix_power(a, 3),), [(general, (2, 3, 3))]),
    ("matrix_power-neg", lambda lib, a: (lib.linalg.matrix_power(a, -2),), [(square, (3, 3))]),
    ("matrix_exp", lambda lib, a: (lib.linalg.matrix_exp(a),), [(general, (2, 3, 3))]),
    ("matrix_exp-large", lambda lib, a: (lib.linalg.matrix_exp(3 * a),), [(general, (3, 3))]),
    ("cross", lambda lib, a, b: (lib.linalg.cross(a, b),), [(general, (2, 3)), (general, (2, 3))]),
    ("cross-dim0", lambda lib, a, b: (lib.linalg.cross(a, b, dim=0),), [(general, (3, 2)), (general, (3, 1))]),
    ("multi_dot", lambda lib, a, b, c: (lib.linalg.multi_dot([a, b, c]),),
     [(general, (3,)), (general, (3, 4)), (general, (4, 2))]),
    ("multi_dot-4", lambda lib, a, b, c, d: (lib.linalg.multi_dot([a, b, c, d]),),
     [(general, (2, 5)), (general, (5, 1)), (general, (1, 4)), (general, (4,))]),
    ("vecdot", lambda lib, a, b: (lib.linalg.vecdot(a, b),), [(general, (2, 3)), (general, (3,))]),
    ("diagonal", lambda lib, a: (lib.linalg.diagonal(a, offset=1),), [(general, (2, 3, 4))]),
    ("diagonal-dims", lambda lib, a: (lib.linalg.diagonal(a, offset=-1, dim1=0, dim2=2),), [(general, (3, 2, 4))]),
    ("vander", lambda lib, a: (lib.linalg.vander(a),), [(general, (2, 3))]),
    ("vander-N", lambda lib, a: (lib.linalg.vander(a, N=5),), [(general, (3,))]),
    ("matmul", lambda lib, a, b: (lib.linalg.matmul(a, b),), [(general, (2, 3)), (general, (3, 2))]),
    ("vector_norm", lambda lib, a: (lib.linalg.vector_norm(a),), [(general, (2, 3))]),
    ("vector_norm-ord", lambda lib, a: (lib.linalg.vector_norm(a, 3, dim=-1, keepdim=True),), [(general, (2, 3))]),
    ("vector_norm-inf", lambda lib, a: (lib.linalg.vector_norm(a, math.inf, dim=(0, 1)),), [(general, (2, 3, 2))]),
    ("vector_norm-1", lambda lib, a: (lib.linalg.vector_norm(a, 1, dim=0),), [(general, (2, 3))]),
    ("matrix_norm-fro", lambda lib, a: (lib.linalg.matrix_norm(a),), [(general, (2, 3, 4))]),
    ("matrix_norm-nuc", lambda lib, a: (lib.linalg.matrix_norm(a, "nuc"),), [(general, (2, 3, 4))]),
    ("matrix_norm-2", lambda lib, a: (lib.linalg.matrix_norm(a, 2, keepdim=True),), [(general, (2, 3, 4))]),
    ("matrix_norm--2", lambda lib, a: (lib.linalg.matrix_norm(a, -2),), [(general, (3, 4))]),
    ("matrix_norm-1", lambda lib, a: (lib.linalg.matrix_norm(a, 1),), [(general, (2, 3, 4))]),
    ("matrix_norm--1", lambda lib, a: (lib.linalg.matrix_norm(a, -1, dim=(0, 2)),), [(general, (3, 2, 4))]),
    ("matrix_norm-inf", lambda lib, a: (lib.linalg.matrix_norm(a, math.inf, keepdim=True),), [(general, (2, 3, 4))]),
    ("matrix_norm--inf", lambda lib, a: (lib.linalg.matrix_norm(a, -math.inf),), [(general, (3, 4))]),
    ("norm", lambda lib, a: (lib.linalg.norm(a),), [(general, (2, 3, 4))]),
    ("norm-matrix-ord", lambda lib, a: (lib.linalg.norm(a, 2),), [(general, (3, 4))]),
    ("norm-vector-ord", lambda lib, a: (lib.linalg.norm(a, 3),), [(general, (4,))]),
    ("norm-dim", lambda lib, a: (lib.linalg.norm(a, "nuc", dim=(0, 1)),), [(general, (3, 4, 2))]),
    ("cond", lambda lib, a: (lib.linalg.cond(a),), [(general, (2, 3, 4))]),
    ("cond--2", lambda lib, a: (lib.linalg.cond(a, -2),), [(general, (3, 3))]),
    ("cond-nuc", lambda lib, a: (lib.linalg.cond(a, "nuc"),), [(square, (2, 3, 3))]),
    ("tensorinv", lambda lib, a: (lib.linalg.tensorinv(a, ind=1),), [(square, (6, 6))]),
    ("tensorinv-2", lambda lib, a: (lib.linalg.tensorinv(a.reshape(2, 3, 6)),), [(square, (6, 6))]),
    ("tensorsolve", lambda lib, a, b: (lib.linalg.tensorsolve(a.reshape(2, 3, 6), b),),
     [(square, (6, 6)), (general, (2, 3))]),
    ("tensorsolve-dims", lambda lib, a, b: (lib.linalg.tensorsolve(a.reshape(6, 2, 3), b, dims=(0,)),),
     [(square, (6, 6)), (general, (2, 3))]),
    ("torch.det", lambda lib, a: (lib.det(a),), [(square, (2, 3, 3))]),
    ("torch.inverse", lambda lib, a: (lib.inverse(a),), [(square, (3, 3))]),
    ("torch.logdet", lambda lib, a: (lib.logdet(spd(lib, a)),), [(general, (2, 3, 3))]),
    ("torch.slogdet", lambda lib, a: (lib.slogdet(a).logabsdet,), [(square, (3, 3))]),
    ("torch.matrix_exp", lambda lib, a: (lib.matrix_exp(a),), [(general, (3, 3))]),
    ("torch.matrix_power", lambda lib, a: (lib.matrix_power(a, 2),), [(general, (3, 3))]),
    ("torch.pinverse", lambda lib, a: (lib.pinverse(a),), [(general, (4, 3))]),
    ("Tensor.det", lambda lib, a: (a.det(),), [(square, (3, 3))]),
    ("Tensor.inverse", lambda lib, a: (a.inverse(),), [(square, (3, 3))]),
    ("Tensor.logdet", lambda lib, a: (spd(lib, a).logdet(),), [(general, (3, 3))]),
    ("Tensor.matrix_exp", lambda lib, a: (a.matrix_exp(),), [(general, (3, 3))]),
    ("Tensor.matrix_power", lambda lib, a: (a.matrix_power(3),), [(general, (3, 3))]),
    ("Tensor.pinverse", lambda lib, a: (a.pinverse(),), [(general, (3, 4))]),
]


def _svd_invariants(usv):
    u, s, vh = usv
    return u * u, s, vh * vh


def _eigh_invariants(wv):
    w, v = wv
    return w, v * v


def _inputs(case, lib):
    rng = np.random.default_rng(abs(hash(case[0])) % 1000)
    arrays = [maker(rng, *shape) for maker, shape in case[2]]
    if lib is torch_ref:
        return [torch_ref.tensor(a, dtype=torch_ref.float64, requires_grad=True) for a in arrays]
    return [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]


def _weights(outputs):
    rng = np.random.default_rng(1)
    return [rng.standard_normal(tuple(o.shape)) for o in outputs]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_values_gradients_and_node_names_match_pytorch(case):
    _, f, _ = case
    ours_in, theirs_in = _inputs(case, torch), _inputs(case, torch_ref)
    ours, theirs = f(torch, *ours_in), f(torch_ref, *theirs_in)
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape)
        np.testing.assert_allclose(o.numpy(force=True), t.detach().numpy(), rtol=1e-10, atol=1e-10)
    assert type(ours[0].grad_fn).__name__ == type(theirs[0].grad_fn).__name__
    weights = _weights(ours)
    sum(((o * torch.tensor(w)).sum() for o, w in zip(ours, weights)), torch.tensor(0.0, dtype=torch.float64)).backward()
    sum(((t * torch_ref.tensor(w)).sum() for t, w in zip(theirs, weights))).backward()
    for x, y in zip(ours_in, theirs_in):
        np.testing.assert_allclose(x.grad.numpy(force=True), y.grad.numpy(), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_gradcheck_and_gradgradcheck_in_float64(case):
    _, f, _ = case
    inputs = _inputs(case, torch)
    assert gradcheck(lambda *xs: f(torch, *xs), inputs, eps=1e-6, atol=1e-6)
    assert gradgradcheck(lambda *xs: f(torch, *xs), inputs, eps=1e-6, atol=1e-5)


def _both(array):
    return (torch.tensor(array, dtype=torch.float64, requires_grad=True),
            torch_ref.tensor(array, dtype=torch_ref.float64, requires_grad=True))


@pytest.mark.parametrize("name, f, shape", [
    ("inv", lambda lib, a: lib.linalg.inv(a), (3, 3)),
    ("det", lambda lib, a: lib.linalg.det(a), (2, 3, 3)),
    ("solve", lambda lib, a: lib.linalg.solve(a, a.sum(-1)), (3, 3)),
    ("cholesky", lambda lib, a: lib.linalg.cholesky(spd(lib, a)), (3, 3)),
    ("qr", lambda lib, a: lib.linalg.qr(a).Q, (4, 3)),
    ("svd", lambda lib, a: lib.linalg.svdvals(a), (3, 4)),
    ("eigh", lambda lib, a: lib.linalg.eigvalsh(sym(a)), (3, 3)),
    ("pinv", lambda lib, a: lib.linalg.pinv(a), (4, 3)),
    ("matrix_exp", lambda lib, a: lib.linalg.matrix_exp(a), (3, 3)),
])
def test_second_derivatives_match_pytorch(name, f, shape):
    rng = np.random.default_rng(3)
    ours, theirs = _both(square(rng, *shape) if shape[-1] == shape[-2] else general(rng, *shape))
    w = rng.standard_normal(tuple(f(torch_ref, theirs).shape))
    v = rng.standard_normal(shape)
    results = []
    for lib, x in ((torch, ours), (torch_ref, theirs)):
        (g,) = lib.autograd.grad((f(lib, x) * lib.tensor(w)).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * lib.tensor(v)).sum(), x)
        results.append(gg.detach().numpy() if lib is torch_ref else gg.numpy(force=True))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-8, atol=1e-10)


SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])
NOT_POSITIVE = np.array([[1.0, 2.0], [2.0, 1.0]])


def _same_error(call, *arrays):
    with pytest.raises(Exception) as theirs:
        call(torch_ref, *[torch_ref.tensor(a) for a in arrays])
    with pytest.raises(Exception) as ours:
        call(torch, *[torch.tensor(a) for a in arrays])
    assert str(ours.value) == str(theirs.value)
    return ours.value, theirs.value


@pytest.mark.parametrize("call, arrays", [
    (lambda lib, a: lib.linalg.inv(a), [SINGULAR]),
    (lambda lib, a: lib.linalg.inv(a), [np.stack([np.eye(2), SINGULAR])]),
    (lambda lib, a: lib.inverse(a), [SINGULAR]),
    (lambda lib, a: lib.linalg.inv_ex(a, check_errors=True), [SINGULAR]),
    (lambda lib, a: lib.linalg.solve(a, a), [SINGULAR]),
    (lambda lib, a: lib.linalg.solve(a, a), [np.stack([np.eye(2), SINGULAR])]),
    (lambda lib, a: lib.linalg.cholesky(a), [NOT_POSITIVE]),
    (lambda lib, a: lib.linalg.cholesky(a), [np.stack([np.eye(2), NOT_POSITIVE])]),
])
def test_singular_input_raises_linalg_error_in_pytorchs_words(call, arrays):
    ours, _ = _same_error(call, *arrays)
    assert isinstance(ours, torch.linalg.LinAlgError) and isinstance(ours, RuntimeError)
    assert issubclass(torch.linalg.LinAlgError, RuntimeError)


@pytest.mark.parametrize("call, arrays", [
    (lambda lib, a: lib.linalg.det(a), [np.ones((2, 3))]),
    (lambda lib, a: lib.linalg.inv(a), [np.ones(3)]),
    (lambda lib, a: lib.linalg.inv(a), [np.ones((2, 2), np.int64)]),
    (lambda lib, a: lib.linalg.svd(a), [np.ones((2, 2), np.int64)]),
    (lambda lib, a: lib.linalg.eigh(a), [np.ones((2, 3))]),
    (lambda lib, a: lib.linalg.eigh(a, UPLO="X"), [np.eye(2)]),
    (lambda lib, a: lib.linalg.cholesky(a), [np.ones((2, 3))]),
    (lambda lib, a: lib.linalg.matrix_power(a, 2), [np.ones((2, 3))]),
    (lambda lib, a: lib.linalg.matrix_exp(a), [np.ones((2, 3))]),
    (lambda lib, a: lib.linalg.matrix_norm(a), [np.ones(3)]),
    (lambda lib, a: lib.linalg.matrix_norm(a, ord=3), [np.ones((2, 2))]),
    (lambda lib, a: lib.linalg.vector_norm(a), [np.ones(3, np.int64)]),
    (lambda lib, a: lib.linalg.qr(a, mode="x"), [np.eye(2)]),
    (lambda lib, a, b: lib.linalg.solve(a, b), [np.eye(3), np.ones((2, 1))]),
    (lambda lib, a, b: lib.linalg.solve(a, b), [np.eye(2, dtype=np.float32), np.ones((2, 1))]),
    (lambda lib, a, b: lib.linalg.lstsq(a, b), [np.ones((3, 2)), np.ones((2, 1))]),
    (lambda lib, a, b: lib.linalg.cross(a, b), [np.ones(2), np.ones(2)]),
    (lambda lib, a: lib.linalg.multi_dot([a]), [np.ones(2)]),
    (lambda lib, a: lib.linalg.vander(a, N=1), [np.ones(2)]),
    (lambda lib, a: lib.linalg.cond(a, 3), [np.eye(2)]),
    (lambda lib, a: lib.linalg.cond(a, "fro"), [np.ones((2, 3))]),
    (lambda lib, a: lib.linalg.tensorinv(a, ind=1), [np.ones((2, 3))]),
    (lambda lib, a: lib.linalg.tensorinv(a, ind=0), [np.ones((2, 2))]),
    (lambda lib, a, b: lib.linalg.tensorsolve(a, b), [np.ones((2, 3)), np.ones(2)]),
])
def test_bad_shapes_and_dtypes_raise_pytorchs_errors(call, arrays):
    ours, theirs = _same_error(call, *arrays)
    assert type(ours) is type(theirs) or isinstance(ours, RuntimeError)



@pytest.mark.parametrize("p", ["fro", 1, -1, math.inf, -math.inf])
def test_condition_numbers_by_norms_match_pytorch_and_are_differentiable(p):
    """PyTorch 2.13 computes these but fails in their backward (an in-place nan_to_num_ on a saved inverse)."""
    a = square(np.random.default_rng(0), 2, 3, 3)
    ours, theirs = torch.linalg.cond(torch.tensor(a), p), torch_ref.linalg.cond(torch_ref.tensor(a), p)
    np.testing.assert_allclose(ours.numpy(force=True), theirs.numpy(), rtol=1e-10)
    x = torch.tensor(a, requires_grad=True)
    assert type(torch.linalg.cond(x, p).grad_fn).__name__ == "NanToNumBackward0"
    assert gradcheck(lambda x: torch.linalg.cond(x, p), (x,))
    assert gradgradcheck(lambda x: torch.linalg.cond(x, p), (x,))


@pytest.mark.parametrize("p", [None, "fro", 1, -1, math.inf, -math.inf])
def test_condition_number_of_a_singular_matrix_is_infinite(p):
    batch = np.stack([SINGULAR * 0, np.eye(2)])
    ours = torch.linalg.cond(torch.tensor(batch), p)
    np.testing.assert_array_equal(ours.numpy(force=True), torch_ref.linalg.cond(torch_ref.tensor(batch), p).numpy())


def test_ex_functions_report_failures_in_info_instead_of_raising():
    batch = np.stack([np.eye(2), SINGULAR])
    for name, field in (("inv_ex", "inverse"), ("cholesky_ex", "L")):
        source = batch if name == "inv_ex" else np.stack([np.eye(2), NOT_POSITIVE])
        ours = getattr(torch.linalg, name)(torch.tensor(source))
        theirs = getattr(torch_ref.linalg, name)(torch_ref.tensor(source))
        np.testing.assert_array_equal(ours.info.numpy(force=True), theirs.info.numpy())
        assert ours.info.dtype == torch.int32
        np.testing.assert_allclose(getattr(ours, field).numpy(force=True)[0], getattr(theirs, field).numpy()[0])
    ours = torch.linalg.solve_ex(torch.tensor(batch), torch.ones(2, 2, 1, dtype=torch.float64))
    theirs = torch_ref.linalg.solve_ex(torch_ref.tensor(batch), torch_ref.ones(2, 2, 1, dtype=torch_ref.float64))
    np.testing.assert_array_equal(ours.info.numpy(force=True), theirs.info.numpy())
    np.testing.assert_allclose(ours.result.numpy(force=True)[0], theirs.result.numpy()[0])


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
def test_lstsq_result_fields_match_pytorch_per_driver(driver):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 5, 2))
    ours = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
    theirs = torch_ref.linalg.lstsq(torch_ref.tensor(a), torch_ref.tensor(b), driver=driver)
    assert type(ours).__name__ == "linalg_lstsq"
    assert ours._fields == ("solution", "residuals", "rank", "singular_values")
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape) and str(o.dtype) == str(t.dtype)
        np.testing.assert_allclose(o.numpy(force=True), t.numpy(), rtol=1e-10, atol=1e-12)


def test_lstsq_of_a_rank_deficient_matrix_is_the_minimum_norm_solution():
    a = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    b = np.array([[1.0], [2.0], [2.0]])
    ours = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver="gelsd")
    theirs = torch_ref.linalg.lstsq(torch_ref.tensor(a), torch_ref.tensor(b), driver="gelsd")
    np.testing.assert_allclose(ours.solution.numpy(force=True), theirs.solution.numpy(), rtol=1e-10)
    assert int(ours.rank) == int(theirs.rank) == 1


def test_det_gradient_of_a_singular_matrix_is_the_cofactor_matrix():
    """PyTorch 2.13 returns zeros here; the derivative of the polynomial det is the cofactor matrix."""
    a = np.array([[1.0, 2.0, 0.0], [2.0, 4.0, 0.0], [0.0, 0.0, 1.0]])
    x = torch.tensor(a, requires_grad=True)
    torch.linalg.det(x).backward()
    np.testing.assert_allclose(x.grad.numpy(force=True), [[4, -2, 0], [-2, 1, 0], [0, 0, 0]], atol=1e-12)
    assert gradcheck(torch.linalg.det, (torch.tensor(a, requires_grad=True),))


def test_qr_modes_and_their_gradient_errors():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 3))
    for mode in ("reduced", "complete", "r"):
        ours, theirs = torch.linalg.qr(torch.tensor(a), mode=mode), torch_ref.linalg.qr(torch_ref.tensor(a), mode=mode)
        for o, t in zip(ours, theirs):
            assert tuple(o.shape) == tuple(t.shape)
            np.testing.assert_allclose(o.numpy(force=True), t.numpy(), atol=1e-12)
    for mode, field in (("r", "R"), ("complete", "Q")):
        x, y = _both(a)
        with pytest.raises(RuntimeError) as theirs:
            getattr(torch_ref.linalg.qr(y, mode=mode), field).sum().backward()
        with pytest.raises(RuntimeError, match=r"^" + str(theirs.value)[:40].replace("(", r"\(")):
            getattr(torch.linalg.qr(x, mode=mode), field).sum().backward()


def test_matrix_rank_matrix_power_zero_and_out():
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    for kwargs in ({}, {"hermitian": True}, {"atol": 1.0}, {"rtol": 0.5}):
        ours = torch.linalg.matrix_rank(torch.tensor(a @ a.T), **kwargs)
        theirs = torch_ref.linalg.matrix_rank(torch_ref.tensor(a @ a.T), **kwargs)
        assert ours.dtype == torch.int64 and int(ours) == int(theirs)
    power = torch.linalg.matrix_power(torch.tensor(np.stack([a, a]), requires_grad=True), 0)
    np.testing.assert_array_equal(power.numpy(force=True), np.stack([np.eye(3)] * 2))
    out = torch.empty(0, dtype=torch.float64)
    assert torch.linalg.inv(torch.tensor(a + np.eye(3)), out=out) is out
    np.testing.assert_allclose(out.numpy(force=True), np.linalg.inv(a + np.eye(3)))


def test_deprecated_torch_cholesky_warns_and_names_its_node_as_pytorch():
    x = torch.tensor(np.eye(2) * 4, requires_grad=True)
    with pytest.warns(UserWarning, match="torch.cholesky is deprecated"):
        factor = torch.cholesky(x, upper=True)
    assert type(factor.grad_fn).__name__ == "CholeskyBackward0"
    np.testing.assert_allclose(factor.numpy(force=True), np.eye(2) * 2)


def test_slogdet_of_a_negative_determinant_and_logdet_nan():
    a = np.array([[0.0, 1.0], [1.0, 0.0]])
    ours, theirs = torch.slogdet(torch.tensor(a)), torch_ref.slogdet(torch_ref.tensor(a))
    assert float(ours.sign) == float(theirs.sign) == -1.0 and float(ours.logabsdet) == float(theirs.logabsdet)
    assert math.isnan(float(torch.logdet(torch.tensor(a)))) and math.isnan(float(torch_ref.logdet(torch_ref.tensor(a))))


def test_the_least_squares_example_finds_the_same_fit_both_ways(capsys):
    from examples import linalg_least_squares
    result = linalg_least_squares.main(["--steps", "600"])
    np.testing.assert_allclose(result["gradient_descent"].numpy(force=True), result["lstsq"].numpy(force=True),
                               atol=1e-8)
    np.testing.assert_allclose(result["lstsq"].numpy(force=True), linalg_least_squares.TRUE_COEFFICIENTS, atol=0.1)
    assert all(later <= earlier + 1e-12 for earlier, later in zip(result["losses"], result["losses"][1:]))
    assert "lstsq:" in capsys.readouterr().out


@pytest.mark.parametrize("kwargs", [{}, {"some": False}, {"compute_uv": False}])
def test_torch_svd_returns_v_and_its_gradient_matches_pytorch(kwargs):
    ours, theirs = _both(np.random.default_rng(0).standard_normal((2, 4, 3)))
    u, s, v = torch.svd(ours, **kwargs)
    u_ref, s_ref, v_ref = torch_ref.svd(theirs, **kwargs)
    assert type(torch.svd(ours)).__name__ == "svd"
    for o, t in ((u * u, u_ref * u_ref), (s, s_ref), (v * v, v_ref * v_ref)):
        assert tuple(o.shape) == tuple(t.shape)
        np.testing.assert_allclose(o.numpy(force=True), t.detach().numpy(), atol=1e-12)
    (s.sum() + (v * v)[..., 0].sum()).backward()
    (s_ref.sum() + (v_ref * v_ref)[..., 0].sum()).backward()
    np.testing.assert_allclose(ours.grad.numpy(force=True), theirs.grad.numpy(), atol=1e-10)
    assert type(s.grad_fn).__name__ == type(s_ref.grad_fn).__name__


@pytest.mark.filterwarnings("ignore:torch.qr is deprecated")  # PyTorch's own warning
@pytest.mark.parametrize("some", [True, False])
def test_torch_qr_and_tensor_methods(some):
    ours, theirs = _both(np.random.default_rng(0).standard_normal((3, 3)))
    q, r = ours.qr(some)
    q_ref, r_ref = theirs.qr(some)
    np.testing.assert_allclose(q.numpy(force=True), q_ref.detach().numpy(), atol=1e-12)
    (q.sum() + r.sum()).backward()
    (q_ref.sum() + r_ref.sum()).backward()
    np.testing.assert_allclose(ours.grad.numpy(force=True), theirs.grad.numpy(), atol=1e-10)
    assert type(torch.qr(ours)).__name__ == "qr" and type(q.grad_fn).__name__ == type(q_ref.grad_fn).__name__
