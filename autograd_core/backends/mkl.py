"""``torch.backends.mkl``: whether the BLAS that numpy (so this build's matmul) was built on is Intel's MKL."""
import numpy as np


def is_available():
    """True only where numpy links MKL (it ships with OpenBLAS by default)."""
    blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    return "mkl" in str(blas.get("name", "")).lower()
