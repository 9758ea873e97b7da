"""``torch.backends``: what this CPU build (numpy and Numba) has of PyTorch's compute backends.

Each submodule answers honestly: no CUDA, cuDNN, MPS, oneDNN (mkldnn) or
OpenMP build is present, and MKL only where numpy's BLAS is MKL. The settable
flags (``cudnn.benchmark``, ``cuda.matmul.allow_tf32``...) keep their values and
refuse non-bools as PyTorch's do; they change nothing on the CPU.
"""
from . import cuda, cudnn, mkl, mkldnn, mps, openmp  # noqa: F401

__all__ = ["cuda", "cudnn", "mkl", "mkldnn", "mps", "openmp"]
