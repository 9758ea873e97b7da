"""Dropout: zero random elements (or whole channels) in training and rescale the rest by 1 / (1 - p)."""
import warnings

import numpy as np

from autograd_core.random import default_generator
from autograd_core.tensor import _new

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d"]


def _check_p(p, op):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")


def _masked(input, mask_shape, p, inplace):
    """``input * mask`` with a Bernoulli(1 - p) mask of ``mask_shape`` (broadcast), scaled by 1 / (1 - p)."""
    dtype = input.array.dtype
    keep = default_generator.rng.random(mask_shape, dtype=np.float32) >= p
    mask = _new(keep * dtype.type(1 / (1 - p)) if p < 1 else np.zeros(mask_shape, dtype))
    return input.mul_(mask) if inplace else input * mask


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` (in training); the others are scaled by 1 / (1 - p)."""
    _check_p(p, "dropout")
    if not training or p == 0:
        return input
    return _masked(input, input.array.shape, p, inplace)


def _feature_dropout(input, p, training, inplace, spatial_dims, op):
    """Zero whole channels: the mask has shape (N, C, 1, ...) for input (N, C, *spatial), or (C, 1, ...) unbatched."""
    _check_p(p, op)
    ndim = input.array.ndim
    if ndim not in (spatial_dims + 1, spatial_dims + 2):
        raise RuntimeError(f"{op}: expected a {spatial_dims + 1}D (unbatched) or {spatial_dims + 2}D (batched) input, "
                           f"got shape {tuple(input.shape)}")
    if not training or p == 0:
        return input
    channels = 2 if ndim == spatial_dims + 2 else 1
    mask_shape = input.array.shape[:channels] + (1,) * (ndim - channels)
    return _masked(input, mask_shape, p, inplace)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Channel dropout for (N, C, L) or (C, L) inputs."""
    return _feature_dropout(input, p, training, inplace, 1, "dropout1d")


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Channel dropout for (N, C, H, W) or (C, H, W) inputs.

    A 3-D input is taken as (N, C, L), with PyTorch's warning, for backward compatibility.
    """
    if input.array.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a "
                      "batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.", stacklevel=2)
        return _feature_dropout(input, p, training, inplace, 1, "dropout2d")
    return _feature_dropout(input, p, training, inplace, 2, "dropout2d")


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Channel dropout for (N, C, D, H, W) or (C, D, H, W) inputs."""
    return _feature_dropout(input, p, training, inplace, 3, "dropout3d")
