"""Comparisons, closeness, logical and bitwise ops: bool results, broadcasting, promotion, no gradients."""
import operator

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as torch

COMPARISONS = [("eq", operator.eq, np.equal), ("ne", operator.ne, np.not_equal), ("lt", operator.lt, np.less),
               ("le", operator.le, np.less_equal), ("gt", operator.gt, np.greater),
               ("ge", operator.ge, np.greater_equal)]


@pytest.mark.parametrize("name, python_op, numpy_op", COMPARISONS, ids=[c[0] for c in COMPARISONS])
def test_comparison_forms_agree(name, python_op, numpy_op):
    a, b = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 2.0, 2.0])
    expected = numpy_op(a.numpy(force=True), b.numpy(force=True))
    for result in (python_op(a, b), getattr(torch, name)(a, b), getattr(a, name)(b), python_op(a, 2.0),
                   python_op(a, 2)):
        assert result.dtype == torch.bool
        assert not result.requires_grad and result.grad_fn is None
        np.testing.assert_array_equal(result.numpy(force=True), expected)
    # a number on the left is answered by the reflected method
    np.testing.assert_array_equal(python_op(2.0, a).numpy(force=True), numpy_op(2.0, a.numpy(force=True)))


def test_aliases():
    a, b = torch.tensor([1, 3]), torch.tensor([2, 2])
    for alias, name in (("greater", "gt"), ("greater_equal", "ge"), ("less", "lt"), ("less_equal", "le"),
                        ("not_equal", "ne")):
        np.testing.assert_array_equal(getattr(torch, alias)(a, b).numpy(force=True), getattr(torch, name)(a, b).numpy(force=True))
        np.testing.assert_array_equal(getattr(a, alias)(b).numpy(force=True), getattr(torch, name)(a, b).numpy(force=True))


def test_comparison_with_grad_inputs_gives_no_grad():
    x = torch.tensor([1.0, -1.0], requires_grad=True)
    y = x > 0
    assert y.dtype == torch.bool and not y.requires_grad


def test_scalar_promotion_follows_torch():
    # a Python float meets a float32 tensor in float32, so 0.1 equals float32(0.1)
    assert (torch.tensor([0.1]) == 0.1).item()
    # two dimensioned tensors meet at float64
    assert not (torch.tensor([0.1]) == torch.tensor([0.1], dtype=torch.float64)).item()
    # a 0-d float64 tensor does not outrank a dimensioned float32 one
    assert (torch.tensor([0.1]) == torch.tensor(0.1, dtype=torch.float64)).item()
    np.testing.assert_array_equal((torch.tensor([1, 2, 3]) < 2.5).numpy(force=True), [True, True, False])
    np.testing.assert_array_equal((torch.tensor([1, 2, 3]) == True).numpy(force=True), [True, False, False])  # noqa: E712
    np.testing.assert_array_equal((torch.tensor([True, False]) == torch.tensor([1.0, 1.0])).numpy(force=True), [True, False])


def test_comparison_with_other_objects():
    x = torch.tensor([1, 2])
    assert (x == None) is False  # noqa: E711
    assert (x != "a") is True
    with pytest.raises(TypeError):
        x < None  # noqa: B015
    with pytest.raises(TypeError, match="eq\\(\\): argument 'other'"):
        torch.eq(x, "a")
    # hashing is by identity, so tensors still work in sets and as dict keys
    assert len({x, torch.tensor([1, 2])}) == 2


def test_comparison_broadcast_error():
    with pytest.raises(RuntimeError, match=r"lt: the shapes \(2,\) and \(3,\) cannot be broadcast"):
        torch.ones(2) < torch.ones(3)


def broadcastable_pairs():
    return hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=4)


@settings(max_examples=25, deadline=None)
@given(shapes=broadcastable_pairs(), seed=st.integers(0, 2 ** 16),
       dtypes=st.sampled_from([("float32", "float32"), ("int64", "float64"), ("int32", "int64"), ("bool", "int64")]))
def test_comparisons_broadcast_like_numpy(shapes, seed, dtypes):
    rng = np.random.default_rng(seed)
    (sa, sb), out_shape = shapes.input_shapes, shapes.result_shape
    a_data = rng.integers(0, 3, size=sa).astype(dtypes[0])
    b_data = rng.integers(0, 3, size=sb).astype(dtypes[1])
    a, b = torch.tensor(a_data), torch.tensor(b_data)
    for _, python_op, numpy_op in COMPARISONS:
        result = python_op(a, b)
        assert result.shape == out_shape and result.dtype == torch.bool
        np.testing.assert_array_equal(result.numpy(force=True), numpy_op(a_data, b_data))
    np.testing.assert_array_equal(torch.logical_xor(a, b).numpy(force=True), np.logical_xor(a_data, b_data))


def test_comparisons_match_torch():
    torch_ref = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a_data = rng.integers(-2, 3, size=(3, 1, 4)).astype(np.float32)
    b_data = rng.integers(-2, 3, size=(5, 1)).astype(np.int64)
    a, b = torch.tensor(a_data), torch.tensor(b_data)
    ar, br = torch_ref.tensor(a_data), torch_ref.tensor(b_data)
    for name, python_op, _ in COMPARISONS:
        np.testing.assert_array_equal(python_op(a, b).numpy(force=True), python_op(ar, br).numpy())
        np.testing.assert_array_equal(python_op(a, 0.5).numpy(force=True), python_op(ar, 0.5).numpy())
    for name in ("logical_and", "logical_or", "logical_xor"):
        np.testing.assert_array_equal(getattr(torch, name)(a, b).numpy(force=True), getattr(torch_ref, name)(ar, br).numpy())
    np.testing.assert_array_equal(torch.logical_not(a).numpy(force=True), torch_ref.logical_not(ar).numpy())


# ----- closeness and equality -----
def test_isclose_defaults_and_special_values():
    a = torch.tensor([1.0, 1.0, float("inf"), float("nan"), -float("inf"), 1e-9])
    b = torch.tensor([1.0 + 1e-6, 1.001, float("inf"), float("nan"), float("inf"), 0.0])
    np.testing.assert_array_equal(torch.isclose(a, b).numpy(force=True), [True, False, True, False, False, True])
    np.testing.assert_array_equal(torch.isclose(a, b, equal_nan=True).numpy(force=True), [True, False, True, True, False, True])
    np.testing.assert_array_equal(a.isclose(b, rtol=0.01).numpy(force=True), [True, True, True, False, False, True])
    np.testing.assert_array_equal(torch.isclose(a, b, rtol=0, atol=0).numpy(force=True), [False, False, True, False, False, False])
    assert torch.isclose(torch.tensor([3]), torch.tensor([3])).dtype == torch.bool


def test_isclose_matches_torch():
    torch_ref = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    a_data = rng.standard_normal((4, 5)).astype(np.float32)
    b_data = (a_data + rng.choice([0, 1e-6, 1e-4, 1e-2], size=(4, 5))).astype(np.float32)
    for rtol, atol in ((1e-5, 1e-8), (1e-3, 0), (0, 1e-4)):
        np.testing.assert_array_equal(
            torch.isclose(torch.tensor(a_data), torch.tensor(b_data), rtol=rtol, atol=atol).numpy(force=True),
            torch_ref.isclose(torch_ref.tensor(a_data), torch_ref.tensor(b_data), rtol=rtol, atol=atol).numpy())


def test_isclose_requires_same_dtype():
    with pytest.raises(RuntimeError, match="isclose.*float32 and torch.float64"):
        torch.isclose(torch.tensor([1.0]), torch.tensor([1.0], dtype=torch.float64))


def test_allclose_and_equal_return_python_bools():
    a = torch.tensor([1.0, 2.0])
    assert torch.allclose(a, torch.tensor([1.0 + 1e-7, 2.0])) is True
    assert a.allclose(torch.tensor([1.1, 2.0])) is False
    assert torch.allclose(a, torch.tensor([1.0])) is False  # broadcasts
    assert torch.equal(a, torch.tensor([1.0, 2.0])) is True
    assert torch.equal(torch.tensor([1, 2]), torch.tensor([1.0, 2.0])) is True
    assert a.equal(torch.tensor([[1.0, 2.0]])) is False  # shapes differ
    assert torch.equal(torch.tensor([float("nan")]), torch.tensor([float("nan")])) is False


# ----- logical and predicates -----
def test_logical_ops_take_any_dtype():
    a, b = torch.tensor([0.0, 1.5, -2.0, 0.0]), torch.tensor([0, 0, 3, 7])
    np.testing.assert_array_equal(torch.logical_and(a, b).numpy(force=True), [False, False, True, False])
    np.testing.assert_array_equal(a.logical_or(b).numpy(force=True), [False, True, True, True])
    np.testing.assert_array_equal(torch.logical_xor(a, b).numpy(force=True), [False, True, False, True])
    np.testing.assert_array_equal(torch.logical_not(b).numpy(force=True), [True, True, False, False])
    assert torch.logical_not(b).dtype == torch.bool


def test_isnan_isinf_isfinite():
    x = torch.tensor([1.0, float("nan"), float("inf"), -float("inf")])
    np.testing.assert_array_equal(torch.isnan(x).numpy(force=True), [False, True, False, False])
    np.testing.assert_array_equal(x.isinf().numpy(force=True), [False, False, True, True])
    np.testing.assert_array_equal(torch.isfinite(x).numpy(force=True), [True, False, False, False])
    np.testing.assert_array_equal(torch.isposinf(x).numpy(force=True), [False, False, True, False])
    np.testing.assert_array_equal(torch.isneginf(x).numpy(force=True), [False, False, False, True])
    ints = torch.tensor([1, 2])
    assert not torch.isnan(ints).numpy(force=True).any() and torch.isfinite(ints).numpy(force=True).all()


# ----- bitwise -----
def test_bitwise_operators_on_bools_and_ints():
    t, f = torch.tensor([True, True, False]), torch.tensor([True, False, False])
    np.testing.assert_array_equal((t & f).numpy(force=True), [True, False, False])
    np.testing.assert_array_equal((t | f).numpy(force=True), [True, True, False])
    np.testing.assert_array_equal((t ^ f).numpy(force=True), [False, True, False])
    np.testing.assert_array_equal((~t).numpy(force=True), [False, False, True])
    assert (t & f).dtype == torch.bool
    a, b = torch.tensor([12, 10]), torch.tensor([10, 6])
    np.testing.assert_array_equal((a & b).numpy(force=True), [8, 2])
    np.testing.assert_array_equal(torch.bitwise_or(a, b).numpy(force=True), [14, 14])
    np.testing.assert_array_equal(a.bitwise_xor(b).numpy(force=True), [6, 12])
    np.testing.assert_array_equal((~a).numpy(force=True), [-13, -11])
    np.testing.assert_array_equal((3 & a).numpy(force=True), [0, 2])


def test_bitwise_promotion_matches_torch():
    torch_ref = pytest.importorskip("torch")
    cases = [(lambda m: m.tensor([3]) & m.tensor([True])), (lambda m: m.tensor([3]) & 1),
             (lambda m: m.tensor([True]) & 1), (lambda m: m.tensor([True]) & True),
             (lambda m: True | m.tensor([False])), (lambda m: m.tensor([5], dtype=m.int32) ^ m.tensor([3])),
             (lambda m: m.tensor([5], dtype=m.uint8) | m.tensor([3], dtype=m.int8))]
    for case in cases:
        ours, ref = case(torch), case(torch_ref)
        assert str(ours.dtype) == str(ref.dtype)
        np.testing.assert_array_equal(ours.numpy(force=True), ref.numpy())


def test_bitwise_inplace():
    mask = torch.tensor([True, True, False])
    same = mask
    mask &= torch.tensor([True, False, True])
    assert mask is same
    np.testing.assert_array_equal(mask.numpy(force=True), [True, False, False])
    mask |= torch.tensor([False, False, True])
    np.testing.assert_array_equal(mask.numpy(force=True), [True, False, True])
    counts = torch.tensor([6, 5])
    counts.bitwise_xor_(3)
    np.testing.assert_array_equal(counts.numpy(force=True), [5, 6])


def test_bitwise_rejects_floats():
    with pytest.raises(TypeError, match="bitwise_and: only integer and bool tensors.*float32"):
        torch.tensor([1.0]) & torch.tensor([1.0])
    with pytest.raises(TypeError, match="bitwise_or: only integer and bool"):
        torch.tensor([1]) | torch.tensor([1.0])
    with pytest.raises(TypeError, match="~"):
        ~torch.tensor([1.0])
    with pytest.raises(TypeError):
        torch.tensor([1]) & 1.5
