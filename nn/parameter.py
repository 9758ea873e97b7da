"""Parameter: a Tensor that a Module registers as learnable when assigned as an attribute."""
import numpy as np

from autograd_core import dtypes
from autograd_core.device import device as Device
from autograd_core.tensor import Tensor, to_array

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and shares the array it is built from.

    ``Parameter(t)`` wraps ``t.array`` (or an ndarray) without copying, so writes
    through either are seen by both (as ``torch.nn.Parameter`` shares storage). Ops on a
    Parameter give plain Tensors; ``p.grad.array`` is an ndarray.
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            array = np.empty((0,), dtype=dtypes.get_default_dtype().numpy)
        elif isinstance(data, Tensor):
            array = data.array
        elif isinstance(data, np.ndarray) and data.dtype in dtypes._BY_NUMPY:
            array = data  # wrapped without copying, as Tensor(ndarray) is
        else:
            array = to_array(data)
        if requires_grad and array.dtype.kind != "f":
            raise RuntimeError(f"Parameter: only floating point tensors can require gradients, got dtype "
                               f"{dtypes.from_numpy_dtype(array.dtype)} (convert with .float(), or pass "
                               "requires_grad=False)")
        super().__init__(array)
        self._requires_grad = bool(requires_grad)
        if isinstance(data, Tensor):
            self._version_counter = data._version_counter  # same storage, same version counter

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def _empty_parameter(shape, device=None, dtype=None):
    """An uninitialised Parameter for a layer's ``__init__``; ``device``/``dtype`` as PyTorch's factory kwargs."""
    if device is not None:
        Device(device).check_available()
    np_dtype = (dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()).numpy
    return Parameter(np.empty(shape, dtype=np_dtype))
