"""``torch.cuda``: the CUDA devices of the CuPy array backend (``pip install autograd_core[cuda]``).

Everything asks the array seam for the "cuda" backend (``arrays.device_backend``),
which imports CuPy on first use only. Without CuPy or a GPU ``is_available()``
is False, ``device_count()`` 0, and calls that need a device raise PyTorch's
"Torch not compiled with CUDA enabled". Random tensors made with
``device="cuda"`` are drawn from torch's (host) generator and copied, so
``torch.manual_seed`` repeats them; ``manual_seed``/``manual_seed_all`` here
seed CuPy's device generator as well.
"""
from .. import arrays
from ..device import device as _device
from ..device import no_cuda

__all__ = [
    "current_device",
    "device_count",
    "empty_cache",
    "get_device_name",
    "is_available",
    "is_initialized",
    "manual_seed",
    "manual_seed_all",
    "max_memory_allocated",
    "memory_allocated",
    "reset_peak_memory_stats",
    "set_device",
    "synchronize",
]


def _required():
    backend = arrays.device_backend("cuda")
    if backend is None:
        raise no_cuda()
    return backend


def _index(device):
    """The device index ``device`` (None, an int, "cuda:1" or a ``device``) names, checked."""
    backend = _required()
    if device is None:
        return backend.current_device()
    index = device if isinstance(device, int) else _device(device).index
    if index is None:
        return backend.current_device()
    _device("cuda", index).check_available()
    return index


def is_available():
    """Whether CuPy imports and sees at least one GPU (or a simulated device is registered)."""
    return arrays.device_backend("cuda") is not None


def is_initialized():
    return arrays.device_backend("cuda", load=False) is not None


def device_count():
    backend = arrays.device_backend("cuda")
    return 0 if backend is None else backend.device_count()


def current_device():
    return _required().current_device()


def set_device(device):
    _required().set_device(_index(device))


def synchronize(device=None):
    """Wait until every kernel queued on ``device`` (the current one by default) has finished."""
    _required().synchronize(_index(device))


def manual_seed(seed):
    """Seed the current device's generator (a no-op without CUDA, as PyTorch's lazy seeding)."""
    if is_available():
        _required().manual_seed(int(seed), _index(None))


def manual_seed_all(seed):
    if is_available():
        backend = _required()
        for index in range(backend.device_count()):
            backend.manual_seed(int(seed), index)


def get_device_name(device=None):
    return _required().device_name(_index(device))


def memory_allocated(device=None):
    """Bytes held by live tensors' arrays on ``device`` (CuPy's memory pool: used bytes)."""
    return _required().memory_allocated(_index(device))


def max_memory_allocated(device=None):
    """The peak of :func:`memory_allocated` since start or :func:`reset_peak_memory_stats`."""
    return _required().max_memory_allocated(_index(device))


def reset_peak_memory_stats(device=None):
    _required().reset_peak(_index(device))


def empty_cache():
    """Return the memory pool's unused blocks to the driver (no-op without CUDA, as PyTorch)."""
    if is_available():
        _required().empty_cache()
