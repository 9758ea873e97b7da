"""``torch.random``: generators, the random creation and sampling ops, and the random in-place fills.

Samples are drawn on the host from PyTorch's CPU stream (mt19937 seeded as PyTorch seeds it,
see ``_mt19937``), so a seed gives PyTorch's numbers on every backend, and are moved to the
tensor's backend with ``from_numpy``. ``rand``/``uniform_``, ``randn``/``normal_``,
``randint``/``random_``, ``randperm`` and ``bernoulli`` follow ATen's CPU algorithms bit for bit;
``exponential_``, ``geometric_``, ``log_normal_``, ``cauchy_``, ``poisson`` and ``multinomial``
use numpy's samplers over the same words (seeded runs repeat, the values are not PyTorch's).
Ops whose parameters are tensors (``normal(mean, std)``, ``bernoulli``, ``poisson``) record a
node with PyTorch's name whose gradient is zero, as PyTorch's is.
"""
import contextlib
import numbers

import numpy as np

from .dtypes import is_floating
from . import _mt19937, dtypes
from .arrays import array_module, from_numpy, to_numpy
from .creation import factory, check_device, _finish, _same_device
from .device import device as _device
from .function import Function
from .tensor import Tensor, _new
from .ops._registry import tensor_method
from .ops._util import shape_arg, write_out, _C_TYPE_NAMES, _SCALAR_TYPE_NAMES
from .ops.fill import overwrite

__all__ = ["manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "fork_rng", "Generator",
           "default_generator", "rand", "randn", "randint", "randperm", "normal", "rand_like", "randn_like",
           "randint_like", "bernoulli", "poisson", "multinomial"]

DEFAULT_SEED = 67280421310721  # PyTorch's default seed: unseeded runs repeat too
_UINT64 = 2 ** 64


def _seed_value(seed):
    """A seed as PyTorch keeps it: an integer in [-2^63, 2^64), negative ones as their unsigned 64-bit pattern."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    seed = int(seed)
    if not -2 ** 63 <= seed < _UINT64:
        raise ValueError("Overflow when unpacking long long")
    return seed % _UINT64


class Generator:
    """A seedable source of random numbers: PyTorch's CPU mt19937 stream, on the host. ``stream`` draws
    PyTorch's samples; ``rng`` (numpy's samplers over the same words) the others."""

    def __init__(self, device="cpu"):
        check_device(device)
        self._seed = DEFAULT_SEED
        self.stream = _mt19937.Stream(DEFAULT_SEED)

    @property
    def rng(self):
        return self.stream.rng

    @property
    def device(self):
        return _device("cpu")

    def manual_seed(self, seed):
        self._seed = _seed_value(seed)
        self.stream.reseed(self._seed)
        return self

    def seed(self):
        """Seed from the operating system's entropy; returns the seed."""
        return self.manual_seed(np.random.SeedSequence().entropy % _UINT64)._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The generator's state as PyTorch lays it out: a uint8 tensor of 5056 bytes (``set_state`` takes it
        back, and so does PyTorch's)."""
        return _finish(np.frombuffer(self.stream.get_state(), dtype=np.uint8).copy(), False)

    def set_state(self, new_state):
        if not isinstance(new_state, Tensor) or new_state.dtype != dtypes.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        raw = to_numpy(new_state.array).tobytes()
        if len(raw) != _mt19937.STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_mt19937.STATE_SIZE} but found the "
                               f"input RNG state size to be {len(raw)}")
        self.stream.set_state(raw)
        self._seed = self.stream.seed
        return self


default_generator = Generator()


def manual_seed(seed):
    """Seed the global generator so that runs repeat exactly; returns it."""
    return default_generator.manual_seed(int(seed))


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type=None):
    """Restore the global generator's state when the block exits; there are no accelerator generators to fork."""
    if not enabled:
        yield
        return
    if devices:
        raise AssertionError("Torch not compiled with CUDA enabled")
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


def _rng(generator):
    return (generator or default_generator).rng


def _stream(generator):
    return (generator or default_generator).stream


def _draw(generator, sample, shape, *args):
    """``sample(stream, n, *args)`` of PyTorch's algorithms, shaped ``shape``."""
    return sample(_stream(generator), int(np.prod(shape, dtype=np.int64)), *args).reshape(shape)


# ----- errors as PyTorch words them -----

def _invalid_arguments(op, args, signatures):
    """PyTorch's TypeError for arguments matching none of ``op``'s overloads."""
    got = ", ".join("Tensor" if isinstance(a, Tensor) else type(a).__name__ for a in args)
    expected = "".join(f" * ({s})\n" for s in signatures)
    return TypeError(f"{op}() received an invalid combination of arguments - got ({got}), but expected one of:\n"
                     + expected)


def _not_implemented(kernel, dtype):
    return NotImplementedError(f'"{kernel}" not implemented for \'{_SCALAR_TYPE_NAMES[np.dtype(dtype).name]}\'')


def _require_float(dtype, kernel):
    """``dtype`` (numpy), refused as PyTorch's ``kernel`` refuses non-floating types."""
    if not is_floating(np.dtype(dtype)):
        raise _not_implemented(kernel, dtype)
    return dtype


def _broadcast_shape(a, b):
    """The broadcast of shapes ``a`` and ``b``, with PyTorch's message when they do not broadcast."""
    n = max(len(a), len(b))
    a_full, b_full = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    for dim in reversed(range(n)):
        if a_full[dim] != b_full[dim] and 1 not in (a_full[dim], b_full[dim]):
            raise RuntimeError(f"The size of tensor a ({a_full[dim]}) must match the size of tensor b "
                               f"({b_full[dim]}) at non-singleton dimension {dim}")
    return tuple(max(x, y) if 0 not in (x, y) else 0 for x, y in zip(a_full, b_full))


# ----- drawing -----

def _host_param(param, dtype):
    """A number, or a tensor's values on the host, as ``dtype`` (numpy) values."""
    return (to_numpy(param.array) if isinstance(param, Tensor) else np.asarray(param)).astype(dtype)


class RandomSample(Function):
    """Samples ``draw(*arrays)`` of the parameters' values: the gradient PyTorch gives the parameters is zero."""

    def __init__(self, draw, node_name):
        self.draw, self.node_name = draw, node_name

    def forward(self, *params):
        return self.draw(*params)

    def backward(self, gy):
        zeros = _new(array_module(gy.array).zeros_like(gy.array))  # summed down to each input's shape
        return tuple(zeros for _ in self.next_functions) if len(self.next_functions) > 1 else zeros

    def name(self):
        return self.node_name


class UndifferentiableSample(RandomSample):
    """Samples whose parameters PyTorch cannot differentiate: backward raises its error."""

    def backward(self, gy):
        raise RuntimeError(f"derivative for aten::{self.node_name} is not implemented")

    def name(self):
        return "NotImplemented"


def _on_backend(samples, like, dtype):
    """Host ``samples`` as an array of ``dtype`` on the backend of array ``like``."""
    return from_numpy(np.asarray(samples).astype(dtype), like=like)


# ----- creation -----

def _size(op, sizes, size):
    """The shape given as ``op(2, 3)``, ``op((2, 3))`` or ``op(size=(2, 3))``."""
    if (size is None) == (not sizes):
        raise _invalid_arguments(op, sizes, _SIZE_SIGNATURES)
    return shape_arg(sizes or (size,), op)


_FACTORY_OPTIONS = ("*, torch.Generator generator, Tensor out = None, torch.dtype dtype = None, torch.layout layout "
                    "= None, torch.device device = None, bool pin_memory = False, bool requires_grad = False")
_OPTIONS_WITHOUT_GENERATOR = _FACTORY_OPTIONS.replace("torch.Generator generator, ", "")
_SIZE_SIGNATURES = (f"tuple of ints size, {_FACTORY_OPTIONS}", f"tuple of ints size, {_OPTIONS_WITHOUT_GENERATOR}")


def _float_dtype(dtype, kernel):
    """The numpy dtype a random float factory makes (the default dtype when None)."""
    d = dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    return _require_float(d.numpy, kernel)


def rand(*sizes, size=None, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False):
    """Uniform samples in [0, 1): ``rand(2, 3)``, ``rand((2, 3))`` or ``rand(size=(2, 3))``."""
    shape = _size("rand", sizes, size)
    def make(dt):
        return _draw(generator, _mt19937.uniform, shape, _float_dtype(dt, "check_uniform_bounds"))
    return factory("rand", make, dtype, requires_grad, device, out)


def randn(*sizes, size=None, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False):
    """Standard normal samples: ``randn(2, 3)``, ``randn((2, 3))`` or ``randn(size=(2, 3))``."""
    shape = _size("randn", sizes, size)
    return factory("randn", lambda dt: _draw(generator, _mt19937.normal, shape, _float_dtype(dt, "normal_kernel_cpu")),
                   dtype, requires_grad, device, out)


def _limits(dtype):
    """The smallest and largest values of ``dtype`` (numpy) as Python numbers."""
    if dtype.kind == "b":
        return 0, 1
    if is_floating(dtype):
        return float(np.finfo(dtype).min), float(np.finfo(dtype).max)
    return int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)


def _check_bounds(from_, to, dtype):
    """PyTorch's checks of ``random_``'s range [from_, to) for ``dtype`` (numpy)."""
    if from_ >= to:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
    dtype = np.dtype(dtype)
    low, high = _limits(dtype)
    if from_ < low:
        raise RuntimeError(f"from is out of bounds for {_C_TYPE_NAMES[dtype.name]}")
    if to - 1 > high:
        raise RuntimeError(f"to - 1 is out of bounds for {_C_TYPE_NAMES[dtype.name]}")


_RANDINT_SIGNATURES = (f"int high, tuple of ints size, {_FACTORY_OPTIONS}",
                       f"int high, tuple of ints size, {_OPTIONS_WITHOUT_GENERATOR}",
                       f"int low, int high, tuple of ints size, {_FACTORY_OPTIONS}",
                       f"int low, int high, tuple of ints size, {_OPTIONS_WITHOUT_GENERATOR}")


def _randint_arguments(args, low, high, size):
    """``(low, high, shape)`` from ``randint``'s overloads ``(high, size)`` and ``(low, high, size)``, where
    positional arguments fill the parameters not given by keyword (``low`` only when all three are positional)."""
    given = {"low": low, "high": high, "size": size}
    slots = [name for name, value in given.items() if value is None]
    if len(args) < len(slots) and slots[0] == "low":
        slots.pop(0)
    if len(args) > len(slots):
        raise _invalid_arguments("randint", args, _RANDINT_SIGNATURES)
    given.update(zip(slots, args))
    low, high, size = given["low"] or 0, given["high"], given["size"]
    if size is None or not all(isinstance(v, numbers.Integral) for v in (low, high)):
        raise _invalid_arguments("randint", args, _RANDINT_SIGNATURES)
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' (position {len(args)}) must be tuple of ints, "
                        f"not {type(size).__name__}")
    return int(low), int(high), shape_arg((size,), "randint")


def randint(*args, low=None, high=None, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False, pin_memory=False):
    """Integers in [low, high) (``low`` 0 by default): ``randint(high, size)`` or ``randint(low, high, size)``."""
    low, high, shape = _randint_arguments(args, low, high, size)

    def make(dt):
        np_dtype = dtypes.to_numpy_dtype(dt) or np.int64
        _check_bounds(low, high, np_dtype)
        return _draw(generator, _mt19937.random_from_to, shape, high - low, low, np_dtype).astype(np_dtype)
    return factory("randint", make, dtype, requires_grad, device, out)


_PERMUTATION_LIMITS = {"float16": 2049, "float32": 2 ** 24 + 1}


def _check_permutation_size(n, dtype):
    name = np.dtype(dtype).name
    if np.dtype(dtype).kind == "b":
        raise _not_implemented("randperm", dtype)
    if name in _PERMUTATION_LIMITS and n > _PERMUTATION_LIMITS[name]:
        limit = "2^24+1" if name == "float32" else str(_PERMUTATION_LIMITS[name])
        raise RuntimeError(f"n cannot be greater than {limit} for {_SCALAR_TYPE_NAMES[name]} type.")
    if np.dtype(dtype).kind in "iu" and n - 1 > np.iinfo(dtype).max:
        raise RuntimeError(f"value cannot be converted to type {name}_t without overflow")


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False):
    """The integers 0 .. n-1 in random order."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")

    def make(dt):
        np_dtype = dtypes.to_numpy_dtype(dt) or np.int64
        _check_permutation_size(n, np_dtype)
        return _mt19937.randperm(_stream(generator), int(n)).astype(np_dtype)
    return factory("randperm", make, dtype, requires_grad, device, out)


def rand_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return rand(input.array.shape, generator=generator, dtype=dtype or input.dtype,
                device=_same_device(input, device), requires_grad=requires_grad)


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    return randn(input.array.shape, generator=generator, dtype=dtype or input.dtype,
                 device=_same_device(input, device), requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None):
    """Integers in [low, high) of ``input``'s shape and dtype: ``randint_like(x, high)`` or ``(x, low, high)``."""
    if high is None:
        low, high = 0, low
    return randint(low, high, input.array.shape, generator=generator, dtype=dtype or input.dtype,
                   device=_same_device(input, device), requires_grad=requires_grad)


# ----- sampling from tensors of parameters -----

_NORMAL_SIGNATURES = (
    "Tensor mean, Tensor std, *, torch.Generator generator = None, Tensor out = None",
    "Tensor mean, float std = 1, *, torch.Generator generator = None, Tensor out = None",
    "float mean, Tensor std, *, torch.Generator generator = None, Tensor out = None",
    "float mean, float std, tuple of ints size, *, torch.Generator generator = None, Tensor out = None, torch.dtype "
    "dtype = None, torch.layout layout = None, torch.device device = None, bool pin_memory = False, bool "
    "requires_grad = False")


def _check_std(std):
    if isinstance(std, Tensor):
        if not bool((std >= 0).all()):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif not std >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")


def _normal_of_tensors(mean, std, generator, out):
    """``normal``'s overloads with a tensor mean, std or both: PyTorch's dtype, shape and node for each."""
    tensors = [p for p in (mean, std) if isinstance(p, Tensor)]
    for p in tensors:
        _require_float(p.array.dtype, "normal_kernel_cpu")
    _check_std(std)
    shape = _broadcast_shape(*[p.array.shape for p in tensors]) if len(tensors) == 2 else tensors[0].array.shape
    dtype = _require_float(out.array.dtype if isinstance(out, Tensor) else tensors[0].array.dtype,
                           "normal_kernel_cpu")
    node = "NormalBackward3" if len(tensors) == 2 else ("NormalBackward1" if tensors[0] is mean else
                                                         "NormalBackward2")
    def draw(*arrays):  # PyTorch draws N(0, 1) into the output, then output.mul_(std).add_(mean)
        samples = _draw(generator, _mt19937.normal, shape, dtype)
        return _on_backend((samples * _host_param(std, dtype)).astype(dtype) + _host_param(mean, dtype), arrays[0],
                           dtype)
    return write_out("normal", RandomSample(draw, node)(*tensors), out)


class _DefaultStd(float):
    """``normal``'s std when none is passed: 1.0 for a tensor mean; the number form, as PyTorch's, needs one."""


_DEFAULT_STD = _DefaultStd(1.0)


def normal(mean, std=_DEFAULT_STD, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           pin_memory=False, requires_grad=False):
    """Normal samples: ``normal(mean_tensor, std_tensor)``, ``normal(mean_tensor, std=1.0)``,
    ``normal(mean, std_tensor)``, or ``normal(mean, std, size)`` for numbers."""
    args = [mean] + [a for a, default in ((std, _DEFAULT_STD), (size, None)) if a is not default]
    tensor_form = isinstance(mean, Tensor) or isinstance(std, Tensor)
    numbers_ok = all(isinstance(p, numbers.Real) or isinstance(p, Tensor) for p in (mean, std))
    if tensor_form and numbers_ok and size is None and dtype is None and device is None and not requires_grad:
        return _normal_of_tensors(mean, std, generator, out)
    if tensor_form or not numbers_ok or std is _DEFAULT_STD or not isinstance(size, (tuple, list)):
        raise _invalid_arguments("normal", args, _NORMAL_SIGNATURES)
    _check_std(std)
    shape = shape_arg((size,), "normal")
    return factory("normal", lambda dt: _draw(generator, _mt19937.normal, shape, _float_dtype(dt, "normal_kernel_cpu"),
                                              mean, std), dtype, requires_grad, device, out)


_P_IN_MESSAGE = ("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be "
                 "improved?  If so, please report an enhancement request to PyTorch.)")
_BERNOULLI_SIGNATURES = ("Tensor input, *, torch.Generator generator = None, Tensor out = None",
                         "Tensor input, float p, *, torch.Generator generator = None")


def _bernoulli_of_tensor(generator, probs):
    """ATen's ``bernoulli_(p_tensor)``: a uniform under each probability, float64 for float64 probabilities, else
    float32."""
    dtype = np.float64 if probs.dtype == np.float64 else np.float32
    return _draw(generator, _mt19937.unit_uniform, probs.shape, dtype) < probs.astype(dtype)


def _check_probability(p):
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")


@tensor_method()
def bernoulli(input, p=None, *, generator=None, out=None):
    """1 with probability ``input`` (elementwise), or ``p`` for every element, else 0; ``input``'s dtype."""
    if p is None:
        _require_float(input.array.dtype, "bernoulli_tensor_cpu_p_")
        probs = _check_probabilities(input)
        dtype = out.array.dtype if isinstance(out, Tensor) else input.array.dtype
        sample = RandomSample(lambda x: _on_backend(_bernoulli_of_tensor(generator, probs), x, dtype),
                              "BernoulliBackward0")
        return write_out("bernoulli", sample(input), out)
    if isinstance(p, Tensor) and p.array.ndim == 0:
        p = p.item()
    if not isinstance(p, numbers.Real) or out is not None:
        raise _invalid_arguments("bernoulli", (input, p), _BERNOULLI_SIGNATURES)
    _check_probability(p)
    return UndifferentiableSample(lambda x: _on_backend(_draw(generator, _mt19937.bernoulli_scalar, x.shape, p), x,
                                                        x.dtype), "bernoulli")(input)


def poisson(input, generator=None):
    """Poisson samples with the rates in ``input`` (``input``'s dtype)."""
    _require_float(input.array.dtype, "poisson_cpu")
    rates = to_numpy(input.array)
    if not (rates >= 0).all():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    rng = _rng(generator)
    return RandomSample(lambda x: _on_backend(rng.poisson(rates), x, x.dtype), "PoissonBackward0")(input)


def _check_multinomial(input, num_samples, replacement, out):
    if isinstance(num_samples, bool) or not isinstance(num_samples, numbers.Integral):
        raise TypeError(f"multinomial(): argument 'num_samples' (position 2) must be int, not "
                        f"{type(num_samples).__name__}")
    if not is_floating(input.array.dtype):
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_SCALAR_TYPE_NAMES[input.array.dtype.name]}")
    if input.array.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > input.array.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if input.array.shape[-1] > 2 ** 24:
        raise RuntimeError("number of categories cannot exceed 2^24")
    if isinstance(out, Tensor) and out.array.dtype != np.int64:
        raise RuntimeError(f"multinomial expects Long tensor out, got: {_SCALAR_TYPE_NAMES[out.array.dtype.name]}")


def _categories(rng, probs, num_samples, replacement):
    """``num_samples`` category indices per row of the (rows, k) host array ``probs`` (rows need not sum to 1)."""
    rows, k = probs.shape
    if not replacement:  # exponential races: the smallest E / p win, categories of p = 0 come last
        with np.errstate(divide="ignore"):
            keys = rng.standard_exponential((rows, k)) / probs
        return np.argsort(keys, axis=-1, kind="stable")[:, :num_samples]
    # inverse CDF, every row in one search: row r's CDF is shifted to [r, r + 1]; categories of p = 0 repeat the
    # CDF value before them, so the search never stops on one, and a rounding past the row's end is its last
    # category of p > 0
    offsets = np.arange(rows)[:, None]
    cdf = probs.cumsum(-1)
    cdf = cdf / cdf[:, -1:] + offsets
    u = rng.random((rows, num_samples)) + offsets
    found = np.searchsorted(cdf.reshape(-1), u.reshape(-1), side="right").reshape(rows, num_samples) - offsets * k
    last_positive = k - 1 - np.argmax(probs[:, ::-1] > 0, axis=-1)
    return np.minimum(found, last_positive[:, None])


@tensor_method()
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Indices of categories drawn with the weights in each row of ``input`` (1-D or 2-D), as int64."""
    _check_multinomial(input, num_samples, replacement, out)
    probs = to_numpy(input.array).astype(np.float64).reshape(-1, input.array.shape[-1])
    if probs.size and not (np.isfinite(probs) & (probs >= 0)).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if probs.size and not (probs.sum(-1) > 0).all():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    found = _categories(_rng(generator), probs, num_samples, replacement) if probs.size else \
        np.zeros((probs.shape[0], num_samples), dtype=np.int64)
    shape = input.array.shape[:-1] + (num_samples,)
    return write_out("multinomial", _new(from_numpy(found.astype(np.int64).reshape(shape), like=input.array)), out)


# ----- in-place fills -----

def _refill(tensor, name, node_name, generator, draw, check=None):
    """``tensor`` refilled in place with ``draw(generator, shape, dtype)`` (host samples cast to its dtype),
    recorded as ``node_name``; no gradient reaches its old values. ``check()`` runs after the in-place checks, as
    in PyTorch."""
    def refill(x):
        if check is not None:
            check()
        return overwrite(x, lambda a: _on_backend(draw(generator, a.shape, a.dtype), a, a.dtype), node_name)
    refill.__name__ = name
    return tensor._apply_inplace(refill)


def _require_continuous(tensor, distribution, type_names):
    dtype = tensor.array.dtype
    if not is_floating(dtype):
        raise RuntimeError(f"{distribution} distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {type_names[dtype.name]}")


def _require_positive(op, name, value):
    if not value > 0:
        raise RuntimeError(f"{op} expects {name} > 0.0, but found {name}={value:g}")


@tensor_method()
def uniform_(self, from_=0.0, to=1.0, *, generator=None):
    """Fill in place with samples uniform in [from_, to)."""
    def check():
        _require_float(self.array.dtype, "check_uniform_bounds")
        if from_ > to:
            raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={from_:g} > to={to:g}")
    return _refill(self, "uniform", "UniformBackward0", generator,
                   lambda gen, shape, dtype: _draw(gen, _mt19937.uniform, shape, dtype, from_, to), check)


@tensor_method()
def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill in place with samples of N(mean, std^2)."""
    def check():
        _check_std(std)
        _require_float(self.array.dtype, "normal_kernel_cpu")
    return _refill(self, "normal", "NormalBackward0", generator,
                   lambda gen, shape, dtype: _draw(gen, _mt19937.normal, shape, dtype, mean, std), check)


def _check_probabilities(p):
    probs = to_numpy(p.array)
    if not ((probs >= 0) & (probs <= 1)).all():
        raise RuntimeError(_P_IN_MESSAGE)
    return probs


@tensor_method()
def bernoulli_(self, p=0.5, *, generator=None):
    """Fill in place with 1 with probability ``p`` (a number, or a tensor broadcast to this one), else 0."""
    if isinstance(p, Tensor):
        return _refill(self, "bernoulli", "BernoulliBackward1", generator,
                       lambda gen, shape, dtype: _bernoulli_of_tensor(gen, np.broadcast_to(_check_probabilities(p),
                                                                                            shape)),
                       lambda: _check_probabilities(p))
    return _refill(self, "bernoulli", "BernoulliBackward2", generator,
                   lambda gen, shape, dtype: _draw(gen, _mt19937.bernoulli_scalar, shape, p),
                   lambda: _check_probability(p))


@tensor_method()
def exponential_(self, lambd=1.0, *, generator=None):
    """Fill in place with samples of Exponential(lambd)."""
    def check():
        _require_positive("exponential_", "lambda", lambd)
        _require_continuous(self, "Exponential", _SCALAR_TYPE_NAMES)
    return _refill(self, "exponential", "ExponentialBackward0", generator,
                   lambda gen, shape, dtype: _rng(gen).exponential(1.0 / lambd, shape), check)


@tensor_method()
def geometric_(self, p, *, generator=None):
    """Fill in place with the number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
    def check():
        if not 0 < p < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p:g}")
    return _refill(self, "geometric", "GeometricBackward0", generator,
                   lambda gen, shape, dtype: _rng(gen).geometric(p, shape),
                   check)


@tensor_method()
def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill in place with exp of N(mean, std^2) samples."""
    def check():
        _require_positive("log_normal_", "std", std)
        _require_float(self.array.dtype, "log_normal_cpu")
    return _refill(self, "log_normal", "LogNormalBackward0", generator,
                   lambda gen, shape, dtype: _rng(gen).lognormal(mean, std, shape), check)


@tensor_method()
def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill in place with samples of Cauchy(median, sigma)."""
    def check():
        _require_positive("cauchy_", "sigma", sigma)
        _require_continuous(self, "Cauchy", _C_TYPE_NAMES)
    return _refill(self, "cauchy", "CauchyBackward0", generator,
                   lambda gen, shape, dtype: median + sigma * _rng(gen).standard_cauchy(shape), check)


@tensor_method()
def random_(self, *bounds, to=None, generator=None):
    """Fill in place with integers: ``random_(from, to)`` in [from, to), ``random_(to)`` in [0, to),
    ``random_()`` over the dtype's range (2^mantissa for floats)."""
    if to is not None:
        bounds = bounds + (to,)
    if len(bounds) > 2:
        raise TypeError(f"random_() takes at most 2 arguments ({len(bounds)} given)")
    node = ("RandomBackward2", "RandomBackward1", "RandomBackward0")[len(bounds)]
    if not bounds:
        return _refill(self, "random", node, generator,
                       lambda gen, shape, dtype: _draw(gen, _mt19937.random_default, shape, dtype))
    from_, to = (0,) + bounds if len(bounds) == 1 else bounds
    return _refill(self, "random", node, generator,
                   lambda gen, shape, dtype: _draw(gen, _mt19937.random_from_to, shape, to - from_, from_, dtype),
                   lambda: _check_bounds(from_, to, self.array.dtype))
