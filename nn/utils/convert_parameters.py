"""Flatten parameters into one vector and write a vector back into them."""
import autograd_core
from autograd_core import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated (differentiable)."""
    return autograd_core.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Make each parameter, in order, hold the next slice of the 1-D ``vec`` (a view of it, as in PyTorch)."""
    if not isinstance(vec, Tensor) or vec.dim() != 1:
        raise TypeError(f"vector_to_parameters: expected a 1-D Tensor, got "
                        f"{type(vec).__name__ if not isinstance(vec, Tensor) else tuple(vec.shape)}")
    parameters = list(parameters)
    needed = sum(p.numel() for p in parameters)
    if vec.numel() != needed:
        raise RuntimeError(f"vector_to_parameters: vector has {vec.numel()} elements but the parameters "
                           f"hold {needed}")
    offset = 0
    for p in parameters:
        size = p.numel()
        p.data = vec[offset:offset + size].view_as(p).data
        offset += size
