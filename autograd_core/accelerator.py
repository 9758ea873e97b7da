"""``torch.accelerator``: the device-agnostic accelerator API, answered for this CPU-only build.

No accelerator is compiled in, so ``is_available()`` is False,
``current_accelerator()`` None and ``device_count()`` 0, and every call that
needs an accelerator device raises PyTorch's error for that case. Tutorial code
such as ``current_accelerator().type if is_available() else "cpu"`` picks the CPU.
"""
from .device import no_accelerator

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index", "set_device_index",
           "device_index", "synchronize", "empty_cache", "memory_allocated", "max_memory_allocated",
           "memory_reserved", "max_memory_reserved", "memory_stats", "reset_peak_memory_stats",
           "reset_accumulated_memory_stats", "get_memory_info"]


def is_available():
    """Whether an accelerator is present and usable: never in this build."""
    return False


def current_accelerator(check_available=False):
    """The accelerator's device type compiled in (None here, whatever ``check_available`` says)."""
    return None


def device_count():
    """How many accelerator devices are usable: 0."""
    return 0


def current_device_index():
    raise no_accelerator()


def set_device_index(device, /):
    if device is None:
        raise ValueError(f"Expected a torch.device with a specified index or an integer, but got:{device}")
    raise no_accelerator()


class device_index:
    """Context manager that switches the accelerator's current device; ``None`` switches nothing."""

    def __init__(self, device, /):
        self.idx = device

    def __enter__(self):
        if self.idx is not None:
            raise no_accelerator()

    def __exit__(self, *exc_info):
        return None


def _needs_device(name):
    """A function of ``torch.accelerator`` that only works on an accelerator device."""
    def call(device_index=None, /):
        raise no_accelerator()
    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"``torch.accelerator.{name}``: raises, as no accelerator device exists in this build."
    return call


synchronize = _needs_device("synchronize")
memory_allocated = _needs_device("memory_allocated")
max_memory_allocated = _needs_device("max_memory_allocated")
memory_reserved = _needs_device("memory_reserved")
max_memory_reserved = _needs_device("max_memory_reserved")
memory_stats = _needs_device("memory_stats")
reset_peak_memory_stats = _needs_device("reset_peak_memory_stats")
reset_accumulated_memory_stats = _needs_device("reset_accumulated_memory_stats")
get_memory_info = _needs_device("get_memory_info")


def empty_cache():
    raise no_accelerator()
