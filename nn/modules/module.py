"""Module: the base class of every layer; registers parameters, buffers and submodules by assignment."""
from collections import OrderedDict, namedtuple
import itertools
import warnings

import numpy as np

from autograd_core.dtypes import is_floating
import autograd_core
from autograd_core import Tensor, dtypes, no_grad
from autograd_core.tensor import to_arguments
from autograd_core.arrays import is_array, to_device
from autograd_core.autograd import Function

from ..parameter import Parameter

# the register_module_*_hook functions live here only, as in PyTorch
__all__ = ["Module", "RemovableHandle", "UninitializedParameter", "UninitializedBuffer", "Buffer"]


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict(strict=False)`` returns."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"

    __str__ = __repr__


class RemovableHandle:
    """Returned by the ``register_*_hook`` methods; ``remove()`` unregisters the hook.

    ``extra_dict`` holds the dicts (or one dict) that record options of the hook by its id (``with_kwargs``...).
    """

    _next_id = itertools.count()

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.id = next(RemovableHandle._next_id)
        self._hooks_dict = hooks_dict
        self._extra_dicts = [] if extra_dict is None else [extra_dict] if isinstance(extra_dict, dict) \
            else list(extra_dict)

    def remove(self):
        for hooks in [self._hooks_dict] + self._extra_dicts:
            hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


# ----- hooks of every module (``register_module_*_hook``) -----
_global_forward_pre_hooks = OrderedDict()
_global_forward_hooks = OrderedDict()
_global_forward_hooks_with_kwargs = {}
_global_forward_hooks_always_called = {}
_global_backward_pre_hooks = OrderedDict()
_global_backward_hooks = OrderedDict()
_global_hook_ids = {}  # every global hook's id, whatever its kind: one check on each module call


def _add_hook(hooks, hook, prepend=False, **options):
    """Register ``hook`` in ``hooks``; each option dict in ``options`` whose flag is true records its id."""
    flagged = [flags for flags, on in options.values() if on]
    handle = RemovableHandle(hooks, extra_dict=[flags for flags, _ in options.values()])
    hooks[handle.id] = hook
    for flags in flagged:
        flags[handle.id] = True
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_module_forward_pre_hook(hook):
    """Call ``hook(module, args)`` before every module's ``forward`` (before the module's own pre-hooks)."""
    return _add_hook(_global_forward_pre_hooks, hook, registered=(_global_hook_ids, True))


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    """Call ``hook(module, args, output)`` (or ``hook(module, args, kwargs, output)``) after every module's
    ``forward``, before the module's own forward hooks."""
    return _add_hook(_global_forward_hooks, hook, registered=(_global_hook_ids, True),
                     with_kwargs=(_global_forward_hooks_with_kwargs, with_kwargs),
                     always_call=(_global_forward_hooks_always_called, always_call))


def register_module_full_backward_pre_hook(hook):
    """Call ``hook(module, grad_output)`` for every module, before its own backward pre-hooks."""
    return _add_hook(_global_backward_pre_hooks, hook, registered=(_global_hook_ids, True))


def register_module_full_backward_hook(hook):
    """Call ``hook(module, grad_input, grad_output)`` for every module, before its own backward hooks."""
    return _add_hook(_global_backward_hooks, hook, registered=(_global_hook_ids, True))


class BackwardHookFunction(Function):
    """The identity on a module's tensor inputs (or outputs), whose backward hands their gradients to the call's
    full backward hooks (``BackwardHookFunctionBackward``, as in PyTorch)."""

    @staticmethod
    def forward(ctx, call, outputs_side, *tensors):
        ctx.call, ctx.outputs_side = call, outputs_side
        ctx.set_materialize_grads(False)
        ctx.mark_non_differentiable(*[t for t in tensors if not t.requires_grad])
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        run = ctx.call.gradients_of_outputs if ctx.outputs_side else ctx.call.gradients_of_inputs
        return (None, None) + run(grads)


class _BackwardHookCall:
    """One module call under full backward hooks: the gradient of its outputs goes through the pre-hooks
    (``hook(module, grad_output)``), that of its tensor inputs through the hooks (``hook(module, grad_input,
    grad_output)``); a hook's returned tuple replaces the gradients."""

    def __init__(self, module, hooks, pre_hooks):
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.input_count, self.inputs_need_grad, self.grad_output = 0, False, None

    def wrap_inputs(self, args):
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.input_count = len(positions)
        self.inputs_need_grad = autograd_core.is_grad_enabled() and any(args[i].requires_grad for i in positions)
        if not (self.inputs_need_grad and self.hooks):
            return args
        wrapped, args = iter(BackwardHookFunction.apply(self, False, *[args[i] for i in positions])), list(args)
        for i in positions:
            args[i] = next(wrapped)
        return tuple(args)

    def wrap_outputs(self, result):
        single = isinstance(result, Tensor)
        outputs = (result,) if single else result
        if not (isinstance(outputs, (tuple, list)) and all(isinstance(o, Tensor) for o in outputs)
                and any(o.requires_grad for o in outputs)):
            return result
        wrapped = BackwardHookFunction.apply(self, True, *outputs)
        return wrapped[0] if single else type(result)(wrapped)

    def gradients_of_outputs(self, grads):
        for hook in self.pre_hooks:
            replaced = hook(self.module, grads)
            if replaced is not None:
                grads = _checked_gradients(replaced, grads, "grad_output", "pre-hook")
        self.grad_output = grads
        if not self.inputs_need_grad and self.hooks:  # no gradient will reach the inputs: the hooks see None for each
            warnings.warn("Full backward hook is firing when gradients are computed with respect to module outputs "
                          "since no inputs require gradients. See https://docs.pytorch.org/docs/main/generated/"
                          "torch.nn.Module.html#torch.nn.Module.register_full_backward_hook for more details.",
                          stacklevel=2)
            for hook in self.hooks:
                result = hook(self.module, (None,) * self.input_count, grads)
                if result is not None and not all(g is None for g in _as_tuple(result)):
                    raise RuntimeError("Backward hook for Modules where no input requires gradient should always "
                                       "return None or None for all gradients.")
        return grads

    def gradients_of_inputs(self, grads):
        for hook in self.hooks:
            replaced = hook(self.module, grads, self.grad_output)
            if replaced is not None:
                grads = _checked_gradients(replaced, grads, "grad_input", "hook")
        return grads


def _as_tuple(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _checked_gradients(replaced, grads, what, kind):
    replaced = _as_tuple(replaced)
    if len(replaced) != len(grads):
        raise RuntimeError(f"Backward {kind} returned an invalid number of {what}, got {len(replaced)}, but expected "
                           f"{len(grads)}")
    return replaced


_EXTRA_STATE = "_extra_state"  # the state_dict key suffix of get_extra_state's value


def _overrides(module, method):
    """Whether ``module``'s class overrides Module's ``method`` (get_extra_state/set_extra_state)."""
    return getattr(type(module), method) is not getattr(Module, method)


def _type_name(value):
    return value.type() if isinstance(value, Tensor) else type(value).__name__


def _indent(text, spaces):
    """Indent every line of ``text`` but the first."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    pad = " " * spaces
    return lines[0] + "\n" + "\n".join(pad + line for line in lines[1:])


def _state_tensor(value):
    """A ``state_dict`` value as a Tensor (arrays of numbers are wrapped), or None when it is neither."""
    if isinstance(value, Tensor):
        return value
    if (is_array(value) or isinstance(value, np.generic)) and (value.dtype.kind in "biu" or is_floating(value.dtype)):
        return autograd_core.as_tensor(value)
    return None


# the hook registries of a module, by attribute (PyTorch's names)
_HOOK_DICTS = {"_forward_pre_hooks": OrderedDict, "_forward_pre_hooks_with_kwargs": dict,
               "_forward_hooks": OrderedDict, "_forward_hooks_with_kwargs": dict,
               "_forward_hooks_always_called": dict, "_backward_pre_hooks": OrderedDict,
               "_backward_hooks": OrderedDict}


class Module(dtypes.FloatingConversions):
    """Base class for all neural network modules (``torch.nn.Module``).

    Assigning a Parameter, a Module or a registered buffer name as an
    attribute records it, so that ``parameters()``, ``state_dict()``,
    ``to()``... find it recursively. Subclasses implement ``forward``;
    calling the module runs the forward pre-hooks, ``forward`` and the
    forward hooks.
    """

    training: bool

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments; Module.__init__ takes none")
        setattr_ = object.__setattr__
        setattr_(self, "training", True)
        setattr_(self, "_parameters", {})
        setattr_(self, "_buffers", {})
        setattr_(self, "_non_persistent_buffers_set", set())
        setattr_(self, "_modules", {})
        for name, kind in _HOOK_DICTS.items():
            setattr_(self, name, kind())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __setstate__(self, state):
        """Unpickling: a module pickled before a kind of hook existed gets that kind's empty dict."""
        self.__dict__.update(state)
        for name, kind in _HOOK_DICTS.items():
            if name not in self.__dict__:
                object.__setattr__(self, name, kind())

    # ----- calling -----
    def __call__(self, *args, **kwargs):
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks or self._backward_pre_hooks
                or _global_hook_ids):
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args, kwargs):
        """PyTorch's order: forward pre-hooks, forward (its inputs and outputs watched by the full backward hooks
        when there are any), forward hooks; global hooks before the module's own."""
        args, kwargs = self._run_forward_pre_hooks(args, kwargs)
        backward_hooks = list(_global_backward_hooks.values()) + list(self._backward_hooks.values())
        backward_pre_hooks = list(_global_backward_pre_hooks.values()) + list(self._backward_pre_hooks.values())
        call = _BackwardHookCall(self, backward_hooks, backward_pre_hooks) if backward_hooks or backward_pre_hooks \
            else None
        if call is not None:
            args = call.wrap_inputs(args)
        called, result = set(), None
        try:
            result = self.forward(*args, **kwargs)
            for hook_id, hook, with_kwargs in self._forward_hooks_in_order():
                called.add(hook_id)
                replaced = hook(self, args, kwargs, result) if with_kwargs else hook(self, args, result)
                if replaced is not None:
                    result = replaced
        except Exception:
            self._run_always_called_hooks(args, kwargs, result, called)
            raise
        return call.wrap_outputs(result) if call is not None else result

    def _run_forward_pre_hooks(self, args, kwargs):
        hooks = list(_global_forward_pre_hooks.items()) + list(self._forward_pre_hooks.items())
        for hook_id, hook in hooks:
            if hook_id in self._forward_pre_hooks_with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of (new_args, new_kwargs), "
                                           f"but got {result}.")
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        return args, kwargs

    def _forward_hooks_in_order(self):
        """``(id, hook, with_kwargs)`` for the global forward hooks, then the module's."""
        for hooks, with_kwargs in ((_global_forward_hooks, _global_forward_hooks_with_kwargs),
                                   (self._forward_hooks, self._forward_hooks_with_kwargs)):
            for hook_id, hook in list(hooks.items()):
                yield hook_id, hook, hook_id in with_kwargs

    def _run_always_called_hooks(self, args, kwargs, result, called):
        """After ``forward`` raised: the ``always_call`` forward hooks that did not run yet (their own errors
        become warnings, as in PyTorch)."""
        always = (_global_forward_hooks_always_called, self._forward_hooks_always_called)
        for hook_id, hook, with_kwargs in self._forward_hooks_in_order():
            if hook_id in called or not any(hook_id in flags for flags in always):
                continue
            try:
                replaced = hook(self, args, kwargs, result) if with_kwargs else hook(self, args, result)
                result = result if replaced is None else replaced
            except Exception as error:
                warnings.warn("module forward hook with ``always_call=True`` raised an exception that was silenced "
                              f"as another error was raised in forward: {error}")

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Call ``hook(module, args)`` before ``forward``; a returned value replaces ``args``.

        With ``with_kwargs`` the hook is ``hook(module, args, kwargs)`` and may return ``(args, kwargs)``.
        """
        return _add_hook(self._forward_pre_hooks, hook, prepend,
                         with_kwargs=(self._forward_pre_hooks_with_kwargs, with_kwargs))

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """Call ``hook(module, args, output)`` after ``forward``; a returned value replaces ``output``.

        With ``with_kwargs`` the hook is ``hook(module, args, kwargs, output)``; with
        ``always_call`` it also runs when ``forward`` raises.
        """
        return _add_hook(self._forward_hooks, hook, prepend,
                         with_kwargs=(self._forward_hooks_with_kwargs, with_kwargs),
                         always_call=(self._forward_hooks_always_called, always_call))

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """Call ``hook(module, grad_output)`` when the gradients of the module's outputs are known; a returned
        tuple replaces them."""
        return _add_hook(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        """Call ``hook(module, grad_input, grad_output)`` when the gradients of the module's tensor inputs are
        known (None for inputs that need none); a returned tuple replaces ``grad_input``."""
        return _add_hook(self._backward_hooks, hook, prepend)

    # ----- registration -----
    def _check_name(self, name, kind):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain ".", got: {name}')

    def register_parameter(self, name, param):
        """Add ``param`` (a Parameter or None) under ``name``."""
        self._check_name(name, "parameter")
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_type_name(param)}' object to parameter '{name}' "
                            "(torch.nn.Parameter or None required)")
        if param is not None and param.grad_fn is not None:
            raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                             f"created explicitly; to express '{name}' as a function of another Tensor, compute "
                             "the value in the forward() method.")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add a tensor that is state but not a parameter (e.g. running statistics).

        Persistent buffers are part of ``state_dict``; ``persistent=False`` ones are not.
        """
        self._check_name(name, "buffer")
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_type_name(tensor)}' object to buffer '{name}' "
                            "(torch Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        """Add a child module under ``name`` (``None`` keeps a placeholder)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._check_name(name, "module")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    # ----- attribute protocol -----
    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name, keep=params)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_type_name(value)}' as parameter '{name}' "
                                "(torch.nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, keep=self._modules)
            self._modules[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{_type_name(value)}' as child module '{name}' "
                                "(torch.nn.Module or None expected)")
            self._modules[name] = None
        elif isinstance(value, Buffer):
            self.register_buffer(name, value, value.persistent)
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_type_name(value)}' as buffer '{name}' "
                                "(torch.nn.Buffer, torch.Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name, keep=None):
        """Remove ``name`` from wherever it is registered except ``keep`` (which it is about to be set in)."""
        self.__dict__.pop(name, None)
        for registry in (self._parameters, self._buffers, self._modules):
            if registry is not keep:
                registry.pop(name, None)
        self._non_persistent_buffers_set.discard(name)

    def __getattr__(self, name):
        # only reached when normal lookup fails: registered entries live in the three dicts
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = d.get(registry)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        if name in self._parameters or name in self._buffers or name in self._modules:
            self._forget(name)
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        keys = set(super().__dir__())
        keys.update(self._parameters, self._buffers, self._modules)
        return sorted(k for k in keys if not k[0].isdigit())

    # ----- traversal -----
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """``(qualified_name, module)`` for this module and every descendant, each module once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            yield from module.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry, prefix, recurse, remove_duplicate):
        seen = set()
        owners = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for owner_name, owner in owners:
            for name, value in getattr(owner, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield owner_name + ("." if owner_name else "") + name, value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """``(qualified_name, parameter)`` pairs; a shared parameter is listed once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def get_submodule(self, target):
        """The submodule at dotted path ``target`` ("" is this module)."""
        module = self
        if target == "":
            return module
        for item in target.split("."):
            if item not in module._modules or module._modules[item] is None:
                raise AttributeError(f"{module._get_name()} has no attribute `{item}`")
            module = module._modules[item]
        return module

    def set_submodule(self, target, module, strict=False):
        """Put ``module`` at dotted path ``target`` (its parent must exist; with ``strict``, the entry too)."""
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        parent_path, _, name = target.rpartition(".")
        parent = self.get_submodule(parent_path)
        if strict and not hasattr(parent, name):
            raise AttributeError(f"{parent._get_name()} has no attribute `{name}`")
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError(f"`{name}` is not an nn.Module")
        setattr(parent, name, module)

    def _get_member(self, target, registry, kind):
        owner_path, _, name = target.rpartition(".")
        owner = self.get_submodule(owner_path)
        entries = getattr(owner, registry)
        if name not in entries:
            raise AttributeError(f"{owner._get_name()} has no {kind} `{name}`")
        return entries[name]

    def get_parameter(self, target):
        return self._get_member(target, "_parameters", "parameter")

    def get_buffer(self, target):
        return self._get_member(target, "_buffers", "buffer")

    # ----- state -----
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """Parameters and persistent buffers by qualified name, in registration order (detached)."""
        if destination is None:
            destination = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars or isinstance(param, _Uninitialized) \
                    else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars or isinstance(buf, _Uninitialized) else buf.detach()
        if _overrides(self, "get_extra_state"):
            destination[prefix + _EXTRA_STATE] = self.get_extra_state()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy ``state_dict``'s values into this module's parameters and buffers.

        Every key and shape is checked before anything is written, so a failed
        load leaves the module unchanged. Missing/unexpected keys are errors when
        ``strict``; wrong shapes always are. Returns ``(missing_keys, unexpected_keys)``.
        With ``assign=True`` the loaded tensors replace the module's own.
        """
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        own = self.state_dict(keep_vars=True)
        extra = {(name + "." if name else "") + _EXTRA_STATE: module
                 for name, module in self.named_modules(remove_duplicate=False)
                 if _overrides(module, "set_extra_state")}
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        errors = []
        if strict:
            if missing:
                errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
            if unexpected:
                errors.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        updates = []
        for key, target in own.items():
            if key not in state_dict or key in extra:
                continue
            value = _state_tensor(state_dict[key])
            if isinstance(target, _Uninitialized) and isinstance(value, _Uninitialized):
                continue  # an uninitialized checkpoint entry leaves an uninitialized entry as it is
            if isinstance(target, _Uninitialized) and value is not None:
                target.materialize(value.shape, dtype=value.dtype)  # a lazy module takes the checkpoint's shape
            if value is None:
                errors.append(f'While copying the parameter named "{key}", expected torch.Tensor or Tensor-like '
                              f"object from checkpoint but received {type(state_dict[key]).__name__}")
            elif value.shape != target.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape {value.shape} "
                              f"from checkpoint, the shape in current model is {target.shape}.")
            else:
                updates.append((key, target, value))
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        with no_grad():
            for key, target, value in updates:
                if assign:
                    self._assign(key, target, value)
                else:
                    target.copy_(value)
        for key, module in extra.items():
            if key in state_dict:
                module.set_extra_state(state_dict[key])
        return _IncompatibleKeys(missing, unexpected)

    def get_extra_state(self):
        """What ``state_dict`` stores under ``<prefix>_extra_state`` besides tensors; a module that overrides it
        (any picklable value) overrides ``set_extra_state`` to load it back."""
        raise RuntimeError("Reached a code path in Module.get_extra_state() that should never be called.")

    def set_extra_state(self, state):
        """Load back what ``get_extra_state`` returned (called by ``load_state_dict``)."""
        raise RuntimeError("Reached a code path in Module.set_extra_state() that should never be called.")

    def _assign(self, key, target, value):
        """``load_state_dict(assign=True)``: ``value`` itself takes ``key``'s place (a parameter keeps its
        ``requires_grad``)."""
        owner_path, _, name = key.rpartition(".")
        if isinstance(target, Parameter):
            if not isinstance(value, Parameter):
                value = Parameter(value, target.requires_grad)
            value.requires_grad_(target.requires_grad)
        setattr(self.get_submodule(owner_path), name, value)

    # ----- modes and conversions -----
    def train(self, mode=True):
        """Set training mode (dropout active, batch statistics) on this module and its descendants."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters (to None by default, else to zero in place)."""
        for param in self.parameters():
            grad = param.grad
            if grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:  # as PyTorch: cut from any graph, then zeroed in place
                (grad.detach_() if grad.grad_fn is not None else grad.requires_grad_(False)).zero_()

    def apply(self, fn):
        """Call ``fn(module)`` on every descendant (children first) and on this module."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def _apply(self, convert):
        """Replace every parameter's, gradient's and buffer's array by ``convert(array)``, keeping the objects."""
        for module in self.modules():
            for param in module._parameters.values():
                if param is None:
                    continue
                param.array = convert(param.array)
                if param.grad is not None:
                    param.grad.array = convert(param.grad.array)
            for name, buf in module._buffers.items():
                if buf is not None:
                    buf.array = convert(buf.array)
        return self

    def to(self, *args, **kwargs):
        """``to(dtype)``, ``to(device)``, ``to(tensor)`` or ``to(device, dtype)``: converts floating state only."""
        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        dtype, device = to_arguments(args, dtype, device)
        if dtype is None and device is None:
            return self
        target = None if dtype is None else dtypes.as_dtype(dtype)
        if target is not None and not target.is_floating_point:
            raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired dtype={target}")

        def convert(a):
            if device is not None:
                a = to_device(a, device)
            return a.astype(target.numpy, copy=False) if target is not None and is_floating(a.dtype) else a
        return self._apply(convert)

    def type(self, dst_type):
        return self._apply(lambda a: a.astype(dtypes.as_dtype(dst_type).numpy, copy=False))

    def cpu(self):
        """Move every parameter, gradient and buffer to the CPU, in place (the objects stay)."""
        return self.to("cpu")

    def cuda(self, device=None):
        """Move every parameter, gradient and buffer to CUDA device ``device`` (the current one by default)."""
        return self.to("cuda" if device is None else device)

    # ----- printing -----
    def _get_name(self):
        return type(self).__name__

    def extra_repr(self):
        """The part of ``repr`` inside the parentheses (layers override it with their settings)."""
        return ""

    def _child_lines(self):
        return [f"({name}): {_indent(repr(module), 2)}" for name, module in self._modules.items()]

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = self._child_lines()
        lines = extra_lines + child_lines
        if not lines:
            body = ""
        elif len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        else:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{self._get_name()}({body})"


# ----- lazy modules -----
class _Uninitialized:
    """A parameter or buffer whose shape is not known yet: ``materialize(shape)`` makes it a plain one."""

    __slots__ = ()
    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None):
        """Give it ``shape`` (uninitialised values) and turn it into ``cls_to_become``, in place."""
        made = autograd_core.empty(shape, device=device, dtype=dtype if dtype is not None else self.dtype)
        self.array = made.array
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This error usually "
                           "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
                           "initialized one. Call `forward` to initialize the parameters before accessing their "
                           "attributes.")

    def size(self, dim=None):
        return self.shape

    def numel(self):
        return self.shape

    def __repr__(self):
        return f"<{type(self).__name__}>"


class UninitializedParameter(_Uninitialized, Parameter):
    """A Parameter of a lazy module before its first call (``torch.nn.UninitializedParameter``)."""

    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        return Parameter.__new__(cls, autograd_core.empty(0, device=device, dtype=dtype), requires_grad)

    def __init__(self, requires_grad=True, device=None, dtype=None):
        """Everything is set up by ``__new__``."""


class UninitializedBuffer(_Uninitialized, Tensor):
    """A buffer of a lazy module before its first call (``torch.nn.UninitializedBuffer``)."""

    __slots__ = ()
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None):
        buffer = autograd_core.empty(0, device=device, dtype=dtype, requires_grad=requires_grad)
        buffer.__class__ = cls
        return buffer

    def __init__(self, requires_grad=False, device=None, dtype=None):
        """Everything is set up by ``__new__``."""


class Buffer(Tensor):
    """A Tensor that a Module registers as a buffer when assigned as an attribute (``torch.nn.Buffer``).

    It shares ``data``'s array; ``persistent=False`` keeps it out of ``state_dict``.
    """

    __slots__ = ()
    persistent = True

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = autograd_core.empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Buffer: expected data to be a Tensor, but got {type(data).__name__}")
        buffer = data.detach().requires_grad_(data.requires_grad)
        buffer.__class__ = Buffer if persistent and cls.persistent else _NonPersistentBuffer
        return buffer

    def __init__(self, data=None, *, persistent=True):
        """Everything is set up by ``__new__``."""


class _NonPersistentBuffer(Buffer):
    """A ``Buffer(..., persistent=False)``."""

    __slots__ = ()
    persistent = False
