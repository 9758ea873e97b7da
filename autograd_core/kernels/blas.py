"""How many threads numpy's BLAS (OpenBLAS) gives the GEMMs of one op.

OpenBLAS splits every GEMM from 2^18 multiply-adds on over all its
threads, and its caller then waits for the slowest. On a machine whose other
cores are busy that thread waits for a time slice: measured on 2 shared cores,
an 800x256x64 GEMM took 8 ms on 2 threads against 0.3 ms on one. Below
``SERIAL_BELOW`` multiply-adds a GEMM takes under a millisecond on one core,
so a second thread saves at most half of that and risks far more:
``gemm_threads(work)`` runs the block's GEMMs on one thread there. Larger GEMMs
keep the library's thread count (on the Transformer encoder layer's 33-134M
multiply-add GEMMs threads paid on a lightly loaded machine). Numpy builds
without OpenBLAS's ``openblas_set_num_threads_local`` (or other array backends'
GEMMs) are left as they are. The setting is process-wide in OpenBLAS's pthreads builds: the block
restores the previous count on exit.
"""
import contextlib
import ctypes
import glob
import os

import numpy as np

SERIAL_BELOW = 1 << 24  # multiply-adds of the block's largest GEMM
THREADED_FROM = 1 << 18  # OpenBLAS runs smaller GEMMs on one thread itself


def _thread_setter():
    """OpenBLAS's ``openblas_set_num_threads_local`` from numpy's own library (None when it has none)."""
    folder = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    for path in glob.glob(os.path.join(folder, "*openblas*")):
        try:
            setter = ctypes.CDLL(path).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        setter.argtypes, setter.restype = [ctypes.c_int], ctypes.c_int
        return setter
    return None


_SET_THREADS = _thread_setter()


class _OneThread:
    """Context: numpy's BLAS on one thread inside, the previous count restored after."""

    def __enter__(self):
        self.previous = _SET_THREADS(1)

    def __exit__(self, *exc):
        _SET_THREADS(self.previous)


_AS_IS = contextlib.nullcontext()


def set_blas_threads(count):
    """Give numpy's OpenBLAS ``count`` threads (``torch.set_num_threads``) and return its previous count;
    other BLAS builds are left as they are (None)."""
    return None if _SET_THREADS is None else _SET_THREADS(count)


def gemm_threads(work):
    """A context for GEMMs whose largest does ``work`` multiply-adds: one BLAS thread from ``THREADED_FROM``
    (where OpenBLAS would split it) to ``SERIAL_BELOW``, the library's count otherwise."""
    if _SET_THREADS is None or work < THREADED_FROM:
        return _AS_IS
    return _OneThread() if work < SERIAL_BELOW else _AS_IS
