"""Kernels compiled twice, parallel and serial, that run in parallel only where the work pays for it.

Starting a Numba parallel loop on the workqueue threading layer costs about
100 us (measured on 2 cores, with 1 or 2 threads alike), and the OpenBLAS
threads of the GEMM before and after it hold the cores anyway. On the LeNet-5
training step the serial kernels made the whole step 7-10% faster, and on the
course CNN and the conv2d benchmark they were as fast as the parallel ones.
So a kernel written with ``prange`` is compiled both ways, and a call takes
the parallel version only for at least ``PARALLEL_MIN_WORK`` elements.

Numba's on-disk cache keys a function by its qualified name and source line,
not by its flags, so the serial twin is compiled from a copy of the function
under its own name (``<name>_serial``): each version has its own cache entry.
"""
from types import FunctionType

from numba import njit

PARALLEL_MIN_WORK = 1 << 21


class TwinKernel:
    """A kernel in a parallel and a serial version; ``kernel.sized(work)(*args)`` runs the right one."""

    def __init__(self, function):
        self.parallel = njit(parallel=True, cache=True)(function)
        serial = FunctionType(function.__code__, function.__globals__, function.__name__,
                              function.__defaults__, function.__closure__)
        serial.__qualname__ = function.__qualname__ + "_serial"
        self.serial = njit(cache=True)(serial)
        self.__doc__ = function.__doc__

    def sized(self, work):
        """The version for a call that touches ``work`` array elements."""
        return self.parallel if work >= PARALLEL_MIN_WORK else self.serial
