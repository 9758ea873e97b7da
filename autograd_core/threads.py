"""``torch.set_num_threads`` / ``get_num_threads``: the threads a CPU op may use.

One count drives the three places work is threaded: Numba's parallel kernels
(``numba.set_num_threads``, capped at the ``NUMBA_NUM_THREADS`` it started
with), numpy's OpenBLAS (process-wide in its pthreads builds), and the batch
slices a convolution shares out (``kernels.batch_threads`` reads Numba's
count). Numba keeps its count per thread, so the setting reaches the parallel
kernels of the thread that made it: call it from the thread that runs the
model, before running it, as PyTorch asks. Numba and BLAS load on first use.
"""

_requested = None  # set_num_threads's count (may exceed the cores, as PyTorch allows); None until called


def set_num_threads(num_threads):
    """Use ``num_threads`` threads for intra-op parallelism on the CPU."""
    if isinstance(num_threads, bool) or not isinstance(num_threads, int):  # PyTorch refuses bools too
        kind = type(num_threads).__name__
        raise RuntimeError(f"set_num_threads expects an int, but got {kind}")  # noqa: TRY004 (PyTorch's type)
    if num_threads < 1:
        raise RuntimeError("set_num_threads expects a positive integer")
    import numba

    from .kernels import blas
    global _requested
    numba.set_num_threads(min(num_threads, numba.config.NUMBA_NUM_THREADS))
    blas.set_blas_threads(num_threads)
    _requested = num_threads


def get_num_threads():
    """The number of threads used for intra-op parallelism on the CPU (all cores until ``set_num_threads``)."""
    if _requested is not None:
        return _requested
    import numba
    return numba.get_num_threads()
