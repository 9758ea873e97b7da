"""The numpy backend's kernel families: compute kernels (Numba) and the numpy/BLAS drivers built on them.

Ops reach them through the array seam, ``arrays.kernels("conv", array)``
(another backend brings its own families). This package's ``__init__`` and
``geometry`` do not import Numba; the numpy backend imports ``kernels.conv``
and ``kernels.pool`` on first use, so ``import autograd_core`` stays fast.
Every kernel is compiled lazily for the dtypes it meets, with ``cache=True``
(the cache lives in ``__pycache__`` next to this source); calls on large
arrays run on ``NUMBA_NUM_THREADS`` threads (all cores by default), small ones
serially (see ``twin``). Kernels may be called from several Python threads: one
parallel loop runs at a time, and a call meeting another thread's runs serially.
``blas`` sets how many threads numpy's BLAS gives the GEMMs of one op.

Threading layer: Numba prefers OpenMP when libgomp is present, and OpenMP
keeps idle threads spinning after each parallel loop; on a small machine they
starve the OpenBLAS threads of the GEMM that follows im2col (measured on 2
cores: conv2d forward 12-25 ms instead of 1.5 ms). TBB and workqueue threads
sleep, so they go first unless the user chose a layer. Numba fixes the layer
at its first parallel launch, so the preference is set here, on import.
"""
import os
import sys

_PRIORITY = ("tbb", "workqueue", "omp")


def _prefer_sleeping_threads():
    if {"NUMBA_THREADING_LAYER", "NUMBA_THREADING_LAYER_PRIORITY"} & set(os.environ):
        return  # the user's choice
    config = sys.modules.get("numba.core.config")
    if config is None:
        os.environ["NUMBA_THREADING_LAYER_PRIORITY"] = " ".join(_PRIORITY)  # read when Numba is imported
    else:
        config.THREADING_LAYER_PRIORITY = list(_PRIORITY)


_prefer_sleeping_threads()
