"""Differentiable ops, one module per family. Each attaches its Tensor methods on import."""
from . import arithmetic, elementwise, reduce, shape, compare, index, linalg, conv, pool, fill  # noqa: F401
