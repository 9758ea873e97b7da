"""Reductions, order statistics and scans: values, indices, gradients, dtypes, dims and errors."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as torch
from autograd_core.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)


def leaf(array):
    return torch.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def distinct(shape):
    """Values with no ties (so max/sort/median indices are unambiguous) and no zeros."""
    n = int(np.prod(shape))
    return (RNG.permutation(n) + 1.0).reshape(shape) * RNG.choice([-0.1, 0.1], size=shape)


# (id, function of a tensor and its module): differentiable reductions, checked on a tie-free 3x4 input
DIFFERENTIABLE = [
    ("sum", lambda x, m: x.sum(1)),
    ("mean_keepdim", lambda x, m: x.mean((0, 1), keepdim=True)),
    ("prod", lambda x, m: x.prod()),
    ("prod_dim", lambda x, m: m.prod(x, -1, keepdim=True)),
    ("max", lambda x, m: x.max()),
    ("max_dim", lambda x, m: x.max(1).values),
    ("min_dim_keepdim", lambda x, m: m.min(x, 0, keepdim=True)[0]),
    ("amax", lambda x, m: x.amax((0, 1))),
    ("amin", lambda x, m: m.amin(x, -1)),
    ("median", lambda x, m: x.median()),
    ("median_dim", lambda x, m: x.median(0).values),
    ("var", lambda x, m: x.var(1)),
    ("var_biased", lambda x, m: m.var(x, unbiased=False)),
    ("std", lambda x, m: x.std(0, keepdim=True)),
    ("std_correction", lambda x, m: m.std(x, (0, 1), correction=2)),
    ("logsumexp", lambda x, m: m.logsumexp(x, 1)),
    ("logsumexp_all", lambda x, m: x.logsumexp((0, 1), keepdim=True)),
    ("norm", lambda x, m: x.norm()),
    ("norm_dim", lambda x, m: m.norm(x, dim=1)),
    ("norm_p1", lambda x, m: x.norm(1, dim=0)),
    ("norm_p3", lambda x, m: x.norm(3, dim=1, keepdim=True)),
    ("norm_p_half", lambda x, m: x.norm(0.5)),
    ("norm_inf", lambda x, m: x.norm(float("inf"), dim=1)),
    ("norm_fro", lambda x, m: m.norm(x, "fro", dim=(0, 1))),
    ("cumsum", lambda x, m: x.cumsum(1)),
    ("cumsum_dim0", lambda x, m: m.cumsum(x, 0)),
    ("cumprod", lambda x, m: x.cumprod(-1)),
    ("sort", lambda x, m: x.sort(1).values),
    ("sort_descending", lambda x, m: m.sort(x, 0, descending=True)[0]),
    ("topk", lambda x, m: x.topk(2).values),
    ("topk_smallest", lambda x, m: m.topk(x, 2, dim=0, largest=False).values),
]
GRADGRAD = {"prod", "prod_dim", "max_dim", "amax", "median", "var", "std", "logsumexp", "norm", "norm_p3", "norm_inf",
            "cumsum", "cumprod", "sort", "topk"}


@pytest.mark.parametrize("name, fn", DIFFERENTIABLE, ids=[d[0] for d in DIFFERENTIABLE])
def test_gradcheck(name, fn):
    x = leaf(distinct((3, 4)))
    assert gradcheck(lambda t: fn(t, torch), (x,))
    if name in GRADGRAD:
        assert gradgradcheck(lambda t: fn(t, torch).reshape(-1), (x,))  # gradcheck makes 0-d inputs 1-d


@pytest.mark.parametrize("name, fn", DIFFERENTIABLE, ids=[d[0] for d in DIFFERENTIABLE])
def test_values_gradients_and_node_names_match_torch(name, fn):
    torch_ref = pytest.importorskip("torch")
    data = distinct((3, 4)).astype(np.float32)
    x, xr = torch.tensor(data, requires_grad=True), torch_ref.tensor(data, requires_grad=True)
    y, yr = fn(x, torch), fn(xr, torch_ref)
    assert y.dtype == torch.float32 and tuple(y.shape) == tuple(yr.shape)
    np.testing.assert_allclose(y.numpy(force=True), yr.detach().numpy(), rtol=1e-5, atol=1e-6)
    seed = RNG.standard_normal(tuple(y.shape)).astype(np.float32)
    y.backward(torch.tensor(seed))
    yr.backward(torch_ref.tensor(seed))
    np.testing.assert_allclose(x.grad.numpy(force=True), xr.grad.numpy(), rtol=1e-4, atol=1e-5)
    assert type(y.grad_fn).__name__ == type(yr.grad_fn).__name__


# ----- products with zeros -----
@pytest.mark.parametrize("data", [[[2.0, 0.0, 3.0], [1.5, -2.0, 0.5]], [[0.0, 0.0, 3.0], [1.5, -2.0, 0.0]]],
                         ids=["one_zero", "two_zeros"])
def test_prod_and_cumprod_gradients_with_zeros(data):
    x = leaf(data)
    for fn in (lambda t: t.prod(), lambda t: t.prod(1), lambda t: t.prod(0, keepdim=True),
               lambda t: t.cumprod(1), lambda t: t.cumprod(0)):
        assert gradcheck(fn, (x,))
        assert gradgradcheck(lambda t: fn(t).reshape(-1), (x,))


def test_prod_gradient_with_one_zero_is_product_of_others():
    x = leaf([2.0, 0.0, 3.0])
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.numpy(force=True), [0, 6, 0])


# ----- extremes: ties, indices, return types -----
def test_max_ties_share_gradient_but_max_dim_picks_the_index():
    x = leaf([1.0, 2.0, 2.0, 0.5])
    x.max().backward()
    np.testing.assert_array_equal(x.grad.numpy(force=True), [0, 0.5, 0.5, 0])
    x.grad = None
    x.amax().backward()
    np.testing.assert_array_equal(x.grad.numpy(force=True), [0, 0.5, 0.5, 0])
    x.grad = None
    x.max(0).values.backward()
    np.testing.assert_array_equal(x.grad.numpy(force=True), [0, 1, 0, 0])


def test_tie_gradients_match_torch():
    torch_ref = pytest.importorskip("torch")
    data = np.array([[3.0, 1.0, 3.0], [2.0, 2.0, 2.0]], dtype=np.float32)
    cases = [lambda t: t.amax(1), lambda t: t.amin(0), lambda t: t.max(), lambda t: t.min(),
             lambda t: t.median(), lambda t: t.max(1).values, lambda t: t.min(1).values,
             lambda t: t.norm(float("inf"), dim=1), lambda t: t.amax((0, 1), keepdim=True)]
    for case in cases:
        x, xr = torch.tensor(data, requires_grad=True), torch_ref.tensor(data, requires_grad=True)
        case(x).sum().backward()
        case(xr).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(force=True), xr.grad.numpy())


def test_named_tuple_results():
    x = torch.tensor([[1.0, 5.0, 3.0], [7.0, 2.0, 4.0]])
    result = x.max(1)
    values, indices = result
    assert values is result.values and indices is result.indices and result[0] is values
    np.testing.assert_array_equal(values.numpy(force=True), [5, 7])
    np.testing.assert_array_equal(indices.numpy(force=True), [1, 0])
    assert indices.dtype == torch.int64
    assert repr(result).startswith("torch.return_types.max(\nvalues=tensor([5., 7.]),\nindices=tensor([1, 0]))")
    for name, out in (("min", x.min(1)), ("median", x.median(1)), ("sort", x.sort()), ("topk", x.topk(1))):
        assert type(out).__name__ == name and out.indices.dtype == torch.int64


def test_max_keepdim_and_negative_dim():
    x = torch.tensor([[1.0, 5.0, 3.0], [7.0, 2.0, 4.0]])
    values, indices = torch.max(x, dim=-1, keepdim=True)
    assert values.shape == (2, 1) and indices.shape == (2, 1)
    np.testing.assert_array_equal(indices.numpy(force=True), [[1], [0]])
    assert x.argmax().item() == 3 and x.argmin().item() == 0
    assert x.argmax(keepdim=True).shape == (1, 1)
    np.testing.assert_array_equal(x.argmin(dim=0, keepdim=True).numpy(force=True), [[0, 1, 0]])


def test_nan_propagates_through_extremes():
    x = torch.tensor([1.0, float("nan"), 3.0])
    assert math.isnan(x.max().item()) and math.isnan(x.amin().item())
    assert x.max(0).indices.item() == 1 and x.argmin().item() == 1
    values, indices = torch.tensor([[1.0, float("nan"), float("nan"), 3.0]]).median(1)
    assert math.isnan(values.item()) and indices.item() == 1


def test_zero_dim_inputs():
    s = torch.tensor(2.0, requires_grad=True)
    values, indices = s.max(0)
    assert values.shape == () and indices.shape == () and indices.item() == 0
    assert s.sum(0, keepdim=True).shape == () and s.cumsum(0).shape == ()
    assert s.sort().values.shape == () and s.topk(1).indices.item() == 0
    assert s.argmax(0).item() == 0 and s.median(-1).values.item() == 2.0
    s.cumprod(0).backward()
    assert s.grad.item() == 1.0


# ----- order statistics -----
def test_median_returns_lower_middle():
    assert torch.tensor([1.0, 4.0, 2.0, 3.0]).median().item() == 2.0
    assert torch.tensor([3, 1, 2, 4]).median().dtype == torch.int64
    values, indices = torch.tensor([[5, 1, 5, 3, 5], [4, 1, 3, 2, 0]]).median(1)
    np.testing.assert_array_equal(values.numpy(force=True), [5, 2])
    np.testing.assert_array_equal(indices.numpy(force=True), [0, 3])
    assert math.isnan(torch.tensor([]).median().item())


def test_sort_is_stable_and_places_nan_like_torch():
    x = torch.tensor([1, 0, 1, 0, 1])
    np.testing.assert_array_equal(x.sort(descending=True).indices.numpy(force=True), [0, 2, 4, 1, 3])
    np.testing.assert_array_equal(x.sort().indices.numpy(force=True), [1, 3, 0, 2, 4])
    np.testing.assert_array_equal(torch.argsort(x, descending=True).numpy(force=True), [0, 2, 4, 1, 3])
    f = torch.tensor([1.0, float("nan"), 3.0, 2.0])
    np.testing.assert_array_equal(f.sort(descending=True).indices.numpy(force=True), [1, 2, 3, 0])
    np.testing.assert_array_equal(f.argsort().numpy(force=True), [0, 3, 2, 1])


def test_topk():
    x = torch.tensor([[1.0, 9.0, 3.0, 7.0], [4.0, 2.0, 8.0, 6.0]])
    values, indices = x.topk(2)
    np.testing.assert_array_equal(values.numpy(force=True), [[9, 7], [8, 6]])
    np.testing.assert_array_equal(indices.numpy(force=True), [[1, 3], [2, 3]])
    np.testing.assert_array_equal(torch.topk(x, 1, dim=0, largest=False).values.numpy(force=True), [[1, 2, 3, 6]])
    assert x.topk(0).values.shape == (2, 0)
    with pytest.raises(RuntimeError, match=r"topk: selected index k out of range \(k=5"):
        x.topk(5)


def test_order_ops_match_torch():
    torch_ref = pytest.importorskip("torch")
    data = distinct((3, 5)).astype(np.float32)
    x, xr = torch.tensor(data), torch_ref.tensor(data)
    for case in (lambda t: t.sort(0), lambda t: t.sort(-1, descending=True), lambda t: t.topk(3),
                 lambda t: t.topk(2, 0, largest=False), lambda t: t.median(1), lambda t: t.median(0, True),
                 lambda t: t.max(0), lambda t: t.min(1, keepdim=True)):
        ours, ref = case(x), case(xr)
        np.testing.assert_array_equal(ours.values.numpy(force=True), ref.values.numpy())
        np.testing.assert_array_equal(ours.indices.numpy(force=True), ref.indices.numpy())
    np.testing.assert_array_equal(torch.argsort(x, 0).numpy(force=True), torch_ref.argsort(xr, 0).numpy())
    np.testing.assert_array_equal(x.argmax(1).numpy(force=True), xr.argmax(1).numpy())


# ----- moments, norms -----
def test_var_std_keywords():
    x = torch.tensor([[1.0, 2.0, 4.0], [3.0, 3.0, 9.0]])
    np.testing.assert_allclose(x.var().item(), np.var(x.numpy(force=True), ddof=1), rtol=1e-6)
    np.testing.assert_allclose(x.var(unbiased=False).item(), np.var(x.numpy(force=True)), rtol=1e-6)
    np.testing.assert_allclose(x.var(False).item(), np.var(x.numpy(force=True)), rtol=1e-6)
    np.testing.assert_allclose(x.var(1, False, True).numpy(force=True), np.var(x.numpy(force=True), 1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(x.std(0, correction=0).numpy(force=True), np.std(x.numpy(force=True), 0), rtol=1e-6)
    assert x.var(keepdim=True).shape == (1, 1)
    with pytest.raises(TypeError, match="either unbiased or correction"):
        x.var(unbiased=True, correction=1)
    with pytest.raises(RuntimeError, match="var\\(\\): std and var only support floating point.*int64"):
        torch.tensor([1, 2]).var()
    with pytest.warns(UserWarning, match="degrees of freedom"):
        assert math.isnan(torch.tensor([1.0]).var().item())


def test_zero_spread_and_zero_norm_have_zero_gradient():
    for fn in (lambda t: t.norm(), lambda t: t.norm(dim=0), lambda t: t.norm(0.5), lambda t: t.norm(3),
               lambda t: t.norm(float("inf")), lambda t: t.std()):
        x = torch.zeros(3, requires_grad=True)
        fn(x).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(force=True), [0, 0, 0])


def test_norm_options():
    x = torch.tensor([[3.0, -4.0], [0.0, 12.0]])
    assert x.norm().item() == 13.0
    assert x.norm(1).item() == 19.0
    assert x.norm(0).item() == 3.0
    assert x.norm(float("inf")).item() == 12.0 and x.norm(-float("inf")).item() == 0.0
    np.testing.assert_allclose(x.norm(dim=1).numpy(force=True), [5, 12])
    np.testing.assert_allclose(x.norm(dim=0, keepdim=True).numpy(force=True), [[3, np.hypot(4, 12)]], rtol=1e-6)
    assert x.norm(dtype=torch.float64).dtype == torch.float64
    with pytest.raises(RuntimeError, match="norm\\(\\): expected a floating point tensor, got torch.int64"):
        torch.tensor([1, 2]).norm()
    with pytest.raises(ValueError, match="p='nuc' is not supported"):
        x.norm("nuc")


def test_logsumexp_is_stable():
    x = torch.tensor([[1000.0, 1000.0], [-1000.0, -1000.0], [-float("inf"), -float("inf")]])
    np.testing.assert_allclose(x.logsumexp(1).numpy(force=True), [1000 + math.log(2), -1000 + math.log(2), -float("inf")])
    assert torch.logsumexp(torch.tensor([float("inf"), 2.0]), 0).item() == float("inf")
    assert torch.logsumexp(torch.tensor([1, 2]), 0).dtype == torch.float32
    with pytest.raises(TypeError):
        torch.logsumexp(x)


# ----- dtypes -----
def test_result_dtypes_match_torch():
    torch_ref = pytest.importorskip("torch")
    cases = [lambda m: m.tensor([1, 2]).sum(), lambda m: m.tensor([1, 2], dtype=m.int32).sum(),
             lambda m: m.tensor([True, True]).sum(), lambda m: m.tensor([1.0, 2.0]).sum(),
             lambda m: m.tensor([1.0], dtype=m.float64).prod(), lambda m: m.tensor([2, 3], dtype=m.int32).prod(),
             lambda m: m.tensor([True]).prod(), lambda m: m.tensor([1, 2], dtype=m.int32).cumsum(0),
             lambda m: m.tensor([True, True]).cumsum(0), lambda m: m.tensor([1, 2], dtype=m.uint8).cumprod(0),
             lambda m: m.tensor([1, 2], dtype=m.int16).max(), lambda m: m.tensor([True, False]).max(),
             lambda m: m.tensor([1, 2], dtype=m.int32).amin(0), lambda m: m.tensor([1, 0], dtype=m.uint8).all(),
             lambda m: m.tensor([1, 0], dtype=m.uint8).any(0), lambda m: m.tensor([1.0, 0.0]).any(),
             lambda m: m.count_nonzero(m.tensor([[1.0, 0.0]]), 1), lambda m: m.tensor([3, 1]).argmax(),
             lambda m: m.tensor([1.0, 2.0]).sum(dtype=m.float64), lambda m: m.tensor([3, 1]).median(),
             lambda m: m.tensor([1.0, 2.0], dtype=m.float64).norm(), lambda m: m.tensor([3, 1]).cumsum(0)]
    for case in cases:
        ours, ref = case(torch), case(torch_ref)
        assert str(ours.dtype) == str(ref.dtype)
        np.testing.assert_array_equal(ours.numpy(force=True), ref.numpy())


def test_all_any_count_nonzero():
    x = torch.tensor([[1.0, 0.0, 2.0], [3.0, 4.0, 5.0]])
    assert x.all().item() is False and x.any().item() is True
    np.testing.assert_array_equal(x.all(1).numpy(force=True), [False, True])
    np.testing.assert_array_equal(torch.any(x == 0, dim=0, keepdim=True).numpy(force=True), [[False, True, False]])
    assert torch.all(torch.ones(2, 3), dim=(0, 1)).item() is True
    np.testing.assert_array_equal(torch.count_nonzero(x, 0).numpy(force=True), [2, 1, 2])
    assert x.count_nonzero().item() == 5 and x.count_nonzero(dim=(0, 1)).item() == 5


# ----- dims and errors -----
DIM_OPS = [("sum", lambda x, d: x.sum(d)), ("mean", lambda x, d: x.mean(d)), ("prod", lambda x, d: x.prod(d)),
           ("max", lambda x, d: x.max(d)), ("min", lambda x, d: x.min(d)), ("amax", lambda x, d: x.amax(d)),
           ("amin", lambda x, d: x.amin(d)), ("argmax", lambda x, d: x.argmax(d)),
           ("argmin", lambda x, d: x.argmin(d)), ("var", lambda x, d: x.var(d)), ("std", lambda x, d: x.std(d)),
           ("logsumexp", lambda x, d: x.logsumexp(d)), ("norm", lambda x, d: x.norm(dim=d)),
           ("cumsum", lambda x, d: x.cumsum(d)), ("cumprod", lambda x, d: x.cumprod(d)),
           ("all", lambda x, d: x.all(d)), ("any", lambda x, d: x.any(d)),
           ("count_nonzero", lambda x, d: x.count_nonzero(d)), ("median", lambda x, d: x.median(d)),
           ("sort", lambda x, d: x.sort(d)), ("argsort", lambda x, d: x.argsort(d)),
           ("topk", lambda x, d: x.topk(1, d))]


@pytest.mark.parametrize("name, fn", DIM_OPS, ids=[d[0] for d in DIM_OPS])
@pytest.mark.parametrize("dim", [2, -3])
def test_bad_dim_raises_index_error_with_range(name, fn, dim):
    with pytest.raises(IndexError, match=rf"{name}: Dimension out of range \(expected to be in range of "
                                         rf"\[-2, 1\], but got {dim}\)"):
        fn(torch.ones(2, 3), dim)


@pytest.mark.parametrize("name, fn", DIM_OPS, ids=[d[0] for d in DIM_OPS])
def test_negative_dims_equal_positive(name, fn):
    x = torch.tensor(distinct((2, 3, 4)).astype(np.float32))
    for negative, positive in ((-1, 2), (-2, 1), (-3, 0)):
        ours, ref = fn(x, negative), fn(x, positive)
        for a, b in zip(ours if isinstance(ours, tuple) else (ours,), ref if isinstance(ref, tuple) else (ref,)):
            np.testing.assert_array_equal(a.numpy(force=True), b.numpy(force=True))


def test_empty_reductions_raise():
    with pytest.raises(RuntimeError, match=r"max\(\): Expected reduction dim to be specified"):
        torch.tensor([]).max()
    with pytest.raises(IndexError, match=r"amin\(\): Expected reduction dim 0 to have non-zero size"):
        torch.zeros(0, 3).amin(0)
    values, indices = torch.zeros(0, 3).max(1)
    assert values.shape == (0,) and indices.shape == (0,)
    with pytest.raises(RuntimeError, match=r"argmax\(\): Expected reduction dim to be specified"):
        torch.zeros(0).argmax()
    with pytest.raises(RuntimeError, match="appears multiple times"):
        torch.ones(2, 3).amax((0, 0))
    with pytest.raises(TypeError):
        torch.ones(2).cumsum()


@settings(max_examples=25, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), keepdim=st.booleans(), data=st.data())
def test_reductions_match_numpy_over_random_shapes_and_dims(shape, keepdim, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    array = RNG.standard_normal(shape)
    x = torch.tensor(array)
    axis = dim % len(shape)
    checks = [(x.sum(dim, keepdim), np.sum(array, axis, keepdims=keepdim)),
              (x.prod(dim, keepdim), np.prod(array, axis, keepdims=keepdim)),
              (x.amax(dim, keepdim), np.amax(array, axis, keepdims=keepdim)),
              (x.max(dim, keepdim).indices, np.argmax(array, axis, keepdims=keepdim)),
              (x.logsumexp(dim, keepdim), np.log(np.sum(np.exp(array), axis, keepdims=keepdim))),
              (x.norm(dim=dim, keepdim=keepdim), np.linalg.norm(array, axis=axis, keepdims=keepdim)),
              (x.var(dim, keepdim=keepdim, correction=0), np.var(array, axis, keepdims=keepdim)),
              (x.cumsum(dim), np.cumsum(array, axis)), (x.cumprod(dim), np.cumprod(array, axis)),
              (x.sort(dim).values, np.sort(array, axis))]
    for ours, expected in checks:
        assert ours.shape == np.shape(expected)
        np.testing.assert_allclose(ours.numpy(force=True), expected, rtol=1e-10, atol=1e-12)
