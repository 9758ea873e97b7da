"""``torch.autograd.graph``: the recorded graph's public pieces, for tools and optimizers.

``Node`` is the base of every graph node (``grad_fn`` objects and the
``AccumulateGrad`` nodes behind leaves); ``increment_version`` marks a tensor
changed in place by code that writes its array directly (a fused optimizer
kernel), so saved-tensor checks see the change; ``observe`` / ``Observer`` are
the engine's hook point: an observer hears of every node a backward pass runs.
"""
from ..engine import Observer, observe
from ..function import AccumulateGrad, Node


def increment_version(tensor):
    """Bump ``tensor``'s version counter (shared with its views), as an in-place op does."""
    tensor._version_counter[0] += 1


__all__ = ["Node", "AccumulateGrad", "increment_version", "observe", "Observer"]
