"""Array-level compute kernels (Numba) and the numpy/BLAS drivers built on them.

This package's ``__init__`` and ``geometry`` do not import Numba; the op
modules import ``kernels.conv`` and ``kernels.pool`` on first use, so
``import autograd_core`` stays fast. Every kernel is compiled lazily for the
dtypes it meets, with ``cache=True`` (the cache lives in ``__pycache__`` next
to this source), and runs on ``NUMBA_NUM_THREADS`` threads (all cores by default).
"""
