"""Attach functional ops to Tensor as methods, so each op is written once."""
from ..tensor import Tensor


def tensor_method(*names):
    """Decorator: also expose the function as ``Tensor.<name>`` for each name (default: its own)."""
    def attach(func):
        for name in names or (func.__name__,):
            setattr(Tensor, name, func)
        return func
    return attach


def inplace_method(name, func):
    """Expose ``func(self, *args)`` as the in-place ``Tensor.<name>`` (e.g. ``add_``)."""
    def method(self, *args, **kwargs):
        return self._apply_inplace(func, *args, **kwargs)
    method.__name__ = name
    method.__doc__ = f"In-place form of ``{func.__name__}``."
    setattr(Tensor, name, method)
