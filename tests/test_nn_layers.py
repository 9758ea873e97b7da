"""Layers and functional ops: float64 gradchecks, shapes, initialisation, errors (no torch needed)."""
import math

import numpy as np
import pytest

import autograd_core as torch
from autograd_core.autograd import gradcheck, gradgradcheck
import nn
import nn.functional as F


def rand64(*shape, scale=1.0, requires_grad=True):
    return torch.tensor(np.random.default_rng(sum(shape)).standard_normal(shape) * scale, dtype=torch.float64,
                        requires_grad=requires_grad)


def away_from_kinks(*shape, kinks=(0.0,)):
    """Float64 inputs at least 0.05 from every kink, so finite differences see one smooth piece."""
    x = np.random.default_rng(3).uniform(-4, 4, size=shape)
    for k in kinks:
        near = np.abs(x - k) < 0.05
        x[near] += 0.1
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


# ----- linear layers -----
def test_linear_shapes_init_and_gradcheck():
    torch.manual_seed(0)
    lin = nn.Linear(30, 4)
    bound = 1 / math.sqrt(30)
    assert lin.weight.shape == (4, 30) and lin.bias.shape == (4,)
    assert np.abs(lin.weight.numpy(force=True)).max() <= bound and np.abs(lin.bias.numpy(force=True)).max() <= bound
    assert np.abs(lin.weight.numpy(force=True)).max() > 0.8 * bound  # uniform over the whole range
    lin.double()
    x = rand64(5, 30)
    assert gradcheck(lambda x, w, b: F.linear(x, w, b), (x, lin.weight, lin.bias))
    assert gradgradcheck(lambda x, w, b: F.linear(x, w, b), (rand64(2, 3), rand64(4, 3), rand64(4)))
    assert gradcheck(lambda x, w: F.linear(x, w), (rand64(2, 3, 4), rand64(5, 4)))


def test_linear_reports_layer_expected_and_actual_shape():
    lin = nn.Linear(784, 300)
    with pytest.raises(RuntimeError, match=r"Linear\(in_features=784, out_features=300\): expected input with last "
                                           r"dimension 784, got shape \(2, 100\)"):
        lin(torch.zeros(2, 100))
    with pytest.raises(RuntimeError, match="same floating dtype"):
        lin(torch.zeros(2, 784, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="linear: input of shape"):
        F.linear(torch.zeros(2, 3), torch.zeros(4, 5))


def test_linear_without_bias_and_nd_input():
    lin = nn.Linear(3, 2, bias=False)
    assert lin.bias is None and [n for n, _ in lin.named_parameters()] == ["weight"]
    x = torch.randn(4, 5, 3)
    np.testing.assert_allclose(lin(x).numpy(force=True), x.numpy(force=True) @ lin.weight.numpy(force=True).T, rtol=1e-6)
    assert repr(lin) == "Linear(in_features=3, out_features=2, bias=False)"


def test_bilinear_gradcheck_and_shape():
    bl = nn.Bilinear(3, 4, 2)
    assert bl.weight.shape == (2, 3, 4)
    assert bl(torch.randn(5, 3), torch.randn(5, 4)).shape == (5, 2)
    args = (rand64(2, 3), rand64(2, 4), rand64(5, 3, 4), rand64(5))
    assert gradcheck(F.bilinear, args)
    assert gradgradcheck(F.bilinear, args)
    with pytest.raises(RuntimeError, match="bilinear: inputs of shape"):
        bl(torch.randn(5, 4), torch.randn(5, 4))


def test_identity_flatten_unflatten():
    x = torch.randn(2, 3, 4, 5)
    assert nn.Identity(7, foo=1)(x) is x
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).shape == (2, 3, 20)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(nn.Unflatten(1, (2, 5))) == "Unflatten(dim=1, unflattened_size=(2, 5))"


# ----- activations -----
ACTIVATION_CASES = [
    (F.relu, (0.0,)), (lambda x: F.leaky_relu(x, 0.2), (0.0,)), (F.relu6, (0.0, 6.0)),
    (lambda x: F.hardtanh(x, -2.0, 2.5), (-2.0, 2.5)), (F.hardsigmoid, (-3.0, 3.0)), (F.hardswish, (-3.0, 3.0)),
    (lambda x: F.elu(x, 0.7), (0.0,)), (F.selu, (0.0,)), (lambda x: F.celu(x, 1.5), (0.0,)), (F.gelu, ()),
    (lambda x: F.gelu(x, approximate="tanh"), ()), (F.silu, ()), (F.mish, ()), (F.softplus, ()),
    (lambda x: F.softplus(x, beta=2.0, threshold=3.0), (1.5,)), (F.softsign, (0.0,)), (F.sigmoid, ()), (F.tanh, ()),
    (F.logsigmoid, ()), (lambda x: F.softmax(x, 1), ()), (lambda x: F.log_softmax(x, 0), ()),
    (lambda x: F.softmin(x, 1), ()),
]


@pytest.mark.parametrize("func, kinks", ACTIVATION_CASES)
def test_activation_gradcheck(func, kinks):
    x = away_from_kinks(3, 5, kinks=kinks)
    assert gradcheck(func, (x,))
    assert gradgradcheck(func, (x,))


def test_prelu_gradcheck_and_module():
    x = away_from_kinks(2, 3, 4)
    assert gradcheck(F.prelu, (x, rand64(3)))
    assert gradcheck(F.prelu, (x, rand64(1)))
    assert gradgradcheck(F.prelu, (x, rand64(3)))
    m = nn.PReLU(3, init=0.1)
    np.testing.assert_array_equal(m.weight.numpy(force=True), np.full(3, 0.1, np.float32))
    with pytest.raises(RuntimeError, match="prelu: weight of shape"):
        F.prelu(torch.randn(2, 4), torch.randn(3))


def test_activation_values():
    x = torch.tensor([-2.0, -0.5, 0.0, 0.5, 2.0, 7.0])
    np.testing.assert_allclose(F.relu6(x).numpy(force=True), [0, 0, 0, 0.5, 2, 6])
    np.testing.assert_allclose(F.leaky_relu(x, 0.1).numpy(force=True), [-0.2, -0.05, 0, 0.5, 2, 7], rtol=1e-6)
    np.testing.assert_allclose(F.hardsigmoid(x).numpy(force=True), np.clip(x.numpy(force=True) / 6 + 0.5, 0, 1), rtol=1e-6)
    np.testing.assert_allclose(F.gelu(x).numpy(force=True), [v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x.numpy(force=True)],
                               rtol=1e-6)
    np.testing.assert_allclose(F.softplus(x, beta=1, threshold=5).numpy(force=True)[-1], 7.0)
    np.testing.assert_allclose(F.softplus(torch.tensor([-1000.0, 1000.0])).numpy(force=True), [0.0, 1000.0])
    np.testing.assert_allclose(F.silu(torch.tensor([-1000.0])).numpy(force=True), [0.0])


def test_softmax_is_stable_and_normalised():
    x = torch.tensor([[1000.0, -1000.0, 0.0], [5.0, 5.0, 5.0]])
    s = F.softmax(x, dim=1)
    np.testing.assert_allclose(s.numpy(force=True), [[1, 0, 0], [1 / 3] * 3], atol=1e-7)
    ls = F.log_softmax(x, dim=-1)
    np.testing.assert_allclose(ls.numpy(force=True)[0], [0, -2000, -1000])
    assert np.isfinite(ls.numpy(force=True)).all()


def test_softmax_dim_none_uses_legacy_rule_with_warning():
    x = torch.randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        implicit = F.softmax(x)
    np.testing.assert_allclose(implicit.numpy(force=True), F.softmax(x, 1).numpy(force=True))
    x3 = torch.randn(3, 2, 2)
    with pytest.warns(UserWarning, match="log_softmax"):
        np.testing.assert_allclose(F.log_softmax(x3).numpy(force=True), F.log_softmax(x3, 0).numpy(force=True))


def test_inplace_activation_writes_into_input():
    x = torch.tensor([-1.0, 2.0])
    y = F.relu(x, inplace=True)
    assert y is x and x.numpy(force=True).tolist() == [0.0, 2.0]
    leaf = torch.tensor([-1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaky_relu_: a leaf Variable that requires grad"):
        F.leaky_relu(leaf, inplace=True)
    z = leaf * 1
    F.silu(z, inplace=True).sum().backward()
    s = 1 / (1 + np.exp(-leaf.numpy(force=True)))
    np.testing.assert_allclose(leaf.grad.numpy(force=True), s * (1 + leaf.numpy(force=True) * (1 - s)), rtol=1e-6)


INPLACE_CASES = [(F.leaky_relu, (0.0,)), (F.hardtanh, (-1.0, 1.0)), (F.relu6, (0.0, 6.0)), (F.hardsigmoid, (-3.0, 3.0)),
                 (F.hardswish, (-3.0, 3.0)), (F.elu, (0.0,)), (F.selu, (0.0,)), (F.celu, (0.0,)), (F.silu, ()),
                 (F.mish, ())]


@pytest.mark.parametrize("func, kinks", INPLACE_CASES)
def test_inplace_activation_matches_out_of_place_to_second_order(func, kinks):
    """The input takes the op's node; gradients of both orders reach the input's history."""
    x = away_from_kinks(3, 5, kinks=kinks)

    def inplace(x):
        y = x * 1
        out = func(y, inplace=True)
        assert out is y and y.grad_fn.name() != "MulBackward0"
        return out

    np.testing.assert_allclose(inplace(x).numpy(force=True), func(x).numpy(force=True), rtol=1e-12)
    assert gradcheck(inplace, (x,))
    assert gradgradcheck(inplace, (x,))
    assert gradcheck(lambda x: on_a_view(x, func), (x,))  # a view of a non-leaf: the base takes CopySlices
    with torch.no_grad():
        leaf = x.detach().requires_grad_()
        assert func(leaf, inplace=True) is leaf  # allowed outside autograd


def on_a_view(x, func):
    h = x * 1
    func(h[0], inplace=True)
    assert h.grad_fn.name() == "CopySlices"
    return h


def test_activation_module_reprs():
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.GELU("tanh")) == "GELU(approximate='tanh')"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)"
    assert repr(nn.Hardtanh()) == "Hardtanh(min_val=-1.0, max_val=1.0)"
    with pytest.raises(ValueError, match="gelu: approximate"):
        F.gelu(torch.zeros(1), approximate="fast")


# ----- dropout -----
def test_dropout_scales_kept_elements_and_is_identity_in_eval():
    torch.manual_seed(0)
    x = torch.ones(10000)
    y = F.dropout(x, 0.3)
    kept = y.numpy(force=True) != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y.numpy(force=True)[kept], 1 / 0.7, rtol=1e-6)
    drop = nn.Dropout(0.3).eval()
    assert drop(x) is x
    assert not F.dropout(x, 1.0).numpy(force=True).any()
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)


def test_dropout_gradient_uses_the_same_mask_and_seed_repeats():
    torch.manual_seed(1)
    x = torch.ones(50, requires_grad=True)
    y = F.dropout(x, 0.5)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(force=True), y.numpy(force=True))
    torch.manual_seed(1)
    np.testing.assert_array_equal(F.dropout(torch.ones(50), 0.5).numpy(force=True), y.numpy(force=True))


def test_dropout2d_zeroes_whole_channels():
    torch.manual_seed(0)
    y = nn.Dropout2d(0.5)(torch.ones(4, 8, 3, 3)).numpy(force=True)
    per_channel = y.reshape(4, 8, -1)
    assert ((per_channel == 0).all(-1) | (per_channel == 2).all(-1)).all()
    assert 0 < (per_channel == 0).all(-1).sum() < 32
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        F.dropout2d(torch.ones(2, 3, 4))
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        F.dropout2d(torch.ones(2, 3))  # more rank rules in test_functional_rank_rules.py


# ----- embedding -----
def test_embedding_lookup_init_and_gradcheck():
    torch.manual_seed(0)
    emb = nn.Embedding(10, 4, padding_idx=2)
    assert not emb.weight.numpy(force=True)[2].any()
    assert 0.5 < emb.weight.numpy(force=True).std() < 1.5
    idx = torch.tensor([[1, 2], [2, 9]])
    out = emb(idx)
    assert out.shape == (2, 2, 4)
    np.testing.assert_array_equal(out.numpy(force=True)[0, 0], emb.weight.numpy(force=True)[1])
    out.sum().backward()
    assert not emb.weight.grad.numpy(force=True)[2].any()
    np.testing.assert_array_equal(emb.weight.grad.numpy(force=True)[1], np.ones(4))
    assert repr(emb) == "Embedding(10, 4, padding_idx=2)"
    w = rand64(5, 3)
    assert gradcheck(lambda w: F.embedding(torch.tensor([[0, 3], [3, 1]]), w), (w,))
    assert gradgradcheck(lambda w: F.embedding(torch.tensor([0, 3, 3]), w, scale_grad_by_freq=True), (w,))


def test_embedding_max_norm_and_errors():
    emb = nn.Embedding(3, 2, max_norm=1.0)
    emb.weight.data[...] = [[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]]
    emb(torch.tensor([0, 1]))
    np.testing.assert_allclose(np.linalg.norm(emb.weight.numpy(force=True), axis=1), [1.0, 0.5, 10.0], rtol=1e-5)
    with pytest.raises(IndexError, match="index 3 out of range for 3 embeddings"):
        emb(torch.tensor([3]))
    with pytest.raises(RuntimeError, match="integer dtype"):
        emb(torch.tensor([0.0]))
    pretrained = nn.Embedding.from_pretrained(torch.ones(4, 2))
    assert not pretrained.weight.requires_grad and pretrained.weight.shape == (4, 2)


# ----- functional utilities -----
@pytest.mark.parametrize("mode, widths", [("constant", (1, 2, 0, 1)), ("constant", (-1, 2)), ("reflect", (2, 1)),
                                          ("replicate", (1, 3, 2, 0)), ("circular", (2, 1, 1, 2))])
def test_pad_gradcheck(mode, widths):
    x = rand64(2, 3, 4)
    assert gradcheck(lambda x: F.pad(x, widths, mode=mode), (x,))
    assert gradgradcheck(lambda x: F.pad(x, widths, mode=mode), (x,))


def test_pad_values_and_errors():
    x = torch.tensor([[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(F.pad(x, (1, 2), value=9).numpy(force=True), [[9, 1, 2, 3, 9, 9]])
    np.testing.assert_array_equal(F.pad(x, (2, 1), mode="reflect").numpy(force=True), [[3, 2, 1, 2, 3, 2]])
    np.testing.assert_array_equal(F.pad(x, (1, 1), mode="replicate").numpy(force=True), [[1, 1, 2, 3, 3]])
    np.testing.assert_array_equal(F.pad(x, (1, 1), mode="circular").numpy(force=True), [[3, 1, 2, 3, 1]])
    with pytest.raises(ValueError, match="reflect padding"):
        F.pad(x, (3, 0), mode="reflect")
    with pytest.raises(ValueError, match="padding length"):
        F.pad(x, (1, 1, 1))


def test_normalize_and_gradcheck():
    x = torch.tensor([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(F.normalize(x, dim=1).numpy(force=True), [[0.6, 0.8], [0, 0]])
    for p in (2.0, 1.0, 3.0):
        assert gradcheck(lambda x: F.normalize(x, p=p, dim=0), (rand64(3, 4),))
    assert gradgradcheck(lambda x: F.normalize(x, dim=1), (rand64(3, 4),))


def test_one_hot():
    out = F.one_hot(torch.tensor([0, 2, 1]), 4)
    assert out.dtype == torch.int64
    np.testing.assert_array_equal(out.numpy(force=True), np.eye(4, dtype=np.int64)[[0, 2, 1]])
    assert F.one_hot(torch.tensor([[1], [3]])).shape == (2, 1, 4)
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(torch.tensor([5]), 3)
    with pytest.raises(RuntimeError, match="non-negative"):
        F.one_hot(torch.tensor([-1]), 3)
    with pytest.raises(RuntimeError, match="index tensor"):
        F.one_hot(torch.tensor([1.0]))
