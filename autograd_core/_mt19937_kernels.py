"""Numba kernels of the mt19937 stream's algorithms (host arrays only): Bernoulli draws straight from the
generator's state, shuffles and libm's Box-Muller."""
import math

import numpy as np
from numba import njit


_N, _M = 624, 397
_U32 = np.uint32


@njit(cache=True)
def _twist(key):
    """mt19937's next 624 words of state, in place (``mt19937_gen``)."""
    upper, lower, matrix, one = _U32(0x80000000), _U32(0x7FFFFFFF), _U32(0x9908B0DF), _U32(1)
    for i in range(_N - _M):  # three loops without a modulo, as mt19937_gen's
        y = (key[i] & upper) | (key[i + 1] & lower)
        key[i] = key[i + _M] ^ (y >> one) ^ ((y & one) * matrix)
    for i in range(_N - _M, _N - 1):
        y = (key[i] & upper) | (key[i + 1] & lower)
        key[i] = key[i + _M - _N] ^ (y >> one) ^ ((y & one) * matrix)
    y = (key[_N - 1] & upper) | (key[0] & lower)
    key[_N - 1] = key[_M - 1] ^ (y >> one) ^ ((y & one) * matrix)


@njit(cache=True)
def _tempered(key, words):
    """``words`` = the tempered output of every word of state ``key``."""
    for i in range(_N):
        y = key[i]
        y ^= y >> _U32(11)
        y ^= (y << _U32(7)) & _U32(0x9D2C5680)
        y ^= (y << _U32(15)) & _U32(0xEFC60000)
        words[i] = y ^ (y >> _U32(18))


@njit(cache=True)
def bernoulli_below(key, pos, threshold, out):
    """``out[i] = x < threshold`` for x the low 53 bits of draw i of ``random64()`` (two words, the first one
    high) from mt19937 state ``key`` read at ``pos``; advances the state in place and returns the new ``pos``."""
    words = np.empty(_N, dtype=np.uint32)
    _tempered(key, words)
    n, i = out.shape[0], 0
    while i < n:
        if pos == _N:
            _twist(key)
            _tempered(key, words)
            pos = 0
        if pos == _N - 1:  # a pair across the twist
            high = np.int64(words[pos] & _U32(0x1FFFFF))
            _twist(key)
            _tempered(key, words)
            out[i] = ((high << 32) | np.int64(words[0])) < threshold
            pos, i = 1, i + 1
            continue
        take = min(n - i, (_N - pos) // 2)
        for j in range(take):
            high = np.int64(words[pos + 2 * j] & _U32(0x1FFFFF))
            out[i + j] = ((high << 32) | np.int64(words[pos + 2 * j + 1])) < threshold
        pos, i = pos + 2 * take, i + take
    return pos


@njit(cache=True)
def fisher_yates(order, offsets):
    """Swap ``order[i]`` with ``order[i + offsets[i]]`` for i = 0, 1, ... in turn."""
    for i in range(offsets.shape[0]):
        j = i + offsets[i]
        order[i], order[j] = order[j], order[i]


@njit(cache=True)
def inside_out_shuffle(picks):
    """The inside-out Fisher-Yates shuffle: element i goes to ``picks[i]`` (at most i), that one's value to i."""
    n = picks.shape[0]
    order = np.empty(n, dtype=np.int64)
    for i in range(n):
        z = picks[i]
        order[i] = order[z]
        order[z] = i
    return order


@njit(cache=True)
def box_muller(u1, u2):
    """ATen's ``normal_distribution<double>`` on each pair of uniforms: the cosine samples and the sine samples it
    caches."""
    cos, sin = np.empty_like(u1), np.empty_like(u1)
    for i in range(u1.shape[0]):
        radius = math.sqrt(-2.0 * math.log1p(-u2[i]))
        theta = 2.0 * math.pi * u1[i]
        cos[i], sin[i] = radius * math.cos(theta), radius * math.sin(theta)
    return cos, sin


@njit(cache=True)
def box_muller_blocks(blocks):
    """ATen's ``normal_fill_16`` on each row of 16 uniforms, in place: pairs (j, j + 8) through libm."""
    for b in range(blocks.shape[0]):
        for j in range(8):
            radius = math.sqrt(-2.0 * math.log(1.0 - blocks[b, j]))
            theta = 2.0 * math.pi * blocks[b, j + 8]
            blocks[b, j] = radius * math.cos(theta)
            blocks[b, j + 8] = radius * math.sin(theta)


_F = np.float32
_LOG_POLY = (_F(-1.1514610310E-1), _F(1.1676998740E-1), _F(-1.2420140846E-1), _F(1.4249322787E-1),
             _F(-1.6668057665E-1), _F(2.0000714765E-1), _F(-2.4999993993E-1), _F(3.3333331174E-1))


@njit(cache=True)
def _fma32(a, b, c):
    """``a * b + c`` of float32 values rounded once (their float64 product is exact)."""
    return np.float32(np.float64(a) * np.float64(b) + np.float64(c))


@njit(cache=True)
def _cephes_log(x, e):
    """avx_mathfun's ``log256_ps`` (Cephes logf) of ``x * 2^e`` (x in [0.5, 1), both float32) as PyTorch's build
    evaluates it, FMAs included."""
    small = x < _F(0.707106781186547524)
    x = (x - _F(1)) + (x if small else _F(0))
    e = e - (_F(1) if small else _F(0))
    z = x * x
    y = _F(7.0376836292E-2)
    for c in _LOG_POLY:
        y = _fma32(y, x, c)
    y = y * x
    y = _fma32(y, z, e * _F(-2.12194440e-4))
    y = _fma32(z, _F(-0.5), y)
    return _fma32(e, _F(0.693359375), x + y)


@njit(cache=True)
def _cephes_sincos(x):
    """avx_mathfun's ``sincos256_ps`` (Cephes sinf/cosf) on a float32 x >= 0 as PyTorch's build evaluates it:
    (sin, cos)."""
    j = np.int32(x * _F(1.27323954473516))
    j = (j + 1) & ~1
    y = np.float32(j)
    x = _fma32(y, _F(-0.78515625), x)
    x = _fma32(y, _F(-2.4187564849853515625e-4), x)
    x = _fma32(y, _F(-3.77489497744594108e-8), x)
    z = x * x
    cos_poly = _fma32(_fma32(_F(2.443315711809948E-005), z, _F(-1.388731625493765E-003)), z,
                      _F(4.166664568298827E-002)) * z
    cos_poly = _fma32(cos_poly, z, -(z * _F(0.5))) + _F(1)
    sin_poly = _fma32(_fma32(_F(-1.9515295891E-4), z, _F(8.3321608736E-3)), z, _F(-1.6666654611E-1)) * z
    sin_poly = _fma32(sin_poly, x, x)
    sin, cos = (sin_poly, cos_poly) if j & 2 == 0 else (cos_poly, sin_poly)
    return (-sin if j & 4 else sin), (cos if (j - 2) & 4 else -cos)


@njit(cache=True)
def box_muller_blocks_float32(blocks, mantissas, exponents, mean, std):
    """ATen's ``normal_fill_16_AVX2`` on each row of 16 float32 uniforms, in place: pairs (j, j + 8) through
    avx_mathfun's log (of ``1 - u = mantissa * 2^exponent``, split by the caller) and sincos, then
    ``fma(value, std, mean)``."""
    two_pi = np.float32(2.0 * math.pi)
    for b in range(blocks.shape[0]):
        for j in range(8):
            radius = np.float32(math.sqrt(_F(-2) * _cephes_log(mantissas[b, j], exponents[b, j])))
            sin, cos = _cephes_sincos(two_pi * blocks[b, j + 8])
            blocks[b, j] = _fma32(radius * cos, std, mean)
            blocks[b, j + 8] = _fma32(radius * sin, std, mean)
