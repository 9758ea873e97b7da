"""Utilities that mirror ``torch.utils`` (``autograd_core.utils.data``, ``autograd_core.utils.checkpoint``)."""
from . import data  # noqa: F401
from . import checkpoint  # noqa: F401
