"""``torch.autograd.graph``: the recorded graph's public pieces, for tools and optimizers.

``Node`` is the base of every graph node (``grad_fn`` objects and the
``AccumulateGrad`` nodes behind leaves); ``increment_version`` marks a tensor
changed in place by code that writes its array directly (a fused optimizer
kernel), so saved-tensor checks see the change; ``observe`` / ``Observer`` are
the engine's hook point: an observer hears of every node a backward pass runs.
``saved_tensors_hooks`` / ``save_on_cpu`` / ``disable_saved_tensors_hooks`` change
how a recorded node keeps what its backward reads.
"""
import collections
import contextlib

from ..arrays import backend_of, to_numpy
from ..engine import Observer, observe
from ..function import AccumulateGrad, Hooks, Node, edge_of
from ..tensor import Tensor, _new

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


class saved_tensors_hooks:
    """Inside the block, each tensor (or array) a recorded node saves for backward is stored as
    ``pack_hook(tensor)`` and read back as ``unpack_hook(packed)``, which must return a Tensor.

    The innermost block's hooks apply; values packed by a hook are not checked for in-place
    changes (the unpacked tensor is whatever the hook returns), as in PyTorch.
    """

    _disabled = None  # the error message of an open disable_saved_tensors_hooks block

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self):
        if saved_tensors_hooks._disabled is not None:
            raise RuntimeError(saved_tensors_hooks._disabled)
        Hooks.saved.append((self.pack_hook, self.unpack_hook))
        return self

    def __exit__(self, *exc):
        Hooks.saved.pop()


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors are kept as host numpy copies and moved back to their backend in backward.

    ``pin_memory`` and ``device_type`` are PyTorch's (accepted; host memory here is never pinned).
    """

    def __init__(self, pin_memory=False, device_type="cuda"):
        super().__init__(_copy_to_host, _copy_back)


def _copy_to_host(tensor):
    array = tensor.array
    return backend_of(array), to_numpy(array).copy()


def _copy_back(packed):
    backend, host = packed
    return _new(backend.from_numpy(host))


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message):
    """Inside the block, opening a ``saved_tensors_hooks`` raises ``RuntimeError(error_message)``."""
    previous, saved_tensors_hooks._disabled = saved_tensors_hooks._disabled, error_message
    try:
        yield
    finally:
        saved_tensors_hooks._disabled = previous


__all__ = ["Node", "AccumulateGrad", "GradientEdge", "get_gradient_edge", "increment_version", "observe", "Observer",
           "saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks"]
