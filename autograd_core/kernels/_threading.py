"""Choose Numba's threading layer before the first parallel kernel runs (it is fixed from then on).

Numba prefers its OpenMP layer when libgomp is present, and OpenMP keeps
idle threads spinning after each parallel loop; on a small machine they
starve the OpenBLAS threads of the GEMM that follows im2col (measured on 2
cores: conv2d forward 12-25 ms instead of 1.5 ms). TBB and workqueue threads
sleep, so they go first unless the user chose a layer or a priority.
"""
import os

from numba import config

if not {"NUMBA_THREADING_LAYER", "NUMBA_THREADING_LAYER_PRIORITY"} & set(os.environ):
    config.THREADING_LAYER_PRIORITY = ["tbb", "workqueue", "omp"]
