"""The array seam for nn.functional's fused ops: ``array_module(a)`` is the module of ``a``'s backend.

``autograd_core._backend`` is the one private module the packages import, by
design (docs/architecture.md, "The array seam"); this module is nn.functional's
one import of it.
"""
from autograd_core._backend import array_module

__all__ = ["array_module"]
