"""The tensor ops of issue 19 family 3: values, dtypes and node names against PyTorch, float64 gradchecks
(gradgradchecks for the smooth ones), in-place and ``out=`` forms, and errors that name the op."""
import math

import numpy as np
import pytest

import autograd_core as torch
from autograd_core.autograd import gradcheck, gradgradcheck

torch_ref = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
M = RNG.standard_normal((3, 4))
V = RNG.standard_normal(4)
S = RNG.standard_normal((3, 3))
B1, B2 = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 4, 5))
WITH_NAN = M.copy()
WITH_NAN[0, 1] = np.nan
WITH_NAN[2, :] = np.nan
SOME_NAN = M.copy()
SOME_NAN[0, 1] = SOME_NAN[1, 3] = np.nan
INTS = RNG.integers(0, 3, (4, 6)).astype(np.float64)
INDEX = np.array([[0, 1, 0, 2], [2, 2, 0, 1]])
SOURCE = RNG.standard_normal((2, 4))


def _values(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


def _same(theirs, ours):
    for t, o in zip(_values(theirs), _values(ours)):
        np.testing.assert_allclose(o.numpy(force=True), t.detach().numpy(), rtol=1e-6, atol=1e-9, equal_nan=True)
        assert repr(o.dtype) == repr(t.dtype)
        assert tuple(o.shape) == tuple(t.shape)


def _lib_args(lib, arrays):
    return [lib.tensor(a) for a in arrays]


# (id, function of (library, *tensors), input arrays): differentiable in every input
DIFFERENTIABLE = [
    ("erfc", lambda t, x: t.erfc(x), [M]),
    ("exp2", lambda t, x: t.exp2(x), [M]),
    ("sinc", lambda t, x: t.sinc(x), [M]),
    ("logit", lambda t, x: t.logit(x), [np.abs(M) / 4 + 0.05]),
    ("logit_eps", lambda t, x: t.logit(x, 0.2), [np.abs(M) / 4 + 0.03]),
    ("logaddexp", lambda t, x, y: t.logaddexp(x, y), [M, V]),
    ("logaddexp2", lambda t, x, y: t.logaddexp2(x, y), [M, V]),
    ("hypot", lambda t, x, y: t.hypot(x, y), [M, V]),
    ("lerp_small", lambda t, x, y: t.lerp(x, y, 0.3), [M, V]),
    ("lerp_large", lambda t, x, y: t.lerp(x, y, 0.7), [M, V]),
    ("lerp_tensor", lambda t, x, y, w: t.lerp(x, y, w), [M, V, V]),
    ("diagonal", lambda t, x: t.diagonal(x), [M]),
    ("diagonal_offset", lambda t, x: t.diagonal(x, 1), [M]),
    ("diagonal_dims", lambda t, x: t.diagonal(x, -1, 1, 0), [M]),
    ("diagonal_3d", lambda t, x: t.diagonal(x, 1, 0, 2), [B1]),
    ("diag_embed", lambda t, x: t.diag_embed(x), [M]),
    ("diag_embed_dims", lambda t, x: t.diag_embed(x, 1, 0, 2), [M]),
    ("diag_matrix", lambda t, x: t.diag(x), [M]),
    ("diag_vector", lambda t, x: t.diag(x, -1), [V]),
    ("trace", lambda t, x: t.trace(x), [M]),
    ("kron", lambda t, x, y: t.kron(x, y), [M, V]),
    ("kron_2d", lambda t, x, y: t.kron(x, y), [M, S]),
    ("cross", lambda t, x, y: t.cross(x, y, dim=0), [S, RNG.standard_normal((3, 3))]),
    ("linalg_cross", lambda t, x, y: t.cross(x, y, dim=-1), [S, RNG.standard_normal((3, 3))]),
    ("tensordot", lambda t, x, y: t.tensordot(x, y, 1), [M, RNG.standard_normal((4, 2))]),
    ("tensordot_dims", lambda t, x, y: t.tensordot(x, y, ([0, 2], [1, 0])), [B1, RNG.standard_normal((4, 2, 5))]),
    ("cdist", lambda t, x, y: t.cdist(x, y), [M, RNG.standard_normal((5, 4))]),
    *[(f"cdist_p{p}", lambda t, x, y, p=p: t.cdist(x, y, p=p), [M, RNG.standard_normal((5, 4))])
      for p in (0.0, 1.0, 1.5, 3.0, math.inf)],
    ("baddbmm", lambda t, x, y, z: t.baddbmm(x, y, z, beta=0.5, alpha=2), [RNG.standard_normal((2, 3, 5)), B1, B2]),
    ("addbmm", lambda t, x, y, z: t.addbmm(x, y, z), [RNG.standard_normal((3, 5)), B1, B2]),
    ("addmv", lambda t, x, y, z: t.addmv(x, y, z, alpha=-1), [RNG.standard_normal(3), M, V]),
    ("addr", lambda t, x, y, z: t.addr(x, y, z, beta=2), [M, RNG.standard_normal(3), V]),
    ("meshgrid_xy", lambda t, x, y: t.meshgrid(x, y, indexing="xy"), [V, RNG.standard_normal(3)]),
    ("meshgrid_ij", lambda t, x, y: t.meshgrid(x, y, indexing="ij"), [V, RNG.standard_normal(3)]),
    ("rot90", lambda t, x: t.rot90(x), [M]),
    ("rot90_back", lambda t, x: t.rot90(x, -1, (1, 0)), [B1]),
    ("rot90_twice", lambda t, x: t.rot90(x, 2), [M]),
    ("tensor_split", lambda t, x: t.tensor_split(x, 3, 1), [M]),
    ("tensor_split_indices", lambda t, x: t.tensor_split(x, [1, 5], 1), [M]),
    ("tensor_split_negative", lambda t, x: t.tensor_split(x, [-1, 2], 1), [M]),
    ("hsplit", lambda t, x: t.hsplit(x, 2), [M]),
    ("vsplit", lambda t, x: t.vsplit(x, [1]), [M]),
    ("dsplit", lambda t, x: t.dsplit(x, 2), [B1]),
    ("column_stack", lambda t, x, y: t.column_stack([x, y]), [V, RNG.standard_normal((4, 2))]),
    ("nansum", lambda t, x: t.nansum(x), [WITH_NAN]),
    ("nansum_dim", lambda t, x: t.nansum(x, 1, keepdim=True), [WITH_NAN]),
    ("nanmean", lambda t, x: t.nanmean(x), [WITH_NAN]),
    ("nanmean_dim", lambda t, x: t.nanmean(x, 1, keepdim=True), [SOME_NAN]),
    ("nanmedian", lambda t, x: t.nanmedian(x), [WITH_NAN]),
    ("nanmedian_dim", lambda t, x: t.nanmedian(x, 1), [SOME_NAN]),
    ("nanmedian_keepdim", lambda t, x: t.nanmedian(x, 0, True), [M]),
    ("kthvalue", lambda t, x: t.kthvalue(x, 2), [M]),
    ("kthvalue_dim", lambda t, x: t.kthvalue(x, 3, 0, True), [M]),
    ("quantile", lambda t, x: t.quantile(x, 0.3), [M]),
    ("quantile_dim", lambda t, x: t.quantile(x, 0.3, dim=1), [M]),
    ("quantile_many", lambda t, x: t.quantile(x, t.tensor([0.1, 0.5, 1.0], dtype=t.float64), dim=0, keepdim=True),
     [M]),
    *[(f"quantile_{how}", lambda t, x, how=how: t.quantile(x, 0.35, dim=1, interpolation=how), [M])
      for how in ("lower", "higher", "midpoint", "nearest")],
    ("nanquantile", lambda t, x: t.nanquantile(x, 0.4, dim=1), [SOME_NAN]),
    ("std_mean", lambda t, x: t.std_mean(x), [M]),
    ("var_mean", lambda t, x: t.var_mean(x, 1, keepdim=True), [M]),
    ("std_mean_correction", lambda t, x: t.std_mean(x, 0, correction=0), [M]),
    ("aminmax", lambda t, x: t.aminmax(x), [M]),
    ("aminmax_dim", lambda t, x: t.aminmax(x, dim=1), [M]),
    ("aminmax_keepdim", lambda t, x: t.aminmax(x, dim=0, keepdim=True), [M]),
    ("cummax", lambda t, x: t.cummax(x, 1), [M]),
    ("cummin", lambda t, x: t.cummin(x, 0), [M]),
    ("logcumsumexp", lambda t, x: t.logcumsumexp(x, 1), [M]),
    ("logcumsumexp_large", lambda t, x: t.logcumsumexp(x, 0), [M * 30]),
    ("take_along_dim", lambda t, x: t.take_along_dim(x, t.tensor([[0, 2], [1, 1], [3, 0]]), 1), [M]),
    ("take_along_dim_flat", lambda t, x: t.take_along_dim(x, t.tensor([0, 5, 11])), [M]),
    ("take_along_dim_broadcast", lambda t, x: t.take_along_dim(x, t.tensor([[0, 3]]), 1), [M]),
    ("index_copy", lambda t, x, s: t.index_copy(x, 1, t.tensor([2, 0]), s), [M, RNG.standard_normal((3, 2))]),
    ("index_fill", lambda t, x: t.index_fill(x, 1, t.tensor([2, 0]), -1.5), [M]),
    ("index_fill_tensor", lambda t, x, v: t.index_fill(x, 0, t.tensor([1]), v), [M, np.array(2.0)]),
    ("masked_scatter", lambda t, x, s: t.masked_scatter(x, t.tensor([[True, False, True, False]]), s),
     [M, RNG.standard_normal(8)]),
    *[(f"scatter_reduce_{how}_{include}",
       lambda t, x, s, how=how, include=include: t.scatter_reduce(x, 0, t.tensor(INDEX), s, how,
                                                                  include_self=include), [M, SOURCE])
      for how in ("sum", "mean", "amax", "amin", "prod") for include in (True, False)],
    ("scatter_reduce_prod_zeros", lambda t, x, s: t.scatter_reduce(x, 0, t.tensor(INDEX), s, "prod"),
     [np.where(np.arange(12).reshape(3, 4) == 0, 0.0, M), np.where(np.arange(8).reshape(2, 4) == 6, 0.0, SOURCE)]),
]

# composed of sort, gather and lerp: PyTorch's last node is an internal squeeze_ (SqueezeBackward4)
COMPOSED_NODE = {"quantile", "quantile_dim", "quantile_many", "quantile_lower", "quantile_higher", "quantile_midpoint",
                 "quantile_nearest", "nanquantile"}
SMOOTH = {"erfc", "exp2", "sinc", "logit", "logaddexp", "logaddexp2", "hypot", "lerp_tensor", "diagonal_3d",
          "diag_embed", "trace", "kron", "cross", "tensordot", "cdist", "baddbmm", "addbmm", "addmv", "addr",
          "rot90", "var_mean", "logcumsumexp", "scatter_reduce_sum_True", "scatter_reduce_mean_False",
          "index_copy", "take_along_dim"}


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=[c[0] for c in DIFFERENTIABLE])
def test_values_dtypes_and_node_names_match_pytorch(case):
    name, f, arrays = case
    _same(f(torch_ref, *_lib_args(torch_ref, arrays)), f(torch, *_lib_args(torch, arrays)))
    if name in COMPOSED_NODE:
        return
    theirs = f(torch_ref, *[torch_ref.tensor(a, requires_grad=True) for a in arrays])
    ours = f(torch, *[torch.tensor(a, requires_grad=True) for a in arrays])
    assert type(_values(ours)[0].grad_fn).__name__ == type(_values(theirs)[0].grad_fn).__name__


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=[c[0] for c in DIFFERENTIABLE])
def test_float64_gradcheck(case):
    name, f, arrays = case
    inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
    assert gradcheck(lambda *xs: f(torch, *xs), inputs)
    if name in SMOOTH:
        assert gradgradcheck(lambda *xs: f(torch, *xs), inputs)


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=[c[0] for c in DIFFERENTIABLE])
def test_gradients_match_pytorch(case):
    _, f, arrays = case
    theirs = [torch_ref.tensor(a, requires_grad=True) for a in arrays]
    ours = [torch.tensor(a, requires_grad=True) for a in arrays]
    for lib, inputs in ((torch_ref, theirs), (torch, ours)):
        outputs = [y for y in _values(f(lib, *inputs)) if y.requires_grad]
        sum(((y * y.detach().sign() * (i + 1)).nan_to_num().sum() for i, y in enumerate(outputs))).backward()
    for t, o in zip(theirs, ours):
        np.testing.assert_allclose(o.grad.numpy(force=True), t.grad.numpy(), rtol=1e-6, atol=1e-9)


def test_mode_and_ties_match_pytorch_with_their_gradient():
    for args in ((), (0,), (1, True)):
        theirs = torch_ref.tensor(INTS, requires_grad=True)
        ours = torch.tensor(INTS, requires_grad=True)
        t, o = torch_ref.mode(theirs, *args), torch.mode(ours, *args)
        _same(t, o)
        assert type(o.values.grad_fn).__name__ == "ModeBackward0"
        t.values.sum().backward()
        o.values.sum().backward()
        np.testing.assert_array_equal(ours.grad.numpy(force=True), theirs.grad.numpy())
    _same(torch_ref.mode(torch_ref.tensor([3, 1, 1, 3, 2])), torch.mode(torch.tensor([3, 1, 1, 3, 2])))


@pytest.mark.parametrize("values", [[1.0, 3, 3, 2, math.nan, 5, math.nan], [3.0, 1, 1, 2]])
def test_cummax_cummin_name_the_last_position_of_the_extreme(values):
    for op in ("cummax", "cummin"):
        _same(getattr(torch_ref, op)(torch_ref.tensor(values), 0), getattr(torch, op)(torch.tensor(values), 0))
    result = torch.cummax(torch.tensor([1.0, 2.0]), 0)
    assert repr(result).startswith("torch.return_types.cummax(") and result.indices.dtype == torch.int64


def test_scatter_reduce_of_integers_matches_pytorch():
    ints = np.arange(12).reshape(3, 4)
    index = np.array([[0, 2], [1, 1], [3, 0]])
    for how in ("sum", "mean", "amax", "amin", "prod"):
        for include in (True, False):
            _same(torch_ref.tensor(ints).scatter_reduce(1, torch_ref.tensor(index), torch_ref.tensor(ints * 3 + 1),
                                                        how, include_self=include),
                  torch.tensor(ints).scatter_reduce(1, torch.tensor(index), torch.tensor(ints * 3 + 1), how,
                                                    include_self=include))


# ----- the ops without gradients: searching, counting, shifts -----
SORTED = np.array([1, 3, 5, 7])
NO_GRADIENT = [
    ("histc", lambda t, x: t.histc(x, bins=4), [np.array([1.0, 2, 1, 5])]),
    ("histc_range", lambda t, x: t.histc(x, 5, -1, 1), [RNG.standard_normal(50)]),
    ("histc_float", lambda t, x: t.histc(x.float(), 7), [RNG.standard_normal(50)]),
    ("bincount", lambda t, x: t.bincount(x), [np.array([0, 2, 2, 5])]),
    ("bincount_weights", lambda t, x, w: t.bincount(x, w), [np.array([0, 2, 2]), np.array([0.5, 1, 1])]),
    ("bincount_minlength", lambda t, x: t.bincount(x, minlength=8), [np.array([0, 2, 2, 5])]),
    ("unique", lambda t, x: t.unique(x, return_inverse=True, return_counts=True), [np.array([3, 1, 3, 2])]),
    ("unique_float", lambda t, x: t.unique(x), [np.array([3.0, 1, 3, -2])]),
    ("unique_dim0", lambda t, x: t.unique(x, dim=0, return_inverse=True, return_counts=True),
     [np.array([[1, 2], [1, 2], [0, 5], [1, 0]])]),
    ("unique_dim1", lambda t, x: t.unique(x, dim=1, return_inverse=True, return_counts=True),
     [np.array([[1, 2, 1], [1, 2, 1], [0, 5, 0]])]),
    ("unique_2d", lambda t, x: t.unique(x, return_counts=True), [np.array([[1, 2], [1, 2], [0, 5]])]),
    ("unique_consecutive", lambda t, x: t.unique_consecutive(x, return_inverse=True, return_counts=True),
     [np.array([1, 1, 2, 2, 1])]),
    ("unique_consecutive_dim", lambda t, x: t.unique_consecutive(x, return_counts=True, dim=0),
     [np.array([[1, 2], [1, 2], [0, 5], [1, 2]])]),
    ("searchsorted", lambda t, s, v: t.searchsorted(s, v), [SORTED, np.array([3, 6, 9, 0])]),
    ("searchsorted_right", lambda t, s, v: t.searchsorted(s, v, right=True), [SORTED, np.array([3, 6, 9, 0])]),
    ("searchsorted_rows", lambda t, s, v: t.searchsorted(s, v, side="right"),
     [np.array([[1, 3], [2, 4]]), np.array([[2], [5]])]),
    ("searchsorted_number", lambda t, s: t.searchsorted(s, 3), [SORTED]),
    ("searchsorted_float", lambda t, s, v: t.searchsorted(s, v), [np.sort(RNG.standard_normal(6)),
                                                                   RNG.standard_normal(5)]),
    ("bucketize", lambda t, s, v: t.bucketize(v, s, out_int32=True), [SORTED, np.array([[3, 6], [9, 0]])]),
    ("bucketize_right", lambda t, s, v: t.bucketize(v, s, right=True), [SORTED, np.array([3, 6, 9, 0])]),
    ("left_shift", lambda t, x: t.bitwise_left_shift(x.to(t.int8), 7), [np.array([1, 2])]),
    ("right_shift", lambda t, x: x >> 1, [np.array([-8, 9])]),
    ("reflected_shift", lambda t, x: 2 << x, [np.array([1, 2])]),
    ("wide_shift", lambda t, x: (x << 70, x >> 70), [np.array([-1, 2])]),
    ("unsigned_shift", lambda t, x: x.to(t.uint8) >> 9, [np.array([200, 2])]),
    ("bool_shift", lambda t, x: x.bool() << 1, [np.array([1, 0])]),
    ("tensor_shift", lambda t, x, y: t.bitwise_right_shift(x, y), [np.array([64, 64]), np.array([1, 3])]),
    ("logit_of_ints", lambda t, x: t.logit(x), [np.array([0, 1])]),
    ("exp2_of_ints", lambda t, x: t.exp2(x), [np.array([1, 2])]),
    ("trace_of_ints", lambda t, x: t.trace(x), [np.array([[1, 2], [3, 4]])]),
    ("nansum_of_ints", lambda t, x: t.nansum(x), [np.array([1, 2])]),
    ("searchsorted_sorter", lambda t, s, v: t.searchsorted(s, v, sorter=t.argsort(s)), [np.array([5, 1, 3]),
                                                                                      np.array([2, 4])]),
    ("tensor_split_tensor", lambda t, x: t.tensor_split(x, t.tensor([2, 5])), [np.arange(7)]),
    ("unique_nan", lambda t, x: t.unique(x), [np.array([2.0, np.nan, 1.0, np.nan])]),
]


@pytest.mark.parametrize("case", NO_GRADIENT, ids=[c[0] for c in NO_GRADIENT])
def test_searching_counting_and_shifts_match_pytorch(case):
    _, f, arrays = case
    _same(f(torch_ref, *_lib_args(torch_ref, arrays)), f(torch, *_lib_args(torch, arrays)))


# ----- in-place and out= forms -----
@pytest.mark.parametrize("call", [
    lambda t, x: x.erfc_(), lambda t, x: x.exp2_(), lambda t, x: x.sinc_(), lambda t, x: x.mul_(0.2).abs_().logit_(),
    lambda t, x: x.hypot_(x), lambda t, x: x.lerp_(x * 2, 0.25),
    lambda t, x: x.addmv_(t.ones(3, 3, dtype=x.dtype), x.clone()),
    lambda t, x: x.index_fill_(0, t.tensor([1]), 2.0), lambda t, x: x.index_copy_(0, t.tensor([2]), x[:1] * 3),
    lambda t, x: x.masked_scatter_(x > 0, -x),
    lambda t, x: x.scatter_reduce_(0, t.tensor([0, 0]), x[1:].clone(), "amax"),
])
def test_in_place_forms_match_pytorch(call):
    theirs, ours = torch_ref.tensor(S[0].copy()), torch.tensor(S[0].copy())
    call(torch_ref, theirs)
    call(torch, ours)
    _same(theirs, ours)


def test_in_place_forms_of_the_matrix_products_and_shifts():
    for name, extra in (("baddbmm_", (B1, B2)), ("addbmm_", (B1[0], B2[0])), ("addr_", (M[:, 0], V))):
        base = RNG.standard_normal((2, 3, 5)) if name == "baddbmm_" else RNG.standard_normal((3, 4 if name ==
                                                                                            "addr_" else 5))
        if name == "addbmm_":
            extra = (B1, B2)
        theirs, ours = torch_ref.tensor(base), torch.tensor(base)
        getattr(theirs, name)(*[torch_ref.tensor(e) for e in extra])
        getattr(ours, name)(*[torch.tensor(e) for e in extra])
        _same(theirs, ours)
    ours = torch.tensor([1, 2])
    ours <<= 2
    ours.bitwise_right_shift_(1)
    assert ours.tolist() == [2, 4]


def test_out_arguments_hold_the_result():
    for op, args in (("erfc", (M,)), ("logaddexp", (M, M)), ("kron", (M, V)), ("nansum", (WITH_NAN,)),
                     ("logcumsumexp", (M, 1)), ("lerp", (M, M * 2, 0.5)), ("bucketize", (V, np.sort(V)))):
        theirs = torch_ref.empty(0, dtype=torch_ref.int64 if op == "bucketize" else torch_ref.float64)
        ours = torch.empty(0, dtype=torch.int64 if op == "bucketize" else torch.float64)
        make = [lambda a, lib: lib.tensor(a) if isinstance(a, np.ndarray) else a]
        getattr(torch_ref, op)(*[make[0](a, torch_ref) for a in args], out=theirs)
        returned = getattr(torch, op)(*[make[0](a, torch) for a in args], out=ours)
        assert returned is ours
        _same(theirs, ours)


def test_cross_without_dim_warns_and_takes_the_first_dim_of_size_3():
    a, b = RNG.standard_normal((3, 3)), RNG.standard_normal((3, 3))
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated") as caught:
        ours = torch.cross(torch.tensor(a), torch.tensor(b))
    assert caught[0].filename == __file__
    with pytest.warns(UserWarning):
        _same(torch_ref.cross(torch_ref.tensor(a), torch_ref.tensor(b)), ours)


def test_meshgrid_without_indexing_warns_as_pytorch():
    with pytest.warns(UserWarning, match="indexing"):
        grids = torch.meshgrid(torch.tensor([1, 2]), torch.tensor([3, 4, 5]))
    assert [tuple(g.shape) for g in grids] == [(2, 3), (2, 3)]


# ----- errors name the op -----
@pytest.mark.parametrize("ours, theirs", [
    (lambda t: t.trace(t.ones(2, 2, 2)), RuntimeError),
    (lambda t: t.diag(t.ones(2, 2, 2)), RuntimeError),
    (lambda t: t.diagonal(t.ones(2, 2), 0, 1, 1), RuntimeError),
    (lambda t: t.cross(t.ones(3, 2), t.ones(3, 2), dim=1), RuntimeError),
    (lambda t: t.kthvalue(t.ones(3), 5), RuntimeError),
    (lambda t: t.quantile(t.ones(3), 1.5), RuntimeError),
    (lambda t: t.quantile(t.tensor([1, 2]), 0.5), RuntimeError),
    (lambda t: t.nanmean(t.tensor([1, 2])), RuntimeError),
    (lambda t: t.bincount(t.tensor([-1])), RuntimeError),
    (lambda t: t.bincount(t.tensor([1.0])), NotImplementedError),
    (lambda t: t.histc(t.tensor([1, 2])), NotImplementedError),
    (lambda t: t.logaddexp(t.tensor([1]), t.tensor([2])), NotImplementedError),
    (lambda t: t.bitwise_left_shift(t.tensor([1.0]), 1), NotImplementedError),
    (lambda t: t.lerp(t.ones(2), t.ones(2, dtype=t.float64), 0.5), RuntimeError),
    (lambda t: t.hsplit(t.ones(2, 3), 2), RuntimeError),
    (lambda t: t.vsplit(t.ones(3), 1), RuntimeError),
    (lambda t: t.rot90(t.ones(2, 2), 1, [0, 0]), RuntimeError),
    (lambda t: t.cdist(t.ones(2, 3), t.ones(2, 4)), RuntimeError),
    (lambda t: t.tensordot(t.ones(2, 3), t.ones(2, 3), 1), RuntimeError),
    (lambda t: t.addmv(t.ones(2), t.ones(2, 3), t.ones(4)), RuntimeError),
    (lambda t: t.baddbmm(t.ones(2, 2, 2), t.ones(2, 2), t.ones(2, 2, 2)), RuntimeError),
    (lambda t: t.scatter_reduce(t.ones(3), 0, t.tensor([0]), t.ones(1), "foo"), RuntimeError),
    (lambda t: t.masked_scatter(t.ones(3), t.tensor([True, True, True]), t.ones(2)), RuntimeError),
    (lambda t: t.index_copy(t.ones(3, 2), 0, t.tensor([0]), t.ones(1, 2, dtype=t.float64)), RuntimeError),
    (lambda t: t.searchsorted(t.ones(2, 3), t.ones(3, 1)), RuntimeError),
    (lambda t: t.take_along_dim(t.ones(2, 3), t.tensor([0]), 1), RuntimeError),
    (lambda t: t.meshgrid(t.ones(2, 2), indexing="ij"), RuntimeError),
])
def test_bad_input_raises_pytorchs_class_naming_the_op(ours, theirs):
    with pytest.raises(theirs):
        ours(torch_ref)
    with pytest.raises(theirs) as raised:
        ours(torch)
    assert any(word in str(raised.value) for word in (
        "trace", "diag", "cross", "kthvalue", "quantile", "nanmean", "bincount", "histogram", "logaddexp", "shift",
        "lerp", "split", "rot90", "cdist", "tensordot", "addmv", "baddbmm", "reduce", "masked_scatter",
        "index_copy", "searchsorted", "take_along_dim", "meshgrid")), raised.value


# ----- every name of the family exists where PyTorch has it -----
FAMILY = """meshgrid diag diag_embed diagonal trace kron cross cdist tensordot baddbmm addbmm addmv addr searchsorted
bucketize bincount histc unique unique_consecutive tensor_split hsplit vsplit dsplit hstack vstack dstack
column_stack take take_along_dim index_add index_copy index_fill index_put masked_scatter scatter_reduce narrow
movedim swapaxes rot90 count_nonzero cummax cummin logcumsumexp nanmean nansum nanmedian quantile nanquantile mode
kthvalue std_mean var_mean aminmax clamp_min clamp_max lerp hypot atan2 erf erfc erfinv lgamma digamma sinh cosh
asin acos atan asinh acosh atanh expm1 exp2 logaddexp logaddexp2 logit xlogy sinc frac trunc fmod remainder
bitwise_and bitwise_or bitwise_xor bitwise_not bitwise_left_shift bitwise_right_shift""".split()
OPERATORS = ["__and__", "__or__", "__xor__", "__invert__", "__lshift__", "__rshift__", "__rlshift__", "__rrshift__",
             "__ilshift__", "__irshift__", "__iand__", "__ior__", "__ixor__"]


# left out: an in-place op that changes the tensor's shape needs support in Tensor's in-place machinery
LEFT_OUT = {"Tensor.swapaxes_"}


def test_every_op_of_the_family_exists_on_both_namespaces_where_pytorch_has_it():
    missing = []
    for name in FAMILY:
        for form in (name, name + "_"):
            if hasattr(torch_ref.Tensor, form) and not hasattr(torch.Tensor, form):
                missing.append(f"Tensor.{form}")
        if hasattr(torch_ref, name) and not hasattr(torch, name):
            missing.append(f"torch.{name}")
    missing += [f"Tensor.{op}" for op in OPERATORS if not hasattr(torch.Tensor, op)]
    assert set(missing) == LEFT_OUT
