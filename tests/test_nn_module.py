"""Module, Parameter, containers and nn.utils: registration, traversal, state, hooks, printing."""
from collections import OrderedDict
import copy
import math

import numpy as np
import pytest

import autograd_core as torch
import nn
import nn.functional as F


class MyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(784, 300)
        self.l2 = nn.Linear(300, 10)

    def forward(self, x):
        return self.l2(F.relu(self.l1(x)))


class WithState(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(3))
        self.register_buffer("running", torch.zeros(3))
        self.register_buffer("scratch", torch.zeros(2), persistent=False)
        self.inner = nn.Linear(3, 2)

    def forward(self, x):
        return self.inner(x * self.scale + self.running)


# ----- Parameter -----
def test_parameter_requires_grad_shares_data_and_prints_like_torch():
    t = torch.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    assert p.requires_grad and p.is_leaf and isinstance(p, torch.Tensor)
    assert p.array is t.array
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert not nn.Parameter(t, requires_grad=False).requires_grad


def test_parameter_ops_give_plain_tensors_and_ndarray_grads():
    p = nn.Parameter(torch.tensor([1.0, 2.0]))
    y = p * 3
    assert type(y) is torch.Tensor
    y.sum().backward()
    assert isinstance(p.grad.numpy(force=True), np.ndarray)
    np.testing.assert_array_equal(p.grad.numpy(force=True), [3.0, 3.0])


def test_parameter_deepcopy_is_an_independent_parameter():
    p = nn.Parameter(torch.tensor([1.0, 2.0]))
    p.grad = torch.tensor([0.5, 0.5])
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q.requires_grad
    q.data[0] = 9.0
    q.grad.data[0] = 9.0
    assert p.numpy(force=True)[0] == 1.0 and p.grad.numpy(force=True)[0] == 0.5


def test_parameter_refuses_integer_dtype():
    with pytest.raises(RuntimeError, match="floating point.*int64"):
        nn.Parameter(torch.tensor([1, 2]))
    assert nn.Parameter(torch.tensor([1, 2]), requires_grad=False).dtype == torch.int64


def test_parameter_shares_the_version_counter_of_its_tensor():
    t = torch.zeros(3)
    p = nn.Parameter(t)
    with torch.no_grad():
        t.add_(1)
    assert p._version == t._version == 1 and p.numpy(force=True).tolist() == [1.0, 1.0, 1.0]


def test_data_assignment_and_changes_through_data_work_like_torch():
    m = nn.Linear(2, 2)
    weight = m.weight
    m.weight.data = torch.ones(2, 3)  # as in PyTorch, a new shape is fine
    assert m.weight is weight and m.weight.requires_grad and m.weight.shape == (2, 3)
    version = m.weight._version
    m.weight.data.mul_(3)  # through .data: the values change, autograd does not see it
    assert m.weight._version == version and (m.weight.numpy(force=True) == 3).all()
    with pytest.raises(RuntimeError, match="floating point"):
        m.weight.data = torch.ones(2, dtype=torch.int64)


# ----- registration and traversal -----
def test_assignment_registers_parameters_modules_and_buffers():
    m = WithState()
    assert [n for n, _ in m.named_parameters()] == ["scale", "inner.weight", "inner.bias"]
    assert [n for n, _ in m.named_buffers()] == ["running", "scratch"]
    assert [n for n, _ in m.named_children()] == ["inner"]
    assert [n for n, _ in m.named_modules()] == ["", "inner"]
    assert list(m.children()) == [m.inner]
    assert len(list(m.parameters(recurse=False))) == 1


def test_shared_parameters_and_modules_are_listed_once():
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.modules())) == 3
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_setattr_type_errors_and_reassignment():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign 'torch.FloatTensor' as parameter 'weight'"):
        m.weight = torch.zeros(2, 2)
    m.weight = None
    assert m.weight is None and "weight" not in dict(m.named_parameters())
    m.weight = nn.Parameter(torch.ones(2, 2))
    assert list(dict(m.named_parameters())) == ["weight", "bias"]
    net = MyNet()
    with pytest.raises(TypeError, match="child module 'l1'"):
        net.l1 = 3
    with pytest.raises(AttributeError, match="before Module.__init__"):
        class Broken(nn.Module):
            def __init__(self):
                self.w = nn.Parameter(torch.ones(1))
        Broken()


def test_getattr_and_delattr_and_dir():
    m = WithState()
    with pytest.raises(AttributeError, match="'WithState' object has no attribute 'missing'"):
        m.missing
    assert {"scale", "running", "inner", "forward"} <= set(dir(m))
    del m.scale
    assert "scale" not in dict(m.named_parameters())
    del m.inner
    assert not list(m.children())


def test_register_methods_validate_names_and_values():
    m = nn.Module()
    with pytest.raises(KeyError, match='contain ".", got: a.b'):
        m.register_buffer("a.b", torch.zeros(1))
    with pytest.raises(KeyError, match='be empty string'):
        m.register_parameter("", None)
    with pytest.raises(TypeError, match="cannot assign 'int' object to buffer 'b'"):
        m.register_buffer("b", 3)
    with pytest.raises(TypeError, match="torch.nn.Parameter or None required"):
        m.register_parameter("w", torch.zeros(2))
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        m.add_module("x", 3)
    m.register_module("lin", nn.Linear(1, 1))
    with pytest.raises(KeyError, match="attribute 'lin' already exists"):
        m.register_buffer("lin", torch.zeros(1))


def test_get_submodule_parameter_and_buffer():
    outer = nn.Sequential(WithState())
    assert outer.get_submodule("0.inner") is outer[0].inner
    assert outer.get_parameter("0.inner.bias") is outer[0].inner.bias
    assert outer.get_buffer("0.running") is outer[0].running
    assert outer.get_submodule("") is outer
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        outer.get_submodule("0.nope")
    with pytest.raises(AttributeError, match="has no parameter `nope`"):
        outer.get_parameter("0.nope")


# ----- state dict -----
def test_state_dict_has_torch_key_order_and_detached_values():
    m = WithState()
    sd = m.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == ["scale", "running", "inner.weight", "inner.bias"]
    assert not sd["scale"].requires_grad and sd["scale"].array is m.scale.array
    assert m.state_dict(keep_vars=True)["scale"] is m.scale


def test_load_state_dict_round_trip_and_ndarray_values():
    a, b = MyNet(), MyNet()
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    for (name, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(pa.numpy(force=True), pb.numpy(force=True), err_msg=name)
    b.load_state_dict({k: v.numpy() * 0 for k, v in a.state_dict().items()})
    assert not b.l1.weight.numpy(force=True).any()


def test_load_state_dict_reports_errors_like_torch_and_changes_nothing():
    net = MyNet()
    before = {k: v.numpy(force=True).copy() for k, v in net.state_dict().items()}
    bad = net.state_dict()
    del bad["l2.bias"]
    bad["l1.weight"] = torch.zeros(300, 100)
    bad["extra"] = torch.zeros(1)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict({k: (v * 0 if k == "l2.weight" else v) for k, v in bad.items()})
    message = str(info.value)
    assert message.startswith("Error(s) in loading state_dict for MyNet:\n\t")
    assert 'Missing key(s) in state_dict: "l2.bias". ' in message
    assert 'Unexpected key(s) in state_dict: "extra". ' in message
    assert ("size mismatch for l1.weight: copying a param with shape torch.Size([300, 100]) from checkpoint, the "
            "shape in current model is torch.Size([300, 784]).") in message
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v.numpy(force=True), before[k], err_msg=k)


def test_load_state_dict_non_strict_returns_named_tuple():
    net = MyNet()
    sd = net.state_dict()
    del sd["l1.bias"]
    sd["foo"] = torch.zeros(1)
    missing, unexpected = net.load_state_dict(sd, strict=False)
    assert missing == ["l1.bias"] and unexpected == ["foo"]
    assert net.load_state_dict(sd, strict=False).missing_keys == ["l1.bias"]


def test_non_persistent_buffers_stay_out_of_state_dict():
    m = WithState()
    assert "scratch" not in m.state_dict()
    m.load_state_dict(WithState().state_dict())


def test_load_state_dict_assign_replaces_tensors():
    m = nn.Linear(2, 2)
    new = {"weight": torch.ones(2, 2), "bias": torch.zeros(2)}
    m.load_state_dict(new, assign=True)
    assert isinstance(m.weight, nn.Parameter) and m.weight.requires_grad
    assert m.weight.array is new["weight"].array  # the loaded tensor itself, as in PyTorch
    np.testing.assert_array_equal(m.weight.numpy(force=True), np.ones((2, 2)))
    m.weight.requires_grad_(False)
    m.load_state_dict({"weight": nn.Parameter(torch.zeros(2, 2)), "bias": torch.zeros(2)}, assign=True)
    assert not m.weight.requires_grad  # the module's requires_grad is kept


# ----- modes, grads, conversion -----
def test_train_eval_propagates():
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout())
    assert net.training and net[1].training
    assert net.eval() is net
    assert not net.training and not net[1].training
    net.train()
    assert net[1].training
    with pytest.raises(ValueError, match="boolean"):
        net.train("yes")


def test_zero_grad_to_none_and_to_zero():
    net = MyNet()
    net(torch.randn(2, 784)).sum().backward()
    grads = [p.grad for p in net.parameters()]
    net.zero_grad(set_to_none=False)
    assert all(p.grad is g and not g.numpy(force=True).any() for p, g in zip(net.parameters(), grads))
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_apply_visits_children_first():
    seen = []
    nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.ReLU())).apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "Sequential", "Sequential"]


def test_to_double_keeps_parameter_objects_and_converts_buffers():
    m = WithState()
    params = list(m.parameters())
    assert m.double() is m
    assert list(m.parameters()) == params
    assert all(p.dtype == torch.float64 for p in m.parameters())
    assert m.running.dtype == torch.float64
    assert m(torch.randn(4, 3, dtype=torch.float64)).dtype == torch.float64
    m.to(torch.float32)
    assert m.scale.dtype == torch.float32
    assert m.cpu() is m and m.to("cpu") is m
    with pytest.raises(RuntimeError, match="not available"):
        m.to("cuda")
    with pytest.raises(TypeError, match="floating point"):
        m.to(torch.int64)


def test_requires_grad_toggle():
    net = MyNet().requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    net.requires_grad_()
    assert all(p.requires_grad for p in net.parameters())


# ----- calling and hooks -----
def test_forward_hooks_modify_inputs_and_outputs_and_are_removable():
    lin = nn.Linear(2, 2)
    calls = []
    pre = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    post = lin.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
    out = lin(torch.ones(3, 2))
    np.testing.assert_allclose(out.numpy(force=True), np.broadcast_to(lin.bias.numpy(force=True) + 1, (3, 2)))
    assert calls == [torch.Size([3, 2])]
    pre.remove()
    post.remove()
    np.testing.assert_allclose(lin(torch.zeros(1, 2)).numpy(force=True), lin.bias.numpy(force=True)[None])
    with lin.register_forward_hook(lambda m, a, o: o * 0):
        assert not lin(torch.ones(1, 2)).numpy(force=True).any()
    assert lin(torch.ones(1, 2)).numpy(force=True).any()


def test_hooks_run_in_order_and_prepend():
    m = nn.Identity()
    order = []
    m.register_forward_hook(lambda *a: order.append("a"))
    m.register_forward_hook(lambda *a: order.append("b"), prepend=True)
    m(torch.ones(1))
    assert order == ["b", "a"]


def test_module_without_forward_says_so():
    with pytest.raises(NotImplementedError, match='Module \\[Module\\] is missing the required "forward"'):
        nn.Module()(1)


# ----- printing -----
def test_repr_matches_pytorch_layout():
    assert repr(MyNet()) == ("MyNet(\n"
                             "  (l1): Linear(in_features=784, out_features=300, bias=True)\n"
                             "  (l2): Linear(in_features=300, out_features=10, bias=True)\n"
                             ")")
    nested = nn.Sequential(nn.Linear(1, 2, bias=False), nn.Sequential(nn.ReLU()))
    assert repr(nested) == ("Sequential(\n"
                            "  (0): Linear(in_features=1, out_features=2, bias=False)\n"
                            "  (1): Sequential(\n"
                            "    (0): ReLU()\n"
                            "  )\n"
                            ")")
    assert repr(nn.ModuleList([nn.ReLU(), nn.ReLU(), nn.Tanh()])) == ("ModuleList(\n"
                                                                       "  (0-1): 2 x ReLU()\n"
                                                                       "  (2): Tanh()\n"
                                                                       ")")


# ----- containers -----
def test_sequential_indexing_slicing_and_mutation():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3 and seq[0] is layers[0] and seq[-1] is layers[2]
    assert list(seq) == layers
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and list(head) == layers[:2]
    assert list(seq[1:]._modules) == ["1", "2"]
    seq.append(nn.Sigmoid())
    seq.insert(0, nn.Identity())
    assert [type(m).__name__ for m in seq] == ["Identity", "Linear", "ReLU", "Linear", "Sigmoid"]
    del seq[0]
    assert list(seq._modules) == ["0", "1", "2", "3"]
    seq.extend([nn.Tanh()])
    seq[4] = nn.Identity()
    assert isinstance(seq[4], nn.Identity)
    assert isinstance(seq.pop(), nn.Identity) and len(seq) == 4
    with pytest.raises(IndexError, match="index 7 is out of range"):
        seq[7]
    out = seq(torch.randn(5, 2))
    assert out.shape == (5, 1) and ((out.numpy(force=True) > 0) & (out.numpy(force=True) < 1)).all()


def test_sequential_from_ordered_dict_keeps_names():
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert list(seq.state_dict()) == ["fc.weight", "fc.bias"]
    assert seq.fc is seq[0]


def test_module_list_and_dict():
    ml = nn.ModuleList([nn.Linear(1, 1)])
    ml.append(nn.Linear(1, 1))
    ml += [nn.ReLU()]
    assert len(ml) == 3 and len(list(ml.parameters())) == 4
    assert isinstance(ml[:2], nn.ModuleList) and len(ml[:2]) == 2
    ml.insert(1, nn.Tanh())
    assert isinstance(ml[1], nn.Tanh) and list(ml._modules) == ["0", "1", "2", "3"]
    md = nn.ModuleDict({"a": nn.Linear(1, 2)})
    md["b"] = nn.ReLU()
    md.update([("c", nn.Tanh())])
    assert list(md) == ["a", "b", "c"] and "b" in md and len(md) == 3
    assert list(md.keys()) == ["a", "b", "c"]
    assert isinstance(md.pop("b"), nn.ReLU) and "b" not in md
    assert list(nn.Module.state_dict(md)) == ["a.weight", "a.bias"]


def test_parameter_list_and_dict_register_and_wrap_tensors():
    pl = nn.ParameterList([torch.zeros(2), nn.Parameter(torch.ones(3, 4))])
    assert all(isinstance(p, nn.Parameter) for p in pl) and len(pl) == 2
    pl.append(torch.ones(1))
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"]
    assert repr(pl).splitlines()[1] == "    (0): Parameter containing: [torch.float32 of size 2]"
    pd = nn.ParameterDict({"w": torch.zeros(2)})
    pd["b"] = nn.Parameter(torch.ones(1))
    assert list(pd) == ["w", "b"] and isinstance(pd["w"], nn.Parameter) and "b" in pd
    owner = nn.Module()
    owner.pd = pd
    assert list(owner.state_dict()) == ["pd.w", "pd.b"]


# ----- training through the module API -----
def test_mnist_style_model_trains_with_cross_entropy_and_sgd():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 4))
    x = torch.randn(64, 20)
    y = torch.tensor(np.argmax(x.numpy(force=True)[:, :4], axis=1))
    losses = []
    for _ in range(60):
        loss = F.cross_entropy(model(x), y)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p.data -= 0.5 * p.grad.numpy(force=True)
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0]


def test_state_dict_save_load_round_trip_is_exact(tmp_path):
    model = MyNet()
    path = tmp_path / "mnist.model"
    torch.save(model.state_dict(), path)
    restored = MyNet()
    restored.load_state_dict(torch.load(path))
    x = torch.randn(3, 784)
    np.testing.assert_array_equal(model(x).numpy(force=True), restored(x).numpy(force=True))
    for (name, a), (_, b) in zip(model.state_dict().items(), restored.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(force=True), b.numpy(force=True), err_msg=name)


# ----- nn.utils -----
def _with_grads(*arrays):
    params = [nn.Parameter(torch.zeros(*np.shape(a))) for a in arrays]
    for p, a in zip(params, arrays):
        p.grad = torch.tensor(np.asarray(a, dtype=np.float32))
    return params


def test_clip_grad_norm_scales_to_max_norm_and_returns_total():
    params = _with_grads([3.0, 0.0], [[4.0]])
    total = nn.utils.clip_grad_norm_(params, 1.0)
    assert total.item() == pytest.approx(5.0)
    clipped = np.sqrt(sum((p.grad.numpy(force=True) ** 2).sum() for p in params))
    assert clipped == pytest.approx(1.0, rel=1e-5)
    untouched = _with_grads([0.3, 0.4])
    assert nn.utils.clip_grad_norm_(untouched, 1.0).item() == pytest.approx(0.5)
    np.testing.assert_allclose(untouched[0].grad.numpy(force=True), [0.3, 0.4])


def test_clip_grad_norm_inf_and_nonfinite():
    params = _with_grads([1.0, -6.0], [2.0])
    assert nn.utils.clip_grad_norm_(params, 3.0, norm_type=math.inf).item() == pytest.approx(6.0)
    assert np.abs(params[0].grad.numpy(force=True)).max() == pytest.approx(3.0, rel=1e-5)
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(_with_grads([np.nan]), 1.0, error_if_nonfinite=True)
    assert nn.utils.clip_grad_norm_([], 1.0).item() == 0.0


def test_clip_grad_value():
    params = _with_grads([-3.0, 0.5, 2.0])
    nn.utils.clip_grad_value_(params, 1.0)
    np.testing.assert_array_equal(params[0].grad.numpy(force=True), [-1.0, 0.5, 1.0])


def test_parameters_to_vector_and_back():
    net = nn.Linear(3, 2)
    vec = nn.utils.parameters_to_vector(net.parameters())
    assert vec.shape == (8,)
    np.testing.assert_array_equal(vec.numpy(force=True)[:6], net.weight.numpy(force=True).reshape(-1))
    weight = net.weight
    nn.utils.vector_to_parameters(torch.arange(8.0), net.parameters())
    assert net.weight is weight
    np.testing.assert_array_equal(net.bias.numpy(force=True), [6.0, 7.0])
    with pytest.raises(RuntimeError, match="7 elements but the parameters hold 8"):
        nn.utils.vector_to_parameters(torch.zeros(7), net.parameters())
