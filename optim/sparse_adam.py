"""SparseAdam: PyTorch's Adam for sparse gradients, which autograd_core does not make."""
from .optimizer import check_betas, check_non_negative

__all__ = ["SparseAdam"]


class SparseAdam:
    """PyTorch's lazy Adam for the sparse gradients of ``nn.Embedding(sparse=True)``.

    autograd_core has no sparse tensors (``nn.Embedding`` refuses ``sparse=True``), and PyTorch's
    SparseAdam refuses dense gradients at its first step; so making one raises at once, after
    checking the arguments as PyTorch does. ``optim.Adam`` is the optimizer for dense gradients.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        check_non_negative(lr=lr, eps=eps)
        check_betas(betas)
        raise RuntimeError("SparseAdam: sparse gradients are not supported (autograd_core has no sparse tensors, "
                           "and SparseAdam does not support dense gradients); please consider optim.Adam instead")
