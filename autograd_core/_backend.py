"""The one seam between the engine and its array library.

Every module that needs array functions imports ``xp`` from here, so a CuPy
backend (``.to("cuda")``) is an addition to this file, not a rewrite.
"""
import numpy as np

xp = np


def get_array_module(array):
    """Return the array module that owns ``array`` (numpy today)."""
    return np


def as_array(value, dtype=None):
    """Return ``value`` as an ndarray (0-d results of ufuncs come back as scalars)."""
    if type(value) is np.ndarray and (dtype is None or value.dtype == dtype):
        return value
    return np.asarray(value, dtype=dtype)
