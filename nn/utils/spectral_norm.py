"""Spectral normalization ``W / sigma(W)``, the legacy hook form (``nn.utils.spectral_norm``).

``sigma`` is the largest singular value of the weight seen as a matrix (``dim``
first), estimated by power iteration on two vectors kept as buffers. The
helpers here are shared with ``nn.utils.parametrizations.spectral_norm``.
"""
import autograd_core
from autograd_core import no_grad

from .. import functional as F
from ..modules.conv import _ConvNd
from ..modules.module import UninitializedParameter
from ..parameter import Parameter

__all__ = ["spectral_norm", "remove_spectral_norm"]


def check_power_iterations(n_power_iterations):
    if n_power_iterations <= 0:
        raise ValueError(f"Expected n_power_iterations to be positive, but got "
                         f"n_power_iterations={n_power_iterations}")


def default_dim(module):
    """1 for transposed convolutions (their output channels are dim 1 of the weight), else 0."""
    return 1 if isinstance(module, _ConvNd) and module.transposed else 0


def weight_as_matrix(weight, dim):
    """``weight`` with ``dim`` moved first and the other dims flattened: (weight.shape[dim], -1)."""
    if dim != 0:
        weight = weight.permute(dim, *[d for d in range(weight.dim()) if d != dim])
    return weight.flatten(1)


def random_unit_vectors(matrix, eps):
    """``(u, v)``: normalised standard-normal vectors of the matrix's height and width."""
    rows, columns = matrix.shape
    return (F.normalize(matrix.new_empty(rows).normal_(0, 1), dim=0, eps=eps),
            F.normalize(matrix.new_empty(columns).normal_(0, 1), dim=0, eps=eps))


def power_iterations(matrix, u, v, iterations, eps):
    """``iterations`` steps ``u = normalize(matrix v)``, ``v = normalize(matrix^T u)``, written into u and v."""
    with no_grad():
        for _ in range(iterations):
            u.copy_(F.normalize(autograd_core.mv(matrix, v), dim=0, eps=eps))
            v.copy_(F.normalize(autograd_core.mv(matrix.t(), u), dim=0, eps=eps))


def divided_by_sigma(weight, matrix, u, v):
    """``weight / (u . matrix v)``, differentiable in ``weight`` (u and v are copies, treated as constants)."""
    return weight / autograd_core.dot(u.clone(), autograd_core.mv(matrix, v.clone()))


class SpectralNorm:
    """The forward pre-hook of the legacy form: ``module.<name> = <name>_orig / sigma``, one power iteration
    (on ``<name>_u``, ``<name>_v``) per training call first."""

    def __init__(self, name="weight", n_power_iterations=1, dim=0, eps=1e-12):
        check_power_iterations(n_power_iterations)
        self.name, self.dim, self.n_power_iterations, self.eps = name, dim, n_power_iterations, eps

    def compute_weight(self, module, do_power_iteration):
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        matrix = weight_as_matrix(weight, self.dim)
        if do_power_iteration:  # PyTorch's order: v from u first, then u from v
            power_iterations(matrix.t(), v, u, self.n_power_iterations, self.eps)
        return divided_by_sigma(weight, matrix, u, v)

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    def remove(self, module):
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        for suffix in ("", "_u", "_v", "_orig"):
            delattr(module, self.name + suffix)
        module.register_parameter(self.name, Parameter(weight.detach()))


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Replace ``module.<name>`` by ``<name>_orig / sigma`` before every forward (``sigma`` its largest singular
    value, estimated by power iteration); ``dim`` is 1 for transposed convolutions, else 0, by default."""
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
    hook = SpectralNorm(name, n_power_iterations, default_dim(module) if dim is None else dim, eps)
    if name not in module._parameters:
        raise KeyError(f"spectral_norm: {type(module).__name__} has no parameter '{name}'")
    weight = module._parameters[name]
    if weight is None:
        raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
    if isinstance(weight, UninitializedParameter):
        raise ValueError("The module passed to `SpectralNorm` can't have uninitialized parameters. Make sure to run "
                         "the dummy forward before applying spectral normalization")
    with no_grad():
        u, v = random_unit_vectors(weight_as_matrix(weight, hook.dim), eps)
    delattr(module, name)
    module.register_parameter(name + "_orig", weight)
    setattr(module, name, weight.data)
    module.register_buffer(name + "_u", u)
    module.register_buffer(name + "_v", v)
    module.register_forward_pre_hook(hook)
    return module


def remove_spectral_norm(module, name="weight"):
    """Undo ``spectral_norm``: ``module.<name>`` becomes one Parameter again, holding the normalised weight."""
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
