"""DataLoader: iterate a dataset in (shuffled) batches, as ``torch.utils.data.DataLoader`` does.

Batches of a ``TensorDataset`` (or a ``Subset`` of one) are cut with one
fancy-index per tensor instead of collating sample by sample: that fast path
is what keeps an MNIST epoch's loading cost negligible. Batch indices are
worked out on the host and moved to the tensors' backend once per batch.
"""
import numpy as np

from ...arrays import from_numpy
from ...tensor import _new
from .collate import default_collate, default_convert
from .dataset import Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader"]


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` samples.

    ``shuffle=True`` draws a new order each epoch from ``generator`` (an
    ``autograd_core.Generator``), or from the global generator so that
    ``manual_seed`` repeats runs. ``sampler``/``batch_sampler`` choose the order
    yourself; ``batch_size=None`` turns batching off. Loading always runs in the
    main process: ``num_workers``, ``pin_memory`` and the other worker options
    are accepted so PyTorch code ports unchanged.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 generator=None, *, prefetch_factor=None, persistent_workers=False):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.collate_fn = collate_fn or (default_collate if batch_sampler is not None else default_convert)

    def __iter__(self):
        if self.batch_sampler is None:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)
        rows = _tensor_rows(self.dataset) if self.collate_fn is default_collate else None
        if rows is not None:
            return _fast_batches(rows, self._index_batches())
        return (self.collate_fn([self.dataset[i] for i in batch]) for batch in self._index_batches())

    def _index_batches(self):
        if isinstance(self.batch_sampler, BatchSampler):
            return self.batch_sampler.index_arrays()
        return iter(self.batch_sampler)

    def __len__(self):
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)


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
