"""Flatten parameters into one vector and write a vector back into them."""
import numpy as np

from autograd_core.ops.shape import cat
from autograd_core.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated (differentiable)."""
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D ``vec`` into each parameter's array, in order."""
    if not isinstance(vec, Tensor) or vec.array.ndim != 1:
        raise TypeError(f"vector_to_parameters: expected a 1-D Tensor, got "
                        f"{type(vec).__name__ if not isinstance(vec, Tensor) else tuple(vec.shape)}")
    parameters = list(parameters)
    needed = sum(p.array.size for p in parameters)
    if vec.array.size != needed:
        raise RuntimeError(f"vector_to_parameters: vector has {vec.array.size} elements but the parameters "
                           f"hold {needed}")
    offset = 0
    for p in parameters:
        size = p.array.size
        np.copyto(p.array, vec.array[offset:offset + size].reshape(p.array.shape), casting="same_kind")
        p._version_counter[0] += 1
        offset += size
