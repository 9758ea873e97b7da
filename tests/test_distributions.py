"""torch.distributions: log_prob, entropy, moments, cdf/icdf and KL divergences equal PyTorch's (1e-6, same
parameters and values); shapes, expand, validation errors and constraints as PyTorch's; gradients of log_prob and
of rsample-based expectations checked by float64 gradcheck; the special functions and factorisations underneath.

Samples cannot equal PyTorch's (another generator): their moments are checked (six standard errors).
"""
import math
import warnings

import numpy as np
import pytest

import autograd_core as torch
from autograd_core.autograd import gradcheck, gradgradcheck
from autograd_core.distributions import constraints, transforms

D = torch.distributions
F64 = torch.float64
RNG = np.random.default_rng(0)


@pytest.fixture
def torch_ref():
    return pytest.importorskip("torch")


def values(t):
    return t.numpy(force=True)


def tensors(lib, *arrays):
    return [lib.tensor(np.ascontiguousarray(a, dtype=np.float64)) for a in arrays]


def close(ours, theirs, tol=1e-6):
    theirs = theirs.detach().numpy()
    np.testing.assert_allclose(values(ours), theirs, rtol=tol, atol=tol, equal_nan=True)
    assert tuple(ours.shape) == theirs.shape


def assert_refused_alike(call, torch_ref, error=Exception):
    """``call(D, lib)`` raises ``error`` with PyTorch's distributions, and with ours an error of that type and
    message."""
    with pytest.raises(error) as theirs:
        call(torch_ref.distributions, torch_ref)
    with pytest.raises(theirs.type) as ours:
        call(D, torch)
    assert str(ours.value) == str(theirs.value)


LOC, SCALE = RNG.normal(size=(2, 3)), RNG.uniform(0.5, 2.0, (2, 3))
PROBS = RNG.uniform(0.05, 0.95, (2, 3))
SIMPLEX = RNG.dirichlet(np.ones(4), size=3)
CONCENTRATION = RNG.uniform(0.5, 3.0, (3, 4))
_M = RNG.normal(size=(2, 3, 3))
COVARIANCE = _M @ np.swapaxes(_M, -1, -2) + np.eye(3)
TANH_VALUES = np.tanh(RNG.normal(size=(2, 3)))

# (id, make(D, lib), value): parameters float64; the value a float64 array
CASES = [
    ("Normal", lambda D, m: D.Normal(*tensors(m, LOC, SCALE)), RNG.normal(size=(2, 3))),
    ("Normal numbers", lambda D, m: D.Normal(0.5, 2.0), RNG.normal(size=(4,))),
    ("Normal broadcast", lambda D, m: D.Normal(m.tensor(LOC[0]), 1.5), RNG.normal(size=(2, 3))),
    ("Laplace", lambda D, m: D.Laplace(*tensors(m, LOC, SCALE)), RNG.normal(size=(2, 3))),
    ("Exponential", lambda D, m: D.Exponential(*tensors(m, SCALE)), RNG.exponential(size=(2, 3))),
    ("Uniform", lambda D, m: D.Uniform(*tensors(m, LOC, LOC + SCALE)), LOC + SCALE * RNG.uniform(size=(2, 3))),
    ("Gamma", lambda D, m: D.Gamma(*tensors(m, SCALE, SCALE[::-1])), RNG.gamma(2.0, size=(2, 3))),
    ("Gamma numbers", lambda D, m: D.Gamma(2.5, 0.5), RNG.gamma(2.0, size=(3,))),
    ("Beta", lambda D, m: D.Beta(*tensors(m, SCALE, SCALE[::-1])), RNG.uniform(0.05, 0.95, (2, 3))),
    ("Beta numbers", lambda D, m: D.Beta(0.5, 2.0), RNG.uniform(0.05, 0.95, (3,))),
    ("Bernoulli probs", lambda D, m: D.Bernoulli(probs=m.tensor(PROBS)), RNG.integers(0, 2, (2, 3)).astype(float)),
    ("Bernoulli logits", lambda D, m: D.Bernoulli(logits=m.tensor(LOC * 5)), RNG.integers(0, 2, (2, 3)).astype(float)),
    ("Bernoulli number", lambda D, m: D.Bernoulli(0.3), RNG.integers(0, 2, (5,)).astype(float)),
    ("Categorical probs", lambda D, m: D.Categorical(probs=m.tensor(SIMPLEX)), RNG.integers(0, 4, (2, 3))),
    ("Categorical logits", lambda D, m: D.Categorical(logits=m.tensor(LOC)), RNG.integers(0, 3, (2,))),
    ("OneHotCategorical", lambda D, m: D.OneHotCategorical(m.tensor(SIMPLEX)), np.eye(4)[RNG.integers(0, 4, 3)]),
    ("Dirichlet", lambda D, m: D.Dirichlet(m.tensor(CONCENTRATION)), RNG.dirichlet(np.ones(4), 3)),
    ("MultivariateNormal covariance", lambda D, m: D.MultivariateNormal(m.tensor(LOC), m.tensor(COVARIANCE)),
     RNG.normal(size=(4, 2, 3))),
    ("MultivariateNormal precision", lambda D, m: D.MultivariateNormal(
        m.tensor(LOC[0]), precision_matrix=m.tensor(COVARIANCE)), RNG.normal(size=(2, 3))),
    ("MultivariateNormal scale_tril", lambda D, m: D.MultivariateNormal(
        m.tensor(LOC), scale_tril=m.tensor(np.linalg.cholesky(COVARIANCE[0]))), RNG.normal(size=(2, 3))),
    ("Independent", lambda D, m: D.Independent(D.Normal(*tensors(m, LOC, SCALE)), 1), RNG.normal(size=(2, 3))),
    ("Transformed exp", lambda D, m: D.TransformedDistribution(D.Normal(*tensors(m, LOC, SCALE)), D.ExpTransform()),
     RNG.uniform(0.1, 3.0, (2, 3))),
    ("Transformed affine", lambda D, m: D.TransformedDistribution(
        D.Normal(*tensors(m, LOC, SCALE)), [D.AffineTransform(1.0, -2.0)]), RNG.normal(size=(2, 3))),
    ("Transformed sigmoid affine", lambda D, m: D.TransformedDistribution(
        D.Normal(*tensors(m, LOC, SCALE)), [D.SigmoidTransform(), D.AffineTransform(*tensors(m, LOC, SCALE))]),
     LOC + SCALE * RNG.uniform(0.05, 0.95, (2, 3))),
    ("Transformed tanh composed", lambda D, m: D.TransformedDistribution(
        D.Normal(*tensors(m, LOC, SCALE)), D.ComposeTransform([D.TanhTransform(), D.AffineTransform(1.0, 2.0)])),
     1.0 + 2.0 * TANH_VALUES),
    ("Transformed vector affine", lambda D, m: D.TransformedDistribution(
        D.Normal(*tensors(m, LOC, SCALE)), [D.AffineTransform(*tensors(m, LOC[0], SCALE[1]), event_dim=1)]),
     RNG.normal(size=(2, 3))),
]
MOMENTS = ("mean", "variance", "stddev", "mode")
CUMULATIVE = ("cdf", "icdf")


def _quantity(dist, name, value, lib):
    if name == "log_prob":
        return dist.log_prob(lib.tensor(value))
    if name == "cdf":
        return dist.cdf(lib.tensor(value))
    if name == "icdf":
        return dist.icdf(lib.tensor(np.full(dist.batch_shape or (3,), 0.3)))
    if name in ("entropy", "perplexity"):
        return getattr(dist, name)()
    return getattr(dist, name)


def parity_tests(cases, names):
    """The two parity tests of a table of ``(id, make(D, lib), value)`` cases: the quantities ``names`` at the value
    equal PyTorch's (or both refuse them), and the shapes, flags, reprs, family, samples and ``expand`` too."""
    ids = [c[0] for c in cases]

    @pytest.mark.parametrize("name", names)
    @pytest.mark.parametrize("make, value", [c[1:] for c in cases], ids=ids)
    def test_values_equal_pytorchs(make, value, name, torch_ref):
        try:
            theirs = _quantity(make(torch_ref.distributions, torch_ref), name, value, torch_ref)
        except Exception as refused:  # noqa: BLE001  (not defined there, or values it refuses: ours refuses them too)
            with pytest.raises(type(refused)):
                _quantity(make(D, torch), name, value, torch)
            return
        close(_quantity(make(D, torch), name, value, torch), theirs)

    @pytest.mark.parametrize("make", [c[1] for c in cases], ids=ids)
    def test_shapes_samples_and_flags_equal_pytorchs(make, torch_ref):
        ours, theirs = make(D, torch), make(torch_ref.distributions, torch_ref)
        assert ours.batch_shape == tuple(theirs.batch_shape) and ours.event_shape == tuple(theirs.event_shape)
        assert (ours.has_rsample, ours.has_enumerate_support) == (theirs.has_rsample, theirs.has_enumerate_support)
        assert repr(ours) == repr(theirs) and repr(ours.support) == repr(theirs.support)
        assert isinstance(ours, D.ExponentialFamily) == isinstance(theirs, torch_ref.distributions.ExponentialFamily)
        sample = ours.sample((5,))
        assert sample.shape == tuple(theirs.sample((5,)).shape) and str(sample.dtype) == str(theirs.sample().dtype)
        assert not sample.requires_grad
        if ours.has_rsample:
            assert ours.rsample((2, 1)).shape == tuple(theirs.rsample((2, 1)).shape)
        assert bool(ours.support.check(sample).all())
        expanded = ours.expand((4,) + tuple(ours.batch_shape))
        assert expanded.batch_shape == (4,) + tuple(ours.batch_shape) and expanded.sample().shape == \
            (4,) + tuple(ours.batch_shape) + tuple(ours.event_shape)
        value = values(ours.sample())
        close(expanded.log_prob(torch.tensor(value)), theirs.expand((4,) + tuple(theirs.batch_shape)).log_prob(
            torch_ref.tensor(value)))

    return test_values_equal_pytorchs, test_shapes_samples_and_flags_equal_pytorchs


test_values_equal_pytorchs, test_shapes_samples_and_flags_equal_pytorchs = parity_tests(
    CASES, ["log_prob", "entropy", "perplexity", *MOMENTS, *CUMULATIVE])


def test_enumerate_support_equals_pytorchs(torch_ref):
    for make in (lambda D, m: D.Bernoulli(m.full((2,), 0.3)), lambda D, m: D.Categorical(m.ones(2, 3)),
                 lambda D, m: D.OneHotCategorical(m.ones(2, 3)),
                 lambda D, m: D.Independent(D.Categorical(m.ones(2, 3)), 0)):
        for expand in (True, False):
            ours = make(D, torch).enumerate_support(expand)
            theirs = make(torch_ref.distributions, torch_ref).enumerate_support(expand)
            assert values(ours).tolist() == theirs.tolist() and str(ours.dtype) == str(theirs.dtype)
    with pytest.raises(NotImplementedError, match="Enumeration over cartesian product is not implemented"):
        D.Independent(D.Bernoulli(torch.full((2,), 0.5)), 1).enumerate_support()


# ----- KL divergences -----

KL_FAMILIES = {
    "Normal": lambda D, m: D.Normal(*tensors(m, LOC, SCALE)),
    "Normal other": lambda D, m: D.Normal(*tensors(m, SCALE, LOC ** 2 + 0.5)),
    "Laplace": lambda D, m: D.Laplace(*tensors(m, LOC, SCALE)),
    "Exponential": lambda D, m: D.Exponential(*tensors(m, SCALE)),
    "Gamma": lambda D, m: D.Gamma(*tensors(m, SCALE, SCALE[::-1])),
    "Beta": lambda D, m: D.Beta(*tensors(m, SCALE, SCALE[::-1])),
    "Uniform wide": lambda D, m: D.Uniform(*tensors(m, LOC - 3, LOC + 3)),
    "Uniform in (0, 1)": lambda D, m: D.Uniform(*tensors(m, PROBS * 0.5, PROBS * 0.5 + 0.3)),
    "Bernoulli": lambda D, m: D.Bernoulli(m.tensor(PROBS)),
    "Bernoulli other": lambda D, m: D.Bernoulli(m.tensor(PROBS[::-1].copy())),
}
KL_PAIRS = [(p, q) for p in KL_FAMILIES for q in KL_FAMILIES]


def check_kl_divergence_equals_pytorchs(make_p, make_q, torch_ref):
    """KL(p || q) of the distributions ``make_p`` and ``make_q`` make equals PyTorch's, or both refuse it alike."""
    def kl(D, m):
        return D.kl_divergence(make_p(D, m), make_q(D, m))
    try:
        theirs = kl(torch_ref.distributions, torch_ref)
    except NotImplementedError as refused:
        with pytest.raises(NotImplementedError) as ours:
            kl(D, torch)
        assert str(ours.value) == str(refused)
        return
    close(kl(D, torch), theirs)


@pytest.mark.parametrize("p, q", KL_PAIRS, ids=[f"{p}-{q}" for p, q in KL_PAIRS])
def test_kl_divergence_of_univariate_families_equals_pytorchs(p, q, torch_ref):
    check_kl_divergence_equals_pytorchs(KL_FAMILIES[p], KL_FAMILIES[q], torch_ref)


def _with_zeros(probs):
    probs = probs.copy()
    probs[0, 1] = 0.0
    return probs / probs.sum(-1, keepdims=True)


KL_CASES = [
    ("Categorical", lambda D, m: D.Categorical(m.tensor(SIMPLEX)),
     lambda D, m: D.Categorical(m.tensor(SIMPLEX[::-1].copy()))),
    ("Categorical zeros", lambda D, m: D.Categorical(m.tensor(_with_zeros(SIMPLEX))),
     lambda D, m: D.Categorical(m.tensor(SIMPLEX))),
    ("Categorical zeros in q", lambda D, m: D.Categorical(m.tensor(SIMPLEX)),
     lambda D, m: D.Categorical(m.tensor(_with_zeros(SIMPLEX)))),
    ("OneHotCategorical", lambda D, m: D.OneHotCategorical(m.tensor(SIMPLEX)),
     lambda D, m: D.OneHotCategorical(logits=m.tensor(SIMPLEX[::-1].copy()))),
    ("Dirichlet", lambda D, m: D.Dirichlet(m.tensor(CONCENTRATION)), lambda D, m: D.Dirichlet(m.tensor(SIMPLEX * 3))),
    ("MultivariateNormal", lambda D, m: D.MultivariateNormal(m.tensor(LOC[0]), m.tensor(COVARIANCE)),
     lambda D, m: D.MultivariateNormal(m.tensor(SCALE), precision_matrix=m.tensor(COVARIANCE[1]))),
    ("Independent", lambda D, m: D.Independent(KL_FAMILIES["Normal"](D, m), 1),
     lambda D, m: D.Independent(KL_FAMILIES["Normal other"](D, m), 1)),
    ("TransformedDistribution", lambda D, m: D.TransformedDistribution(KL_FAMILIES["Normal"](D, m), D.ExpTransform()),
     lambda D, m: D.TransformedDistribution(KL_FAMILIES["Normal other"](D, m), D.ExpTransform())),
    ("Bernoulli at 0 and 1", lambda D, m: D.Bernoulli(m.tensor([0.0, 1.0, 0.3, 0.3])),
     lambda D, m: D.Bernoulli(m.tensor([0.4, 0.2, 0.0, 1.0]))),
]


@pytest.mark.parametrize("p, q", [c[1:] for c in KL_CASES], ids=[c[0] for c in KL_CASES])
def test_kl_divergence_of_the_other_pairs_equals_pytorchs(p, q, torch_ref):
    close(D.kl_divergence(p(D, torch), q(D, torch)),
          torch_ref.distributions.kl_divergence(p(torch_ref.distributions, torch_ref),
                                                q(torch_ref.distributions, torch_ref)))


def test_kl_errors_are_pytorchs(torch_ref):
    calls = [
        lambda D, m: D.kl_divergence(D.Normal(0.0, 1.0), D.Categorical(m.ones(2))),
        lambda D, m: D.kl_divergence(D.Independent(D.Normal(m.zeros(2, 3), 1.0), 1),
                                     D.Independent(D.Normal(m.zeros(2, 3), 1.0), 2)),
        lambda D, m: D.kl_divergence(D.TransformedDistribution(D.Normal(0.0, 1.0), D.ExpTransform()),
                                     D.TransformedDistribution(D.Normal(0.0, 1.0), D.SigmoidTransform())),
    ]
    for call in calls:
        assert_refused_alike(call, torch_ref, NotImplementedError)
    with pytest.raises(ValueError, match="KL-divergence between two Multivariate Normals with different event shapes"):
        D.kl_divergence(D.MultivariateNormal(torch.zeros(2), torch.eye(2)),
                        D.MultivariateNormal(torch.zeros(3), torch.eye(3)))


def test_register_kl_dispatches_to_the_most_specific_pair():
    class Wide(D.Normal):
        pass

    class Narrow(Wide):
        pass

    p, q = Narrow(0.0, 1.0), D.Normal(1.0, 2.0)
    close_to_normal = float(D.kl_divergence(D.Normal(0.0, 1.0), q))
    assert float(D.kl_divergence(p, q)) == pytest.approx(close_to_normal)  # inherits (Normal, Normal)

    @D.register_kl(Wide, D.Normal)
    def _wide_normal(p, q):
        return torch.tensor(-1.0)
    assert float(D.kl_divergence(p, q)) == -1.0
    assert float(D.kl_divergence(D.Normal(0.0, 1.0), q)) == pytest.approx(close_to_normal)

    @D.register_kl(D.Normal, Wide)
    def _normal_wide(p, q):
        return torch.tensor(-2.0)
    with pytest.warns(RuntimeWarning, match=r"Ambiguous kl_divergence\(Narrow, Narrow\). Please "
                                            r"register_kl\(Wide, Wide\)"):
        D.kl_divergence(p, Narrow(0.0, 1.0))
    with pytest.raises(TypeError, match="Expected type_p to be a Distribution subclass"):
        D.register_kl(int, D.Normal)


# ----- validation -----

VALIDATION_ERRORS = [
    ("negative scale", lambda D, m: D.Normal(m.tensor([0.0]), m.tensor([-1.0]))),
    ("nan value", lambda D, m: D.Normal(0.0, 1.0).log_prob(m.tensor(float("nan")))),
    ("number value", lambda D, m: D.Normal(0.0, 1.0).log_prob(0.5)),
    ("unbroadcastable value", lambda D, m: D.Normal(m.zeros(3), 1.0).log_prob(m.zeros(2))),
    ("parameters that do not broadcast", lambda D, m: D.Normal(m.zeros(2), m.ones(3))),
    ("probs and logits", lambda D, m: D.Bernoulli(probs=0.3, logits=0.1)),
    ("neither probs nor logits", lambda D, m: D.Bernoulli()),
    ("probs above 1", lambda D, m: D.Bernoulli(m.tensor([1.5]))),
    ("non-binary value", lambda D, m: D.Bernoulli(m.tensor([0.5])).log_prob(m.tensor([0.5]))),
    ("0-d probs", lambda D, m: D.Categorical(m.tensor(0.5))),
    ("0-d logits", lambda D, m: D.Categorical(logits=m.tensor(0.5))),
    ("negative probs", lambda D, m: D.Categorical(m.tensor([0.5, -0.1]))),
    ("category out of range", lambda D, m: D.Categorical(m.tensor([0.5, 0.5])).log_prob(m.tensor(3))),
    ("low above high", lambda D, m: D.Uniform(1.0, 0.0)),
    ("outside the interval", lambda D, m: D.Uniform(0.0, 1.0).log_prob(m.tensor(2.0))),
    ("negative concentration", lambda D, m: D.Gamma(-1.0, 1.0)),
    ("negative gamma value", lambda D, m: D.Gamma(1.0, 1.0).log_prob(m.tensor(-1.0))),
    ("0-d concentration", lambda D, m: D.Dirichlet(m.tensor(1.0))),
    ("off the simplex", lambda D, m: D.Dirichlet(m.tensor([1.0, 2.0])).log_prob(m.tensor([0.5, 0.6]))),
    ("wrong event size", lambda D, m: D.Dirichlet(m.tensor([1.0, 2.0])).log_prob(m.tensor([0.5, 0.3, 0.2]))),
    ("0-d loc", lambda D, m: D.MultivariateNormal(m.tensor(0.0), m.eye(2))),
    ("no matrix", lambda D, m: D.MultivariateNormal(m.zeros(2))),
    ("two matrices", lambda D, m: D.MultivariateNormal(m.zeros(2), m.eye(2), scale_tril=m.eye(2))),
    ("1-d covariance", lambda D, m: D.MultivariateNormal(m.zeros(2), m.ones(2))),
    ("1-d scale_tril", lambda D, m: D.MultivariateNormal(m.zeros(2), scale_tril=m.ones(2))),
    ("1-d precision", lambda D, m: D.MultivariateNormal(m.zeros(2), precision_matrix=m.ones(2))),
    ("indefinite covariance", lambda D, m: D.MultivariateNormal(m.zeros(2), m.tensor([[1.0, 2.0], [2.0, 1.0]]))),
    ("asymmetric covariance", lambda D, m: D.MultivariateNormal(m.zeros(2), m.tensor([[1.0, 2.0], [0.0, 1.0]]))),
    ("upper scale_tril", lambda D, m: D.MultivariateNormal(m.zeros(2), scale_tril=m.tensor([[1.0, 2.0], [0.0, 1.0]]))),
    ("too many reinterpreted dims", lambda D, m: D.Independent(D.Normal(m.zeros(2), 1.0), 2)),
    ("a list of non-transforms", lambda D, m: D.TransformedDistribution(D.Normal(0.0, 1.0), [1])),
    ("not a transform", lambda D, m: D.TransformedDistribution(D.Normal(0.0, 1.0), 3)),
    ("base too small", lambda D, m: D.TransformedDistribution(
        D.Normal(0.0, 1.0), [D.AffineTransform(m.zeros(2), 1.0, event_dim=1)])),
    ("outside the transformed support", lambda D, m: D.TransformedDistribution(
        D.Normal(0.0, 1.0), [D.ExpTransform()]).log_prob(m.tensor(-1.0))),
    ("cache size", lambda D, m: D.ExpTransform(cache_size=2)),
    ("dependent check", lambda D, m: D.constraints.dependent.check(m.zeros(1))),
    ("dependent event_dim", lambda D, m: D.constraints.dependent.event_dim),
    ("independent of too few dims", lambda D, m: D.constraints.independent(D.constraints.real, 2).check(m.zeros(3))),
    ("no mode", lambda D, m: D.TransformedDistribution(D.Normal(0.0, 1.0), []).mode),
]


@pytest.mark.parametrize("call", [c[1] for c in VALIDATION_ERRORS], ids=[c[0] for c in VALIDATION_ERRORS])
def test_validation_errors_are_pytorchs(call, torch_ref):
    with pytest.raises(Exception) as theirs:
        call(torch_ref.distributions, torch_ref)
    with pytest.raises(Exception) as ours:
        call(D, torch)
    expected = str(theirs.value).replace("torch.distributions", "autograd_core.distributions")  # class paths
    assert (type(ours.value), str(ours.value)) == (type(theirs.value), expected)


def test_validation_can_be_turned_off():
    unchecked = D.Normal(torch.zeros(2), -1.0, validate_args=False)
    assert np.isnan(values(unchecked.log_prob(torch.zeros(2)))).all()
    assert np.isnan(values(D.Normal(0.0, 1.0, validate_args=False).log_prob(torch.tensor(math.nan))))
    D.Distribution.set_default_validate_args(False)
    try:
        D.Bernoulli(torch.tensor([1.5]))  # accepted
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Bernoulli(torch.tensor([1.5]))


CONSTRAINT_CASES = [
    ("real", lambda c: c.real, [0.0, float("nan"), float("inf")]),
    ("positive", lambda c: c.positive, [0.0, 1.0, -1.0]),
    ("nonnegative", lambda c: c.nonnegative, [0.0, 1.0, -1.0]),
    ("unit_interval", lambda c: c.unit_interval, [0.0, 1.0, 1.5]),
    ("interval", lambda c: c.interval(-1.0, 2.0), [-1.0, 2.0, 2.5]),
    ("half_open_interval", lambda c: c.half_open_interval(-1.0, 2.0), [-1.0, 2.0, 0.5]),
    ("greater_than", lambda c: c.greater_than(1.0), [1.0, 2.0, 0.0]),
    ("greater_than_eq", lambda c: c.greater_than_eq(1.0), [1.0, 2.0, 0.0]),
    ("less_than", lambda c: c.less_than(1.0), [1.0, 2.0, 0.0]),
    ("boolean", lambda c: c.boolean, [0.0, 1.0, 0.5]),
    ("integer_interval", lambda c: c.integer_interval(0, 3), [0.0, 3.0, 1.5]),
    ("nonnegative_integer", lambda c: c.nonnegative_integer, [0.0, 3.0, -1.0]),
    ("positive_integer", lambda c: c.positive_integer, [0.0, 3.0, 2.5]),
    ("simplex", lambda c: c.simplex, [[0.2, 0.8], [0.5, 0.6], [1.0, 0.0]]),
    ("one_hot", lambda c: c.one_hot, [[0.0, 1.0], [1.0, 1.0], [0.5, 0.5]]),
    ("real_vector", lambda c: c.real_vector, [[0.0, 1.0], [float("nan"), 0.0]]),
    ("lower_triangular", lambda c: c.lower_triangular, [[[1.0, 0.0], [2.0, 3.0]], [[1.0, 1.0], [0.0, 1.0]]]),
    ("lower_cholesky", lambda c: c.lower_cholesky, [[[1.0, 0.0], [2.0, 3.0]], [[-1.0, 0.0], [0.0, 1.0]]]),
    ("square", lambda c: c.square, [[[1.0, 0.0], [2.0, 3.0]]]),
    ("symmetric", lambda c: c.symmetric, [[[1.0, 2.0], [2.0, 3.0]], [[1.0, 1.0], [0.0, 1.0]]]),
    ("positive_definite", lambda c: c.positive_definite, [[[2.0, 1.0], [1.0, 2.0]], [[1.0, 2.0], [2.0, 1.0]]]),
    ("positive_semidefinite", lambda c: c.positive_semidefinite, [[[1.0, 1.0], [1.0, 1.0]], [[1.0, 2.0], [2.0, 1.0]]]),
]


@pytest.mark.parametrize("make, data", [c[1:] for c in CONSTRAINT_CASES], ids=[c[0] for c in CONSTRAINT_CASES])
def test_constraints_check_and_describe_as_pytorchs(make, data, torch_ref):
    ours, theirs = make(constraints), make(torch_ref.distributions.constraints)
    assert repr(ours) == repr(theirs)
    assert (ours.event_dim, ours.is_discrete) == (theirs.event_dim, theirs.is_discrete)
    assert values(ours.check(torch.tensor(data))).tolist() == theirs.check(torch_ref.tensor(data)).tolist()


# ----- gradients -----

def _leaf(array):
    return torch.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def _lower(x):
    """A lower-triangular factor with a positive diagonal, from any square matrix."""
    return x.tril(-1) + torch.eye(x.shape[-1], dtype=F64) * x.exp()


LOG_PROB_GRADIENTS = [
    ("Normal", lambda a, b: D.Normal(a, b.exp()), (2, 3)),
    ("Laplace", lambda a, b: D.Laplace(a, b.exp()), (2, 3)),
    ("Exponential", lambda a, b: D.Exponential(b.exp()), (2, 3)),
    ("Uniform", lambda a, b: D.Uniform(a - 3, a + b.exp() + 3), (2, 3)),
    ("Gamma", lambda a, b: D.Gamma(a.exp(), b.exp()), (2, 3)),
    ("Beta", lambda a, b: D.Beta(a.exp(), b.exp()), (2, 3)),
    ("Bernoulli logits", lambda a, b: D.Bernoulli(logits=a), (2, 3)),
    ("Bernoulli probs", lambda a, b: D.Bernoulli(probs=a.sigmoid()), (2, 3)),
    ("Categorical", lambda a, b: D.Categorical(logits=a), (2, 3)),
    ("OneHotCategorical", lambda a, b: D.OneHotCategorical(probs=b.exp()), (2, 3)),
    ("Dirichlet", lambda a, b: D.Dirichlet(b.exp()), (2, 3)),
    ("MultivariateNormal scale_tril", lambda a, b: D.MultivariateNormal(a[0], scale_tril=_lower(b)), (3, 3)),
    ("MultivariateNormal covariance", lambda a, b: D.MultivariateNormal(
        a[0], _lower(b) @ _lower(b).mT), (3, 3)),
    ("MultivariateNormal precision", lambda a, b: D.MultivariateNormal(
        a[0], precision_matrix=_lower(b) @ _lower(b).mT), (3, 3)),
    ("Independent", lambda a, b: D.Independent(D.Normal(a, b.exp()), 1), (2, 3)),
    ("Transformed", lambda a, b: D.TransformedDistribution(D.Normal(a, b.exp()), [
        D.TanhTransform(), D.AffineTransform(2.0, 3.0), D.SigmoidTransform(), D.ExpTransform()]), (2, 3)),
]


def assert_log_prob_and_entropy_pass_gradcheck(make, a, b):
    """``make(a, b)``'s log_prob at a fixed value of its support (a sample drawn under a fixed seed), and its entropy
    where it has one, pass gradcheck in ``a`` and ``b``."""
    torch.manual_seed(5)
    value = make(a, b).sample().detach()
    assert gradcheck(lambda a, b: make(a, b).log_prob(value), (a, b))
    try:
        make(a, b).entropy()
    except NotImplementedError:
        return
    assert gradcheck(lambda a, b: make(a, b).entropy(), (a, b))


@pytest.mark.parametrize("make, shape", [c[1:] for c in LOG_PROB_GRADIENTS], ids=[c[0] for c in LOG_PROB_GRADIENTS])
def test_log_prob_and_entropy_gradients_pass_gradcheck(make, shape):
    assert_log_prob_and_entropy_pass_gradcheck(make, _leaf(RNG.normal(size=shape) * 0.5),
                                               _leaf(RNG.normal(size=shape) * 0.3))


RSAMPLE_GRADIENTS = [
    ("Normal", lambda a, b: D.Normal(a, b.exp())),
    ("Laplace", lambda a, b: D.Laplace(a, b.exp())),
    ("Exponential", lambda a, b: D.Exponential(b.exp())),
    ("Uniform", lambda a, b: D.Uniform(a, a + b.exp())),
    ("Gamma", lambda a, b: D.Gamma(a.exp(), b.exp())),
    ("Gamma small concentration", lambda a, b: D.Gamma(a.exp() * 0.1, b.exp())),
    ("Beta", lambda a, b: D.Beta(a.exp(), b.exp())),
    ("Dirichlet", lambda a, b: D.Dirichlet(b.exp())),
    ("MultivariateNormal", lambda a, b: D.MultivariateNormal(a, scale_tril=_lower(b.expand(3, 3)))),
    ("Independent", lambda a, b: D.Independent(D.Normal(a, b.exp()), 1)),
    ("Transformed", lambda a, b: D.TransformedDistribution(D.Normal(a, b.exp()), [D.AffineTransform(1.0, -2.0),
                                                                                 D.SigmoidTransform()])),
]


@pytest.mark.parametrize("make", [c[1] for c in RSAMPLE_GRADIENTS], ids=[c[0] for c in RSAMPLE_GRADIENTS])
def test_rsample_expectations_pass_gradcheck(make):
    """A Monte Carlo expectation E[f(x)], x = rsample(), under fixed noise is a smooth function of the parameters."""
    a, b = _leaf(RNG.normal(size=3) * 0.5), _leaf(RNG.normal(size=3) * 0.3)

    def expectation(a, b):
        torch.manual_seed(7)
        x = make(a, b).rsample((4,))
        return (x * x + x.sin()).mean(0)
    assert gradcheck(expectation, (a, b))


def test_rsample_gradients_reach_the_parameters_as_pytorchs_nodes_do(torch_ref):
    for make in (lambda D, m, p: D.Normal(p, 1.0), lambda D, m, p: D.Gamma(p, 1.0), lambda D, m, p: D.Beta(p, p),
                 lambda D, m, p: D.MultivariateNormal(p, m.eye(3, dtype=m.float64))):
        def node(lib, dist_module):
            p = lib.tensor([1.5, 2.0, 0.5], dtype=lib.float64, requires_grad=True)
            return type(make(dist_module, lib, p).rsample().grad_fn).__name__
        assert node(torch, D) == node(torch_ref, torch_ref.distributions)


def test_gamma_sample_gradient_equals_pytorchs(torch_ref):
    from autograd_core.distributions.gamma import _sample_gradient
    for alpha in (0.05, 0.7, 3.0, 40.0, 1000.0):
        a = np.full(300, alpha)
        x = np.maximum(np.random.default_rng(1).gamma(alpha, size=300), 1e-300)
        theirs = torch_ref._standard_gamma_grad(torch_ref.tensor(a), torch_ref.tensor(x)).numpy()
        np.testing.assert_allclose(values(torch.tensor(_sample_gradient(a, x))), theirs, rtol=2e-3, atol=1e-12)


def test_samples_have_the_distributions_moments():
    n = 20000

    def t(*data):
        return torch.tensor(data, dtype=F64)

    checks = [D.Normal(t(-1.0, 2.0), t(0.5, 3.0)), D.Laplace(t(1.0), t(2.0)), D.Exponential(t(0.5, 4.0)),
              D.Uniform(t(-1.0), t(3.0)), D.Gamma(t(0.3, 2.0, 50.0), t(1.0, 2.0, 0.5)),
              D.Beta(t(0.5, 3.0), t(2.0, 3.0)), D.Dirichlet(t(0.5, 1.0, 4.0)), D.Bernoulli(t(0.1, 0.6)),
              D.Categorical(t(0.2, 0.3, 0.5)), D.OneHotCategorical(t(0.2, 0.3, 0.5)), D.MultivariateNormal(t(1.0, -1.0), t([2.0, 0.5], [0.5, 1.0]))]
    for dist in checks:
        x = values(dist.sample((n,))).astype(np.float64)
        if isinstance(dist, D.Categorical):
            mean, var = np.array(1.3), np.array(0.2 * 1.69 + 0.3 * 0.09 + 0.5 * 0.49)
        else:
            mean, var = values(dist.mean), values(dist.variance)
        assert (np.abs(x.mean(0) - mean) < 6 * np.sqrt(var / n)).all(), type(dist).__name__
        assert (np.abs(x.var(0) / var - 1) < 0.1).all(), type(dist).__name__
        if dist.has_rsample:
            assert values(dist.rsample((n,))).mean(0) == pytest.approx(mean, abs=float(6 * np.sqrt(var / n).max()))


def test_sample_is_detached_and_rsample_is_not():
    loc = torch.zeros(3, requires_grad=True)
    dist = D.Normal(loc, 1.0)
    assert not dist.sample().requires_grad and dist.rsample().requires_grad
    dist.rsample((5,)).sum().backward()
    assert values(loc.grad).tolist() == [5.0, 5.0, 5.0]


# ----- transforms -----

TRANSFORMS = [
    ("exp", lambda D, m: D.ExpTransform()),
    ("affine", lambda D, m: D.AffineTransform(2.0, -3.0)),
    ("affine tensors", lambda D, m: D.AffineTransform(*tensors(m, LOC, SCALE))),
    ("affine vector", lambda D, m: D.AffineTransform(*tensors(m, LOC[0], SCALE[1]), event_dim=1)),
    ("sigmoid", lambda D, m: D.SigmoidTransform()),
    ("tanh", lambda D, m: D.TanhTransform()),
    ("compose", lambda D, m: D.ComposeTransform([D.TanhTransform(), D.AffineTransform(1.0, 2.0), D.ExpTransform()])),
    ("compose vector", lambda D, m: D.ComposeTransform([D.ExpTransform(), D.AffineTransform(
        *tensors(m, LOC[0], SCALE[1]), event_dim=1)])),
    ("inverse", lambda D, m: D.ExpTransform().inv),
    ("empty compose", lambda D, m: D.ComposeTransform([])),
]


@pytest.mark.parametrize("make", [c[1] for c in TRANSFORMS], ids=[c[0] for c in TRANSFORMS])
def test_transforms_equal_pytorchs(make, torch_ref):
    ours, theirs = make(D, torch), make(torch_ref.distributions, torch_ref)
    x = np.abs(RNG.normal(size=(2, 3))) + 0.1
    y_ours, y_theirs = ours(torch.tensor(x)), theirs(torch_ref.tensor(x))
    close(y_ours, y_theirs)
    close(ours.log_abs_det_jacobian(torch.tensor(x), y_ours), theirs.log_abs_det_jacobian(torch_ref.tensor(x),
                                                                                          y_theirs))
    close(ours.inv(y_ours), torch_ref.tensor(x), 1e-9)
    assert repr(ours) == repr(theirs) and repr(ours.domain) == repr(theirs.domain) and \
        repr(ours.codomain) == repr(theirs.codomain) and ours.bijective == theirs.bijective
    assert ours.forward_shape((4, 2, 3)) == tuple(theirs.forward_shape((4, 2, 3)))
    sign = ours.sign if isinstance(theirs.sign, int) else values(ours.sign).tolist()
    assert sign == (theirs.sign if isinstance(theirs.sign, int) else theirs.sign.tolist())


def test_transform_caching_equality_and_gradients():
    t = D.TanhTransform(cache_size=1)
    x = torch.tensor([30.0], dtype=F64)
    y = t(x)
    assert t.inv(y) is x  # tanh(30) rounds to 1: only the cache gives x back
    assert D.ExpTransform() == D.ExpTransform() and D.ExpTransform() != D.SigmoidTransform()
    assert D.AffineTransform(0.0, 2.0) == D.AffineTransform(0.0, 2.0) != D.AffineTransform(1.0, 2.0)
    assert D.ExpTransform().inv.inv == D.ExpTransform() and D.ExpTransform().with_cache().with_cache(0) == \
        D.ExpTransform()
    composed = D.ComposeTransform([D.ExpTransform(), D.AffineTransform(0.0, -2.0)])
    assert composed.sign == -1 and composed.inv.inv is composed
    for transform in (D.ExpTransform(), D.SigmoidTransform(), D.TanhTransform(), composed):
        point = _leaf(RNG.normal(size=3))
        assert gradcheck(lambda p: transform.log_abs_det_jacobian(p, transform(p)), (point,))


def test_transformed_cdf_icdf_follow_the_transforms_sign(torch_ref):
    for scale in (2.0, -2.0):
        def dist(D):
            return D.TransformedDistribution(D.Normal(0.5, 1.5), [D.AffineTransform(1.0, scale)])
        close(dist(D).cdf(torch.tensor([0.3, 2.0])), dist(torch_ref.distributions).cdf(torch_ref.tensor([0.3, 2.0])))
        close(dist(D).icdf(torch.tensor([0.3, 0.9])), dist(torch_ref.distributions).icdf(
            torch_ref.tensor([0.3, 0.9])))


# ----- the special functions and factorisations underneath -----

SPECIAL = [
    ("lgamma", lambda m, x, y: m.lgamma(x)), ("digamma", lambda m, x, y: m.digamma(x)),
    ("polygamma", lambda m, x, y: m.polygamma(2, x)), ("erfinv", lambda m, x, y: m.erfinv(x / 4)),
    ("xlogy", lambda m, x, y: m.xlogy(x, y)), ("xlogy number first", lambda m, x, y: m.xlogy(2.0, y)),
    ("xlogy number second", lambda m, x, y: m.xlogy(x, 3.0)), ("lgamma method", lambda m, x, y: x.lgamma()),
    ("digamma method", lambda m, x, y: x.digamma()), ("polygamma method", lambda m, x, y: x.polygamma(1)),
    ("erfinv method", lambda m, x, y: (x / 4).erfinv()), ("xlogy method", lambda m, x, y: x.xlogy(y)),
]


@pytest.mark.parametrize("call", [c[1] for c in SPECIAL], ids=[c[0] for c in SPECIAL])
def test_special_functions_equal_pytorchs_values_nodes_and_gradients(call, torch_ref):
    xs, ys = RNG.uniform(0.2, 3.0, (2, 3)), RNG.uniform(0.2, 3.0, (2, 3))

    def run(m):
        x, y = (m.tensor(a, requires_grad=True) for a in (xs, ys))
        out = call(m, x, y)
        out.sum().backward()
        grads = [g.grad for g in (x, y)]
        return out, type(out.grad_fn).__name__, grads
    ours, theirs = run(torch), run(torch_ref)
    close(ours[0], theirs[0], 1e-8)
    assert ours[1] == theirs[1]
    for g_ours, g_theirs in zip(ours[2], theirs[2]):
        assert (g_ours is None) == (g_theirs is None)
        if g_ours is not None:
            close(g_ours, g_theirs, 1e-8)
    x, y = _leaf(xs), _leaf(ys)
    assert gradcheck(lambda x, y: call(torch, x, y), (x, y)) and gradgradcheck(lambda x, y: call(torch, x, y), (x, y))


def test_special_function_edges_out_and_dtypes(torch_ref):
    edges = np.array([0.0, 1.0, 2.0, 0.5, 1e-300, 50.0])
    for name in ("lgamma", "digamma"):
        close(getattr(torch, name)(torch.tensor(edges)), getattr(torch_ref, name)(torch_ref.tensor(edges)), 1e-10)
    close(torch.erfinv(torch.tensor([-1.0, 0.0, 1.0])), torch_ref.erfinv(torch_ref.tensor([-1.0, 0.0, 1.0])))
    zeros = np.array([0.0, 0.0, 1.0, 2.0])
    other = np.array([0.0, float("nan"), 0.0, 3.0])
    close(torch.xlogy(torch.tensor(zeros), torch.tensor(other)),
          torch_ref.xlogy(torch_ref.tensor(zeros), torch_ref.tensor(other)))
    assert torch.lgamma(torch.tensor([1, 2])).dtype == torch.float32  # integers give the default float, as PyTorch
    assert torch.xlogy(torch.tensor([1, 2]), torch.tensor([3, 4])).dtype == torch.float32
    out = torch.empty(2)
    assert torch.lgamma(torch.tensor([1.5, 2.5]), out=out) is out
    x = torch.tensor([1.5, 2.5])
    assert x.lgamma_() is x and values(x).tolist() == pytest.approx([math.lgamma(1.5), math.lgamma(2.5)])


@pytest.mark.parametrize("call", [lambda m: m.polygamma(-1, m.ones(2)), lambda m: m.polygamma(1.5, m.ones(2)),
                                  lambda m: m.xlogy(2.0, 3.0)], ids=["negative n", "float n", "two numbers"])
def test_special_function_errors_are_pytorchs(call, torch_ref):
    with pytest.raises(Exception) as theirs:
        call(torch_ref)
    with pytest.raises(Exception) as ours:
        call(torch)
    assert (type(ours.value), str(ours.value)) == (type(theirs.value), str(theirs.value))


def test_gamma_cdf_gradient_is_pytorchs():
    from autograd_core.distributions._special import gammainc
    a, x = _leaf([0.5, 2.0, 7.0]), _leaf([0.3, 2.5, 6.0])
    assert gradcheck(lambda x: gammainc(a.detach(), x), (x,))
    with pytest.raises(NotImplementedError, match="the derivative for 'igamma: input' is not implemented."):
        gammainc(a, x).sum().backward()


def test_factorisations_equal_pytorchs_and_pass_gradcheck(torch_ref):
    from autograd_core.distributions._linalg import cholesky, solve_triangular
    square = RNG.normal(size=(2, 3, 3))
    spd = square @ np.swapaxes(square, -1, -2) + np.eye(3)
    rhs = RNG.normal(size=(2, 3, 2))
    close(cholesky(torch.tensor(spd)), torch_ref.linalg.cholesky(torch_ref.tensor(spd)), 1e-10)
    for upper in (False, True):
        close(solve_triangular(torch.tensor(spd), torch.tensor(rhs), upper=upper),
              torch_ref.linalg.solve_triangular(torch_ref.tensor(spd), torch_ref.tensor(rhs), upper=upper), 1e-9)
        a, b = _leaf(spd[0]), _leaf(rhs)
        assert gradcheck(lambda a, b: solve_triangular(a, b, upper=upper), (a, b))
        assert gradgradcheck(lambda a, b: solve_triangular(a, b, upper=upper), (a, b))
    x = _leaf(square)
    assert gradcheck(lambda x: cholesky(x @ x.mT), (x,)) and gradgradcheck(lambda x: cholesky(x @ x.mT), (x,))

    def node(lib, f):
        return type(f(lib.tensor(spd, requires_grad=True)).grad_fn).__name__
    assert node(torch, cholesky) == node(torch_ref, torch_ref.linalg.cholesky)
    assert node(torch, lambda a: solve_triangular(a, torch.tensor(rhs), upper=False)) == \
        node(torch_ref, lambda a: torch_ref.linalg.solve_triangular(a, torch_ref.tensor(rhs), upper=False))
    with pytest.raises(RuntimeError, match="linalg.cholesky: The factorization could not be completed because the "
                                           "input is not positive-definite"):
        cholesky(torch.tensor([[1.0, 2.0], [2.0, 1.0]]))


def test_lazy_parameters_are_made_once_with_gradients():
    logits = torch.zeros(3, requires_grad=True)
    dist = D.Categorical(logits=logits)
    with torch.no_grad():
        probs = dist.probs  # a lazy property records its graph even under no_grad, as PyTorch's
    assert dist.probs is probs and probs.requires_grad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert transforms.identity_transform(torch.ones(2)).shape == (2,)
