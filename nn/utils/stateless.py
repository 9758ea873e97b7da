"""Call a module with other tensors in place of its parameters and buffers (``nn.utils.stateless``).

``_functional_call`` is what ``torch.func.functional_call`` runs (it accepts a
tuple of dicts as well); ``functional_call`` is the deprecated name PyTorch keeps here.
"""
import contextlib
import warnings

__all__ = ["functional_call"]


def _merged(parameters_and_buffers):
    """One dict from a dict or a sequence of dicts whose keys do not repeat."""
    if isinstance(parameters_and_buffers, dict):
        return parameters_and_buffers
    merged = {}
    for entries in parameters_and_buffers:
        repeated = sorted(set(merged) & set(entries))
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is "
                             "ambiguous")
        merged.update(entries)
    return merged


def _untied(module, values):
    """``values`` with each given tensor also under the other names of the tensor it replaces (tied weights)."""
    names_of = {}
    for name, tensor in list(module.named_parameters(remove_duplicate=False)) + \
            list(module.named_buffers(remove_duplicate=False)):
        names_of.setdefault(id(tensor), set()).add(name)
    tied = {name: names for names in names_of.values() if len(names) > 1 for name in names}
    untied = dict(values)
    for name in [n for n in values if n in tied]:
        given = [n for n in tied[name] if n in values]
        if len({id(values[n]) for n in given}) > 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(tied[name])}, which are tied. "
                             "Consider using tie_weights=False")
        for other in tied[name]:
            untied[other] = values[name]
    return untied


def _check_keys(module, values):
    expected = {name for name, _ in module.named_parameters(remove_duplicate=False)} | \
        {name for name, _ in module.named_buffers(remove_duplicate=False)}
    errors = []
    unexpected, missing = sorted(set(values) - expected), sorted(expected - set(values))
    if unexpected:
        errors.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
    if missing:
        errors.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
    if errors:
        raise RuntimeError(f"Error(s) in reparametrizing for {module._get_name()}:\n\t" + "\n\t".join(errors))


def _swap(module, name, value):
    """Put ``value`` at the dotted ``name`` (a parameter, a buffer or a plain attribute); return what was there."""
    owner_path, _, attribute = name.rpartition(".")
    owner = module.get_submodule(owner_path)
    for registry in (owner._parameters, owner._buffers):
        if attribute in registry:
            previous, registry[attribute] = registry[attribute], value
            return previous
    previous = getattr(owner, attribute, None)
    if value is None:
        delattr(owner, attribute)
    else:
        object.__setattr__(owner, attribute, value)
    return previous


@contextlib.contextmanager
def _reparametrized(module, values, tie_weights, strict):
    values = _untied(module, values) if tie_weights else values
    if strict:
        _check_keys(module, values)
    originals = {}
    try:
        for name, value in values.items():
            originals[name] = _swap(module, name, value)
        yield
    finally:
        for name, value in originals.items():
            _swap(module, name, value)


def _functional_call(module, parameters_and_buffers, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """``module(*args, **kwargs)`` with the tensors of ``parameters_and_buffers`` (a dict by qualified name, or a
    tuple of them) standing in for the module's own, which are back in place afterwards."""
    values = _merged(parameters_and_buffers)
    args = args if isinstance(args, tuple) else () if args is None else (args,)
    with _reparametrized(module, values, tie_weights, strict):
        return module(*args, **(kwargs or {}))


def functional_call(module, parameters_and_buffers, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """Deprecated in PyTorch for ``torch.func.functional_call`` (the same call): see ``_functional_call``."""
    warnings.warn("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and will be removed "
                  "in a future version of PyTorch. Please use `torch.func.functional_call` instead which is a "
                  "drop-in replacement.", FutureWarning, stacklevel=2)
    return _functional_call(module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict)
