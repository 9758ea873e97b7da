"""``torch.nn.parallel``: DistributedDataParallel over autograd_core.distributed (MPI)."""
from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
