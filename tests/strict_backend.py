"""A stand-in array backend that behaves toward numpy as CuPy does, to prove the array seam is used.

Its arrays wrap numpy arrays but refuse what CuPy's refuse: implicit
conversion to numpy (``np.asarray(a)`` raises), mixing with numpy arrays in
one operation, and being passed to Numba kernels. Its module ``xp`` offers
numpy's functions returning its own arrays, and reductions return 0-d arrays
rather than scalars, as CuPy's do. Kernels run through the numpy backend's on
the wrapped memory (an adapter, as a device backend would run its own).

``install()`` registers it as the default backend: ``AUTOGRAD_CORE_TEST_BACKEND=strict
python -m pytest`` runs the whole suite on it (tests/conftest.py).
"""
import functools
import types

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from autograd_core import arrays


class StrictArray(NDArrayOperatorsMixin):
    """A numpy array seen through CuPy's rules."""

    __slots__ = ("_host",)
    __array_priority__ = 100

    def __init__(self, host):
        self._host = host

    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed (strict backend, as CuPy). "
                        "Use to_numpy() at the seam.")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if any(isinstance(x, Tensor) for x in inputs):  # let Tensor's reflected operator handle it
            return NotImplemented
        result = getattr(ufunc, method)(*_unwrap(inputs), **_unwrap(kwargs))
        return _wrap(result)

    def __array_function__(self, func, types_, args, kwargs):
        return _wrap(func(*_unwrap(args), **_unwrap(kwargs)))

    def __getattr__(self, name):
        value = getattr(self._host, name)
        if callable(value):
            return _wrapped_callable(value)
        return _wrap(value)

    def __getitem__(self, key):
        return _wrap(self._host[_unwrap(key)])

    def __setitem__(self, key, value):
        self._host[_unwrap(key)] = _unwrap(value)

    def __len__(self):
        return len(self._host)

    def __iter__(self):
        return (_wrap(x) for x in self._host)

    def __bool__(self):
        return bool(self._host)

    def __float__(self):
        return float(self._host)

    def __int__(self):
        return int(self._host)

    def __index__(self):
        return self._host.__index__()

    def __complex__(self):
        return complex(self._host)

    def __repr__(self):
        return "strict(" + repr(self._host) + ")"

    def __copy__(self):
        return StrictArray(self._host.copy())

    def __deepcopy__(self, memo):
        return StrictArray(self._host.copy())

    def __reduce__(self):
        raise TypeError("strict arrays are not pickled")

    @property
    def T(self):
        return StrictArray(self._host.T)

    @property
    def shape(self):
        return self._host.shape

    @shape.setter
    def shape(self, value):
        self._host.shape = value

    @property
    def dtype(self):
        return self._host.dtype

    @property
    def ndim(self):
        return self._host.ndim

    @property
    def size(self):
        return self._host.size

    def get(self):
        """CuPy's device-to-host copy."""
        return self._host.copy()


from autograd_core.tensor import Tensor  # noqa: E402  (after the class: Tensor imports nothing from here)


def _unwrap(value):
    """Strict arrays to their numpy arrays; a numpy array here is a seam bypass (CuPy refuses it)."""
    kind = type(value)
    if kind is StrictArray:
        return value._host
    if kind is np.ndarray:
        raise TypeError(f"strict backend: a numpy array (shape {value.shape}, {value.dtype}) was mixed with "
                        "strict arrays; it should have been made through the array seam")
    if kind is tuple or kind is list:
        return kind(_unwrap(v) for v in value)
    if kind is dict:
        return {k: _unwrap(v) for k, v in value.items()}
    return value


def _wrap(value):
    kind = type(value)
    if kind is np.ndarray:
        return StrictArray(value)
    if isinstance(value, np.generic) and not isinstance(value, np.dtype):
        return StrictArray(np.asarray(value))  # CuPy's reductions give 0-d arrays, not scalars
    if kind is tuple or kind is list:
        return kind(_wrap(v) for v in value)
    if isinstance(value, tuple):  # numpy's named results (linalg.qr's QRResult...): CuPy's hold its arrays
        return kind(*(_wrap(v) for v in value))
    return value


def _wrapped_callable(func):
    @functools.wraps(func)
    def call(*args, **kwargs):
        return _wrap(func(*_unwrap(args), **_unwrap(kwargs)))
    if isinstance(func, np.ufunc):  # ufuncs keep their methods (add.at, maximum.reduce...), as CuPy's do
        for method in ("at", "reduce", "accumulate", "outer"):
            setattr(call, method, _wrapped_callable(getattr(func, method)))
    return call


def _host_callable(func):
    """A numpy-backend kernel run on the strict arrays' memory (in-place outputs write through)."""
    @functools.wraps(func)
    def call(*args, **kwargs):
        return _wrap(func(*_host(args), **_host(kwargs)))
    return call


def _host(value):
    kind = type(value)
    if kind is StrictArray:
        return value._host
    if kind is tuple or kind is list:
        return kind(_host(v) for v in value)
    if kind is dict:
        return {k: _host(v) for k, v in value.items()}
    return value


class _Namespace(types.ModuleType):
    """numpy (or one of its submodules) returning strict arrays."""

    def __init__(self, name, source):
        super().__init__(name)
        self._source = source

    def __getattr__(self, name):
        value = getattr(self._source, name)
        if isinstance(value, types.ModuleType):
            value = _Namespace(f"{self.__name__}.{name}", value)
        elif isinstance(value, type) or isinstance(value, np.dtype):
            pass  # dtypes, scalar types and classes are shared, as CuPy shares numpy's dtypes
        elif callable(value):
            value = _wrapped_callable(value)
        setattr(self, name, value)
        return value


class _HostKernels:
    """A numpy-backend kernel family adapted to strict arrays."""

    def __init__(self, family):
        self._family = family

    def __getattr__(self, name):
        value = getattr(arrays.NUMPY.kernels(self._family), name)
        return _host_callable(value) if callable(value) else value


xp = _Namespace("strict_numpy", np)
xp.ndarray = StrictArray
xp.asarray = lambda value, dtype=None: value if type(value) is StrictArray and (
    dtype is None or value.dtype == dtype) else StrictArray(np.asarray(_host(value), dtype=dtype))
xp.array = lambda value, dtype=None, copy=True, **kw: StrictArray(np.array(_host(value), dtype=dtype, copy=copy,
                                                                           **kw))


class _StrictBackend(arrays.ArrayBackend):
    def kernels(self, family):
        return _HostKernels(family)


BACKEND = _StrictBackend("strict", xp, StrictArray, to_numpy=lambda a: a._host, from_numpy=lambda a: StrictArray(a))


def install():
    """Make the strict backend the default for new CPU arrays."""
    arrays.register(BACKEND, default=True)
