"""optim: parameter groups, state, zero_grad, step(closure), state_dict round trips, errors, the example."""
import inspect
import math

import numpy as np
import pytest

import autograd_core as torch
import optim

ALL_OPTIMIZERS = {
    "SGD": lambda params: optim.SGD(params, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "Adam": lambda params: optim.Adam(params, lr=0.01, weight_decay=0.01, amsgrad=True),
    "AdamW": lambda params: optim.AdamW(params, lr=0.01),
    "Adagrad": lambda params: optim.Adagrad(params, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
    "RMSprop": lambda params: optim.RMSprop(params, lr=0.01, momentum=0.5, centered=True),
    "Adadelta": lambda params: optim.Adadelta(params, weight_decay=0.01),
    "Adamax": lambda params: optim.Adamax(params, lr=0.01),
    "NAdam": lambda params: optim.NAdam(params, lr=0.01, weight_decay=0.01, decoupled_weight_decay=True),
}

STATE_KEYS = {
    "SGD": {"momentum_buffer"},
    "Adam": {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
    "AdamW": {"step", "exp_avg", "exp_avg_sq"},
    "Adagrad": {"step", "sum"},
    "RMSprop": {"step", "square_avg", "momentum_buffer", "grad_avg"},
    "Adadelta": {"step", "square_avg", "acc_delta"},
    "Adamax": {"step", "exp_avg", "exp_inf"},
    "NAdam": {"step", "mu_product", "exp_avg", "exp_avg_sq"},
}


def make_params(dtype=np.float32):
    rng = np.random.default_rng(1)
    return [torch.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
            for shape in [(3, 4), (4,), (2, 1, 3)]]


def set_grads(params, step):
    """A gradient that depends on the parameter and on the step (as a loss's would)."""
    for i, p in enumerate(params):
        wave = np.sin(np.arange(p.numel()).reshape(p.shape) + 3 * step + i).astype(p.numpy(force=True).dtype)
        p.grad = torch.tensor(2 * p.numpy(force=True) - 0.5 + wave)


def run(optimizer, params, steps, start=0):
    for step in range(start, start + steps):
        set_grads(params, step)
        optimizer.step()


# ----- construction and validation -----
@pytest.mark.parametrize("make, message", [
    (lambda p: optim.SGD(p, lr=-0.1), "Invalid learning rate: -0.1"),
    (lambda p: optim.Adam(p, lr=-0.1), "Invalid learning rate: -0.1"),
    (lambda p: optim.SGD(p, momentum=-0.5), "Invalid momentum value: -0.5"),
    (lambda p: optim.SGD(p, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: optim.SGD(p, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (lambda p: optim.Adam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda p: optim.Adam(p, eps=-1e-8), "Invalid epsilon value: -1e-08"),
    (lambda p: optim.AdamW(p, weight_decay=-0.01), "Invalid weight_decay value: -0.01"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value: -1"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=-1), "Invalid initial_accumulator_value value: -1"),
    (lambda p: optim.RMSprop(p, alpha=-0.5), "Invalid alpha value: -0.5"),
    (lambda p: optim.Adadelta(p, rho=1.5), "Invalid rho value: 1.5"),
    (lambda p: optim.Adamax(p, betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    (lambda p: optim.NAdam(p, momentum_decay=-1), "Invalid momentum_decay value: -1"),
])
def test_invalid_hyperparameters_raise_pytorchs_value_error(make, message):
    with pytest.raises(ValueError) as info:
        make(make_params())
    assert str(info.value) == message


def test_invalid_parameter_lists():
    p = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([])
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(p)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({p})
    with pytest.raises(TypeError, match="can only optimize Tensors, but one of the params is ndarray"):
        optim.SGD([np.zeros(2)])
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor .*MulBackward0"):
        optim.SGD([p * 2])
    with pytest.raises(ValueError, match=r"same parameter twice in param group 0 \(entries 0 and 1"):
        optim.SGD([p, p])
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p], "lr": 0.5}])


def test_param_groups_fill_defaults_and_keep_their_own_options():
    a, b = torch.tensor([1.0], requires_grad=True), torch.tensor([1.0], requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.0)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["params"] == [b]
    assert set(opt.param_groups[0]) == {"params", "lr", "momentum", "dampening", "weight_decay", "nesterov",
                                        "maximize", "foreach", "differentiable", "fused"}  # PyTorch's keys
    a.grad, b.grad = torch.tensor([1.0]), torch.tensor([1.0])
    opt.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.5)
    c = torch.tensor([2.0], requires_grad=True)
    opt.add_param_group({"params": [c], "momentum": 0.9})
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["momentum"] == 0.9
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_named_parameters_are_recorded_as_param_names():
    a, b = torch.tensor([1.0], requires_grad=True), torch.tensor([1.0], requires_grad=True)
    opt = optim.Adam([("weight", a), ("bias", b)])
    assert opt.param_groups[0]["params"] == [a, b]
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]


def test_repr_lists_each_group_options():
    text = repr(optim.Adam(make_params(), lr=0.01))
    assert text.startswith("Adam (\nParameter Group 0\n") and "    lr: 0.01\n" in text and text.endswith(")")


# ----- state, zero_grad, step -----
@pytest.mark.parametrize("name", sorted(ALL_OPTIMIZERS))
def test_state_uses_pytorchs_names(name):
    params = make_params()
    opt = ALL_OPTIMIZERS[name](params)
    run(opt, params, 1)
    for p in params:
        state = opt.state[p]
        assert set(state) == STATE_KEYS[name]
        for key, value in state.items():
            assert isinstance(value, torch.Tensor)
            assert value.shape == (() if key in ("step", "mu_product") else p.shape)
    if "step" in STATE_KEYS[name]:
        assert opt.state[params[0]]["step"].item() == 1.0 and opt.state[params[0]]["step"].dtype == torch.float32


def test_adagrad_state_exists_before_the_first_step():
    params = make_params()
    opt = optim.Adagrad(params, initial_accumulator_value=0.25)
    assert np.all(opt.state[params[1]]["sum"].numpy(force=True) == 0.25) and opt.state[params[1]]["step"].item() == 0


def test_sgd_step_and_momentum_by_hand():
    p = torch.tensor([1.0, -2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.5, dampening=0.5)
    p.grad = torch.tensor([1.0, 1.0])
    opt.step()  # buffer = grad
    np.testing.assert_allclose(p.numpy(force=True), [0.9, -2.1], rtol=1e-6)
    opt.step()  # buffer = 0.5 * 1 + 0.5 * 1 = 1
    np.testing.assert_allclose(p.numpy(force=True), [0.8, -2.2], rtol=1e-6)
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"].numpy(force=True), [1.0, 1.0])


def test_adam_first_step_moves_each_coordinate_by_lr():
    p = torch.tensor([1.0, 1.0, 1.0], requires_grad=True)
    p.grad = torch.tensor([3.0, -0.5, 1e-3])
    optim.Adam([p], lr=0.1).step()
    np.testing.assert_allclose(p.numpy(force=True), [0.9, 1.1, 0.9], rtol=1e-5)


def test_maximize_ascends():
    for maximize in (False, True):
        p = torch.tensor([0.0], requires_grad=True)
        p.grad = torch.tensor([1.0])
        optim.Adam([p], lr=0.1, maximize=maximize).step()
        assert p.item() == pytest.approx(0.1 if maximize else -0.1)


def test_adamw_decays_the_parameter_not_the_gradient():
    p = torch.tensor([2.0], requires_grad=True)
    p.grad = torch.tensor([0.0])
    optim.AdamW([p], lr=0.1, weight_decay=0.5).step()
    assert p.item() == pytest.approx(2.0 * (1 - 0.1 * 0.5))


def test_parameters_without_grad_are_skipped():
    a, b = torch.tensor([1.0], requires_grad=True), torch.tensor([1.0], requires_grad=True)
    a.grad = torch.tensor([1.0])
    opt = optim.Adam([a, b])
    opt.step()
    assert b.item() == 1.0 and b not in opt.state and a.item() != 1.0


def test_step_updates_in_place_and_bumps_the_version():
    p = torch.tensor([1.0, 2.0], requires_grad=True)
    array, version = p.array, p._version  # identity only: the same array is updated in place
    p.grad = torch.tensor([1.0, 1.0])
    optim.SGD([p], lr=0.5).step()
    assert p.array is array and p._version == version + 1 and p.grad_fn is None


def test_a_step_invalidates_graphs_that_saved_the_parameter():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()  # MulBackward0 saved w
    w.grad = torch.tensor([1.0, 1.0])
    optim.Adam([w]).step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_kernels_are_the_numpy_backends_optim_family_with_keyword_hyper_parameters():
    from autograd_core.arrays import kernels
    import optim.kernels
    family = kernels("optim", np.zeros(1, np.float32))
    assert family is optim.kernels
    for name in ("sgd", "adam", "nadam", "adamax", "adagrad", "adadelta", "rmsprop"):
        parameters = inspect.signature(getattr(family, name).py_func).parameters.values()
        positional = [p.name for p in parameters if p.kind is not p.KEYWORD_ONLY]
        assert positional[:2] == ["param", "grad"] and "grad_sign" not in positional, name


def test_non_contiguous_parameter_is_updated_through_its_view():
    base = np.arange(6, dtype=np.float32).reshape(2, 3)
    p = torch.from_numpy(base.T)
    p.requires_grad = True
    p.grad = torch.ones(3, 2)
    optim.SGD([p], lr=1.0).step()
    np.testing.assert_array_equal(base, np.arange(6, dtype=np.float32).reshape(2, 3) - 1)


def test_zero_grad():
    p = torch.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p])
    p.grad = torch.tensor([3.0, 4.0])
    opt.zero_grad()
    assert p.grad is None
    shared = np.array([3.0, 4.0], dtype=np.float32)
    p.grad = torch.from_numpy(shared)
    grad, version = p.grad, p.grad._version
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad and np.all(grad.numpy(force=True) == 0) and not grad.requires_grad
    assert shared.tolist() == [0.0, 0.0] and grad._version == version + 1  # zeroed in place, as PyTorch's zero_()


def test_step_closure_runs_with_grad_enabled_and_returns_its_loss():
    x = torch.tensor([3.0], requires_grad=True)
    opt = optim.SGD([x], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    with torch.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0
    assert x.item() == pytest.approx(3.0 - 0.25 * 6.0)


def test_float64_parameters_stay_float64():
    params = make_params(np.float64)
    opt = optim.Adam(params)
    run(opt, params, 2)
    assert all(p.dtype == torch.float64 for p in params)
    assert opt.state[params[0]]["exp_avg"].dtype == torch.float64


def test_bad_gradient_or_dtype_raises_clearly():
    p = torch.tensor([1.0, 2.0], requires_grad=True)
    p.grad = torch.tensor([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match=r"Adam: a parameter of shape \(2,\) has a gradient of shape \(3,\)"):
        optim.Adam([p]).step()
    h = torch.tensor([1.0], dtype=torch.float16, requires_grad=True)
    h.grad = torch.tensor([1.0], dtype=torch.float16)
    with pytest.raises(TypeError, match="SGD: parameters must be float32 or float64, got float16"):
        optim.SGD([h]).step()


def test_corrupted_state_is_refused_before_the_loop_reads_it():
    p = torch.tensor([1.0, 2.0], requires_grad=True)
    p.grad = torch.tensor([1.0, 1.0])
    opt = optim.Adam([p])
    opt.step()
    opt.state[p]["exp_avg"] = torch.zeros(5)
    with pytest.raises(RuntimeError, match="optimizer state 'exp_avg' holds a float32 array of shape"):
        opt.step()


# ----- state_dict -----
@pytest.mark.parametrize("name", sorted(ALL_OPTIMIZERS))
def test_resumed_run_equals_uninterrupted_run_bit_for_bit(name):
    make = ALL_OPTIMIZERS[name]
    straight = make_params()
    run(make(straight), straight, 20)

    params = make_params()
    opt = make(params)
    run(opt, params, 10)
    saved = opt.state_dict()
    checkpoint = [p.numpy(force=True).copy() for p in params]
    run(opt, params, 3, start=10)  # the saved dict is a snapshot: later steps leave it alone

    resumed = make_params()
    for p, data in zip(resumed, checkpoint):
        p.data[...] = data
    opt2 = make(resumed)
    opt2.load_state_dict(saved)
    run(opt2, resumed, 10, start=10)
    for p, q in zip(resumed, straight):
        np.testing.assert_array_equal(p.numpy(force=True), q.numpy(force=True))


def test_state_dict_format():
    params = make_params()
    opt = optim.Adam([{"params": params[:2]}, {"params": params[2:], "lr": 0.5}], amsgrad=True)
    run(opt, params, 2)
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert sorted(sd["state"]) == [0, 1, 2]
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["betas"] == (0.9, 0.999)
    assert set(sd["state"][2]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert sd["state"][0]["exp_avg"].array is not opt.state[params[0]]["exp_avg"].array


def test_load_state_dict_restores_group_options_and_casts_state():
    params = make_params()
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    run(opt, params, 1)
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = 0.01
    other = make_params(np.float64)
    opt2 = optim.SGD(other, lr=0.1, momentum=0.9)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == 0.01 and opt2.param_groups[0]["params"] == other
    assert opt2.state[other[0]]["momentum_buffer"].dtype == torch.float64


def test_load_state_dict_rejects_a_mismatch():
    params = make_params()
    opt = optim.Adam(params)
    run(opt, params, 1)
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.Adam([{"params": params[:1]}, {"params": params[1:]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optim.Adam(params[:2]).load_state_dict(sd)
    swapped = [params[1], params[0], params[2]]
    with pytest.raises(ValueError, match=r"parameter 0 has 'exp_avg' of shape \(3, 4\), but the parameter has"):
        optim.Adam(swapped).load_state_dict(sd)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})


def test_state_dict_round_trips_through_save_and_load(tmp_path):
    straight = make_params()
    run(optim.NAdam(straight), straight, 6)
    params = make_params()
    opt = optim.NAdam(params)
    run(opt, params, 3)
    torch.save(opt.state_dict(), tmp_path / "optim.pt")
    opt2 = optim.NAdam(params)
    opt2.load_state_dict(torch.load(tmp_path / "optim.pt"))
    run(opt2, params, 3, start=3)
    for p, q in zip(params, straight):
        np.testing.assert_array_equal(p.numpy(force=True), q.numpy(force=True))


# ----- the teaching example -----
def test_optimizer_paths_example(tmp_path):
    from examples import optimizer_paths

    out = tmp_path / "paths.png"
    paths = optimizer_paths.main(["--out", str(out)])
    assert out.exists() and out.stat().st_size > 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(paths) == 5
    start = math.hypot(*optimizer_paths.START)
    for name, path in paths.items():
        assert path.shape == (31, 2)
        assert math.hypot(*path[-1]) < start, name
