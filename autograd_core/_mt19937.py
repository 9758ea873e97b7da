"""PyTorch's CPU random stream, bit for bit: ``at::mt19937`` words and ATen's CPU sampling algorithms.

Everything here runs on the host on numpy arrays (callers move the samples with ``from_numpy``).
The words come from numpy's MT19937 bit generator, seeded as PyTorch seeds it (``init_genrand``
with the seed's low 32 bits), or from a Numba kernel advancing that generator's state in place
(``Stream.run``: bernoulli with a number); ``random()`` is one 32-bit word, ``random64()`` two,
the first one high. The transforms follow ATen's CPU kernels on an x86-64 build with AVX2/AVX-512:

* uniform: ``(word & (2^digits - 1)) * 2^-digits`` (24 bits of one word below float64, 53 of two
  for float64), scaled as ``x * (to - from) + from`` (a fused multiply-add for float64; below it a
  value rounded up to ``to`` becomes ``from``);
* normal: under 16 elements Box-Muller in double, one pair per two values, the second value of a
  pair cached in the generator; from 16 elements the whole buffer is filled with uniforms first,
  then Box-Muller over pairs (j, j + 8) of each block of 16, the last block redrawn when the size
  is not a multiple of 16 (float32 through avx_mathfun's Cephes polynomials, with the FMAs the
  compiler forms; float64 through libm, reached from a Numba kernel);
* integers: ``word % range + base`` (two words once the range reaches 2^32);
* randperm: Fisher-Yates, swapping ``r[i]`` with ``r[i + word % (n - i)]``;
* bernoulli: ``u < p``, float64 uniforms for a number p, float32 ones for a tensor of probabilities.
"""
import ctypes
import math

import numpy as np

_N = 624
_MASK32 = 0xFFFFFFFF
_U32 = np.uint64(32)


def init_genrand(seed):
    """mt19937's 624-word key for ``seed`` (its low 32 bits), as PyTorch and ``init_genrand`` seed it."""
    key = np.empty(_N, dtype=np.uint32)
    x = seed & _MASK32
    key[0] = x
    for j in range(1, _N):
        x = (1812433253 * (x ^ (x >> 30)) + j) & _MASK32
        key[j] = x
    return key


class Stream:
    """One generator's mt19937 words and its cached normal samples (PyTorch's ``CPUGeneratorImpl``)."""

    def __init__(self, seed):
        self.bits = np.random.MT19937()
        self.rng = np.random.Generator(self.bits)  # numpy's samplers over the same words
        self.state_words = _state_view(self.bits)
        self.reseed(seed)

    def reseed(self, seed):
        self.seed = seed
        self.bits.state = {"bit_generator": "MT19937", "state": {"key": init_genrand(seed), "pos": _N}}
        self.next_double_normal = None
        self.next_float_normal = None
        self.fresh = True  # no word drawn since seeding: PyTorch's state says next = 0 rather than 624

    def words(self, n):
        """``n`` draws of ``random()``: 32-bit words (as uint64)."""
        self.fresh = False
        return self.bits.random_raw(n)

    def words64(self, n):
        """``n`` draws of ``random64()``: the first word of each pair is the high half."""
        self.fresh = False
        w = self.bits.random_raw(2 * n)
        return (w[0::2] << _U32) | w[1::2]

    def run(self, kernel, *args):
        """``kernel(key, pos, *args)``: a Numba kernel that draws from the 624 words of state ``key`` at position
        ``pos``, advancing them in place, and returns the new position; both live in numpy's bit generator, whose
        lock the kernel holds as numpy's own draws do."""
        self.fresh = False
        words = self.state_words
        with self.bits.lock:
            words[_N] = kernel(words[:_N], int(words[_N]), *args)

    # ----- PyTorch's state layout (CPUGeneratorImplState, 5056 bytes) -----

    def get_state(self):
        state = self.bits.state["state"]
        pos = int(state["pos"])
        raw = bytearray(STATE_SIZE)
        _pack(raw, 0, "<u8", self.seed)
        _pack(raw, 8, "<i4", _N + 1 - pos)                       # left
        _pack(raw, 12, "<i4", 1)                                 # seeded
        _pack(raw, 16, "<u8", 0 if self.fresh else pos)         # next
        raw[24:24 + 8 * _N] = state["key"].astype("<u8").tobytes()
        if self.next_double_normal is not None:
            _pack(raw, 5024, "<f8", self.next_double_normal)
            _pack(raw, 5040, "<i4", 1)
        if self.next_float_normal is not None:
            _pack(raw, 5044, "<f4", self.next_float_normal)
            raw[5048] = 1
        return bytes(raw)

    def set_state(self, raw):
        left, seeded = (int(v) for v in np.frombuffer(raw, "<i4", 2, 8))
        if not (seeded and 1 <= left <= _N and int(np.frombuffer(raw, "<u8", 1, 16)[0]) <= _N):
            raise RuntimeError("Invalid mt19937 state")
        self.seed = int(np.frombuffer(raw, "<u8", 1, 0)[0])
        key = np.frombuffer(raw, "<u8", _N, 24).astype(np.uint32)
        self.bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": _N + 1 - left}}
        self.fresh = left == 1 and np.frombuffer(raw, "<u8", 1, 16)[0] == 0
        valid_double = np.frombuffer(raw, "<i4", 1, 5040)[0] != 0
        self.next_double_normal = float(np.frombuffer(raw, "<f8", 1, 5024)[0]) if valid_double else None
        self.next_float_normal = float(np.frombuffer(raw, "<f4", 1, 5044)[0]) if raw[5048] else None


STATE_SIZE = 5056


def _state_view(bits):
    """The state of numpy's MT19937 ``bits`` in place: its C struct (``uint32 key[624]; int pos``) as 625 uint32,
    checked against the ``state`` it reports."""
    view = np.ctypeslib.as_array((ctypes.c_uint32 * (_N + 1)).from_address(bits.ctypes.state_address))
    state = bits.state["state"]
    if not (np.array_equal(view[:_N], state["key"]) and view[_N] == state["pos"]):
        raise RuntimeError("numpy's MT19937 state is not laid out as (uint32 key[624], int pos)")
    return view


def _pack(raw, offset, fmt, value):
    raw[offset:offset + np.dtype(fmt).itemsize] = np.array(value, dtype=fmt).tobytes()


# ----- exact arithmetic helpers -----

def _fma64(a, b, c):
    """Correctly rounded ``a * b + c`` in float64 (Boldo and Melquiond's emulation with round-to-odd)."""
    split = a * 134217729.0
    a_hi = split - (split - a)
    a_lo = a - a_hi
    split = b * 134217729.0
    b_hi = split - (split - b)
    b_lo = b - b_hi
    p = a * b
    p_err = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    s, s_err = _two_sum(c, p)
    v, v_err = _two_sum(s_err, p_err)
    bits = v.view(np.int64)
    inexact_even = (v_err != 0) & ((bits & 1) == 0)
    v = np.where(inexact_even, np.nextafter(v, np.where(v_err > 0, np.inf, -np.inf)), v)  # round to odd
    return s + v


def _two_sum(a, b):
    s = a + b
    b_virtual = s - a
    return s, (a - (s - b_virtual)) + (b - b_virtual)


# ----- uniform -----

def unit_uniform(stream, n, dtype):
    """``n`` samples in [0, 1) as ATen's ``uniform_real_distribution`` draws them for ``dtype``, as float64: 53 bits
    of two words for float64, else 24 bits of one (float16 and bfloat16 draw float32's)."""
    if np.dtype(dtype) == np.float64:
        return (stream.words64(n) & np.uint64(2 ** 53 - 1)).astype(np.float64) * 2.0 ** -53
    return (stream.words(n) & np.uint64(2 ** 24 - 1)).astype(np.float64) * 2.0 ** -24


def uniform(stream, n, dtype, low=0.0, high=1.0):
    """``n`` samples of ``uniform_(low, high)`` for a tensor of ``dtype`` (numpy), in that dtype."""
    dtype = np.dtype(dtype)
    x = unit_uniform(stream, n, dtype)
    if dtype == np.float64:
        return x if (low, high) == (0.0, 1.0) else _fma64(x, np.float64(high - low), np.float64(low))
    low, high = dtype.type(low), dtype.type(high)
    values = (x * np.float64(dtype.type(high - low)) + np.float64(low)).astype(np.float32).astype(dtype)
    return np.where(values == high, low, values)  # a value rounded up to ``to`` becomes ``from``, as in PyTorch


# ----- normal -----

def normal(stream, n, dtype, mean=0.0, std=1.0):
    """``n`` samples of ``normal_(mean, std)`` for a contiguous tensor of ``dtype`` (numpy), in that dtype."""
    dtype = np.dtype(dtype)
    if n < 16:
        values = _pairwise_normal(stream, n)
        return _scaled(values, mean, std).astype(dtype)
    if dtype == np.float32:
        blocks = _blocks(stream, n, np.float32)
        bits = (np.float32(1) - blocks[:, :8]).view(np.int32)  # 1 - u as mantissa in [0.5, 1) and exponent
        mantissas = ((bits & ~0x7F800000) | 0x3F000000).view(np.float32)
        _kernels().box_muller_blocks_float32(blocks, mantissas, ((bits >> 23) - 126).astype(np.float32),
                                             np.float32(mean), np.float32(std))
        return _last_blocks_overlapping(blocks, n)
    blocks = _blocks(stream, n, dtype).astype(np.float64, copy=False)  # float16: PyTorch's words, not its values
    _kernels().box_muller_blocks(blocks)
    return _scaled(_last_blocks_overlapping(blocks, n), mean, std).astype(dtype)


def _scaled(values, mean, std):
    """``fma(values, std, mean)`` in float64 (the values themselves for the standard normal)."""
    return values if (mean, std) == (0.0, 1.0) else _fma64(values, np.float64(std), np.float64(mean))


def _pairwise_normal(stream, n):
    """``n`` draws of ATen's ``normal_distribution<double>`` (standard): Box-Muller on two uniforms per pair, the
    sine half cached in the generator for the next draw."""
    cached = [] if stream.next_double_normal is None else [stream.next_double_normal]
    pairs = (n - len(cached) + 1) // 2
    uniforms = unit_uniform(stream, 2 * pairs, np.float64)
    cos, sin = _kernels().box_muller(uniforms[0::2], uniforms[1::2])
    values = np.concatenate([cached, np.stack([cos, sin], axis=1).reshape(-1)])
    stream.next_double_normal = float(values[n]) if len(values) > n else None
    return values[:n]


def _blocks(stream, n, dtype):
    """The uniforms of the block fill as (blocks, 16): the buffer's whole blocks, then, when 16 does not divide
    ``n``, a block drawn afresh for the last 16 elements."""
    values = unit_uniform(stream, n, dtype).astype(dtype)
    blocks = values[:n - n % 16].reshape(-1, 16)
    if n % 16:
        blocks = np.concatenate([blocks, unit_uniform(stream, 16, dtype).astype(dtype).reshape(1, 16)])
    return blocks


def _last_blocks_overlapping(blocks, n):
    """The ``n`` values of the block fill: the redrawn last block overwrites the buffer's last 16 elements."""
    if n % 16 == 0:
        return blocks.reshape(-1)
    return np.concatenate([blocks[:-1].reshape(-1)[:n - 16], blocks[-1]])


# ----- integers and permutations -----

def random_from_to(stream, n, span, base, dtype):
    """``n`` integers ``word % span + base`` (``random_(from, to)``: span = to - from), as int64."""
    wide = span >= 2 ** 32 and np.dtype(dtype).name in ("int64", "float64", "float32", "bfloat16")
    words = stream.words64(n) if wide else stream.words(n)
    return (words % np.uint64(span)).astype(np.int64) + base


_DEFAULT_SPANS = {"float16": 2 ** 11 + 1, "bfloat16": 2 ** 8 + 1, "float32": 2 ** 24 + 1, "float64": 2 ** 53 + 1,
                  "bool": 2}


def random_default(stream, n, dtype):
    """``n`` draws of ``random_()`` for ``dtype``: [0, 2^digits] for floats, [0, max] for integers, as int64."""
    dtype = np.dtype(dtype)
    span = _DEFAULT_SPANS.get(dtype.name) or int(np.iinfo(dtype).max) + 1
    words = stream.words64(n) if dtype.name in ("int64", "float64") else stream.words(n)
    return (words % np.uint64(span)).astype(np.int64)


_WIDE_PERMUTATION = _MASK32 // 20  # from this size on PyTorch draws 64-bit words (inside-out shuffle)
_CHUNK = 1 << 22


def randperm(stream, n):
    """PyTorch's CPU ``randperm(n)`` as int64."""
    if n >= _WIDE_PERMUTATION:
        picks = np.empty(n, dtype=np.int64)
        for start in range(0, n, _CHUNK):
            stop = min(n, start + _CHUNK)
            picks[start:stop] = stream.words64(stop - start) % np.arange(start + 1, stop + 1, dtype=np.uint64)
        return _kernels().inside_out_shuffle(picks)
    order = np.arange(n, dtype=np.int64)
    if n > 1:
        offsets = (stream.words(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)).astype(np.int64)
        _kernels().fisher_yates(order, offsets)
    return order


def bernoulli_scalar(stream, n, p):
    """``n`` draws of ``bernoulli_(p)`` for a number p: ``u < p`` for float64 uniforms (ATen's default kernel;
    builds that take MKL's path on Intel CPUs draw from MKL's own stream instead). With ``u = x * 2^-53`` for the
    53 bits x, ``u < p`` is ``x < ceil(p * 2^53)``: one Numba loop draws and compares."""
    keep = np.empty(n, dtype=bool)
    stream.run(_kernels().bernoulli_below, math.ceil(float(p) * 2.0 ** 53), keep)
    return keep


def _kernels():
    from . import _mt19937_kernels  # Numba compiles on first use
    return _mt19937_kernels
