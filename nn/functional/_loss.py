"""Loss functions.

Where PyTorch has one op for a loss (``MseLossBackward0``, ``NllLossBackward0``,
``BinaryCrossEntropyBackward0``...) it is one fused op here too, its backward
written with Tensor ops so that it can be differentiated again. Cross-entropy
fuses log-softmax and the weighted negative log-likelihood (``softmax * mass -
target`` in backward) because it runs on every training step; its node takes
the name of the node PyTorch ends with for the same arguments. l1_loss and
kl_div are compositions, as in PyTorch.

Arguments are checked as PyTorch checks them, with its errors (dtypes, shapes,
ranges). Forwards give inf and nan silently for extreme inputs, as PyTorch does
(``np.errstate``: numpy's warning switch; other backends don't warn), and
piecewise gradients select their branch, so that an infinite difference gets
the outer branch's slope rather than nan.
"""
import warnings

import numpy as np

from autograd_core.dtypes import computes_bfloat16_in_float32, is_floating
from autograd_core import as_tensor, dtypes, is_grad_enabled
from autograd_core.autograd import Function
from autograd_core.device import check_same_device

from ._activation import log_softmax, logsigmoid, softmax
from autograd_core.arrays import array_module

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
    """``loss`` (a Tensor or an array) reduced."""
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _reduce_weighted(loss, reduction, weight):
    """``loss * weight`` reduced; 'mean' divides by the weights' sum (PyTorch's mse_loss and l1_loss)."""
    if weight is None:
        return _reduce(loss, reduction)
    loss = loss * weight
    return loss.sum() / weight.sum() if reduction == "mean" else _reduce(loss, reduction)


def _upstream(gy, reduction, size):
    """The upstream gradient of each element of an elementwise loss reduced with ``reduction`` over ``size``."""
    return gy / size if reduction == "mean" else gy


def _warn_target_size(input, target, op):
    if target.array.shape != input.array.shape:  # a non-Tensor target fails here, and the boundary names it
        warnings.warn(f"{op}: Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)


def _check_weight_size(input, weight, op):
    if weight is not None and weight.array.shape != input.array.shape:
        raise ValueError(f"{op}: weight of shape {tuple(weight.shape)} and input of shape {tuple(input.shape)} "
                         "must have the same size")


def _type_name(tensor):
    """PyTorch's scalar-type name of ``tensor``'s dtype (``Float``, ``Long``...), as its errors spell it."""
    return tensor.type()[len("torch."):-len("Tensor")]


def _check_broadcast(a, b, op):
    """PyTorch's error when tensors ``a`` and ``b`` do not broadcast together."""
    sa, sb = a.array.shape, b.array.shape
    n = max(len(sa), len(sb))
    for i in range(n - 1, -1, -1):
        da, db = (s[i - n + len(s)] if i - n + len(s) >= 0 else 1 for s in (sa, sb))
        if da != db and da != 1 and db != 1:
            raise RuntimeError(f"{op}: The size of tensor a ({da}) must match the size of tensor b ({db}) at "
                               f"non-singleton dimension {i}")


def _floating_operands(input, target, op):
    """``input`` and ``target`` in PyTorch's promoted dtype, which must be floating."""
    _check_broadcast(input, target, op)
    dtype = dtypes.result_type(input.array, target.array)
    if not is_floating(dtype):
        raise NotImplementedError(f"{op}: not implemented for '{_type_name(input)}' input and "
                                  f"'{_type_name(target)}' target; expected a floating point tensor")
    return (input if input.array.dtype == dtype else input.to(dtype)), \
        (target if target.array.dtype == dtype else target.to(dtype))


class _ElementwiseLoss(Function):
    """A loss of ``d = input - target`` per element, reduced; ``values(d)`` and ``slopes(d)`` (dloss/dd) say which.

    The slope is written with Tensor ops on the saved operands, so the loss can be differentiated twice.
    """

    saves = (0, 1)

    def __init__(self, reduction):
        self.reduction = reduction

    @np.errstate(all="ignore")
    @computes_bfloat16_in_float32
    def forward(self, x, t):
        return _reduce(self.values(x - t), self.reduction)

    def backward(self, gy):
        x, t = self.saved_tensors
        d = x - t
        g = self.slopes(d) * _upstream(gy, self.reduction, d.numel())
        return g if self.needs_input_grad[0] else None, -g if self.needs_input_grad[1] else None


class MseLoss(_ElementwiseLoss):
    """``d ** 2``."""

    def values(self, d):
        return d * d

    def slopes(self, d):
        return d * 2


class HuberLoss(_ElementwiseLoss):
    """``0.5 d²`` where ``|d| < delta``, else ``delta (|d| - delta / 2)``; the slope is ``d`` clamped to ±delta."""

    def __init__(self, reduction, delta):
        super().__init__(reduction)
        self.delta = delta

    def values(self, d):
        size, t = abs(d), d.dtype.type
        return array_module(d).where(size < self.delta, t(0.5) * d * d, t(self.delta) * (size - t(0.5 * self.delta)))

    def slopes(self, d):
        return d.clamp(-self.delta, self.delta)


class SmoothL1Loss(_ElementwiseLoss):
    """``0.5 d² / beta`` where ``|d| < beta``, else ``|d| - beta / 2`` (beta > 0); the slope is d / beta in [-1, 1]."""

    def __init__(self, reduction, beta):
        super().__init__(reduction)
        self.beta = beta

    def values(self, d):
        size, t = abs(d), d.dtype.type
        return array_module(d).where(size < self.beta, t(0.5) * d * d / t(self.beta), size - t(0.5 * self.beta))

    def slopes(self, d):
        return (d / self.beta).clamp(-1, 1)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error ``(input - target) ** 2``."""
    reduction = _reduction(size_average, reduce, reduction)
    _warn_target_size(input, target, "mse_loss")
    _check_weight_size(input, weight, "mse_loss")
    operands = _floating_operands(input, target, "mse_loss")
    if weight is not None:
        diff = operands[0] - operands[1]
        return _reduce_weighted(diff * diff, reduction, weight)
    return MseLoss(reduction)(*operands)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error ``|input - target|``."""
    reduction = _reduction(size_average, reduce, reduction)
    _warn_target_size(input, target, "l1_loss")
    _check_weight_size(input, weight, "l1_loss")
    _check_broadcast(input, target, "l1_loss")
    return _reduce_weighted((input - target).abs(), reduction, weight)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Quadratic near zero (``|d| < beta``), linear beyond it; beta 0 is l1_loss."""
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    _warn_target_size(input, target, "smooth_l1_loss")
    if beta == 0:
        return _reduce((input - target).abs(), reduction)
    return SmoothL1Loss(reduction, beta)(*_floating_operands(input, target, "smooth_l1_loss"))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``0.5 d²`` where ``|d| < delta``, else ``delta (|d| - delta / 2)``; ``weight`` scales each element."""
    reduction = _reduction(None, None, reduction)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    _warn_target_size(input, target, "huber_loss")
    _check_weight_size(input, weight, "huber_loss")
    operands = _floating_operands(input, target, "huber_loss")
    if weight is not None:
        return _reduce(HuberLoss("none", delta)(*operands) * weight, reduction)
    return HuberLoss(reduction, delta)(*operands)


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


def _nll_node(ndim, reduction):
    """The node PyTorch's nll_loss ends with for an ``ndim``-dim input (it views 3-D and 5-D+ inputs as 4-D)."""
    if ndim <= 2:
        return "NllLossBackward0"
    return "ViewBackward0" if ndim != 4 and reduction == "none" else "NllLoss2DBackward0"


class _Targets:
    """A target distribution ``q`` over classes for each (sample, position), in the (N, C, D) layout.

    Sparse: ``classes`` (N, D) with weights ``mass`` (N, 1, D), None when all are 1.
    Dense: ``dense`` (N, C, D), with ``mass`` its sum over classes.
    ``divisor`` is what the 'mean' reduction divides by; ``xp`` is the arrays' module.
    """

    def __init__(self, xp, shape, divisor, classes=None, mass=None, dense=None):
        self.xp, self.shape, self.divisor = xp, shape, divisor
        self.classes, self.mass, self.dense = classes, mass, dense
        if classes is not None:
            self.class_index = (self.xp.arange(shape[0])[:, None], classes, self.xp.arange(shape[2]))

    def pick(self, values):
        """``values`` (N, C, D) at the target classes, shaped (N, 1, D)."""
        return values[self.class_index][:, None, :]

    def subtract_at_classes(self, values, amount):
        """``values[n, classes[n, d], d] -= amount`` for ``amount`` of shape (N, 1, D) or a scalar."""
        values[self.class_index] -= amount[:, 0, :] if getattr(amount, "ndim", 0) == 3 else amount

    def mass_array(self, dtype):
        return self.xp.ones((self.shape[0], 1, self.shape[2]), dtype) if self.mass is None else self.mass

    def dense_array(self, dtype):
        if self.dense is not None:
            return self.dense
        q = self.xp.zeros(self.shape, dtype)
        self.subtract_at_classes(q, -self.mass_array(dtype))
        return q


def _check_class_target(input, target, op):
    """PyTorch's checks, in its order and with its errors, of class indices for an input (C,) or (N, C, d1...)."""
    shape, found = input.array.shape, target.array.shape
    if not shape:
        raise ValueError(f"{op}: Expected 1 or more dimensions (got 0)")
    expected = shape[:1] + shape[2:] if len(shape) > 1 else ()
    if len(shape) > 1 and (found[0] if found else 0) != shape[0]:
        raise ValueError(f"{op}: Expected input batch_size ({shape[0]}) to match target batch_size "
                         f"({found[0] if found else 0}) (expected class-index target of shape {expected} for input "
                         f"of shape {shape})")
    if target.array.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"{op}: expected target dtype to be Long or Byte, but got {_type_name(target)}")
    if len(shape) <= 2:
        if len(found) > 1:
            raise RuntimeError(f"{op}: 0D or 1D target tensor expected, multi-target not supported")
        if len(shape) == 1 and found not in ((), (1,)):
            raise ValueError(f"{op}: For 1D input, 1D target must have size 1, but got target size: {found[0]}")
    elif len(shape) == 4:
        if len(found) != 3:
            raise RuntimeError(f"{op}: only batches of spatial targets supported (3D tensors) but got targets of "
                               f"dimension: {len(found)}")
        if found != expected:
            raise RuntimeError(f"{op}: size mismatch (got input: {list(shape)} , target: {list(found)}")
    elif found != expected:
        raise RuntimeError(f"{op}: Expected target size {list(expected)}, got {list(found)}")


def _require_floating(input, op):
    """PyTorch's error for an op on integer or bool inputs that has only floating point kernels."""
    if not is_floating(input.array.dtype):
        raise NotImplementedError(f"{op}: not implemented for '{_type_name(input)}'; expected a floating point "
                                  "input")


def _class_targets(input, target, weight, ignore_index, label_smoothing, op):
    """Parse class-index targets of shape (N, d1...) for an input of shape (N, C, d1...)."""
    shape, dtype = input.array.shape, input.array.dtype
    xp = array_module(input.array)
    layout = _ncd_shape(shape)
    n_classes = layout[1]
    t = target.array.reshape(layout[0], layout[2])
    ignored = t == ignore_index
    any_ignored = bool(ignored.any())
    if any_ignored:
        t = xp.where(ignored, 0, t)
    if t.size and (t.min() < 0 or t.max() >= n_classes):
        bad = int(t[(t < 0) | (t >= n_classes)][0])
        raise IndexError(f"{op}: Target {bad} is out of bounds: expected class indices in [0, {n_classes}) "
                         f"or ignore_index={ignore_index}")
    if weight is None and not any_ignored and not label_smoothing:
        return _Targets(xp, layout, float(t.size), classes=t)
    mass = weight[t] if weight is not None else xp.ones(t.shape, dtype)
    if any_ignored:
        mass[ignored] = 0
    mass = mass[:, None, :]
    targets = _Targets(xp, layout, float(mass.sum()), classes=t, mass=mass)
    if not label_smoothing:
        return targets
    share = (xp.ones(n_classes, dtype) if weight is None else weight) * dtype.type(label_smoothing / n_classes)
    dense = targets.dense_array(dtype) * dtype.type(1 - label_smoothing)
    dense += share[None, :, None] * (mass != 0) if any_ignored else share[None, :, None]
    return _Targets(xp, layout, targets.divisor, mass=dense.sum(axis=1, keepdims=True), dense=dense)


def _probability_targets(input, target, weight, label_smoothing):
    """Class probabilities of the input's shape, smoothed and weighted per class."""
    layout, dtype = _ncd_shape(input.array.shape), input.array.dtype
    q = target.array.astype(dtype, copy=False).reshape(layout)
    if label_smoothing:
        q = q * dtype.type(1 - label_smoothing) + dtype.type(label_smoothing / layout[1])
    if weight is not None:
        q = q * weight[None, :, None]
    return _Targets(array_module(q), layout, float(layout[0] * layout[2]), mass=q.sum(axis=1, keepdims=True),
                    dense=q)


class CrossEntropy(Function):
    """``-sum_c q_c log softmax(x)_c`` per sample over dim 1, reduced; fused log-softmax + NLL.

    The gradient for sample i is ``softmax(x_i) * sum_c q_ic - q_i`` (times the
    upstream gradient), computed from the softmax saved in forward: as PyTorch's
    backward reads log_softmax's output, the logits may change in place after the
    forward. They are read (version-checked) only to differentiate the gradient
    again (``create_graph``). The output has ``out_shape`` for the 'none'
    reduction; the node is named ``label``.
    """

    saves = (0,)

    def __init__(self, targets, reduction, x_shape, out_shape, label):
        self.targets, self.reduction, self.x_shape, self.out_shape, self.label = (targets, reduction, x_shape,
                                                                                 out_shape, label)

    @np.errstate(all="ignore")  # infinite logits: inf - inf
    @computes_bfloat16_in_float32
    def forward(self, x):
        q, xp = self.targets, self.targets.xp
        x3 = x.reshape(q.shape)
        shifted = x3 - x3.max(axis=1, keepdims=True)
        exp = xp.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        self.save_for_backward(exp, total)
        log_total = xp.log(total)
        if q.classes is not None:
            losses = log_total - q.pick(shifted)
            if q.mass is not None:
                losses *= q.mass
        else:
            shifted -= log_total  # log-probabilities
            losses = -(shifted * q.dense).sum(axis=1, keepdims=True)
        return _reduce_losses(losses, self.reduction, q, self.out_shape)

    def backward(self, gy):
        probabilities = as_tensor(self.saved(1) / self.saved(2))
        logits = (self.saved(0),) if is_grad_enabled() else ()
        return CrossEntropyBackward(self.targets, self.reduction, self.x_shape)(gy, probabilities, *logits)

    def name(self):
        return self.label


class CrossEntropyBackward(Function):
    """The gradient of CrossEntropy from ``gy`` and the forward's softmax ``probabilities`` (a constant, overwritten
    here), shaped as the logits ``x``: with ``x`` as a third input (``create_graph``) it can be differentiated again.
    """

    saves = (0, 2)

    def __init__(self, targets, reduction, x_shape):
        self.targets, self.reduction, self.x_shape = targets, reduction, x_shape

    def forward(self, gy, probabilities, x=None):
        q = self.targets
        upstream = _per_sample(gy, self.reduction, q).astype(probabilities.dtype, copy=False)
        grad = probabilities
        scale = upstream if q.mass is None else q.mass * upstream
        grad *= scale
        if q.classes is not None:
            q.subtract_at_classes(grad, scale)
        else:
            grad -= q.dense * upstream
        return grad.reshape(self.x_shape)

    def backward(self, ggx):
        gy, x = self.saved_tensors
        q, reduction = self.targets, self.reduction
        dtype = x.array.dtype
        p = softmax(x, 1).reshape(q.shape)
        ggx = ggx.reshape(q.shape)
        mass = as_tensor(q.mass_array(dtype))
        gx = ggy = None
        if self.needs_input_grad[2]:
            upstream = _per_sample(gy, reduction, q)
            gx = (upstream * mass * p * (ggx - (p * ggx).sum(1, keepdim=True))).reshape(x.shape)
        if self.needs_input_grad[0]:
            per_sample = ((p * mass - as_tensor(q.dense_array(dtype))) * ggx).sum(1)
            if reduction == "none":
                ggy = per_sample.reshape(gy.shape)
            else:
                ggy = per_sample.sum() / q.divisor if reduction == "mean" else per_sample.sum()
        return ggy, None, gx


class NllLoss(Function):
    """``-weight[t] * input[t]`` per sample (input holds log-probabilities over dim 1), reduced.

    ``x_shape`` and ``dtype`` are the (batched) input's; the output has
    ``out_shape`` for the 'none' reduction; the node is named ``label``.
    """

    def __init__(self, targets, reduction, x_shape, dtype, out_shape, label):
        self.targets, self.reduction, self.label = targets, reduction, label
        self.x_shape, self.dtype, self.out_shape = x_shape, dtype, out_shape

    def forward(self, x):
        q = self.targets
        losses = -q.pick(x.reshape(q.shape))
        if q.mass is not None:
            losses *= q.mass
        return _reduce_losses(losses, self.reduction, q, self.out_shape)

    def backward(self, gy):
        q = self.targets
        dense = q.dense_array(self.dtype)
        grad = (_per_sample(gy, self.reduction, q) * as_tensor(-dense)).masked_fill(as_tensor(dense == 0), 0)
        return grad.reshape(self.x_shape)  # 0 off the targets, even for an infinite gy, as PyTorch's scatter

    def name(self):
        return self.label


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


def _loss_shape(input):
    """The shape of the 'none' reduction's losses: the input's without the class dim (dim 1, or 0 unbatched)."""
    shape = input.array.shape
    return () if len(shape) == 1 else shape[:1] + shape[2:]


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross-entropy between logits ``input`` (N, C, d1...) and class indices (N, d1...) or probabilities.

    Stable for large logits; ``weight`` rescales classes, ``ignore_index`` drops
    targets, ``label_smoothing`` mixes the target with the uniform distribution.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_targets = target.array.shape != input.array.shape  # PyTorch's rule: the input's shape means probabilities
    if not class_targets and not is_floating(target.array.dtype):
        raise RuntimeError(f"cross_entropy: Expected floating point type for target with class probabilities, got "
                           f"{_type_name(target)}")
    _require_floating(input, "cross_entropy")
    check_same_device(input, target, weight)
    if class_targets:
        _check_class_target(input, target, "cross_entropy")
    elif input.array.ndim == 0:
        raise IndexError("cross_entropy: Dimension out of range (expected to be in range of [-1, 0], but got 1): "
                         "the class dim is 1, or 0 for an unbatched input of shape (C,)")
    elif target.array.dtype != input.array.dtype:  # probabilities: the promoted dtype, as in PyTorch
        input = input.to(dtypes.result_type(input.array, target.array))
    ndim, out_shape = input.array.ndim, _loss_shape(input)
    input, target = _batched(input, target, class_targets)
    weight = _class_weight(weight, input, "cross_entropy")
    if class_targets:
        targets = _class_targets(input, target, weight, ignore_index, label_smoothing, "cross_entropy")
        label = "AddBackward0" if label_smoothing else _nll_node(ndim, reduction)
    elif target.requires_grad:
        return _soft_cross_entropy(input, target, weight, reduction, label_smoothing, out_shape)
    else:
        targets = _probability_targets(input, target, weight, label_smoothing)
        label = "DivBackward1" if reduction == "mean" else "NegBackward0"
    return CrossEntropy(targets, reduction, input.array.shape, out_shape, label)(input)


def _soft_cross_entropy(input, target, weight, reduction, label_smoothing, out_shape):
    """Cross-entropy with probability targets that require grad, composed of differentiable ops (as PyTorch's)."""
    n_classes = input.array.shape[1]
    q = target * (1 - label_smoothing) + label_smoothing / n_classes if label_smoothing else target
    if weight is not None:
        q = q * as_tensor(weight.reshape((1, n_classes) + (1,) * (input.array.ndim - 2)))
    weighted = log_softmax(input, 1) * q
    if reduction == "none":
        return -weighted.sum(1).reshape(out_shape)
    total = -weighted.sum()
    return total / (input.numel() // n_classes) if reduction == "mean" else total


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood of class indices ``target`` under log-probabilities ``input`` (N, C, d1...)."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_class_target(input, target, "nll_loss")
    _require_floating(input, "nll_loss")
    ndim, out_shape = input.array.ndim, _loss_shape(input)
    input, target = _batched(input, target, True)
    weight = _class_weight(weight, input, "nll_loss")
    targets = _class_targets(input, target, weight, ignore_index, 0.0, "nll_loss")
    op = NllLoss(targets, reduction, input.array.shape, input.array.dtype, out_shape, _nll_node(ndim, reduction))
    return op(input)


# ----- binary and distribution losses -----
class BinaryCrossEntropy(Function):
    """``-(t log x + (1 - t) log(1 - x))`` with each log clamped to >= -100, as in PyTorch, times the optional
    ``weight`` (a constant third input), reduced."""

    saves = (0, 1)

    def __init__(self, reduction, weighted):
        self.reduction, self.weighted = reduction, weighted
        if weighted:
            self.saves = (0, 1, 2)

    @np.errstate(all="ignore")  # log(0) = -inf, clamped
    def forward(self, x, t, weight=None):
        for values, name in ((x, "input"), (t, "target")):
            if not ((values >= 0) & (values <= 1)).all():  # NaN fails too, as in PyTorch
                raise RuntimeError(f"binary_cross_entropy: all elements of {name} should be between 0 and 1")
        xp = array_module(x)
        log_x = xp.log(x).clip(min=-100)
        log_not_x = xp.log1p(-x).clip(min=-100)
        losses = -(t * log_x + (1 - t) * log_not_x)
        if weight is not None:
            losses *= weight
        return _reduce(losses, self.reduction)

    def backward(self, gy):
        x, t, *weight = self.saved_tensors
        g = _upstream(gy, self.reduction, x.numel())
        if weight:
            g = g * weight[0]
        gx = gt = None
        if self.needs_input_grad[0]:
            gx = g * (x - t) / (x * (1 - x)).clamp_min(1e-12)
        if self.needs_input_grad[1]:
            gt = g * -(x / (1 - x)).log()  # -logit(x), unclamped as in PyTorch
        return (gx, gt, None) if self.weighted else (gx, gt)


def _check_weight_broadcasts(weight, input, op):
    """PyTorch's error for a ``weight`` that does not broadcast to the input's shape."""
    try:
        broadcastable = np.broadcast_shapes(weight.array.shape, input.array.shape) == input.array.shape
    except ValueError:
        broadcastable = False
    if not broadcastable:
        raise RuntimeError(f"{op}: weight of shape {list(weight.shape)} cannot be broadcast to the input's shape "
                           f"{list(input.shape)}")


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Binary cross-entropy between probabilities ``input`` and ``target`` of the same shape and dtype."""
    reduction = _reduction(size_average, reduce, reduction)
    if target.array.shape != input.array.shape:
        raise ValueError(f"binary_cross_entropy: Using a target size ({target.shape}) that is different to the "
                         f"input size ({input.shape}) is deprecated. Please ensure they have the same size.")
    if target.array.dtype != input.array.dtype:
        raise RuntimeError(f"binary_cross_entropy: Found dtype {_type_name(target)} but expected "
                           f"{_type_name(input)}")
    _require_floating(input, "binary_cross_entropy")
    if weight is not None:
        _check_weight_broadcasts(weight, input, "binary_cross_entropy")
    operands = (input, target) + (() if weight is None else (weight.to(input.dtype),))
    return BinaryCrossEntropy(reduction, weight is not None)(*operands)


class BinaryCrossEntropyWithLogits(Function):
    """Sigmoid + binary cross-entropy, stably: ``(1 - t) x + w_t softplus(-x)`` with ``w_t = 1 + (pos_weight - 1) t``.

    The optional ``weight`` and ``pos_weight`` (constants, after x and t) scale
    each element and the positive term; the result is reduced.
    """

    def __init__(self, reduction, weighted, pos_weighted):
        self.reduction, self.weighted, self.pos_weighted = reduction, weighted, pos_weighted
        self.saves = tuple(range(2 + weighted + pos_weighted))

    @np.errstate(all="ignore")
    def forward(self, x, t, *constants):
        weight = constants[0] if self.weighted else None
        pos_weight = constants[-1] if self.pos_weighted else None
        softplus_neg_x = array_module(x).logaddexp(x.dtype.type(0), -x)
        if pos_weight is not None:
            softplus_neg_x *= (pos_weight - 1) * t + 1
        losses = (1 - t) * x + softplus_neg_x
        if weight is not None:
            losses *= weight
        return _reduce(losses, self.reduction)

    def backward(self, gy):
        x, t, *constants = self.saved_tensors
        g = _upstream(gy, self.reduction, x.numel())
        if self.weighted:
            g = g * constants[0]
        gx = gt = None
        if self.pos_weighted:
            pos_weight = constants[-1]
            positive = pos_weight * t
            if self.needs_input_grad[0]:
                gx = g * ((positive + 1 - t) * x.sigmoid() - positive)
            if self.needs_input_grad[1]:
                gt = g * (logsigmoid(-x) - logsigmoid(x) * pos_weight)
        else:
            gx = g * (x.sigmoid() - t) if self.needs_input_grad[0] else None
            gt = -g * x if self.needs_input_grad[1] else None
        return (gx, gt) + (None,) * len(constants)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Sigmoid + binary cross-entropy in the stable form ``(1 - t) x + w_t softplus(-x)``.

    ``w_t = 1 + (pos_weight - 1) t`` weighs the positive term; ``pos_weight`` broadcasts over the last dim.
    """
    op_name = "binary_cross_entropy_with_logits"
    reduction = _reduction(size_average, reduce, reduction)
    if target.array.shape != input.array.shape:
        raise ValueError(f"{op_name}: Target size ({target.shape}) must be the same as input size ({input.shape})")
    _require_floating(input, op_name)
    if not is_floating(target.array.dtype):
        raise RuntimeError(f"{op_name}: result type {_type_name(input)} can't be cast to the desired output type "
                           f"{_type_name(target)} (the target must be floating point)")
    for constant in (weight, pos_weight):
        if constant is not None:
            _check_broadcast(input, constant, op_name)
    dtype = dtypes.result_type(input.array, target.array)
    constants = tuple(c.to(dtype) for c in (weight, pos_weight) if c is not None)
    op = BinaryCrossEntropyWithLogits(reduction, weight is not None, pos_weight is not None)
    loss = op(input.to(dtype), target.to(dtype), *constants)
    return loss.to(target.dtype)  # PyTorch's loss has the target's dtype


class TargetEntropyTerm(Function):
    """``xlogy(t, t) = t log t`` with 0 at t = 0 (NaN below 0), as PyTorch's kl_div computes it.

    Its gradient is PyTorch's two partials of xlogy summed: ``xlogy(gy, t)`` (0 where t = 0) and ``gy t / t``.
    """

    saves = (0,)

    @np.errstate(all="ignore")
    def forward(self, t):
        return array_module(t).where(t == 0, t.dtype.type(0), t * array_module(t).log(t))

    def backward(self, gy):
        (t,) = self.saved_tensors
        by_first = (gy * t.log()).masked_fill(((gy == 0) & ~t.isnan()) | (t == 0), 0)  # xlogy(0, y) = 0
        return by_first + gy * t / t

    def name(self):
        return "XlogyBackward0"


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
    if not is_floating(input.array.dtype) or not is_floating(target.array.dtype):
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = TargetEntropyTerm()(target) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.array.shape[0] if input.array.ndim else loss.sum()
    return _reduce(loss, reduction)
