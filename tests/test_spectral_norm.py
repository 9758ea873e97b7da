"""Spectral normalization: the legacy hook form (nn.utils.spectral_norm / remove_spectral_norm) and the
parametrization (nn.utils.parametrizations.spectral_norm) against PyTorch given the same u/v vectors, the
normalised weight's largest singular value, gradchecks and errors; nn.utils.skip_init and nn.Buffer."""
import copy
import warnings

import _helpers
import numpy as np
import pytest
from _helpers import randn, values

import autograd_core as torch
from autograd_core.autograd import gradcheck
import nn
from nn.utils import parametrizations
from nn.utils.spectral_norm import divided_by_sigma, weight_as_matrix

torch_ref = _helpers.torch_ref  # the fixture


def same_state(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


LAYERS = [("Linear", (5, 4), (3, 5)), ("Conv2d", (2, 3, 2), (2, 2, 4, 4)),
          ("ConvTranspose2d", (3, 2, 2), (2, 3, 3, 3)), ("Conv1d", (2, 4, 3), (2, 2, 6))]


@pytest.mark.parametrize("layer, args, shape", LAYERS)
def test_legacy_spectral_norm_matches_pytorch(torch_ref, layer, args, shape):
    theirs = torch_ref.nn.utils.spectral_norm(getattr(torch_ref.nn, layer)(*args), n_power_iterations=2)
    ours = nn.utils.spectral_norm(getattr(nn, layer)(*args), n_power_iterations=2)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    same_state(ours, theirs)
    x = randn(*shape)
    for _ in range(3):  # each training call runs the power iterations on both sides
        y_ours, y_theirs = ours(torch.tensor(x)), theirs(torch_ref.tensor(x))
    np.testing.assert_allclose(values(y_ours), y_theirs.detach().numpy(), rtol=1e-5, atol=1e-5)
    for key in ("weight_u", "weight_v"):
        np.testing.assert_allclose(values(ours.get_buffer(key)), theirs.get_buffer(key).numpy(), rtol=1e-5,
                                   atol=1e-6)
    assert type(ours.weight.grad_fn).__name__ == type(theirs.weight.grad_fn).__name__ == "DivBackward0"
    weight = randn(*y_theirs.shape, seed=1)
    (y_ours * torch.tensor(weight)).sum().backward()
    (y_theirs * torch_ref.tensor(weight)).sum().backward()
    for key, param in theirs.named_parameters():
        np.testing.assert_allclose(values(ours.get_parameter(key).grad), param.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_legacy_spectral_norm_in_eval_mode_keeps_u_and_v(torch_ref):
    ours = nn.utils.spectral_norm(nn.Linear(3, 4)).eval()
    u = values(ours.weight_u).copy()
    ours(torch.randn(2, 3))
    np.testing.assert_array_equal(values(ours.weight_u), u)
    ours.train()
    ours(torch.randn(2, 3))
    assert not np.array_equal(values(ours.weight_u), u)


def test_the_normalised_weight_has_largest_singular_value_one():
    layer = nn.utils.spectral_norm(nn.Conv2d(3, 5, 3), n_power_iterations=30)
    layer(torch.randn(1, 3, 4, 4))
    matrix = values(layer.weight).reshape(5, -1)
    np.testing.assert_allclose(np.linalg.svd(matrix, compute_uv=False)[0], 1.0, rtol=1e-4)
    original = values(layer.weight_orig).reshape(5, -1)
    np.testing.assert_allclose(matrix * np.linalg.svd(original, compute_uv=False)[0], original, rtol=1e-3,
                               atol=1e-6)


def test_remove_spectral_norm_leaves_the_normalised_weight(torch_ref):
    layer = nn.utils.spectral_norm(nn.Linear(3, 4))
    layer(torch.randn(2, 3))
    layer.eval()
    expected = values(layer(torch.ones(1, 3)))
    nn.utils.remove_spectral_norm(layer)
    assert list(layer.state_dict()) == ["bias", "weight"] and isinstance(layer.weight, nn.Parameter)
    assert not layer._forward_pre_hooks and not hasattr(layer, "weight_orig")
    np.testing.assert_allclose(values(layer(torch.ones(1, 3))), expected, rtol=1e-6)
    with pytest.raises(ValueError) as ours:
        nn.utils.remove_spectral_norm(layer)
    with pytest.raises(ValueError) as theirs:
        torch_ref.nn.utils.remove_spectral_norm(torch_ref.nn.Linear(3, 4))
    assert str(ours.value).split(" not found")[0] == str(theirs.value).split(" not found")[0] == \
        "spectral_norm of 'weight'"


def test_legacy_spectral_norm_errors_as_pytorch(torch_ref):
    layer = nn.utils.spectral_norm(nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks on the same parameter weight"):
        nn.utils.spectral_norm(layer)
    for lib in (nn, torch_ref.nn):
        with pytest.raises(ValueError, match="Expected n_power_iterations to be positive, but got "
                                             "n_power_iterations=0"):
            lib.utils.spectral_norm(lib.Linear(2, 2), n_power_iterations=0)
        with pytest.raises(ValueError, match="`SpectralNorm` cannot be applied as parameter `bias` is None"):
            lib.utils.spectral_norm(lib.Linear(2, 2, bias=False), name="bias")
        with pytest.raises(ValueError, match="can't have uninitialized parameters"):
            lib.utils.spectral_norm(lib.LazyLinear(2))
    with pytest.raises(KeyError, match="Linear has no parameter 'nothing'"):
        nn.utils.spectral_norm(nn.Linear(2, 2), name="nothing")


@pytest.mark.parametrize("layer, args, shape", LAYERS)
def test_parametrized_spectral_norm_matches_pytorch(torch_ref, layer, args, shape):
    theirs = torch_ref.nn.utils.parametrizations.spectral_norm(getattr(torch_ref.nn, layer)(*args))
    ours = parametrizations.spectral_norm(getattr(nn, layer)(*args))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    same_state(ours, theirs)
    x = randn(*shape)
    for _ in range(2):
        y_ours, y_theirs = ours(torch.tensor(x)), theirs(torch_ref.tensor(x))
    np.testing.assert_allclose(values(y_ours), y_theirs.detach().numpy(), rtol=1e-5, atol=1e-5)
    y_ours.sum().backward()
    y_theirs.sum().backward()
    for key, param in theirs.named_parameters():
        np.testing.assert_allclose(values(ours.get_parameter(key).grad), param.grad.numpy(), rtol=1e-4, atol=1e-5)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(values(ours(torch.tensor(x))), theirs(torch_ref.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)


def test_parametrized_spectral_norm_of_a_vector_normalises_it():
    layer = parametrizations.spectral_norm(nn.Linear(3, 4), name="bias")
    np.testing.assert_allclose(np.linalg.norm(values(layer.bias)), 1.0, rtol=1e-6)


@pytest.mark.parametrize("dim", [0, 1])
def test_spectral_norm_weight_gradcheck(dim):
    rng = np.random.default_rng(4)
    weight = torch.tensor(rng.standard_normal((3, 4, 2)), requires_grad=True)
    rows, columns = weight_as_matrix(weight, dim).shape
    u = torch.tensor(rng.standard_normal(rows))
    v = torch.tensor(rng.standard_normal(columns))
    assert gradcheck(lambda w: divided_by_sigma(w, weight_as_matrix(w, dim), u, v), (weight,))


def test_deepcopy_of_a_spectral_normed_module():
    layer = nn.utils.spectral_norm(nn.Linear(2, 3))
    clone = copy.deepcopy(layer)
    x = torch.randn(1, 2)
    np.testing.assert_allclose(values(clone.eval()(x)), values(layer.eval()(x)), rtol=1e-6)


# ----- skip_init and Buffer -----
def test_skip_init_builds_the_module_without_initialising_it(torch_ref):
    calls = []

    class Counted(nn.Linear):
        def reset_parameters(self):
            calls.append(1)
            super().reset_parameters()

    layer = nn.utils.skip_init(Counted, 3, 4, bias=False)
    assert not calls and type(layer) is Counted
    assert repr(layer) == repr(torch_ref.nn.Linear(3, 4, bias=False)).replace("Linear", "Counted")
    assert tuple(layer.weight.shape) == (4, 3) and "reset_parameters" not in layer.__dict__
    layer.reset_parameters()
    assert calls == [1]
    assert tuple(nn.utils.skip_init(nn.Conv2d, 2, 3, 3).weight.shape) == (3, 2, 3, 3)
    for lib in (nn, torch_ref.nn):
        with pytest.raises(RuntimeError, match="Expected a Module; got"):
            lib.utils.skip_init(int)
        with pytest.raises(RuntimeError, match="Module must support a 'device' arg to skip initialization"):
            lib.utils.skip_init(lib.ReLU)


def test_buffer_assignment_registers_a_buffer(torch_ref):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.mean = nn.Buffer(torch.zeros(2))
            self.scratch = nn.Buffer(torch.ones(3), persistent=False)
            self.plain = torch.ones(1)

    class TheirNet(torch_ref.nn.Module):
        def __init__(self):
            super().__init__()
            self.mean = torch_ref.nn.Buffer(torch_ref.zeros(2))
            self.scratch = torch_ref.nn.Buffer(torch_ref.ones(3), persistent=False)
            self.plain = torch_ref.ones(1)

    ours, theirs = Net(), TheirNet()
    assert [k for k, _ in ours.named_buffers()] == [k for k, _ in theirs.named_buffers()] == ["mean", "scratch"]
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["mean"]
    source = torch.arange(2.0)
    buffer = nn.Buffer(source)
    buffer.add_(1)
    np.testing.assert_array_equal(values(source), [1.0, 2.0])  # shares the data, as PyTorch's
    assert isinstance(buffer, torch.Tensor) and not buffer.requires_grad and buffer.persistent
    assert nn.Buffer(torch.ones(1, requires_grad=True)).requires_grad
    ours.mean = torch.ones(2)  # a plain tensor into a registered buffer keeps it registered
    assert values(ours.state_dict()["mean"]).tolist() == [1.0, 1.0]
    copied = copy.deepcopy(nn.Buffer(torch.ones(1), persistent=False))
    assert copied.persistent is False
    with pytest.raises(TypeError, match="cannot assign 'int' as buffer 'mean' \\(torch.nn.Buffer, torch.Tensor or "
                                        "None expected\\)"):
        ours.mean = 3
    with pytest.raises(KeyError, match="attribute 'plain' already exists"):
        ours.plain = nn.Buffer(torch.ones(1))
    with pytest.raises(TypeError, match="Buffer: expected data to be a Tensor, but got list"):
        nn.Buffer([1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert nn.Buffer().shape == (0,)
