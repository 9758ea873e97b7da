"""Parameter: a Tensor that a Module registers as learnable when assigned as an attribute."""
import autograd_core
from autograd_core import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and shares the storage it is built from.

    ``Parameter(t)`` shares ``t``'s array and version counter (as ``torch.nn.Parameter``
    shares storage), so writes through either are seen by both; an ndarray is
    wrapped without copying. Ops on a Parameter give plain Tensors.
    """

    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = autograd_core.empty(0)
        elif not isinstance(data, Tensor):
            data = autograd_core.as_tensor(data)
        param = data.detach()  # the same array and version counter, no graph (PyTorch's _make_subclass)
        param.__class__ = cls
        param.requires_grad = requires_grad  # refuses integer dtypes with PyTorch's error
        return param

    def __init__(self, data=None, requires_grad=True):
        """Everything is set up by ``__new__`` (``Tensor.__init__`` would make a new array)."""

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def _empty_parameter(shape, device=None, dtype=None):
    """An uninitialised Parameter for a layer's ``__init__``; ``device``/``dtype`` as PyTorch's factory kwargs."""
    return Parameter(autograd_core.empty(shape, device=device, dtype=dtype))
