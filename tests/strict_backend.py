"""A stand-in array backend that behaves toward numpy as CuPy does, to prove the array seam is used.

Its arrays wrap numpy arrays but refuse what CuPy's refuse: implicit
conversion to numpy (``np.asarray(a)`` raises), mixing with numpy arrays in
one operation, and being passed to Numba kernels. Its module ``xp`` offers
numpy's functions returning its own arrays, and reductions return 0-d arrays
rather than scalars, as CuPy's do. Kernels run through the numpy backend's on
the wrapped memory (an adapter, as a device backend would run its own).

``install()`` registers it as the default backend: ``AUTOGRAD_CORE_TEST_BACKEND=strict
python -m pytest`` runs the whole suite on it (tests/conftest.py). ``namespace(cls)`` makes
the same module for a subclass of ``StrictArray`` (the simulated CUDA device's arrays,
tests/simulated_cuda.py): arrays of two such classes refuse to mix, as CuPy's refuse numpy's.
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
    label = "strict backend"  # how errors name this kind of array

    def __init__(self, host):
        self._host = host

    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed (strict backend, as CuPy). "
                        "Use to_numpy() at the seam.")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if any(isinstance(x, Tensor) for x in inputs):  # let Tensor's reflected operator handle it
            return NotImplemented
        cls = type(self)
        result = getattr(ufunc, method)(*_unwrap(inputs, cls), **_unwrap(kwargs, cls))
        return _wrap(result, cls)

    def __array_function__(self, func, types_, args, kwargs):
        cls = type(self)
        return _wrap(func(*_unwrap(args, cls), **_unwrap(kwargs, cls)), cls)

    def __getattr__(self, name):
        value = getattr(self._host, name)
        if callable(value):
            return _wrapped_callable(value, type(self))
        return _wrap(value, type(self))

    def __getitem__(self, key):
        return _wrap(self._host[_unwrap(key, type(self))], type(self))

    def __setitem__(self, key, value):
        self._host[_unwrap(key, type(self))] = _unwrap(value, type(self))

    def __len__(self):
        return len(self._host)

    def __iter__(self):
        return (_wrap(x, type(self)) for x in self._host)

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
        return f"{self.label}(" + repr(self._host) + ")"

    def __copy__(self):
        return type(self)(self._host.copy())

    def __deepcopy__(self, memo):
        return type(self)(self._host.copy())

    def __reduce__(self):
        raise TypeError(f"{self.label} arrays are not pickled")

    @property
    def T(self):
        return type(self)(self._host.T)

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


def _unwrap(value, cls=StrictArray):
    """``cls`` arrays to their numpy arrays; a numpy array (or another kind of strict array) here is a seam
    bypass or a device mix, which CuPy refuses with a TypeError."""
    kind = type(value)
    if kind is cls:
        return value._host
    if kind is np.ndarray or isinstance(value, StrictArray):
        what = "numpy" if kind is np.ndarray else value.label
        raise TypeError(f"Unsupported type {kind} ({cls.label}, as CuPy): a {what} array (shape {value.shape}, "
                        f"{value.dtype}) was mixed with {cls.label} arrays; it should have been made through the "
                        "array seam")
    if kind is tuple or kind is list:
        return kind(_unwrap(v, cls) for v in value)
    if kind is dict:
        return {k: _unwrap(v, cls) for k, v in value.items()}
    return value


def _wrap(value, cls=StrictArray):
    kind = type(value)
    if kind is np.ndarray:
        return cls(value)
    if isinstance(value, np.generic) and not isinstance(value, np.dtype):
        return cls(np.asarray(value))  # CuPy's reductions give 0-d arrays, not scalars
    if kind is tuple or kind is list:
        return kind(_wrap(v, cls) for v in value)
    if isinstance(value, tuple):  # numpy's named results (linalg.qr's QRResult...): CuPy's hold its arrays
        return kind(*(_wrap(v, cls) for v in value))
    return value


def _wrapped_callable(func, cls=StrictArray):
    @functools.wraps(func)
    def call(*args, **kwargs):
        return _wrap(func(*_unwrap(args, cls), **_unwrap(kwargs, cls)), cls)
    if isinstance(func, np.ufunc):  # ufuncs keep their methods (add.at, maximum.reduce...), as CuPy's do
        for method in ("at", "reduce", "accumulate", "outer"):
            setattr(call, method, _wrapped_callable(getattr(func, method), cls))
    return call


def _host_callable(func, cls):
    """A numpy-backend kernel run on the ``cls`` arrays' memory (in-place outputs write through)."""
    @functools.wraps(func)
    def call(*args, **kwargs):
        return _wrap(func(*_host(args), **_host(kwargs)), cls)
    return call


def _host(value):
    kind = type(value)
    if isinstance(value, StrictArray):
        return value._host
    if kind is tuple or kind is list:
        return kind(_host(v) for v in value)
    if kind is dict:
        return {k: _host(v) for k, v in value.items()}
    return value


class _Namespace(types.ModuleType):
    """numpy (or one of its submodules) returning arrays of ``cls``."""

    def __init__(self, name, source, cls):
        super().__init__(name)
        self._source, self._cls = source, cls

    def __getattr__(self, name):
        value = getattr(self._source, name)
        if isinstance(value, types.ModuleType):
            value = _Namespace(f"{self.__name__}.{name}", value, self._cls)
        elif isinstance(value, type) or isinstance(value, np.dtype):
            pass  # dtypes, scalar types and classes are shared, as CuPy shares numpy's dtypes
        elif callable(value):
            value = _wrapped_callable(value, self._cls)
        setattr(self, name, value)
        return value


class HostKernels:
    """A numpy-backend kernel family adapted to ``cls`` arrays."""

    def __init__(self, family, cls=StrictArray):
        self._family, self._cls = family, cls

    def __getattr__(self, name):
        value = getattr(arrays.NUMPY.kernels(self._family), name)
        return _host_callable(value, self._cls) if callable(value) else value


def _incoming(value, cls):
    """What ``asarray``/``array`` of ``cls`` take: host data or ``cls`` arrays, not another kind's (CuPy's
    ``asarray`` copies numpy arrays in; numpy refuses CuPy's)."""
    if isinstance(value, StrictArray) and type(value) is not cls:
        _unwrap(value, cls)  # raises
    return _host(value)


def namespace(cls, name):
    """The ``xp`` module of ``cls`` arrays: numpy's functions, taking and returning them."""
    module = _Namespace(name, np, cls)
    module.ndarray = cls
    module.asarray = lambda value, dtype=None: value if type(value) is cls and (
        dtype is None or value.dtype == dtype) else cls(np.asarray(_incoming(value, cls), dtype=dtype))
    module.array = lambda value, dtype=None, copy=True, **kw: cls(np.array(_incoming(value, cls), dtype=dtype,
                                                                          copy=copy, **kw))
    return module


xp = namespace(StrictArray, "strict_numpy")


class _StrictBackend(arrays.ArrayBackend):
    def kernels(self, family):
        return HostKernels(family)


BACKEND = _StrictBackend("strict", xp, StrictArray, to_numpy=lambda a: a._host, from_numpy=lambda a: StrictArray(a))


def install():
    """Make the strict backend the default for new CPU arrays."""
    arrays.register(BACKEND, default=True)
