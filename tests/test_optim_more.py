"""The optimizers and options added after the first set, against torch.optim 2.13: RAdam, Rprop, ASGD bit-exact
over 100 steps, the execution options (foreach, fused, capturable, differentiable), step and state-dict hooks
(per optimizer and global), add_param_group, state_dict structure and round trips, errors."""
import inspect

import numpy as np
import pytest

torch_ref = pytest.importorskip("torch")
import torch.optim.optimizer as torch_optimizer  # noqa: E402  (the global hooks, ``required``)

import autograd_core as torch  # noqa: E402
import optim  # noqa: E402
from optim.optimizer import required  # noqa: E402
from test_optim_parity import _exact_sqrt, _exact_sqrt_, run_both  # noqa: E402

NEW_OPTIONS = {
    "RAdam": [dict(), dict(lr=0.01, weight_decay=0.1), dict(lr=0.01, betas=(0.5, 0.6), maximize=True),
              dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True), dict(eps=1e-3, betas=(0.8, 0.9))],
    "Rprop": [dict(), dict(lr=0.1, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2)), dict(maximize=True)],
    "ASGD": [dict(), dict(lr=0.05, lambd=0.01, alpha=0.5, t0=10, weight_decay=0.1), dict(t0=0, maximize=True)],
}
NEW_CASES = [(name, kwargs) for name, options in NEW_OPTIONS.items() for kwargs in options]
ALL_NAMES = ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Adadelta", "Adamax", "NAdam", "RAdam", "Rprop", "ASGD"]
FUSED = ["SGD", "Adam", "AdamW", "Adagrad"]  # the ones PyTorch fuses on CPU


def _ids(case):
    name, kwargs = case
    return name + "(" + ",".join(f"{k}={v}" for k, v in kwargs.items()) + ")"


@pytest.fixture
def exact_sqrt(monkeypatch):
    """torch's sqrt made correctly rounded (numpy's), as tests/test_optim_parity.py does."""
    monkeypatch.setattr(torch_ref.Tensor, "sqrt", _exact_sqrt)
    monkeypatch.setattr(torch_ref.Tensor, "sqrt_", _exact_sqrt_)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", NEW_CASES, ids=_ids)
def test_new_optimizers_are_bit_exact_over_100_steps(case, dtype, exact_sqrt):
    for step, (ours, theirs) in enumerate(run_both(*case, dtype=dtype, steps=100)):
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a, b, err_msg=f"step {step + 1}")


@pytest.mark.parametrize("case", NEW_CASES, ids=_ids)
def test_new_optimizers_match_torch_with_its_own_sqrt(case):
    for step, (ours, theirs) in enumerate(run_both(*case)):
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6, err_msg=f"step {step + 1}")


def _run(name, kwargs, steps=30, module=None, dtype=np.float32):
    """Parameters after ``steps`` steps of ``module``'s (ours by default) optimizer on a fixed gradient sequence."""
    rng = np.random.default_rng(5)
    init = [rng.standard_normal(shape).astype(dtype) for shape in [(4, 3), (6,)]]
    if module is None:
        params = [torch.tensor(a, requires_grad=True) for a in init]
        opt = getattr(optim, name)(params, **kwargs)
    else:
        params = [module.tensor(a, requires_grad=True) for a in init]
        opt = getattr(module.optim, name)(params, **kwargs)
    for _ in range(steps):
        for p in params:
            grad = rng.standard_normal(tuple(p.shape)).astype(dtype)
            p.grad = torch.tensor(grad) if module is None else module.tensor(grad)
        opt.step()
    return [p.numpy(force=True) if module is None else p.detach().numpy() for p in params]


@pytest.mark.parametrize("name", ALL_NAMES)
def test_foreach_gives_pytorchs_default_numbers(name, exact_sqrt):
    """foreach=True (and False) are accepted; the step is the same loop, so the numbers are PyTorch's default
    (single-tensor) ones, and within rounding of its foreach ones."""
    base = {"momentum": 0.9} if name == "SGD" else {}
    expected = _run(name, base, module=torch_ref)
    for foreach in (True, False):
        for a, b in zip(_run(name, {**base, "foreach": foreach}), expected):
            np.testing.assert_array_equal(a, b)
    for a, b in zip(_run(name, {**base, "foreach": True}), _run(name, {**base, "foreach": True}, module=torch_ref)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", FUSED)
def test_fused_is_accepted_on_cpu(name, exact_sqrt):
    base = {"momentum": 0.9} if name == "SGD" else {}
    for a, b in zip(_run(name, {**base, "fused": True}), _run(name, base, module=torch_ref)):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(_run(name, {**base, "fused": True}), _run(name, {**base, "fused": True}, module=torch_ref)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    with pytest.raises(RuntimeError) as ours:
        getattr(optim, name)([torch.zeros(2, requires_grad=True)], fused=True, foreach=True)
    with pytest.raises(RuntimeError) as theirs:
        getattr(torch_ref.optim, name)([torch_ref.zeros(2, requires_grad=True)], fused=True, foreach=True)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_capturable_and_differentiable(name):
    """capturable=True needs an accelerator's parameters (an AssertionError at the step on CPU, as PyTorch);
    differentiable=True is refused when the optimizer is made (the step runs outside the autograd graph)."""
    signature = inspect.signature(getattr(optim, name)).parameters
    assert signature["differentiable"].default is False and signature["foreach"].default is None
    with pytest.raises(ValueError, match="differentiable=True is not supported"):
        getattr(optim, name)([torch.zeros(2, requires_grad=True)], differentiable=True)
    if "capturable" not in signature:
        return
    p = torch.zeros(2, requires_grad=True)
    opt = getattr(optim, name)([p], capturable=True)
    p.grad = torch.ones(2)
    with pytest.raises(AssertionError, match=f"{name}: If capturable=True, params and state_steps must be on "
                                             "supported devices"):
        opt.step()


@pytest.mark.parametrize("name", ALL_NAMES)
def test_signature_and_state_dict_structure_equal_torch(name):
    ours_sig = inspect.signature(getattr(optim, name)).parameters
    torch_sig = inspect.signature(getattr(torch_ref.optim, name)).parameters
    assert list(ours_sig) == list(torch_sig)
    for arg, parameter in ours_sig.items():
        assert (parameter.default, parameter.kind) == (torch_sig[arg].default, torch_sig[arg].kind), arg

    kwargs = {"momentum": 0.9} if name == "SGD" else {}
    ours = [torch.tensor(np.ones((2, 3), np.float32), requires_grad=True)]
    theirs = [torch_ref.ones(2, 3, requires_grad=True)]
    opt, ref = getattr(optim, name)(ours, **kwargs), getattr(torch_ref.optim, name)(theirs, **kwargs)
    for _ in range(2):
        ours[0].grad, theirs[0].grad = torch.full((2, 3), 0.5), torch_ref.full((2, 3), 0.5)
        opt.step()
        ref.step()
    ours_sd, theirs_sd = opt.state_dict(), ref.state_dict()
    assert ours_sd["param_groups"] == theirs_sd["param_groups"]
    assert ours_sd["state"].keys() == theirs_sd["state"].keys()
    for index, state in theirs_sd["state"].items():
        assert set(ours_sd["state"][index]) == set(state)
        for key, value in state.items():
            ours_value = ours_sd["state"][index][key]
            assert (tuple(ours_value.shape), str(ours_value.dtype)) == (tuple(value.shape), str(value.dtype)), key
            np.testing.assert_allclose(ours_value.numpy(force=True), value.numpy(), rtol=1e-6)


@pytest.mark.parametrize("case", NEW_CASES, ids=_ids)
def test_state_dict_round_trip_continues_the_same_run(case):
    name, kwargs = case
    rng = np.random.default_rng(2)
    grads = [rng.standard_normal((3, 2)).astype(np.float32) for _ in range(20)]
    init = rng.standard_normal((3, 2)).astype(np.float32)

    def steps(opt, param, sequence):
        for grad in sequence:
            param.grad = torch.tensor(grad)
            opt.step()

    straight = torch.tensor(init, requires_grad=True)
    straight_opt = getattr(optim, name)([straight], **kwargs)
    steps(straight_opt, straight, grads)

    first = torch.tensor(init, requires_grad=True)
    first_opt = getattr(optim, name)([first], **kwargs)
    steps(first_opt, first, grads[:10])
    saved = first_opt.state_dict()
    resumed = torch.tensor(first.numpy(force=True), requires_grad=True)
    resumed_opt = getattr(optim, name)([resumed], lr=123.0)
    resumed_opt.load_state_dict(saved)
    assert resumed_opt.param_groups[0]["lr"] == kwargs.get("lr", straight_opt.defaults["lr"])
    steps(resumed_opt, resumed, grads[10:])
    np.testing.assert_array_equal(resumed.numpy(force=True), straight.numpy(force=True))
    first_opt.step()  # the saved dict is a snapshot
    for key, value in saved["state"][0].items():
        if key in ("step", "eta", "mu"):
            assert value.dtype == torch.float32 and value.shape == ()


@pytest.mark.parametrize("make, message", [
    (lambda m, p: m.RAdam(p, lr=-1), "Invalid learning rate: -1"),
    (lambda m, p: m.RAdam(p, betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    (lambda m, p: m.RAdam(p, betas=(0.9, 1.5)), "Invalid beta parameter at index 1: 1.5"),
    (lambda m, p: m.RAdam(p, eps=-1), "Invalid epsilon value: -1"),
    (lambda m, p: m.RAdam(p, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda m, p: m.Rprop(p, lr=-2), "Invalid learning rate: -2"),
    (lambda m, p: m.Rprop(p, etas=(1.1, 1.2)), "Invalid eta values: 1.1, 1.2"),
    (lambda m, p: m.Rprop(p, etas=(0.5, 0.9)), "Invalid eta values: 0.5, 0.9"),
    (lambda m, p: m.ASGD(p, lr=-0.5), "Invalid learning rate: -0.5"),
    (lambda m, p: m.ASGD(p, weight_decay=-0.5), "Invalid weight_decay value: -0.5"),
])
def test_bad_hyperparameters_raise_pytorchs_errors(make, message):
    with pytest.raises(ValueError) as ours:
        make(optim, [torch.zeros(2, requires_grad=True)])
    with pytest.raises(ValueError) as theirs:
        make(torch_ref.optim, [torch_ref.zeros(2, requires_grad=True)])
    assert str(ours.value) == str(theirs.value) == message


# ----- hooks -----
def _hooked_pair():
    """The same SGD in both libraries with every kind of hook recording its calls."""
    calls = {"ours": [], "theirs": []}
    pair = {}
    for key, module, opt_module in [("ours", torch, optim), ("theirs", torch_ref, torch_ref.optim)]:
        p = module.ones(2, requires_grad=True)
        opt = opt_module.SGD([p], lr=0.5)
        log = calls[key]
        opt.register_step_pre_hook(lambda o, args, kwargs, log=log: log.append(("pre", len(args), dict(kwargs))))
        opt.register_step_post_hook(lambda o, args, kwargs, log=log: log.append(("post", len(args))))
        opt.register_state_dict_pre_hook(lambda o, log=log: log.append("sd_pre"))
        opt.register_state_dict_post_hook(lambda o, sd, log=log: log.append(("sd_post", sorted(sd))))
        opt.register_state_dict_pre_hook(lambda o, log=log: log.append("sd_pre_first"), prepend=True)
        opt.register_load_state_dict_pre_hook(lambda o, sd, log=log: log.append(("load_pre", sorted(sd))))
        opt.register_load_state_dict_post_hook(lambda o, log=log: log.append("load_post"))
        pair[key] = (p, opt)
    return pair, calls


def test_hooks_are_called_as_pytorch_calls_them():
    pair, calls = _hooked_pair()
    for key, module in [("ours", torch), ("theirs", torch_ref)]:
        p, opt = pair[key]
        p.grad = module.ones(2)
        opt.step()
        opt.step(closure=None)
        opt.load_state_dict(opt.state_dict())
    assert calls["ours"] == calls["theirs"]
    assert calls["ours"][0] == ("pre", 1, {})


def test_step_hooks_can_replace_arguments_and_be_removed():
    p = torch.ones(2, requires_grad=True)
    opt = optim.SGD([p], lr=0.5)
    losses = []

    def closure():
        losses.append("closure")
        return torch.tensor(3.0)

    handle = opt.register_step_pre_hook(lambda o, args, kwargs: (args, {"closure": closure}))
    p.grad = torch.ones(2)
    assert float(opt.step()) == 3.0 and losses == ["closure"]
    handle.remove()
    assert opt.step() is None
    bad = opt.register_step_pre_hook(lambda o, args, kwargs: "nonsense")
    with pytest.raises(RuntimeError, match=r"must return None or a tuple of \(new_args, new_kwargs\)"):
        opt.step()
    bad.remove()


def test_state_dict_hooks_can_replace_the_dict():
    p = torch.ones(2, requires_grad=True)
    opt = optim.Adam([p], lr=0.5)
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    assert opt.state_dict()["extra"] == 1

    def drop_extra(o, sd):
        return {k: v for k, v in sd.items() if k != "extra"}
    opt.register_load_state_dict_pre_hook(drop_extra)
    opt.load_state_dict({"state": {}, "param_groups": [dict(opt.state_dict()["param_groups"][0], lr=0.25)],
                         "extra": 1})
    assert opt.param_groups[0]["lr"] == 0.25


def test_global_step_hooks_run_around_every_optimizer_in_pytorchs_order():
    order = {"ours": [], "theirs": []}
    handles = []
    for key, hooks in [("ours", optim.optimizer), ("theirs", torch_optimizer)]:
        log = order[key]
        handles.append(hooks.register_optimizer_step_pre_hook(
            lambda o, args, kwargs, log=log: log.append(("global_pre", type(o).__name__))))
        handles.append(hooks.register_optimizer_step_post_hook(
            lambda o, args, kwargs, log=log: log.append(("global_post", type(o).__name__))))
    try:
        for key, module, opt_module in [("ours", torch, optim), ("theirs", torch_ref, torch_ref.optim)]:
            log = order[key]
            for name in ("SGD", "RAdam"):
                p = module.ones(2, requires_grad=True)
                opt = getattr(opt_module, name)([p])
                opt.register_step_pre_hook(lambda o, a, k, log=log: log.append("pre"))
                opt.register_step_post_hook(lambda o, a, k, log=log: log.append("post"))
                p.grad = module.ones(2)
                opt.step()
    finally:
        for handle in handles:
            handle.remove()
    assert order["ours"] == order["theirs"]
    assert order["ours"][:4] == [("global_pre", "SGD"), "pre", "post", ("global_post", "SGD")]
    p = torch.ones(2, requires_grad=True)
    p.grad = torch.ones(2)
    optim.SGD([p]).step()
    assert len(order["ours"]) == 8  # removed


# ----- add_param_group -----
def test_add_param_group_fills_defaults_and_steps_like_torch():
    ours = [torch.ones(2, requires_grad=True), torch.full((3,), 2.0, requires_grad=True)]
    theirs = [torch_ref.ones(2, requires_grad=True), torch_ref.full((3,), 2.0, requires_grad=True)]
    opt = optim.RAdam([ours[0]], lr=0.1, weight_decay=0.01)
    ref = torch_ref.optim.RAdam([theirs[0]], lr=0.1, weight_decay=0.01)
    opt.add_param_group({"params": ours[1], "lr": 0.5, "betas": (0.5, 0.9)})
    ref.add_param_group({"params": theirs[1], "lr": 0.5, "betas": (0.5, 0.9)})
    assert opt.state_dict()["param_groups"] == ref.state_dict()["param_groups"]
    for step in range(10):
        for a, b in zip(ours, theirs):
            a.grad, b.grad = torch.full(tuple(a.shape), 0.1 * step - 0.3), torch_ref.full(b.shape, 0.1 * step - 0.3)
        opt.step()
        ref.step()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(force=True), b.detach().numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [ours[0]]})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([ours[0]])


def test_required_options_must_be_given_by_every_group():
    class Plain(optim.Optimizer):
        def __init__(self, params, lr=required):
            super().__init__(params, {"lr": lr})

    p = torch.ones(2, requires_grad=True)
    with pytest.raises(ValueError) as ours:
        Plain([p])
    with pytest.raises(ValueError) as theirs:
        torch_optimizer.Optimizer([torch_ref.ones(2, requires_grad=True)], {"lr": torch_optimizer.required})
    assert str(ours.value) == str(theirs.value)
    opt = Plain([{"params": [p], "lr": 0.5}])
    assert opt.param_groups[0]["lr"] == 0.5
    assert repr(required) == "<required parameter>"


# ----- LBFGS -----
def _quadratic(dtype):
    """A convex problem whose loss and gradient are computed by numpy (the same numbers in both runs)."""
    rng = np.random.default_rng(7)
    m = rng.standard_normal((5, 5))
    hessian, target = m @ m.T + np.eye(5), rng.standard_normal(5)

    def loss_and_grad(x):
        x = x.astype(np.float64)
        diff = x - target
        return dtype(0.5 * diff @ hessian @ diff + 0.1 * np.sum(x ** 4)), (hessian @ diff + 0.4 * x ** 3).astype(dtype)
    return loss_and_grad


def _lbfgs_run(module, opt_module, kwargs, dtype, steps=20):
    loss_and_grad = _quadratic(dtype)
    init = np.linspace(-1.5, 2.0, 5).astype(dtype)
    params = [module.tensor(init[:3], requires_grad=True), module.tensor(init[3:], requires_grad=True)]
    opt = opt_module.LBFGS(params, **kwargs)

    def values():
        return np.concatenate([p.detach().numpy() for p in params])

    def closure():
        loss, grad = loss_and_grad(values())
        params[0].grad, params[1].grad = module.tensor(grad[:3]), module.tensor(grad[3:])
        return module.tensor(loss)
    trajectory = []
    for _ in range(steps):
        loss = opt.step(closure)
        trajectory.append((float(loss), values()))
    return trajectory, opt


LBFGS_OPTIONS = [dict(), dict(line_search_fn="strong_wolfe"), dict(lr=0.3, max_iter=4, history_size=3),
                 dict(lr=0.8, max_iter=6, max_eval=9, history_size=2, line_search_fn="strong_wolfe"),
                 dict(tolerance_grad=1e-3, tolerance_change=1e-4)]


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 2e-5), (np.float64, 1e-11)])
@pytest.mark.parametrize("kwargs", LBFGS_OPTIONS, ids=str)
def test_lbfgs_follows_torch(kwargs, dtype, rtol):
    """PyTorch's algorithm step for step; the numbers agree to rounding (its dot products are MKL's, whose
    order of summation numpy's BLAS does not share, so they are not bit-exact)."""
    ours, opt = _lbfgs_run(torch, optim, kwargs, dtype)
    theirs, ref = _lbfgs_run(torch_ref, torch_ref.optim, kwargs, dtype)
    for step, ((loss, x), (ref_loss, ref_x)) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(x, ref_x, rtol=rtol, atol=rtol, err_msg=f"step {step + 1}")
        assert loss == pytest.approx(ref_loss, rel=rtol * 10, abs=rtol)
    state, ref_state = opt.state_dict()["state"][0], ref.state_dict()["state"][0]
    assert set(state) == set(ref_state)
    assert (state["func_evals"], state["n_iter"]) == (ref_state["func_evals"], ref_state["n_iter"])
    assert opt.state_dict()["param_groups"] == ref.state_dict()["param_groups"]


def test_lbfgs_trains_a_model_through_autograd_like_torch():
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((20, 3)).astype(np.float32), rng.standard_normal((20, 1)).astype(np.float32)
    w0 = rng.standard_normal((3, 1)).astype(np.float32)
    results = []
    for module, opt_module in [(torch, optim), (torch_ref, torch_ref.optim)]:
        w = module.tensor(w0, requires_grad=True)
        opt = opt_module.LBFGS([w], line_search_fn="strong_wolfe")
        inputs, targets = module.tensor(x), module.tensor(y)

        def closure():
            opt.zero_grad()
            loss = ((inputs @ w - targets) ** 2).mean()
            loss.backward()
            return loss
        losses = [float(opt.step(closure)) for _ in range(3)]
        results.append((losses, w.detach().numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-4, atol=1e-5)
    assert results[0][0][-1] < results[0][0][0]


def test_lbfgs_state_dict_round_trip_continues_the_same_run():
    straight, _ = _lbfgs_run(torch, optim, dict(max_iter=3, history_size=4), np.float64, steps=8)
    first, opt = _lbfgs_run(torch, optim, dict(max_iter=3, history_size=4), np.float64, steps=4)
    saved = opt.state_dict()
    assert isinstance(saved["state"][0]["old_dirs"], list) and len(saved["state"][0]["old_dirs"]) == 4
    loss_and_grad = _quadratic(np.float64)
    params = [torch.tensor(first[-1][1][:3], requires_grad=True), torch.tensor(first[-1][1][3:], requires_grad=True)]
    resumed = optim.LBFGS(params, max_iter=3, history_size=4)
    resumed.load_state_dict(saved)

    def closure():
        loss, grad = loss_and_grad(np.concatenate([p.numpy(force=True) for p in params]))
        params[0].grad, params[1].grad = torch.tensor(grad[:3]), torch.tensor(grad[3:])
        return torch.tensor(loss)
    for step in range(4, 8):
        resumed.step(closure)
        np.testing.assert_array_equal(np.concatenate([p.numpy(force=True) for p in params]), straight[step][1])


def test_lbfgs_errors():
    p = torch.ones(2, requires_grad=True)
    opt = optim.LBFGS([p])
    with pytest.raises(TypeError, match=r"LBFGS.step\(\) requires a closure"):
        opt.step()
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        optim.LBFGS([{"params": [p]}, {"params": [torch.ones(1, requires_grad=True)]}])
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        opt.add_param_group({"params": [torch.ones(1, requires_grad=True)]})
    with pytest.raises(ValueError, match="line_search_fn must be None or 'strong_wolfe'"):
        optim.LBFGS([p], line_search_fn="armijo")
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.LBFGS([p], lr=-1)
    assert optim.LBFGS([p], max_iter=8).defaults["max_eval"] == 10  # max_iter * 5 // 4, as PyTorch
    assert [(k, v.default) for k, v in inspect.signature(optim.LBFGS).parameters.items()] == \
        [(k, v.default) for k, v in inspect.signature(torch_ref.optim.LBFGS).parameters.items()]


def test_sparse_adam_checks_its_arguments_then_refuses_dense_parameters():
    """PyTorch's SparseAdam takes dense parameters but refuses their dense gradients at the first step; with no
    sparse tensors here, it refuses when made, naming the alternative."""
    assert [(k, v.default) for k, v in inspect.signature(optim.SparseAdam).parameters.items()] == \
        [(k, v.default) for k, v in inspect.signature(torch_ref.optim.SparseAdam).parameters.items()]
    p = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="SparseAdam: sparse gradients are not supported.*optim.Adam"):
        optim.SparseAdam([p])
    for kwargs, message in [(dict(lr=-1), "Invalid learning rate: -1"), (dict(eps=-1), "Invalid epsilon value: -1"),
                            (dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0")]:
        with pytest.raises(ValueError) as ours:
            optim.SparseAdam([p], **kwargs)
        with pytest.raises(ValueError) as theirs:
            torch_ref.optim.SparseAdam([torch_ref.ones(2, requires_grad=True)], **kwargs)
        assert str(ours.value) == str(theirs.value) == message


# ----- Adafactor -----
ADAFACTOR_OPTIONS = [dict(), dict(lr=0.05, weight_decay=0.1, maximize=True),
                     dict(eps=(1e-6, 1e-2), d=2.0, beta2_decay=-0.5)]


@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-6), (np.float64, 1e-14)])
@pytest.mark.parametrize("kwargs", ADAFACTOR_OPTIONS, ids=str)
def test_adafactor_follows_torch_over_100_steps(kwargs, dtype, tol, monkeypatch):
    """Within a few ulps at every step: its norms and means are reductions, summed in PyTorch's order
    by torch and in numpy's here."""
    import test_optim_parity
    monkeypatch.setattr(test_optim_parity, "SHAPES", [(7, 5), (5,), (3, 4, 6)])
    for step, (ours, theirs) in enumerate(run_both("Adafactor", kwargs, dtype=dtype)):
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=f"step {step + 1}")


def test_adafactor_state_and_signature_equal_torch():
    assert [(k, v.default, v.kind) for k, v in inspect.signature(optim.Adafactor).parameters.items()] == \
        [(k, v.default, v.kind) for k, v in inspect.signature(torch_ref.optim.Adafactor).parameters.items()]
    ours = [torch.ones(3, 4, requires_grad=True), torch.ones(4, requires_grad=True)]
    theirs = [torch_ref.ones(3, 4, requires_grad=True), torch_ref.ones(4, requires_grad=True)]
    opt, ref = optim.Adafactor(ours), torch_ref.optim.Adafactor(theirs)
    for a, b in zip(ours, theirs):
        a.grad, b.grad = torch.full(tuple(a.shape), 0.5), torch_ref.full(b.shape, 0.5)
    opt.step()
    ref.step()
    ours_sd, theirs_sd = opt.state_dict(), ref.state_dict()
    assert ours_sd["param_groups"] == theirs_sd["param_groups"]
    for index, state in theirs_sd["state"].items():
        assert set(ours_sd["state"][index]) == set(state)
        for key, value in state.items():
            assert tuple(ours_sd["state"][index][key].shape) == tuple(value.shape), key
            np.testing.assert_allclose(ours_sd["state"][index][key].numpy(force=True), value.numpy(), rtol=1e-6)


@pytest.mark.parametrize("kwargs", [dict(lr=-1), dict(beta2_decay=0.5), dict(eps=(-1, 1e-3)), dict(eps=(None, -1)),
                                    dict(d=0.5), dict(weight_decay=-0.1)], ids=str)
def test_adafactor_bad_options_raise_pytorchs_errors(kwargs):
    with pytest.raises(ValueError) as ours:
        optim.Adafactor([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError) as theirs:
        torch_ref.optim.Adafactor([torch_ref.zeros(2, requires_grad=True)], **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_an_optimizer_pickled_without_hook_dicts_still_steps():
    p = torch.ones(2, requires_grad=True)
    opt = optim.SGD([p], lr=0.5)
    state = opt.__dict__.copy()
    del state["_step_pre_hooks"], state["_load_state_dict_post_hooks"]
    restored = optim.SGD.__new__(optim.SGD)
    restored.__setstate__(state)
    p.grad = torch.ones(2)
    restored.step()
    np.testing.assert_array_equal(p.numpy(force=True), [0.5, 0.5])


def test_a_subclass_step_calling_super_runs_the_hooks_once():
    class Logged(optim.SGD):
        def step(self, closure=None):
            return super().step(closure)

    calls = []
    p = torch.ones(2, requires_grad=True)
    opt = Logged([p], lr=0.5)
    opt.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
    opt.register_step_post_hook(lambda o, a, k: calls.append("post"))
    p.grad = torch.ones(2)
    opt.step()
    assert calls == ["pre", "post"]
    np.testing.assert_array_equal(p.numpy(force=True), [0.5, 0.5])


# ----- Muon -----
MUON_OPTIONS = [dict(), dict(lr=0.02, weight_decay=0.01, nesterov=False),
                dict(lr=0.01, adjust_lr_fn="match_rms_adamw", momentum=0.8, ns_steps=3)]


@pytest.mark.parametrize("kwargs", MUON_OPTIONS, ids=str)
def test_muon_follows_torch_over_100_steps(kwargs, monkeypatch):
    """Its Newton–Schulz iteration runs in bfloat16 as PyTorch's does (most runs agree to the bit; a product
    summed in another order can round to the neighbouring bfloat16, one step of ``lr * 2**-8``)."""
    import test_optim_parity
    monkeypatch.setattr(test_optim_parity, "SHAPES", [(7, 5), (4, 9), (6, 6)])
    for step, (ours, theirs) in enumerate(run_both("Muon", kwargs)):
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-3, err_msg=f"step {step + 1}")


def test_muon_signature_state_and_errors_equal_torch():
    assert [(k, v.default) for k, v in inspect.signature(optim.Muon).parameters.items()] == \
        [(k, v.default) for k, v in inspect.signature(torch_ref.optim.Muon).parameters.items()]
    ours, theirs = torch.ones(3, 4, requires_grad=True), torch_ref.ones(3, 4, requires_grad=True)
    opt, ref = optim.Muon([ours]), torch_ref.optim.Muon([theirs])
    ours.grad, theirs.grad = torch.full((3, 4), 0.5), torch_ref.full((3, 4), 0.5)
    opt.step()
    ref.step()
    assert opt.state_dict()["param_groups"] == ref.state_dict()["param_groups"]
    assert set(opt.state_dict()["state"][0]) == set(ref.state_dict()["state"][0]) == {"momentum_buffer"}
    for kwargs in [dict(lr=-1), dict(momentum=-0.5), dict(weight_decay=-1), dict(adjust_lr_fn="other")]:
        with pytest.raises(ValueError) as ours_error:
            optim.Muon([torch.ones(2, 2, requires_grad=True)], **kwargs)
        with pytest.raises(ValueError) as theirs_error:
            torch_ref.optim.Muon([torch_ref.ones(2, 2, requires_grad=True)], **kwargs)
        assert str(ours_error.value) == str(theirs_error.value)
    with pytest.raises(ValueError, match="Muon only supports 2D parameters whereas we found a parameter with size"):
        optim.Muon([torch.ones(3, requires_grad=True)])
