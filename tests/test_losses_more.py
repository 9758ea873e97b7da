"""Margin, ranking, embedding, likelihood and CTC losses and the distance functions: parity with PyTorch (values,
input gradients, node names), float64 gradchecks, PyTorch's errors, and the loss modules."""
import math

import numpy as np
import pytest

import autograd_core as torch
from autograd_core.autograd import gradcheck, gradgradcheck
import nn
import nn.functional as F

REDUCTIONS = ["mean", "sum", "none"]


@pytest.fixture
def torch_ref():
    return pytest.importorskip("torch")


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def signs(*shape, seed=3):
    return np.where(np.random.default_rng(seed).standard_normal(shape) > 0, 1.0, -1.0)


def leaf(array, requires_grad=True):
    return torch.tensor(array, dtype=torch.float64 if array.dtype.kind == "f" else None,
                        requires_grad=requires_grad and array.dtype.kind == "f")


def parity(torch_ref, ours, theirs, *arrays, differentiable=None, rtol=1e-6, atol=1e-8):
    """Both functions on the same float64 data: outputs, node names and the gradients of a random cotangent."""
    differentiable = differentiable or [a.dtype.kind == "f" for a in arrays]
    mine = [leaf(a, d) for a, d in zip(arrays, differentiable)]
    reference = [torch_ref.tensor(a, requires_grad=bool(d) and a.dtype.kind == "f") for a, d in zip(arrays,
                                                                                                     differentiable)]
    y, expected = ours(*mine), theirs(*reference)
    assert tuple(y.shape) == tuple(expected.shape)
    np.testing.assert_allclose(y.numpy(force=True), expected.detach().numpy(), rtol=rtol, atol=atol)
    assert type(y.grad_fn).__name__ == type(expected.grad_fn).__name__
    cotangent = randn(*expected.shape, seed=9)
    y.backward(torch.tensor(cotangent))
    expected.backward(torch_ref.tensor(cotangent))
    for i, (m, r) in enumerate(zip(mine, reference)):
        if r.requires_grad:
            np.testing.assert_allclose(m.grad.numpy(force=True), r.grad.numpy(), rtol=rtol, atol=atol,
                                       err_msg=f"gradient of input {i}")


def check_gradients(func, *arrays, twice=False):
    inputs = [leaf(a) for a in arrays]
    assert gradcheck(func, inputs)
    if twice:
        assert gradgradcheck(lambda *xs: func(*xs).reshape(-1), inputs)


X, Y, Z = randn(4, 6), randn(4, 6, seed=1), randn(4, 6, seed=2)
TARGETS = signs(4)
LABELS = np.array([1, 0, 5, 2])
MULTILABELS = np.array([[1, 2, -1, 0, 0, 0], [0, -1, 1, 1, 0, 0], [3, 2, 1, 0, 5, 4], [5, 5, -1, 2, 2, 2]])


# ----- ranking and embedding losses -----
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_ranking_and_hinge_embedding_parity(torch_ref, reduction):
    TF = torch_ref.nn.functional
    parity(torch_ref, lambda a, b, t: F.margin_ranking_loss(a, b, t, 0.3, reduction=reduction),
           lambda a, b, t: TF.margin_ranking_loss(a, b, t, 0.3, reduction=reduction), X[:, 0], Y[:, 0], TARGETS,
           differentiable=[1, 1, 0])
    parity(torch_ref, lambda a, t: F.hinge_embedding_loss(a, t, 0.5, reduction=reduction),
           lambda a, t: TF.hinge_embedding_loss(a, t, 0.5, reduction=reduction), X, signs(4, 6), differentiable=[1, 0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_and_multilabel_soft_margin_parity(torch_ref, reduction):
    TF = torch_ref.nn.functional
    parity(torch_ref, lambda a, t: F.soft_margin_loss(a, t, reduction=reduction),
           lambda a, t: TF.soft_margin_loss(a, t, reduction=reduction), X, signs(4, 6), differentiable=[1, 0])
    multi_hot = (signs(4, 6) > 0).astype(np.float64)
    parity(torch_ref, lambda a, t, w: F.multilabel_soft_margin_loss(a, t, w, reduction=reduction),
           lambda a, t, w: TF.multilabel_soft_margin_loss(a, t, w, reduction=reduction), X, multi_hot,
           np.abs(Z[0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("batched", [True, False])
def test_multilabel_margin_parity(torch_ref, reduction, batched):
    TF = torch_ref.nn.functional
    x, target = (X, MULTILABELS) if batched else (X[2], MULTILABELS[2])
    parity(torch_ref, lambda a, t: F.multilabel_margin_loss(a, t, reduction=reduction),
           lambda a, t: TF.multilabel_margin_loss(a, t, reduction=reduction), x, target)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_parity(torch_ref, reduction, p):
    TF = torch_ref.nn.functional
    parity(torch_ref, lambda a, t: F.multi_margin_loss(a, t, p, 0.7, reduction=reduction),
           lambda a, t: TF.multi_margin_loss(a, t, p, 0.7, reduction=reduction), X, LABELS)
    parity(torch_ref, lambda a, t, w: F.multi_margin_loss(a, t, p, weight=w, reduction=reduction),
           lambda a, t, w: TF.multi_margin_loss(a, t, p, weight=w, reduction=reduction), X, LABELS, np.abs(Z[1]),
           differentiable=[1, 0, 0])
    parity(torch_ref, lambda a, t: F.multi_margin_loss(a, t, p, reduction=reduction),
           lambda a, t: TF.multi_margin_loss(a, t, p, reduction=reduction), X[0], np.array(3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_embedding_parity(torch_ref, reduction):
    TF = torch_ref.nn.functional
    parity(torch_ref, lambda a, b, t: F.cosine_embedding_loss(a, b, t, 0.2, reduction=reduction),
           lambda a, b, t: TF.cosine_embedding_loss(a, b, t, 0.2, reduction=reduction), X, Y, TARGETS,
           differentiable=[1, 1, 0])
    parity(torch_ref, lambda a, b, t: F.cosine_embedding_loss(a, b, t, reduction=reduction),
           lambda a, b, t: TF.cosine_embedding_loss(a, b, t, reduction=reduction), X[0], Y[0], np.array(-1.0),
           differentiable=[1, 1, 0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_losses_parity(torch_ref, reduction, swap):
    TF = torch_ref.nn.functional
    parity(torch_ref, lambda a, p, n: F.triplet_margin_loss(a, p, n, 0.8, 1.5, swap=swap, reduction=reduction),
           lambda a, p, n: TF.triplet_margin_loss(a, p, n, 0.8, 1.5, swap=swap, reduction=reduction), X, Y, Z)
    parity(torch_ref, lambda a, p, n: F.triplet_margin_with_distance_loss(a, p, n, swap=swap, reduction=reduction),
           lambda a, p, n: TF.triplet_margin_with_distance_loss(a, p, n, swap=swap, reduction=reduction), X, Y, Z)
    parity(torch_ref, lambda a, p, n: F.triplet_margin_with_distance_loss(
        a, p, n, distance_function=lambda u, v: 1 - F.cosine_similarity(u, v), reduction=reduction),
        lambda a, p, n: TF.triplet_margin_with_distance_loss(
            a, p, n, distance_function=lambda u, v: 1 - TF.cosine_similarity(u, v), reduction=reduction), X, Y, Z)


@pytest.mark.parametrize("func", [
    lambda a, b: F.margin_ranking_loss(a[:, 0], b[:, 0], torch.tensor(TARGETS), 0.1),
    lambda a, b: F.hinge_embedding_loss(a - b, torch.tensor(signs(4, 6)), 0.4, reduction="sum"),
    lambda a, b: F.soft_margin_loss(a * b, torch.tensor(signs(4, 6))),
    lambda a, b: F.multilabel_soft_margin_loss(a, torch.tensor((signs(4, 6) > 0) * 1.0), b.abs()[0]),
    lambda a, b: F.multilabel_margin_loss(a * b, torch.tensor(MULTILABELS), reduction="none"),
    lambda a, b: F.multi_margin_loss(a * b, torch.tensor(LABELS), p=2, reduction="none"),
    lambda a, b: F.cosine_embedding_loss(a, b, torch.tensor(TARGETS), 0.1, reduction="none"),
    lambda a, b: F.triplet_margin_loss(a, b, a * b, swap=True),
    lambda a, b: F.triplet_margin_with_distance_loss(a, b, a * 2, margin=0.5),
])
def test_ranking_losses_gradcheck(func):
    check_gradients(func, X, Y)


def test_soft_margin_and_cosine_embedding_twice_differentiable():
    check_gradients(lambda a: F.soft_margin_loss(a, torch.tensor(signs(4, 6)), reduction="none"), X, twice=True)
    check_gradients(lambda a, b: F.cosine_embedding_loss(a, b, torch.tensor(TARGETS), 0.1), X, Y, twice=True)


def test_margin_losses_refuse_double_backward_as_pytorch():
    x, upstream = leaf(X), torch.ones(4, requires_grad=True, dtype=torch.float64)
    loss = F.multi_margin_loss(x, torch.tensor(LABELS), p=2, reduction="none")
    (g,) = torch.autograd.grad(loss, x, grad_outputs=upstream, create_graph=True)
    with pytest.raises(RuntimeError, match="differentiate twice"):
        g.sum().backward()


def test_ranking_loss_errors():
    x = torch.zeros(4, 5)
    with pytest.raises(RuntimeError, match="All input tensors should have same dimension"):
        F.margin_ranking_loss(x, x, x[0])
    with pytest.raises(RuntimeError, match="inconsistent target size: \\[4, 4\\] for input of size: \\[4, 5\\]"):
        F.multilabel_margin_loss(x, torch.zeros(4, 4, dtype=torch.int64))
    with pytest.raises(RuntimeError, match="'target' is out of range"):
        F.multilabel_margin_loss(x, torch.full((4, 5), 7, dtype=torch.int64))
    with pytest.raises(RuntimeError, match="expected scalar type Long but found"):
        F.multilabel_margin_loss(x, torch.zeros(4, 5))
    with pytest.raises(RuntimeError, match="Expected non-empty vector or matrix"):
        F.multi_margin_loss(torch.zeros(2, 3, 4), torch.tensor([1, 1]))
    with pytest.raises(RuntimeError, match="Expected target size \\[4\\], but got \\[3\\]"):
        F.multi_margin_loss(x, torch.tensor([1, 2, 3]))
    with pytest.raises(RuntimeError, match="target out of range"):
        F.multi_margin_loss(x, torch.tensor([1, 2, 3, 9]))
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        F.multi_margin_loss(x, torch.tensor([1, 2, 3, 1]), p=3)
    with pytest.raises(RuntimeError, match="inconsistent weight size, expected 5 but got \\[3\\]"):
        F.multi_margin_loss(x, torch.tensor([1, 2, 3, 1]), weight=torch.ones(3))
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'target'"):
        F.soft_margin_loss(x, torch.ones(4, 5, requires_grad=True))
    with pytest.raises(RuntimeError, match="0D or 1D target tensor expected"):
        F.cosine_embedding_loss(x, x, torch.ones(4, 1))
    with pytest.raises(RuntimeError, match="1D target tensor expects 2D input tensors, but found inputs with sizes "
                                           "\\[5\\] and \\[5\\]"):
        F.cosine_embedding_loss(x[0], x[0], torch.ones(4))
    with pytest.raises(RuntimeError, match="anchor 2D, positive 2D, and negative 1D inputs"):
        F.triplet_margin_loss(x, x, x[0])
    with pytest.raises(ValueError, match="margin must be greater than 0, got 0"):
        F.triplet_margin_with_distance_loss(x, x, x, margin=0)
    with pytest.raises(RuntimeError, match="cannot be broadcast together"):
        F.soft_margin_loss(x, torch.ones(3, 5))


# ----- likelihood losses -----
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [True, False])
def test_poisson_nll_parity(torch_ref, reduction, log_input, full):
    TF = torch_ref.nn.functional
    counts = np.round(np.abs(Y) * 3) + 0.5  # above 0: PyTorch's target gradient is nan at 0 with full=True
    prepare = (lambda a: a) if log_input else (lambda a: a.abs())
    parity(torch_ref, lambda a, t: F.poisson_nll_loss(prepare(a), t, log_input, full, reduction=reduction),
           lambda a, t: TF.poisson_nll_loss(prepare(a), t, log_input, full, reduction=reduction), X, counts)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("var_of", [lambda v: v, lambda v: v[:, 0], lambda v: v[:, :1], lambda v: v[:1]])
def test_gaussian_nll_parity(torch_ref, reduction, var_of):
    TF = torch_ref.nn.functional
    variance = var_of(np.abs(Z) * (np.abs(Z) > 0.3))  # some below eps: clamped in value, not in gradient
    for full in (True, False):
        parity(torch_ref, lambda a, t, v: F.gaussian_nll_loss(a, t, v, full, reduction=reduction),
               lambda a, t, v: TF.gaussian_nll_loss(a, t, v, full, reduction=reduction), X, Y, variance)
    parity(torch_ref, lambda a, t: F.gaussian_nll_loss(a, t, 0.5, reduction=reduction),
           lambda a, t: TF.gaussian_nll_loss(a, t, 0.5, reduction=reduction), X, Y)


def test_likelihood_losses_gradcheck_and_values():
    counts = np.round(np.abs(Y) * 3)
    check_gradients(lambda a, t: F.poisson_nll_loss(a, t, full=True), X, counts + 1.5, twice=True)
    check_gradients(lambda a: F.poisson_nll_loss(a.abs() + 0.1, torch.tensor(counts), log_input=False), X)
    check_gradients(lambda a, t, v: F.gaussian_nll_loss(a, t, v.abs() + 0.1, full=True), X, Y, Z, twice=True)
    x, t = np.array([0.5, -1.0]), np.array([2.0, 0.0])
    expected = np.mean(np.exp(x) - t * x + np.where(t > 1, t * np.log(np.maximum(t, 1)) - t
                                                    + 0.5 * np.log(2 * np.pi * np.maximum(t, 1)), 0))
    assert F.poisson_nll_loss(torch.tensor(x), torch.tensor(t), full=True).item() == pytest.approx(expected)


def test_likelihood_loss_errors():
    x = torch.zeros(4, 5)
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(x, x, torch.ones(2, 5))
    with pytest.raises(ValueError, match="var has negative entry/entries"):
        F.gaussian_nll_loss(x, x, -torch.ones(4, 5))
    with pytest.raises(ValueError, match="var has negative entry/entries"):
        F.gaussian_nll_loss(x, x, -1.0)
    with pytest.raises(ValueError, match="x is not a valid value for reduction"):
        F.poisson_nll_loss(x, x, reduction="x")


# ----- distances -----
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, math.inf])
def test_pairwise_distance_and_pdist_parity(torch_ref, p):
    TF = torch_ref.nn.functional
    parity(torch_ref, lambda a, b: F.pairwise_distance(a, b, p), lambda a, b: TF.pairwise_distance(a, b, p), X, Y)
    parity(torch_ref, lambda a, b: F.pairwise_distance(a, b, p, keepdim=True),
           lambda a, b: TF.pairwise_distance(a, b, p, keepdim=True), X, Y[0])
    parity(torch_ref, lambda a: F.pdist(a, p), lambda a: TF.pdist(a, p), X)


def test_pdist_inf_gives_every_tie_the_gradient_as_pytorch(torch_ref):
    rows = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [2.0, 2.0, 2.0]])
    parity(torch_ref, lambda a: F.pdist(a, math.inf), lambda a: torch_ref.nn.functional.pdist(a, math.inf), rows)


@pytest.mark.parametrize("dim, second", [(1, Y), (0, Y[:, :1]), (-1, Y[0])])
def test_cosine_similarity_parity(torch_ref, dim, second):
    parity(torch_ref, lambda a, b: F.cosine_similarity(a, b, dim),
           lambda a, b: torch_ref.nn.functional.cosine_similarity(a, b, dim), X, second)


def test_cosine_similarity_of_a_zero_vector_is_zero_with_a_finite_gradient(torch_ref):
    zero = np.zeros((1, 3))
    parity(torch_ref, F.cosine_similarity, torch_ref.nn.functional.cosine_similarity, zero, np.ones((1, 3)))


@pytest.mark.parametrize("func", [
    lambda a, b: F.cosine_similarity(a, b),
    lambda a, b: F.cosine_similarity(a, b[:1], dim=0),
    lambda a, b: F.pairwise_distance(a, b),
    lambda a, b: F.pairwise_distance(a, b, 3, keepdim=True),
    lambda a, b: F.pdist(a - b),
    lambda a, b: F.pdist(a * b, 1.5),
])
def test_distances_gradcheck(func):
    check_gradients(func, X, Y, twice=True)


def test_distance_errors():
    x = torch.zeros(4, 5)
    with pytest.raises(RuntimeError, match="pdist only supports 2D tensors, got: 1D"):
        F.pdist(x[0])
    with pytest.raises(RuntimeError, match="pdist only supports non-negative p values"):
        F.pdist(x, -1)
    with pytest.raises(RuntimeError, match="cosine_similarity: the shapes \\(4, 5\\) and \\(3, 5\\) cannot be "
                                           "broadcast"):
        F.cosine_similarity(x, torch.zeros(3, 5))
    with pytest.raises(IndexError, match="Dimension out of range"):
        F.cosine_similarity(x, x, dim=3)
    assert tuple(F.pdist(torch.zeros(1, 3)).shape) == (0,)


# ----- CTC -----
STEPS, BATCH, CLASSES = 12, 4, 5
CTC_TARGETS = np.array([[1, 3, 2, 4], [2, 2, 2, 1], [4, 1, 1, 3], [3, 3, 1, 2]])  # rows 1, 3 repeat labels
INPUT_LENGTHS, TARGET_LENGTHS = np.array([12, 10, 7, 5]), np.array([4, 3, 2, 3])


def _ctc_pair(torch_ref, logits, **kwargs):
    TF = torch_ref.nn.functional
    ours = lambda x: F.ctc_loss(F.log_softmax(x, 2), torch.tensor(CTC_TARGETS), torch.tensor(INPUT_LENGTHS),
                                torch.tensor(TARGET_LENGTHS), **kwargs)
    theirs = lambda x: TF.ctc_loss(x.log_softmax(2), torch_ref.tensor(CTC_TARGETS), torch_ref.tensor(INPUT_LENGTHS),
                                   torch_ref.tensor(TARGET_LENGTHS), **kwargs)
    return ours, theirs


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("blank", [0, 4])
def test_ctc_parity(torch_ref, reduction, zero_infinity, blank):
    targets = np.where(CTC_TARGETS == blank, 0, CTC_TARGETS)  # no target is the blank
    TF = torch_ref.nn.functional
    lengths = (torch.tensor(INPUT_LENGTHS), torch.tensor(TARGET_LENGTHS))
    parity(torch_ref, lambda x: F.ctc_loss(F.log_softmax(x, 2), torch.tensor(targets), *lengths, blank, reduction,
                                           zero_infinity),
           lambda x: TF.ctc_loss(x.log_softmax(2), torch_ref.tensor(targets), torch_ref.tensor(INPUT_LENGTHS),
                                 torch_ref.tensor(TARGET_LENGTHS), blank, reduction, zero_infinity),
           randn(STEPS, BATCH, CLASSES))


def test_ctc_gradient_with_respect_to_log_probs_is_pytorchs(torch_ref):
    log_probs = randn(STEPS, BATCH, CLASSES)
    log_probs -= np.log(np.exp(log_probs).sum(2, keepdims=True))
    ours = leaf(log_probs)
    F.ctc_loss(ours, torch.tensor(CTC_TARGETS), torch.tensor(INPUT_LENGTHS), torch.tensor(TARGET_LENGTHS),
               reduction="sum").backward()
    theirs = torch_ref.tensor(log_probs, requires_grad=True)
    torch_ref.nn.functional.ctc_loss(theirs, torch_ref.tensor(CTC_TARGETS), torch_ref.tensor(INPUT_LENGTHS),
                                     torch_ref.tensor(TARGET_LENGTHS), reduction="sum").backward()
    np.testing.assert_allclose(ours.grad.numpy(force=True), theirs.grad.numpy(), rtol=1e-6, atol=1e-8)
    assert not ours.grad.numpy(force=True)[5:, 3].any()  # nothing past the input's length


def test_ctc_float32_concatenated_and_unbatched_forms(torch_ref):
    TF = torch_ref.nn.functional
    logits = randn(STEPS, BATCH, CLASSES).astype(np.float32)
    expected = TF.ctc_loss(torch_ref.tensor(logits).log_softmax(2), torch_ref.tensor(CTC_TARGETS),
                           torch_ref.tensor(INPUT_LENGTHS), torch_ref.tensor(TARGET_LENGTHS), reduction="none")
    log_probs = F.log_softmax(torch.tensor(logits), 2)
    flat = np.concatenate([row[:n] for row, n in zip(CTC_TARGETS, TARGET_LENGTHS)])
    concatenated = F.ctc_loss(log_probs, torch.tensor(flat), tuple(INPUT_LENGTHS), tuple(TARGET_LENGTHS),
                              reduction="none")
    assert concatenated.dtype == torch.float32
    np.testing.assert_allclose(concatenated.numpy(force=True), expected.numpy(), rtol=1e-5)
    single = F.ctc_loss(log_probs[:, 0], torch.tensor(CTC_TARGETS[0]), 12, 4, reduction="none")
    assert tuple(single.shape) == ()
    assert single.item() == pytest.approx(expected[0].item(), rel=1e-5)


def test_ctc_impossible_alignments_are_infinite_unless_zero_infinity(torch_ref):
    """A target longer than the input (or needing more frames for its repeats) has no path, as in PyTorch."""
    logits = leaf(randn(3, 2, CLASSES))
    targets, input_lengths, target_lengths = torch.tensor([[1, 2, 2, 3], [1, 2, 0, 0]]), (3, 3), (4, 2)
    losses = F.ctc_loss(F.log_softmax(logits, 2), targets, input_lengths, target_lengths, reduction="none")
    assert math.isinf(losses[0].item()) and math.isfinite(losses[1].item())
    zeroed = F.ctc_loss(F.log_softmax(logits, 2), targets, input_lengths, target_lengths, reduction="sum",
                        zero_infinity=True)
    zeroed.backward()
    assert zeroed.item() == pytest.approx(losses[1].item())
    assert np.isfinite(logits.grad.numpy(force=True)).all()
    assert not logits.grad.numpy(force=True)[:, 0].any()


def test_ctc_gradcheck():
    targets, input_lengths, target_lengths = torch.tensor(CTC_TARGETS), torch.tensor(INPUT_LENGTHS), \
        torch.tensor(TARGET_LENGTHS)
    check_gradients(lambda x: F.ctc_loss(F.log_softmax(x, 2), targets, input_lengths, target_lengths),
                    randn(STEPS, BATCH, CLASSES))
    targets = torch.tensor(np.where(CTC_TARGETS == 3, 0, CTC_TARGETS))  # no label is the blank
    check_gradients(lambda x: F.ctc_loss(F.log_softmax(x, 2), targets, input_lengths, target_lengths, blank=3,
                                         reduction="none"), randn(STEPS, BATCH, CLASSES))


def test_ctc_errors():
    log_probs = F.log_softmax(torch.randn(3, 1, 4), 2)
    targets = torch.tensor([[1, 2, 3, 1, 2]])
    with pytest.raises(RuntimeError, match="Expected input_lengths to have value at most 3, but got value 4"):
        F.ctc_loss(log_probs, targets, (4,), (5,))
    with pytest.raises(RuntimeError, match="Expected target_lengths to have value at most 5, but got value 6"):
        F.ctc_loss(log_probs, targets, (3,), (6,))
    with pytest.raises(RuntimeError, match="Expected input_lengths to have value at least 0, but got value -1"):
        F.ctc_loss(log_probs, targets, (-1,), (5,))
    with pytest.raises(RuntimeError, match="blank must be in label range"):
        F.ctc_loss(log_probs, targets, (3,), (5,), blank=4)
    with pytest.raises(RuntimeError, match="input_lengths must be of size batch_size"):
        F.ctc_loss(log_probs, targets, (3, 3), (5,))
    with pytest.raises(RuntimeError, match="concatenated targets hold 3 labels but target_lengths sum to 5"):
        F.ctc_loss(log_probs, targets.reshape(-1)[:3], (3,), (5,))
    with pytest.raises(RuntimeError, match="expected floating-point log_probs of shape \\(T, N, C\\)"):
        F.ctc_loss(log_probs[0, 0], targets, (3,), (5,))


# ----- modules -----
def test_loss_modules_match_functional_and_pytorch_repr(torch_ref):
    x, y, z = leaf(X), leaf(Y), leaf(Z)
    cases = [
        (nn.MarginRankingLoss(0.2), (x[:, 0], y[:, 0], torch.tensor(TARGETS)),
         F.margin_ranking_loss(x[:, 0], y[:, 0], torch.tensor(TARGETS), 0.2)),
        (nn.HingeEmbeddingLoss(reduction="sum"), (x, torch.tensor(signs(4, 6))),
         F.hinge_embedding_loss(x, torch.tensor(signs(4, 6)), reduction="sum")),
        (nn.SoftMarginLoss(), (x, torch.tensor(signs(4, 6))), F.soft_margin_loss(x, torch.tensor(signs(4, 6)))),
        (nn.MultiLabelSoftMarginLoss(weight=torch.ones(6) * 2), (x, torch.ones(4, 6)),
         F.multilabel_soft_margin_loss(x, torch.ones(4, 6), torch.ones(6) * 2)),
        (nn.MultiLabelMarginLoss(), (x, torch.tensor(MULTILABELS)), F.multilabel_margin_loss(x, torch.tensor(
            MULTILABELS))),
        (nn.MultiMarginLoss(p=2, margin=0.5), (x, torch.tensor(LABELS)),
         F.multi_margin_loss(x, torch.tensor(LABELS), 2, 0.5)),
        (nn.CosineEmbeddingLoss(0.1), (x, y, torch.tensor(TARGETS)),
         F.cosine_embedding_loss(x, y, torch.tensor(TARGETS), 0.1)),
        (nn.TripletMarginLoss(p=1.0, swap=True), (x, y, z), F.triplet_margin_loss(x, y, z, p=1, swap=True)),
        (nn.TripletMarginWithDistanceLoss(margin=2.0), (x, y, z),
         F.triplet_margin_with_distance_loss(x, y, z, margin=2.0)),
        (nn.PoissonNLLLoss(log_input=False, full=True), (x.abs(), y.abs()),
         F.poisson_nll_loss(x.abs(), y.abs(), False, True)),
        (nn.GaussianNLLLoss(full=True), (x, y, z.abs()), F.gaussian_nll_loss(x, y, z.abs(), True)),
    ]
    for module, args, expected in cases:
        assert module(*args).item() == pytest.approx(expected.item(), rel=1e-12)
        if not isinstance(module, nn.TripletMarginWithDistanceLoss):  # PyTorch's losses show no settings
            assert repr(module) == repr(getattr(torch_ref.nn, type(module).__name__)()) == f"{type(module).__name__}()"
    assert isinstance(nn.TripletMarginWithDistanceLoss().distance_function, nn.PairwiseDistance)
    assert repr(nn.TripletMarginWithDistanceLoss()) == repr(torch_ref.nn.TripletMarginWithDistanceLoss())
    assert nn.MultiMarginLoss(weight=torch.ones(3)).weight.shape == (3,)
    with pytest.raises(ValueError, match="expected weight to be None or 1D tensor, got 2D instead"):
        nn.MultiMarginLoss(weight=torch.ones(2, 2))
    with pytest.raises(ValueError, match="TripletMarginLoss: expected margin to be greater than 0"):
        nn.TripletMarginLoss(margin=0)


def test_ctc_and_distance_modules():
    log_probs = F.log_softmax(torch.tensor(randn(STEPS, BATCH, CLASSES)), 2)
    args = (torch.tensor(CTC_TARGETS), torch.tensor(INPUT_LENGTHS), torch.tensor(TARGET_LENGTHS))
    module = nn.CTCLoss(blank=0, reduction="sum", zero_infinity=True)
    assert (module.blank, module.reduction, module.zero_infinity) == (0, "sum", True)
    assert module(log_probs, *args).item() == pytest.approx(F.ctc_loss(log_probs, *args, reduction="sum").item())
    x, y = torch.tensor(X), torch.tensor(Y)
    distance = nn.PairwiseDistance(p=1.0, keepdim=True)
    assert (distance.norm, distance.eps, distance.keepdim) == (1.0, 1e-6, True)
    np.testing.assert_allclose(distance(x, y).numpy(force=True), F.pairwise_distance(x, y, 1, keepdim=True)
                               .numpy(force=True))
    similarity = nn.CosineSimilarity(dim=0, eps=1e-6)
    np.testing.assert_allclose(similarity(x, y).numpy(force=True), F.cosine_similarity(x, y, 0, 1e-6)
                               .numpy(force=True))
    assert repr(distance) == "PairwiseDistance()" and repr(similarity) == "CosineSimilarity()"
