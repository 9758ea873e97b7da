"""Differentiable ops, one module per family. Each attaches its Tensor methods on import."""
from . import arithmetic, elementwise, reduce, shape  # noqa: F401  (registration side effects)
