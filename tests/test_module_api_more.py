"""The rest of the Module API and nn.utils: full backward hooks, forward hooks with kwargs/always_call, global
hooks, lazy parameters, parametrizations (weight_norm, spectral_norm), legacy weight_norm, parameter vectors,
gradient clipping, conv/linear + batch-norm fusion, functional_call, the alpha dropout modules, pruning
(nn.utils.prune), extra state and set_submodule."""
import copy
import warnings

import numpy as np
import pytest

import autograd_core as torch
from autograd_core.autograd import gradcheck, gradgradcheck
import nn
import nn.functional as F
from nn.modules import module as module_api
from nn.utils import parametrize, parametrizations, stateless


@pytest.fixture
def torch_ref():
    return pytest.importorskip("torch")


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def values(tensor):
    return tensor.numpy(force=True)


def copy_weights(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


# ----- full backward hooks -----
def test_full_backward_hooks_see_pytorchs_gradients(torch_ref):
    seen = {}

    def record(framework):
        def pre(module, grad_output):
            seen[framework, "pre"] = [g.numpy() if framework == "torch" else values(g) for g in grad_output]

        def hook(module, grad_input, grad_output):
            seen[framework, "in"] = [g.numpy() if framework == "torch" else values(g) for g in grad_input]
            seen[framework, "out"] = [g.numpy() if framework == "torch" else values(g) for g in grad_output]
        return pre, hook

    theirs, ours = torch_ref.nn.Linear(3, 2), nn.Linear(3, 2)
    copy_weights(ours, theirs)
    for module, framework, lib in ((theirs, "torch", torch_ref), (ours, "ours", torch)):
        pre, hook = record(framework)
        module.register_full_backward_pre_hook(pre)
        module.register_full_backward_hook(hook)
        x = lib.tensor(randn(4, 3).astype(np.float32), requires_grad=True)
        y = module(x)
        assert type(y.grad_fn).__name__ == "BackwardHookFunctionBackward"
        (y * lib.tensor(randn(4, 2, seed=1).astype(np.float32))).sum().backward()
    for key in ("pre", "in", "out"):
        for mine, reference in zip(seen["ours", key], seen["torch", key]):
            np.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-7)


def test_full_backward_hook_and_pre_hook_replace_gradients():
    layer = nn.Linear(3, 2)
    x = torch.randn(4, 3, requires_grad=True)
    with layer.register_full_backward_hook(lambda m, grad_input, grad_output: (grad_input[0] * 0 + 1,)):
        layer(x).sum().backward()
    np.testing.assert_array_equal(values(x.grad), np.ones((4, 3)))
    x.grad = None
    with layer.register_full_backward_pre_hook(lambda m, grad_output: (grad_output[0] * 2,)):
        layer(x).sum().backward()
    expected = 2 * np.ones((4, 2)) @ values(layer.weight)
    np.testing.assert_allclose(values(x.grad), expected, rtol=1e-6)
    np.testing.assert_allclose(values(layer.bias.grad), np.full(2, 4 * (1 + 2)), rtol=1e-6)


def test_full_backward_hook_without_input_gradients_sees_none_and_warns():
    layer, calls = nn.Linear(3, 2), []
    layer.register_full_backward_hook(lambda m, grad_input, grad_output: calls.append((grad_input, grad_output)))
    with pytest.warns(UserWarning, match="Full backward hook is firing when gradients are computed with respect to "
                                         "module outputs since no inputs require gradients"):
        layer(torch.randn(4, 3)).sum().backward()
    (grad_input, grad_output), = calls
    assert grad_input == (None,) and tuple(grad_output[0].shape) == (4, 2)
    layer.register_full_backward_hook(lambda m, gi, go: (torch.zeros(4, 3),))
    with pytest.raises(RuntimeError, match="no input requires gradient should always return None"), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer(torch.randn(4, 3)).sum().backward()


def test_backward_hook_returning_the_wrong_count_is_refused():
    layer = nn.Linear(3, 2)
    layer.register_full_backward_hook(lambda m, grad_input, grad_output: (grad_input[0], grad_input[0]))
    with pytest.raises(RuntimeError, match="Backward hook returned an invalid number of grad_input, got 2, but "
                                           "expected 1"):
        layer(torch.randn(4, 3, requires_grad=True)).sum().backward()


def test_backward_hooks_order_and_prepend_and_non_tensor_arguments():
    class Scale(nn.Module):
        def forward(self, x, factor, y):
            return x * factor + y

    order, module = [], Scale()
    module.register_full_backward_hook(lambda m, gi, go: order.append(("a", len(gi), gi[1] is None)))
    module.register_full_backward_hook(lambda m, gi, go: order.append(("b", len(gi), gi[1] is None)), prepend=True)
    module(torch.ones(2, requires_grad=True), 3.0, torch.ones(2)).sum().backward()
    assert order == [("b", 2, True), ("a", 2, True)]


# ----- forward hooks -----
def test_forward_hooks_with_kwargs_and_prepend():
    class Affine(nn.Module):
        def forward(self, x, *, scale=1.0):
            return x * scale

    module, order = Affine(), []
    module.register_forward_pre_hook(lambda m, args, kwargs: order.append("pre kwargs") or (args, {"scale": 3.0}),
                                     with_kwargs=True)
    module.register_forward_pre_hook(lambda m, args: order.append("pre") or None, prepend=True)
    module.register_forward_hook(lambda m, args, kwargs, out: out + kwargs["scale"], with_kwargs=True)
    module.register_forward_hook(lambda m, args, out: order.append("post") or None, prepend=True)
    assert module(torch.tensor([1.0]), scale=2.0).item() == 6.0
    assert order == ["pre", "pre kwargs", "post"]
    module.register_forward_pre_hook(lambda m, args, kwargs: 1, with_kwargs=True)
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple of \\(new_args, "
                                           "new_kwargs\\), but got 1"):
        module(torch.tensor([1.0]))


def test_always_called_forward_hooks_run_when_forward_raises():
    class Broken(nn.Module):
        def forward(self, x):
            raise ValueError("broken forward")

    module, calls = Broken(), []
    module.register_forward_hook(lambda m, args, out: calls.append(("always", out)), always_call=True)
    module.register_forward_hook(lambda m, args, out: calls.append("normal"))
    with pytest.raises(ValueError, match="broken forward"):
        module(torch.ones(1))
    assert calls == [("always", None)]


def test_global_module_hooks_run_before_each_modules_own():
    order = []
    layer = nn.Linear(2, 2)
    layer.register_forward_hook(lambda m, a, o: order.append("own"))
    handles = [module_api.register_module_forward_pre_hook(lambda m, a: order.append(("pre", type(m).__name__))),
               module_api.register_module_forward_hook(lambda m, a, o: order.append("global")),
               module_api.register_module_full_backward_pre_hook(lambda m, g: order.append("backward pre")),
               module_api.register_module_full_backward_hook(lambda m, gi, go: order.append("backward"))]
    try:
        layer(torch.ones(1, 2, requires_grad=True)).sum().backward()
    finally:
        for handle in handles:
            handle.remove()
    assert order == [("pre", "Linear"), "global", "own", "backward pre", "backward"]
    order.clear()
    layer(torch.ones(1, 2))
    assert order == ["own"]


# ----- lazy modules -----
def test_lazy_module_takes_its_shapes_and_initialisation_from_the_first_call(torch_ref):
    layer = nn.LazyLinear(4)
    assert repr(layer) == repr(torch_ref.nn.LazyLinear(4)) == "LazyLinear(in_features=0, out_features=4, bias=True)"
    assert layer.has_uninitialized_params() and isinstance(layer.weight, nn.UninitializedParameter)
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
        layer.weight.shape
    y = layer(torch.randn(2, 5))
    assert type(layer) is nn.Linear and repr(layer) == "Linear(in_features=5, out_features=4, bias=True)"
    assert tuple(y.shape) == (2, 4) and type(layer.weight) is nn.Parameter and layer.weight.requires_grad
    bound = 1 / np.sqrt(5)
    assert np.abs(values(layer.weight)).max() <= bound and np.abs(values(layer.bias)).max() <= bound
    assert np.abs(values(layer.weight)).std() > bound / 4  # kaiming-uniform, not left empty
    assert not layer._forward_pre_hooks


def test_lazy_module_loads_a_checkpoint_into_its_uninitialized_parameters():
    trained = nn.Linear(3, 2)
    layer = nn.LazyLinear(2)
    layer.load_state_dict(trained.state_dict())
    assert tuple(layer.weight.shape) == (2, 3)
    np.testing.assert_array_equal(values(layer.weight), values(trained.weight))
    x = torch.randn(4, 3)
    np.testing.assert_allclose(values(layer(x)), values(trained(x)))
    assert type(layer) is nn.Linear


# ----- parametrizations -----
class Symmetric(nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).transpose(-1, -2)


class Doubled(nn.Module):
    def forward(self, x):
        return x * 2

    def right_inverse(self, x):
        return x / 2


def test_register_and_remove_parametrizations_as_pytorch(torch_ref):
    layer = nn.Linear(3, 3)
    parametrize.register_parametrization(layer, "weight", Symmetric())
    reference = torch_ref.nn.Linear(3, 3)
    torch_ref.nn.utils.parametrize.register_parametrization(reference, "weight", torch_ref.nn.Identity())
    assert type(layer).__name__ == "ParametrizedLinear" and repr(layer) == repr(reference).replace("Identity()",
                                                                                                 "Symmetric()")
    assert list(layer.state_dict()) == ["bias", "parametrizations.weight.original"]
    weight = values(layer.weight)
    np.testing.assert_array_equal(weight, weight.T)
    assert type(layer.weight.grad_fn).__name__ == "AddBackward0"
    assert parametrize.is_parametrized(layer) and parametrize.is_parametrized(layer, "weight")
    assert not parametrize.is_parametrized(layer, "bias")
    assert parametrize.type_before_parametrizations(layer) is nn.Linear
    layer(torch.randn(2, 3)).sum().backward()
    assert layer.parametrizations.weight.original.grad is not None
    original = layer.parametrizations.weight.original
    parametrize.remove_parametrizations(layer, "weight")
    assert type(layer) is nn.Linear and layer.weight is original and not hasattr(layer, "parametrizations")
    np.testing.assert_array_equal(values(layer.weight), weight)
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        parametrize.remove_parametrizations(layer, "weight")


def test_assignment_goes_through_right_inverse_and_parametrizations_chain():
    layer = nn.Linear(3, 3)
    parametrize.register_parametrization(layer, "bias", Doubled())
    layer.bias = torch.ones(3)
    np.testing.assert_array_equal(values(layer.parametrizations.bias.original), np.full(3, 0.5))
    np.testing.assert_array_equal(values(layer.bias), np.ones(3))
    parametrize.register_parametrization(layer, "bias", Doubled())
    np.testing.assert_array_equal(values(layer.bias), np.full(3, 2.0))
    parametrize.remove_parametrizations(layer, "bias", leave_parametrized=False)
    np.testing.assert_array_equal(values(layer.bias), np.full(3, 0.5))
    parametrize.register_parametrization(layer, "weight", Symmetric(), unsafe=True)
    with pytest.raises(RuntimeError, match="parametrization Symmetric does not implement right_inverse"):
        layer.weight = torch.zeros(3, 3)


def test_parametrization_may_not_change_shape_unless_unsafe():
    class Row(nn.Module):
        def forward(self, x):
            return x[0]

    with pytest.raises(ValueError, match="may not change the shape of the tensor, unless `unsafe`"):
        parametrize.register_parametrization(nn.Linear(2, 3), "weight", Row())
    layer = parametrize.register_parametrization(nn.Linear(2, 3), "weight", Row(), unsafe=True)
    assert tuple(layer.weight.shape) == (2,)
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element with name "
                                         "'nothing'"):
        parametrize.register_parametrization(nn.Linear(2, 3), "nothing", Row())


def test_cached_computes_each_parametrized_tensor_once():
    calls = []

    class Counted(nn.Module):
        def forward(self, x):
            calls.append(1)
            return x * 1

    layer = parametrize.register_parametrization(nn.Linear(2, 2), "weight", Counted())
    calls.clear()
    with parametrize.cached():
        first, second = layer.weight, layer.weight
    assert first is second and len(calls) == 1
    layer.weight, layer.weight
    assert len(calls) == 3


def test_parametrized_weight_norm_matches_pytorch(torch_ref):
    theirs = torch_ref.nn.utils.parametrizations.weight_norm(torch_ref.nn.Conv2d(2, 3, 2), dim=0)
    ours = parametrizations.weight_norm(nn.Conv2d(2, 3, 2), dim=0)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    copy_weights(ours, theirs)
    x = randn(2, 2, 4, 4).astype(np.float32)
    y_ours, y_theirs = ours(torch.tensor(x)), theirs(torch_ref.tensor(x))
    np.testing.assert_allclose(values(y_ours), y_theirs.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert type(ours.weight.grad_fn).__name__ == type(theirs.weight.grad_fn).__name__ == \
        "WeightNormInterfaceBackward0"
    y_ours.sum().backward()
    y_theirs.sum().backward()
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(values(ours.get_parameter(name).grad), p.grad.numpy(), rtol=1e-4, atol=1e-5)
    whole = parametrizations.weight_norm(nn.Linear(3, 4), dim=None)
    assert tuple(whole.parametrizations.weight.original0.shape) == ()


def test_spectral_norm_matches_pytorch(torch_ref):
    torch_ref.manual_seed(0)
    theirs = torch_ref.nn.utils.parametrizations.spectral_norm(torch_ref.nn.Linear(5, 4))
    ours = parametrizations.spectral_norm(nn.Linear(5, 4))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    copy_weights(ours, theirs)
    x = randn(3, 5).astype(np.float32)
    for _ in range(2):  # each training call runs one power iteration on both sides
        y_ours, y_theirs = ours(torch.tensor(x)), theirs(torch_ref.tensor(x))
    np.testing.assert_allclose(values(y_ours), y_theirs.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert type(ours.weight.grad_fn).__name__ == type(theirs.weight.grad_fn).__name__
    y_ours.sum().backward()
    y_theirs.sum().backward()
    np.testing.assert_allclose(values(ours.parametrizations.weight.original.grad),
                               theirs.parametrizations.weight.original.grad.numpy(), rtol=1e-4, atol=1e-5)
    sigma = np.linalg.svd(values(ours.parametrizations.weight.original), compute_uv=False)[0]
    np.testing.assert_allclose(np.linalg.svd(values(ours.weight), compute_uv=False)[0], 1.0, rtol=1e-3)
    assert sigma > 0
    with pytest.raises(ValueError, match="Expected n_power_iterations to be positive"):
        parametrizations.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'foo'"):
        parametrizations.spectral_norm(nn.Linear(2, 2), "foo")
    assert parametrizations.spectral_norm(nn.ConvTranspose2d(2, 3, 2)).parametrizations.weight[0].dim == 1


def test_legacy_weight_norm_matches_pytorch(torch_ref):
    with pytest.warns(FutureWarning, match="`torch.nn.utils.weight_norm` is deprecated"):
        ours = nn.utils.weight_norm(nn.Linear(3, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch_ref.nn.utils.weight_norm(torch_ref.nn.Linear(3, 4))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight_g", "weight_v"]
    copy_weights(ours, theirs)
    x = randn(2, 3).astype(np.float32)
    y_ours, y_theirs = ours(torch.tensor(x)), theirs(torch_ref.tensor(x))
    np.testing.assert_allclose(values(y_ours), y_theirs.detach().numpy(), rtol=1e-5)
    y_ours.sum().backward()
    y_theirs.sum().backward()
    np.testing.assert_allclose(values(ours.weight_g.grad), theirs.weight_g.grad.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(values(ours.weight_v.grad), theirs.weight_v.grad.numpy(), rtol=1e-4, atol=1e-6)
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks on the same parameter weight"), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nn.utils.weight_norm(ours)
    weight = values(ours.weight)
    nn.utils.remove_weight_norm(ours)
    assert list(ours.state_dict()) == ["bias", "weight"] and not ours._forward_pre_hooks
    np.testing.assert_allclose(values(ours.weight), weight)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found in"):
        nn.utils.remove_weight_norm(ours)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_op_gradcheck(dim):
    from nn.utils.weight_norm import norm_except_dim, weight_from_norm
    v = torch.tensor(randn(3, 4), requires_grad=True)
    g = torch.tensor(values(norm_except_dim(v, -1 if dim is None else dim)) * 1.5, requires_grad=True)
    func = lambda v, g: weight_from_norm(v, g, -1 if dim is None else dim)
    assert gradcheck(func, (v, g)) and gradgradcheck(func, (v, g))


# ----- parameter vectors and clipping -----
def test_parameters_to_vector_and_back(torch_ref):
    layer = nn.Linear(3, 2)
    vector = nn.utils.parameters_to_vector(layer.parameters())
    assert tuple(vector.shape) == (8,) and type(vector.grad_fn).__name__ == "CatBackward0"
    longer = torch.arange(10.0)
    nn.utils.vector_to_parameters(longer, layer.parameters())  # the extra elements are unused, as in PyTorch
    np.testing.assert_array_equal(values(layer.weight), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(values(layer.bias), [6.0, 7.0])
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: builtins.list"):
        nn.utils.vector_to_parameters([1.0], layer.parameters())
    with pytest.raises(RuntimeError, match="vector has 3 elements but the parameters hold 8"):
        nn.utils.vector_to_parameters(torch.zeros(3), layer.parameters())


def test_gradient_clipping_matches_pytorch(torch_ref):
    grads = [randn(3, 2) * 4, randn(5, seed=1)]
    ours = [torch.zeros(g.shape, requires_grad=True) for g in grads]
    theirs = [torch_ref.zeros(g.shape, requires_grad=True) for g in grads]
    for o, t, g in zip(ours, theirs, grads):
        o.grad, t.grad = torch.tensor(g, dtype=torch.float32), torch_ref.tensor(g, dtype=torch_ref.float32)
    nn.utils.clip_grad_value_(ours, 1.5)
    torch_ref.nn.utils.clip_grad_value_(theirs, 1.5)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(values(o.grad), t.grad.numpy())
    total = nn.utils.get_total_norm([o.grad for o in ours], 3.0)
    assert total.item() == pytest.approx(torch_ref.nn.utils.get_total_norm([t.grad for t in theirs], 3.0).item(),
                                         rel=1e-6)
    nn.utils.clip_grads_with_norm_(ours, 1.0, total)
    torch_ref.nn.utils.clip_grads_with_norm_(theirs, 1.0, torch_ref.tensor(total.item()))
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(values(o.grad), t.grad.numpy(), rtol=1e-6)
    with pytest.warns(FutureWarning, match="clip_grad_norm` is now deprecated"):
        nn.utils.clip_grad_norm(ours, 10.0)


# ----- fusion -----
@pytest.mark.parametrize("make", [lambda: (nn.Conv2d(2, 3, 3, bias=False), nn.BatchNorm2d(3), False),
                                  lambda: (nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3, affine=False), False),
                                  lambda: (nn.ConvTranspose2d(2, 3, 3), nn.BatchNorm2d(3), True)])
def test_fuse_conv_bn_eval_gives_the_same_outputs(make):
    conv, bn, transpose = make()
    bn.train()
    bn(conv(torch.randn(8, 2, 6, 6)))  # running statistics away from 0 and 1
    conv.eval(), bn.eval()
    if bn.affine:
        with torch.no_grad():
            bn.weight.copy_(torch.rand(3) + 0.5)
            bn.bias.copy_(torch.randn(3))
    fused = nn.utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
    x = torch.randn(2, 2, 5, 5)
    np.testing.assert_allclose(values(fused(x)), values(bn(conv(x))), rtol=1e-4, atol=1e-5)
    assert fused is not conv and isinstance(fused.weight, nn.Parameter) and fused.bias is not None
    with pytest.raises(AssertionError, match="Fusion only for eval"):
        nn.utils.fuse_conv_bn_eval(conv.train(), bn)


def test_fuse_linear_bn_eval_gives_the_same_outputs():
    linear, bn = nn.Linear(4, 3), nn.BatchNorm1d(3)
    bn(linear(torch.randn(16, 4)))
    linear.eval(), bn.eval()
    fused = nn.utils.fuse_linear_bn_eval(linear, bn)
    x = torch.randn(5, 4)
    np.testing.assert_allclose(values(fused(x)), values(bn(linear(x))), rtol=1e-4, atol=1e-5)
    with pytest.raises(AssertionError, match="linear.out_features == bn.num_features"):
        nn.utils.fuse_linear_bn_eval(linear, nn.BatchNorm1d(2).eval())


# ----- functional_call -----
class TiedNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = nn.Linear(2, 2)
        self.second = nn.Linear(2, 2)
        self.second.weight = self.first.weight
        self.register_buffer("offset", torch.zeros(2))

    def forward(self, x):
        return self.second(self.first(x)) + self.offset


def test_functional_call_uses_the_given_tensors_and_restores_the_module():
    net = TiedNet()
    weight = torch.eye(2, requires_grad=True)
    x = torch.ones(1, 2)
    given = {"first.weight": weight, "first.bias": torch.zeros(2), "second.bias": torch.zeros(2),
             "offset": torch.ones(2)}
    original = values(net(x))
    with pytest.warns(FutureWarning, match="stateless.functional_call` is deprecated"):
        y = stateless.functional_call(net, given, x)
    np.testing.assert_array_equal(values(y), [[2.0, 2.0]])  # second.weight is tied: it took first.weight's value
    y.sum().backward()
    assert weight.grad is not None and net.first.weight.grad is None
    np.testing.assert_array_equal(values(net(x)), original)
    assert isinstance(net.first.weight, nn.Parameter) and net.second.weight is net.first.weight
    untied = stateless._functional_call(net, ({"first.weight": weight}, {"first.bias": torch.zeros(2)}), (x,),
                                        tie_weights=False)
    assert tuple(untied.shape) == (1, 2)


def test_functional_call_errors():
    net = TiedNet()
    x = torch.ones(1, 2)
    with pytest.raises(ValueError, match="functional_call got multiple values for keys \\['first.weight', "
                                         "'second.weight'\\], which are tied"):
        stateless._functional_call(net, {"first.weight": torch.eye(2), "second.weight": torch.zeros(2, 2)}, x)
    with pytest.raises(RuntimeError, match="Error\\(s\\) in reparametrizing for TiedNet:\n\tUnexpected key\\(s\\): "
                                           "'extra'.\n\tMissing key\\(s\\): "):
        stateless._functional_call(net, {"extra": torch.zeros(1)}, x, strict=True)
    with pytest.raises(ValueError, match="\\['offset'\\] appeared in multiple dictionaries"):
        stateless._functional_call(net, ({"offset": torch.zeros(2)}, {"offset": torch.ones(2)}), x)


def test_functional_call_parity(torch_ref):
    theirs, ours = torch_ref.nn.Linear(3, 2), nn.Linear(3, 2)
    weight = randn(2, 3).astype(np.float32)
    x = randn(4, 3).astype(np.float32)
    expected = torch_ref.func.functional_call(theirs, {"weight": torch_ref.tensor(weight)}, (torch_ref.tensor(x),))
    got = stateless._functional_call(ours, {"weight": torch.tensor(weight)}, (torch.tensor(x),))
    np.testing.assert_allclose(values(got) - values(ours.bias), expected.detach().numpy() - theirs.bias.detach()
                               .numpy(), rtol=1e-5, atol=1e-6)


def test_deepcopy_of_a_parametrized_module_keeps_working():
    layer = parametrize.register_parametrization(nn.Linear(2, 2), "weight", Symmetric())
    clone = copy.deepcopy(layer)
    np.testing.assert_array_equal(values(clone.weight), values(layer.weight))
    assert F.linear(torch.ones(1, 2), clone.weight).shape == (1, 2)


# ----- alpha dropout modules -----
SELU_ALPHA_PRIME = -1.0507009873554804934193349852946 * 1.6732632423543772848170429916717


@pytest.mark.parametrize("name, shape, channel_axes", [("AlphaDropout", (200, 50), ()),
                                                        ("FeatureAlphaDropout", (40, 30, 5), (2,))])
def test_alpha_dropout_modules_follow_pytorchs_formula(torch_ref, name, shape, channel_axes):
    p = 0.3
    module = getattr(nn, name)(p, inplace=True)
    assert repr(module) == repr(getattr(torch_ref.nn, name)(p, inplace=True)) == f"{name}(p=0.3, inplace=True)"
    x = torch.tensor(randn(*shape), requires_grad=True)
    before = values(x).copy()
    y = module(x)
    np.testing.assert_array_equal(values(x), before)  # PyTorch's module ignores inplace
    a = ((1 - p) * (1 + p * SELU_ALPHA_PRIME ** 2)) ** -0.5
    b = -a * SELU_ALPHA_PRIME * p
    kept = np.isclose(values(y), a * before + b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(values(y)[~kept], a * SELU_ALPHA_PRIME + b, rtol=1e-5)
    assert abs(1 - kept.mean() - p) < 0.05
    if channel_axes:  # whole channels are kept or dropped
        assert (kept.all(axis=channel_axes) | ~kept.any(axis=channel_axes)).all()
    y.sum().backward()
    np.testing.assert_allclose(values(x.grad), np.where(kept, a, 0.0), rtol=1e-5)
    assert module.eval()(x) is x
    standard = nn.AlphaDropout(0.2).train()(torch.randn(200000))
    assert abs(standard.mean().item()) < 0.02 and abs(standard.std().item() - 1) < 0.02  # self-normalising


def test_alpha_dropout_module_gradcheck():
    module = nn.FeatureAlphaDropout(0.4)
    x = torch.tensor(randn(3, 4, 2).astype(np.float64), requires_grad=True)

    def dropped(x):
        torch.manual_seed(0)  # the same mask on every call
        return module(x)
    assert gradcheck(dropped, (x,))
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.AlphaDropout(1.5)


# ----- pruning (nn.utils.prune) -----
def _pruned_pair(torch_ref, make):
    """The same layer on both sides, with identical weights of distinct magnitudes (no ties to break)."""
    ours, theirs = make(nn), make(torch_ref.nn)
    copy_weights(ours, theirs)
    return ours, theirs


def test_pruning_masks_match_pytorch(torch_ref):
    from nn.utils import prune
    tprune = pytest.importorskip("torch.nn.utils.prune")
    ours, theirs = _pruned_pair(torch_ref, lambda lib: lib.Conv1d(4, 6, 3))
    for method, kwargs in (("l1_unstructured", dict(amount=0.3)), ("ln_structured", dict(amount=2, n=2, dim=0)),
                           ("l1_unstructured", dict(amount=5)), ("ln_structured", dict(amount=1, n=1, dim=-1))):
        getattr(prune, method)(ours, "weight", **kwargs)
        getattr(tprune, method)(theirs, "weight", **kwargs)
        np.testing.assert_array_equal(values(ours.weight_mask), theirs.weight_mask.numpy())
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight_orig", "weight_mask"]
    hook, = ours._forward_pre_hooks.values()
    assert isinstance(hook, prune.PruningContainer) and len(hook) == 4 and isinstance(hook[0], prune.L1Unstructured)
    x = randn(2, 4, 7).astype(np.float32)
    y_ours, y_theirs = ours(torch.tensor(x)), theirs(torch_ref.tensor(x))
    np.testing.assert_allclose(values(y_ours), y_theirs.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert type(ours.weight.grad_fn).__name__ == type(theirs.weight.grad_fn).__name__ == "MulBackward0"
    y_ours.sum().backward()
    y_theirs.sum().backward()
    np.testing.assert_allclose(values(ours.weight_orig.grad), theirs.weight_orig.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert prune.is_pruned(nn.Sequential(ours)) and not prune.is_pruned(nn.Linear(2, 2))
    prune.remove(ours, "weight")
    tprune.remove(theirs, "weight")
    assert list(ours.state_dict()) == ["bias", "weight"] and type(ours.weight) is nn.Parameter
    np.testing.assert_array_equal(values(ours.weight), theirs.weight.detach().numpy())
    with pytest.raises(ValueError, match="Parameter 'weight' of module .* has to be pruned before pruning can be "
                                         "removed"):
        prune.remove(ours, "weight")


def test_global_and_custom_pruning_match_pytorch(torch_ref):
    from nn.utils import prune
    tprune = pytest.importorskip("torch.nn.utils.prune")
    (a, at), (b, bt) = (_pruned_pair(torch_ref, lambda lib: lib.Linear(5, 4)),
                        _pruned_pair(torch_ref, lambda lib: lib.Linear(3, 2)))
    prune.l1_unstructured(b, "weight", amount=1)
    tprune.l1_unstructured(bt, "weight", amount=1)
    prune.global_unstructured([(a, "weight"), (b, "weight")], pruning_method=prune.L1Unstructured, amount=0.4)
    tprune.global_unstructured([(at, "weight"), (bt, "weight")], pruning_method=tprune.L1Unstructured, amount=0.4)
    for mine, reference in ((a, at), (b, bt)):
        np.testing.assert_array_equal(values(mine.weight_mask), reference.weight_mask.numpy())
    mask = torch.tensor([1.0, 0.0, 1.0, 0.0])
    prune.custom_from_mask(a, "bias", mask)
    np.testing.assert_array_equal(values(a.bias), values(a.bias_orig) * [1, 0, 1, 0])
    scores = torch.arange(20.0).reshape(4, 5)  # importance scores rank the entries instead of |weight|
    layer = prune.l1_unstructured(nn.Linear(5, 4), "weight", amount=5, importance_scores=scores)
    np.testing.assert_array_equal(values(layer.weight_mask).reshape(-1), [0] * 5 + [1] * 15)
    assert tuple(prune.L1Unstructured(2).prune(torch.tensor([3.0, -1.0, 2.0, 0.5])).tolist()) == (3.0, 0.0, 2.0, 0.0)
    identity = prune.identity(nn.Linear(2, 2), "weight")
    np.testing.assert_array_equal(values(identity.weight_mask), np.ones((2, 2)))


def test_random_pruning_prunes_the_requested_counts():
    from nn.utils import prune
    layer = nn.Linear(4, 6)
    prune.random_unstructured(layer, "bias", amount=2)
    assert values(layer.bias_mask).sum() == 4
    prune.random_structured(layer, "weight", amount=0.5, dim=0)
    rows = values(layer.weight_mask).sum(axis=1)
    assert sorted(rows.tolist()) == [0, 0, 0, 4, 4, 4]
    prune.random_structured(layer, "weight", amount=1, dim=1)  # among the rows kept: one more column goes
    mask = values(layer.weight_mask)
    assert mask.sum() == 9 and sorted(mask.sum(axis=0).tolist()) == [0, 3, 3, 3]


def test_pruning_errors_as_pytorch(torch_ref):
    from nn.utils import prune
    tprune = pytest.importorskip("torch.nn.utils.prune")
    for lib, pruning in ((nn, prune), (torch_ref.nn, tprune)):
        with pytest.raises(ValueError, match="amount=1.5 should either be a float in the range \\[0, 1\\] or a "
                                             "non-negative integer"):
            pruning.l1_unstructured(lib.Linear(2, 2), "weight", amount=1.5)
        with pytest.raises(TypeError, match="Invalid type for amount: 1. Must be int or float."):
            pruning.random_unstructured(lib.Linear(2, 2), "weight", amount="1")
        with pytest.raises(ValueError, match="amount=5 should be smaller than the number of parameters to prune=4"):
            pruning.l1_unstructured(lib.Linear(2, 2), "weight", amount=5)
        with pytest.raises(ValueError, match="Structured pruning can only be applied to multidimensional tensors"):
            pruning.ln_structured(lib.Linear(2, 2), "bias", amount=1, n=2, dim=0)
        with pytest.raises(IndexError, match="Invalid index 2 for tensor of size"):
            pruning.random_structured(lib.Linear(2, 2), "weight", amount=1, dim=2)
        with pytest.raises(TypeError, match='Only "unstructured" PRUNING_TYPE supported'):
            pruning.global_unstructured([(lib.Linear(2, 2), "weight")], pruning_method=pruning.RandomStructured,
                                        amount=1)
    layer = nn.Linear(2, 2)
    with pytest.raises(ValueError):
        prune.l1_unstructured(layer, "weight", amount=9)
    assert list(layer.state_dict()) == ["bias", "weight"] and not layer._forward_pre_hooks  # restored, as PyTorch


# ----- extra state and set_submodule -----
def _counter_class(lib_nn):
    class Counter(lib_nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = lib_nn.Linear(2, 2)
            self.calls = 0

        def get_extra_state(self):
            return {"calls": self.calls}

        def set_extra_state(self, state):
            self.calls = state["calls"]
    return Counter


def test_extra_state_goes_through_state_dict_as_pytorch(torch_ref):
    ours, theirs = _counter_class(nn)(), _counter_class(torch_ref.nn)()
    wrapped, wrapped_theirs = nn.Sequential(ours), torch_ref.nn.Sequential(theirs)
    assert list(wrapped.state_dict()) == list(wrapped_theirs.state_dict()) == \
        ["0._extra_state", "0.inner.weight", "0.inner.bias"]  # a module's own entries before its children's
    ours.calls = 7
    fresh = nn.Sequential(_counter_class(nn)())
    fresh.load_state_dict(wrapped.state_dict())
    assert fresh[0].calls == 7
    np.testing.assert_array_equal(values(fresh[0].inner.weight), values(ours.inner.weight))
    state = wrapped.state_dict()
    del state["0._extra_state"]
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "0._extra_state"'):
        fresh.load_state_dict(state)
    assert fresh.load_state_dict(state, strict=False).missing_keys == ["0._extra_state"]
    with pytest.raises(RuntimeError, match="Reached a code path in Module.get_extra_state\\(\\) that should never "
                                           "be called"):
        nn.Linear(1, 1).get_extra_state()


def test_set_submodule_as_pytorch(torch_ref):
    for lib_nn in (nn, torch_ref.nn):
        net = lib_nn.Sequential(lib_nn.Sequential(lib_nn.Linear(2, 2)), lib_nn.ReLU())
        net.set_submodule("0.0", lib_nn.Linear(2, 3))
        net.set_submodule("0.extra", lib_nn.Tanh())
        assert type(net[0][0]).__name__ == "Linear" and net[0][0].out_features == 3
        assert type(net.get_submodule("0.extra")).__name__ == "Tanh"
        with pytest.raises(AttributeError, match="Sequential has no attribute `missing`"):
            net.set_submodule("0.missing", lib_nn.ReLU(), strict=True)
        with pytest.raises(ValueError, match="Cannot set the submodule without a target name!"):
            net.set_submodule("", lib_nn.ReLU())
        with pytest.raises(ValueError, match="`module` is not an nn.Module, found <class 'int'>"):
            net.set_submodule("1", 3)
        with pytest.raises(AttributeError, match="`training` is not an nn.Module"):
            net.set_submodule("training", lib_nn.ReLU())
