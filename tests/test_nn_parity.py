"""Parity with PyTorch: identical weights and inputs give the same outputs and gradients (float32)."""
import math

import numpy as np
import pytest

torch_ref = pytest.importorskip("torch")

import autograd_core as ag  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402

RTOL, ATOL = 1e-5, 1e-5


def _copy_weights(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def _pair(array):
    """The same data as a torch tensor and one of ours (float ones require grad)."""
    floating = array.dtype.kind == "f"
    return (torch_ref.tensor(array, requires_grad=floating), ag.tensor(array, requires_grad=floating))


def _close(ours, theirs, what, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(np.asarray(ours.detach().numpy()), theirs.detach().numpy(), rtol=rtol, atol=atol,
                               err_msg=what)


def check(ours, theirs, *arrays, rtol=RTOL, atol=ATOL, copy=True):
    """Forward both callables on the same inputs; backward a random cotangent; compare everything."""
    if copy and isinstance(theirs, torch_ref.nn.Module):
        _copy_weights(ours, theirs)
    pairs = [_pair(a) for a in arrays]
    y_theirs = theirs(*[t for t, _ in pairs])
    y_ours = ours(*[o for _, o in pairs])
    assert tuple(y_ours.shape) == tuple(y_theirs.shape)
    _close(y_ours, y_theirs, "forward", rtol, atol)
    cotangent = np.random.default_rng(1).standard_normal(tuple(y_theirs.shape)).astype(np.float32)
    y_theirs.backward(torch_ref.tensor(cotangent))
    y_ours.backward(ag.tensor(cotangent))
    for i, (t, o) in enumerate(pairs):
        if t.requires_grad:
            _close(o.grad, t.grad, f"input {i} grad", rtol, atol)
    if isinstance(theirs, torch_ref.nn.Module):
        ours_params = dict(ours.named_parameters())
        for name, p in theirs.named_parameters():
            _close(ours_params[name].grad, p.grad, f"grad of {name}", rtol, atol)


def randn(*shape, scale=1.0, seed=0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


# ----- layers -----
@pytest.mark.parametrize("make, shape", [
    (lambda m: m.Linear(5, 3), (4, 5)),
    (lambda m: m.Linear(5, 3, bias=False), (4, 5)),
    (lambda m: m.Linear(5, 3), (2, 3, 5)),
    (lambda m: m.Identity(), (2, 3)),
    (lambda m: m.Flatten(), (2, 3, 4)),
    (lambda m: m.Flatten(0, 1), (2, 3, 4)),
    (lambda m: m.Unflatten(1, (2, 3)), (4, 6)),
    (lambda m: m.Sequential(m.Linear(6, 4), m.Tanh(), m.Linear(4, 2)), (3, 6)),
    (lambda m: m.Dropout(0.3).eval(), (3, 4)),
    (lambda m: m.Dropout(0.0), (3, 4)),
    (lambda m: m.Dropout2d(0.5).eval(), (2, 3, 4, 4)),
])
def test_layer_parity(make, shape):
    torch_ref.manual_seed(0)
    check(make(nn), make(torch_ref.nn), randn(*shape))


def test_bilinear_parity():
    torch_ref.manual_seed(0)
    check(nn.Bilinear(3, 4, 2), torch_ref.nn.Bilinear(3, 4, 2), randn(5, 3), randn(5, 4, seed=1))


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 1}, {"padding_idx": -1}, {"scale_grad_by_freq": True}])
def test_embedding_parity(kwargs):
    torch_ref.manual_seed(0)
    idx = np.array([[0, 1, 2, 1], [3, 4, 1, 0]], dtype=np.int64)
    check(nn.Embedding(5, 3, **kwargs), torch_ref.nn.Embedding(5, 3, **kwargs), idx)


def test_embedding_max_norm_renormalises_rows_like_torch():
    torch_ref.manual_seed(0)
    theirs = torch_ref.nn.Embedding(6, 4, max_norm=1.0)
    ours = nn.Embedding(6, 4, max_norm=1.0)
    _copy_weights(ours, theirs)
    idx = np.array([0, 2, 2, 5])
    _close(ours(ag.tensor(idx)), theirs(torch_ref.tensor(idx)), "output")
    _close(ours.weight, theirs.weight, "renormalised weight")


# ----- activations -----
ACTIVATIONS = [
    lambda m: m.ReLU(), lambda m: m.LeakyReLU(0.2), lambda m: m.PReLU(), lambda m: m.ELU(0.5), lambda m: m.SELU(),
    lambda m: m.CELU(0.7), lambda m: m.GELU(), lambda m: m.GELU(approximate="tanh"), lambda m: m.SiLU(),
    lambda m: m.Sigmoid(), lambda m: m.Tanh(), lambda m: m.Softmax(dim=1), lambda m: m.LogSoftmax(dim=1),
    lambda m: m.Softmin(dim=0), lambda m: m.Softplus(), lambda m: m.Softplus(beta=2.0, threshold=5.0),
    lambda m: m.Hardtanh(-2.0, 2.5), lambda m: m.Mish(), lambda m: m.ReLU6(), lambda m: m.Softsign(),
    lambda m: m.Hardsigmoid(), lambda m: m.Hardswish(), lambda m: m.LogSigmoid(),
]


@pytest.mark.parametrize("make", ACTIVATIONS)
def test_activation_parity(make):
    theirs = make(torch_ref.nn)
    check(make(nn), theirs, randn(4, 7, scale=4.0))
    assert repr(make(nn)) == repr(theirs)


def test_prelu_per_channel_parity():
    torch_ref.manual_seed(0)
    theirs = torch_ref.nn.PReLU(3)
    with torch_ref.no_grad():
        theirs.weight.copy_(torch_ref.tensor([0.1, -0.3, 0.7]))
    check(nn.PReLU(3), theirs, randn(2, 3, 4, scale=2.0))


@pytest.mark.parametrize("inplace_module", [lambda m: m.ReLU(inplace=True), lambda m: m.LeakyReLU(0.1, True),
                                            lambda m: m.ELU(inplace=True), lambda m: m.SiLU(inplace=True)])
def test_inplace_activation_after_linear_matches_torch(inplace_module):
    torch_ref.manual_seed(0)
    check(nn.Sequential(nn.Linear(4, 5), inplace_module(nn)),
          torch_ref.nn.Sequential(torch_ref.nn.Linear(4, 5), inplace_module(torch_ref.nn)), randn(3, 4))


def test_softmax_family_is_stable_for_huge_logits():
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0]], dtype=np.float32)
    for name in ("softmax", "log_softmax"):
        ours = getattr(F, name)(ag.tensor(logits), dim=1)
        theirs = getattr(torch_ref.nn.functional, name)(torch_ref.tensor(logits), dim=1)
        _close(ours, theirs, name)
        assert np.all(np.isfinite(ours.numpy()))


@pytest.mark.parametrize("ndim", [1, 2, 3, 4])
def test_softmax_implicit_dim_follows_torch_legacy_rule(ndim):
    x = randn(*([3] * ndim))
    with pytest.warns(UserWarning):
        ours = F.softmax(ag.tensor(x))
    with pytest.warns(UserWarning):
        theirs = torch_ref.nn.functional.softmax(torch_ref.tensor(x))
    _close(ours, theirs, "softmax(dim=None)")


# ----- losses -----
def _loss_case(make, x, target, **target_kw):
    """Compare a loss module built by ``make(nn)`` on logits/inputs ``x`` and a constant ``target``."""
    theirs, ours = make(torch_ref.nn), make(nn)
    check(lambda a: ours(a, ag.tensor(target)), lambda a: theirs(a, torch_ref.tensor(target)), x, copy=False)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("make", [
    lambda m, r: m.MSELoss(reduction=r), lambda m, r: m.L1Loss(reduction=r),
    lambda m, r: m.SmoothL1Loss(reduction=r, beta=0.5), lambda m, r: m.SmoothL1Loss(reduction=r, beta=0.0),
    lambda m, r: m.HuberLoss(reduction=r, delta=0.7),
])
def test_regression_loss_parity(make, reduction):
    _loss_case(lambda m: make(m, reduction), randn(4, 3), randn(4, 3, seed=2))


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_weighted_regression_loss_parity(name):
    weight = np.random.default_rng(3).random((4, 3)).astype(np.float32)
    check(lambda a: getattr(F, name)(a, ag.tensor(randn(4, 3, seed=2)), weight=ag.tensor(weight)),
          lambda a: getattr(torch_ref.nn.functional, name)(a, torch_ref.tensor(randn(4, 3, seed=2)),
                                                             weight=torch_ref.tensor(weight)),
          randn(4, 3), copy=False)


CLASS_WEIGHT = np.array([0.2, 1.0, 2.0, 0.5, 1.5], dtype=np.float32)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("options", [
    {}, {"weight": CLASS_WEIGHT}, {"ignore_index": 2}, {"label_smoothing": 0.1},
    {"weight": CLASS_WEIGHT, "ignore_index": 1, "label_smoothing": 0.2},
])
def test_cross_entropy_class_target_parity(options, reduction):
    target = np.array([0, 2, 4, 1, 2, 3], dtype=np.int64)

    def make(m):
        kw = dict(options, reduction=reduction)
        if "weight" in kw:
            kw["weight"] = (torch_ref.tensor if m is torch_ref.nn else ag.tensor)(kw["weight"])
        return m.CrossEntropyLoss(**kw)
    _loss_case(make, randn(6, 5, scale=3.0), target)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
def test_cross_entropy_probability_target_parity(label_smoothing):
    probs = np.random.default_rng(4).dirichlet(np.ones(5), size=6).astype(np.float32)
    for reduction in ("mean", "sum", "none"):
        _loss_case(lambda m: m.CrossEntropyLoss(reduction=reduction, label_smoothing=label_smoothing),
                   randn(6, 5), probs)


def test_cross_entropy_spatial_and_unbatched_parity():
    target = np.random.default_rng(5).integers(0, 4, size=(2, 3, 5))
    _loss_case(lambda m: m.CrossEntropyLoss(ignore_index=3), randn(2, 4, 3, 5), target)
    _loss_case(lambda m: m.CrossEntropyLoss(reduction="none"), randn(5), np.array(3))
    _loss_case(lambda m: m.CrossEntropyLoss(), randn(5), np.random.default_rng(6).dirichlet(np.ones(5)).astype(
        np.float32))


def test_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1000.0, -1000.0], [-1000.0, 1000.0], [0.0, 1000.0]], dtype=np.float32)
    target = np.array([1, 1, 0])
    _loss_case(lambda m: m.CrossEntropyLoss(), logits, target)


@pytest.mark.parametrize("options", [{}, {"weight": CLASS_WEIGHT}, {"ignore_index": 0}, {"reduction": "none"},
                                     {"reduction": "sum"}])
def test_nll_loss_parity(options):
    target = np.array([0, 2, 4, 1, 0], dtype=np.int64)

    def make(m):
        kw = dict(options)
        if "weight" in kw:
            kw["weight"] = (torch_ref.tensor if m is torch_ref.nn else ag.tensor)(kw["weight"])
        return m.NLLLoss(**kw)
    _loss_case(make, randn(5, 5), target)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_parity(reduction):
    probs = np.random.default_rng(7).uniform(0.01, 0.99, size=(4, 3)).astype(np.float32)
    target = np.random.default_rng(8).integers(0, 2, size=(4, 3)).astype(np.float32)
    _loss_case(lambda m: m.BCELoss(reduction=reduction), probs, target)
    weight = np.random.default_rng(9).random(3).astype(np.float32)
    _loss_case(lambda m: m.BCELoss(weight=(torch_ref.tensor if m is torch_ref.nn else ag.tensor)(weight),
                                   reduction=reduction), probs, target)


def test_bce_clamps_log_at_minus_100():
    probs = np.array([0.0, 1.0, 0.5], dtype=np.float32)
    target = np.array([1.0, 0.0, 1.0], dtype=np.float32)
    ours = F.binary_cross_entropy(ag.tensor(probs), ag.tensor(target), reduction="none")
    theirs = torch_ref.nn.functional.binary_cross_entropy(torch_ref.tensor(probs), torch_ref.tensor(target),
                                                          reduction="none")
    _close(ours, theirs, "clamped bce")
    assert ours.numpy()[0] == pytest.approx(100.0)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_with_logits_parity(reduction):
    logits = randn(4, 3, scale=5.0)
    logits[0, 0], logits[1, 1] = 1000.0, -1000.0
    target = np.random.default_rng(8).random((4, 3)).astype(np.float32)
    pos_weight = np.array([0.5, 2.0, 3.0], dtype=np.float32)
    weight = np.random.default_rng(9).random((4, 3)).astype(np.float32)

    def make(m):
        as_t = torch_ref.tensor if m is torch_ref.nn else ag.tensor
        return m.BCEWithLogitsLoss(weight=as_t(weight), pos_weight=as_t(pos_weight), reduction=reduction)
    _loss_case(make, logits, target)
    _loss_case(lambda m: m.BCEWithLogitsLoss(reduction=reduction), logits, target)


@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_parity(reduction, log_target):
    log_probs = np.log(np.random.default_rng(10).dirichlet(np.ones(4), size=3)).astype(np.float32)
    target = np.random.default_rng(11).dirichlet(np.ones(4), size=3).astype(np.float32)
    target[0, 0] = 0.0
    if log_target:
        target = np.log(target + 1e-3).astype(np.float32)
    _loss_case(lambda m: m.KLDivLoss(reduction=reduction, log_target=log_target), log_probs, target)


def test_loss_reprs_match_torch():
    for name in ("MSELoss", "CrossEntropyLoss", "BCEWithLogitsLoss", "NLLLoss", "KLDivLoss", "HuberLoss"):
        assert repr(getattr(nn, name)()) == repr(getattr(torch_ref.nn, name)())


# ----- functional utilities -----
@pytest.mark.parametrize("mode, widths, shape", [
    ("constant", (1, 2), (2, 3, 4, 5)), ("constant", (2, 0, -1, 1), (2, 3, 4, 5)), ("reflect", (2, 1), (2, 3, 5)),
    ("reflect", (1, 2, 3, 0), (2, 3, 4, 5)), ("replicate", (1, 2, 3, 0), (2, 3, 4, 5)),
    ("circular", (2, 1, 1, 1), (2, 3, 4, 5)), ("replicate", (1, 0, 2, 1, 1, 1), (1, 2, 3, 4, 5)),
])
def test_pad_parity(mode, widths, shape):
    check(lambda a: F.pad(a, widths, mode=mode), lambda a: torch_ref.nn.functional.pad(a, widths, mode=mode),
          randn(*shape), copy=False)


def test_pad_constant_value_parity():
    check(lambda a: F.pad(a, (1, 1), value=2.5), lambda a: torch_ref.nn.functional.pad(a, (1, 1), value=2.5),
          randn(3, 4), copy=False)


@pytest.mark.parametrize("p, dim", [(2.0, 1), (1.0, 0), (3.0, -1), (math.inf, 1)])
def test_normalize_parity(p, dim):
    x = randn(3, 4)
    x[1] = 0.0  # a zero vector: no nan, as in PyTorch
    check(lambda a: F.normalize(a, p=p, dim=dim), lambda a: torch_ref.nn.functional.normalize(a, p=p, dim=dim),
          x, copy=False)


def test_one_hot_parity():
    labels = np.array([[0, 3], [2, 1]])
    ours = F.one_hot(ag.tensor(labels), 5)
    theirs = torch_ref.nn.functional.one_hot(torch_ref.tensor(labels), 5)
    assert ours.dtype == ag.int64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(F.one_hot(ag.tensor(labels)).numpy(),
                                  torch_ref.nn.functional.one_hot(torch_ref.tensor(labels)).numpy())


# ----- models, init and utils -----
class _TorchMyNet(torch_ref.nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = torch_ref.nn.Linear(784, 300)
        self.l2 = torch_ref.nn.Linear(300, 10)

    def forward(self, x):
        return self.l2(torch_ref.relu(self.l1(x)))


class _MyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(784, 300)
        self.l2 = nn.Linear(300, 10)

    def forward(self, x):
        return self.l2(F.relu(self.l1(x)))


def test_mnist_mlp_with_cross_entropy_matches_torch():
    torch_ref.manual_seed(0)
    theirs, ours = _TorchMyNet(), _MyNet()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours).replace("_MyNet", "Net") == repr(theirs).replace("_TorchMyNet", "Net")
    target = np.random.default_rng(12).integers(0, 10, size=32)
    x = np.random.default_rng(13).random((32, 784)).astype(np.float32)
    _copy_weights(ours, theirs)
    check(lambda a: F.cross_entropy(ours(a), ag.tensor(target)),
          lambda a: torch_ref.nn.functional.cross_entropy(theirs(a), torch_ref.tensor(target)), x, copy=False)
    for name, p in theirs.named_parameters():
        _close(ours.get_parameter(name).grad, p.grad, name)


def test_state_dict_keys_match_torch_for_nested_containers():
    def build(m):
        return m.Sequential(m.Linear(2, 3), m.ModuleList([m.Linear(3, 3), m.PReLU()]),
                            m.ModuleDict({"head": m.Linear(3, 1)}), m.Embedding(4, 2))
    assert list(build(nn).state_dict()) == list(build(torch_ref.nn).state_dict())
    assert repr(build(nn)) == repr(build(torch_ref.nn))


@pytest.mark.parametrize("nonlinearity, param", [("linear", None), ("sigmoid", None), ("tanh", None),
                                                 ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
                                                 ("selu", None), ("conv2d", None)])
def test_calculate_gain_matches_torch(nonlinearity, param):
    assert nn.init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch_ref.nn.init.calculate_gain(nonlinearity, param))


@pytest.mark.parametrize("shape", [(3, 4), (8, 3, 5, 5), (2, 6, 7)])
def test_fan_in_and_fan_out_match_torch(shape):
    ours = nn.init._calculate_fan_in_and_fan_out(ag.empty(*shape))
    theirs = torch_ref.nn.init._calculate_fan_in_and_fan_out(torch_ref.empty(*shape))
    assert ours == theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_clip_grad_norm_matches_torch(norm_type):
    grads = [randn(3, 4, seed=20), randn(5, seed=21)]
    ours = [ag.zeros(*g.shape, requires_grad=True) for g in grads]
    theirs = [torch_ref.zeros(*g.shape, requires_grad=True) for g in grads]
    for o, t, g in zip(ours, theirs, grads):
        o.grad, t.grad = ag.tensor(g), torch_ref.tensor(g)
    total_ours = nn.utils.clip_grad_norm_(ours, 0.5, norm_type)
    total_theirs = torch_ref.nn.utils.clip_grad_norm_(theirs, 0.5, norm_type)
    assert total_ours.item() == pytest.approx(total_theirs.item(), rel=1e-5)
    for o, t in zip(ours, theirs):
        _close(o.grad, t.grad, "clipped grad")
