"""Parametrizations (``torch.nn.utils.parametrize``): a module's tensor computed from others on every access.

``register_parametrization(module, "weight", p)`` moves the weight to
``module.parametrizations.weight.original`` (or ``original0, original1...`` when
``p.right_inverse`` returns several tensors) and turns ``module.weight`` into a
property that evaluates ``p(original)``; assigning ``module.weight = value``
stores ``p.right_inverse(value)``. The module's class becomes a subclass named
``Parametrized<Class>``, as in PyTorch, so that the property belongs to this
module alone; ``remove_parametrizations`` undoes it all.
"""
import collections.abc
import contextlib
import copy

from autograd_core import Tensor, no_grad

from ..modules.container import ModuleDict, ModuleList
from ..parameter import Parameter

__all__ = ["register_parametrization", "remove_parametrizations", "cached", "is_parametrized",
           "type_before_parametrizations", "ParametrizationList"]

_cache_depth = 0
_cache = {}


@contextlib.contextmanager
def cached():
    """Inside this context every parametrized tensor is computed once, at its first access."""
    global _cache_depth
    _cache_depth += 1
    try:
        yield
    finally:
        _cache_depth -= 1
        if not _cache_depth:
            _cache.clear()


def _register_parameter_or_buffer(module, name, value):
    if isinstance(value, Parameter):
        module.register_parameter(name, value)
    else:
        module.register_buffer(name, value)


def _check_like_original(value, original, what, unsafe):
    """A parametrization (or its right_inverse) must keep the original's dtype and shape unless ``unsafe``."""
    if unsafe:
        return
    if not isinstance(value, Tensor):
        raise ValueError(f"A parametrization must return a tensor. Got {type(value).__name__}.")
    if value.dtype != original.dtype:
        raise ValueError(f"Registering a parametrization may not change the dtype of the tensor, unless `unsafe` "
                         f"flag is enabled.\nunparametrized dtype: {original.dtype}\n{what} dtype: {value.dtype}")
    if tuple(value.shape) != tuple(original.shape):
        raise ValueError(f"Registering a parametrization may not change the shape of the tensor, unless `unsafe` "
                         f"flag is enabled.\nunparametrized shape: {tuple(original.shape)}\n{what} shape: "
                         f"{tuple(value.shape)}")


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and the tensor(s) they start from."""

    def __init__(self, modules, original, unsafe=False):
        if not modules:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        with no_grad():
            new = original
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    new = module.right_inverse(new)
        if not isinstance(new, (Tensor, collections.abc.Sequence)):
            raise ValueError(f"'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                             f"Got {type(new).__name__}")
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if not unsafe and new.dtype != original.dtype:
                raise ValueError(f"When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                                 f"original.dtype: {original.dtype}\nright_inverse(original).dtype: {new.dtype}")
            original.data = new.detach()  # the original Parameter object holds the value (optimizers keep it)
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, value in enumerate(new):
                if not isinstance(value, Tensor):
                    raise ValueError(f"'right_inverse' must return a Tensor or a Sequence of tensors (list, "
                                     f"tuple...). Got element {i} of the sequence with type {type(value).__name__}.")
                value = value.detach()
                if isinstance(original, Parameter):
                    value = Parameter(value, original.requires_grad)
                _register_parameter_or_buffer(self, f"original{i}", value)
        with no_grad():
            _check_like_original(self(), original, "parametrized", unsafe)

    def right_inverse(self, value):
        """Store ``value`` as the parametrized tensor: the right inverses, last first, give the originals."""
        with no_grad():
            for module in reversed(list(self)):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(module).__name__} does not implement right_inverse.")
                value = module.right_inverse(value)
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor. Got {type(value).__name__}")
                _check_like_original(value, self.original, "right_inverse", self.unsafe)
                self.original.data = value.detach()
                return
            if not isinstance(value, collections.abc.Sequence) or len(value) != self.ntensors:
                raise ValueError(f"'right_inverse' must return a sequence of {self.ntensors} tensors, got "
                                 f"{type(value).__name__}")
            for i, tensor in enumerate(value):
                getattr(self, f"original{i}").data = tensor.detach()

    def forward(self):
        originals = (self.original,) if self.is_tensor else tuple(getattr(self, f"original{i}")
                                                                   for i in range(self.ntensors))
        first, *rest = list(self)
        value = first(*originals)
        for module in rest:
            value = module(value)
        return value


def _parametrized_class(module):
    """Give ``module`` a class of its own, ``Parametrized<Class>``, to hold the properties."""
    cls = type(module)

    def __getstate__(self):
        raise RuntimeError("Serialization of parametrized modules is only supported through state_dict(). See:\n"
                           "https://pytorch.org/tutorials/beginner/saving_loading_models.html#saving-loading-a-"
                           "general-checkpoint-for-inference-and-or-resuming-training")

    def __deepcopy__(self, memo):
        replica = self.__new__(type(self))
        memo[id(self)] = replica
        replica.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return replica

    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), {"__getstate__": __getstate__,
                                                                    "__deepcopy__": __deepcopy__})


def _parametrized_property(tensor_name):
    def get(self):
        if not _cache_depth:
            return self.parametrizations[tensor_name]()
        key = (id(self), tensor_name)
        if key not in _cache:
            _cache[key] = self.parametrizations[tensor_name]()
        return _cache[key]

    def set_(self, value):
        self.parametrizations[tensor_name].right_inverse(value)

    return property(get, set_)


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Make ``module.<tensor_name>`` the result of ``parametrization`` on the tensor registered under that name.

    A second registration on the same name chains: the new parametrization is applied
    to the result of the earlier ones. Returns ``module``.
    """
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            current = getattr(module, tensor_name)
            _check_like_original(parametrization(current), current, "parametrized", False)
        module.parametrizations[tensor_name].append(parametrization)
        module.parametrizations[tensor_name].unsafe |= unsafe
        return module
    if tensor_name not in module._parameters and tensor_name not in module._buffers:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a parametrized element with "
                         f"name '{tensor_name}'")
    original = getattr(module, tensor_name)
    parametrizations = ParametrizationList([parametrization], original, unsafe=unsafe)
    delattr(module, tensor_name)
    if not is_parametrized(module):
        _parametrized_class(module)
        module.parametrizations = ModuleDict()
    setattr(type(module), tensor_name, _parametrized_property(tensor_name))
    module.parametrizations[tensor_name] = parametrizations
    return module


def is_parametrized(module, tensor_name=None):
    """Whether ``module`` has a parametrization (on ``tensor_name``, when given)."""
    parametrizations = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    return len(parametrizations) > 0 if tensor_name is None else tensor_name in parametrizations


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Undo ``register_parametrization`` on ``tensor_name``: it becomes a plain parameter (or buffer) again.

    With ``leave_parametrized`` it keeps its current (parametrized) value, else the
    original's. Returns ``module``.
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    parametrizations = module.parametrizations[tensor_name]
    if parametrizations.is_tensor:
        original = parametrizations.original
        if leave_parametrized:
            with no_grad():
                original.data = getattr(module, tensor_name).detach()
    else:
        if not leave_parametrized:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is parametrized "
                             "in terms of a sequence of tensors.")
        with no_grad():
            value = getattr(module, tensor_name).detach()
        first = parametrizations.original0
        original = Parameter(value, first.requires_grad) if isinstance(first, Parameter) else value
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = type(module).__bases__[0]
    return module


def type_before_parametrizations(module):
    """The class of ``module`` as it was before it was parametrized."""
    return type(module).__bases__[0] if is_parametrized(module) else type(module)
