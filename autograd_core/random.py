"""The global random generator (``manual_seed``) and the random creation ops."""
import numpy as np

from . import dtypes
from .creation import _finish
from .tensor import Tensor, _new
from .ops._util import shape_arg

DEFAULT_SEED = 67280421310721  # PyTorch's default seed: unseeded runs repeat too


class Generator:
    """A seedable source of random numbers (numpy's PCG64 underneath)."""

    def __init__(self, device="cpu"):
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self.rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self):
        return self.manual_seed(np.random.SeedSequence().entropy % (2 ** 63))._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        return _new(np.frombuffer(repr(self.rng.bit_generator.state).encode(), dtype=np.uint8).copy())

    def set_state(self, state):
        import ast
        self.rng.bit_generator.state = ast.literal_eval(bytes(state.array).decode())


default_generator = Generator()


def manual_seed(seed):
    """Seed the global generator so that runs repeat exactly."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def _rng(generator):
    return (generator or default_generator).rng


def _float_dtype(dtype):
    d = dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    if not d.is_floating_point:
        raise TypeError(f"expected a floating point dtype for random floats, got {d}")
    return d.numpy


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples in [0, 1)."""
    dt = _float_dtype(dtype)
    samples = _rng(generator).random(shape_arg(size, "rand"), dtype=np.float64)
    return _finish(samples.astype(dt), requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples."""
    dt = _float_dtype(dtype)
    return _finish(_rng(generator).standard_normal(shape_arg(size, "randn")).astype(dt), requires_grad, device)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers in [low, high); ``randint(high, size)`` also works."""
    if size is None:
        low, high, size = 0, low, high
    if high is None or size is None:
        raise TypeError("randint() expects (low, high, size) or (high, size)")
    if high <= low:
        raise RuntimeError(f"randint: expected low < high, got low={low}, high={high}")
    dt = dtypes.to_numpy_dtype(dtype) or np.int64
    return _finish(_rng(generator).integers(low, high, size=tuple(size)).astype(dt), requires_grad, device)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    dt = dtypes.to_numpy_dtype(dtype) or np.int64
    return _finish(_rng(generator).permutation(n).astype(dt), requires_grad, device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None):
    """Normal samples; ``mean``/``std`` may be tensors (broadcast) or numbers with ``size``."""
    m = mean.numpy(force=True) if isinstance(mean, Tensor) else mean
    s = std.numpy(force=True) if isinstance(std, Tensor) else std
    if np.any(np.asarray(s) < 0):
        raise RuntimeError(f"normal expects std >= 0.0, but found std {np.min(s)}")
    shape = tuple(size) if size is not None else np.broadcast_shapes(np.shape(m), np.shape(s))
    like = mean if isinstance(mean, Tensor) else (std if isinstance(std, Tensor) else None)
    dt = _float_dtype(dtype if dtype is not None else (like.dtype if like is not None else None))
    return _finish((_rng(generator).standard_normal(shape) * s + m).astype(dt), False, device)


def bernoulli(input, p=None, *, generator=None):
    probs = input.numpy(force=True) if p is None else np.full(input.array.shape, p)
    return _finish((_rng(generator).random(probs.shape) < probs).astype(input.array.dtype), False)


def rand_like(input, *, dtype=None, requires_grad=False):
    return rand(input.array.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, requires_grad=False):
    return randn(input.array.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint_like(input, low, high=None, *, dtype=None):
    return randint(low, high, input.array.shape, dtype=dtype or input.dtype)


def _random_fill(method_name, sample):
    """Attach an in-place random fill ``Tensor.<method_name>`` drawing with ``sample(rng, shape, *args)``."""
    from .ops.fill import overwrite

    def method(self, *args, generator=None, **kwargs):
        values = sample(_rng(generator), self.array.shape, *args, **kwargs)
        return self._apply_inplace(overwrite, values)
    method.__name__ = method_name
    setattr(Tensor, method_name, method)


_random_fill("uniform_", lambda rng, shape, a=0.0, b=1.0: rng.uniform(a, b, shape))
_random_fill("normal_", lambda rng, shape, mean=0.0, std=1.0: rng.normal(mean, std, shape))
_random_fill("bernoulli_", lambda rng, shape, p=0.5: rng.random(shape) < p)
_random_fill("random_", lambda rng, shape, low=0, high=2 ** 24: rng.integers(low, high, shape))
