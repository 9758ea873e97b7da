"""Elementwise ops: values, gradients (gradcheck / gradgradcheck), dtypes, broadcasting, in-place forms."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as torch
from autograd_core.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)


def uniform(lo, hi, shape=(2, 3)):
    return RNG.uniform(lo, hi, size=shape)


def away_from_integers(shape=(2, 3)):
    return RNG.integers(-3, 3, size=shape) + RNG.uniform(0.1, 0.9, size=shape)


def away_from_zero(shape=(2, 3)):
    return RNG.choice([-1, 1], size=shape) * RNG.uniform(0.2, 2.0, size=shape)


# (name, function, input sampler): every differentiable one-input op, sampled where it is smooth
UNARY = [
    ("exp", torch.exp, lambda: uniform(-2, 2)),
    ("expm1", torch.expm1, lambda: uniform(-2, 2)),
    ("log", torch.log, lambda: uniform(0.2, 3)),
    ("log1p", torch.log1p, lambda: uniform(-0.8, 3)),
    ("log2", torch.log2, lambda: uniform(0.2, 3)),
    ("log10", torch.log10, lambda: uniform(0.2, 3)),
    ("sqrt", torch.sqrt, lambda: uniform(0.2, 3)),
    ("rsqrt", torch.rsqrt, lambda: uniform(0.2, 3)),
    ("reciprocal", torch.reciprocal, away_from_zero),
    ("square", torch.square, lambda: uniform(-2, 2)),
    ("sin", torch.sin, lambda: uniform(-3, 3)),
    ("cos", torch.cos, lambda: uniform(-3, 3)),
    ("tan", torch.tan, lambda: uniform(-1.2, 1.2)),
    ("asin", torch.asin, lambda: uniform(-0.9, 0.9)),
    ("acos", torch.acos, lambda: uniform(-0.9, 0.9)),
    ("atan", torch.atan, lambda: uniform(-3, 3)),
    ("sinh", torch.sinh, lambda: uniform(-2, 2)),
    ("cosh", torch.cosh, lambda: uniform(-2, 2)),
    ("asinh", torch.asinh, lambda: uniform(-2, 2)),
    ("acosh", torch.acosh, lambda: uniform(1.2, 3)),
    ("atanh", torch.atanh, lambda: uniform(-0.9, 0.9)),
    ("tanh", torch.tanh, lambda: uniform(-2, 2)),
    ("sigmoid", torch.sigmoid, lambda: uniform(-3, 3)),
    ("erf", torch.erf, lambda: uniform(-2, 2)),
    ("abs", torch.abs, away_from_zero),
    ("relu", torch.relu, away_from_zero),
    ("frac", torch.frac, away_from_integers),
    ("nan_to_num", torch.nan_to_num, lambda: uniform(-2, 2)),
    ("clamp", lambda x: torch.clamp(x, -0.5, 0.5), lambda: np.array([-0.9, -0.3, 0.1, 0.4, 0.8, 1.2])),
    ("clamp_min", lambda x: x.clamp_min(0.0), away_from_zero),
    ("clamp_max", lambda x: x.clamp_max(0.0), away_from_zero),
]
GRADGRAD = {"exp", "log1p", "rsqrt", "reciprocal", "tan", "asin", "acos", "atan", "erf", "abs", "sinh", "acosh",
            "frac", "clamp", "nan_to_num", "tanh", "sigmoid"}


def leaf(array):
    return torch.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


@pytest.mark.parametrize("name, fn, sample", UNARY, ids=[u[0] for u in UNARY])
def test_unary_gradcheck(name, fn, sample):
    x = leaf(sample())
    assert gradcheck(fn, (x,))
    if name in GRADGRAD:
        assert gradgradcheck(fn, (x,))


@pytest.mark.parametrize("name, fn, sample", UNARY, ids=[u[0] for u in UNARY])
def test_unary_matches_torch(name, fn, sample):
    torch_ref = pytest.importorskip("torch")
    data = sample().astype(np.float32)
    x = torch.tensor(data, requires_grad=True)
    ref_fn = {"clamp": lambda t: t.clamp(-0.5, 0.5), "clamp_min": lambda t: t.clamp_min(0.0),
              "clamp_max": lambda t: t.clamp_max(0.0)}.get(name, getattr(torch_ref, name, None))
    xr = torch_ref.tensor(data, requires_grad=True)
    y, yr = fn(x), ref_fn(xr)
    assert y.dtype == torch.float32
    np.testing.assert_allclose(y.numpy(force=True), yr.detach().numpy(), rtol=1e-5, atol=1e-6)
    seed = RNG.standard_normal(data.shape).astype(np.float32)
    y.backward(torch.tensor(seed))
    yr.backward(torch_ref.tensor(seed))
    np.testing.assert_allclose(x.grad.numpy(force=True), xr.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert type(y.grad_fn).__name__ == type(yr.grad_fn).__name__


@pytest.mark.parametrize("fn", [torch.floor, torch.ceil, torch.round, torch.trunc, torch.sign,
                                lambda x: torch.round(x, decimals=1)])
def test_piecewise_constant_ops_have_zero_gradient(fn):
    x = leaf(away_from_integers())
    fn(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(force=True), np.zeros((2, 3)))
    assert gradcheck(fn, (leaf(away_from_integers()),))


def test_rounding_values_match_numpy_and_half_to_even():
    x = torch.tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 1.7, -1.7])
    np.testing.assert_array_equal(torch.round(x).numpy(force=True), [-2, -2, -0, 0, 2, 2, 2, -2])
    np.testing.assert_array_equal(torch.floor(x).numpy(force=True), np.floor(x.numpy(force=True)))
    np.testing.assert_array_equal(torch.ceil(x).numpy(force=True), np.ceil(x.numpy(force=True)))
    np.testing.assert_array_equal(torch.trunc(x).numpy(force=True), [-2, -1, -0, 0, 1, 2, 1, -1])
    np.testing.assert_allclose(torch.frac(x).numpy(force=True), [-0.5, -0.5, -0.5, 0.5, 0.5, 0.5, 0.7, -0.7], rtol=1e-6)
    np.testing.assert_array_equal(torch.sign(torch.tensor([-3.0, 0.0, 2.0])).numpy(force=True), [-1, 0, 1])


def test_round_decimals_matches_torch():
    torch_ref = pytest.importorskip("torch")
    data = np.array([1.2345, 123.456, 0.125, -0.375, 1234.5, 150.0], dtype=np.float32)
    for decimals in (-2, -1, 0, 1, 2, 3):
        np.testing.assert_allclose(torch.round(torch.tensor(data), decimals=decimals).numpy(force=True),
                                   torch_ref.round(torch_ref.tensor(data), decimals=decimals).numpy(), rtol=1e-6)


def test_abs_gradient_is_zero_at_zero():
    x = leaf([-2.0, 0.0, 3.0])
    x.abs().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(force=True), [-1, 0, 1])


def test_erf_values():
    x = torch.tensor([0.0, 0.5, -1.0, 3.0], dtype=torch.float64)
    np.testing.assert_allclose(torch.erf(x).numpy(force=True), [math.erf(v) for v in x.numpy(force=True).tolist()], rtol=1e-12)
    assert torch.erf(torch.tensor([0.5], dtype=torch.float16)).dtype == torch.float16


def test_nan_to_num_values_and_gradient():
    x = torch.tensor([float("nan"), float("inf"), -float("inf"), 1.5], requires_grad=True)
    y = torch.nan_to_num(x)
    np.testing.assert_array_equal(y.numpy(force=True), [0, np.finfo(np.float32).max, np.finfo(np.float32).min, 1.5])
    np.testing.assert_array_equal(torch.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-2.0).numpy(force=True), [1, 2, -2, 1.5])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(force=True), [0, 0, 0, 1])


# ----- dtypes -----
@pytest.mark.parametrize("name", ["exp", "log1p", "rsqrt", "tan", "asin", "erf", "sigmoid", "reciprocal", "sqrt"])
def test_float_functions_promote_integers_to_default_dtype(name):
    y = getattr(torch, name)(torch.tensor([1]))
    assert y.dtype == torch.float32
    np.testing.assert_allclose(y.numpy(force=True), getattr(torch, name)(torch.tensor([1.0])).numpy(force=True))
    assert getattr(torch, name)(torch.tensor([True])).dtype == torch.float32
    assert getattr(torch, name)(torch.tensor([0.5], dtype=torch.float64)).dtype == torch.float64


@pytest.mark.parametrize("name", ["abs", "sign", "floor", "ceil", "round", "trunc", "square", "nan_to_num"])
def test_integer_preserving_ops(name):
    x = torch.tensor([-3, 0, 2])
    y = getattr(torch, name)(x)
    assert y.dtype == torch.int64
    expected = {"abs": [3, 0, 2], "sign": [-1, 0, 1], "square": [9, 0, 4]}.get(name, [-3, 0, 2])
    np.testing.assert_array_equal(y.numpy(force=True), expected)
    assert y.array is not x.array


def test_dtype_edge_cases_match_torch():
    assert torch.square(torch.tensor([True])).dtype == torch.int64
    assert torch.sign(torch.tensor([True, False])).dtype == torch.bool
    assert torch.abs(torch.tensor([1, 2], dtype=torch.uint8)).dtype == torch.uint8
    assert torch.clamp(torch.tensor([1, 2, 3]), 1.5).dtype == torch.float32
    assert torch.clamp(torch.tensor([1, 2, 3]), 2).dtype == torch.int64
    assert torch.maximum(torch.tensor([1, 2]), torch.tensor([1.5])).dtype == torch.float32
    assert torch.maximum(torch.tensor([True]), torch.tensor([False])).dtype == torch.bool
    assert torch.atan2(torch.tensor([1, 2]), torch.tensor([1, 2])).dtype == torch.float32
    assert torch.minimum(torch.tensor([1.0]), torch.tensor([2.0], dtype=torch.float64)).dtype == torch.float64


def test_unsupported_dtypes_raise_clear_errors():
    with pytest.raises(TypeError, match="abs.*bool"):
        torch.abs(torch.tensor([True]))
    with pytest.raises(TypeError, match="frac.*int64"):
        torch.frac(torch.tensor([1, 2]))
    with pytest.raises(TypeError, match="round: decimals"):
        torch.round(torch.tensor([15, 25]), decimals=-1)


# ----- maximum, minimum, atan2 -----
def test_maximum_minimum_split_ties_like_torch():
    torch_ref = pytest.importorskip("torch")
    a_data, b_data = [1.0, 2.0, 3.0, float("nan")], [1.0, 1.0, 4.0, 0.0]
    for name in ("maximum", "minimum"):
        a, b = torch.tensor(a_data, requires_grad=True), torch.tensor(b_data, requires_grad=True)
        ar, br = torch_ref.tensor(a_data, requires_grad=True), torch_ref.tensor(b_data, requires_grad=True)
        y, yr = getattr(torch, name)(a, b), getattr(torch_ref, name)(ar, br)
        np.testing.assert_array_equal(y.numpy(force=True), yr.detach().numpy())
        y.sum().backward()
        yr.sum().backward()
        np.testing.assert_array_equal(a.grad.numpy(force=True), ar.grad.numpy())
        np.testing.assert_array_equal(b.grad.numpy(force=True), br.grad.numpy())


def test_maximum_tie_gradient_is_half():
    a, b = leaf([2.0, 5.0]), leaf([2.0, 1.0])
    torch.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(force=True), [0.5, 1])
    np.testing.assert_array_equal(b.grad.numpy(force=True), [0.5, 0])


def test_max_and_min_with_a_tensor_are_elementwise():
    a, b = torch.tensor([1.0, 5.0]), torch.tensor([3.0, 2.0])
    np.testing.assert_array_equal(torch.max(a, b).numpy(force=True), [3, 5])
    np.testing.assert_array_equal(a.min(b).numpy(force=True), [1, 2])


def broadcastable_pairs():
    return hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=3)


@pytest.mark.parametrize("name", ["maximum", "minimum", "atan2"])
@settings(max_examples=20, deadline=None)
@given(shapes=broadcastable_pairs(), seed=st.integers(0, 2 ** 16))
def test_binary_broadcasting(name, shapes, seed):
    rng = np.random.default_rng(seed)
    (sa, sb), out_shape = shapes.input_shapes, shapes.result_shape
    a_data = rng.choice([-1, 1], size=sa) * rng.uniform(0.3, 2, size=sa)
    b_data = rng.choice([-1, 1], size=sb) * rng.uniform(0.3, 2, size=sb)
    a, b = leaf(a_data), leaf(b_data)
    y = getattr(torch, name)(a, b)
    assert y.shape == out_shape
    np.testing.assert_allclose(y.numpy(force=True), getattr(np, {"atan2": "arctan2"}.get(name, name))(a_data, b_data))
    assert gradcheck(getattr(torch, name), (a, b))


def test_atan2_gradgradcheck_and_quadrants():
    a, b = leaf([[0.5, -1.0], [2.0, -0.3]]), leaf([[1.5, 0.7], [-0.4, -2.0]])
    assert gradgradcheck(torch.atan2, (a, b))
    assert gradgradcheck(torch.maximum, (a, b))
    np.testing.assert_allclose(torch.atan2(torch.tensor([1.0, -1.0]), torch.tensor([-1.0, -1.0])).numpy(force=True),
                               [3 * math.pi / 4, -3 * math.pi / 4], rtol=1e-6)


def test_binary_broadcast_error_names_op_and_shapes():
    with pytest.raises(RuntimeError, match=r"maximum.*\(2,\).*\(3,\)"):
        torch.maximum(torch.ones(2), torch.ones(3))
    with pytest.raises(RuntimeError, match=r"clamp.*\(2,\).*\(3,\)"):
        torch.clamp(torch.ones(2), torch.ones(3))


# ----- clamp -----
def test_clamp_gradient_passes_at_inclusive_bounds():
    x = leaf([0.0, 1.0, 1.5, 2.0, 3.0])
    torch.clamp(x, 1, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(force=True), [0, 1, 1, 1, 0])


def test_clamp_requires_a_bound():
    with pytest.raises(RuntimeError, match="at least one of 'min' or 'max'"):
        torch.clamp(torch.ones(2))


def test_clamp_values_with_one_or_crossed_bounds():
    x = torch.tensor([-2.0, 0.5, 3.0, float("nan")])
    np.testing.assert_array_equal(x.clamp(min=0).numpy(force=True), [0, 0.5, 3, np.nan])
    np.testing.assert_array_equal(x.clip(max=1).numpy(force=True), [-2, 0.5, 1, np.nan])
    np.testing.assert_array_equal(x.clamp(2, 1).numpy(force=True)[:3], [1, 1, 1])  # min > max gives max, as in PyTorch


@pytest.mark.parametrize("lo, hi", [(True, True), (True, False), (False, True), ("crossed", "crossed")])
def test_clamp_tensor_bounds_match_torch(lo, hi):
    torch_ref = pytest.importorskip("torch")
    x_data = np.array([[-1.0, 0.2, 0.7, 1.5], [0.1, 0.5, 0.9, -0.3]])
    lo_data = np.array([0.0, 0.2, 0.3, 0.4]) if lo != "crossed" else np.array([0.6, 0.2, 0.9, 0.1])
    hi_data = np.array([[0.6], [0.4]]) if hi != "crossed" else np.array([[0.5], [0.4]])
    kwargs, ref_kwargs, leaves, ref_leaves = {}, {}, [leaf(x_data)], [torch_ref.tensor(x_data, requires_grad=True)]
    for key, use, data in (("min", lo, lo_data), ("max", hi, hi_data)):
        if use:
            leaves.append(leaf(data))
            ref_leaves.append(torch_ref.tensor(data, requires_grad=True))
            kwargs[key], ref_kwargs[key] = leaves[-1], ref_leaves[-1]
    y, yr = torch.clamp(leaves[0], **kwargs), torch_ref.clamp(ref_leaves[0], **ref_kwargs)
    np.testing.assert_array_equal(y.numpy(force=True), yr.detach().numpy())
    seed = RNG.standard_normal(y.shape)
    y.backward(torch.tensor(seed))
    yr.backward(torch_ref.tensor(seed))
    for ours, ref in zip(leaves, ref_leaves):
        np.testing.assert_allclose(ours.grad.numpy(force=True), ref.grad.numpy())
    assert y.grad_fn.name() == "ClampBackward0"


def test_clamp_tensor_gradcheck():
    x = leaf([[-1.0, 0.25, 0.7, 1.5], [0.1, 0.55, 0.9, -0.3]])
    lo, hi = leaf([0.0, 0.2, 0.3, 0.4]), leaf([[0.6], [0.45]])
    assert gradcheck(lambda a, b, c: torch.clamp(a, b, c), (x, lo, hi))
    assert gradgradcheck(lambda a, b: torch.clamp(a, min=b), (x, lo))


# ----- API surface and in-place forms -----
def test_functions_are_exposed_on_module_and_tensor():
    x = torch.tensor([-1.5, 2.0])
    for name in ("abs", "absolute", "tan", "arcsin", "arctan2", "clip", "fix", "sgn", "expm1", "erf"):
        assert hasattr(torch, name) and hasattr(torch.Tensor, name), name
    np.testing.assert_array_equal(abs(x).numpy(force=True), [1.5, 2.0])
    np.testing.assert_array_equal(x.absolute().numpy(force=True), [1.5, 2.0])


@pytest.mark.parametrize("method, args, expected", [
    ("abs_", (), [1.5, 0.25, 2.0]), ("floor_", (), [-2, 0, 2]), ("ceil_", (), [-1, 1, 2]),
    ("round_", (), [-2, 0, 2]), ("trunc_", (), [-1, 0, 2]), ("sign_", (), [-1, 1, 1]),
    ("clamp_", (0, 1), [0, 0.25, 1]), ("clip_", (0, 1), [0, 0.25, 1]), ("clamp_min_", (0,), [0, 0.25, 2]),
    ("clamp_max_", (1,), [-1.5, 0.25, 1]), ("square_", (), [2.25, 0.0625, 4]),
    ("reciprocal_", (), [-1 / 1.5, 4, 0.5]), ("frac_", (), [-0.5, 0.25, 0]),
])
def test_inplace_forms(method, args, expected):
    x = torch.tensor([-1.5, 0.25, 2.0])
    version = x._version
    assert getattr(x, method)(*args) is x
    np.testing.assert_allclose(x.numpy(force=True), expected, rtol=1e-6)
    assert x._version == version + 1


def test_inplace_form_is_recorded_on_non_leaf():
    x = leaf([-1.25, 0.5, 2.75])
    y = x * 2
    y.frac_()
    assert y.grad_fn.name() == "FracBackward0"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(force=True), [2, 2, 2])
    with pytest.raises(RuntimeError, match="leaf Variable"):
        leaf([1.0]).abs_()


def test_inplace_clamp_with_tensor_bounds_broadcasts_into_input():
    x = torch.tensor([[-1.0, 0.5, 2.0], [3.0, -2.0, 0.0]])
    x.clamp_(torch.tensor([0.0, 1.0, 0.0]), torch.tensor(1.5))
    np.testing.assert_array_equal(x.numpy(force=True), [[0, 1, 1.5], [1.5, 1, 0]])
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        torch.zeros(3).clamp_(torch.zeros(2, 3))


def test_relu_backward_is_one_threshold_node_with_its_own_gradient():
    x = torch.tensor([-1.5, 0.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    gy = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64, requires_grad=True)
    gx, = torch.autograd.grad(torch.relu(x), x, gy, create_graph=True)
    assert gx.grad_fn.name() == "ThresholdBackwardBackward0"
    assert gx.tolist() == [0.0, 0.0, 3.0, 4.0]
    gx.sum().backward()
    assert gy.grad.tolist() == [0.0, 0.0, 1.0, 1.0]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("copies", [1, 1024])  # 8 elements take numpy's ops, 8192 the one-pass kernels
def test_relu_backward_matches_torch_on_inf_nan_and_signed_zeros(dtype, copies):
    """0 (+0.0) where the output is <= 0 whatever the gradient there (inf, NaN); the gradient itself elsewhere."""
    torch_ref = pytest.importorskip("torch")
    x = np.tile(np.array([-1, 0, -0.0, 2, np.nan, 3, 4, -5], dtype=dtype), copies)
    gy = np.tile(np.array([np.inf, np.nan, -3, 1.5, 2, np.nan, -np.inf, -0.0], dtype=dtype), copies)
    ours = torch.tensor(x, requires_grad=True)
    torch.relu(ours).backward(torch.tensor(gy))
    theirs = torch_ref.tensor(x, requires_grad=True)
    torch_ref.relu(theirs).backward(torch_ref.tensor(gy))
    got, want = ours.grad.numpy(force=True), theirs.grad.numpy()
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])  # a transposed input takes numpy's maximum
def test_relu_forward_is_numpys_maximum_on_large_arrays(dtype, layout):
    """max(x, 0) bit for bit as numpy's on a 64x128 array: NaN and inf pass, -0.0 gives +0.0."""
    values = np.tile(np.array([-1, 0, -0.0, 2, np.nan, np.inf, -np.inf, -5], dtype=dtype), 1024).reshape(64, 128)
    values = values if layout == "contiguous" else values.T
    got = torch.relu(torch.tensor(values)).numpy()
    want = np.maximum(values, 0)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("value, expected", [(2.0, 3.0), (-2.0, 0.0)])
def test_relu_backward_of_a_0d_tensor(value, expected):
    """A 0-d ReLU (micrograd's scalar graphs) and its second order: numpy's ops on 0-d arrays give scalars."""
    x = torch.tensor(value, requires_grad=True)
    (g,) = torch.autograd.grad(torch.relu(x) * 3.0, x, create_graph=True)
    assert g.shape == () and g.item() == expected
    (gg,) = torch.autograd.grad(torch.relu(g * x), x)
    assert gg.shape == () and gg.item() == (expected if value > 0 else 0.0)


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_fused_backward_second_and_third_order_match_torch(name, dtype):
    """tanh/sigmoid backward is one op (as PyTorch's tanh_backward): its own gradients, real and complex."""
    torch_ref = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    data = rng.uniform(-1.5, 1.5, 5) + (1j * rng.uniform(-1, 1, 5) if dtype is np.complex128 else 0)
    grads = []
    for lib in (torch, torch_ref):
        x = lib.tensor(data.astype(dtype), requires_grad=True)
        y = getattr(x, name)()
        (g1,) = lib.autograd.grad(y.abs().sum() if dtype is np.complex128 else y.sum(), x, create_graph=True)
        (g2,) = lib.autograd.grad((g1 * g1.conj()).real.sum() if dtype is np.complex128 else g1.sum(), x,
                                  create_graph=True)
        (g3,) = lib.autograd.grad(g2.abs().sum(), x)
        grads.append([g.detach().numpy() for g in (g1, g2, g3)])
    for ours, ref in zip(*grads):
        np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)
