"""Losses: values against numpy formulas, float64 gradchecks, reductions, stability and errors (no torch)."""
import numpy as np
import pytest

import autograd_core as torch
from autograd_core.autograd import gradcheck, gradgradcheck
import nn
import nn.functional as F

REDUCTIONS = ["mean", "sum", "none"]


def rand64(*shape, seed=0, requires_grad=True):
    return torch.tensor(np.random.default_rng(seed).standard_normal(shape), dtype=torch.float64,
                        requires_grad=requires_grad)


def as_vector(func):
    """gradgradcheck wants outputs of at least one dimension."""
    return lambda *args: func(*args).reshape(-1)


def log_softmax_np(x, axis=1):
    z = x - x.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


# ----- regression losses -----
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_loss_values(reduction):
    x, t = rand64(4, 3), rand64(4, 3, seed=1, requires_grad=False)
    d = x.numpy(force=True) - t.numpy(force=True)
    reduce = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction]
    small = np.abs(d) < 0.5
    expected = {
        F.mse_loss: d ** 2,
        F.l1_loss: np.abs(d),
        lambda a, b, reduction: F.smooth_l1_loss(a, b, reduction=reduction, beta=0.5):
            np.where(small, 0.5 * d ** 2 / 0.5, np.abs(d) - 0.25),
        lambda a, b, reduction: F.huber_loss(a, b, reduction=reduction, delta=0.5):
            np.where(small, 0.5 * d ** 2, 0.5 * (np.abs(d) - 0.25)),
    }
    for func, values in expected.items():
        np.testing.assert_allclose(func(x, t, reduction=reduction).numpy(force=True), reduce(values), rtol=1e-12)


@pytest.mark.parametrize("func", [F.mse_loss, F.l1_loss, lambda a, b: F.smooth_l1_loss(a, b, beta=0.7),
                                  lambda a, b: F.huber_loss(a, b, delta=0.3)])
def test_regression_loss_gradcheck_in_both_arguments(func):
    x, t = rand64(3, 4), rand64(3, 4, seed=1)
    assert gradcheck(func, (x, t))
    assert gradgradcheck(as_vector(func), (x, t))


def test_weighted_mse_mean_divides_by_weight_sum():
    x, t = torch.tensor([1.0, 2.0]), torch.tensor([0.0, 0.0])
    w = torch.tensor([1.0, 3.0])
    assert F.mse_loss(x, t, weight=w).item() == pytest.approx((1 + 12) / 4)
    with pytest.raises(ValueError, match="same size"):
        F.mse_loss(x, t, weight=torch.ones(3))


def test_broadcast_target_warns_like_torch():
    with pytest.warns(UserWarning, match="Using a target size"):
        F.mse_loss(torch.zeros(3, 1), torch.zeros(3))


def test_invalid_reduction_and_legacy_flags():
    with pytest.raises(ValueError, match="sideways is not a valid value for reduction"):
        F.l1_loss(torch.zeros(2), torch.zeros(2), reduction="sideways")
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        loss = nn.MSELoss(size_average=False)
    assert loss.reduction == "sum"


# ----- cross entropy and nll -----
def _ce_reference(x, target, weight=None, ignore_index=-100, smoothing=0.0, reduction="mean"):
    logp = log_softmax_np(x)
    n, c = x.shape
    w = np.ones(c) if weight is None else weight
    valid = target != ignore_index
    safe = np.where(valid, target, 0)
    nll = -w[safe] * logp[np.arange(n), safe] * valid
    smooth = -(logp * w).sum(1) * valid / c
    losses = (1 - smoothing) * nll + smoothing * smooth
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.sum() / (w[safe] * valid).sum()


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"weight": [0.5, 1.0, 2.0, 1.5]}, {"ignore_index": 1},
                                     {"label_smoothing": 0.25}, {"weight": [0.5, 1.0, 2.0, 1.5], "ignore_index": 3,
                                                                 "label_smoothing": 0.1}])
def test_cross_entropy_class_targets_value_and_gradients(options, reduction):
    x = rand64(6, 4)
    target = np.array([0, 1, 3, 2, 1, 3])
    kwargs = dict(options, reduction=reduction)
    weight = options.get("weight")
    if weight is not None:
        kwargs["weight"] = torch.tensor(weight, dtype=torch.float64)
    expected = _ce_reference(x.numpy(force=True), target, None if weight is None else np.array(weight),
                             options.get("ignore_index", -100), options.get("label_smoothing", 0.0), reduction)
    np.testing.assert_allclose(F.cross_entropy(x, torch.tensor(target), **kwargs).numpy(force=True), expected, rtol=1e-12)

    def loss(x):
        return F.cross_entropy(x, torch.tensor(target), **kwargs)
    assert gradcheck(loss, (x,))
    assert gradgradcheck(as_vector(loss), (x,))


def test_cross_entropy_probability_targets_and_spatial_inputs():
    x = rand64(2, 3, 4, 5)
    probs = np.random.default_rng(1).dirichlet(np.ones(3), size=(2, 4, 5)).transpose(0, 3, 1, 2)
    target = torch.tensor(probs, dtype=torch.float64)
    expected = -(log_softmax_np(x.numpy(force=True)) * probs).sum(1).mean()
    np.testing.assert_allclose(F.cross_entropy(x, target).numpy(force=True), expected, rtol=1e-12)
    assert gradcheck(lambda x: F.cross_entropy(x, target, label_smoothing=0.2), (x,))
    assert gradgradcheck(lambda x: F.cross_entropy(x, target, reduction="none"), (x,))
    classes = torch.tensor(np.random.default_rng(2).integers(0, 3, size=(2, 4, 5)))
    out = F.cross_entropy(x, classes, reduction="none")
    assert out.shape == (2, 4, 5)
    assert gradcheck(lambda x: F.cross_entropy(x, classes, ignore_index=0), (x,))


def test_cross_entropy_soft_targets_that_require_grad():
    x = rand64(3, 4)
    t = torch.tensor(np.random.default_rng(3).dirichlet(np.ones(4), size=3), dtype=torch.float64,
                     requires_grad=True)
    assert gradcheck(lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1), (x, t))
    np.testing.assert_allclose(F.cross_entropy(x, t).numpy(force=True), F.cross_entropy(x, t.detach()).numpy(force=True), rtol=1e-12)


def test_cross_entropy_unbatched():
    x = rand64(5)
    out = F.cross_entropy(x, torch.tensor(2), reduction="none")
    assert out.shape == ()
    np.testing.assert_allclose(out.numpy(force=True), -log_softmax_np(x.numpy(force=True)[None])[0, 2], rtol=1e-12)


def test_cross_entropy_is_stable_for_huge_logits():
    x = torch.tensor([[1000.0, -1000.0], [-1000.0, 1000.0], [1000.0, 1000.0]], requires_grad=True)
    loss = F.cross_entropy(x, torch.tensor([0, 0, 1]), reduction="none")
    np.testing.assert_allclose(loss.numpy(force=True), [0.0, 2000.0, np.log(2)], rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(force=True), [[0, 0], [-1, 1], [0.5, -0.5]], atol=1e-7)


def test_cross_entropy_errors():
    x = torch.randn(3, 4)
    with pytest.raises(IndexError, match="Target 4 is out of bounds"):
        F.cross_entropy(x, torch.tensor([0, 4, 1]))
    with pytest.raises(ValueError, match="expected class-index target of shape"):
        F.cross_entropy(x, torch.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got Float"):  # PyTorch's
        F.cross_entropy(x, torch.randn(3))
    with pytest.raises(RuntimeError, match="weight tensor should be defined either for all 4 classes"):
        F.cross_entropy(x, torch.tensor([0, 1, 2]), weight=torch.ones(3))
    with pytest.raises(ValueError, match="label_smoothing must be between"):
        F.cross_entropy(x, torch.tensor([0, 1, 2]), label_smoothing=1.5)


def test_cross_entropy_all_ignored_gives_nan_like_torch():
    with np.errstate(invalid="ignore"):
        out = F.cross_entropy(torch.randn(2, 3), torch.tensor([-100, -100]))
    assert np.isnan(out.item())


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_value_and_gradients(reduction):
    logp = rand64(5, 3)
    target = torch.tensor([0, 2, 1, 1, 0])
    weight = torch.tensor([0.2, 1.0, 3.0], dtype=torch.float64)
    picked = -logp.numpy(force=True)[np.arange(5), target.numpy(force=True)] * weight.numpy(force=True)[target.numpy(force=True)]
    expected = {"none": picked, "sum": picked.sum(), "mean": picked.sum() / weight.numpy(force=True)[target.numpy(force=True)].sum()}
    np.testing.assert_allclose(F.nll_loss(logp, target, weight=weight, reduction=reduction).numpy(force=True),
                               expected[reduction], rtol=1e-12)

    def loss(x):
        return F.nll_loss(x, target, weight=weight, ignore_index=2, reduction=reduction)
    assert gradcheck(loss, (logp,))
    assert gradgradcheck(as_vector(loss), (logp,))


def test_cross_entropy_equals_log_softmax_plus_nll():
    x = rand64(8, 5)
    t = torch.tensor(np.random.default_rng(4).integers(0, 5, 8))
    np.testing.assert_allclose(F.cross_entropy(x, t).numpy(force=True), F.nll_loss(F.log_softmax(x, 1), t).numpy(force=True), rtol=1e-12)


# ----- binary and distribution losses -----
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_value_weight_and_gradients(reduction):
    p = torch.tensor(np.random.default_rng(5).uniform(0.05, 0.95, (3, 4)), requires_grad=True)
    t = torch.tensor(np.random.default_rng(6).uniform(0, 1, (3, 4)), requires_grad=True)
    w = torch.tensor(np.random.default_rng(7).uniform(0.5, 2, 4))
    values = -w.numpy(force=True) * (t.numpy(force=True) * np.log(p.numpy(force=True)) + (1 - t.numpy(force=True)) * np.log(1 - p.numpy(force=True)))
    reduce = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction]
    np.testing.assert_allclose(F.binary_cross_entropy(p, t, w, reduction=reduction).numpy(force=True), reduce(values),
                               rtol=1e-12)
    assert gradcheck(lambda p, t: F.binary_cross_entropy(p, t, w, reduction=reduction), (p, t))
    assert gradgradcheck(lambda p, t: F.binary_cross_entropy(p, t, reduction="none"), (p, t))


def test_bce_clamps_logs_and_checks_inputs():
    out = F.binary_cross_entropy(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 0.0]), reduction="none")
    np.testing.assert_array_equal(out.numpy(force=True), [100.0, 100.0])
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(torch.tensor([1.5]), torch.tensor([1.0]))
    with pytest.raises(ValueError, match="different to the input size"):
        F.binary_cross_entropy(torch.tensor([0.5]), torch.tensor([1.0, 0.0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_value_and_gradients(reduction):
    x = rand64(3, 4)
    t = torch.tensor(np.random.default_rng(8).uniform(0, 1, (3, 4)), requires_grad=True)
    pos = torch.tensor([0.5, 1.0, 2.0, 4.0], dtype=torch.float64)
    s = 1 / (1 + np.exp(-x.numpy(force=True)))
    values = -(pos.numpy(force=True) * t.numpy(force=True) * np.log(s) + (1 - t.numpy(force=True)) * np.log(1 - s))
    reduce = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction]
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(x, t, pos_weight=pos, reduction=reduction).numpy(force=True),
                               reduce(values), rtol=1e-10)
    assert gradcheck(lambda x, t: F.binary_cross_entropy_with_logits(x, t, pos_weight=pos, reduction=reduction),
                     (x, t))
    assert gradgradcheck(lambda x: F.binary_cross_entropy_with_logits(x, t.detach(), reduction="none"), (x,))


def test_bce_with_logits_is_stable_for_huge_logits():
    x = torch.tensor([1000.0, -1000.0, 1000.0, -1000.0], requires_grad=True)
    t = torch.tensor([1.0, 0.0, 0.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    np.testing.assert_allclose(loss.numpy(force=True), [0, 0, 1000, 1000])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(force=True), [0, 0, 1, -1])


@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
def test_kl_div_value_and_gradients(log_target, reduction):
    logq = torch.tensor(log_softmax_np(np.random.default_rng(9).standard_normal((3, 4))), requires_grad=True)
    p = np.random.default_rng(10).dirichlet(np.ones(4), size=3)
    p[0, 1] = 0.0
    target = torch.tensor(np.log(p + 1e-3) if log_target else p, requires_grad=True)
    prob = np.exp(target.numpy(force=True)) if log_target else p
    log_p = target.numpy(force=True) if log_target else np.log(np.where(p > 0, p, 1))
    values = prob * (log_p - logq.numpy(force=True))
    expected = {"batchmean": values.sum() / 3, "sum": values.sum(), "none": values}[reduction]
    loss = F.kl_div(logq, target, reduction=reduction, log_target=log_target)
    np.testing.assert_allclose(loss.numpy(force=True), expected, rtol=1e-12)
    assert np.isfinite(loss.numpy(force=True)).all()
    assert gradcheck(lambda a: F.kl_div(a, target.detach(), reduction=reduction, log_target=log_target), (logq,))
    if log_target:
        assert gradcheck(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=True), (logq, target))


def test_kl_div_mean_warns():
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(torch.zeros(2, 2), torch.full((2, 2), 0.5))


# ----- loss modules -----
def test_loss_modules_forward_their_settings():
    x = rand64(4, 3)
    t = torch.tensor([0, 2, 1, 2])
    w = torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64)
    module = nn.CrossEntropyLoss(weight=w, ignore_index=1, label_smoothing=0.1, reduction="sum")
    np.testing.assert_allclose(module(x, t).numpy(force=True), F.cross_entropy(x, t, w, ignore_index=1, label_smoothing=0.1,
                                                                  reduction="sum").numpy(force=True))
    assert "weight" in dict(module.named_buffers())
    assert nn.SmoothL1Loss(beta=0.2).beta == 0.2 and nn.HuberLoss(delta=2.0).delta == 2.0
    assert nn.BCEWithLogitsLoss(pos_weight=torch.ones(3)).pos_weight.shape == (3,)
    assert nn.KLDivLoss(reduction="batchmean", log_target=True).log_target
    assert nn.NLLLoss()(F.log_softmax(x, 1), t).shape == ()
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.L1Loss(reduction="avg")


# ----- what the nodes keep -----
def _graph_nodes(output):
    stack, seen = [output.grad_fn], []
    while stack:
        fn = stack.pop()
        if fn is None or any(fn is s for s in seen):
            continue
        seen.append(fn)
        stack.extend(next_fn for next_fn, _ in fn.next_functions)
    return seen


def test_no_node_keeps_an_array_after_backward():
    """Masks, slopes, indices, columns and statistics are saved through save_for_backward, freed by backward."""
    from autograd_core.arrays import is_array
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.LeakyReLU(0.1), nn.MaxPool2d(2),
                          nn.Dropout(0.3), nn.Conv2d(4, 4, 3), nn.ELU(), nn.Dropout2d(0.2), nn.Flatten(),
                          nn.Linear(16, 8), nn.Softplus(), nn.LayerNorm(8), nn.Linear(8, 3))
    x = torch.randn(5, 1, 8, 8)
    logits = model(x)
    loss = F.cross_entropy(logits, torch.tensor([0, 1, 2, 1, 0])) + F.mse_loss(logits, torch.zeros(5, 3))
    nodes = _graph_nodes(loss)
    assert {"ConvolutionBackward0", "NativeBatchNormBackward0", "LeakyReluBackward0", "EluBackward0",
            "MaxPool2DWithIndicesBackward0", "NativeLayerNormBackward0"} <= {type(fn).__name__ for fn in nodes}
    loss.backward()
    for fn in nodes:
        if hasattr(fn, "__dict__"):  # AccumulateGrad nodes keep nothing but their leaf
            arrays = [name for name, value in vars(fn).items() if is_array(value)]
            assert not arrays, f"{fn.name()} keeps {arrays} after backward"
            assert fn.inspect_saved() is None, f"{fn.name()} still holds what it saved"


def test_binary_losses_with_weights_differentiate_twice():
    p = torch.tensor(np.random.default_rng(9).uniform(0.05, 0.95, (3, 4)), requires_grad=True)
    x, t = rand64(3, 4), torch.tensor(np.random.default_rng(10).uniform(0, 1, (3, 4)), requires_grad=True)
    w = torch.tensor(np.random.default_rng(11).uniform(0.5, 2, (3, 4)))
    pos = torch.tensor([0.5, 1.0, 2.0, 4.0], dtype=torch.float64)
    for reduction in REDUCTIONS:
        bce = as_vector(lambda p, t: F.binary_cross_entropy(p, t, w, reduction=reduction))
        with_logits = as_vector(lambda x, t: F.binary_cross_entropy_with_logits(x, t, w, reduction=reduction,
                                                                                pos_weight=pos))
        assert gradcheck(bce, (p, t)) and gradgradcheck(bce, (p, t))
        assert gradcheck(with_logits, (x, t)) and gradgradcheck(with_logits, (x, t))
