"""PyTorch parity at the edges of float32 for every elementwise op, activation and loss.

Each case runs forward and backward next to PyTorch on 0, -0, ±inf, ±1e30, NaN, the
smallest normal and the largest float32 (and a few ordinary values), on every pair of
them for binary ops, under three upstream gradients: ordinary values, inf (where an op
is flat its gradient is 0, not 0 * inf) and 0 (0 times an infinite slope is NaN, as in
PyTorch). Forwards whose finite inputs numpy would warn about (log(0), exp(100)...) stay
silent, as PyTorch's do; the ops in ``WARN_ONLY_FOR_INFINITIES`` (``+``, ``-``, ``*``, the
smooth activations, sin...) keep numpy's warning for inf - inf, 0 * inf and the like: silencing
costs about a microsecond a call, paid on every call of these hot ops.

Left out, where PyTorch contradicts itself or the mathematics: ``fmod``/``remainder``
whose quotient overflows float32 (NaN in PyTorch's vectorised kernel, 0 in its scalar one),
and the exact ``gelu`` at ±inf and the largest float (its erf approximation gives NaN).
"""
import warnings

import numpy as np
import pytest

import autograd_core as torch
import nn.functional as F

torch_ref = pytest.importorskip("torch")

F32 = np.finfo(np.float32)
EDGES = np.array([0.0, -0.0, np.inf, -np.inf, 1e30, -1e30, np.nan, F32.tiny, -F32.tiny, F32.max, -F32.max,
                  1.0, -1.0, 0.5, -2.5, 3.0], np.float32)
PAIRS = tuple(grid.ravel() for grid in np.meshgrid(EDGES, EDGES))
PROBABILITIES = np.array([0.0, 1.0, F32.tiny, 1 - 2 ** -24, 0.5, 1e-30, 1e-7, 0.25], np.float32)
PROBABILITY_PAIRS = tuple(grid.ravel() for grid in np.meshgrid(PROBABILITIES, PROBABILITIES))
LOGIT_ROWS = np.stack([np.array([v, 0.0, 1.0], np.float32) for v in EDGES])  # one edge value per row of 3 classes
UPSTREAMS = {"ordinary": None, "inf": np.inf, "zero": 0.0}


class Case:
    """``fn(lib, functional, *tensors)`` run on ``inputs`` (arrays); ``grads`` says which inputs require grad."""

    def __init__(self, name, fn, inputs=(EDGES,), grads=None, atol=0.0):
        self.name, self.fn, self.inputs, self.atol = name, fn, inputs, atol
        self.grads = grads if grads is not None else (True,) * len(inputs)


def _without_overflowing_quotients(a, b):
    with np.errstate(all="ignore"):
        quotient = np.abs(a.astype(np.float64) / b)
    keep = ~(np.isfinite(a) & np.isfinite(quotient) & (quotient > F32.max))
    return a[keep], b[keep]


def _finite_below_max(x):
    return x[np.isfinite(x) & (np.abs(x) < F32.max)]


def _rows_without_max(rows):
    return rows[np.abs(rows[:, 0]) != F32.max]


WARN_ONLY_FOR_INFINITIES = {"sin", "cos", "tan", "frac", "x*0", "add", "sub", "mul", "F.selu", "F.celu alpha 0.5",
                            "F.gelu tanh", "F.hardswish", "F.logsigmoid", "F.mish", "F.silu", "F.softplus",
                            "F.softplus beta 2", "F.l1_loss", "F.kl_div", "F.kl_div log_target"}
UNARY = ("exp expm1 log log1p log2 log10 sqrt rsqrt reciprocal square sin cos tan asin acos atan sinh cosh asinh "
         "acosh atanh tanh sigmoid relu erf abs sign sgn floor ceil round trunc frac nan_to_num neg").split()
BINARY = "div pow atan2 maximum minimum".split()
ACTIVATIONS = ("relu relu6 hardtanh hardsigmoid hardswish elu selu celu silu mish softplus softsign sigmoid tanh "
               "logsigmoid leaky_relu").split()

CASES = (
    [Case(name, lambda t, F, x, name=name: getattr(t, name)(x)) for name in UNARY]
    + [Case(f"x**{c}", lambda t, F, x, c=c: x ** c) for c in (2, 3, 0.5, -0.5, -1, -2, 2.5, 1, 0)]
    + [Case(f"{c}**x", lambda t, F, x, c=c: c ** x) for c in (2.0, 0.0, 0.5, -2.0)]
    + [Case("1/x", lambda t, F, x: 1 / x), Case("x/0", lambda t, F, x: x / 0),
       Case("x*0", lambda t, F, x: x * 0),
       Case("clamp", lambda t, F, x: x.clamp(-1, 1)), Case("clamp_min", lambda t, F, x: x.clamp_min(0.5)),
       Case("clamp_max", lambda t, F, x: x.clamp_max(0.5)),
       Case("x%2", lambda t, F, x: x % 2), Case("fmod(x, 2)", lambda t, F, x: t.fmod(x, 2))]
    + [Case(name, lambda t, F, a, b, name=name: getattr(t, name)(a, b), PAIRS) for name in BINARY]
    + [Case(name, lambda t, F, a, b, name=name: getattr(t, name)(a, b), PAIRS)
       for name in ("add", "sub", "mul")]
    + [Case(name, lambda t, F, a, b, name=name: getattr(t, name)(a, b), _without_overflowing_quotients(*PAIRS))
       for name in ("remainder", "fmod")]
    + [Case("floor_divide", lambda t, F, a, b: t.floor_divide(a, b), PAIRS, grads=(False, False)),
       Case("div floor", lambda t, F, a, b: t.div(a, b, rounding_mode="floor"), PAIRS),
       Case("div trunc", lambda t, F, a, b: t.div(a, b, rounding_mode="trunc"), PAIRS)]
    + [Case("F." + name, lambda t, F, x, name=name: getattr(F, name)(x)) for name in ACTIVATIONS]
    + [Case("F.gelu", lambda t, F, x: F.gelu(x), (_finite_below_max(EDGES),)),
       Case("F.gelu tanh", lambda t, F, x: F.gelu(x, approximate="tanh")),
       Case("F.softplus beta 2", lambda t, F, x: F.softplus(x, beta=2.0, threshold=5.0)),
       Case("F.elu alpha 2", lambda t, F, x: F.elu(x, alpha=2.0)),
       Case("F.celu alpha 0.5", lambda t, F, x: F.celu(x, alpha=0.5)),
       Case("F.leaky_relu 0.2", lambda t, F, x: F.leaky_relu(x, 0.2)),
       Case("F.hardtanh -2 3", lambda t, F, x: F.hardtanh(x, -2.0, 3.0)),
       Case("F.prelu", lambda t, F, x, w: F.prelu(x, w), (EDGES, np.array([0.25], np.float32))),
       Case("F.softmax", lambda t, F, x: F.softmax(x, 1), (LOGIT_ROWS,), atol=1e-6),
       Case("F.softmin", lambda t, F, x: F.softmin(x, 1), (LOGIT_ROWS,), atol=1e-6),
       Case("F.log_softmax", lambda t, F, x: F.log_softmax(x, 1), (LOGIT_ROWS,), atol=1e-6),
       Case("logsumexp", lambda t, F, x: t.logsumexp(x, 1), (LOGIT_ROWS,))]
    + [Case("F." + name, lambda t, F, a, b, name=name: getattr(F, name)(a, b, reduction="none"), PAIRS)
       for name in ("mse_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy_with_logits")]
    + [Case("F.l1_loss", lambda t, F, a, b: F.l1_loss(a, b, reduction="none"), PAIRS),
       Case("F.smooth_l1_loss beta 0.5", lambda t, F, a, b: F.smooth_l1_loss(a, b, reduction="none", beta=0.5),
            PAIRS),
       Case("F.huber_loss delta 2", lambda t, F, a, b: F.huber_loss(a, b, reduction="none", delta=2.0), PAIRS),
       Case("F.kl_div", lambda t, F, a, b: F.kl_div(a, b, reduction="none"), PAIRS),
       Case("F.kl_div log_target", lambda t, F, a, b: F.kl_div(a, b, reduction="none", log_target=True), PAIRS),
       Case("F.binary_cross_entropy_with_logits pos_weight",
            lambda t, F, a, b, w: F.binary_cross_entropy_with_logits(a, b, reduction="none", pos_weight=w),
            PAIRS + (np.array([2.0], np.float32),), grads=(True, True, False)),
       Case("F.binary_cross_entropy", lambda t, F, a, b: F.binary_cross_entropy(a, b, reduction="none"),
            PROBABILITY_PAIRS),
       Case("F.binary_cross_entropy weight",
            lambda t, F, a, b, w: F.binary_cross_entropy(a, b, weight=w, reduction="none"),
            PROBABILITY_PAIRS + (np.full(PROBABILITY_PAIRS[0].shape, 2.0, np.float32),), grads=(True, True, False)),
       Case("F.cross_entropy", lambda t, F, x: F.cross_entropy(x, t.tensor([1] * len(x)), reduction="none"),
            (LOGIT_ROWS,)),
       Case("F.cross_entropy mean", lambda t, F, x: F.cross_entropy(x, t.tensor([0] * len(x))), (LOGIT_ROWS,)),
       Case("F.cross_entropy probabilities", lambda t, F, x, q: F.cross_entropy(x, q, reduction="none"),
            (LOGIT_ROWS, np.tile(np.array([0.2, 0.3, 0.5], np.float32), (len(EDGES), 1))), grads=(True, False)),
       Case("F.cross_entropy label_smoothing",
            lambda t, F, x: F.cross_entropy(x, t.tensor([1] * len(x)), reduction="none", label_smoothing=0.1),
            (_rows_without_max(LOGIT_ROWS),)),
       Case("F.nll_loss", lambda t, F, x: F.nll_loss(x, t.tensor([0] * len(x)), reduction="none"), (LOGIT_ROWS,))]
    + [Case(name, fn, (LOGIT_ROWS,)) for name, fn in (
        ("amax", lambda t, F, x: x.amax(1)), ("max", lambda t, F, x: x.max()), ("prod", lambda t, F, x: x.prod(1)),
        ("norm", lambda t, F, x: x.norm(dim=1)), ("norm 1", lambda t, F, x: x.norm(p=1, dim=1)),
        ("norm inf", lambda t, F, x: x.norm(p=float("inf"), dim=1)), ("var", lambda t, F, x: x.var(1)),
        ("std", lambda t, F, x: x.std(1)))]
)


def _run(lib, functional, case, upstream):
    """(forward values, gradients, RuntimeWarnings of the forward) of ``case`` in ``lib``."""
    tensors = [lib.tensor(a.copy(), requires_grad=g) for a, g in zip(case.inputs, case.grads)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y = case.fn(lib, functional, *tensors)
    forward_warnings = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    grads = []
    if y.requires_grad:
        if upstream is None:  # ordinary values: 1, -0.5, 2, 0.25, ...
            pattern = np.resize(np.array([1.0, -0.5, 2.0, 0.25], np.float32), tuple(y.shape))
            gradient = lib.tensor(pattern)
        else:
            gradient = lib.full_like(y, upstream)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            y.backward(gradient)
        grads = [t.grad for t, g in zip(tensors, case.grads) if g]
    return y.detach().numpy(force=True), [g.numpy(force=True) for g in grads], forward_warnings


def _assert_matches(ours, ref, inputs, what, atol):
    ours, ref = np.asarray(ours, np.float64), np.asarray(ref, np.float64)
    assert ours.shape == ref.shape, f"{what}: shape {ours.shape}, PyTorch's {ref.shape}"
    close = np.isclose(ours, ref, rtol=2e-5, atol=atol or 1e-44, equal_nan=True)
    bad = np.flatnonzero(~close.ravel())
    rows = [f"inputs {tuple(float(a.ravel()[i]) for a in inputs if a.size == ours.size)}: "
            f"{ours.ravel()[i]!r} (PyTorch {ref.ravel()[i]!r})" for i in bad[:6]]
    assert not rows, f"{what} differs from PyTorch at {len(bad)} elements: " + "; ".join(rows)


@pytest.mark.parametrize("upstream", list(UPSTREAMS), ids=list(UPSTREAMS))
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_matches_pytorch_at_float32_edges(case, upstream):
    values, grads, forward_warnings = _run(torch, F, case, UPSTREAMS[upstream])
    ref_values, ref_grads, _ = _run(torch_ref, torch_ref.nn.functional, case, UPSTREAMS[upstream])
    _assert_matches(values, ref_values, case.inputs, "forward", case.atol)
    assert len(grads) == len(ref_grads)
    for i, (g, ref) in enumerate(zip(grads, ref_grads)):
        _assert_matches(g, ref, case.inputs, f"gradient of input {i}", case.atol)
    if case.name not in WARN_ONLY_FOR_INFINITIES:
        assert not forward_warnings, f"numpy warned where PyTorch is silent: {forward_warnings}"
