"""Kernels compiled twice, parallel and serial, that run in parallel only where the work pays for it.

Starting a Numba parallel loop on the workqueue threading layer costs about
100 us (measured on 2 cores, with 1 or 2 threads alike), and the OpenBLAS
threads of the GEMM before and after it hold the cores anyway. On the LeNet-5
training step the serial kernels made the whole step 7-10% faster, and on the
course CNN and the conv2d benchmark they were as fast as the parallel ones.
So a kernel written with ``prange`` is compiled both ways, and a call takes
the parallel version only for at least ``PARALLEL_MIN_WORK`` elements. The
serial version releases the GIL (``nogil``), so that Python threads can run it
on slices of a batch at once (``batch_threads``).

Numba's on-disk cache keys a function by its qualified name and source line,
not by its flags, so the serial twin is compiled from a copy of the function
under its own name (``<name>_serial``): each version has its own cache entry.

Threads: the workqueue layer aborts the process when two Python threads are
inside parallel loops at once. Every parallel version therefore runs under one
process-wide lock; a thread that finds it taken runs the serial version
instead of waiting (the other thread's loop holds the cores anyway). The
uncontended lock costs about a microsecond against the ~100 us launch.
"""
import threading
from types import FunctionType

from numba import njit

PARALLEL_MIN_WORK = 1 << 21

_PARALLEL_LOOP = threading.Lock()  # held by the one thread inside a parallel loop


class _OneThreadAtATime:
    """A parallel kernel that runs while no other thread is inside one, and as its serial twin otherwise."""

    def __init__(self, parallel, serial):
        self.compiled, self.serial = parallel, serial

    def __call__(self, *args):
        if not _PARALLEL_LOOP.acquire(blocking=False):
            return self.serial(*args)
        try:
            return self.compiled(*args)
        finally:
            _PARALLEL_LOOP.release()


def named_for(function, *constants):
    """``function`` with its compile-time ``constants`` in its qualified name. Numba names the machine code of a
    function after it, and code loaded from its disk cache keeps the name it was compiled under: closures of one
    factory with different constants must not share a name, or one process may run another closure's code."""
    function.__qualname__ += "_" + "_".join(str(c) for c in constants)
    return function


class TwinKernel:
    """A kernel in a parallel and a serial version; ``kernel.sized(work)(*args)`` runs the right one."""

    def __init__(self, function):
        serial = FunctionType(function.__code__, function.__globals__, function.__name__,
                              function.__defaults__, function.__closure__)
        serial.__qualname__ = function.__qualname__ + "_serial"
        self.serial = njit(cache=True, nogil=True)(serial)
        self.parallel = _OneThreadAtATime(njit(parallel=True, cache=True)(function), self.serial)
        self.python = function  # the plain function, for kernels that compile it into their own code
        self.__doc__ = function.__doc__

    def sized(self, work):
        """The version for a call that touches ``work`` array elements (safe to call from any thread)."""
        return self.parallel if work >= PARALLEL_MIN_WORK else self.serial
