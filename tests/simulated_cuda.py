"""A simulated CUDA device for the CPU suite: device "cuda:0" whose arrays behave toward the CPU's as CuPy's do.

Its arrays (``SimulatedCudaArray``) are the strict backend's (tests/strict_backend.py)
under another class: they refuse implicit conversion to numpy and mixing with
numpy arrays or with the strict backend's, with a TypeError, as CuPy's do, and
report ``array.device.id`` as CuPy's. Moving to and from the device copies. The
backend runs the CUDA backends' own kernel families (``autograd_core.cuda.conv``,
``.pool``, ``optim.elementwise_kernels`` written on ``xp``) on them, so the code a GPU
run takes is exercised here; ``special`` runs scipy's on the host memory, as
``cupyx.scipy.special`` stands in for it on a GPU. It keeps CuPy's bookkeeping
(bytes held by live arrays, their peak, seeds, synchronize calls) for
``autograd_core.cuda``'s functions.

``install()`` registers it (``torch.cuda.is_available()`` becomes True) and
``uninstall()`` removes it; tests/test_cuda.py does both around each test.
"""
import types
import weakref

import numpy as np
from strict_backend import HostKernels, StrictArray, namespace

from autograd_core import arrays
from autograd_core.cuda import _backend


class SimulatedCudaArray(StrictArray):
    """A numpy array standing for device memory on GPU 0."""

    __slots__ = ("__weakref__",)
    label = "simulated cuda"
    device = types.SimpleNamespace(id=0)  # CuPy's ``array.device.id``

    def __init__(self, host):
        super().__init__(host)
        if host.base is None:  # owns its memory (views share their base's)
            BACKEND.allocated(self, host.nbytes)


class SimulatedCuda(arrays.ArrayBackend):
    """The device backend of ``SimulatedCudaArray``: what ``autograd_core.cuda`` asks of CuPy's."""

    device_type = "cuda"

    def __init__(self):
        super().__init__("simulated_cuda", namespace(SimulatedCudaArray, "simulated_cupy"), SimulatedCudaArray,
                         to_numpy=lambda a: a._host.copy(), from_numpy=lambda a: SimulatedCudaArray(np.array(a)))
        _backend.add_device_kernels(self)
        self.add_kernels("special", lambda: HostKernels("special", SimulatedCudaArray))
        self.bytes, self.peak, self.seeds, self.synchronized, self.current = 0, 0, {}, 0, 0

    def allocated(self, array, nbytes):
        self.bytes += nbytes
        self.peak = max(self.peak, self.bytes)
        weakref.finalize(array, self._freed, nbytes)

    def _freed(self, nbytes):
        self.bytes -= nbytes

    def index_of(self, array):
        return array.device.id

    def device_count(self):
        return 1

    def current_device(self):
        return self.current

    def set_device(self, index):
        self.current = index

    def synchronize(self, index):
        self.synchronized += 1

    def manual_seed(self, seed, index):
        self.seeds[index] = seed

    def device_name(self, index):
        return "Simulated CUDA device (numpy)"

    def memory_allocated(self, index):
        return self.bytes

    def max_memory_allocated(self, index):
        return self.peak

    def reset_peak(self, index):
        self.peak = self.bytes

    def empty_cache(self):
        pass

    def pinned_copy(self, host):
        """A copy in a ``PinnedBuffer`` (CuPy's: ``cupyx.empty_pinned``)."""
        out = np.frombuffer(PinnedBuffer(host.nbytes), dtype=host.dtype).reshape(host.shape)
        out[...] = host
        return out

    def holds_pinned(self, host):
        return _backend.based_on(host, PinnedBuffer)


class PinnedBuffer(bytearray):
    """Host memory standing for CuPy's page-locked ``PinnedMemoryPointer``."""


BACKEND = SimulatedCuda()


def install():
    arrays.register(BACKEND)


def uninstall():
    arrays.unregister(BACKEND)
