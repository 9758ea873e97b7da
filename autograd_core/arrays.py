"""The array seam: which array library holds a tensor's values, and the kernels that run on it.

Every tensor's ``array`` belongs to one *array backend*: numpy on the CPU,
CuPy's on CUDA devices (``autograd_core/cuda/_backend.py``, registered on first
use of "cuda"); a tensor's device is its array's backend's answer
(``device_of``), and ``to_device`` copies between them. The rule for code that
touches arrays:

* math on arrays calls ``xp = array_module(a, ...)`` and then ``xp.exp(a)``,
  ``xp.zeros(shape, dtype)``..., never ``np.`` functions (numpy's dtypes and
  constants are shared by every backend and stay ``np.float32``, ``np.inf``);
* arrays made from nothing (``torch.zeros(3)``) come from ``default_module()``;
* compiled kernels are looked up per backend with ``kernels(family, *arrays)``
  (numpy's: Numba's "conv" and "pool" in ``autograd_core.kernels``, optim's "optim",
  scipy's "special");
* crossing to the host is explicit: ``to_numpy(array)`` (``Tensor.numpy()``,
  printing, saving), ``from_numpy(ndarray, like)``.

A backend's arrays follow numpy's API (CuPy's do); its ``xp`` module offers
numpy's functions. Tests run once more with a stand-in backend whose arrays
refuse to mix with numpy arrays, as CuPy's do (``tests/strict_backend.py``).
"""
import contextlib
import importlib

import numpy as np

from .device import CPU, device


class ArrayBackend:
    """One array library: its module, its array type, its host conversions, its kernel families and its device.

    ``device_type`` is "cpu" for host backends; a device backend ("cuda") also
    gives ``index_of(array)`` (the array's device index) and ``on(index)``, a
    context manager making new arrays on that device (CuPy's ``Device``).
    """

    device_type = "cpu"

    def __init__(self, name, xp, array_type, to_numpy, from_numpy):
        self.name, self.xp, self.array_type = name, xp, array_type
        self.to_numpy, self.from_numpy = to_numpy, from_numpy
        self._kernel_loaders, self._kernels = {}, {}

    def device_of(self, array):
        """The ``device`` holding ``array`` (the CPU for host backends)."""
        if self.device_type == "cpu":
            return CPU
        return device(self.device_type, self.index_of(array))

    def on(self, index):
        """A context manager under which new arrays are made on device ``index`` (no-op on the host)."""
        return contextlib.nullcontext()

    def add_kernels(self, family, loader):
        """``loader()`` returns the namespace of ``family``'s kernels (imported on first use)."""
        self._kernel_loaders[family] = loader
        self._kernels.pop(family, None)

    def kernels(self, family):
        found = self._kernels.get(family)
        if found is None:
            loader = self._kernel_loaders.get(family)
            if loader is None:
                raise NotImplementedError(f"the {self.name} array backend has no {family} kernels")
            found = self._kernels[family] = loader()
        return found

    def __repr__(self):
        return f"<array backend {self.name}>"


def _module_loader(name):
    return lambda: importlib.import_module(name)


NUMPY = ArrayBackend("numpy", np, np.ndarray, lambda a: a, lambda a: a)
NUMPY.add_kernels("conv", _module_loader("autograd_core.kernels.conv"))
NUMPY.add_kernels("pool", _module_loader("autograd_core.kernels.pool"))
NUMPY.add_kernels("recurrent", _module_loader("autograd_core.kernels.recurrent"))
NUMPY.add_kernels("normalization", _module_loader("autograd_core.kernels.normalization"))  # layer norm's rows
NUMPY.add_kernels("activation", _module_loader("autograd_core.kernels.activation"))  # ReLU's one-pass loops
NUMPY.add_kernels("special", _module_loader("scipy.special"))  # erf...; scipy is slow to import

_by_type = {np.ndarray: NUMPY}
_default = NUMPY
_devices = {}  # device type ("cuda") -> the backend holding that device's arrays
_device_kernels = {}  # device type -> {family: loader} given to its backend when it registers


def register(backend, default=False):
    """Make ``backend``'s arrays known to the seam; with ``default`` new CPU arrays are made by it.

    A backend whose ``device_type`` is not "cpu" becomes the one that device's tensors live on.
    """
    global _default
    _by_type[backend.array_type] = backend
    if backend.device_type != "cpu":
        _devices[backend.device_type] = backend
        for family, loader in _device_kernels.get(backend.device_type, {}).items():
            backend.add_kernels(family, loader)
    elif default:
        _default = backend


def unregister(backend):
    """Forget a device backend registered with :func:`register` (tests swap simulated devices in and out)."""
    _by_type.pop(backend.array_type, None)
    if _devices.get(backend.device_type) is backend:
        del _devices[backend.device_type]


def device_backend(device_type, load=True):
    """The backend of ``device_type``'s arrays: the CPU's default, or a registered (or, with ``load``, loadable)
    device backend; None when there is none (``autograd_core.cuda`` loads CuPy's on first use)."""
    if device_type == "cpu":
        return _default
    found = _devices.get(device_type)
    if found is None and load and device_type == "cuda":
        from .cuda import _backend
        found = _backend.load()
        if found is not None:
            register(found)
    return found


def default_backend():
    return _default


def default_module():
    """The array module that makes arrays from nothing or from Python data."""
    return _default.xp


def backend_of(array):
    """The backend owning ``array`` (numpy's for numpy arrays and scalars)."""
    kind = type(array)
    if kind is np.ndarray:
        return NUMPY
    found = _by_type.get(kind)
    if found is not None:
        return found
    for array_type, backend in _by_type.items():
        if isinstance(array, array_type):
            return backend
    return NUMPY


def array_module(*arrays):
    """The array module of the first array among ``arrays`` (DeZero's ``get_array_module``); else the default's.

    Python and numpy scalars do not decide: they mix with every backend's arrays.
    """
    for a in arrays:
        if type(a) is np.ndarray:
            return np
        if a is not None and not isinstance(a, (int, float, complex, np.generic)):
            return backend_of(a).xp
    return _default.xp


def kernels(family, *arrays):
    """The kernels of ``family`` ("conv", "pool", "optim"...) for the backend of ``arrays``."""
    for a in arrays:
        if type(a) is not np.ndarray:
            return backend_of(a).kernels(family)
    return NUMPY.kernels(family)


def optional_kernels(family, *arrays):
    """``kernels(family, *arrays)``, or None where the arrays' backend has no such family (the op's general
    code on the array module then serves)."""
    try:
        return kernels(family, *arrays)
    except NotImplementedError:
        return None


def add_kernels(family, loader, backend=NUMPY):
    """Register ``family``'s kernels for ``backend`` (numpy by default), loaded by ``loader()`` on first use.

    ``backend`` may be a device type ("cuda"): the family then goes to that device's backend whenever one
    registers (optim's elementwise kernels, before CuPy is imported).
    """
    if isinstance(backend, str):
        _device_kernels.setdefault(backend, {})[family] = loader
        backend = _devices.get(backend)
        if backend is None:
            return
    backend.add_kernels(family, loader)


def is_array(value):
    """Whether ``value`` is an array of some registered backend."""
    return type(value) in _by_type or isinstance(value, tuple(_by_type))


def as_array(value, dtype=None, like=None):
    """``value`` as an array: of the backend of ``like`` when given, else of its own, else of the default.

    Numpy reductions return 0-d results as scalars; this turns them back into arrays.
    """
    if like is None:
        if type(value) is np.ndarray:
            return value if dtype is None or value.dtype == dtype else value.astype(dtype)
        if isinstance(value, np.generic):  # what numpy's ops on 0-d arrays return (np.array: faster than asarray)
            return np.array(value, dtype=dtype)
        backend = backend_of(value) if is_array(value) else _default
    else:
        backend = backend_of(like)
    return backend.xp.asarray(value, dtype=dtype)


def to_numpy(array):
    """``array`` as a numpy array on the host (the same memory for numpy arrays)."""
    if type(array) is np.ndarray:
        return array
    return backend_of(array).to_numpy(array)


def from_numpy(array, like=None):
    """A host numpy array moved to the backend of ``like`` (or the default backend)."""
    backend = backend_of(like) if like is not None else _default
    return backend.from_numpy(array)


def device_of(array):
    """The ``device`` holding ``array``."""
    if type(array) is np.ndarray:
        return CPU
    return backend_of(array).device_of(array)


def to_device(array, target):
    """``array`` on device ``target`` (a ``device`` whose backend is registered): itself when already there,
    else a copy (through the host between backends)."""
    backend = device_backend(target.type)
    source = backend_of(array)
    if source is backend and (target.index is None or source.device_of(array) == target):
        return array
    with backend.on(target.index):
        if source is backend:
            return backend.xp.array(array)  # another device of the same backend: a device-to-device copy
        return backend.from_numpy(source.to_numpy(array))
