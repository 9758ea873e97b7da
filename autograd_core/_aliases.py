"""``autograd_core.nn`` and ``autograd_core.optim``: the top-level ``nn`` and ``optim`` packages under torch's names.

The project keeps ``nn/`` and ``optim/`` at the top level (ported scripts may
``import nn``), and PyTorch code writes ``import torch.nn.functional as F``.
An import hook maps every ``autograd_core.nn...`` / ``autograd_core.optim...``
module to the very same module object as ``nn...`` / ``optim...`` (one
``Module`` class, one ``Adam``), imported on first use.
"""
import importlib
import importlib.abc
import importlib.util
import sys

PACKAGE = "autograd_core."
ALIASED = ("nn", "optim")


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith(PACKAGE) and fullname[len(PACKAGE):].split(".")[0] in ALIASED:
            return importlib.util.spec_from_loader(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = importlib.import_module(spec.name[len(PACKAGE):])
        spec.loader_state = module.__spec__  # the import machinery will set the alias's spec on it
        return module

    def exec_module(self, module):
        """The module ran under its own name already: only give it back its own spec."""
        module.__spec__ = module.__spec__.loader_state


def install():
    if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder())
