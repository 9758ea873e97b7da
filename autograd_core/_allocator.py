"""The C allocator's policy for the large arrays a training step frees and asks for again.

Every op returns a new numpy array, so a training step frees and reallocates
the same megabytes each time. glibc's malloc gives large freed blocks back to
the operating system (its mmap and trim thresholds start at 128 KiB and grow
only as blocks are freed), and the next step page-faults through fresh,
zeroed pages. Measured on the LeNet-5 step (batch 64): about 1,200 page
faults a step, about 3 ms of its time. PyTorch's CPU tuning guide answers
the same problem with jemalloc or tcmalloc.

``keep_freed_memory`` sets the two thresholds up front to the values glibc's
own heuristics can reach (arrays under 32 MiB come from the heap, and up to
128 MiB of free heap is kept), which ends those faults. It runs when
``autograd_core`` is imported, on glibc only, and never overrides a choice the
user made with the ``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_``
environment variables; ``AUTOGRAD_CORE_MALLOC=system`` leaves malloc alone.
"""
import ctypes
import os
import platform

M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's malloc.h
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 32 << 20
TRIM_THRESHOLD_BYTES = 128 << 20
_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")


def keep_freed_memory():
    """Set glibc's mmap and trim thresholds (see the module docstring); True when they were set."""
    if os.environ.get("AUTOGRAD_CORE_MALLOC") == "system" or any(name in os.environ for name in _USER_SETTINGS):
        return False
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    mallopt = ctypes.CDLL(None).mallopt
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(mallopt(M_TRIM_THRESHOLD,
                                                                                   TRIM_THRESHOLD_BYTES))
