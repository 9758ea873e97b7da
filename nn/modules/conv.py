"""Convolution layers: Conv1d/2d/3d and ConvTranspose1d/2d/3d (thin wrappers over nn.functional)."""
import math

import autograd_core

from .module import Module
from ..parameter import Parameter
from .. import init
from .. import functional as F

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def as_tuple(value, n, name):
    """``value`` repeated ``n`` times if it is an int, else checked to have ``n`` entries (PyTorch's _pair...)."""
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    if len(value) != n:
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value}")
    return value


class _ConvNd(Module):
    """What the convolution layers share: hyper-parameters, ``weight``/``bias`` and their init."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, transposed,
                 output_padding, groups, bias, padding_mode, n, dtype):
        super().__init__()
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {list(_PADDING_MODES)}, but got padding_mode="
                             f"'{padding_mode}'")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string '{padding}', should be one of ['valid', 'same']")
            if padding == "same" and any(s != 1 for s in as_tuple(stride, n, "stride")):
                raise ValueError("padding='same' is not supported for strided convolutions")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = as_tuple(kernel_size, n, "kernel_size")
        self.stride = as_tuple(stride, n, "stride")
        self.padding = padding if isinstance(padding, str) else as_tuple(padding, n, "padding")
        self.dilation = as_tuple(dilation, n, "dilation")
        self.transposed = transposed
        self.output_padding = as_tuple(output_padding, n, "output_padding")
        self.groups = groups
        self.padding_mode = padding_mode
        self._reversed_padding_repeated_twice = self._explicit_padding()
        if transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(autograd_core.empty(shape, dtype=dtype))
        self.register_parameter("bias", Parameter(autograd_core.empty(out_channels, dtype=dtype)) if bias else None)
        self.reset_parameters()

    def _explicit_padding(self):
        """The padding as F.pad widths (last dim first, before then after), 'same' split as in PyTorch."""
        widths = []
        for d in reversed(range(len(self.kernel_size))):
            if self.padding == "same":
                total = self.dilation[d] * (self.kernel_size[d] - 1)
                widths += [total // 2, total - total // 2]
            else:
                widths += [0, 0] if self.padding == "valid" else [self.padding[d]] * 2
        return widths

    def _conv_forward(self, input, conv):
        """``conv`` (F.conv1d/2d/3d) of ``input``, padded first by F.pad for the non-zero padding modes."""
        if self.padding_mode == "zeros":
            return conv(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
        return conv(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)

    def reset_parameters(self):
        """Kaiming-uniform weight (a=sqrt(5)); bias uniform in +-1/sqrt(fan_in), as in PyTorch."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        n = len(self.kernel_size)
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _ConvForwardNd(_ConvNd):
    """What Conv1d/2d/3d share: PyTorch's arguments, and ``forward`` through their functional form."""

    _spatial = None  # set by each subclass
    _functional = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False, 0, groups,
                         bias, padding_mode, self._spatial, dtype)

    def forward(self, input):
        return self._conv_forward(input, self._functional)


class Conv1d(_ConvForwardNd):
    """1-D convolution over (N, C_in, L) or unbatched (C_in, L) inputs."""

    _spatial = 1
    _functional = staticmethod(F.conv1d)


class Conv2d(_ConvForwardNd):
    """2-D convolution over (N, C_in, H, W) or unbatched (C_in, H, W) inputs."""

    _spatial = 2
    _functional = staticmethod(F.conv2d)


class Conv3d(_ConvForwardNd):
    """3-D convolution over (N, C_in, D, H, W) or unbatched (C_in, D, H, W) inputs."""

    _spatial = 3
    _functional = staticmethod(F.conv3d)


class _ConvTransposeNd(_ConvNd):
    """What the transposed convolutions share: the zero padding they allow and ``forward(input, output_size)``."""

    _spatial = None  # set by each subclass
    _functional = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple of ints, got '{padding}'")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, True, output_padding,
                         groups, bias, padding_mode, self._spatial, dtype)

    def forward(self, input, output_size=None):
        output_padding = self._output_padding(input, output_size)
        return self._functional(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                self.groups, self.dilation)

    def _output_padding(self, input, output_size):
        """The output padding that makes the output's spatial size ``output_size`` (default: the attribute)."""
        if output_size is None:
            return self.output_padding
        n = len(self.kernel_size)
        if len(output_size) not in (n, n + 2):
            raise ValueError(f"{type(self).__name__}: output_size must have {n} or {n + 2} elements (got "
                             f"{len(output_size)})")
        output_size = tuple(output_size)[-n:]
        padding = []
        for d in range(n):
            smallest = ((input.shape[input.dim() - n + d] - 1) * self.stride[d] - 2 * self.padding[d]
                        + self.dilation[d] * (self.kernel_size[d] - 1) + 1)
            largest = smallest + self.stride[d] - 1
            if not smallest <= output_size[d] <= largest:
                raise ValueError(f"{type(self).__name__}: requested an output size of {output_size}, but valid sizes "
                                 f"range from {smallest} to {largest} in dimension {d} (for an input of "
                                 f"{list(input.shape)[-n:]})")
            padding.append(output_size[d] - smallest)
        return tuple(padding)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution (the gradient of Conv1d with respect to its input)."""

    _spatial = 1
    _functional = staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution (the gradient of Conv2d with respect to its input)."""

    _spatial = 2
    _functional = staticmethod(F.conv_transpose2d)


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution (the gradient of Conv3d with respect to its input)."""

    _spatial = 3
    _functional = staticmethod(F.conv_transpose3d)
