"""The seam between the engine and its array library (numpy today).

Ops call numpy functions on the arrays they are given; CuPy arrays implement
numpy's dispatch protocols (``__array_ufunc__``, ``__array_function__``), so those
calls already follow the array. What does not dispatch (array creation from
Python data, choosing the module) goes through this file, so a CuPy backend
(``.to("cuda")``) is an addition here, not a rewrite of the ops.
"""
import numpy as np

xp = np


def get_array_module(array):
    """Return the array module that owns ``array`` (numpy today; ``cupy.get_array_module`` later)."""
    return np


def as_array(value, dtype=None):
    """Return ``value`` as an ndarray (0-d results of ufuncs come back as scalars)."""
    if type(value) is np.ndarray and (dtype is None or value.dtype == dtype):
        return value
    return np.asarray(value, dtype=dtype)
