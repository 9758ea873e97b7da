"""DataLoader worker processes: what runs inside one, and how tensors cross between processes.

A worker is seeded (autograd_core's generator, ``random`` and numpy's legacy
global generator) from the loader's base seed plus its id, runs
``worker_init_fn``, then turns the tasks it receives (a task id and the indices
of one batch, or a request for the next batch of its iterable dataset) into
collated batches on the result queue. Tensors travel as host arrays and are
rebuilt on the receiving side's default array backend (``multiprocessing``
pickles them with the reducer registered here).
"""
import collections
import multiprocessing
import multiprocessing.reduction
import queue
import random
import sys
import traceback

import numpy as np

from ...arrays import from_numpy, to_numpy
from ...random import manual_seed
from ...tensor import Tensor, _new

__all__ = ["WorkerInfo", "get_worker_info"]

WorkerInfo = collections.namedtuple("WorkerInfo", ["id", "num_workers", "seed", "dataset"])
WorkerInfo.__doc__ = "What ``get_worker_info()`` returns inside a DataLoader worker process."

_worker_info = None


def get_worker_info():
    """In a DataLoader worker: its ``WorkerInfo(id, num_workers, seed, dataset)``; in the main process: None."""
    return _worker_info


def _rebuild_tensor(host, requires_grad):
    tensor = _new(from_numpy(host))
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor


def _reduce_tensor(tensor):
    if tensor.grad_fn is not None:
        raise RuntimeError("DataLoader: a tensor that is part of a graph (requires grad and is not a leaf) cannot be "
                           "sent between processes; detach() it first")
    return _rebuild_tensor, (np.ascontiguousarray(to_numpy(tensor.array)), tensor.requires_grad)


def register_tensor_pickling():
    """Let ``multiprocessing`` send Tensors (and Parameters), which refuse plain pickling."""
    multiprocessing.reduction.ForkingPickler.register(Tensor, _reduce_tensor)


class StopTask:
    """A worker's answer to a batch request its iterable dataset could not fill (it is exhausted)."""

    def __init__(self, worker_id):
        self.worker_id = worker_id


class WorkerFailure:
    """An exception raised in a worker, carried to the main process as its type and traceback text."""

    def __init__(self, worker_id, exc_info):
        self.kind = exc_info[0]
        self.message = (f"Caught {exc_info[0].__name__} in DataLoader worker process {worker_id}.\nOriginal "
                        + "".join(traceback.format_exception(*exc_info)))

    def reraise(self):
        try:
            error = self.kind(self.message)
        except Exception:  # an exception type that takes other arguments
            error = RuntimeError(self.message)
        raise error


def worker_seeds(base_seed, worker_id):
    """``(seed, numpy_seed)`` of a worker: PyTorch's ``base_seed + id``, and a numpy seed derived from both."""
    seed = (base_seed + worker_id) % 2 ** 64
    return seed, np.random.SeedSequence([worker_id, base_seed]).generate_state(1)[0]


def worker_loop(fetch, task_queue, result_queue, base_seed, worker_id, num_workers, worker_init_fn):
    """A worker's life: seed, initialise, then answer tasks until it receives None.

    ``fetch(task)`` returns a batch, or raises StopIteration when an iterable dataset
    is exhausted; a ``"reset"`` task starts the next epoch (persistent workers).
    """
    global _worker_info
    register_tensor_pickling()
    seed, numpy_seed = worker_seeds(base_seed, worker_id)
    manual_seed(seed)
    random.seed(seed)
    np.random.seed(numpy_seed)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, fetch.dataset)
    try:
        if worker_init_fn is not None:
            worker_init_fn(worker_id)
        fetch.start_epoch()
    except Exception:
        result_queue.put((None, WorkerFailure(worker_id, sys.exc_info())))
        return
    while True:
        try:
            task = task_queue.get(timeout=5.0)
        except queue.Empty:
            parent = multiprocessing.parent_process()
            if parent is not None and not parent.is_alive():
                break
            continue
        if task is None:
            break
        task_id, indices = task
        if task_id == "reset":
            fetch.start_epoch()
            continue
        try:
            data = fetch(indices)
        except StopIteration:
            data = StopTask(worker_id)
        except Exception:
            data = WorkerFailure(worker_id, sys.exc_info())
        result_queue.put((task_id, data))
