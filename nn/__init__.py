"""nn: PyTorch's module system, layers, losses and init on autograd_core (``import nn`` or ``torch.nn``)."""
from .parameter import *  # noqa: F401,F403
from .modules import *  # noqa: F401,F403
from . import functional, init, parallel, utils  # noqa: F401
