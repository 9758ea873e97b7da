"""Find the peer libraries the benchmarks compare against: PyTorch (CPU), DeZero and micrograd.

Peers are optional extras (``pip install -e ".[bench]"``); each missing one is
recorded with the reason, so that the report lists it instead of dropping it.
"""
import contextlib
import importlib
import importlib.metadata

import numpy as np

OURS = "autograd_core"
INSTALL_HINTS = {
    "torch": 'pip install "torch==2.13.0"',
    "dezero": "pip install dezero",
    "micrograd": "pip install micrograd",
}
# Aliases removed in numpy 1.24/2.0 that DeZero 0.0.13 still reads when its modules load.
_NUMPY_ALIASES = {"int": int, "float": float, "bool": bool}


def _load_torch():
    import numba
    import torch
    torch.set_num_threads(numba.get_num_threads())  # same thread count as our Numba kernels
    return torch


@contextlib.contextmanager
def _numpy_aliases():
    """Restore ``np.int``/``np.float``/``np.bool`` while the block runs, then remove the ones added."""
    added = [name for name in _NUMPY_ALIASES if name not in np.__dict__]
    for name in added:
        setattr(np, name, _NUMPY_ALIASES[name])
    try:
        yield
    finally:
        for name in added:
            delattr(np, name)


def _load_dezero():
    with _numpy_aliases():
        dezero = importlib.import_module("dezero")
        for sub in ("functions", "layers", "models", "optimizers"):
            importlib.import_module(f"dezero.{sub}")
    return dezero


def _load_micrograd():
    return importlib.import_module("micrograd.engine")


_LOADERS = {"torch": _load_torch, "dezero": _load_dezero, "micrograd": _load_micrograd}


def load(name):
    """The module for engine ``name`` (ours or a peer); raises ImportError when a peer is not installed."""
    if name == OURS:
        return importlib.import_module(OURS)
    return _LOADERS[name]()


def load_all():
    """(engines, missing): engine name -> module for ours and each loaded peer; peer name -> why not loaded
    ('missing: ...' when not installed, 'failed to load: ...' when its import raised)."""
    engines, missing = {OURS: load(OURS)}, {}
    for name in _LOADERS:
        try:
            engines[name] = load(name)
        except ImportError as error:
            missing[name] = f"missing: not installed ({error}); {INSTALL_HINTS[name]}"
        except Exception as error:  # a broken peer is reported like a missing one
            missing[name] = f"failed to load: {type(error).__name__}: {error}"
    return engines, missing


def version(name):
    """The installed version of ``name``, or None."""
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        return importlib.metadata.version(name.replace("_", "-"))
    return None
