"""The CuPy array backend: CUDA tensors' arrays are ``cupy.ndarray``, their device ``cuda:<array.device.id>``.

``load()`` runs on the first use of "cuda" (``arrays.device_backend``): it
imports CuPy and counts the GPUs, and gives None when either is missing. Math
goes through the ``cupy`` module as ``xp`` (elementwise ops and reductions as
CuPy's kernels, matmul as cuBLAS); the kernel families are the device ones
below, written on ``xp`` so that the tests' simulated device runs the same code.
"""
import contextlib
import functools
import importlib

from ..arrays import ArrayBackend

# family -> module of the device kernels shared by every CUDA backend (CuPy's and the tests' simulated one);
# "recurrent" has none: nn.functional's per-step GEMM loops on xp serve it
DEVICE_FAMILIES = {"conv": "autograd_core.cuda.conv", "pool": "autograd_core.cuda.pool"}


def add_device_kernels(backend):
    """Give ``backend`` the device kernel families (the "optim" family comes from ``optim`` when it loads)."""
    for family, module in DEVICE_FAMILIES.items():
        backend.add_kernels(family, functools.partial(importlib.import_module, module))


class CupyBackend(ArrayBackend):
    """CuPy's arrays on the machine's GPUs, with what ``autograd_core.cuda`` asks of a device backend."""

    device_type = "cuda"

    def __init__(self, cupy):
        super().__init__("cupy", cupy, cupy.ndarray, to_numpy=cupy.asnumpy, from_numpy=cupy.asarray)
        self._cupy, self._peaks, self._hook = cupy, {}, None
        add_device_kernels(self)
        self.add_kernels("special", functools.partial(importlib.import_module, "cupyx.scipy.special"))

    def index_of(self, array):
        return array.device.id

    def on(self, index):
        return contextlib.nullcontext() if index is None else self._cupy.cuda.Device(index)

    def device_count(self):
        return self._cupy.cuda.runtime.getDeviceCount()

    def current_device(self):
        return self._cupy.cuda.runtime.getDevice()

    def set_device(self, index):
        self._cupy.cuda.runtime.setDevice(index)

    def synchronize(self, index):
        self._cupy.cuda.Device(index).synchronize()

    def manual_seed(self, seed, index):
        with self.on(index):
            self._cupy.random.seed(seed)

    def device_name(self, index):
        return self._cupy.cuda.runtime.getDeviceProperties(index)["name"].decode()

    def memory_allocated(self, index):
        with self.on(index):
            return self._cupy.get_default_memory_pool().used_bytes()

    def max_memory_allocated(self, index):
        """The peak since the first call here or ``reset_peak`` (a memory hook watches allocations from then)."""
        self._watch_peaks()
        return max(self._peaks.get(index, 0), self.memory_allocated(index))

    def reset_peak(self, index):
        self._watch_peaks()
        self._peaks[index] = self.memory_allocated(index)

    def empty_cache(self):
        self._cupy.get_default_memory_pool().free_all_blocks()

    def pinned_copy(self, host):
        """A copy of the host array ``host`` in page-locked memory (fast, asynchronous host-to-device copies)."""
        import cupyx
        out = cupyx.empty_pinned(host.shape, host.dtype)
        out[...] = host
        return out

    def holds_pinned(self, host):
        return based_on(host, self._cupy.cuda.PinnedMemoryPointer)

    def _watch_peaks(self):
        if self._hook is None:
            self._hook = _peak_hook(self._cupy, self._peaks, self.memory_allocated)
            self._hook.__enter__()  # installed for good (CuPy's hooks are context managers)


def based_on(host, kind):
    """Whether the numpy array ``host`` views memory owned by an object of type ``kind`` (through its bases)."""
    owner = host
    while owner is not None:
        if isinstance(owner, kind):
            return True
        owner = owner.obj if isinstance(owner, memoryview) else getattr(owner, "base", None)
    return False


def _peak_hook(cupy, peaks, allocated):
    """A CuPy memory hook keeping each device's peak of used pool bytes after every allocation."""
    class PeakHook(cupy.cuda.MemoryHook):
        name = "autograd_core_peak"

        def malloc_postprocess(self, device_id, **allocation):
            peaks[device_id] = max(peaks.get(device_id, 0), allocated(device_id))
    return PeakHook()


@functools.cache
def load():
    """The CuPy backend, or None when CuPy does not import or sees no GPU (asked once per process)."""
    try:
        cupy = importlib.import_module("cupy")
        count = cupy.cuda.runtime.getDeviceCount()
    except (ImportError, RuntimeError):  # no CuPy, or CuPy without a driver or a device (CUDARuntimeError)
        return None
    return CupyBackend(cupy) if count else None
