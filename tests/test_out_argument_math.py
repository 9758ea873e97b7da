"""``out=`` of the math ops (arithmetic, elementwise, comparisons, reductions, products), as PyTorch's.

Each op writes into ``out`` (resized with PyTorch's warning when it had other elements), returns it,
bumps its version, keeps its dtype where the result's kind fits, and refuses to record a gradient.
"""
import warnings

import numpy as np
import pytest

import autograd_core as torch

# the cases make inf and nan on purpose (isposinf, nan_to_num), and torch.ger is deprecated in PyTorch
pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.filterwarnings("ignore:torch.ger is deprecated")]

RNG = np.random.default_rng(7)
A = RNG.uniform(0.2, 0.9, (3, 4)).astype(np.float32)
B = RNG.uniform(1.1, 2.0, (3, 4)).astype(np.float32)
V = RNG.uniform(0.2, 0.9, 4).astype(np.float32)
INTS = np.array([[5, -3, 12, 7], [0, 9, -8, 2], [1, 4, 6, -5]])


def operands(m):
    """The inputs of every case, as tensors of the library ``m`` (ours or PyTorch)."""
    return {"a": m.tensor(A), "b": m.tensor(B), "v": m.tensor(V), "i": m.tensor(INTS), "mask": m.tensor(A > 0.5)}


# (id, call(m, t, out), out dtype name): t holds the operands; the dtype names are shared by both libraries
OUT_CASES = [
    ("add_alpha", lambda m, t, out: m.add(t["a"], t["b"], alpha=2, out=out), "float32"),
    ("add_into_double", lambda m, t, out: m.add(t["a"], 1, out=out), "float64"),
    ("add_ints_into_float", lambda m, t, out: m.add(t["i"], 3, out=out), "float32"),
    ("sub", lambda m, t, out: m.sub(t["a"], t["b"], out=out), "float32"),
    ("mul", lambda m, t, out: m.mul(t["a"], 2.5, out=out), "float32"),
    ("div", lambda m, t, out: m.div(t["a"], t["b"], out=out), "float32"),
    ("div_ints", lambda m, t, out: m.div(t["i"], 4, out=out), "float64"),
    ("div_floor", lambda m, t, out: m.div(t["i"], 3, rounding_mode="floor", out=out), "int64"),
    ("div_trunc", lambda m, t, out: m.div(t["a"] * 10, t["b"], rounding_mode="trunc", out=out), "float32"),
    ("pow_number", lambda m, t, out: m.pow(t["a"], 3, out=out), "float32"),
    ("pow_tensor", lambda m, t, out: m.pow(t["a"], t["b"], out=out), "float32"),
    ("pow_number_base", lambda m, t, out: m.pow(2, t["a"], out=out), "float32"),
    ("neg", lambda m, t, out: m.neg(t["a"], out=out), "float32"),
    ("floor_divide", lambda m, t, out: m.floor_divide(t["i"], 4, out=out), "int32"),
    ("remainder", lambda m, t, out: m.remainder(t["i"], 5, out=out), "int64"),
    ("fmod", lambda m, t, out: m.fmod(t["a"] * 10, t["b"], out=out), "float32"),
    ("exp", lambda m, t, out: m.exp(t["a"], out=out), "float32"),
    ("exp_into_half", lambda m, t, out: m.exp(t["a"], out=out), "float16"),
    ("log", lambda m, t, out: m.log(t["a"], out=out), "float32"),
    ("sqrt_of_ints", lambda m, t, out: m.sqrt(m.abs(t["i"]), out=out), "float64"),
    ("tanh", lambda m, t, out: m.tanh(t["a"], out=out), "float32"),
    ("sigmoid", lambda m, t, out: m.sigmoid(t["a"], out=out), "float32"),
    ("erf", lambda m, t, out: m.erf(t["a"], out=out), "float32"),
    ("arcsin", lambda m, t, out: m.arcsin(t["a"], out=out), "float32"),
    ("abs", lambda m, t, out: m.abs(t["i"], out=out), "int64"),
    ("sign", lambda m, t, out: m.sign(t["i"], out=out), "int64"),
    ("sgn", lambda m, t, out: m.sgn(t["a"] - 0.5, out=out), "float32"),
    ("floor", lambda m, t, out: m.floor(t["a"] * 10, out=out), "float32"),
    ("trunc_of_ints", lambda m, t, out: m.trunc(t["i"], out=out), "int64"),
    ("round_decimals", lambda m, t, out: m.round(t["a"], decimals=1, out=out), "float32"),
    ("frac", lambda m, t, out: m.frac(t["b"], out=out), "float32"),
    ("square", lambda m, t, out: m.square(t["i"], out=out), "int64"),
    ("nan_to_num", lambda m, t, out: m.nan_to_num(m.log(t["a"] - 0.5), out=out), "float32"),
    ("atan2", lambda m, t, out: m.atan2(t["a"], t["b"], out=out), "float32"),
    ("maximum", lambda m, t, out: m.maximum(t["a"], t["b"] - 1, out=out), "float32"),
    ("minimum", lambda m, t, out: m.minimum(t["a"], t["b"] - 1, out=out), "float32"),
    ("max_of_two", lambda m, t, out: m.max(t["a"], t["b"] - 1, out=out), "float32"),
    ("clamp", lambda m, t, out: m.clamp(t["a"], 0.3, 0.6, out=out), "float32"),
    ("clip", lambda m, t, out: m.clip(t["a"], min=0.4, out=out), "float32"),
    ("clamp_min", lambda m, t, out: m.clamp_min(t["a"], 0.5, out=out), "float32"),
    ("clamp_max_tensor", lambda m, t, out: m.clamp_max(t["a"], t["b"] - 1, out=out), "float32"),
    ("clamp_tensor_into_double", lambda m, t, out: m.clamp(t["a"], t["b"] - 1.5, out=out), "float64"),
    ("eq_into_float", lambda m, t, out: m.eq(t["i"], 9, out=out), "float32"),
    ("lt", lambda m, t, out: m.lt(t["a"], t["b"] - 1, out=out), "bool"),
    ("greater_equal", lambda m, t, out: m.greater_equal(t["a"], 0.5, out=out), "bool"),
    ("logical_and", lambda m, t, out: m.logical_and(t["mask"], t["i"], out=out), "bool"),
    ("logical_xor_into_float", lambda m, t, out: m.logical_xor(t["mask"], t["i"], out=out), "float32"),
    ("logical_not", lambda m, t, out: m.logical_not(t["i"], out=out), "bool"),
    ("isposinf", lambda m, t, out: m.isposinf(1 / (t["a"] - t["a"]), out=out), "bool"),
    ("isneginf", lambda m, t, out: m.isneginf(m.log(t["a"] - t["a"]), out=out), "bool"),
    ("bitwise_and", lambda m, t, out: m.bitwise_and(t["i"], 6, out=out), "int64"),
    ("bitwise_xor_into_int32", lambda m, t, out: m.bitwise_xor(t["i"], t["i"] * 3, out=out), "int32"),
    ("bitwise_not", lambda m, t, out: m.bitwise_not(t["i"], out=out), "int64"),
    ("sum_dim", lambda m, t, out: m.sum(t["a"], 1, out=out), "float32"),
    ("sum_dim_casts_to_out", lambda m, t, out: m.sum(t["a"] * 4, 0, out=out), "int32"),
    ("sum_dim_keepdim_dtype", lambda m, t, out: m.sum(t["a"], (0, 1), keepdim=True, dtype=m.float64, out=out),
     "float64"),
    ("mean", lambda m, t, out: m.mean(t["a"], out=out), "float32"),
    ("mean_dim_into_double", lambda m, t, out: m.mean(t["a"], 0, out=out), "float64"),
    ("prod_dim", lambda m, t, out: m.prod(t["b"], 1, out=out), "float32"),
    ("prod_dim_of_ints", lambda m, t, out: m.prod(t["i"], 0, out=out), "int64"),
    ("max", lambda m, t, out: m.max(t["a"], out=out), "float32"),
    ("amax", lambda m, t, out: m.amax(t["a"], 1, out=out), "float32"),
    ("amin", lambda m, t, out: m.amin(t["a"], (0, 1), out=out), "float32"),
    ("argmax", lambda m, t, out: m.argmax(t["a"], out=out), "int64"),
    ("argmin_dim", lambda m, t, out: m.argmin(t["a"], 1, keepdim=True, out=out), "int64"),
    ("var", lambda m, t, out: m.var(t["a"], 1, out=out), "float32"),
    ("std_correction", lambda m, t, out: m.std(t["a"], 0, correction=0, out=out), "float64"),
    ("logsumexp", lambda m, t, out: m.logsumexp(t["a"], 1, out=out), "float32"),
    ("norm", lambda m, t, out: m.norm(t["a"], out=out), "float32"),
    ("norm_dim", lambda m, t, out: m.norm(t["a"], 1, dim=0, out=out), "float32"),
    ("cumsum", lambda m, t, out: m.cumsum(t["a"], 1, out=out), "float32"),
    ("cumsum_casts_to_out", lambda m, t, out: m.cumsum(t["a"] * 3, 0, out=out), "int32"),
    ("cumprod_of_ints", lambda m, t, out: m.cumprod(t["i"], 1, out=out), "int64"),
    ("all", lambda m, t, out: m.all(t["mask"], out=out), "bool"),
    ("any_dim_uint8", lambda m, t, out: m.any(t["i"] > 8, 1, out=out), "uint8"),
    ("matmul", lambda m, t, out: m.matmul(t["a"], t["b"].T, out=out), "float32"),
    ("mm", lambda m, t, out: m.mm(t["a"], t["b"].T, out=out), "float32"),
    ("bmm", lambda m, t, out: m.bmm(t["a"].reshape(1, 3, 4), t["b"].T.reshape(1, 4, 3), out=out), "float32"),
    ("mv", lambda m, t, out: m.mv(t["a"], t["v"], out=out), "float32"),
    ("dot", lambda m, t, out: m.dot(t["v"], t["v"], out=out), "float32"),
    ("outer_into_double", lambda m, t, out: m.outer(t["v"], t["v"], out=out), "float64"),
    ("ger", lambda m, t, out: m.ger(t["v"], t["v"], out=out), "float32"),
    ("addmm", lambda m, t, out: m.addmm(t["v"], t["a"].T, t["b"], beta=0.5, alpha=2, out=out), "float32"),
]

# ops returning (values, indices): out is a pair
PAIR_CASES = [
    ("max_dim", lambda m, t, out: m.max(t["a"], 1, out=out)),
    ("min_dim_keepdim", lambda m, t, out: m.min(t["a"], 0, keepdim=True, out=out)),
    ("median_dim", lambda m, t, out: m.median(t["a"], 1, out=out)),
    ("sort", lambda m, t, out: m.sort(t["a"], 0, descending=True, out=out)),
    ("topk", lambda m, t, out: m.topk(t["a"], 2, out=out)),
]


def _empty(m, dtype_name):
    return m.empty(0, dtype=getattr(m, dtype_name))


@pytest.mark.parametrize("call, dtype", [c[1:] for c in OUT_CASES], ids=[c[0] for c in OUT_CASES])
def test_out_is_written_returned_and_bumped_like_torch(call, dtype):
    torch_ref = pytest.importorskip("torch")
    results = []
    for m in (torch, torch_ref):
        out = _empty(m, dtype)
        returned = call(m, operands(m), out)
        assert returned is out and out._version == 1
        results.append(out)
    ours, ref = results
    assert ours.dtype.name == str(ref.dtype).replace("torch.", "") and tuple(ours.shape) == tuple(ref.shape)
    np.testing.assert_allclose(ours.numpy().astype(np.float64), ref.numpy().astype(np.float64), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("call", [c[1] for c in PAIR_CASES], ids=[c[0] for c in PAIR_CASES])
def test_pair_out_takes_values_and_indices_like_torch(call):
    torch_ref = pytest.importorskip("torch")
    results = []
    for m in (torch, torch_ref):
        values, indices = m.empty(0), m.empty(0, dtype=m.int64)
        returned = call(m, operands(m), (values, indices))
        assert returned.values is values and returned.indices is indices and returned[0] is values
        assert values._version == 1 and indices._version == 1
        results.append(returned)
    (values, indices), (ref_values, ref_indices) = results
    np.testing.assert_allclose(values.numpy(), ref_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), ref_indices.numpy())


def test_out_may_be_an_input():
    a, b = torch.tensor(A), torch.tensor(B)
    assert torch.add(a, b, out=a) is a
    np.testing.assert_allclose(a.numpy(), A + B)


def _resize_warnings(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def test_out_of_another_shape_is_resized_with_torchs_warning():
    torch_ref = pytest.importorskip("torch")
    messages = [_resize_warnings(lambda: m.mul(m.tensor(A), 2, out=m.zeros(5))) for m in (torch, torch_ref)]
    assert len(messages[0]) == 1 and messages[1][0].startswith(messages[0][0])  # PyTorch adds where in C++
    assert messages[0][0].startswith("An output with one or more elements was resized since it had shape [5]")
    out = torch.zeros(5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.mul(torch.tensor(A), 2, out=out)
    assert tuple(out.shape) == (3, 4)
    assert _resize_warnings(lambda: torch.exp(torch.tensor(A), out=torch.empty(0))) == []  # empty: no warning


def test_resize_warning_points_at_the_caller():
    with pytest.warns(UserWarning, match="was resized") as caught:
        torch.exp(torch.tensor(A), out=torch.zeros(2))
    assert caught[0].filename == __file__


# (id, call(m, t)) of out= misuses, each raising the same error in both libraries
ERROR_CASES = [
    ("float_into_long", lambda m, t: m.exp(t["a"], out=m.empty(0, dtype=m.int64))),
    ("float_into_bool", lambda m, t: m.add(t["a"], 1, out=m.empty(0, dtype=m.bool))),
    ("long_into_bool", lambda m, t: m.mul(t["i"], 2, out=m.empty(0, dtype=m.bool))),
    ("pow_float_into_int", lambda m, t: m.pow(t["a"], 2, out=m.empty(0, dtype=m.int32))),
    ("neg_into_double", lambda m, t: m.neg(t["a"], out=m.empty(0, dtype=m.float64))),
    ("abs_ints_into_float", lambda m, t: m.abs(t["i"], out=m.empty(0))),
    ("sign_into_half", lambda m, t: m.sign(t["a"], out=m.empty(0, dtype=m.float16))),
    ("floor_ints_into_int32", lambda m, t: m.floor(t["i"], out=m.empty(0, dtype=m.int32))),
    ("round_into_double", lambda m, t: m.round(t["a"], decimals=2, out=m.empty(0, dtype=m.float64))),
    ("frac_into_double", lambda m, t: m.frac(t["a"], out=m.empty(0, dtype=m.float64))),
    ("clamp_into_double", lambda m, t: m.clamp(t["a"], 0, 1, out=m.empty(0, dtype=m.float64))),
    ("clamp_min_ints_into_float", lambda m, t: m.clamp_min(t["i"], 0, out=m.empty(0))),
    ("bitwise_not_into_float", lambda m, t: m.bitwise_not(t["i"], out=m.empty(0))),
    ("nan_to_num_into_double", lambda m, t: m.nan_to_num(t["a"], out=m.empty(0, dtype=m.float64))),
    ("amax_into_int", lambda m, t: m.amax(t["a"], 0, out=m.empty(0, dtype=m.int32))),
    ("amin_into_double", lambda m, t: m.amin(t["a"], out=m.empty(0, dtype=m.float64))),
    ("logsumexp_into_int", lambda m, t: m.logsumexp(t["a"], 0, out=m.empty(0, dtype=m.int32))),
    ("mean_into_int", lambda m, t: m.mean(t["a"], 0, out=m.empty(0, dtype=m.int32))),
    ("mm_into_double", lambda m, t: m.mm(t["a"], t["b"].T, out=m.empty(0, dtype=m.float64))),
    ("matmul_ints_into_float", lambda m, t: m.matmul(t["i"], t["i"].T, out=m.empty(0))),
    ("bmm_into_double", lambda m, t: m.bmm(t["a"][None], t["b"].T[None], out=m.empty(0, dtype=m.float64))),
    ("addmm_into_double", lambda m, t: m.addmm(t["v"], t["a"].T, t["b"], out=m.empty(0, dtype=m.float64))),
    ("norm_into_double", lambda m, t: m.norm(t["a"], out=m.empty(0, dtype=m.float64))),
    ("argmax_into_int", lambda m, t: m.argmax(t["a"], 0, out=m.empty(0, dtype=m.int32))),
    ("max_dim_float_indices", lambda m, t: m.max(t["a"], 0, out=(m.empty(0), m.empty(0)))),
    ("sort_double_values", lambda m, t: m.sort(t["a"], out=(m.empty(0, dtype=m.float64), m.empty(0, dtype=m.int64)))),
    ("topk_double_values", lambda m, t: m.topk(t["a"], 2, out=(m.empty(0, dtype=m.float64),
                                                                 m.empty(0, dtype=m.int64)))),
    ("sum_dtype_not_out_dtype", lambda m, t: m.sum(t["a"], 0, dtype=m.float64, out=m.empty(0))),
    ("cumsum_dtype_not_out_dtype", lambda m, t: m.cumsum(t["a"], 0, dtype=m.float64, out=m.empty(0))),
    ("all_into_float", lambda m, t: m.all(t["mask"], out=m.empty(0))),
    ("any_dim_into_long", lambda m, t: m.any(t["mask"], 0, out=m.empty(0, dtype=m.int64))),
    ("isposinf_into_float", lambda m, t: m.isposinf(t["a"], out=m.empty(0))),
    ("add_out_list", lambda m, t: m.add(t["a"], 1, out=[1])),
]


@pytest.mark.parametrize("call", [c[1] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES])
def test_out_errors_match_torch(call):
    torch_ref = pytest.importorskip("torch")
    with pytest.raises((RuntimeError, TypeError)) as ref_error:
        call(torch_ref, operands(torch_ref))
    with pytest.raises(ref_error.type) as error:
        call(torch, operands(torch))
    assert str(error.value) == str(ref_error.value)


def test_out_cannot_record_a_gradient():
    torch_ref = pytest.importorskip("torch")
    for m in (torch, torch_ref):
        x = m.tensor(A, requires_grad=True)
        for call in (lambda: m.exp(x, out=m.empty(0)), lambda: m.mm(x, x.T, out=m.empty(0)),
                     lambda: m.sum(x, 0, out=m.empty(0)),
                     lambda: m.max(x, 1, out=(m.empty(0), m.empty(0, dtype=m.int64))),
                     lambda: m.add(x.detach(), 1, out=m.empty(0, requires_grad=True))):
            with pytest.raises(RuntimeError, match=r"functions with out=\.\.\. arguments don't support automatic "
                                                   "differentiation, but one of the arguments requires grad"):
                call()
        with m.no_grad():
            out = m.empty(0)
            m.exp(x, out=out)
        np.testing.assert_allclose(out.numpy(), np.exp(A), rtol=1e-6)
        indices = m.empty(0, dtype=m.int64)
        m.argmax(x, 1, out=indices)  # not differentiable: nothing to record
        np.testing.assert_array_equal(indices.numpy(), A.argmax(1))


# ops that have no out= in PyTorch, or not in this overload
NO_OUT = [
    ("relu", lambda m, t: m.relu(t["a"], out=m.empty(0))),
    ("isnan", lambda m, t: m.isnan(t["a"], out=m.empty(0, dtype=m.bool))),
    ("isinf", lambda m, t: m.isinf(t["a"], out=m.empty(0, dtype=m.bool))),
    ("isfinite", lambda m, t: m.isfinite(t["a"], out=m.empty(0, dtype=m.bool))),
    ("isclose", lambda m, t: m.isclose(t["a"], t["a"], out=m.empty(0, dtype=m.bool))),
    ("equal", lambda m, t: m.equal(t["a"], t["a"], out=m.empty(0, dtype=m.bool))),
    ("argsort", lambda m, t: m.argsort(t["a"], out=m.empty(0, dtype=m.int64))),
    ("count_nonzero", lambda m, t: m.count_nonzero(t["a"], out=m.empty(0, dtype=m.int64))),
    ("einsum", lambda m, t: m.einsum("ij->i", t["a"], out=m.empty(0))),
    ("sum_without_dim", lambda m, t: m.sum(t["a"], out=m.empty(0))),
    ("prod_without_dim", lambda m, t: m.prod(t["a"], out=m.empty(0))),
    ("median_without_dim", lambda m, t: m.median(t["a"], out=m.empty(0))),
    ("max_dim_single_out", lambda m, t: m.max(t["a"], 0, out=m.empty(0))),
]


@pytest.mark.parametrize("call", [c[1] for c in NO_OUT], ids=[c[0] for c in NO_OUT])
def test_out_is_refused_where_torch_has_none(call):
    torch_ref = pytest.importorskip("torch")
    for m in (torch, torch_ref):
        with pytest.raises(TypeError):
            call(m, operands(m))
