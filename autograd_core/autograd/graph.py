"""``torch.autograd.graph``: the recorded graph's public pieces, for tools and optimizers.

``Node`` is the base of every graph node (``grad_fn`` objects and the
``AccumulateGrad`` nodes behind leaves); ``increment_version`` marks a tensor
changed in place by code that writes its array directly (a fused optimizer
kernel), so saved-tensor checks see the change; ``observe`` / ``Observer`` are
the engine's hook point: an observer hears of every node a backward pass runs.
"""
import collections

from ..engine import Observer, observe
from ..function import AccumulateGrad, Node, edge_of
from ..tensor import Tensor

GradientEdge = collections.namedtuple("GradientEdge", ["node", "output_nr"])
GradientEdge.__doc__ = "Where the gradient of a tensor enters the graph: ``node``'s output ``output_nr``."


def get_gradient_edge(tensor):
    """The ``GradientEdge`` of ``tensor``: its ``grad_fn`` and output index, or its leaf's AccumulateGrad."""
    if not tensor.requires_grad:
        raise RuntimeError("It is not possible to get the gradient edge for a Tensor that does not require gradients")
    return GradientEdge(*edge_of(tensor))


def increment_version(tensor):
    """Bump the version counter of ``tensor`` (or of each tensor of an iterable), as an in-place op does.

    Views share their base's counter, so the change is seen through all of them.
    """
    tensors = (tensor,) if isinstance(tensor, Tensor) else _tensors_of(tensor)
    for t in tensors:
        t._version_counter[0] += 1


def _tensors_of(iterable):
    try:
        tensors = tuple(iterable)
    except TypeError:
        raise RuntimeError(f"increment_version: expected a Tensor or an iterable of Tensors, got "
                           f"{type(iterable).__name__}") from None
    for t in tensors:
        if not isinstance(t, Tensor):
            raise RuntimeError(f"increment_version: expected each element of the iterable to be a Tensor, got "
                               f"{type(t).__name__}")
    return tensors


__all__ = ["Node", "AccumulateGrad", "GradientEdge", "get_gradient_edge", "increment_version", "observe", "Observer"]
