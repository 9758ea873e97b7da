"""Numerical reliability, as PyTorch 2.13: division by zero, silent inf and nan, branches at infinity,
the losses' argument checks, and var/std without degrees of freedom (the values are PyTorch's)."""
import math
import warnings

import numpy as np
import pytest

import autograd_core as torch
import nn.functional as F
from autograd_core.autograd import gradcheck, gradgradcheck

INF, NAN = math.inf, math.nan


def values(t):
    return t.numpy(force=True)


def grad_of(fn, data, dtype=torch.float32, upstream=None):
    x = torch.tensor(data, dtype=dtype, requires_grad=True)
    y = fn(x)
    y.backward(torch.ones_like(y) if upstream is None else torch.full_like(y, upstream))
    return values(x.grad)


# ----- 1. division by zero -----
INTEGERS = torch.tensor([5, -3, 0])
ZEROS = torch.tensor([0, 0, 0])


@pytest.mark.parametrize("divide", [
    lambda a, z: a // z, lambda a, z: a // 0, lambda a, z: a % z, lambda a, z: a % 0, lambda a, z: 5 // z,
    lambda a, z: 5 % z, lambda a, z: torch.floor_divide(a, z), lambda a, z: torch.remainder(a, z),
    lambda a, z: torch.remainder(5, z), lambda a, z: torch.fmod(a, z), lambda a, z: torch.fmod(a, 0),
    lambda a, z: torch.div(a, z, rounding_mode="floor"), lambda a, z: torch.div(a, z, rounding_mode="trunc"),
    lambda a, z: a.clone().floor_divide_(0), lambda a, z: a.clone().remainder_(z),
    lambda a, z: a.to(torch.int32) % z.to(torch.int32), lambda a, z: a.to(torch.uint8) // z.to(torch.uint8),
], ids=["//", "// 0", "%", "% 0", "5 //", "5 %", "floor_divide", "remainder", "remainder(5, z)", "fmod", "fmod 0",
        "div floor", "div trunc", "floor_divide_", "remainder_", "int32 %", "uint8 //"])
def test_integer_division_by_zero_raises_pytorchs_error(divide):
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        divide(INTEGERS, ZEROS)


def test_integer_division_by_nonzero_divisors_is_unchanged():
    a, b = torch.tensor([7, -7, 0, -2 ** 63]), torch.tensor([2, 2, 3, -1])
    assert (a // b).tolist() == [3, -4, 0, -2 ** 63]
    assert (a % b).tolist() == [1, 1, 0, 0]
    assert torch.fmod(a, b).tolist() == [1, -1, 0, 0]
    assert torch.div(a, b, rounding_mode="trunc").tolist() == [3, -3, 0, -2 ** 63]
    assert (torch.tensor([], dtype=torch.int64) // torch.tensor([], dtype=torch.int64)).shape == (0,)


def test_float_division_by_zero_gives_inf_and_nan():
    x = torch.tensor([1.0, -1.0, 0.0])
    np.testing.assert_array_equal(values(x / 0), [INF, -INF, NAN])
    np.testing.assert_array_equal(values(INTEGERS / ZEROS), [INF, -INF, NAN])
    np.testing.assert_array_equal(values(x // 0), [INF, -INF, NAN])
    np.testing.assert_array_equal(values(x % 0), [NAN, NAN, NAN])
    np.testing.assert_array_equal(values(torch.fmod(x, 0.0)), [NAN, NAN, NAN])


SILENT = {  # op: (input, PyTorch's values); numpy would warn on each (finite inputs out of the domain, overflow...)
    "x / 0": (lambda x: x / 0, [1.0, 0.0], [INF, NAN]),
    "1 / x": (lambda x: 1 / x, [0.0], [INF]),
    "reciprocal": (torch.reciprocal, [0.0], [INF]),
    "log": (torch.log, [0.0, -1.0], [-INF, NAN]),
    "log2": (torch.log2, [0.0], [-INF]),
    "log10": (torch.log10, [0.0], [-INF]),
    "log1p": (torch.log1p, [-1.0, -2.0], [-INF, NAN]),
    "sqrt": (torch.sqrt, [-1.0], [NAN]),
    "rsqrt": (torch.rsqrt, [0.0, -1.0], [INF, NAN]),
    "x ** 0.5": (lambda x: x ** 0.5, [-1.0, -0.0], [NAN, -0.0]),
    "x ** -0.5": (lambda x: x ** -0.5, [-0.0, -INF], [-INF, NAN]),
    "x ** -1": (lambda x: x ** -1, [0.0], [INF]),
    "x ** 2": (lambda x: x ** 2, [1e30], [INF]),
    "x ** x": (lambda x: x ** x, [0.0, -2.5], [1.0, NAN]),
    "0 ** x": (lambda x: 0.0 ** x, [-1.0], [INF]),
    "exp": (torch.exp, [100.0], [INF]),
    "expm1": (torch.expm1, [100.0], [INF]),
    "sinh": (torch.sinh, [100.0], [INF]),
    "cosh": (torch.cosh, [100.0], [INF]),
    "asin": (torch.asin, [2.0], [NAN]),
    "acosh": (torch.acosh, [0.0], [NAN]),
    "atanh": (torch.atanh, [1.0, 2.0], [INF, NAN]),
    "x // 0.0": (lambda x: x // 0.0, [1.0], [INF]),
    "x % 0.0": (lambda x: x % 0.0, [1.0], [NAN]),
    "prod": (lambda x: x.prod(), [1e30, 1e30], INF),
    "norm": (lambda x: x.norm(), [1e30, 1e30], INF),
    "softmax": (lambda x: x.softmax(0), [INF, 1.0], [NAN, NAN]),
    "logsumexp": (lambda x: x.logsumexp(0), [-INF, -INF], -INF),
    "F.mse_loss": (lambda x: F.mse_loss(x, torch.zeros_like(x), reduction="none"), [1e30], [INF]),
    "F.huber_loss": (lambda x: F.huber_loss(x, torch.zeros_like(x), reduction="none"), [INF], [INF]),
    "F.binary_cross_entropy": (lambda x: F.binary_cross_entropy(x, torch.ones_like(x), reduction="none"),
                               [0.0], [100.0]),
    "F.binary_cross_entropy_with_logits": (
        lambda x: F.binary_cross_entropy_with_logits(x, torch.zeros_like(x), reduction="none"), [INF], [INF]),
    "F.cross_entropy": (lambda x: F.cross_entropy(x.reshape(1, -1), torch.tensor([0])), [INF, INF], NAN),
}


@pytest.mark.parametrize("name", list(SILENT))
def test_inf_and_nan_come_without_numpys_warnings(name):
    fn, data, expected = SILENT[name]
    before = np.geterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = fn(torch.tensor(data))
    np.testing.assert_array_equal(values(result), np.asarray(expected, np.float32))
    assert np.geterr() == before  # the process-wide numpy setting is never touched


# ----- 2. branches selected, not blended: gradients at the extremes -----
@pytest.mark.parametrize("loss, slope, slope_at_quarter", [
    (lambda d: F.huber_loss(d, torch.zeros_like(d), reduction="none"), 1.0, 0.25),
    (lambda d: F.huber_loss(d, torch.zeros_like(d), reduction="none", delta=2.0), 2.0, 0.25),
    (lambda d: F.smooth_l1_loss(d, torch.zeros_like(d), reduction="none"), 1.0, 0.25),
    (lambda d: F.smooth_l1_loss(d, torch.zeros_like(d), reduction="none", beta=0.5), 1.0, 0.5),
], ids=["huber", "huber delta 2", "smooth_l1", "smooth_l1 beta 0.5"])
def test_huber_and_smooth_l1_gradients_at_huge_and_infinite_differences(loss, slope, slope_at_quarter):
    d = [1e20, -1e20, 3e38, INF, -INF, 0.25, NAN]
    np.testing.assert_allclose(grad_of(loss, d), [slope, -slope, slope, slope, -slope, slope_at_quarter, NAN])
    np.testing.assert_allclose(values(loss(torch.tensor([INF, -INF, 1e20]))), [INF, INF, slope * 1e20], rtol=1e-6)


def test_pow_gradients_where_the_base_is_zero():
    a = torch.tensor([0.0, 0.0, 0.0, 2.0], requires_grad=True)
    b = torch.tensor([0.0, 2.0, -1.0, 0.0], requires_grad=True)
    (a ** b).sum().backward()
    np.testing.assert_array_equal(values(a.grad), [0.0, 0.0, -INF, 0.0])
    np.testing.assert_allclose(values(b.grad), [0.0, 0.0, -INF, math.log(2.0)], rtol=1e-6)
    np.testing.assert_array_equal(grad_of(lambda x: 0.0 ** x, [-1.0, 0.0, 2.0]), [-INF, 0.0, 0.0])
    np.testing.assert_array_equal(grad_of(lambda x: x ** 0, [0.0, INF], upstream=NAN), [0.0, 0.0])
    np.testing.assert_array_equal(grad_of(lambda x: x ** 0.5, [-0.0, -INF]), [-INF, NAN])


SELU_SCALE = 1.0507009873554805
# infinite inputs: numpy's warnings where this project keeps them (hot ops; backward passes), not what is tested
WARNINGS_OF_INFINITIES = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.mark.parametrize("activation, at_inf, at_minus_inf, at_nan", [
    (F.elu, 1.0, 0.0, 1.0), (F.selu, SELU_SCALE, 0.0, SELU_SCALE), (F.celu, 1.0, 0.0, 1.0),
    (lambda x: F.celu(x, alpha=0.5), 1.0, 0.0, 1.0), (F.hardswish, 1.0, 0.0, 1.0),
], ids=["elu", "selu", "celu", "celu alpha 0.5", "hardswish"])
@WARNINGS_OF_INFINITIES
def test_activation_gradients_at_infinity(activation, at_inf, at_minus_inf, at_nan):
    np.testing.assert_allclose(grad_of(activation, [INF, -INF, NAN, 3e38]), [at_inf, at_minus_inf, at_nan, at_inf],
                               rtol=1e-6)


def test_hardswish_gradient_at_the_joints():
    np.testing.assert_allclose(grad_of(F.hardswish, [3.0, -3.0, 2.5, -2.5]), [1.0, 0.0, 2.5 / 3 + 0.5, -2.5 / 3 + 0.5],
                               rtol=1e-6)


@pytest.mark.parametrize("fn, data, expected", [
    (torch.relu, [0.0, -1.0, 2.0, NAN], [0.0, 0.0, INF, INF]),
    (lambda x: x.clamp(0, 1), [-1.0, 0.5, 2.0, NAN], [0.0, INF, 0.0, 0.0]),
    (lambda x: torch.maximum(x, torch.tensor(1.0)), [0.0, 2.0], [0.0, INF]),
    (F.relu6, [-1.0, 7.0, 3.0], [0.0, 0.0, INF]),
    (F.hardsigmoid, [-4.0, 4.0, 0.0], [0.0, 0.0, INF]),
    (lambda x: F.nll_loss(x.reshape(1, -1), torch.tensor([0]), reduction="sum"), [1.0, 2.0], [-INF, 0.0]),
    (lambda x: x.max(), [1.0, 3.0], [0.0, INF]),
], ids=["relu", "clamp", "maximum", "relu6", "hardsigmoid", "nll_loss", "max"])
@WARNINGS_OF_INFINITIES
def test_flat_branches_give_zero_even_for_an_infinite_upstream_gradient(fn, data, expected):
    np.testing.assert_array_equal(grad_of(fn, data, upstream=INF), expected)


def test_nan_handling_of_sign_abs_and_relu():
    np.testing.assert_array_equal(values(torch.sign(torch.tensor([NAN, -2.0, 0.0]))), [0.0, -1.0, 0.0])
    np.testing.assert_array_equal(grad_of(torch.abs, [NAN, -2.0]), [0.0, -1.0])
    np.testing.assert_array_equal(grad_of(torch.relu, [NAN]), [1.0])
    np.testing.assert_array_equal(grad_of(lambda x: x.norm(p=1), [NAN, -2.0]), [0.0, -1.0])


def test_atan2_gradient_is_zero_at_the_origin():
    a = torch.tensor([0.0, 1e-38], requires_grad=True)
    b = torch.tensor([0.0, 0.0], requires_grad=True)
    torch.atan2(a, b).sum().backward()
    np.testing.assert_array_equal(values(a.grad), [0.0, 0.0])
    np.testing.assert_array_equal(values(b.grad), [-0.0, -0.0])


def test_amax_of_a_nan_slice_gives_nan_gradients_and_max_sends_them_to_the_nan():
    np.testing.assert_array_equal(grad_of(lambda x: x.amax(), [NAN, 0.0, 1.0]), [NAN, NAN, NAN])
    np.testing.assert_array_equal(grad_of(lambda x: x.max(), [NAN, 0.0, 1.0]), [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(grad_of(lambda x: x.norm(p=INF), [NAN, 0.0, 1.0]), [0.0, 0.0, 0.0])


def test_prod_gradient_with_an_infinite_and_a_zero_element():
    np.testing.assert_array_equal(grad_of(lambda x: x.prod(), [INF, 0.0, 1.0]), [0.0, INF, NAN])


@WARNINGS_OF_INFINITIES
def test_kl_div_follows_xlogy():
    target = torch.tensor([0.0, -1.0, 2.0, NAN], requires_grad=True)
    loss = F.kl_div(torch.zeros(4), target, reduction="none")
    np.testing.assert_allclose(values(loss), [0.0, NAN, 2 * math.log(2.0), NAN], rtol=1e-6)
    loss.backward(torch.ones(4))
    np.testing.assert_allclose(values(target.grad), [NAN, NAN, math.log(2.0) + 1, NAN], rtol=1e-6)
    assert type(loss.grad_fn.next_functions[0][0]).__name__ == "XlogyBackward0"
    target.grad = None
    F.kl_div(torch.zeros(4), target, reduction="none").backward(torch.zeros(4))
    np.testing.assert_array_equal(values(target.grad), [NAN, 0.0, 0.0, NAN])


def test_kl_div_target_term_gradcheck():
    target = torch.tensor([0.3, 1.2, 2.5], dtype=torch.float64, requires_grad=True)
    log_input = torch.tensor([-1.0, -0.5, -2.0], dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda x, t: F.kl_div(x, t, reduction="sum"), (log_input, target))
    assert gradgradcheck(lambda x, t: F.kl_div(x, t, reduction="none"), (log_input, target))


@pytest.mark.parametrize("loss", [
    lambda x, t: F.huber_loss(x, t, delta=0.7), lambda x, t: F.smooth_l1_loss(x, t, beta=0.6),
    lambda x, t: F.elu(x).sum() + 0 * t.sum(), lambda x, t: F.hardswish(x).sum() + 0 * t.sum(),
    lambda x, t: (x.abs() ** t).sum(), lambda x, t: torch.atan2(x, t).sum(),
    lambda x, t: torch.maximum(x, t).sum(), lambda x, t: (x / t).sum(),
], ids=["huber", "smooth_l1", "elu", "hardswish", "pow", "atan2", "maximum", "div"])
def test_rewritten_gradients_pass_gradcheck(loss):
    x = torch.tensor([0.3, -1.7, 2.6, -3.5], dtype=torch.float64, requires_grad=True)
    t = torch.tensor([1.1, 0.4, -0.9, 1.6], dtype=torch.float64, requires_grad=True)
    assert gradcheck(loss, (x, t))
    assert gradgradcheck(loss, (x, t))


# ----- 3. the losses' argument checks -----
X = torch.tensor([0.2, 0.7])
LOGITS = torch.tensor([[0.2, 0.7, 0.1], [1.0, -1.0, 0.5]])


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.binary_cross_entropy(X, torch.tensor([1.5, 0.5])), RuntimeError,
     "all elements of target should be between 0 and 1"),
    (lambda: F.binary_cross_entropy(X, torch.tensor([NAN, 0.5])), RuntimeError,
     "all elements of target should be between 0 and 1"),
    (lambda: F.binary_cross_entropy(torch.tensor([NAN, 0.5]), X), RuntimeError,
     "all elements of input should be between 0 and 1"),
    (lambda: F.binary_cross_entropy(torch.tensor([-0.1, 0.5]), torch.tensor([2.0, 0.5])), RuntimeError,
     "all elements of input should be between 0 and 1"),
    (lambda: F.binary_cross_entropy(X, torch.tensor([1, 0])), RuntimeError, "Found dtype Long but expected Float"),
    (lambda: F.binary_cross_entropy(X, torch.tensor([1, 0], dtype=torch.int32)), RuntimeError,
     "Found dtype Int but expected Float"),
    (lambda: F.binary_cross_entropy(X, torch.tensor([1.0, 0.0], dtype=torch.float64)), RuntimeError,
     "Found dtype Double but expected Float"),
    (lambda: F.binary_cross_entropy(torch.tensor([1, 0]), X), RuntimeError, "Found dtype Float but expected Long"),
    (lambda: F.binary_cross_entropy(torch.tensor([1, 0]), torch.tensor([1, 0])), NotImplementedError, "'Long'"),
    (lambda: F.binary_cross_entropy(X, X, weight=torch.ones(3)), RuntimeError, "weight of shape \\[3\\]"),
    (lambda: F.binary_cross_entropy_with_logits(X, torch.tensor([1, 0])), RuntimeError,
     "result type Float can't be cast to the desired output type Long"),
    (lambda: F.binary_cross_entropy_with_logits(X, torch.tensor([True, False])), RuntimeError, "Bool"),
    (lambda: F.binary_cross_entropy_with_logits(torch.tensor([1, 0]), X), NotImplementedError, "'Long'"),
    (lambda: F.binary_cross_entropy_with_logits(X, X, weight=torch.ones(3)), RuntimeError,
     "The size of tensor a \\(2\\) must match the size of tensor b \\(3\\) at non-singleton dimension 0"),
    (lambda: F.mse_loss(X, torch.ones(3)), RuntimeError,
     "The size of tensor a \\(2\\) must match the size of tensor b \\(3\\) at non-singleton dimension 0"),
    (lambda: F.mse_loss(torch.ones(5, 2, 3), torch.ones(2, 4)), RuntimeError,
     "The size of tensor a \\(3\\) must match the size of tensor b \\(4\\) at non-singleton dimension 2"),
    (lambda: F.l1_loss(X, torch.ones(3)), RuntimeError, "The size of tensor a \\(2\\) must match"),
    (lambda: F.huber_loss(X, torch.ones(3)), RuntimeError, "The size of tensor a \\(2\\) must match"),
    (lambda: F.smooth_l1_loss(X, torch.ones(3)), RuntimeError, "The size of tensor a \\(2\\) must match"),
    (lambda: F.mse_loss(torch.tensor([1, 0]), torch.tensor([1, 2])), NotImplementedError, "'Long'"),
    (lambda: F.huber_loss(torch.tensor([1, 0]), torch.tensor([1, 2])), NotImplementedError, "'Long'"),
    (lambda: F.smooth_l1_loss(torch.tensor([1, 0]), torch.tensor([1, 2])), NotImplementedError, "'Long'"),
    (lambda: F.l1_loss(torch.tensor([1, 0]), torch.tensor([1, 2])), RuntimeError,
     "mean\\(\\): could not infer output dtype.*Got: Long"),
    (lambda: F.cross_entropy(LOGITS, torch.tensor([0.5, 0.5])), RuntimeError,
     "expected target dtype to be Long or Byte, but got Float"),
    (lambda: F.cross_entropy(LOGITS, torch.tensor([[0.5, 0.5]])), ValueError,
     "Expected input batch_size \\(2\\) to match target batch_size \\(1\\)"),
    (lambda: F.cross_entropy(LOGITS, torch.tensor([0, 1], dtype=torch.int32)), RuntimeError,
     "expected target dtype to be Long or Byte, but got Int"),
    (lambda: F.cross_entropy(LOGITS, torch.tensor([True, False])), RuntimeError,
     "expected target dtype to be Long or Byte, but got Bool"),
    (lambda: F.cross_entropy(LOGITS, torch.tensor([0, 1], dtype=torch.int32), label_smoothing=0.1), RuntimeError,
     "expected target dtype to be Long or Byte, but got Int"),
    (lambda: F.cross_entropy(LOGITS, torch.zeros(2, 3, dtype=torch.int64)), RuntimeError,
     "Expected floating point type for target with class probabilities, got Long"),
    (lambda: F.cross_entropy(torch.tensor([[1, 2]]), torch.tensor([0])), NotImplementedError, "'Long'"),
    (lambda: F.cross_entropy(LOGITS, torch.zeros(2, 1, dtype=torch.int64)), RuntimeError,
     "0D or 1D target tensor expected, multi-target not supported"),
    (lambda: F.cross_entropy(torch.zeros(3), torch.tensor([1, 2])), ValueError,
     "For 1D input, 1D target must have size 1, but got target size: 2"),
    (lambda: F.cross_entropy(torch.zeros(2, 3, 4, 5), torch.zeros(2, 4, dtype=torch.int64)), RuntimeError,
     "only batches of spatial targets supported \\(3D tensors\\) but got targets of dimension: 2"),
    (lambda: F.cross_entropy(torch.zeros(2, 3, 4, 5), torch.zeros(2, 4, 6, dtype=torch.int64)), RuntimeError,
     "size mismatch \\(got input: \\[2, 3, 4, 5\\] , target: \\[2, 4, 6\\]"),
    (lambda: F.cross_entropy(torch.zeros(2, 3, 4), torch.zeros(2, 5, dtype=torch.int64)), RuntimeError,
     "Expected target size \\[2, 4\\], got \\[2, 5\\]"),
    (lambda: F.nll_loss(LOGITS, torch.tensor([0, 1], dtype=torch.int32)), RuntimeError,
     "expected target dtype to be Long or Byte, but got Int"),
    (lambda: F.nll_loss(LOGITS, torch.tensor([0.0, 1.0])), RuntimeError,
     "expected target dtype to be Long or Byte, but got Float"),
    (lambda: F.nll_loss(LOGITS, torch.tensor([0, 1, 2])), ValueError,
     "Expected input batch_size \\(2\\) to match target batch_size \\(3\\)"),
    (lambda: F.nll_loss(torch.tensor(1.0), torch.tensor(1)), ValueError, "Expected 1 or more dimensions \\(got 0\\)"),
    (lambda: F.kl_div(X, torch.tensor([1, 0]), reduction="sum"), RuntimeError,
     "kl_div: Integral inputs not supported."),
], ids=lambda value: None)
@pytest.mark.filterwarnings("ignore:.*Using a target size")
def test_losses_refuse_what_pytorch_refuses(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_losses_compute_in_pytorchs_promoted_dtype():
    x = torch.tensor([0.2, 0.7], requires_grad=True)
    for loss in (F.mse_loss, F.l1_loss, F.huber_loss, F.smooth_l1_loss):
        result = loss(x, torch.tensor([1, 0]))
        assert result.dtype == torch.float32
        np.testing.assert_allclose(result.item(), loss(x, torch.tensor([1.0, 0.0])).item())
    assert F.mse_loss(x, torch.tensor([1.0, 0.0], dtype=torch.float64)).dtype == torch.float64
    assert F.mse_loss(x.half(), torch.tensor([1.0, 0.0])).dtype == torch.float32
    assert F.binary_cross_entropy_with_logits(x, torch.tensor([1.0, 0.0], dtype=torch.float64)).dtype == \
        torch.float64
    assert F.binary_cross_entropy_with_logits(x.double(), torch.tensor([1.0, 0.0])).dtype == torch.float32
    probabilities = torch.full((2, 3), 1 / 3, dtype=torch.float64)
    assert F.cross_entropy(LOGITS, probabilities).dtype == torch.float64
    assert F.cross_entropy(LOGITS, torch.tensor([0, 1], dtype=torch.uint8)).dtype == torch.float32


def test_binary_cross_entropy_target_gradient_is_minus_logit():
    x = torch.tensor([0.0, 1.0, 0.25], requires_grad=True)
    t = torch.tensor([0.5, 0.5, 0.5], requires_grad=True)
    F.binary_cross_entropy(x, t, reduction="sum").backward()
    np.testing.assert_allclose(values(t.grad), [INF, -INF, math.log(3.0)], rtol=1e-6)


# ----- 4. var and std without degrees of freedom -----
DOF_WARNING = ("degrees of freedom is <= 0. Correction should be strictly less than the reduction factor "
               "(input numel divided by output numel).")


@pytest.mark.parametrize("op", ["var", "std"])
def test_var_std_of_one_element_warn_and_give_nan(op):
    x = torch.tensor([1.5], dtype=torch.float64, requires_grad=True)
    with pytest.warns(UserWarning) as caught:
        y = getattr(x, op)()
    assert str(caught[0].message) == f"{op}(): {DOF_WARNING}"
    assert caught[0].filename == __file__
    assert math.isnan(y.item()) and type(y.grad_fn).__name__ == op.capitalize() + "Backward0"
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        y.backward()
    assert math.isnan(x.grad.item())


@pytest.mark.parametrize("fn, data, value, grad", [
    (lambda x: x.var(correction=5), [1.0, 2.0], INF, [INF, INF]),
    (lambda x: x.var(correction=2), [2.0, 2.0], NAN, [NAN, NAN]),
    (lambda x: x.var(0, correction=2), [1.0, 2.0], INF, [-INF, INF]),
    (lambda x: x.var(0, correction=2), [1.5], NAN, [-0.0]),
    (lambda x: x.var(0, correction=5), [1.0, 2.0], INF, [1 / 3, -1 / 3]),
    (lambda x: x.std(correction=5), [1.0, 2.0], INF, [NAN, NAN]),
    (lambda x: x.std(0, correction=5), [1.0, 2.0], INF, [0.0, -0.0]),
    (lambda x: torch.std(x, correction=2), [[1.0], [2.0]], INF, [[NAN], [NAN]]),
    (lambda x: x.var(0), [[1.0, 2.0]], [NAN, NAN], [[NAN, NAN]]),
], ids=["var c5", "var constant", "var dim c2", "var dim one element", "var dim c5", "std c5", "std dim c5",
        "std 2-d", "var dim of size 1"])
def test_var_std_with_dof_at_or_below_zero_match_pytorch(fn, data, value, grad):
    x = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        y = fn(x)
    np.testing.assert_array_equal(values(y), value)
    y.sum().backward()
    np.testing.assert_allclose(values(x.grad), grad)


def test_var_std_of_float32_accumulate_without_overflow():
    x = torch.tensor([1e30, 0.0, 1.0])
    np.testing.assert_allclose(x.std().item(), 5.773502691896258e29, rtol=1e-6)
    assert x.var().item() == INF  # 3.3e59 does not fit float32, as in PyTorch
    assert x.var().dtype == torch.float32


def test_var_std_gradcheck_and_no_warning_with_degrees_of_freedom():
    x = torch.tensor([[0.3, -1.2, 2.0], [0.7, 0.1, -0.4]], dtype=torch.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fn in (lambda t: t.var(), lambda t: t.std(1), lambda t: t.var(0, correction=0), lambda t: t.std()):
            assert gradcheck(fn, (x,))
            assert gradgradcheck(fn, (x,))
