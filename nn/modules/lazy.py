"""Lazy modules: layers whose parameter shapes come from their first input (``torch.nn.modules.lazy``).

A lazy module holds ``UninitializedParameter``/``UninitializedBuffer`` entries until its
first call; a forward pre-hook then materializes and initialises them as the eager layer
would, and the module becomes that layer (``LazyLinear`` -> ``Linear``). The parameter objects
stay the same, so an optimizer may be built before or after that call. ``load_state_dict``
materializes the entries with the checkpoint's shapes.
"""
import autograd_core

from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Linear
from .module import Module, UninitializedBuffer, UninitializedParameter, _Uninitialized
from .normalization import (BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d,
                            _BatchNorm, _InstanceNorm, _NormBase)

__all__ = ["LazyModuleMixin", "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d",
           "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d",
           "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d"]


class LazyModuleMixin(Module):
    """A module whose parameters take their shapes from its first input.

    The subclass creates uninitialized entries and implements
    ``initialize_parameters(*args, **kwargs)``, which materializes and initialises them.
    On the first call that runs before ``forward``; then the module becomes
    ``cls_to_become``.
    """

    cls_to_become = None  # (a Module subclass itself, so that the module's layout allows becoming it)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(LazyModuleMixin._infer_parameters, with_kwargs=True)

    def has_uninitialized_params(self):
        """Whether a parameter or buffer of this module still has no shape."""
        return any(isinstance(t, _Uninitialized) for t in
                   list(self._parameters.values()) + list(self._buffers.values()))

    def initialize_parameters(self, *args, **kwargs):
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")

    def _infer_parameters(self, args, kwargs):
        """The first call's forward pre-hook: shapes from the input, then the eager class."""
        self.initialize_parameters(*args, **kwargs)
        if self.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        self._initialize_hook.remove()
        del self._initialize_hook
        if self.cls_to_become is not None:
            self.__class__ = self.cls_to_become


class LazyLinear(LazyModuleMixin, Linear):
    """A ``Linear`` whose ``in_features`` is the last dimension of its first input."""

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        self.in_features = input.shape[-1]  # also after load_state_dict (Linear checks its input against it)
        if self.has_uninitialized_params():
            with autograd_core.no_grad():
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()


class _LazyConvMixin(LazyModuleMixin):
    """What the lazy convolutions share: ``in_channels`` from the first input's channel dimension."""

    def _become_lazy(self, out_channels, bias, device, dtype):
        """Replace the placeholder parameters the eager ``__init__`` made by uninitialized ones."""
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs):
        self.in_channels = self._in_channels_of(input)
        if not self.has_uninitialized_params():
            return
        if self.in_channels % self.groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if self.transposed:
            shape = (self.in_channels, self.out_channels // self.groups) + self.kernel_size
        else:
            shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        with autograd_core.no_grad():
            self.weight.materialize(shape)
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()

    def _in_channels_of(self, input):
        unbatched = len(self.kernel_size) + 1
        if input.dim() not in (unbatched, unbatched + 1):
            raise RuntimeError(f"Expected {unbatched}D (unbatched) or {unbatched + 1}D (batched) input to "
                               f"{type(self).__name__}, but got input of size: {input.shape}")
        return input.shape[1] if input.dim() == unbatched + 1 else input.shape[0]


class _LazyConv(_LazyConvMixin):
    """The lazy form of Conv1d/2d/3d: their arguments but ``in_channels``."""

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode, device, dtype)
        self._become_lazy(out_channels, bias, device, dtype)


class _LazyConvTranspose(_LazyConvMixin):
    """The lazy form of ConvTranspose1d/2d/3d: their arguments but ``in_channels``."""

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                 dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation, padding_mode,
                         device, dtype)
        self._become_lazy(out_channels, bias, device, dtype)


class _LazyNormBase(LazyModuleMixin, _NormBase):
    """What the lazy batch and instance norms share: ``num_features`` from the first input's dimension 1 (the
    instance norms too take PyTorch's defaults here: affine and tracked running statistics)."""

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None, *,
                 bias=True):
        super().__init__(0, eps, momentum, False, False, device, dtype)
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = autograd_core.tensor(0, dtype=autograd_core.long)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        if not (self.affine or self.track_running_stats):
            return  # nothing was lazy: num_features stays 0, as in PyTorch
        self.num_features = input.shape[1]  # also after load_state_dict (the instance norms check it)
        if not self.has_uninitialized_params():
            return
        with autograd_core.no_grad():
            for entry in (self.weight, self.bias, self.running_mean, self.running_var):
                if entry is not None:
                    entry.materialize((self.num_features,))
            self.reset_parameters()


def _lazy_form(lazy_base, eager, what, family=None, copied=()):
    """The class ``Lazy<eager>``: ``lazy_base`` over ``family`` (default: ``eager`` itself) with ``eager``'s
    ``copied`` attributes, becoming ``eager`` once its first input has given it ``what``."""
    name = "Lazy" + eager.__name__
    namespace = {"__module__": __name__, "__qualname__": name, "cls_to_become": eager,
                 "__doc__": f"The lazy ``{eager.__name__}``: its ``{what}`` comes from its first input.",
                 **{attribute: eager.__dict__[attribute] for attribute in copied}}
    return type(name, (lazy_base, family or eager), namespace)


LazyConv1d, LazyConv2d, LazyConv3d = (_lazy_form(_LazyConv, eager, "in_channels")
                                      for eager in (Conv1d, Conv2d, Conv3d))
LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d = (
    _lazy_form(_LazyConvTranspose, eager, "in_channels")
    for eager in (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d))
LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d = (
    _lazy_form(_LazyNormBase, eager, "num_features", _BatchNorm, ("_check_input_dim",))
    for eager in (BatchNorm1d, BatchNorm2d, BatchNorm3d))
LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d = (
    _lazy_form(_LazyNormBase, eager, "num_features", _InstanceNorm, ("spatial_dims",))
    for eager in (InstanceNorm1d, InstanceNorm2d, InstanceNorm3d))
