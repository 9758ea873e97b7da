"""``torch.accelerator``: the device-agnostic accelerator API, answered by ``autograd_core.cuda``.

The accelerator is CUDA when CuPy sees a GPU (``cuda.is_available()``); then
these functions are ``torch.cuda``'s. Without one ``is_available()`` is False,
``current_accelerator()`` None and ``device_count()`` 0, and every call that
needs an accelerator device raises PyTorch's error for that case. Tutorial code
such as ``current_accelerator().type if is_available() else "cpu"`` picks the CPU.
"""
from . import cuda
from .device import device as _device
from .device import no_accelerator

__all__ = [
    "current_accelerator",
    "current_device_index",
    "device_count",
    "device_index",
    "empty_cache",
    "get_memory_info",
    "is_available",
    "max_memory_allocated",
    "max_memory_reserved",
    "memory_allocated",
    "memory_reserved",
    "memory_stats",
    "reset_accumulated_memory_stats",
    "reset_peak_memory_stats",
    "set_device_index",
    "synchronize",
]


def is_available():
    """Whether an accelerator (a CUDA device of the CuPy backend) is present and usable."""
    return cuda.is_available()


def current_accelerator(check_available=False):
    """The accelerator's device type (``device("cuda")``), or None without one."""
    return _device("cuda") if cuda.is_available() else None


def device_count():
    """How many accelerator devices are usable."""
    return cuda.device_count()


def _required():
    if not cuda.is_available():
        raise no_accelerator()


def current_device_index():
    _required()
    return cuda.current_device()


def set_device_index(device, /):
    if device is None:
        raise ValueError(f"Expected a torch.device with a specified index or an integer, but got:{device}")
    _required()
    cuda.set_device(device)


class device_index:
    """Context manager that switches the accelerator's current device; ``None`` switches nothing."""

    def __init__(self, device, /):
        self.idx, self.previous = device, None

    def __enter__(self):
        if self.idx is not None:
            self.previous = current_device_index()
            set_device_index(self.idx)

    def __exit__(self, *exc_info):
        if self.previous is not None:
            set_device_index(self.previous)


def _of_cuda(name, run=None):
    """``torch.accelerator.<name>``: ``run(device_index)`` (``torch.cuda``'s function) on an accelerator, else
    PyTorch's error."""
    def call(device_index=None, /):
        _required()
        if run is None:
            raise NotImplementedError(f"torch.accelerator.{name}: not provided by the CuPy backend")
        return run(device_index)
    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"``torch.accelerator.{name}``: ``torch.cuda``'s, on an accelerator device."
    return call


synchronize = _of_cuda("synchronize", cuda.synchronize)
memory_allocated = _of_cuda("memory_allocated", cuda.memory_allocated)
max_memory_allocated = _of_cuda("max_memory_allocated", cuda.max_memory_allocated)
reset_peak_memory_stats = _of_cuda("reset_peak_memory_stats", cuda.reset_peak_memory_stats)
memory_reserved = _of_cuda("memory_reserved")
max_memory_reserved = _of_cuda("max_memory_reserved")
memory_stats = _of_cuda("memory_stats")
reset_accumulated_memory_stats = _of_cuda("reset_accumulated_memory_stats")
get_memory_info = _of_cuda("get_memory_info")


def empty_cache():
    _required()
    cuda.empty_cache()
