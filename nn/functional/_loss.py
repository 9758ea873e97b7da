"""Loss functions.

Cross-entropy is one fused op (log-softmax and the weighted negative
log-likelihood in one forward, ``softmax * mass - target`` in backward) because
it runs on every training step; the other losses are compositions of
differentiable Tensor ops.
"""
import warnings

import numpy as np

from autograd_core.function import Function
from autograd_core.tensor import Tensor, _new

from ._activation import log_softmax, softmax, softplus

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"]

_REDUCTIONS = ("none", "mean", "sum")


def _reduction(size_average, reduce, reduction, allowed=_REDUCTIONS):
    """The reduction name, translating PyTorch's deprecated ``size_average``/``reduce`` flags."""
    if size_average is not None or reduce is not None:
        warnings.warn("size_average and reduce args will be deprecated, please use reduction='...' instead.",
                      stacklevel=3)
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = ("mean" if size_average else "sum") if reduce else "none"
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction (expected one of {', '.join(allowed)})")
    return reduction


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _reduce_weighted(loss, reduction, weight):
    """``loss * weight`` reduced; 'mean' divides by the weights' sum (PyTorch's mse_loss and l1_loss)."""
    if weight is None:
        return _reduce(loss, reduction)
    loss = loss * weight
    return loss.sum() / weight.sum() if reduction == "mean" else _reduce(loss, reduction)


def _times(loss, weight):
    return loss if weight is None else loss * weight


def _warn_target_size(input, target, op):
    if isinstance(target, Tensor) and target.array.shape != input.array.shape:
        warnings.warn(f"{op}: Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)


def _check_weight_size(input, weight, op):
    if weight is not None and weight.array.shape != input.array.shape:
        raise ValueError(f"{op}: weight of shape {tuple(weight.shape)} and input of shape {tuple(input.shape)} "
                         "must have the same size")


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error ``(input - target) ** 2``."""
    reduction = _reduction(size_average, reduce, reduction)
    _warn_target_size(input, target, "mse_loss")
    _check_weight_size(input, weight, "mse_loss")
    diff = input - target
    return _reduce_weighted(diff * diff, reduction, weight)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error ``|input - target|``."""
    reduction = _reduction(size_average, reduce, reduction)
    _warn_target_size(input, target, "l1_loss")
    _check_weight_size(input, weight, "l1_loss")
    return _reduce_weighted((input - target).abs(), reduction, weight)


def _smooth_l1(diff, beta):
    """``0.5 d² / beta`` where ``|d| < beta``, else ``|d| - beta / 2``."""
    size = diff.abs()
    if beta == 0:
        return size
    quadratic = _new((size.array < beta).astype(diff.array.dtype))
    return quadratic * (diff * diff * (0.5 / beta)) + (1 - quadratic) * (size - 0.5 * beta)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Quadratic near zero (``|d| < beta``), linear beyond it."""
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    _warn_target_size(input, target, "smooth_l1_loss")
    return _reduce(_smooth_l1(input - target, beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``0.5 d²`` where ``|d| < delta``, else ``delta (|d| - delta / 2)`` (= delta * smooth_l1 with beta=delta)."""
    reduction = _reduction(None, None, reduction)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    _warn_target_size(input, target, "huber_loss")
    _check_weight_size(input, weight, "huber_loss")
    return _reduce(_times(_smooth_l1(input - target, delta) * delta, weight), reduction)


# ----- class-probability losses: cross_entropy and nll_loss -----
# Both view the input as (N, C, D): samples, classes, and the extra dims d1... flattened (D = 1 without them).
def _ncd_shape(shape):
    return (shape[0], shape[1], int(np.prod(shape[2:], dtype=np.int64)))


def _per_sample(gy, reduction, targets):
    """The upstream gradient per (sample, position), shaped (N, 1, D) to broadcast over classes (array or Tensor)."""
    if reduction == "none":
        n, _, d = targets.shape
        return gy.reshape((n, 1, d))
    return gy / targets.divisor if reduction == "mean" else gy


def _reduce_losses(losses, reduction, targets, out_shape):
    """Losses of shape (N, 1, D) as the op's output: ``out_shape`` (N, d1...) for 'none', else a scalar."""
    if reduction == "none":
        return losses.reshape(out_shape)
    total = losses.sum()
    return total / losses.dtype.type(targets.divisor) if reduction == "mean" else total


class _Targets:
    """A target distribution ``q`` over classes for each (sample, position), in the (N, C, D) layout.

    Sparse: ``classes`` (N, D) with weights ``mass`` (N, 1, D), None when all are 1.
    Dense: ``dense`` (N, C, D), with ``mass`` its sum over classes.
    ``divisor`` is what the 'mean' reduction divides by.
    """

    def __init__(self, shape, divisor, classes=None, mass=None, dense=None):
        self.shape, self.divisor, self.classes, self.mass, self.dense = shape, divisor, classes, mass, dense
        if classes is not None:
            self._where = (np.arange(shape[0])[:, None], classes, np.arange(shape[2]))

    def pick(self, values):
        """``values`` (N, C, D) at the target classes, shaped (N, 1, D)."""
        return values[self._where][:, None, :]

    def subtract_at_classes(self, values, amount):
        """``values[n, classes[n, d], d] -= amount`` for ``amount`` of shape (N, 1, D) or a scalar."""
        values[self._where] -= amount[:, 0, :] if np.ndim(amount) == 3 else amount

    def mass_array(self, dtype):
        return np.ones((self.shape[0], 1, self.shape[2]), dtype) if self.mass is None else self.mass

    def dense_array(self, dtype):
        if self.dense is not None:
            return self.dense
        q = np.zeros(self.shape, dtype)
        self.subtract_at_classes(q, -self.mass_array(dtype))
        return q


def _class_targets(input, target, weight, ignore_index, label_smoothing, op):
    """Parse class-index targets of shape (N, d1...) for an input of shape (N, C, d1...)."""
    shape, dtype = input.array.shape, input.array.dtype
    if target.array.shape != shape[:1] + shape[2:]:
        raise ValueError(f"{op}: expected class-index target of shape {shape[:1] + shape[2:]} for input of shape "
                         f"{shape}, got {tuple(target.shape)}")
    layout = _ncd_shape(shape)
    n_classes = layout[1]
    t = target.array.reshape(layout[0], layout[2])
    ignored = t == ignore_index
    any_ignored = ignored.any()
    if any_ignored:
        t = np.where(ignored, 0, t)
    if t.size and (t.min() < 0 or t.max() >= n_classes):
        bad = t[(t < 0) | (t >= n_classes)][0]
        raise IndexError(f"{op}: Target {bad} is out of bounds: expected class indices in [0, {n_classes}) "
                         f"or ignore_index={ignore_index}")
    if weight is None and not any_ignored and not label_smoothing:
        return _Targets(layout, float(t.size), classes=t)
    mass = weight[t] if weight is not None else np.ones(t.shape, dtype)
    if any_ignored:
        mass[ignored] = 0
    mass = mass[:, None, :]
    targets = _Targets(layout, float(mass.sum()), classes=t, mass=mass)
    if not label_smoothing:
        return targets
    share = (np.ones(n_classes, dtype) if weight is None else weight) * dtype.type(label_smoothing / n_classes)
    dense = targets.dense_array(dtype) * dtype.type(1 - label_smoothing)
    dense += share[None, :, None] * (mass != 0) if any_ignored else share[None, :, None]
    return _Targets(layout, targets.divisor, mass=dense.sum(axis=1, keepdims=True), dense=dense)


def _probability_targets(input, target, weight, label_smoothing):
    """Class probabilities of the input's shape, smoothed and weighted per class."""
    layout, dtype = _ncd_shape(input.array.shape), input.array.dtype
    q = target.array.astype(dtype, copy=False).reshape(layout)
    if label_smoothing:
        q = q * dtype.type(1 - label_smoothing) + dtype.type(label_smoothing / layout[1])
    if weight is not None:
        q = q * weight[None, :, None]
    return _Targets(layout, float(layout[0] * layout[2]), mass=q.sum(axis=1, keepdims=True), dense=q)


class CrossEntropy(Function):
    """``-sum_c q_c log softmax(x)_c`` per sample over dim 1, reduced; fused log-softmax + NLL.

    The gradient for sample i is ``softmax(x_i) * sum_c q_ic - q_i`` (times the upstream gradient).
    """

    saves = (0,)

    def __init__(self, targets, reduction):
        self.targets, self.reduction = targets, reduction

    def forward(self, x):
        q = self.targets
        x3 = x.reshape(q.shape)
        shifted = x3 - x3.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        self.save_for_backward(exp, total)
        log_total = np.log(total)
        if q.classes is not None:
            losses = log_total - q.pick(shifted)
            if q.mass is not None:
                losses *= q.mass
        else:
            shifted -= log_total  # log-probabilities
            losses = -(shifted * q.dense).sum(axis=1, keepdims=True)
        return _reduce_losses(losses, self.reduction, q, x.shape[:1] + x.shape[2:])

    def backward(self, gy):
        x, exp, total = self.saved_tensors
        return CrossEntropyBackward(self.targets, self.reduction)(x, gy, _new(exp / total))

    def name(self):
        return "NllLossBackward0"


class CrossEntropyBackward(Function):
    """The gradient of CrossEntropy as an op of (x, gy), so that it can itself be differentiated.

    Its third input is the forward's softmax (a constant: its gradient is never asked for), overwritten here.
    """

    saves = (0, 1)

    def __init__(self, targets, reduction):
        self.targets, self.reduction = targets, reduction

    def forward(self, x, gy, probabilities):
        q = self.targets
        upstream = _per_sample(gy, self.reduction, q).astype(x.dtype, copy=False)
        grad = probabilities
        scale = upstream if q.mass is None else q.mass * upstream
        grad *= scale
        if q.classes is not None:
            q.subtract_at_classes(grad, scale)
        else:
            grad -= q.dense * upstream
        return grad.reshape(x.shape)

    def backward(self, ggx):
        x, gy = self.saved_tensors
        q, reduction = self.targets, self.reduction
        dtype = x.array.dtype
        p = softmax(x, 1).reshape(q.shape)
        ggx = ggx.reshape(q.shape)
        mass = _new(q.mass_array(dtype))
        gx = ggy = None
        if self.needs_input_grad[0]:
            upstream = _per_sample(gy, reduction, q)
            gx = (upstream * mass * p * (ggx - (p * ggx).sum(1, keepdim=True))).reshape(x.array.shape)
        if self.needs_input_grad[1]:
            per_sample = ((p * mass - _new(q.dense_array(dtype))) * ggx).sum(1)
            if reduction == "none":
                ggy = per_sample.reshape(gy.array.shape)
            else:
                ggy = per_sample.sum() / q.divisor if reduction == "mean" else per_sample.sum()
        return gx, ggy, None


class NllLoss(Function):
    """``-weight[t] * input[t]`` per sample (input holds log-probabilities over dim 1), reduced."""

    def __init__(self, targets, reduction):
        self.targets, self.reduction = targets, reduction

    def forward(self, x):
        self.x_shape, self.dtype = x.shape, x.dtype
        q = self.targets
        losses = -q.pick(x.reshape(q.shape))
        if q.mass is not None:
            losses *= q.mass
        return _reduce_losses(losses, self.reduction, q, x.shape[:1] + x.shape[2:])

    def backward(self, gy):
        q = self.targets
        return (_per_sample(gy, self.reduction, q) * _new(-q.dense_array(self.dtype))).reshape(self.x_shape)


def _batched(input, target, class_targets):
    """Unbatched (C,) inputs get a batch dimension of 1 (the target too)."""
    if input.array.ndim != 1:
        return input, target
    return input.reshape(1, -1), (target.reshape(1) if class_targets else target.reshape(1, -1))


def _class_weight(weight, input, op):
    """The per-class weight as an array of the input's dtype (a constant: no gradient flows to it)."""
    if weight is None:
        return None
    n_classes = input.array.shape[1]
    if weight.array.shape != (n_classes,):
        raise RuntimeError(f"{op}: weight tensor should be defined either for all {n_classes} classes or no "
                           f"classes but got weight tensor of shape: {list(weight.shape)}")
    return weight.array.astype(input.array.dtype, copy=False)


def _unbatched_result(result, unbatched, reduction):
    return result.reshape(()) if unbatched and reduction == "none" else result


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross-entropy between logits ``input`` (N, C, d1...) and class indices (N, d1...) or probabilities.

    Stable for large logits; ``weight`` rescales classes, ``ignore_index`` drops
    targets, ``label_smoothing`` mixes the target with the uniform distribution.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if input.array.ndim == 0 or input.array.dtype.kind != "f":
        raise RuntimeError(f"cross_entropy: expected floating point logits of shape (C,) or (N, C, d1...), got "
                           f"{input.dtype} of shape {tuple(input.shape)}")
    class_targets = target.array.dtype.kind in "iu"
    if not class_targets and target.array.shape != input.array.shape:
        raise ValueError(f"cross_entropy: target of shape {tuple(target.shape)} and dtype {target.dtype} is neither "
                         f"class indices (an integer tensor of shape (N, d1...)) nor probabilities of the input's "
                         f"shape {tuple(input.shape)}")
    unbatched = input.array.ndim == 1
    input, target = _batched(input, target, class_targets)
    weight = _class_weight(weight, input, "cross_entropy")
    if class_targets:
        targets = _class_targets(input, target, weight, ignore_index, label_smoothing, "cross_entropy")
    elif target.requires_grad:
        return _soft_cross_entropy(input, target, weight, reduction, label_smoothing, unbatched)
    else:
        targets = _probability_targets(input, target, weight, label_smoothing)
    return _unbatched_result(CrossEntropy(targets, reduction)(input), unbatched, reduction)


def _soft_cross_entropy(input, target, weight, reduction, label_smoothing, unbatched):
    """Cross-entropy with probability targets that require grad, composed of differentiable ops."""
    n_classes = input.array.shape[1]
    q = target * (1 - label_smoothing) + label_smoothing / n_classes if label_smoothing else target
    if weight is not None:
        q = q * _new(weight.reshape((1, n_classes) + (1,) * (input.array.ndim - 2)))
    losses = -(log_softmax(input, 1) * q).sum(1)
    if reduction == "none":
        return _unbatched_result(losses, unbatched, reduction)
    return losses.sum() if reduction == "sum" else losses.mean()


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood of class indices ``target`` under log-probabilities ``input`` (N, C, d1...)."""
    reduction = _reduction(size_average, reduce, reduction)
    if input.array.ndim == 0 or target.array.dtype.kind not in "iu":
        raise RuntimeError(f"nll_loss: expected log-probabilities of shape (C,) or (N, C, d1...) and integer class "
                           f"indices, got input {tuple(input.shape)} and target {target.dtype} "
                           f"{tuple(target.shape)}")
    unbatched = input.array.ndim == 1
    input, target = _batched(input, target, True)
    weight = _class_weight(weight, input, "nll_loss")
    targets = _class_targets(input, target, weight, ignore_index, 0.0, "nll_loss")
    return _unbatched_result(NllLoss(targets, reduction)(input), unbatched, reduction)


# ----- binary and distribution losses -----
class BinaryCrossEntropy(Function):
    """``-(t log x + (1 - t) log(1 - x))`` with each log clamped to >= -100, as in PyTorch."""

    saves = (0, 1)

    def forward(self, x, t):
        if x.size and (x.min() < 0 or x.max() > 1):
            raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 and 1")
        with np.errstate(divide="ignore"):  # log(0) = -inf, clamped
            log_x = np.maximum(np.log(x), -100)
            log_not_x = np.maximum(np.log1p(-x), -100)
        return -(t * log_x + (1 - t) * log_not_x)

    def backward(self, gy):
        x, t = self.saved_tensors
        gx = gt = None
        if self.needs_input_grad[0]:
            gx = gy * (x - t) / (x * (1 - x)).clamp_min(1e-12)
        if self.needs_input_grad[1]:
            with np.errstate(divide="ignore"):
                gt = gy * ((1 - x).log().clamp_min(-100) - x.log().clamp_min(-100))
        return gx, gt


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Binary cross-entropy between probabilities ``input`` and ``target`` of the same shape."""
    reduction = _reduction(size_average, reduce, reduction)
    if target.array.shape != input.array.shape:
        raise ValueError(f"binary_cross_entropy: Using a target size ({target.shape}) that is different to the "
                         f"input size ({input.shape}) is deprecated. Please ensure they have the same size.")
    return _reduce(_times(BinaryCrossEntropy()(input, target.to(input.dtype)), weight), reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Sigmoid + binary cross-entropy in the stable form ``(1 - t) x + w_t softplus(-x)``.

    ``w_t = 1 + (pos_weight - 1) t`` weighs the positive term; ``pos_weight`` broadcasts over the last dim.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if target.array.shape != input.array.shape:
        raise ValueError(f"binary_cross_entropy_with_logits: Target size ({target.shape}) must be the same as "
                         f"input size ({input.shape})")
    target = target.to(input.dtype)
    log_weight = 1 if pos_weight is None else (pos_weight - 1) * target + 1
    return _reduce(_times((1 - target) * input + log_weight * softplus(-input), weight), reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL divergence ``target * (log target - input)`` with ``input`` in log space (``target`` too if log_target).

    'batchmean' divides the sum by the batch size (the true KL); 'mean' by the element count.
    """
    reduction = _reduction(size_average, reduce, reduction, _REDUCTIONS + ("batchmean",))
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        positive = target.array > 0
        safe = target.masked_fill(_new(~positive), 1)  # log(1) = 0 where target is 0: 0 log 0 = 0
        loss = target * (safe.log() - input)
    if reduction == "batchmean":
        return loss.sum() / input.array.shape[0] if input.array.ndim else loss.sum()
    return _reduce(loss, reduction)
