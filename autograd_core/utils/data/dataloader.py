"""DataLoader: iterate a dataset in (shuffled) batches, as ``torch.utils.data.DataLoader`` does.

Batches of a ``TensorDataset`` (or a ``Subset`` of one) loaded in the main
process are cut with one fancy-index per tensor instead of collating sample by
sample: that fast path is what keeps an MNIST epoch's loading cost negligible.
Batch indices are worked out on the host and moved to the tensors' backend once
per batch.

With ``num_workers > 0`` batches are loaded by worker processes
(``multiprocessing``): the main process draws the batch indices from the sampler,
hands them out round-robin (``prefetch_factor`` batches per worker ahead) and
yields the results in order, so the batches are those of ``num_workers=0`` for
the same seed. Each epoch draws a base seed from ``generator`` (or the global
generator) in either mode; worker ``i`` is seeded with ``base_seed + i``.
"""
import itertools
import multiprocessing
import queue
import time
import warnings
import weakref

import numpy as np

from ...accelerator import is_available as accelerator_available
from ...arrays import from_numpy
from ...tensor import Tensor, _new
from .collate import default_collate, default_convert
from .dataset import IterableDataset, Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler, random_seed
from .worker import StopTask, WorkerFailure, register_tensor_pickling, worker_loop

__all__ = ["DataLoader"]

_POLL_SECONDS = 1.0  # how often a waiting main process checks that its workers are alive


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` samples.

    ``shuffle=True`` draws a new order each epoch from ``generator`` (an
    ``autograd_core.Generator``), or from the global generator so that
    ``manual_seed`` repeats runs. ``sampler``/``batch_sampler`` choose the order
    yourself; ``batch_size=None`` turns batching off. An ``IterableDataset`` is
    read in its own order. ``num_workers`` worker processes load batches in
    parallel (``worker_init_fn(worker_id)`` runs in each; ``persistent_workers``
    keeps them between epochs); ``pin_memory`` puts batches' tensors in page-locked memory (with an accelerator).
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers)
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            _check_iterable_options(shuffle, sampler, batch_sampler)
        elif sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if sampler is None and not iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = 2 if num_workers and prefetch_factor is None else prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self.auto_collation = batch_size is not None or batch_sampler is not None
        self.collate_fn = collate_fn or (default_collate if self.auto_collation else default_convert)
        self._workers = None  # the persistent workers, once started

    def __iter__(self):
        if self.pin_memory and not accelerator_available():
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device pinned "
                          "memory won't be used.", stacklevel=2)
        elif self.pin_memory:
            return map(_pinned, self._batches())
        return self._batches()

    def _batches(self):
        base_seed = random_seed(self.generator)
        if self.num_workers == 0:
            return self._single_process_batches()
        if not self.persistent_workers:
            return _WorkerBatches(self, base_seed)
        if self._workers is None:
            self._workers = _WorkerBatches(self, base_seed)
        else:
            self._workers.start_epoch()
        return self._workers

    def _single_process_batches(self):
        fetch = Fetcher(self)
        if isinstance(self.dataset, IterableDataset):
            fetch.start_epoch()
            return _until_exhausted(fetch)
        if not self.auto_collation:
            return (fetch(i) for i in self.sampler)
        rows = _tensor_rows(self.dataset) if self.collate_fn is default_collate else None
        if rows is not None:
            return _fast_batches(rows, self.index_batches())
        return (fetch(batch) for batch in self.index_batches())

    def index_batches(self):
        """One epoch's tasks: the batches of indices (or single indices without batching)."""
        if not self.auto_collation:
            return iter(self.sampler)
        if isinstance(self.batch_sampler, BatchSampler):
            return self.batch_sampler.index_arrays()
        return iter(self.batch_sampler)

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            length = len(self.dataset)
            if self.batch_size is None:
                return length
            return length // self.batch_size if self.drop_last else -(-length // self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)


def _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers):
    if num_workers < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 to "
                         "enable multiprocessing, otherwise set prefetch_factor to None.")
    if prefetch_factor is not None and prefetch_factor < 0:
        raise ValueError("prefetch_factor option should be non-negative")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")


def _check_iterable_options(shuffle, sampler, batch_sampler):
    for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
        if value not in (None, False):
            raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} option, but got "
                             f"{name}={value}")


class Fetcher:
    """What turns a task into a batch, in the main process or a worker: the samples of a batch of indices,
    collated, or the next batch of an iterable dataset (StopIteration once it is exhausted)."""

    def __init__(self, loader):
        self.dataset, self.collate_fn, self.auto_collation = loader.dataset, loader.collate_fn, loader.auto_collation
        self.batch_size, self.drop_last = loader.batch_size, loader.drop_last
        self.iterator = None

    def start_epoch(self):
        """An iterable dataset starts over (each epoch, in each worker)."""
        if isinstance(self.dataset, IterableDataset):
            self.iterator = iter(self.dataset)

    def __call__(self, indices=None):
        if self.iterator is not None:
            return self._next_stream_batch()
        if not self.auto_collation:
            return self.collate_fn(self.dataset[indices])
        indices = indices.tolist() if isinstance(indices, np.ndarray) else list(indices)
        getitems = getattr(self.dataset, "__getitems__", None)
        samples = getitems(indices) if callable(getitems) else [self.dataset[i] for i in indices]
        return self.collate_fn(samples)

    def _next_stream_batch(self):
        if not self.auto_collation:
            return self.collate_fn(next(self.iterator))
        samples = list(itertools.islice(self.iterator, self.batch_size))
        if not samples or (self.drop_last and len(samples) < self.batch_size):
            raise StopIteration
        return self.collate_fn(samples)


def _pinned(batch):
    """``batch`` with every tensor in it in pinned memory (``pin_memory=True``), its structure kept."""
    if isinstance(batch, Tensor):
        return batch.pin_memory()
    if type(batch) in (tuple, list):
        return type(batch)(_pinned(b) for b in batch)
    if isinstance(batch, dict):
        return {k: _pinned(v) for k, v in batch.items()}
    return batch


def _until_exhausted(fetch):
    while True:
        try:
            batch = fetch()
        except StopIteration:
            return
        yield batch


class _WorkerBatches:
    """One loader's worker processes and the epoch they are serving (an iterator over its batches)."""

    def __init__(self, loader, base_seed):
        self.loader = loader
        self.timeout = loader.timeout
        context = loader.multiprocessing_context
        context = multiprocessing.get_context(context) if context is None or isinstance(context, str) else context
        register_tensor_pickling()
        fetch = Fetcher(loader)
        self.results = context.Queue()
        self.task_queues = [context.Queue() for _ in range(loader.num_workers)]
        self.workers = [context.Process(target=worker_loop, daemon=True,
                                        args=(fetch, tasks, self.results, base_seed, i, loader.num_workers,
                                              loader.worker_init_fn))
                        for i, tasks in enumerate(self.task_queues)]
        for worker in self.workers:
            worker.start()
        # stops the workers when this object goes (even inside a reference cycle: the queues it needs stay alive)
        self._finalizer = weakref.finalize(self, _stop_workers, self.workers, self.task_queues, self.results)
        self._start_tasks()

    def start_epoch(self):
        """Persistent workers: the next epoch (iterable datasets restart in every worker).

        The results of an epoch left unfinished are drained first. (The loader drew this
        epoch's base seed, unused by workers seeded already, as for a new iterator: the
        batches stay those of num_workers=0.)
        """
        for _ in range(self.sent - self.yielded - len(self.pending)):
            self._receive()
        if isinstance(self.loader.dataset, IterableDataset):
            for tasks in self.task_queues:
                tasks.put(("reset", None))
        self._start_tasks()

    def _start_tasks(self):
        iterable = isinstance(self.loader.dataset, IterableDataset)
        self.tasks = itertools.repeat(None) if iterable else self.loader.index_batches()
        self.sent = self.yielded = 0
        self.pending, self.owner = {}, {}
        self.active = list(range(len(self.workers)))
        self.turn = itertools.cycle(range(len(self.workers)))
        for _ in range(self.loader.prefetch_factor * len(self.workers)):
            self._send()

    def _send(self):
        if not self.active:
            return
        task = next(self.tasks, StopIteration)
        if task is StopIteration:
            return
        worker = next(w for w in self.turn if w in self.active)
        self.task_queues[worker].put((self.sent, task.tolist() if isinstance(task, np.ndarray) else task))
        self.owner[self.sent] = worker
        self.sent += 1

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            if self.yielded == self.sent:
                self._end_epoch()
                raise StopIteration
            task_id = self._ready_task()
            data = self.pending.pop(task_id)
            worker = self.owner.pop(task_id)
            self.yielded += 1
            if isinstance(data, StopTask):
                if worker in self.active:
                    self.active.remove(worker)
                continue
            if isinstance(data, WorkerFailure):
                self.close(force=True)
                data.reraise()
            self._send()
            return data

    def _ready_task(self):
        """The id of the next task to yield: the oldest (``in_order``) or the first finished, waited for."""
        while True:
            if self.yielded in self.pending:
                return self.yielded
            if not self.loader.in_order and self.pending:
                return next(iter(self.pending))
            task_id, data = self._receive()
            if task_id is None:  # a worker failed before its first task
                self.close(force=True)
                data.reraise()
            self.pending[task_id] = data

    def _receive(self):
        started = time.monotonic()
        while True:
            wait = _POLL_SECONDS if not self.timeout else min(_POLL_SECONDS, self.timeout)
            try:
                return self.results.get(timeout=wait)
            except queue.Empty:
                pass
            dead = [w.pid for w in self.workers if not w.is_alive()]
            if dead:
                self.close(force=True)
                raise RuntimeError(f"DataLoader worker (pid(s) {', '.join(map(str, dead))}) exited unexpectedly")
            if self.timeout and time.monotonic() - started >= self.timeout:
                self.close(force=True)
                raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds")

    def _end_epoch(self):
        if not self.loader.persistent_workers:
            self.close()

    def close(self, force=False):
        """Stop the workers: they finish their current task, or are terminated at once with ``force``."""
        if force:
            for worker in self.workers:
                worker.terminate()
        self._finalizer()

    def __len__(self):
        return len(self.loader)


def _stop_workers(workers, task_queues, results):
    """Ask each worker to stop, wait a little, terminate the ones still running, release the queues."""
    for tasks in task_queues:
        tasks.put(None)
    for worker in workers:
        worker.join(timeout=5.0)
        if worker.is_alive():
            worker.terminate()
            worker.join()
    for q in task_queues + [results]:
        q.cancel_join_thread()
        q.close()


def _tensor_rows(dataset):
    """``(arrays, index_map)`` when ``dataset``'s samples are rows of plain tensors, else None.

    ``index_map`` (or None for the identity) maps dataset indices to rows, so
    Subsets of a TensorDataset (from ``random_split``) keep the fast path.
    """
    if type(dataset).__getitem__ is TensorDataset.__getitem__:
        if any(t.requires_grad for t in dataset.tensors):
            return None
        return [t.array for t in dataset.tensors], None
    if type(dataset).__getitem__ is Subset.__getitem__:
        inner = _tensor_rows(dataset.dataset)
        if inner is None:
            return None
        arrays, index_map = inner
        indices = np.asarray(dataset.indices, dtype=np.int64)
        return arrays, (indices if index_map is None else index_map[indices])
    return None


def _fast_batches(rows, index_batches):
    arrays, index_map = rows
    for batch in index_batches:
        index = np.asarray(batch, dtype=np.int64)
        if index_map is not None:
            index = index_map[index]
        index = from_numpy(index, like=arrays[0]) if arrays else index
        yield [_new(array[index]) for array in arrays]
