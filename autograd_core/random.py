"""The global random generator (``manual_seed``) and the random creation ops.

Samples are drawn on the host by numpy's PCG64 (so a seed gives the same numbers on
every backend) and moved to the tensor's backend with ``from_numpy``.
"""
import ast

import numpy as np

from . import dtypes
from .arrays import from_numpy, to_numpy
from .creation import factory, check_device, _finish
from .tensor import Tensor
from .ops._util import shape_arg
from .ops.fill import overwrite

DEFAULT_SEED = 67280421310721  # PyTorch's default seed: unseeded runs repeat too


class Generator:
    """A seedable source of random numbers (numpy's PCG64 underneath, on the host)."""

    def __init__(self, device="cpu"):
        check_device(device)
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
        """The generator's state as a uint8 tensor (``set_state`` takes it back)."""
        return _finish(np.frombuffer(repr(self.rng.bit_generator.state).encode(), dtype=np.uint8).copy(), False)

    def set_state(self, state):
        self.rng.bit_generator.state = ast.literal_eval(to_numpy(state.array).tobytes().decode())


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


def rand(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples in [0, 1)."""
    shape = shape_arg(size, "rand")
    return factory("rand", lambda dt: _rng(generator).random(shape, dtype=np.float64).astype(_float_dtype(dt)),
                   dtype, requires_grad, device, out)


def randn(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples."""
    shape = shape_arg(size, "randn")
    return factory("randn", lambda dt: _rng(generator).standard_normal(shape).astype(_float_dtype(dt)),
                   dtype, requires_grad, device, out)


def randint(low, high=None, size=None, *, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    """Integers in [low, high); ``randint(high, size)`` also works."""
    if size is None:
        low, high, size = 0, low, high
    if high is None or size is None:
        raise TypeError("randint() expects (low, high, size) or (high, size)")
    if high <= low:
        raise RuntimeError(f"randint: expected low < high, got low={low}, high={high}")
    return factory("randint", lambda dt: _rng(generator).integers(low, high, size=tuple(size)).astype(
        dtypes.to_numpy_dtype(dt) or np.int64), dtype, requires_grad, device, out)


def randperm(n, *, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    """The integers 0 .. n-1 in random order."""
    return factory("randperm", lambda dt: _rng(generator).permutation(n).astype(dtypes.to_numpy_dtype(dt) or np.int64),
                   dtype, requires_grad, device, out)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, device=None):
    """Normal samples; ``mean``/``std`` may be tensors (broadcast) or numbers with ``size``."""
    m = mean.numpy(force=True) if isinstance(mean, Tensor) else mean
    s = std.numpy(force=True) if isinstance(std, Tensor) else std
    if np.any(np.asarray(s) < 0):
        raise RuntimeError(f"normal expects std >= 0.0, but found std {np.min(s)}")
    shape = tuple(size) if size is not None else np.broadcast_shapes(np.shape(m), np.shape(s))
    like = mean if isinstance(mean, Tensor) else (std if isinstance(std, Tensor) else None)
    default = like.dtype if like is not None else None
    return factory("normal", lambda dt: (_rng(generator).standard_normal(shape) * s + m).astype(
        _float_dtype(dt or default)), dtype, False, device, out)


def bernoulli(input, p=None, *, generator=None, out=None):
    """1 with probability ``input`` (elementwise), or ``p`` for every element, else 0; ``input``'s dtype."""
    probs = input.numpy(force=True) if p is None else np.full(input.array.shape, p)
    return factory("bernoulli", lambda dt: (_rng(generator).random(probs.shape) < probs).astype(
        dtypes.to_numpy_dtype(dt or input.dtype)), None, False, None, out)


def rand_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    return rand(input.array.shape, generator=generator, dtype=dtype or input.dtype, device=device,
                requires_grad=requires_grad)


def randn_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    return randn(input.array.shape, generator=generator, dtype=dtype or input.dtype, device=device,
                 requires_grad=requires_grad)


def randint_like(input, low, high=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    return randint(low, high, input.array.shape, generator=generator, dtype=dtype or input.dtype, device=device,
                   requires_grad=requires_grad)


def _random_fill(name, draw, node_name):
    """Attach ``Tensor.<name>_(*args, generator=None, **kwargs)``: the tensor refilled in place with host samples.

    ``draw(rng, shape, dtype, *args, **kwargs)`` makes them (in forward, so the node keeps no array);
    ``node_name(*args, **kwargs)`` is PyTorch's node for that overload.
    """
    def refill(tensor, rng, *args, **kwargs):
        def samples(x):
            return from_numpy(np.asarray(draw(rng, x.shape, x.dtype, *args, **kwargs)).astype(x.dtype), like=x)
        return overwrite(tensor, samples, node_name(*args, **kwargs))
    refill.__name__ = name

    def method(self, *args, generator=None, **kwargs):
        return self._apply_inplace(refill, _rng(generator), *args, **kwargs)
    method.__name__ = name + "_"
    method.__doc__ = f"Fill the tensor in place with {name} samples (numpy's PCG64 on the host)."
    setattr(Tensor, name + "_", method)


_MANTISSA_BITS = {"float16": 11, "float32": 24, "float64": 53}


def _random_range(rng, shape, dtype, from_=None, to=None):
    """``random_()``, ``random_(to)`` and ``random_(from, to)``: integers in [from, to); without bounds, from 0 to
    2^mantissa (excluded) for floats, to the largest value of an integer dtype."""
    if to is None:
        from_, to = 0, from_  # random_(to), or no bounds
    if to is not None:
        return rng.integers(from_ or 0, to, shape)
    if dtype.kind == "f":
        return rng.integers(0, 2 ** _MANTISSA_BITS[dtype.name], shape)
    return rng.integers(0, 1 if dtype.kind == "b" else np.iinfo(dtype).max, shape, endpoint=True)


def _random_node(from_=None, to=None):
    """PyTorch's overloads of ``random_``: (from, to) is 0, (to) is 1, () is 2."""
    if from_ is None and to is None:
        return "RandomBackward2"
    return "RandomBackward0" if from_ is not None and to is not None else "RandomBackward1"


def _bernoulli_draw(rng, shape, dtype, p=0.5):
    probs = p.numpy(force=True) if isinstance(p, Tensor) else p
    return rng.random(shape) < probs


_random_fill("uniform", lambda rng, shape, dtype, from_=0.0, to=1.0: rng.uniform(from_, to, shape),
             lambda *args, **kwargs: "UniformBackward0")
_random_fill("normal", lambda rng, shape, dtype, mean=0.0, std=1.0: rng.normal(mean, std, shape),
             lambda *args, **kwargs: "NormalBackward0")
_random_fill("bernoulli", _bernoulli_draw,
             lambda p=0.5: "BernoulliBackward1" if isinstance(p, Tensor) else "BernoulliBackward2")
_random_fill("random", _random_range, _random_node)
