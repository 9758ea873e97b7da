"""Margin, ranking and embedding losses: margin_ranking, hinge_embedding, soft_margin, multilabel_soft_margin,
multilabel_margin, multi_margin, cosine_embedding, triplet_margin and triplet_margin_with_distance.

Where PyTorch composes a loss of tensor ops, so does this file (the final node is
then PyTorch's: ``MeanBackward0``, ``ClampMinBackward0``...); soft_margin,
multilabel_margin and multi_margin are fused ops as in ATen. The margin losses'
gradients are piecewise constant in the input: they are saved as arrays and, as
in PyTorch, cannot be differentiated a second time.
"""
import numpy as np

import autograd_core
from autograd_core import as_tensor
from autograd_core.arrays import array_module
from autograd_core.autograd import Function, once_differentiable

from ._activation import logsigmoid
from ._distance import broadcast_shape, pairwise_distance
from ._loss import _check_broadcast, _reduce, _reduction

__all__ = ["margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
           "multilabel_margin_loss", "multi_margin_loss", "cosine_embedding_loss", "triplet_margin_loss",
           "triplet_margin_with_distance_loss"]

_EPSILON = 1e-12  # cosine_embedding_loss's guard on squared norms (ATen's)


def _refuse_grad(tensor, name, op):
    """PyTorch's error for an argument the loss is not differentiable in."""
    if tensor.requires_grad:
        raise RuntimeError(f"The function '{op}' is not differentiable with respect to argument '{name}'. "
                           "This input cannot have requires_grad True.")


def _upstream_per_sample(gy, reduction, samples):
    """The gradient reaching each sample's loss, shaped to multiply an (N, C) (or (C,)) array of slopes."""
    if reduction == "none":
        return gy.unsqueeze(-1)
    return gy / samples if reduction == "mean" else gy


def _reduce_samples(losses, reduction, batched):
    """Per-sample losses (an (N,) array) reduced; the 'none' reduction of an unbatched input is 0-d."""
    if reduction == "none":
        return losses if batched else losses.reshape(())
    return losses.sum() if reduction == "sum" else losses.mean()


# ----- compositions -----
def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """``max(0, -target * (input1 - input2) + margin)``, reduced; ``target`` is 1 or -1."""
    reduction = _reduction(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """``input`` where ``target`` is 1 and ``max(0, margin - input)`` where it is -1, reduced."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_broadcast(input, target, "hinge_embedding_loss")
    below_margin = (margin - input).clamp_min(0)
    loss = autograd_core.where(target != 1, below_margin, 0.0) + autograd_core.where(target != -1, input, 0.0)
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Binary cross-entropy of logits per class, averaged over the classes (the last dim), then reduced."""
    reduction = _reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """``1 - cos(x1, x2)`` where ``target`` is 1 and ``max(0, cos(x1, x2) - margin)`` where it is -1, reduced.

    Inputs are (N, D) with a target of (N,), or (D,) with a 0-d target.
    """
    reduction = _reduction(size_average, reduce, reduction)
    dim = target.dim()
    if dim not in (0, 1):
        raise RuntimeError("cosine_embedding_loss: 0D or 1D target tensor expected, multi-target not supported")
    if input1.dim() != dim + 1 or input2.dim() != dim + 1:
        raise RuntimeError(f"cosine_embedding_loss: {dim}D target tensor expects {dim + 1}D input tensors, but "
                           f"found inputs with sizes {list(input1.shape)} and {list(input2.shape)}.")
    dot = (input1 * input2).sum(dim)
    squares = ((input1 * input1).sum(dim) + _EPSILON) * ((input2 * input2).sum(dim) + _EPSILON)
    cos = dot / squares.sqrt()
    _check_broadcast(target, cos, "cosine_embedding_loss")
    loss = autograd_core.where(target == 1, 1 - cos, 0.0) + \
        autograd_core.where(target == -1, (cos - margin).clamp_min(0), 0.0)
    return _reduce(loss, reduction)


def _check_triplet_ranks(anchor, positive, negative):
    ranks = (anchor.dim(), positive.dim(), negative.dim())
    if len(set(ranks)) != 1:
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {ranks[0]}D, positive {ranks[1]}D, and negative "
                           f"{ranks[2]}D inputs")


def _triplet_loss(distance, anchor, positive, negative, margin, swap, reduction):
    """``max(0, margin + d(a, p) - d(a, n))``, with ``d(a, n)`` replaced by ``d(p, n)`` where smaller if ``swap``."""
    positive_distance = distance(anchor, positive)
    negative_distance = distance(anchor, negative)
    if swap:
        negative_distance = autograd_core.minimum(negative_distance, distance(positive, negative))
    return _reduce((margin + positive_distance - negative_distance).clamp_min(0), reduction)


def _check_margin(margin, op):
    if margin <= 0:
        raise ValueError(f"{op}: margin must be greater than 0, got {margin}")


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """The triplet loss with the ``p``-norm pairwise distance."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_margin(margin, "triplet_margin_loss")
    _check_triplet_ranks(anchor, positive, negative)
    return _triplet_loss(lambda a, b: pairwise_distance(a, b, p, eps), anchor, positive, negative, margin, swap,
                         reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    """The triplet loss with any ``distance_function(x1, x2)`` (pairwise_distance by default)."""
    reduction = _reduction(None, None, reduction)
    _check_margin(margin, "triplet_margin_with_distance_loss")
    _check_triplet_ranks(anchor, positive, negative)
    distance = distance_function if distance_function is not None else pairwise_distance
    return _triplet_loss(distance, anchor, positive, negative, margin, swap, reduction)


# ----- fused -----
class SoftMarginLoss(Function):
    """``log(1 + exp(-target * input))``, reduced; computed stably as ``softplus(-target * input)``."""

    saves = (0, 1)

    def __init__(self, reduction):
        self.reduction = reduction

    def forward(self, x, t):
        z = -(x * t)
        return _reduce(array_module(x).logaddexp(z.dtype.type(0), z), self.reduction)

    def backward(self, gy):
        x, t = self.saved_tensors
        slope = -t * (-(x * t)).sigmoid()
        if self.reduction == "mean":
            gy = gy / slope.numel()
        return gy * slope, None


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """The two-class logistic loss ``log(1 + exp(-target * input))`` (``target`` is 1 or -1), reduced."""
    reduction = _reduction(size_average, reduce, reduction)
    _refuse_grad(target, "target", "soft_margin_loss")
    broadcast_shape(input, target, "soft_margin_loss")
    return SoftMarginLoss(reduction)(input, target.to(input.dtype))


def _check_class_scores(input, op):
    """Scores of shape (C,) or (N, C), with C > 0."""
    if input.dim() not in (1, 2) or input.shape[-1] == 0:
        raise RuntimeError(f"{op}: Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")


def _check_long(tensor, name, op):
    if tensor.array.dtype != np.int64:
        raise RuntimeError(f"{op}: expected scalar type Long but found {tensor.dtype} for {name}")


class MultilabelMarginLoss(Function):
    """``sum_j sum_{i not a target} max(0, 1 - (x[y_j] - x[i])) / C`` per sample over its targets ``y_j`` (the
    entries of its target row before the first -1), reduced."""

    def __init__(self, reduction, batched):
        self.reduction, self.batched = reduction, batched

    def forward(self, x, target):
        xp = array_module(x)
        x2, target = x.reshape(-1, x.shape[-1]), target.reshape(-1, x.shape[-1])
        classes = x2.shape[1]
        listed = (target >= 0).cumprod(axis=1).astype(bool)  # the targets before the first -1
        picked = xp.where(listed, target, 0)
        is_target = ((picked[:, :, None] == xp.arange(classes)) & listed[:, :, None]).any(axis=1)
        target_scores = xp.take_along_axis(x2, picked, axis=1)
        margins = 1 - target_scores[:, :, None] + x2[:, None, :]  # (sample, target j, class i)
        active = (margins > 0) & listed[:, :, None] & ~is_target[:, None, :]
        losses = (margins * active).sum(axis=(1, 2)) / x.dtype.type(classes)
        counts = active.astype(x.dtype)
        to_target = (counts.sum(axis=2)[:, :, None] * (picked[:, :, None] == xp.arange(classes))).sum(axis=1)
        self.save_for_backward(((counts.sum(axis=1) - to_target) / x.dtype.type(classes)).reshape(x.shape))
        return _reduce_samples(losses, self.reduction, self.batched)

    @once_differentiable
    def backward(self, gy):
        (slopes,) = self.saved_tensors
        return _upstream_per_sample(gy, self.reduction, slopes.shape[0] if self.batched else 1) * \
            as_tensor(slopes), None


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """The multi-class multi-label hinge loss; each row of ``target`` (int64) lists class indices up to a -1."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_class_scores(input, "multilabel_margin_loss")
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"multilabel_margin_loss: inconsistent target size: {list(target.shape)} for input of "
                           f"size: {list(input.shape)}")
    _check_long(target, "target", "multilabel_margin_loss")
    labels = target.array
    if labels.size and (int(labels.min()) < -1 or int(labels.max()) >= input.shape[-1]):
        raise RuntimeError(f"multilabel_margin_loss: argument #2 'target' is out of range: class indices must be in "
                           f"[0, {input.shape[-1] - 1}] (or -1 to end a row)")
    return MultilabelMarginLoss(reduction, input.dim() == 2)(input, target)


class MultiMarginLoss(Function):
    """``sum_{i != y} w[y] max(0, margin - x[y] + x[i])^p / C`` per sample with target class ``y``, reduced.

    Inputs are the scores, the targets and optionally the class weights (a constant).
    """

    def __init__(self, p, margin, reduction, batched, weighted):
        self.p, self.margin, self.reduction, self.batched, self.weighted = p, margin, reduction, batched, weighted

    def forward(self, x, target, weight=None):
        xp, t = array_module(x), x.dtype.type
        x2, target = x.reshape(-1, x.shape[-1]), target.reshape(-1, 1)
        classes = x2.shape[1]
        others = target != xp.arange(classes)
        margins = t(self.margin) - xp.take_along_axis(x2, target, axis=1) + x2
        hinge = xp.where(others & (margins > 0), margins, t(0))
        scale = t(1 / classes) if weight is None else weight[target] / t(classes)
        slopes = (hinge * t(2) if self.p == 2 else (hinge > 0).astype(x.dtype)) * scale
        slopes[~others] = -slopes.sum(axis=1)
        self.save_for_backward(slopes.reshape(x.shape))
        losses = ((hinge * hinge if self.p == 2 else hinge) * scale).sum(axis=1)
        return _reduce_samples(losses, self.reduction, self.batched)

    @once_differentiable
    def backward(self, gy):
        (slopes,) = self.saved_tensors
        gx = _upstream_per_sample(gy, self.reduction, slopes.shape[0] if self.batched else 1) * as_tensor(slopes)
        return (gx, None, None) if self.weighted else (gx, None)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """The multi-class hinge loss of scores (N, C) or (C,) against int64 class indices (N,) or ()."""
    reduction = _reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("multi_margin_loss: only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("multi_margin_loss: weight must be one-dimensional")
    _check_class_scores(input, "multi_margin_loss")
    batch = input.shape[0] if input.dim() == 2 else 1
    if target.numel() != batch or target.dim() > 1:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
                           f"samples (batch size). Expected target size [{batch}], but got {list(target.shape)}. "
                           f"Input has shape {list(input.shape)}.")
    _check_long(target, "target", "multi_margin_loss")
    classes = input.shape[-1]
    if target.numel() and (int(target.array.min()) < 0 or int(target.array.max()) >= classes):
        raise RuntimeError(f"multi_margin_loss: target out of range: class indices must be in [0, {classes - 1}]")
    operands = (input, target)
    if weight is not None:
        if weight.numel() != classes:
            raise RuntimeError(f"multi_margin_loss: inconsistent weight size, expected {classes} but got "
                               f"{list(weight.shape)}")
        _refuse_grad(weight, "weight", "multi_margin_loss")
        operands += (weight.to(input.dtype),)
    return MultiMarginLoss(p, margin, reduction, input.dim() == 2, weight is not None)(*operands)
