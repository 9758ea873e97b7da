"""Convolutions of nn.functional (implemented in ``autograd_core.ops.conv``)."""
from autograd_core import conv1d, conv2d, conv_transpose1d, conv_transpose2d

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]
