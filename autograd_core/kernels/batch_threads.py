"""A convolution's per-image work on every core: the batch cut into one slice per thread.

Each image's GEMM of a small convolution (LeNet-5's: 6x26x784 and 16x151x100
multiply-adds) is below the size OpenBLAS splits over its threads, so numpy ran
a whole batch of them on one core while PyTorch's oneDNN ran on all of them.
``across_batch(task, batch, work_per_image)`` calls ``task(images, parallel)``
on consecutive slices of the batch at once: one slice in the calling thread, the
others in a pool of ``numba.get_num_threads() - 1`` worker threads. numpy's
GEMM and the serial Numba kernels (compiled ``nogil``, see ``twin``) release
the GIL, so the slices run in parallel. ``parallel`` tells a task whether
it runs alone and may take the parallel Numba kernels: split, the threads
already hold the cores.

Handing a slice to a worker costs about 60 us (measured on 2 cores), so the
batch is split only from ``SPLIT_FROM`` multiply-adds, and only while each
image's GEMM stays below ``blas.THREADED_FROM`` (larger ones OpenBLAS splits
itself). Tasks of different slices write disjoint parts of the output, or
their own partial sums.
"""
import threading
from concurrent.futures import ThreadPoolExecutor, wait

import numba

from .blas import THREADED_FROM

SPLIT_FROM = 1 << 21  # multiply-adds of the whole call

_pool, _pool_size = None, 0
_pool_lock = threading.Lock()
_inside_task = threading.local()  # a task that splits again runs its slices in its own thread


def _workers(count):
    """The shared pool, replaced by one of ``count`` workers when it has fewer."""
    global _pool, _pool_size
    with _pool_lock:
        if _pool_size < count:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(count, thread_name_prefix="autograd_core-batch", initializer=_mark_worker)
            _pool_size = count
        return _pool


def _mark_worker():
    _inside_task.active = True


def _thread_limit():
    """Numba's thread count (``NUMBA_NUM_THREADS``, or ``numba.set_num_threads``): the threads kernels may use."""
    return numba.get_num_threads()


def slices(batch, parts):
    """``parts`` consecutive slices covering ``range(batch)``, as even as possible."""
    return [slice(batch * i // parts, batch * (i + 1) // parts) for i in range(parts)]


def thread_count(batch, work_per_image):
    """How many threads ``across_batch`` gives a batch of ``batch`` images of ``work_per_image`` each."""
    if work_per_image >= THREADED_FROM or batch * work_per_image < SPLIT_FROM or getattr(_inside_task, "active", False):
        return 1
    return max(1, min(_thread_limit(), batch))


def across_batch(task, batch, work_per_image):
    """Run ``task(images, parallel)`` over slices of ``range(batch)`` on up to all threads; return the results
    in order."""
    threads = thread_count(batch, work_per_image)
    if threads == 1:
        return [task(slice(0, batch), True)]
    parts = slices(batch, threads)
    pending = [_workers(threads - 1).submit(task, part, False) for part in parts[1:]]
    _inside_task.active = True
    try:
        first = task(parts[0], False)
    finally:
        _inside_task.active = False
        wait(pending)  # no slice outlives the call, even when this one raised
    return [first] + [future.result() for future in pending]
