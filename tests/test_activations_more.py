"""Threshold/shrink activations, RReLU, GLU, Softmax2d, Gumbel-softmax and the in-place activations of F: parity
with PyTorch (values, gradients, node names), float64 gradchecks, distributional checks, errors and modules."""
import numpy as np
import pytest

import autograd_core as torch
from autograd_core.autograd import gradcheck, gradgradcheck
import nn
import nn.functional as F


@pytest.fixture
def torch_ref():
    return pytest.importorskip("torch")


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


X = randn(4, 6)


def parity(torch_ref, ours, theirs, array, rtol=1e-6, atol=1e-8):
    """Both functions on the same float64 data: output, node name and the gradient of a random cotangent."""
    mine, reference = torch.tensor(array, requires_grad=True), torch_ref.tensor(array, requires_grad=True)
    y, expected = ours(mine), theirs(reference)
    np.testing.assert_allclose(y.numpy(force=True), expected.detach().numpy(), rtol=rtol, atol=atol)
    assert type(y.grad_fn).__name__ == type(expected.grad_fn).__name__
    cotangent = randn(*expected.shape, seed=9)
    y.backward(torch.tensor(cotangent))
    expected.backward(torch_ref.tensor(cotangent))
    np.testing.assert_allclose(mine.grad.numpy(force=True), reference.grad.numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("name, args", [("threshold", (0.1, 2.0)), ("hardshrink", ()), ("hardshrink", (1.2,)),
                                        ("softshrink", ()), ("softshrink", (0.8,)), ("tanhshrink", ()),
                                        ("glu", ()), ("glu", (0,)), ("rrelu", ()), ("rrelu", (0.2, 0.5))])
def test_activation_parity(torch_ref, name, args):
    parity(torch_ref, lambda x: getattr(F, name)(x, *args), lambda x: getattr(torch_ref.nn.functional, name)(x, *args),
           X)


@pytest.mark.parametrize("name, args", [("relu_", ()), ("elu_", (0.5,)), ("leaky_relu_", (0.2,)),
                                        ("hardtanh_", (-0.5, 0.5)), ("selu_", ()), ("celu_", (1.5,)),
                                        ("threshold_", (0.1, 3.0)), ("rrelu_", ())])
def test_in_place_activations_parity(torch_ref, name, args):
    """F's in-place forms write into (and return) their input, which hangs from PyTorch's ``...Backward1`` node."""
    def in_place(function):
        def run(x):
            y = x * 1
            result = function(y, *args)
            assert result is y
            return result
        return run
    parity(torch_ref, in_place(getattr(F, name)), in_place(getattr(torch_ref.nn.functional, name)), X)


def test_every_in_place_activation_of_pytorch_exists(torch_ref):
    names = [n for n in dir(torch_ref.nn.functional) if n.endswith("_") and not n.startswith("_")]
    assert names and all(callable(getattr(F, n, None)) for n in names), names


@pytest.mark.parametrize("func", [lambda x: F.threshold(x, 0.2, -1.0), lambda x: F.hardshrink(x, 0.3),
                                  lambda x: F.softshrink(x, 0.3), F.tanhshrink, F.glu, lambda x: F.glu(x, 0),
                                  lambda x: F.rrelu(x, 0.1, 0.4)])
def test_activation_gradcheck(func):
    x = torch.tensor(X, requires_grad=True)
    assert gradcheck(func, (x,))
    assert gradgradcheck(func, (x,))


def test_rrelu_training_draws_one_slope_per_negative_element():
    x = torch.tensor(np.concatenate([-np.abs(randn(2000)), np.abs(randn(10))]), requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    assert type(y.grad_fn).__name__ == "RreluWithNoiseBackward0"
    slopes = y.numpy(force=True) / x.numpy(force=True)
    assert slopes[:2000].min() >= 0.1 and slopes[:2000].max() <= 0.3
    assert abs(slopes[:2000].mean() - 0.2) < 0.01 and len(np.unique(slopes[:2000])) > 1000
    assert (slopes[2000:] == 1).all()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(force=True), slopes)
    eval_y = F.rrelu(x, 0.1, 0.3, training=False)
    np.testing.assert_allclose(eval_y.numpy(force=True)[:2000], x.numpy(force=True)[:2000] * 0.2)


# ----- Gumbel-softmax -----
def test_gumbel_softmax_samples_follow_the_softmax_of_the_logits():
    """The Gumbel-max trick: the argmax of a sample is distributed as softmax(logits)."""
    logits = torch.tensor(np.log([[0.5, 0.3, 0.15, 0.05]]).repeat(20000, 0))
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.sum(-1).numpy(force=True), 1.0, rtol=1e-12)
    frequencies = np.bincount(soft.numpy(force=True).argmax(-1), minlength=4) / 20000
    np.testing.assert_allclose(frequencies, [0.5, 0.3, 0.15, 0.05], atol=0.015)
    hard = F.gumbel_softmax(logits, hard=True).numpy(force=True)
    assert set(np.unique(hard)) == {0.0, 1.0} and (hard.sum(-1) == 1).all()
    np.testing.assert_allclose(np.bincount(hard.argmax(-1), minlength=4) / 20000, [0.5, 0.3, 0.15, 0.05],
                               atol=0.015)


def test_gumbel_softmax_temperature_sharpens_samples():
    logits = torch.zeros(5000, 3)
    cold, warm = F.gumbel_softmax(logits, tau=0.1), F.gumbel_softmax(logits, tau=10.0)
    assert cold.max(-1).values.mean().item() > 0.9 > 0.4 > warm.max(-1).values.mean().item()


def test_gumbel_softmax_hard_gradient_is_straight_through():
    """A hard sample is the one-hot of the soft one, with the soft sample's gradient (same noise: same seed)."""
    weights = torch.tensor(randn(6, 5, seed=2))
    soft_logits, hard_logits = torch.tensor(X[:, :5], requires_grad=True), torch.tensor(X[:, :5], requires_grad=True)
    torch.manual_seed(7)
    soft = F.gumbel_softmax(soft_logits, tau=0.7, dim=0)
    torch.manual_seed(7)
    hard = F.gumbel_softmax(hard_logits, tau=0.7, hard=True, dim=0)
    assert type(soft.grad_fn).__name__ == "SoftmaxBackward0" and type(hard.grad_fn).__name__ == "AddBackward0"
    one_hot = (soft.numpy(force=True) == soft.numpy(force=True).max(0, keepdims=True)).astype(np.float64)
    np.testing.assert_array_equal(hard.numpy(force=True), one_hot)
    (soft * weights[:4]).sum().backward()
    (hard * weights[:4]).sum().backward()
    np.testing.assert_allclose(hard_logits.grad.numpy(force=True), soft_logits.grad.numpy(force=True), rtol=1e-12)
    assert np.abs(soft_logits.grad.numpy(force=True)).sum() > 0


def test_gumbel_softmax_eps_is_deprecated():
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated and has no effect"):
        F.gumbel_softmax(torch.zeros(2, 3), eps=1e-3)


def test_activation_errors():
    x = torch.zeros(4, 5)
    with pytest.raises(RuntimeError, match="lambda must be greater or equal to 0, but found to be -1"):
        F.softshrink(x, -1)
    with pytest.raises(RuntimeError, match="Halving dimension must be even, but dimension 1 is size 5"):
        F.glu(x, 1)
    with pytest.raises(RuntimeError, match="glu does not support scalars"):
        F.glu(torch.tensor(1.0))
    with pytest.raises(IndexError, match="Dimension out of range"):
        F.glu(x, 2)
    with pytest.raises(RuntimeError, match="Lower bound should be less than or equal to the upper bound"):
        F.rrelu(x, 0.5, 0.1)
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D instead"):
        nn.Softmax2d()(x)
    leaf = torch.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        F.threshold_(leaf, 0.1, 2.0)


# ----- modules -----
@pytest.mark.parametrize("make", [lambda m: m.Threshold(0.1, 2.0), lambda m: m.Threshold(0.1, 2.0, inplace=True),
                                  lambda m: m.Hardshrink(), lambda m: m.Hardshrink(0.2), lambda m: m.Softshrink(0.3),
                                  lambda m: m.Tanhshrink(), lambda m: m.RReLU(), lambda m: m.RReLU(0.2, 0.4, True),
                                  lambda m: m.GLU(), lambda m: m.GLU(1), lambda m: m.Softmax2d()])
def test_activation_modules_match_pytorch(torch_ref, make):
    ours, theirs = make(nn).eval(), make(torch_ref.nn).eval()
    assert repr(ours) == repr(theirs)
    image = randn(2, 4, 3, 2)
    parity(torch_ref, lambda x: ours(x * 1), lambda x: theirs(x * 1), image)


def test_rrelu_module_is_random_in_training_only():
    module, x = nn.RReLU(0.1, 0.3), torch.tensor(-np.ones(1000))
    assert len(np.unique(module(x).numpy(force=True))) > 100
    np.testing.assert_allclose(module.eval()(x).numpy(force=True), -0.2)
