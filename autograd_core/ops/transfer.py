"""Moving a tensor between devices (``to("cuda")``, ``cpu()``), differentiably: the gradient moves back; pinned
host memory (``pin_memory()``)."""
from .. import arrays
from ..arrays import device_of, to_device
from ..device import as_device, no_accelerator
from ..function import Function
from ..tensor import _new
from ._registry import tensor_method


class ToDevice(Function):
    """A copy of ``x`` on ``target``; its backward copies the gradient to the source device."""

    def __init__(self, target):
        self.target = target

    def forward(self, x):
        self.source = device_of(x)
        return to_device(x, self.target)

    def backward(self, gy):
        return ToDevice(self.source)(gy)

    def name(self):
        return "ToCopyBackward0"


def to_device_tensor(x, spec, copy=False):
    """``x`` on the device ``spec`` names (itself when already there, unless ``copy``)."""
    target = as_device(spec)
    here = device_of(x.array)
    if here == target or (target.index is None and here.type == target.type):
        return x.clone() if copy else x
    return ToDevice(target)(x)


@tensor_method()
def pin_memory(self, device=None):
    """A copy of this CPU tensor in page-locked host memory, from which copies to the GPU run asynchronously."""
    backend = arrays.device_backend("cuda")
    if backend is None:
        raise no_accelerator()
    if self.is_cuda:
        raise RuntimeError(f"cannot pin '{self.type()}' only dense CPU tensors can be pinned (it is on {self.device})")
    return _new(arrays.from_numpy(backend.pinned_copy(arrays.to_numpy(self.array))))


@tensor_method()
def is_pinned(self, device=None):
    """Whether this tensor's memory is page-locked host memory (made by ``pin_memory``)."""
    backend = arrays.device_backend("cuda")
    return backend is not None and not self.is_cuda and backend.holds_pinned(arrays.to_numpy(self.array))
