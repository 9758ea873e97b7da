"""``torch.backends.openmp``: this build is not compiled with OpenMP (Numba runs its own parallel loops)."""


def is_available():
    """Whether this build was compiled with OpenMP: no."""
    return False
