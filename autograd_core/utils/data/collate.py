"""Turn a list of samples into one batch (``default_collate``) or samples into tensors (``default_convert``)."""
import collections.abc

import numpy as np

from ... import dtypes
from ...arrays import array_module
from ...creation import from_numpy, tensor
from ...tensor import Tensor, _new

__all__ = ["default_collate", "default_convert"]

_EXPECTED = "tensors, numpy arrays, numbers, dicts or lists"


def _is_namedtuple(value):
    return isinstance(value, tuple) and hasattr(value, "_fields")


def _numeric_array(array, where):
    if array.dtype.kind in "USO":
        raise TypeError(f"{where}: batch must contain {_EXPECTED}; found numpy array of dtype {array.dtype}")
    return from_numpy(array)


def _check_same_shape(batch):
    shapes = {tuple(item.shape) for item in batch}
    if len(shapes) > 1:
        raise RuntimeError(f"default_collate: stack expects each sample to be equal size, but got shapes "
                           f"{sorted(shapes)}; pad the samples or pass a custom collate_fn")


def _stack_tensors(batch):
    _check_same_shape(batch)
    if any(t.requires_grad for t in batch):
        from ... import stack
        return stack(batch)
    return _new(array_module(batch[0].array).stack([t.array for t in batch]))


def default_collate(batch):
    """Stack a list of samples into a batch, following the structure of the first sample.

    Tensors and numpy arrays are stacked along a new first dimension, Python
    floats become a float64 tensor and ints an int64 tensor, strings stay a list,
    dicts, tuples and lists are collated field by field. Batches are tensors of
    the default backend (numpy data is stacked on the host, then moved).
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack_tensors(batch)
    if isinstance(elem, np.ndarray):
        _check_same_shape(batch)
        return _numeric_array(np.stack(batch), "default_collate")
    if isinstance(elem, np.generic):
        return _numeric_array(np.array(batch), "default_collate")
    if isinstance(elem, float):
        return tensor(batch, dtype=dtypes.float64)
    if isinstance(elem, int):
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([sample[key] for sample in batch]) for key in elem}
        try:
            return type(elem)(collated)
        except TypeError:
            return collated
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [default_collate(field) for field in zip(*batch)]
        if isinstance(elem, tuple):
            return fields
        try:
            return type(elem)(fields)
        except TypeError:
            return fields
    raise TypeError(f"default_collate: batch must contain {_EXPECTED}; found {type(elem).__name__}")


def default_convert(data):
    """Turn numpy arrays inside ``data`` (also nested in dicts and sequences) into tensors; leave the rest."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "USO":
        return from_numpy(data)
    if isinstance(data, np.generic) and data.dtype.kind not in "USO":
        return from_numpy(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(value) for key, value in data.items()}
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
