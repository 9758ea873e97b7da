"""Convolutions of nn.functional (implemented in ``autograd_core.ops.conv``)."""
from autograd_core import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]
