"""Padding layers (``F.pad``): constant / zero, reflection, replication and circular, over 1 to 3 spatial dims.

``padding`` is an int (the same on every side) or ``(left, right[, top, bottom[, front, back]])``.
"""
from .. import functional as F
from .module import Module

__all__ = ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d"]


class _PadNd(Module):
    """Pad the last ``spatial_dims`` dims with ``F.pad``'s ``mode``."""

    mode = "constant"
    spatial_dims = 1

    def __init__(self, padding):
        super().__init__()
        self.padding = (padding,) * (2 * self.spatial_dims) if isinstance(padding, int) else tuple(padding)

    def forward(self, input):
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    """Pad with the number ``value``."""

    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    spatial_dims = 1


class ConstantPad2d(_ConstantPadNd):
    spatial_dims = 2


class ConstantPad3d(_ConstantPadNd):
    spatial_dims = 3


class ZeroPad1d(ConstantPad1d):
    """Pad with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    extra_repr = _PadNd.extra_repr


class ZeroPad2d(ConstantPad2d):
    """Pad with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    extra_repr = _PadNd.extra_repr


class ZeroPad3d(ConstantPad3d):
    """Pad with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    extra_repr = _PadNd.extra_repr


class _ReflectionPadNd(_PadNd):
    """Pad with the input mirrored at its edges (the edge itself not repeated)."""

    mode = "reflect"


class ReflectionPad1d(_ReflectionPadNd):
    spatial_dims = 1


class ReflectionPad2d(_ReflectionPadNd):
    spatial_dims = 2


class ReflectionPad3d(_ReflectionPadNd):
    spatial_dims = 3


class _ReplicationPadNd(_PadNd):
    """Pad with copies of the edge values."""

    mode = "replicate"


class ReplicationPad1d(_ReplicationPadNd):
    spatial_dims = 1


class ReplicationPad2d(_ReplicationPadNd):
    spatial_dims = 2


class ReplicationPad3d(_ReplicationPadNd):
    spatial_dims = 3


class _CircularPadNd(_PadNd):
    """Pad with the input wrapped around (the values from its other end)."""

    mode = "circular"

    def forward(self, input):
        low = self.spatial_dims + 1
        if input.dim() not in (low, low + 1):
            raise ValueError(f"expected {low}D or {low + 1}D input (got {input.dim()}D input)")
        return super().forward(input)


class CircularPad1d(_CircularPadNd):
    spatial_dims = 1


class CircularPad2d(_CircularPadNd):
    spatial_dims = 2


class CircularPad3d(_CircularPadNd):
    spatial_dims = 3
