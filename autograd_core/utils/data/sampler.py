"""Samplers: the order in which a DataLoader visits dataset indices (as in ``torch.utils.data``).

Each built-in sampler can hand out one epoch's order as an int64 array
(``index_array``), so ``BatchSampler`` slices batches without building them
one int at a time.
"""
import numbers

import numpy as np

from ... import dtypes
from ...creation import empty
from ...random import Generator, default_generator, randint, randperm

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]


def random_seed(generator=None):
    """A seed drawn as PyTorch's samplers and loaders draw one: ``empty((), dtype=int64).random_(generator)``."""
    return int(empty((), dtype=dtypes.int64).random_(generator=generator).item())


class Sampler:
    """Base class: iterating a sampler yields dataset indices."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def index_array(self):
        """One epoch's indices as an int64 array (drawn afresh for random samplers)."""
        return np.fromiter(iter(self), dtype=np.int64)


class SequentialSampler(Sampler):
    """Indices 0, 1, ..., len(data_source) - 1 in order."""

    def __init__(self, data_source):
        self.data_source = data_source

    def index_array(self):
        return np.arange(len(self.data_source), dtype=np.int64)

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """Indices in random order: a permutation, or ``num_samples`` draws with replacement.

    ``generator`` (an ``autograd_core.Generator``) makes the order repeatable on its own;
    without one each epoch seeds a new generator from the global one, as PyTorch does, so
    ``manual_seed`` repeats whole runs with PyTorch's order.
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        if num_samples is not None and (not isinstance(num_samples, numbers.Integral) or num_samples <= 0):
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def index_array(self):
        generator = self.generator or Generator().manual_seed(random_seed())
        n = len(self.data_source)
        if self.replacement:  # PyTorch's draws in chunks of 32 take the same words as one draw
            return randint(0, n, (self.num_samples,), generator=generator).numpy(force=True)
        if not n:
            return np.empty(0, np.int64)
        # whole permutations, then one more cut short (drawn even when nothing of it is kept, as PyTorch does)
        order = [randperm(n, generator=generator).numpy(force=True) for _ in range(self.num_samples // n + 1)]
        return np.concatenate(order)[:self.num_samples]

    def __iter__(self):
        return iter(self.index_array().tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in random order each epoch."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def index_array(self):
        order = randperm(len(self.indices), generator=self.generator).numpy(force=True)
        return np.asarray(self.indices, dtype=np.int64)[order]

    def __iter__(self):
        return iter(self.index_array().tolist())

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights`` (with or without
    replacement)."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if isinstance(num_samples, bool) or not isinstance(num_samples, numbers.Integral) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        weights = np.asarray(weights.numpy(force=True) if hasattr(weights, "numpy") else weights, dtype=np.float64)
        if weights.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {weights.shape}")
        if weights.size == 0 or (weights < 0).any() or not np.isfinite(weights).all() or weights.sum() <= 0:
            raise RuntimeError("WeightedRandomSampler: weights must be finite, non-negative and not all zero "
                               f"(got {weights.size} weights)")
        if not replacement and num_samples > np.count_nonzero(weights):
            raise RuntimeError(f"WeightedRandomSampler: cannot draw {num_samples} samples without replacement from "
                               f"{np.count_nonzero(weights)} non-zero weights")
        self.weights = weights
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def index_array(self):
        rng = (self.generator or default_generator).rng
        return rng.choice(len(self.weights), size=self.num_samples, replace=self.replacement,
                          p=self.weights / self.weights.sum()).astype(np.int64)

    def __iter__(self):
        return iter(self.index_array().tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Group a sampler's indices into lists of ``batch_size`` (the last one shorter unless ``drop_last``)."""

    def __init__(self, sampler, batch_size, drop_last):
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def index_arrays(self):
        """Yield each batch as an int64 array (the DataLoader's fast path)."""
        order = self.sampler.index_array() if isinstance(self.sampler, Sampler) \
            else np.fromiter(iter(self.sampler), dtype=np.int64)
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        for start in range(0, stop, self.batch_size):
            yield order[start:start + self.batch_size]

    def __iter__(self):
        return (batch.tolist() for batch in self.index_arrays())

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return -(-len(self.sampler) // self.batch_size)
