"""Optimizer: the base class that holds parameter groups and per-parameter state.

A subclass validates its hyper-parameters, passes them as ``defaults`` and
implements two methods:

* ``_initial_state(param, group)``: the state dict of a parameter (a Tensor) before its first step;
* ``_update(param, grad, state, group)``: one step, in place, on the parameter's
  C-contiguous array given its gradient's (same shape and dtype): it turns the
  group's options into the algorithm's scalars and runs the algorithm's kernel
  (``kernels("optim", param)``, Numba's loops in ``optim.kernels`` for numpy
  arrays) on the flat views of both and of ``state_buffer``'s state arrays.

The base class does the rest as PyTorch does: groups with defaults filled in,
``zero_grad``, ``step(closure)`` (each updated parameter's version is bumped, as
an in-place op bumps it), and ``state_dict`` / ``load_state_dict`` in PyTorch's
format (state keyed by parameter index, groups listing indices), with PyTorch's
hooks around ``step`` (per optimizer and global), ``state_dict`` and ``load_state_dict``.
"""
import functools
import importlib
from collections import OrderedDict, defaultdict
from itertools import chain

import numpy as np

import autograd_core
from autograd_core import Tensor, enable_grad
from autograd_core.arrays import add_kernels, array_module
from autograd_core.autograd.graph import increment_version
from nn.modules.module import RemovableHandle

__all__ = ["Optimizer", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook", "required"]

SUPPORTED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

add_kernels("optim", lambda: importlib.import_module(".kernels", __package__))
add_kernels("optim", lambda: importlib.import_module(".elementwise_kernels", __package__), backend="cuda")

_global_step_pre_hooks = OrderedDict()
_global_step_post_hooks = OrderedDict()


class _RequiredParameter:
    """The default of an option that every param group must set (``optim.optimizer.required``)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _add_hook(hooks, hook, prepend=False):
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_optimizer_step_pre_hook(hook):
    """Call ``hook(optimizer, args, kwargs)`` before every optimizer's ``step``; it may return
    new ``(args, kwargs)``."""
    return _add_hook(_global_step_pre_hooks, hook)


def register_optimizer_step_post_hook(hook):
    """Call ``hook(optimizer, args, kwargs)`` after every optimizer's ``step``."""
    return _add_hook(_global_step_post_hooks, hook)


_HOOK_DICTS = ("_step_pre_hooks", "_step_post_hooks", "_state_dict_pre_hooks", "_state_dict_post_hooks",
               "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks")


def _with_step_hooks(step):
    """``step`` run between the global and the optimizer's step pre-hooks and post-hooks, in PyTorch's order
    (once: a subclass's step calling ``super().step()`` does not run them again)."""
    @functools.wraps(step)
    def hooked_step(*args, **kwargs):
        self = args[0]
        hooked = _global_step_pre_hooks or _global_step_post_hooks or self._step_pre_hooks or self._step_post_hooks
        if not hooked or self.__dict__.get("_in_step"):
            return step(*args, **kwargs)
        self._in_step = True
        try:
            return _run_with_hooks(step, self, args, kwargs)
        finally:
            self._in_step = False
    return hooked_step


def _run_with_hooks(step, self, args, kwargs):
    for pre_hook in chain(_global_step_pre_hooks.values(), self._step_pre_hooks.values()):
        result = pre_hook(self, args, kwargs)
        if result is not None:
            if not (isinstance(result, tuple) and len(result) == 2):
                raise RuntimeError(f"{step} must return None or a tuple of (new_args, new_kwargs), "
                                   f"but got {result}.")
            args, kwargs = result
    out = step(*args, **kwargs)
    for post_hook in chain(self._step_post_hooks.values(), _global_step_post_hooks.values()):
        post_hook(self, args, kwargs)
    return out


class Optimizer:
    """Base class of all optimizers.

    ``params`` is an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts
    (parameter groups: ``{"params": [...], "lr": ...}``); ``defaults`` holds the
    options a group does not set itself.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "step" in vars(cls):  # a subclass's own step runs the hooks too
            cls.step = _with_step_hooks(cls.step)

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        self._add_hook_dicts()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got a Tensor (wrap it in a list: [tensor])")
        param_groups = list(_ordered(params))
        if not param_groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def _add_hook_dicts(self):
        for name in _HOOK_DICTS:
            self.__dict__.setdefault(name, OrderedDict())

    def __setstate__(self, state):
        """Unpickling: an optimizer pickled before it had hooks gets empty ones."""
        self.__dict__.update(state)
        self._add_hook_dicts()

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {key}: {group[key]}" for key in sorted(group) if key != "params")
        return "\n".join(lines) + "\n)"

    # ----- parameter groups -----
    def add_param_group(self, param_group):
        """Add a group (a dict with ``"params"`` and optional per-group options) to ``param_groups``."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(_ordered(params))
        names = [p[0] for p in params if isinstance(p, tuple)]
        tensors = [p[1] if isinstance(p, tuple) else p for p in params]
        if names and len(names) != len(tensors):
            raise ValueError("all optimizer params should be with/without names. Some param names are missing")
        _check_params(tensors, len(self.param_groups))
        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in group) != bool(names):
                which = "with names" if names else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if any(id(p) in seen for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")

        param_group["params"] = tensors
        if names:
            param_group["param_names"] = names
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        self.param_groups.append(param_group)

    # ----- hooks -----
    def register_step_pre_hook(self, hook):
        """Call ``hook(optimizer, args, kwargs)`` before each ``step``; it may return new ``(args, kwargs)``."""
        return _add_hook(self._step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        """Call ``hook(optimizer, args, kwargs)`` after each ``step``."""
        return _add_hook(self._step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        """Call ``hook(optimizer)`` at the start of ``state_dict()``."""
        return _add_hook(self._state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """Call ``hook(optimizer, state_dict)`` at the end of ``state_dict()``; a returned dict replaces it."""
        return _add_hook(self._state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """Call ``hook(optimizer, state_dict)`` before ``load_state_dict`` loads; a returned dict is loaded instead."""
        return _add_hook(self._load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        """Call ``hook(optimizer)`` after ``load_state_dict`` has loaded."""
        return _add_hook(self._load_state_dict_post_hooks, hook, prepend)

    # ----- gradients and steps -----
    def zero_grad(self, set_to_none=True):
        """Reset every parameter's ``.grad``: to None (default), or to zeros in place (detached first)."""
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:  # as PyTorch: cut from any graph, then zeroed in place
                    (grad.detach_() if grad.grad_fn is not None else grad.requires_grad_(False)).zero_()

    @_with_step_hooks
    def step(self, closure=None):
        """Update every parameter that has a gradient; ``closure`` (re-evaluating the loss) is called
        first, with gradients enabled, and its loss is returned."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self._step_parameter(p, group)
        return loss

    def _step_parameter(self, p, group):
        """Check ``p`` and its gradient, create its state if new, run ``_update`` on contiguous arrays."""
        param, grad = p.array, p.grad.array
        name, shape = type(self).__name__, tuple(param.shape)
        if group.get("capturable") and p.device.type not in _CAPTURABLE_DEVICES:
            raise AssertionError(f"{name}: If capturable=True, params and state_steps must be on supported devices: "
                                 f"{list(_CAPTURABLE_DEVICES)} (a parameter of shape {shape} is on {p.device.type})")
        if param.dtype not in SUPPORTED_DTYPES:
            raise TypeError(f"{name}: parameters must be float32 or float64, got {param.dtype} "
                            f"for a parameter of shape {shape}")
        if not param.flags.writeable:
            raise RuntimeError(f"{name}: the parameter of shape {shape} is a read-only array; "
                               "clone() it before optimizing it")
        if grad.shape != param.shape:
            raise RuntimeError(f"{name}: a parameter of shape {shape} has a gradient of shape "
                               f"{tuple(grad.shape)}; they must match")
        grad = grad.astype(param.dtype, order="C", copy=False)
        state = self.state[p]
        if not state:
            state.update(self._initial_state(p, group))
        if param.flags.c_contiguous:
            self._update(param, grad, state, group)
        else:  # e.g. a transposed view: update a contiguous copy, write it back
            work = array_module(param).ascontiguousarray(param)
            self._update(work, grad, state, group)
            param[...] = work
        increment_version(p)  # the kernel wrote the array: saved-tensor checks must see the change

    def _initial_state(self, param, group):
        """The state of ``param`` (a Tensor) before its first step."""
        return {}

    def _update(self, param, grad, state, group):
        """One step on the contiguous arrays ``param`` (in place) and ``grad``, reading and updating ``state``."""
        raise NotImplementedError

    # ----- saving and loading -----
    def _loaded_state(self, param, saved, index):
        """The state of ``param`` (number ``index``) made from its saved state."""
        return _state_for(param, saved, index)

    def state_dict(self):
        """The optimizer's state as PyTorch lays it out: ``{"state": {index: {...}}, "param_groups": [...]}``.

        Parameters are numbered in group order; each group lists its parameters' numbers
        under ``"params"``. Tensors are copies, so the dict is a snapshot.
        """
        for pre_hook in self._state_dict_pre_hooks.values():
            pre_hook(self)
        index = {}
        param_groups = []
        for group in self.param_groups:
            packed = {key: _copy(value) for key, value in group.items() if key != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            param_groups.append(packed)
        state = {(index[id(key)] if isinstance(key, Tensor) else key): _copy(value)
                 for key, value in self.state.items()}
        state_dict = {"state": state, "param_groups": param_groups}
        for post_hook in self._state_dict_post_hooks.values():
            state_dict = post_hook(self, state_dict) or state_dict
        return state_dict

    def load_state_dict(self, state_dict):
        """Restore a ``state_dict()``: options per group, state per parameter (cast to its dtype)."""
        for pre_hook in self._load_state_dict_pre_hooks.values():
            state_dict = pre_hook(self, state_dict) or state_dict
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= state_dict.keys():
            raise ValueError("load_state_dict expects a dict with 'state' and 'param_groups' "
                             "(as returned by Optimizer.state_dict())")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups "
                             f"({len(saved_groups)}, the optimizer has {len(self.param_groups)})")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(self.param_groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        params_by_index = {index: p for g, s in zip(self.param_groups, saved_groups)
                           for index, p in zip(s["params"], g["params"])}

        state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            param = params_by_index.get(key)
            state[key if param is None else param] = (_copy(value) if param is None
                                                      else self._loaded_state(param, value, key))
        groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            new_group = {k: _copy(v) for k, v in saved.items() if k != "params"}
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            groups.append(new_group)
        self.state = state
        self.param_groups = groups
        for post_hook in self._load_state_dict_post_hooks.values():
            post_hook(self)


def _ordered(params):
    """``params`` unless it is a set (whose order, hence the state_dict's numbering, changes between runs)."""
    if isinstance(params, (set, frozenset)):
        raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                        "of tensors in sets will change between runs. Please use a list instead.")
    return params


def _check_params(tensors, group_index):
    """Every entry a leaf Tensor (or one that retains its grad), none of them twice."""
    seen = {}
    for i, p in enumerate(tensors):
        if not isinstance(p, Tensor):
            raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
        if not (p.is_leaf or p.retains_grad):
            raise ValueError(f"can't optimize a non-leaf Tensor (entry {i} of param group {group_index} was "
                             f"computed by {p.grad_fn.name()}); optimize the leaf tensors it comes from")
        if id(p) in seen:
            raise ValueError(f"optimizer got the same parameter twice in param group {group_index} (entries "
                             f"{seen[id(p)]} and {i}, shape {tuple(p.shape)}); list each parameter once")
        seen[id(p)] = i


def _copy(value):
    """A copy of nested dicts/lists/tuples whose Tensors are cloned (numbers and strings are shared)."""
    if isinstance(value, Tensor):
        return value.detach().clone()
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(v) for v in value)
    return value


# kept as float32 scalars whatever the parameter's dtype, as in PyTorch
_SCALAR_STATE = ("step", "mu_product", "eta", "mu")


def _state_for(param, saved, index):
    """A loaded parameter state: tensors as contiguous copies in the parameter's dtype, scalars as float32."""
    state = {}
    for key, value in saved.items():
        if key in _SCALAR_STATE:
            value = scalar_state(float(value))
        elif isinstance(value, Tensor):
            if value.shape != param.shape:
                raise ValueError(f"loaded state of parameter {index} has '{key}' of shape {tuple(value.shape)}, "
                                 f"but the parameter has shape {tuple(param.shape)}")
            value = autograd_core.empty_like(param).copy_(value.detach())
        else:
            value = _copy(value)
        state[key] = value
    return state


_CAPTURABLE_DEVICES = ("cuda",)


def execution_options(**options):
    """The options that choose how PyTorch runs a step (``foreach``, ``fused``, ``capturable``,
    ``differentiable``), checked; a step here runs one compiled loop per parameter whatever they say,
    so the numbers are those of PyTorch's default (single-tensor) implementation."""
    if options.get("differentiable"):
        raise ValueError("differentiable=True is not supported: optim's steps update the parameters' arrays "
                         "in compiled loops, outside the autograd graph")
    if options.get("fused") and options.get("foreach"):
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    return options


def state_buffer(state, key, param):
    """``state[key]``'s array as a flat writable view; it must match ``param`` (the loops index it unchecked)."""
    array = state[key].array
    if array.shape != param.shape or array.dtype != param.dtype or not array.flags.c_contiguous \
            or not array.flags.writeable:
        raise RuntimeError(f"optimizer state '{key}' holds a {array.dtype} array of shape {tuple(array.shape)}; "
                           f"expected a contiguous, writable {param.dtype} array of shape {tuple(param.shape)} "
                           "like its parameter")
    return array.reshape(-1)


def scalar_state(value=0.0):
    """A scalar state entry ('step', NAdam's 'mu_product'): a float32 0-d tensor, as PyTorch keeps it."""
    return autograd_core.tensor(value, dtype=autograd_core.float32)


def advance_step(state):
    """Add one to ``state['step']`` and return the new count as a Python float."""
    step = state["step"]
    step.array += 1  # on the 0-d array: an in-place op would cost more than the kernel for small parameters
    increment_version(step)
    return float(step.array)


def sign(maximize, dtype):
    """-1 to negate the gradient (``maximize``), else 1: multiplying by it is exact, and keeps the loop branch-free."""
    return dtype.type(-1 if maximize else 1)


def lerp_weight(weight, dtype):
    """A ``lerp`` weight as the kernels take it: ``(coefficient, from_start)`` in ``dtype`` (see ``kernels.lerp``)."""
    w = dtype.type(weight)
    from_start = bool(abs(w) < 0.5)
    return (w if from_start else w - dtype.type(1)), from_start


_NON_NEGATIVE = {"lr": "learning rate", "eps": "epsilon value", "weight_decay": "weight_decay value",
                 "momentum": "momentum value", "alpha": "alpha value", "lr_decay": "lr_decay value",
                 "initial_accumulator_value": "initial_accumulator_value value",
                 "momentum_decay": "momentum_decay value"}


def check_non_negative(**values):
    """Raise PyTorch's ``ValueError("Invalid learning rate: -0.1")`` (and friends) for a value below zero."""
    for name, value in values.items():
        if not 0.0 <= float(value):
            raise ValueError(f"Invalid {_NON_NEGATIVE[name]}: {value}")


def check_betas(betas):
    """Both betas in [0, 1); returns them as a tuple of floats."""
    if len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    for i, beta in enumerate(betas):
        if not 0.0 <= float(beta) < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
    return tuple(float(b) for b in betas)
