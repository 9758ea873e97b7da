"""Parity with torch.optim 2.13 (CPU): parameters after every one of 100 steps, learning-rate sequences, defaults."""
import inspect

import pytest

torch_ref = pytest.importorskip("torch")

import numpy as np  # noqa: E402

import autograd_core as torch  # noqa: E402
import optim  # noqa: E402
from optim import lr_scheduler  # noqa: E402

OPTIONS = {
    "SGD": [dict(lr=0.1), dict(lr=0.1, momentum=0.9), dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1),
            dict(lr=0.05, momentum=0.8, nesterov=True, maximize=True)],
    "Adam": [dict(), dict(lr=0.01, weight_decay=0.1, amsgrad=True), dict(lr=0.01, betas=(0.3, 0.5), maximize=True),
             dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)],
    "AdamW": [dict(), dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True)],
    "Adagrad": [dict(), dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.1),
                dict(maximize=True, eps=1e-6)],
    "RMSprop": [dict(), dict(momentum=0.9, centered=True, weight_decay=0.1), dict(centered=True, alpha=0.3),
                dict(momentum=0.5, maximize=True, eps=1e-4)],
    "Adadelta": [dict(), dict(lr=0.5, weight_decay=0.1, rho=0.5), dict(maximize=True, eps=1e-4)],
    "Adamax": [dict(), dict(weight_decay=0.1, maximize=True), dict(betas=(0.6, 0.4))],
    "NAdam": [dict(), dict(weight_decay=0.1, momentum_decay=0.01), dict(weight_decay=0.1, decoupled_weight_decay=True),
              dict(betas=(0.2, 0.9), maximize=True)],
}
CASES = [(name, kwargs) for name, options in OPTIONS.items() for kwargs in options]
SHAPES = [(7, 5), (5,), (37,)]


def _ids(case):
    name, kwargs = case
    return name + "(" + ",".join(f"{k}={v}" for k, v in kwargs.items()) + ")"


def _exact_sqrt(self):
    return torch_ref.from_numpy(np.sqrt(self.detach().numpy()))


def _exact_sqrt_(self):
    return self.copy_(_exact_sqrt(self))


def run_both(name, kwargs, dtype=np.float32, steps=100, seed=0):
    """Yield (ours, theirs) parameter arrays after each step on the same numpy gradient sequence."""
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]
    ours = [torch.tensor(a, requires_grad=True) for a in init]
    theirs = [torch_ref.tensor(a, requires_grad=True) for a in init]
    opt = getattr(optim, name)(ours, **kwargs)
    ref = getattr(torch_ref.optim, name)(theirs, **kwargs)
    for _ in range(steps):
        for a, b in zip(ours, theirs):
            grad = rng.standard_normal(a.shape).astype(dtype)
            a.grad, b.grad = torch.tensor(grad), torch_ref.tensor(grad)
        opt.step()
        ref.step()
        yield [a.numpy(force=True) for a in ours], [b.detach().numpy() for b in theirs]


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_parameters_match_torch_after_every_step(case):
    """Within 1e-6 of the parameters' scale: PyTorch's sqrt (MKL's vectorised one) is not always correctly
    rounded, so runs that take square roots drift from it by a few ulps."""
    for step, (ours, theirs) in enumerate(run_both(*case)):
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6, err_msg=f"step {step + 1}")


@pytest.mark.parametrize("case", CASES, ids=_ids)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bit_exact_against_torch_with_a_correctly_rounded_sqrt(case, dtype, monkeypatch):
    """With torch's sqrt replaced by numpy's (correctly rounded), every operation agrees to the bit:
    the order of floating-point operations is PyTorch's."""
    monkeypatch.setattr(torch_ref.Tensor, "sqrt", _exact_sqrt)
    monkeypatch.setattr(torch_ref.Tensor, "sqrt_", _exact_sqrt_)
    for step, (ours, theirs) in enumerate(run_both(*case, dtype=dtype, steps=30, seed=1)):
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a, b, err_msg=f"step {step + 1}")


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_defaults_and_state_match_torch(name):
    ours_cls, torch_cls = getattr(optim, name), getattr(torch_ref.optim, name)
    ours_sig = inspect.signature(ours_cls).parameters
    torch_sig = inspect.signature(torch_cls).parameters
    for arg, parameter in ours_sig.items():
        assert arg in torch_sig, arg
        assert parameter.default == torch_sig[arg].default, arg

    kwargs = OPTIONS[name][1]
    ours = [torch.tensor(np.ones((2, 3), np.float32), requires_grad=True)]
    theirs = [torch_ref.ones(2, 3, requires_grad=True)]
    opt, ref = getattr(optim, name)(ours, **kwargs), torch_cls(theirs, **kwargs)
    ours[0].grad, theirs[0].grad = torch.ones(2, 3), torch_ref.ones(2, 3)
    opt.step()
    ref.step()
    ours_sd, theirs_sd = opt.state_dict(), ref.state_dict()
    assert ours_sd["state"].keys() == theirs_sd["state"].keys()
    for index, state in theirs_sd["state"].items():
        assert ours_sd["state"][index].keys() == state.keys()
        for key, value in state.items():
            np.testing.assert_allclose(ours_sd["state"][index][key].numpy(force=True), value.numpy(), rtol=1e-6)
    ours_group, theirs_group = ours_sd["param_groups"][0], theirs_sd["param_groups"][0]
    assert ours_group.keys() <= theirs_group.keys()
    assert {k: ours_group[k] for k in ours_group} == {k: theirs_group[k] for k in ours_group}


# ----- learning-rate schedulers -----
def _lambda_two(epoch):
    return 1.0 / (1 + epoch)


SCHEDULERS = [
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("StepLR", dict(step_size=1)),
    ("MultiStepLR", dict(milestones=[10, 30, 30, 80], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.97)),
    ("CosineAnnealingLR", dict(T_max=20, eta_min=0.001)),
    ("CosineAnnealingLR", dict(T_max=100)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.05)),
    ("LambdaLR", dict(lr_lambda=lambda epoch: 0.95 ** epoch)),
    ("LambdaLR", dict(lr_lambda=[lambda epoch: 0.9 ** epoch, _lambda_two])),
    ("LinearLR", dict(start_factor=0.25, total_iters=40)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.1, total_iters=10)),
    ("LinearLR", dict()),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=101)),
    ("OneCycleLR", dict(max_lr=[0.1, 0.3], epochs=10, steps_per_epoch=11, anneal_strategy="linear",
                        three_phase=True, div_factor=10.0)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=150, pct_start=0.1, cycle_momentum=False)),
]


def _groups(make_tensor):
    return [{"params": [make_tensor()]}, {"params": [make_tensor()], "lr": 0.3}]


def _pair(optimizer_name, **kwargs):
    ours = getattr(optim, optimizer_name)(_groups(lambda: torch.zeros(2, requires_grad=True)), **kwargs)
    theirs = getattr(torch_ref.optim, optimizer_name)(_groups(lambda: torch_ref.zeros(2, requires_grad=True)),
                                                      **kwargs)
    return ours, theirs


@pytest.mark.parametrize("optimizer_name", ["SGD", "Adam"])
@pytest.mark.parametrize("name, kwargs", SCHEDULERS, ids=[f"{n}{i}" for i, (n, _) in enumerate(SCHEDULERS)])
def test_scheduler_lrs_equal_torch(name, kwargs, optimizer_name):
    ours_opt, theirs_opt = _pair(optimizer_name, lr=0.1, **({"momentum": 0.9} if optimizer_name == "SGD" else {}))
    ours = getattr(lr_scheduler, name)(ours_opt, **kwargs)
    theirs = getattr(torch_ref.optim.lr_scheduler, name)(theirs_opt, **kwargs)
    momentum_key = "betas" if optimizer_name == "Adam" else "momentum"
    for _ in range(100):
        assert ours.get_last_lr() == theirs.get_last_lr()
        assert [g[momentum_key] for g in ours_opt.param_groups] == [g[momentum_key] for g in theirs_opt.param_groups]
        ours_opt.step()
        theirs_opt.step()
        ours.step()
        theirs.step()
    assert [g["lr"] for g in ours_opt.param_groups] == [g["lr"] for g in theirs_opt.param_groups]


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(mode="max", factor=0.5, patience=2, threshold=0.01, cooldown=3, min_lr=[0.001, 0.01]),
    dict(patience=0, threshold_mode="abs", threshold=0.05, min_lr=0.02, eps=1e-3),
])
def test_reduce_lr_on_plateau_equals_torch(kwargs):
    ours_opt, theirs_opt = _pair("SGD", lr=0.1)
    ours = lr_scheduler.ReduceLROnPlateau(ours_opt, **kwargs)
    theirs = torch_ref.optim.lr_scheduler.ReduceLROnPlateau(theirs_opt, **kwargs)
    rng = np.random.default_rng(3)
    metrics = np.maximum(np.linspace(2.0, 0.5, 100), 1.0) + 0.05 * rng.standard_normal(100)
    for metric in metrics:
        ours.step(float(metric))
        theirs.step(float(metric))
        assert ours.get_last_lr() == theirs.get_last_lr()
        assert (ours.num_bad_epochs, ours.cooldown_counter, ours.best) == \
            (theirs.num_bad_epochs, theirs.cooldown_counter, theirs.best)
