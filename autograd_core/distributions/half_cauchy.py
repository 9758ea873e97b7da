"""``HalfCauchy(scale)``: |X| for X ~ Cauchy(0, scale)."""
import math

from ..creation import full
from .cauchy import Cauchy
from .half_normal import _Folded
from .transforms import AbsTransform

__all__ = ["HalfCauchy"]


class HalfCauchy(_Folded):
    """|X| for X ~ Cauchy(0, ``scale``): no mean, no variance."""

    def __init__(self, scale, validate_args=None):
        super().__init__(Cauchy(0, scale, validate_args=False), AbsTransform(), validate_args=validate_args)

    @property
    def mean(self):
        return full(self._extended_shape(), math.inf, dtype=self.scale.dtype)

    @property
    def variance(self):
        return full(self._extended_shape(), math.inf, dtype=self.scale.dtype)
