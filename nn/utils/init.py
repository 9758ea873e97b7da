"""Build a module without running its parameter initialisation (``nn.utils.skip_init``)."""
import inspect

from ..modules.module import Module

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs):
    """``module_cls(*args, **kwargs)`` with its parameters and buffers left uninitialised (their values are
    whatever the allocation holds), as PyTorch's ``skip_init``: the ``reset_parameters`` that the layer's
    ``__init__`` calls does nothing. The class must accept a ``device`` argument, as in PyTorch."""
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    module = module_cls.__new__(module_cls)
    object.__setattr__(module, "reset_parameters", lambda: None)  # shadows the method during __init__
    try:
        module.__init__(*args, **kwargs)
    finally:
        del module.__dict__["reset_parameters"]
    return module
