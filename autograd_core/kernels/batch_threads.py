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

The workers are daemon threads of our own, each woken by releasing a lock it
waits on and answering by releasing another: a split of two trivial slices
takes 52-74 us (median, 2 cores), where ``concurrent.futures`` (a future, a
condition and a queue per slice) took 78-113 us. The batch is still split only from
``SPLIT_FROM`` multiply-adds, and only while each image's GEMM stays below
``blas.THREADED_FROM`` (larger ones OpenBLAS splits itself). One caller at a
time uses the workers; a second Python thread arriving meanwhile runs its whole
batch itself. Tasks of different slices write disjoint parts of the output, or
their own partial sums.
"""
import os
import threading

import numba

from .blas import THREADED_FROM

SPLIT_FROM = 1 << 21  # multiply-adds of the whole call

_workers = []
_pool_lock = threading.Lock()  # held by the one caller whose slices the workers run
_inside_task = threading.local()  # a task that splits again runs its slices in its own thread


class _Worker:
    """A thread that runs one slice at a time: ``start`` hands it a task, ``finish`` waits for the answer."""

    def __init__(self):
        self._go, self._done = threading.Lock(), threading.Lock()
        self._go.acquire()
        self._done.acquire()
        self._job = self._result = self._error = None
        threading.Thread(target=self._serve, name="autograd_core-batch", daemon=True).start()

    def _serve(self):
        _inside_task.active = True
        while True:
            self._go.acquire()
            task, images = self._job
            try:
                self._result = task(images, False)
            except BaseException as error:  # handed to the caller by finish()
                self._error = error
            self._job = None
            self._done.release()

    def start(self, task, images):
        self._job = (task, images)
        self._go.release()

    def finish(self):
        """The slice's result; its exception is raised here, in the caller."""
        self._done.acquire()
        result, error, self._result, self._error = self._result, self._error, None, None
        if error is not None:
            raise error
        return result


def _pool(count):
    """``count`` workers (started on first need; the caller holds ``_pool_lock``)."""
    while len(_workers) < count:
        _workers.append(_Worker())
    return _workers[:count]


def _forget_workers():
    """A forked child has none of its parent's threads: it starts its own workers when it needs them."""
    global _pool_lock
    _workers.clear()
    _pool_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_workers)


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
    if threads == 1 or not _pool_lock.acquire(blocking=False):
        return [task(slice(0, batch), True)]
    try:
        parts = slices(batch, threads)
        workers = _pool(threads - 1)
        for worker, part in zip(workers, parts[1:]):
            worker.start(task, part)
        _inside_task.active = True
        try:
            first = task(parts[0], False)
        finally:
            _inside_task.active = False
            outcomes = [_outcome(worker) for worker in workers]  # no slice outlives the call, even on an error
        for _, error in outcomes:
            if error is not None:
                raise error
        return [first] + [result for result, _ in outcomes]
    finally:
        _pool_lock.release()


def _outcome(worker):
    """``(result, None)`` or ``(None, exception)`` of the worker's slice, once it has ended."""
    try:
        return worker.finish(), None
    except BaseException as error:
        return None, error
