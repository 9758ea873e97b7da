"""Boolean backend settings (``cudnn.benchmark = True``) that refuse non-bools, as PyTorch's do."""
import sys
import types


class Flag:
    """A settable boolean; ``setter`` is the name PyTorch's type error gives it."""

    def __init__(self, default, setter):
        self.value, self.setter = default, setter

    def __get__(self, obj, owner=None):
        return self if obj is None else self.value

    def __set__(self, obj, value):
        if type(value) is not bool:
            raise RuntimeError(f"{self.setter} expects a bool, but got {type(value).__name__}")
        self.value = value


def with_flags(module_name, **flags):
    """Give module ``module_name`` the settable ``flags`` (a module's class can carry descriptors)."""
    module = sys.modules[module_name]
    namespace = dict(flags, __module__=module_name)
    module.__class__ = type(module_name.rpartition(".")[2] + "_module", (types.ModuleType,), namespace)
