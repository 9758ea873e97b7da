"""Weight normalization ``w = g * v / ||v||``: the fused op and the legacy hook form (``nn.utils.weight_norm``).

The norm is taken over every dim but ``dim`` (over all of them for ``dim=None``
or -1, as in PyTorch); ``g`` keeps size 1 in those dims. The parametrization
form is ``nn.utils.parametrizations.weight_norm``.
"""
import warnings

from autograd_core.autograd import Function

from ..modules.module import UninitializedParameter
from ..parameter import Parameter

__all__ = ["weight_norm", "remove_weight_norm"]


def _other_dims(ndim, dim):
    """The dims the norm runs over: all but ``dim`` (all for None or -1)."""
    return tuple(d for d in range(ndim) if dim is None or dim == -1 or d != dim % max(ndim, 1))


def norm_except_dim(v, dim):
    """The 2-norm of ``v`` over every dim but ``dim``, kept as size-1 dims (a 0-d tensor for the whole norm)."""
    axes = _other_dims(v.dim(), dim)
    if dim is None or dim == -1:
        return (v * v).sum().sqrt()
    return (v * v).sum(axes, keepdim=True).sqrt()


class WeightNormInterface(Function):
    """``v * g / ||v||`` (PyTorch's ``_weight_norm``); its gradient is written with tensor ops."""

    saves = (0, 1)

    def __init__(self, dim):
        self.dim = dim

    def forward(self, v, g):
        axes = _other_dims(v.ndim, self.dim)
        norm = ((v * v).sum(axis=axes, keepdims=True)) ** v.dtype.type(0.5)
        return v * (g / norm)

    def backward(self, gw):
        v, g = self.saved_tensors
        axes = _other_dims(v.dim(), self.dim)
        norm = (v * v).sum(axes, keepdim=True).sqrt()
        projection = (gw * v).sum(axes, keepdim=True) / norm
        gv = (gw - v * projection / norm) * (g / norm) if self.needs_input_grad[0] else None
        gg = projection.reshape(g.shape) if self.needs_input_grad[1] else None
        return gv, gg


def weight_from_norm(v, g, dim):
    """``g * v / ||v||`` as one op, named as PyTorch names it (``WeightNormInterfaceBackward0``)."""
    return WeightNormInterface(dim)(v, g)


class WeightNorm:
    """The forward pre-hook of the legacy form: recomputes ``module.<name>`` from ``<name>_g`` and ``<name>_v``."""

    def __init__(self, name, dim):
        self.name, self.dim = name, dim

    def compute_weight(self, module):
        return weight_from_norm(getattr(module, self.name + "_v"), getattr(module, self.name + "_g"), self.dim)

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name="weight", dim=0):
    """Split ``module.<name>`` into a magnitude ``<name>_g`` and a direction ``<name>_v`` (both Parameters),
    recombined before every forward. Deprecated in PyTorch for the parametrization."""
    warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                  "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=2)
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, WeightNorm) and hook.name == name:
            raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
    weight = getattr(module, name)
    if isinstance(weight, UninitializedParameter):
        raise ValueError("The module passed to `WeightNorm` can't have uninitialized parameters. Make sure to run "
                         "the dummy forward before applying weight normalization")
    hook = WeightNorm(name, -1 if dim is None else dim)
    del module._parameters[name]
    module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, hook.dim).detach()))
    module.register_parameter(name + "_v", Parameter(weight.detach()))
    setattr(module, name, hook.compute_weight(module))
    module.register_forward_pre_hook(hook)
    return module


def remove_weight_norm(module, name="weight"):
    """Undo ``weight_norm``: ``module.<name>`` becomes one Parameter again, with the current value."""
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            weight = hook.compute_weight(module).detach()
            delattr(module, name)
            del module._parameters[name + "_g"]
            del module._parameters[name + "_v"]
            setattr(module, name, Parameter(weight))
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
