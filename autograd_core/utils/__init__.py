"""Utilities that mirror ``torch.utils`` (``autograd_core.utils.data``)."""
from . import data  # noqa: F401
