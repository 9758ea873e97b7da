"""Lazy modules (nn/modules/lazy.py): shapes from the first input, PyTorch's reprs before and after, the eager class
afterwards, parity with PyTorch once the weights are the same, checkpoints, dtypes and errors."""
import copy

import _helpers
import numpy as np
import pytest
from _helpers import randn, values

import autograd_core as torch
from autograd_core.autograd import gradcheck
import nn
import optim

torch_ref = _helpers.torch_ref  # the fixture


# (class name, positional arguments, keyword arguments, input shape, eager class name)
CASES = [
    ("LazyLinear", (4,), {}, (3, 5), "Linear"),
    ("LazyLinear", (4,), {"bias": False}, (2, 3, 5), "Linear"),
    ("LazyConv1d", (4, 3), {"padding": 1}, (2, 6, 7), "Conv1d"),
    ("LazyConv1d", (4, 3), {"groups": 2}, (6, 7), "Conv1d"),
    ("LazyConv2d", (4, 3), {"stride": 2, "bias": False}, (2, 3, 7, 7), "Conv2d"),
    ("LazyConv3d", (2, 2), {"padding": 1}, (1, 3, 3, 4, 3), "Conv3d"),
    ("LazyConvTranspose1d", (3, 2), {"dilation": 2}, (2, 4, 5), "ConvTranspose1d"),
    ("LazyConvTranspose2d", (4, 3), {"groups": 2, "output_padding": 1, "stride": 2}, (2, 6, 4, 4),
     "ConvTranspose2d"),
    ("LazyConvTranspose3d", (2, 2), {"bias": False}, (3, 2, 3, 3), "ConvTranspose3d"),
    ("LazyBatchNorm1d", (), {}, (8, 3), "BatchNorm1d"),
    ("LazyBatchNorm2d", (), {"momentum": None}, (4, 3, 2, 2), "BatchNorm2d"),
    ("LazyBatchNorm3d", (), {"affine": False}, (2, 3, 2, 2, 2), "BatchNorm3d"),
    ("LazyInstanceNorm1d", (), {}, (2, 3, 5), "InstanceNorm1d"),
    ("LazyInstanceNorm2d", (), {"affine": False, "track_running_stats": False}, (2, 3, 4, 4), "InstanceNorm2d"),
    ("LazyInstanceNorm3d", (), {"bias": False}, (2, 3, 2, 3, 2), "InstanceNorm3d"),
]


@pytest.mark.filterwarnings("ignore:input's size at dim=1 does not match num_features")  # both warn, as PyTorch
@pytest.mark.parametrize("name, args, kwargs, shape, eager", CASES)
def test_lazy_module_becomes_the_eager_one_with_pytorchs_numbers(torch_ref, name, args, kwargs, shape, eager):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch_ref.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert ours.has_uninitialized_params() == theirs.has_uninitialized_params()
    x = randn(*shape)
    ours(torch.tensor(x))
    theirs(torch_ref.tensor(x))
    assert type(ours) is getattr(nn, eager) and type(theirs) is getattr(torch_ref.nn, eager)
    assert repr(ours) == repr(theirs) and not hasattr(ours, "has_uninitialized_params")
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert all(type(p) is nn.Parameter for p in ours.parameters())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x_ours, x_theirs = torch.tensor(x, requires_grad=True), torch_ref.tensor(x, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    np.testing.assert_allclose(values(y_ours), y_theirs.detach().numpy(), rtol=1e-5, atol=1e-5)
    weight = randn(*y_theirs.shape, seed=1)
    (y_ours * torch.tensor(weight)).sum().backward()
    (y_theirs * torch_ref.tensor(weight)).sum().backward()
    np.testing.assert_allclose(values(x_ours.grad), x_theirs.grad.numpy(), rtol=1e-4, atol=1e-5)
    for key, param in theirs.named_parameters():
        np.testing.assert_allclose(values(ours.get_parameter(key).grad), param.grad.numpy(), rtol=1e-4, atol=1e-5)
    for key, buf in theirs.named_buffers():
        np.testing.assert_allclose(values(ours.get_buffer(key)), buf.numpy(), rtol=1e-5, atol=1e-6)


def test_initialisation_is_the_eager_layers():
    torch.manual_seed(0)
    layer = nn.LazyLinear(6)
    layer(torch.zeros(2, 5))
    bound = 1 / np.sqrt(5)
    weight = values(layer.weight)
    assert np.abs(weight).max() <= bound and weight.std() > bound / 4  # kaiming-uniform, not left empty
    assert np.abs(values(layer.bias)).max() <= bound
    norm = nn.LazyBatchNorm2d()
    norm(torch.randn(2, 3, 2, 2))
    np.testing.assert_array_equal(values(norm.weight), np.ones(3))
    np.testing.assert_array_equal(values(norm.bias), np.zeros(3))
    assert norm.num_batches_tracked.item() == 1
    conv = nn.LazyConv2d(2, 3)
    conv(torch.zeros(1, 4, 5, 5))
    assert np.abs(values(conv.weight)).max() <= 1 / np.sqrt(4 * 9)


def test_uninitialized_parameters_before_the_first_call(torch_ref):
    layer = nn.LazyLinear(3)
    assert isinstance(layer.weight, nn.UninitializedParameter) and isinstance(layer.weight, nn.Parameter)
    assert repr(layer.weight) == repr(torch_ref.nn.LazyLinear(3).weight) == "<UninitializedParameter>"
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
        layer.weight.shape
    assert [(k, repr(v)) for k, v in layer.state_dict().items()] == \
        [(k, repr(v)) for k, v in torch_ref.nn.LazyLinear(3).state_dict().items()]
    norm = nn.LazyBatchNorm1d()
    assert isinstance(norm.running_mean, nn.UninitializedBuffer) and norm.has_uninitialized_params()
    assert repr(norm.running_mean) == "<UninitializedBuffer>"
    assert layer._forward_pre_hooks
    layer(torch.ones(1, 2))
    assert not layer._forward_pre_hooks and not hasattr(layer, "_initialize_hook")


def test_an_optimizer_built_after_the_first_call_trains_the_materialized_parameters(torch_ref):
    model = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(1))
    reference = torch_ref.nn.Sequential(torch_ref.nn.LazyLinear(4), torch_ref.nn.ReLU(), torch_ref.nn.LazyLinear(1))
    x, target = randn(8, 3), randn(8, 1, seed=2)
    model(torch.tensor(x))
    reference(torch_ref.tensor(x))
    assert repr(model) == repr(reference)
    model.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
    ours, theirs = optim.SGD(model.parameters(), lr=0.1), torch_ref.optim.SGD(reference.parameters(), lr=0.1)
    for _ in range(3):
        for net, opt, lib in ((model, ours, torch), (reference, theirs, torch_ref)):
            opt.zero_grad()
            ((net(lib.tensor(x)) - lib.tensor(target)) ** 2).mean().backward()
            opt.step()
    for key, param in reference.state_dict().items():
        np.testing.assert_allclose(values(model.state_dict()[key]), param.numpy(), rtol=1e-5, atol=1e-6)


def test_an_optimizer_built_before_the_first_call_holds_the_same_parameters():
    layer = nn.LazyLinear(2)
    adam = optim.Adam(layer.parameters(), lr=0.1)
    layer(torch.randn(3, 4)).sum().backward()
    before = values(layer.weight).copy()
    adam.step()
    assert adam.param_groups[0]["params"][0] is layer.weight
    np.testing.assert_allclose(np.abs(values(layer.weight) - before), 0.1, rtol=1e-4)  # Adam's first step: lr


def test_a_checkpoint_materializes_a_lazy_module():
    trained = nn.Conv1d(3, 2, 2)
    lazy = nn.LazyConv1d(2, 2)
    lazy.load_state_dict(trained.state_dict())
    assert not lazy.has_uninitialized_params() and tuple(lazy.weight.shape) == (2, 3, 2)
    x = torch.randn(1, 3, 5)
    np.testing.assert_array_equal(values(lazy(x)), values(trained(x)))
    assert type(lazy) is nn.Conv1d and lazy.in_channels == 3
    other = nn.LazyLinear(3)
    other.load_state_dict(nn.LazyLinear(3).state_dict())  # uninitialized into uninitialized: nothing to copy
    assert other.has_uninitialized_params()
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
        nn.Linear(2, 3).load_state_dict(nn.LazyLinear(3).state_dict())


def test_dtype_and_copies_before_the_first_call():
    layer = nn.LazyLinear(2, dtype=torch.float64)
    layer(torch.zeros(1, 3, dtype=torch.float64))
    assert layer.weight.dtype == torch.float64
    converted = nn.LazyBatchNorm1d().double()
    converted(torch.randn(4, 3, dtype=torch.float64))
    assert converted.running_mean.dtype == torch.float64 and type(converted.running_mean) is torch.Tensor
    original = nn.LazyLinear(2)
    clone = copy.deepcopy(original)
    clone(torch.zeros(1, 4))
    assert original.has_uninitialized_params() and tuple(clone.weight.shape) == (2, 4)
    original(torch.zeros(1, 5))
    assert tuple(original.weight.shape) == (2, 5)


def test_materialized_lazy_linear_gradcheck():
    layer = nn.LazyLinear(2, dtype=torch.float64)
    x = torch.tensor(np.random.default_rng(3).standard_normal((3, 4)), requires_grad=True)
    layer(x)
    assert gradcheck(lambda x, w, b: nn.functional.linear(x, w, b), (x, layer.weight, layer.bias))


def test_lazy_errors_as_pytorch(torch_ref):
    with pytest.raises(RuntimeError) as theirs:
        torch_ref.nn.LazyConv2d(2, 3)(torch_ref.zeros(2, 5))
    with pytest.raises(RuntimeError) as ours:
        nn.LazyConv2d(2, 3)(torch.zeros(2, 5))
    assert str(ours.value) == str(theirs.value)
    assert "Expected 3D (unbatched) or 4D (batched) input to LazyConv2d" in str(ours.value)
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.LazyConv1d(4, 3, groups=2)(torch.zeros(1, 3, 5))
    with pytest.raises(ValueError, match="expected 4D input \\(got 3D input\\)"):
        nn.LazyBatchNorm2d()(torch.zeros(2, 3, 4))

    class Forgetful(nn.LazyModuleMixin, nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.UninitializedParameter()

        def initialize_parameters(self, input):
            pass

        def forward(self, input):
            return input
    with pytest.raises(RuntimeError, match="module Forgetful has not been fully initialized"):
        Forgetful()(torch.zeros(1))
    with pytest.raises(NotImplementedError, match="initialize_parameters is not implemented for Plain"):
        type("Plain", (nn.LazyModuleMixin, nn.Module), {})()(torch.zeros(1))
