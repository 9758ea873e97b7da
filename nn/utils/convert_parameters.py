"""Flatten parameters into one vector and write a vector back into them."""
import autograd_core
from autograd_core import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _same_device(parameters):
    """The parameters, checked to share one device (as PyTorch requires), one at a time."""
    device = None
    for p in parameters:
        if device is not None and p.device != device:
            raise TypeError("Found two parameters on different devices, this is currently not supported.")
        device = p.device
        yield p


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated, in order (differentiable)."""
    return autograd_core.cat([p.reshape(-1) for p in _same_device(parameters)])


def vector_to_parameters(vec, parameters):
    """Make each parameter, in order, hold the next slice of ``vec`` (a view of it, as in PyTorch).

    Elements of ``vec`` beyond the parameters' total are left unused, as in PyTorch.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__module__}.{type(vec).__name__}")
    parameters = list(_same_device(parameters))
    flat, offset = vec.reshape(-1), 0
    needed = sum(p.numel() for p in parameters)
    if flat.numel() < needed:
        raise RuntimeError(f"vector_to_parameters: vector has {flat.numel()} elements but the parameters hold "
                           f"{needed}")
    for p in parameters:
        size = p.numel()
        p.data = flat[offset:offset + size].view_as(p).data
        offset += size
