"""Dropout: zero random elements (or whole channels) in training and rescale the rest, as ATen does.

Plain and feature (channel) dropout scale what they keep by 1 / (1 - p); alpha
dropout keeps the mean and variance of a SELU network's activations instead.
The rank rules (and the warnings for the ranks PyTorch still accepts) are PyTorch's,
and so are the masks: the same seed draws the same mask (see ``_noise``).
"""
import math
import warnings

import autograd_core
from autograd_core import as_tensor

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]

_SELU_ALPHA_PRIME = 1.7580993408473766  # -SELU's scale * alpha: the value a dropped unit takes before rescaling


def _check_p(p, op):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")


def _feature_mask_shape(input, batch_dims):
    """Feature dropout's mask shape (N, C, 1, ...) (``batch_dims`` 2: whole channels).

    ``batch_dims`` 1 is an unbatched (C, ...) input changed in place, the mask of a batch of one.
    """
    shape = tuple(input.shape)
    if len(shape) < batch_dims:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return shape[:batch_dims] + (1,) * (len(shape) - batch_dims)


def _memory_order(array):
    """The dims of ``array`` from outermost to innermost in memory where it is dense without overlaps, else in
    order: the order in which PyTorch fills ``empty_like(array)``, which keeps such strides."""
    order = sorted(range(array.ndim), key=lambda d: -array.strides[d])
    expected = array.itemsize
    for d in reversed(order):
        if array.shape[d] != 1 and array.strides[d] != expected:
            return list(range(array.ndim))
        expected *= array.shape[d]
    return order


def _noise(input, batch_dims, p):
    """PyTorch's Bernoulli(1 - p) draws of the mask, as an array (same seed, same mask): into
    ``empty_like(input)``, filled in memory order, or for feature dropout into a contiguous (N, C, 1, ...)."""
    if batch_dims is not None:
        return autograd_core.empty(_feature_mask_shape(input, batch_dims), dtype=input.dtype,
                                   device=input.device).bernoulli_(1 - p).array
    order = _memory_order(input.array)
    noise = autograd_core.empty([input.shape[d] for d in order], dtype=input.dtype,
                                device=input.device).bernoulli_(1 - p)
    return noise.permute(*sorted(range(len(order)), key=order.__getitem__)).array


def _scaled_noise(input, batch_dims, p):
    """What plain and feature dropout multiply ``input`` by: the Bernoulli(1 - p) noise divided by 1 - p, as
    ATen computes it, or a 0-d zero for p = 1."""
    if p == 1:
        return autograd_core.zeros((), dtype=input.dtype)
    keep = _noise(input, batch_dims, p)
    return as_tensor(keep / keep.dtype.type(1 - p))


def _dropout(input, p, training, inplace, batch_dims, alpha=False):
    """ATen's dropout: ``input * keep / (1 - p)`` for a Bernoulli(1 - p) mask ``keep`` (see ``_noise``).

    Alpha dropout gives dropped elements SELU's negative saturation and then
    restores the mean and variance: ``input * keep * a + b``. The input itself
    comes back when nothing is dropped.
    """
    if input.numel() == 0 or not training or p == 0:  # numel first: a non-Tensor input fails even in eval
        return input
    if p == 1 or not alpha:
        mask = _scaled_noise(input, batch_dims, p)
        return input.mul_(mask) if inplace else input * mask
    keep = _noise(input, batch_dims, p)
    t = keep.dtype.type
    scale = 1 / math.sqrt((_SELU_ALPHA_PRIME ** 2 * p + 1) * (1 - p))
    mask = as_tensor(keep * t(scale))
    result = input.mul_(mask) if inplace else input * mask
    return result.add_(as_tensor((keep - t(1)) * t(_SELU_ALPHA_PRIME * scale) + t(_SELU_ALPHA_PRIME * scale * p)))


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` (in training); the others are scaled by 1 / (1 - p)."""
    _check_p(p, "dropout")
    return _dropout(input, p, training, inplace, None)


def _feature_dropout(input, p, training, inplace, batched):
    """Channel dropout of (N, C, ...); an unbatched input (C, ...) is a batch of one, as PyTorch treats it."""
    if batched:
        return _dropout(input, p, training, inplace, 2)
    if inplace:  # the batch of one's mask, without its batch dim
        return _dropout(input, p, training, True, 1)
    return _dropout(input.unsqueeze(0), p, training, False, 2).squeeze(0)


def _warn_deprecated_rank(op, ndim, spatial):
    warnings.warn(f"{op}: Received a {ndim}-D input to {op}, which is deprecated and will result in an error in a "
                  "future release. To retain the behavior and silence this warning, please use dropout instead. "
                  f"Note that {op} exists to provide channel-wise dropout on inputs with {spatial} spatial "
                  f"dimensions, a channel dimension, and an optional batch dimension (i.e. {spatial + 1}D or "
                  f"{spatial + 2}D inputs).", stacklevel=3)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Channel dropout for (N, C, L) or unbatched (C, L) inputs."""
    _check_p(p, "dropout1d")
    ndim = input.dim()
    if ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {ndim}D input. Note that dropout1d "
                           "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
                           "dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _feature_dropout(input, p, training, inplace, batched=ndim == 3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Channel dropout for (N, C, H, W) inputs.

    As in PyTorch, other ranks are accepted with a warning and treated as
    (N, C, ...): a 3-D input is (N, C, L) (1-D channel dropout, not an
    unbatched image) and a 2-D one (N, C), where every element is a channel.
    """
    _check_p(p, "dropout2d")
    ndim = input.dim()
    if ndim not in (3, 4):
        _warn_deprecated_rank("dropout2d", ndim, 2)
    if ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a "
                      "batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace, batched=True)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Channel dropout for (N, C, D, H, W) or unbatched (C, D, H, W) inputs.

    As in PyTorch, other ranks are accepted with a warning and treated as unbatched (C, ...).
    """
    _check_p(p, "dropout3d")
    ndim = input.dim()
    if ndim not in (4, 5):
        _warn_deprecated_rank("dropout3d", ndim, 3)
    return _feature_dropout(input, p, training, inplace, batched=ndim == 5)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: dropped elements take SELU's saturation value, and an affine map keeps the
    input's mean and variance."""
    _check_p(p, "alpha_dropout")
    return _dropout(input, p, training, inplace, None, alpha=True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels of (N, C, ...)."""
    _check_p(p, "feature_alpha_dropout")
    return _dropout(input, p, training, inplace, 2, alpha=True)
