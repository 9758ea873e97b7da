"""The connectionist temporal classification loss (``ctc_loss``), with PyTorch's arguments, checks and gradient.

The forward-backward recursions over the blank-extended target ``l'`` (blank,
l1, blank, l2, ..., blank) run in log space in compiled loops, one sample at a
time: the numpy backend's "ctc" kernel family (Numba), registered through the
array seam, so another backend can bring its own. The gradient with respect to
``log_probs`` is PyTorch's: ``exp(log_probs) - exp(log(sum alpha beta) + nll -
log_probs)`` (Graves, eq. 16), which assumes log-softmax inputs, as PyTorch's
does; it cannot be differentiated a second time, as in PyTorch.

A target that no path of the given input length can emit (longer than the
input, say) has an infinite loss, as in PyTorch; ``zero_infinity`` turns those
losses and their gradients into zeros.
"""
import math
from types import SimpleNamespace

import numpy as np

import autograd_core
from autograd_core import Tensor, as_tensor
from autograd_core.arrays import add_kernels, array_module, as_array, kernels
from autograd_core.autograd import Function, once_differentiable

from ._loss import _reduction

__all__ = ["ctc_loss"]


def _numba_kernels():
    """The numpy backend's CTC kernel family: ``loss``, compiled by Numba on first use."""
    from numba import njit
    return SimpleNamespace(loss=njit(cache=True)(_ctc_loss_kernel))


def _ctc_loss_kernel(log_probs, targets, input_lengths, target_lengths, blank, zero_infinity, grad):
    """Per-sample negative log-likelihoods of (T, N, C) ``log_probs`` for (N, S) ``targets``.

    When ``grad`` is a (T, N, C) array it receives d nll[n] / d log_probs[t, n, c]
    as PyTorch computes it (0 past each input's length, and for infinite losses
    with ``zero_infinity``); an empty ``grad`` skips the backward recursion.
    """
    def log_add(a, b):
        if a == -np.inf:
            return b
        if b == -np.inf:
            return a
        return max(a, b) + math.log1p(math.exp(-abs(a - b)))

    def label(n, s):
        return blank if s % 2 == 0 else targets[n, s // 2]

    steps, batch, classes = log_probs.shape
    nll = np.empty(batch, dtype=log_probs.dtype)
    log_alpha = np.empty((steps, 2 * targets.shape[1] + 1), dtype=log_probs.dtype)
    log_beta = np.empty((2, log_alpha.shape[1]), dtype=log_probs.dtype)
    both = np.empty(classes, dtype=log_probs.dtype)
    for n in range(batch):
        length, extended = input_lengths[n], 2 * target_lengths[n] + 1
        if length == 0:
            nll[n] = 0.0 if target_lengths[n] == 0 else np.inf
            continue
        log_alpha[:length, :extended] = -np.inf
        log_alpha[0, 0] = log_probs[0, n, blank]
        if extended > 1:
            log_alpha[0, 1] = log_probs[0, n, label(n, 1)]
        for t in range(1, length):
            for s in range(extended):
                c = label(n, s)
                total = log_alpha[t - 1, s]
                if s > 0:
                    total = log_add(total, log_alpha[t - 1, s - 1])
                if s > 1 and c != blank and c != label(n, s - 2):
                    total = log_add(total, log_alpha[t - 1, s - 2])
                if total != -np.inf:
                    log_alpha[t, s] = total + log_probs[t, n, c]
        end = log_alpha[length - 1, extended - 1]
        if extended > 1:
            end = log_add(end, log_alpha[length - 1, extended - 2])
        nll[n] = -end
        if grad.size == 0 or (zero_infinity and nll[n] == np.inf):
            continue
        for t in range(length - 1, -1, -1):  # beta (emissions included, as alpha), row t % 2; then eq. 16
            here, later = log_beta[t % 2], log_beta[(t + 1) % 2]
            for s in range(extended):
                c = label(n, s)
                if t == length - 1:
                    total = 0.0 if s >= extended - 2 else -np.inf
                else:
                    total = later[s]
                    if s < extended - 1:
                        total = log_add(total, later[s + 1])
                    if s < extended - 2 and c != blank and c != label(n, s + 2):
                        total = log_add(total, later[s + 2])
                here[s] = total + log_probs[t, n, c] if total != -np.inf else -np.inf
            both[:] = -np.inf
            for s in range(extended):
                c = label(n, s)
                both[c] = log_add(both[c], log_alpha[t, s] + here[s])
            for c in range(classes):
                lp = log_probs[t, n, c]
                grad[t, n, c] = math.exp(lp) - math.exp(both[c] + nll[n] - lp)
    return nll


add_kernels("ctc", _numba_kernels)


class CtcLoss(Function):
    """Per-sample CTC negative log-likelihoods of (T, N, C) log-probabilities; the other inputs are the padded
    (N, S) targets and the input and target lengths (int64 constants).

    The gradient is computed with the loss (``with_grad``), by the same kernel, and saved for backward.
    """

    def __init__(self, blank, zero_infinity, with_grad):
        self.blank, self.zero_infinity, self.with_grad = blank, zero_infinity, with_grad

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        xp = array_module(log_probs)
        grad = xp.zeros(log_probs.shape if self.with_grad else (0, 0, 0), dtype=log_probs.dtype)
        nll = kernels("ctc", log_probs).loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                                             self.zero_infinity, grad)
        self.save_for_backward(grad)
        return nll

    @once_differentiable
    def backward(self, gy):
        (grad,) = self.saved_tensors
        return gy.unsqueeze(-1) * as_tensor(grad), None, None, None


def _lengths(lengths, batch, name, like):
    """Input or target lengths (a tensor, a sequence or a number) as an int64 array of ``batch`` entries."""
    values = lengths.array if isinstance(lengths, Tensor) else as_array(np.asarray(lengths, dtype=np.int64),
                                                                        like=like)
    values = values.astype(np.int64).reshape(-1)
    if values.shape[0] != batch:
        raise RuntimeError(f"ctc_loss: {name} must be of size batch_size ({batch}), got {values.shape[0]} values")
    return values


def _check_range(values, low, high, name):
    if values.size and int(values.min()) < low:
        raise RuntimeError(f"ctc_loss: Expected {name} to have value at least {low}, but got value "
                           f"{int(values.min())}")
    if values.size and int(values.max()) > high:
        raise RuntimeError(f"ctc_loss: Expected {name} to have value at most {high}, but got value "
                           f"{int(values.max())}")


def _padded_targets(targets, target_lengths, batch):
    """The targets as an (N, S) int64 array: padded rows as given, or cut from the concatenated 1-D form."""
    labels = targets.array.astype(np.int64)
    total = int(target_lengths.sum()) if target_lengths.size else 0
    if labels.ndim == 2 and labels.shape[0] == batch:
        _check_range(target_lengths, 0, labels.shape[1], "target_lengths")
        return labels
    if labels.ndim != 1:
        raise RuntimeError(f"ctc_loss: targets must be (N, S) padded or 1-D concatenated for a batch of {batch}, "
                           f"got shape {tuple(targets.shape)}")
    _check_range(target_lengths, 0, total, "target_lengths")
    if labels.shape[0] != total:
        raise RuntimeError(f"ctc_loss: concatenated targets hold {labels.shape[0]} labels but target_lengths sum "
                           f"to {total}")
    xp = array_module(labels)
    width = int(target_lengths.max()) if batch else 0
    starts = xp.cumsum(target_lengths) - target_lengths
    index = starts[:, None] + xp.arange(width)
    return labels[index.clip(0, max(total - 1, 0))] if total else xp.zeros((batch, width), dtype=np.int64)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """The CTC loss of log-probabilities (T, N, C) (or unbatched (T, C)) for targets (N, S) padded or 1-D
    concatenated (or (S,) unbatched).

    'mean' divides each loss by its target length (at least 1) before averaging over the batch.
    """
    reduction = _reduction(None, None, reduction)
    unbatched = log_probs.dim() == 2
    if unbatched:
        log_probs, targets = log_probs.unsqueeze(1), targets.unsqueeze(0)
    if log_probs.dim() != 3 or not log_probs.is_floating_point():
        raise RuntimeError(f"ctc_loss: expected floating-point log_probs of shape (T, N, C) or (T, C), got "
                           f"{log_probs.dtype} of shape {tuple(log_probs.shape)}")
    steps, batch, classes = log_probs.shape
    if not 0 <= blank < classes:
        raise RuntimeError(f"ctc_loss: blank must be in label range [0, {classes - 1}], got {blank}")
    input_lengths = _lengths(input_lengths, batch, "input_lengths", log_probs.array)
    target_lengths = _lengths(target_lengths, batch, "target_lengths", log_probs.array)
    _check_range(input_lengths, 0, steps, "input_lengths")
    padded = _padded_targets(targets, target_lengths, batch)
    with_grad = autograd_core.is_grad_enabled() and log_probs.requires_grad
    losses = CtcLoss(blank, zero_infinity, with_grad)(log_probs, as_tensor(padded), as_tensor(input_lengths),
                                                      as_tensor(target_lengths))
    if zero_infinity:
        losses = autograd_core.where(losses == math.inf, 0.0, losses)
    if unbatched:
        losses = losses.squeeze(0)
    if reduction == "sum":
        return losses.sum()
    if reduction == "mean":
        divisor = as_tensor(target_lengths.clip(1, None).astype(log_probs.array.dtype))
        return (losses / (divisor if not unbatched else divisor.squeeze(0))).mean()
    return losses
