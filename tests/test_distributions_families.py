"""The distribution families after the core ones (LogNormal, HalfNormal, HalfCauchy, Cauchy, StudentT, Chi2,
Poisson, Binomial, Geometric, NegativeBinomial, Multinomial, Gumbel, Weibull, Pareto, RelaxedBernoulli,
RelaxedOneHotCategorical, MixtureSameFamily, Kumaraswamy), ExponentialFamily, the further transforms and
``biject_to``/``transform_to``: values, shapes and KL divergences equal PyTorch's (1e-6, float64), gradients by
gradcheck, sample moments within six standard errors (the generator is not PyTorch's)."""
import math

import numpy as np
import pytest
import test_distributions
from test_distributions import (F64, D, assert_log_prob_and_entropy_pass_gradcheck, assert_refused_alike,
                                check_kl_divergence_equals_pytorchs, close, parity_tests, tensors, values)

import autograd_core as torch
from autograd_core.autograd import gradcheck

RNG = np.random.default_rng(3)
torch_ref = test_distributions.torch_ref  # the fixture
LOC, SCALE = RNG.normal(size=(2, 3)), RNG.uniform(0.5, 2.0, (2, 3))
PROBS = RNG.uniform(0.05, 0.95, (2, 3))
SIMPLEX = RNG.dirichlet(np.ones(4), size=3)
COUNTS = np.array([[0.0, 3.0, 1.0, 2.0], [6.0, 0.0, 0.0, 0.0], [1.0, 1.0, 2.0, 2.0]])
TEMPERATURE = np.array(0.7)


def _mixture(D, m):
    return D.MixtureSameFamily(D.Categorical(m.tensor(SIMPLEX[:, :3])), D.Normal(*tensors(m, np.tile(LOC[0], (3, 1)),
                                                                                          np.tile(SCALE[1], (3, 1)))))


def _vector_mixture(D, m):
    return D.MixtureSameFamily(D.Categorical(m.tensor(SIMPLEX[0, :3])), D.Independent(D.Normal(*tensors(
        m, RNG_FIXED_LOC, RNG_FIXED_SCALE)), 1))


RNG_FIXED_LOC, RNG_FIXED_SCALE = RNG.normal(size=(3, 2)), RNG.uniform(0.5, 1.5, (3, 2))
COV_FACTOR, COV_DIAG = RNG.normal(size=(2, 3, 2)), RNG.uniform(0.5, 2.0, (2, 3))
_M = RNG.normal(size=(3, 3))
COVARIANCE = _M @ _M.T + np.eye(3)


def _low_rank(D, m, flip=False):
    arrays = [a[::-1].copy() if flip else a for a in (LOC, COV_FACTOR, COV_DIAG)]
    return D.LowRankMultivariateNormal(*tensors(m, *arrays))

CASES = [
    ("LogNormal", lambda D, m: D.LogNormal(*tensors(m, LOC, SCALE)), RNG.uniform(0.1, 3.0, (2, 3))),
    ("LogNormal numbers", lambda D, m: D.LogNormal(0.5, 1.5), RNG.uniform(0.1, 3.0, (4,))),
    ("HalfNormal", lambda D, m: D.HalfNormal(*tensors(m, SCALE)), RNG.uniform(0.0, 3.0, (2, 3))),
    ("HalfCauchy", lambda D, m: D.HalfCauchy(*tensors(m, SCALE)), RNG.uniform(0.0, 3.0, (2, 3))),
    ("Cauchy", lambda D, m: D.Cauchy(*tensors(m, LOC, SCALE)), RNG.normal(size=(2, 3)) * 3),
    ("StudentT", lambda D, m: D.StudentT(*tensors(m, SCALE * 2, LOC, SCALE)), RNG.normal(size=(2, 3)) * 3),
    ("StudentT df 0.5 to 4", lambda D, m: D.StudentT(m.tensor([0.5, 1.5, 4.0], dtype=m.float64)),
     RNG.normal(size=(3,))),
    ("Chi2", lambda D, m: D.Chi2(*tensors(m, SCALE * 3)), RNG.uniform(0.1, 5.0, (2, 3))),
    ("Poisson", lambda D, m: D.Poisson(*tensors(m, SCALE * 3)), RNG.integers(0, 8, (2, 3)).astype(float)),
    ("Binomial probs", lambda D, m: D.Binomial(10, m.tensor(PROBS)), RNG.integers(0, 11, (2, 3)).astype(float)),
    ("Binomial logits", lambda D, m: D.Binomial(m.tensor([[5.0], [8.0]]), logits=m.tensor(LOC)),
     RNG.integers(0, 6, (2, 3)).astype(float)),
    ("Geometric", lambda D, m: D.Geometric(m.tensor(PROBS)), RNG.integers(0, 8, (2, 3)).astype(float)),
    ("Geometric logits", lambda D, m: D.Geometric(logits=m.tensor(LOC)), RNG.integers(0, 8, (2, 3)).astype(float)),
    ("NegativeBinomial", lambda D, m: D.NegativeBinomial(*tensors(m, SCALE * 3, PROBS * 0.9)),
     RNG.integers(0, 8, (2, 3)).astype(float)),
    ("NegativeBinomial logits", lambda D, m: D.NegativeBinomial(3.0, logits=m.tensor(LOC)),
     RNG.integers(0, 8, (2, 3)).astype(float)),
    ("Multinomial", lambda D, m: D.Multinomial(6, m.tensor(SIMPLEX)), COUNTS),
    ("Multinomial logits", lambda D, m: D.Multinomial(6, logits=m.tensor(np.log(SIMPLEX))), COUNTS),
    ("Gumbel", lambda D, m: D.Gumbel(*tensors(m, LOC, SCALE)), RNG.normal(size=(2, 3))),
    ("Weibull", lambda D, m: D.Weibull(*tensors(m, SCALE, SCALE[::-1] + 0.5)), RNG.uniform(0.1, 3.0, (2, 3))),
    ("Pareto", lambda D, m: D.Pareto(*tensors(m, SCALE, np.array([[0.5, 1.5, 3.0], [1.0, 2.0, 4.0]]))),
     SCALE + RNG.uniform(0.0, 3.0, (2, 3))),
    ("Kumaraswamy", lambda D, m: D.Kumaraswamy(*tensors(m, SCALE + 0.6, SCALE[::-1] + 0.6)),
     RNG.uniform(0.05, 0.95, (2, 3))),
    ("RelaxedBernoulli", lambda D, m: D.RelaxedBernoulli(m.tensor(TEMPERATURE), m.tensor(PROBS)),
     RNG.uniform(0.05, 0.95, (2, 3))),
    ("RelaxedOneHotCategorical", lambda D, m: D.RelaxedOneHotCategorical(m.tensor(TEMPERATURE), m.tensor(SIMPLEX)),
     RNG.dirichlet(np.ones(4), 3)),
    ("LowRankMultivariateNormal", _low_rank, RNG.normal(size=(4, 2, 3))),
    ("LowRankMultivariateNormal broadcast", lambda D, m: D.LowRankMultivariateNormal(*tensors(
        m, LOC[0], COV_FACTOR, COV_DIAG[1])), RNG.normal(size=(2, 3))),
    ("VonMises", lambda D, m: D.VonMises(*tensors(m, LOC, np.array([[0.1, 1.0, 5.0], [20.0, 8.0, 0.5]]))),
     RNG.uniform(-3.0, 3.0, (2, 3))),
    ("ContinuousBernoulli", lambda D, m: D.ContinuousBernoulli(m.tensor([[0.1, 0.4995, 0.5], [0.7, 0.999, 0.3]])),
     RNG.uniform(0.0, 1.0, (2, 3))),
    ("ContinuousBernoulli logits", lambda D, m: D.ContinuousBernoulli(logits=m.tensor(LOC)),
     RNG.uniform(0.0, 1.0, (2, 3))),
    ("InverseGamma", lambda D, m: D.InverseGamma(*tensors(m, SCALE * 2, SCALE[::-1])), RNG.uniform(0.1, 3.0, (2, 3))),
    ("LogisticNormal", lambda D, m: D.LogisticNormal(*tensors(m, LOC, SCALE)), RNG.dirichlet(np.ones(4), 2)),
    ("LogisticNormal numbers", lambda D, m: D.LogisticNormal(0.5, 2.0), np.array([0.3, 0.7])),
    ("FisherSnedecor", lambda D, m: D.FisherSnedecor(*tensors(m, SCALE * 3, np.array([[1.0, 3.0, 5.0],
                                                                                    [8.0, 2.0, 4.5]]))),
     RNG.uniform(0.1, 3.0, (2, 3))),
    ("OneHotCategoricalStraightThrough", lambda D, m: D.OneHotCategoricalStraightThrough(m.tensor(SIMPLEX)),
     np.eye(4)[RNG.integers(0, 4, 3)]),
    ("LKJCholesky", lambda D, m: D.LKJCholesky(3, m.tensor([0.5, 1.0, 4.0])), np.linalg.cholesky(
        np.corrcoef(RNG.normal(size=(3, 8))))),
    ("LKJCholesky number", lambda D, m: D.LKJCholesky(4, 2.0),
     np.linalg.cholesky(np.corrcoef(RNG.normal(size=(4, 9))))),
    ("MixtureSameFamily", _mixture, RNG.normal(size=(3,))),
    ("MixtureSameFamily of vectors", _vector_mixture, RNG.normal(size=(4, 2))),
]


test_values_equal_pytorchs, test_shapes_samples_and_flags_equal_pytorchs = parity_tests(
    CASES, ["log_prob", "entropy", "mean", "variance", "stddev", "mode", "cdf", "icdf"])


def test_binomial_enumerate_support_and_inhomogeneous_counts(torch_ref):
    for lib, dists in ((torch, D), (torch_ref, torch_ref.distributions)):
        assert values(dists.Binomial(3, lib.full((2,), 0.3)).enumerate_support()).tolist() == \
            [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]] if lib is torch else True
    mixed = (lambda D, m: D.Binomial(m.tensor([2.0, 3.0]), m.tensor([0.5, 0.5])))
    for what in ("entropy", "enumerate_support"):
        assert_refused_alike(lambda D, m, what=what: getattr(mixed(D, m), what)(), torch_ref, NotImplementedError)
    with pytest.raises(NotImplementedError, match="inhomogeneous total_count is not supported"):
        D.Multinomial(torch.tensor([2, 3]), torch.ones(2, 2))


def _t(*data):
    return torch.tensor(data, dtype=F64)


MOMENT_CHECKS = [
    lambda: D.LogNormal(_t(0.0, 0.5), _t(0.3, 0.5)), lambda: D.HalfNormal(_t(1.0, 2.5)),
    lambda: D.StudentT(_t(5.0, 9.0), _t(1.0, -1.0), _t(1.0, 2.0)), lambda: D.Chi2(_t(1.0, 4.0, 30.0)),
    lambda: D.Poisson(_t(0.5, 4.0, 100.0)), lambda: D.Binomial(10, _t(0.1, 0.5, 0.9)),
    lambda: D.Geometric(_t(0.2, 0.7)), lambda: D.NegativeBinomial(_t(2.0, 5.0), _t(0.3, 0.6)),
    lambda: D.Multinomial(7, _t(0.2, 0.3, 0.5)), lambda: D.Gumbel(_t(1.0, -2.0), _t(0.5, 2.0)),
    lambda: D.Weibull(_t(1.0, 2.0), _t(1.5, 3.0)), lambda: D.Pareto(_t(1.0, 2.0), _t(5.0, 6.0)),
    lambda: D.Kumaraswamy(_t(0.7, 2.0), _t(1.5, 3.0)), lambda: D.ContinuousBernoulli(_t(0.1, 0.5, 0.8)),
    lambda: D.InverseGamma(_t(5.0, 9.0), _t(1.0, 3.0)), lambda: D.FisherSnedecor(_t(5.0, 12.0), _t(20.0, 30.0)),
    lambda: D.MixtureSameFamily(D.Categorical(_t(0.3, 0.7)), D.Normal(_t(-2.0, 3.0), _t(1.0, 0.5))),
]


@pytest.mark.parametrize("make", MOMENT_CHECKS)
def test_samples_have_the_distributions_moments(make):
    n = 20000
    torch.manual_seed(11)
    dist = make()
    x = values(dist.sample((n,))).astype(np.float64)
    mean, var = values(dist.mean), values(dist.variance)
    assert (np.abs(x.mean(0) - mean) < 6 * np.sqrt(var / n)).all()
    assert (np.abs(x.var(0) / var - 1) < 0.15).all()
    if dist.has_rsample:
        assert (np.abs(values(dist.rsample((n,))).mean(0) - mean) < 6 * np.sqrt(var / n)).all()


def test_lkj_samples_are_correlation_factors_with_the_marginal_of_the_off_diagonals():
    """Under LKJ(dim, eta) each off-diagonal correlation is 2 B - 1, B ~ Beta(eta - 1 + dim / 2, same)."""
    torch.manual_seed(9)
    dim, eta = 4, 2.0
    factors = D.LKJCholesky(dim, eta).sample((20000,))
    correlations = values(factors @ factors.mT)
    np.testing.assert_allclose(np.diagonal(correlations, axis1=-2, axis2=-1), 1.0, atol=1e-6)
    beta = eta - 1 + dim / 2
    variance = 4 * beta * beta / ((2 * beta) ** 2 * (2 * beta + 1))
    off_diagonal = correlations[:, 1, 0]
    assert abs(off_diagonal.mean()) < 6 * np.sqrt(variance / 20000)
    assert off_diagonal.var() == pytest.approx(variance, rel=0.05)


def test_von_mises_samples_have_the_mean_resultant_length():
    """E[cos(X - loc)] = I1(k) / I0(k) = 1 - variance, and samples lie in [-pi, pi)."""
    torch.manual_seed(4)
    dist = D.VonMises(_t(3.0, -1.0, 0.5), _t(0.5, 4.0, 30.0))
    x = dist.sample((20000,))
    assert float(x.min()) >= -math.pi and float(x.max()) < math.pi
    resultant = values((x - dist.loc).cos().mean(0))
    np.testing.assert_allclose(resultant, 1 - values(dist.variance), atol=0.02)


def test_log_bessel_gradient_passes_gradgradcheck():
    from autograd_core.autograd import gradgradcheck
    from autograd_core.distributions._special import log_bessel_i
    x = _leaf([0.3, 2.0, 40.0])
    for order in (0, 1):
        def log_i(a, order=order):
            return log_bessel_i(a, order)
        assert gradcheck(log_i, (x,)) and gradgradcheck(log_i, (x,))


def test_straight_through_rsample_is_one_hot_with_the_probabilities_gradient(torch_ref):
    logits = torch.tensor(SIMPLEX, requires_grad=True)
    sample = D.OneHotCategoricalStraightThrough(logits=logits).rsample()
    assert values(sample).sum(-1).tolist() == [1.0, 1.0, 1.0] and set(values(sample).ravel()) <= {0.0, 1.0}
    weights = torch.tensor(RNG.normal(size=(3, 4)))
    (sample * weights).sum().backward()
    theirs_logits = torch_ref.tensor(SIMPLEX, requires_grad=True)
    (torch_ref.softmax(theirs_logits, -1) * torch_ref.tensor(values(weights))).sum().backward()
    close(logits.grad, theirs_logits.grad, 1e-9)


def test_cauchy_and_relaxed_samples_follow_their_cdfs():
    torch.manual_seed(2)
    n = 20000
    for dist in (D.Cauchy(_t(1.0), _t(2.0)), D.HalfCauchy(_t(1.5))):
        x = dist.sample((n,))
        for q in (0.25, 0.5, 0.75):  # the sample quantiles are the distribution's
            assert float((x <= dist.icdf(_t(q))).double().mean()) == pytest.approx(q, abs=0.015)
    probs = _t(0.2, 0.9)
    relaxed = D.RelaxedBernoulli(torch.tensor(0.05, dtype=F64), probs).sample((n,))
    assert values((relaxed > 0.5).double().mean(0)) == pytest.approx(values(probs), abs=0.015)
    one_hot = D.RelaxedOneHotCategorical(torch.tensor(0.05, dtype=F64), _t(0.2, 0.3, 0.5)).sample((n,))
    assert values(one_hot.sum(-1)) == pytest.approx(np.ones(n))
    assert values((one_hot.argmax(-1) == 2).double().mean()) == pytest.approx(0.5, abs=0.015)


def _leaf(data):
    return torch.tensor(data, dtype=F64, requires_grad=True)


GRADIENTS = [
    ("LogNormal", lambda a, b: D.LogNormal(a, b.exp())),
    ("HalfNormal", lambda a, b: D.HalfNormal(b.exp())),
    ("HalfCauchy", lambda a, b: D.HalfCauchy(b.exp())),
    ("Cauchy", lambda a, b: D.Cauchy(a, b.exp())),
    ("StudentT", lambda a, b: D.StudentT(b.exp() + 1, a, b.exp())),
    ("Chi2", lambda a, b: D.Chi2(b.exp() + 1)),
    ("Poisson", lambda a, b: D.Poisson(b.exp())),
    ("Binomial", lambda a, b: D.Binomial(5, logits=a)),
    ("Geometric", lambda a, b: D.Geometric(logits=a)),
    ("NegativeBinomial", lambda a, b: D.NegativeBinomial(b.exp() + 1, logits=a)),
    ("Multinomial", lambda a, b: D.Multinomial(4, logits=a)),
    ("Gumbel", lambda a, b: D.Gumbel(a, b.exp())),
    ("Weibull", lambda a, b: D.Weibull(a.exp(), b.exp() + 0.5)),
    ("Pareto", lambda a, b: D.Pareto(a.exp(), b.exp())),
    ("Kumaraswamy", lambda a, b: D.Kumaraswamy(a.exp() + 0.5, b.exp() + 0.5)),
    ("RelaxedBernoulli", lambda a, b: D.RelaxedBernoulli(b.exp().mean(), logits=a)),
    ("RelaxedOneHotCategorical", lambda a, b: D.RelaxedOneHotCategorical(b.exp().mean(), logits=a)),
    ("MixtureSameFamily", lambda a, b: D.MixtureSameFamily(D.Categorical(logits=a), D.Normal(b, a.exp()))),
    ("VonMises", lambda a, b: D.VonMises(a, b.exp() * 3)),
    ("ContinuousBernoulli", lambda a, b: D.ContinuousBernoulli(logits=a * 3)),
    ("InverseGamma", lambda a, b: D.InverseGamma(a.exp() + 0.5, b.exp())),
    ("LKJCholesky", lambda a, b: D.LKJCholesky(3, a.exp() + b.exp())),
    ("LogisticNormal", lambda a, b: D.LogisticNormal(a, b.exp())),
    ("FisherSnedecor", lambda a, b: D.FisherSnedecor(a.exp() * 3, b.exp() * 3)),
    ("LowRankMultivariateNormal", lambda a, b: D.LowRankMultivariateNormal(a, b.outer(a).sin(), b.exp())),
]


@pytest.mark.parametrize("make", [c[1] for c in GRADIENTS], ids=[c[0] for c in GRADIENTS])
def test_log_prob_and_entropy_gradients_pass_gradcheck(make):
    assert_log_prob_and_entropy_pass_gradcheck(make, _leaf(RNG.normal(size=3) * 0.5), _leaf(RNG.normal(size=3) * 0.3))


@pytest.mark.parametrize("make", [c[1] for c in GRADIENTS if c[0] in (
    "LogNormal", "HalfNormal", "Cauchy", "StudentT", "Chi2", "Gumbel", "Weibull", "Pareto", "Kumaraswamy",
    "RelaxedBernoulli", "RelaxedOneHotCategorical", "LowRankMultivariateNormal", "ContinuousBernoulli",
    "InverseGamma", "LogisticNormal", "FisherSnedecor")])
def test_rsample_expectations_pass_gradcheck(make):
    a, b = _leaf(RNG.normal(size=3) * 0.5), _leaf(RNG.normal(size=3) * 0.3)

    def expectation(a, b):
        torch.manual_seed(7)
        x = make(a, b).rsample((4,))
        return (x.tanh() + 0.1 * x).mean(0)
    assert gradcheck(expectation, (a, b))


# ----- KL divergences -----

KL_FAMILIES = {
    "Normal": lambda D, m: D.Normal(*tensors(m, LOC, SCALE)),
    "Exponential": lambda D, m: D.Exponential(*tensors(m, SCALE)),
    "Gamma": lambda D, m: D.Gamma(*tensors(m, SCALE + 1, SCALE[::-1])),
    "Uniform": lambda D, m: D.Uniform(*tensors(m, SCALE + 1, SCALE + 2)),
    "Laplace": lambda D, m: D.Laplace(*tensors(m, LOC, SCALE)),
    "Beta": lambda D, m: D.Beta(*tensors(m, SCALE, SCALE[::-1])),
    "Bernoulli": lambda D, m: D.Bernoulli(m.tensor(PROBS)),
    "Poisson": lambda D, m: D.Poisson(*tensors(m, SCALE * 2)),
    "Poisson other": lambda D, m: D.Poisson(*tensors(m, SCALE[::-1] + 1)),
    "Binomial": lambda D, m: D.Binomial(5, m.tensor(PROBS)),
    "Binomial fewer": lambda D, m: D.Binomial(m.tensor([[5.0], [4.0]]), m.tensor(PROBS[::-1].copy())),
    "Cauchy": lambda D, m: D.Cauchy(*tensors(m, LOC, SCALE)),
    "Cauchy other": lambda D, m: D.Cauchy(*tensors(m, SCALE, LOC ** 2 + 0.5)),
    "Geometric": lambda D, m: D.Geometric(m.tensor(PROBS)),
    "Geometric other": lambda D, m: D.Geometric(m.tensor(PROBS[::-1].copy())),
    "Gumbel": lambda D, m: D.Gumbel(*tensors(m, LOC, SCALE)),
    "Gumbel other": lambda D, m: D.Gumbel(*tensors(m, SCALE, LOC ** 2 + 0.5)),
    "HalfNormal": lambda D, m: D.HalfNormal(*tensors(m, SCALE)),
    "HalfNormal other": lambda D, m: D.HalfNormal(*tensors(m, SCALE[::-1] + 0.3)),
    "Pareto": lambda D, m: D.Pareto(*tensors(m, SCALE, np.array([[0.5, 1.5, 3.0], [1.0, 2.5, 4.0]]))),
    "Pareto other": lambda D, m: D.Pareto(*tensors(m, SCALE[::-1], SCALE + 2)),
    "LogNormal": lambda D, m: D.LogNormal(*tensors(m, LOC, SCALE)),
    "LogNormal other": lambda D, m: D.LogNormal(*tensors(m, SCALE, LOC ** 2 + 0.5)),
    "Chi2": lambda D, m: D.Chi2(*tensors(m, SCALE * 2)),
    "ContinuousBernoulli": lambda D, m: D.ContinuousBernoulli(m.tensor([[0.1, 0.4995, 0.5], [0.7, 0.999, 0.3]])),
    "ContinuousBernoulli other": lambda D, m: D.ContinuousBernoulli(m.tensor(PROBS)),
    "Uniform in (0, 1)": lambda D, m: D.Uniform(*tensors(m, PROBS * 0.5, PROBS * 0.5 + 0.3)),
    "Uniform around (0, 1)": lambda D, m: D.Uniform(*tensors(m, -SCALE, SCALE + 1)),
}
KL_PAIRS = [(p, q) for p in KL_FAMILIES for q in KL_FAMILIES]


@pytest.mark.parametrize("p, q", KL_PAIRS, ids=[f"{p}-{q}" for p, q in KL_PAIRS])
def test_kl_divergence_equals_pytorchs(p, q, torch_ref):
    check_kl_divergence_equals_pytorchs(KL_FAMILIES[p], KL_FAMILIES[q], torch_ref)


GAUSSIANS = {
    "low rank": _low_rank,
    "low rank other": lambda D, m: _low_rank(D, m, flip=True),
    "full": lambda D, m: D.MultivariateNormal(m.tensor(LOC[1]), m.tensor(COVARIANCE)),
}


@pytest.mark.parametrize("p, q", [(p, q) for p in GAUSSIANS for q in GAUSSIANS if "full" in (p, q) or p != q])
def test_kl_divergence_of_low_rank_gaussians_equals_pytorchs(p, q, torch_ref):
    close(D.kl_divergence(GAUSSIANS[p](D, torch), GAUSSIANS[q](D, torch)),
          torch_ref.distributions.kl_divergence(GAUSSIANS[p](torch_ref.distributions, torch_ref),
                                                GAUSSIANS[q](torch_ref.distributions, torch_ref)))


def test_low_rank_matrices_and_errors_equal_pytorchs(torch_ref):
    ours, theirs = _low_rank(D, torch), _low_rank(torch_ref.distributions, torch_ref)
    for name in ("covariance_matrix", "precision_matrix", "scale_tril", "variance"):
        close(getattr(ours, name), getattr(theirs, name))
    calls = [lambda D, m: D.LowRankMultivariateNormal(m.zeros(()), m.ones(3, 1), m.ones(3)),
             lambda D, m: D.LowRankMultivariateNormal(m.zeros(3), m.ones(3), m.ones(3)),
             lambda D, m: D.LowRankMultivariateNormal(m.zeros(3), m.ones(2, 1), m.ones(3)),
             lambda D, m: D.LowRankMultivariateNormal(m.zeros(3), m.ones(3, 1), m.ones(2)),
             lambda D, m: D.kl_divergence(D.LowRankMultivariateNormal(m.zeros(3), m.ones(3, 1), m.ones(3)),
                                          D.LowRankMultivariateNormal(m.zeros(2), m.ones(2, 1), m.ones(2))),
             lambda D, m: D.kl_divergence(D.MultivariateNormal(m.zeros(2), m.eye(2)),
                                          D.LowRankMultivariateNormal(m.zeros(3), m.ones(3, 1), m.ones(3)))]
    for call in calls:
        assert_refused_alike(call, torch_ref, ValueError)


def test_exponential_family_entropy_and_bregman_kl_equal_the_closed_forms(torch_ref):
    """ExponentialFamily's entropy (from the log normalizer by autograd) and its Bregman-divergence KL agree with
    each family's closed forms, and with PyTorch's for a pair registered only through ExponentialFamily."""
    from autograd_core.distributions.exp_family import ExponentialFamily, bregman_kl
    for name in ("Normal", "Exponential", "Gamma", "Bernoulli", "Poisson", "Beta", "Chi2"):
        p, q = KL_FAMILIES[name](D, torch), KL_FAMILIES[name](D, torch).expand(KL_FAMILIES[name](D, torch).batch_shape)
        other = {"Normal": KL_FAMILIES["Gamma"], "Poisson": KL_FAMILIES["Poisson other"]}.get(name)
        q = other(D, torch) if name == "Poisson" else KL_FAMILIES[name](D, torch)
        close(bregman_kl(p, q), D.kl_divergence(p, q) if name != "Poisson" else torch_ref.distributions.kl_divergence(
            KL_FAMILIES[name](torch_ref.distributions, torch_ref),
            KL_FAMILIES["Poisson other"](torch_ref.distributions, torch_ref)), 1e-9)
        if name not in ("Poisson", "Beta"):
            close(ExponentialFamily.entropy(p), p.entropy(), 1e-9)
    dirichlet = [D.Dirichlet(torch.tensor(SIMPLEX * k + 0.5)) for k in (1, 3)]
    close(bregman_kl(*dirichlet), D.kl_divergence(*dirichlet), 1e-9)
    with pytest.raises(NotImplementedError, match="be computed using Bregman divergences"):
        bregman_kl(D.Poisson(torch.ones(2)), D.Exponential(torch.ones(2)))


def test_kl_divergence_gradients_pass_gradcheck():
    pairs = [lambda a, b: (D.Gumbel(a, b.exp()), D.Normal(b, a.exp())),
             lambda a, b: (D.Pareto(a.exp(), b.exp() + 3), D.Gamma(b.exp(), a.exp())),
             lambda a, b: (D.Poisson(a.exp()), D.Poisson(b.exp())),
             lambda a, b: (D.Binomial(4, logits=a), D.Binomial(4, logits=b)),
             lambda a, b: (D.Cauchy(a, b.exp()), D.Cauchy(b, a.exp()))]
    for make in pairs:
        a, b = _leaf(RNG.normal(size=3) * 0.5), _leaf(RNG.normal(size=3) * 0.3)
        assert gradcheck(lambda a, b, make=make: D.kl_divergence(*make(a, b)), (a, b))


# ----- transforms and constraint registries -----

POSITIVE = RNG.uniform(0.2, 2.0, (2, 3))
TRANSFORMS = [
    ("abs", lambda D, m: D.AbsTransform(), POSITIVE),
    ("power", lambda D, m: D.PowerTransform(2.5), POSITIVE),
    ("power tensor", lambda D, m: D.PowerTransform(m.tensor(SCALE[0] - 1.2)), POSITIVE),
    ("softplus", lambda D, m: D.SoftplusTransform(), LOC * 10),
    ("softmax", lambda D, m: D.SoftmaxTransform(), LOC),
    ("stick breaking", lambda D, m: D.StickBreakingTransform(), LOC),
    ("lower cholesky", lambda D, m: D.LowerCholeskyTransform(), RNG.normal(size=(2, 3, 3))),
    ("positive definite", lambda D, m: D.PositiveDefiniteTransform(), RNG.normal(size=(2, 3, 3))),
    ("reshape", lambda D, m: D.ReshapeTransform((2, 3), (3, 2)), RNG.normal(size=(4, 2, 3))),
    ("independent", lambda D, m: D.IndependentTransform(D.ExpTransform(), 1), LOC),
    ("independent sigmoid 2", lambda D, m: D.IndependentTransform(D.SigmoidTransform(), 2), LOC),
    ("cat", lambda D, m: D.CatTransform([D.ExpTransform(), D.AffineTransform(1.0, 2.0)], -1, [1, 2]), LOC),
    ("cat batch", lambda D, m: D.CatTransform([D.ExpTransform(), D.SigmoidTransform()], 0, [1, 1]), LOC),
    ("cat events", lambda D, m: D.CatTransform([D.IndependentTransform(D.ExpTransform(), 1),
                                                D.IndependentTransform(D.SigmoidTransform(), 1)], -1, [2, 1]), LOC),
    ("stack", lambda D, m: D.StackTransform([D.ExpTransform(), D.SigmoidTransform(), D.TanhTransform()], 1), LOC),
    ("corr cholesky", lambda D, m: D.CorrCholeskyTransform(), RNG.normal(size=(2, 6))),
    ("cdf", lambda D, m: D.CumulativeDistributionTransform(D.Normal(*tensors(m, LOC, SCALE))), LOC),
]


@pytest.mark.parametrize("make, x", [c[1:] for c in TRANSFORMS], ids=[c[0] for c in TRANSFORMS])
def test_transforms_equal_pytorchs(make, x, torch_ref):
    ours, theirs = make(D, torch), make(torch_ref.distributions, torch_ref)
    y_ours, y_theirs = ours(torch.tensor(x)), theirs(torch_ref.tensor(x))
    close(y_ours, y_theirs)
    close(ours.inv(y_ours), theirs.inv(y_theirs))
    try:
        theirs_ladj = theirs.log_abs_det_jacobian(torch_ref.tensor(x), y_theirs)
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            ours.log_abs_det_jacobian(torch.tensor(x), y_ours)
    else:
        close(ours.log_abs_det_jacobian(torch.tensor(x), y_ours), theirs_ladj)
    assert repr(ours.domain) == repr(theirs.domain) and repr(ours.codomain) == repr(theirs.codomain)
    assert ours.bijective == theirs.bijective and repr(ours) == repr(theirs)
    assert tuple(ours.forward_shape(x.shape)) == tuple(theirs.forward_shape(x.shape))
    assert tuple(ours.inverse_shape(tuple(y_ours.shape))) == tuple(theirs.inverse_shape(tuple(y_theirs.shape)))
    assert bool(ours.codomain.check(y_ours).all())
    cached = ours.with_cache(1)
    y = cached(torch.tensor(x))
    assert cached.inv(y) is not None and cached.inv(y).shape == x.shape


def test_bijective_transforms_have_the_log_det_of_their_jacobian():
    """log |det dy/dx| by autograd's Jacobian of x -> the free coordinates of y equals log_abs_det_jacobian."""
    from autograd_core.distributions.utils import tril_matrix_to_vec
    cases = [(D.CorrCholeskyTransform(), lambda y: tril_matrix_to_vec(y, -1)),  # the row lengths fix the diagonal
             (D.StickBreakingTransform(), lambda y: y[..., :-1]),  # the last coordinate is 1 minus the others
             (D.PowerTransform(torch.tensor(1.7, dtype=F64)), lambda y: y), (D.SoftplusTransform(), lambda y: y),
             (D.IndependentTransform(D.SigmoidTransform(), 1), lambda y: y)]
    for t, free in cases:
        x = torch.tensor(RNG.uniform(0.2, 1.5, 3), dtype=F64)
        rows = []
        for i in range(3):
            xi = x.clone().requires_grad_()
            rows.append(values(torch.autograd.grad(free(t(xi))[i], xi)[0]))
        expected = np.log(abs(np.linalg.det(np.array(rows))))
        assert float(values(t.log_abs_det_jacobian(x, t(x))).sum()) == pytest.approx(expected, abs=1e-9)


def test_transform_gradients_pass_gradcheck():
    x = _leaf(RNG.normal(size=(2, 3)))
    for t in (D.StickBreakingTransform(), D.SoftplusTransform(), D.SoftmaxTransform(), D.LowerCholeskyTransform(),
              D.CatTransform([D.ExpTransform(), D.TanhTransform()], -1, [2, 1])):
        argument = x if not isinstance(t, D.LowerCholeskyTransform) else _leaf(RNG.normal(size=(3, 3)))
        assert gradcheck(t, (argument,))
        if t.bijective:
            assert gradcheck(lambda a, t=t: t.log_abs_det_jacobian(a, t(a)), (argument,))


def test_transform_errors_are_pytorchs(torch_ref):
    calls = [lambda D, m: D.ReshapeTransform((2, 3), (5,)),
             lambda D, m: D.ReshapeTransform((2, 3), (6,)).forward_shape((3, 3)),
             lambda D, m: D.ReshapeTransform((2, 3), (6,)).forward_shape((3,)),
             lambda D, m: D.SoftmaxTransform().forward_shape(()),
             lambda D, m: D.biject_to(D.constraints.boolean),
             lambda D, m: D.biject_to(D.constraints.lower_cholesky)]
    for call in calls:
        assert_refused_alike(call, torch_ref, (ValueError, NotImplementedError))


CONSTRAINTS = [
    lambda C: C.real, lambda C: C.real_vector, lambda C: C.positive, lambda C: C.nonnegative,
    lambda C: C.greater_than(2.0), lambda C: C.greater_than_eq(-1.0), lambda C: C.less_than(1.0),
    lambda C: C.interval(0.0, 1.0), lambda C: C.unit_interval, lambda C: C.interval(-1.0, 2.0),
    lambda C: C.half_open_interval(0.0, 3.0), lambda C: C.simplex, lambda C: C.lower_cholesky,
    lambda C: C.positive_definite, lambda C: C.independent(C.positive, 1),
    lambda C: C.corr_cholesky, lambda C: C.cat([C.positive, C.real], -1, [1, 2]),
    lambda C: C.stack([C.positive, C.unit_interval, C.real], -1),
]


@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
@pytest.mark.parametrize("make", CONSTRAINTS)
def test_biject_to_and_transform_to_reach_the_constraint_as_pytorchs(make, registry, torch_ref):
    try:
        theirs = getattr(torch_ref.distributions, registry)(make(torch_ref.distributions.constraints))
    except NotImplementedError as refused:
        with pytest.raises(NotImplementedError) as ours:
            getattr(D, registry)(make(D.constraints))
        assert str(ours.value) == str(refused)
        return
    ours = getattr(D, registry)(make(D.constraints))
    assert repr(ours) == repr(theirs)
    matrices = make(D.constraints).event_dim == 2
    x = RNG.normal(size=(2, 3, 3)) if matrices else RNG.normal(size=(2, 3))
    y = ours(torch.tensor(x))
    close(y, theirs(torch_ref.tensor(x)))
    assert bool(make(D.constraints).check(y).all())


def test_registering_a_factory_for_a_new_constraint():
    class Odd(D.constraints.Constraint):
        def check(self, value):
            return value % 2 == 1
    registry = D.constraint_registry.ConstraintRegistry()
    registry.register(Odd, lambda c: D.ExpTransform())
    assert isinstance(registry(Odd()), D.ExpTransform)
    with pytest.raises(TypeError, match="Expected constraint to be either a Constraint subclass or instance"):
        registry.register(3, lambda c: None)


INVALID = [
    lambda D, m: D.Cauchy(m.tensor([0.0]), m.tensor([-1.0]), validate_args=True),
    lambda D, m: D.StudentT(m.tensor([-1.0]), validate_args=True),
    lambda D, m: D.Poisson(m.tensor([-0.5]), validate_args=True),
    lambda D, m: D.Binomial(m.tensor([2.5]), m.tensor([0.5]), validate_args=True),
    lambda D, m: D.Geometric(m.tensor([1.5]), validate_args=True),
    lambda D, m: D.NegativeBinomial(m.tensor([2.0]), m.tensor([1.0]), validate_args=True),
    lambda D, m: D.Pareto(m.tensor([1.0]), m.tensor([0.0]), validate_args=True),
    lambda D, m: D.LogNormal(m.tensor([0.0]), m.tensor([-1.0]), validate_args=True),
    lambda D, m: D.HalfNormal(m.tensor([0.0]), validate_args=True),
    lambda D, m: D.ContinuousBernoulli(m.tensor([1.5]), validate_args=True),
    lambda D, m: D.Poisson(m.tensor([1.0]), validate_args=True).log_prob(m.tensor([0.5])),
    lambda D, m: D.Binomial(3, m.tensor([0.5]), validate_args=True).log_prob(m.tensor([4.0])),
    lambda D, m: D.Multinomial(3, m.tensor([0.5, 0.5]), validate_args=True).log_prob(m.tensor([2.0, 2.0])),
    lambda D, m: D.HalfCauchy(m.tensor([1.0]), validate_args=True).log_prob(m.tensor([-1.0])),
    lambda D, m: D.Pareto(m.tensor([2.0]), m.tensor([1.0]), validate_args=True).log_prob(m.tensor([1.0])),
    lambda D, m: D.MixtureSameFamily(D.Normal(0.0, 1.0), D.Normal(m.zeros(2), 1.0)),
    lambda D, m: D.MixtureSameFamily(D.Categorical(m.ones(3)), D.Normal(m.zeros(2), 1.0)),
    lambda D, m: D.MixtureSameFamily(D.Categorical(m.ones(2, 3)), D.Normal(m.zeros(4, 3), 1.0)),
]


@pytest.mark.parametrize("call", INVALID)
def test_validation_errors_are_pytorchs(call, torch_ref):
    assert_refused_alike(call, torch_ref, ValueError)
