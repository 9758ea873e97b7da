"""The schedulers added after the first set, against torch.optim.lr_scheduler 2.13: 100 steps of learning rates
(and cycled momenta) equal to the bit, composite schedulers, epoch jumps, state_dict round trips, errors."""
import math
import pickle

import pytest

torch_ref = pytest.importorskip("torch")

import autograd_core as torch  # noqa: E402
import optim  # noqa: E402
from optim import lr_scheduler  # noqa: E402


def _groups(make_tensor):
    return [{"params": [make_tensor()]}, {"params": [make_tensor()], "lr": 0.3}]


def _pair(optimizer_name="SGD", **kwargs):
    kwargs = {"lr": 0.1, **({"momentum": 0.9} if optimizer_name == "SGD" else {}), **kwargs}
    ours = getattr(optim, optimizer_name)(_groups(lambda: torch.zeros(2, requires_grad=True)), **kwargs)
    theirs = getattr(torch_ref.optim, optimizer_name)(_groups(lambda: torch_ref.zeros(2, requires_grad=True)),
                                                      **kwargs)
    return ours, theirs


class Halving:
    """A callable object: its ``__dict__`` goes into the state dict."""

    def __init__(self):
        self.rate = 0.5

    def __call__(self, x):
        return self.rate ** x


def _momenta(opt):
    return [g["betas"] if "betas" in g else g["momentum"] for g in opt.param_groups]


def _assert_same_sequence(ours, theirs, ours_opt, theirs_opt, steps=100, step_args=lambda i: ()):
    for i in range(steps):
        assert ours.get_last_lr() == theirs.get_last_lr(), f"step {i}"
        assert [g["lr"] for g in ours_opt.param_groups] == [g["lr"] for g in theirs_opt.param_groups], f"step {i}"
        assert _momenta(ours_opt) == _momenta(theirs_opt), f"step {i}"
        ours_opt.step()
        theirs_opt.step()
        ours.step(*step_args(i))
        theirs.step(*step_args(i))


SIMPLE = [
    ("MultiplicativeLR", dict(lr_lambda=lambda epoch: 0.97)),
    ("MultiplicativeLR", dict(lr_lambda=[lambda epoch: 0.9, lambda epoch: 1.0 - 0.001 * epoch])),
    ("ConstantLR", dict()),
    ("ConstantLR", dict(factor=0.25, total_iters=30)),
    ("PolynomialLR", dict()),
    ("PolynomialLR", dict(total_iters=60, power=2.5)),
    ("CosineAnnealingWarmRestarts", dict(T_0=10)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.01)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=7)),
    ("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=[0.1, 0.5], step_size_up=5, step_size_down=11,
                      mode="triangular2")),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4, mode="exp_range", gamma=0.97,
                      base_momentum=0.7, max_momentum=0.95)),
    ("CyclicLR", dict(base_lr=0.001, max_lr=0.1, step_size_up=6, scale_fn=Halving(), scale_mode="iterations",
                      cycle_momentum=False)),
    ("CyclicLR", dict(base_lr=0.001, max_lr=0.1, step_size_up=6, scale_fn=lambda x: 1 / (1 + x))),
]


@pytest.mark.parametrize("optimizer_name", ["SGD", "Adam"])
@pytest.mark.parametrize("name, kwargs", SIMPLE, ids=[f"{n}{i}" for i, (n, _) in enumerate(SIMPLE)])
def test_lrs_equal_torch_over_100_steps(name, kwargs, optimizer_name):
    ours_opt, theirs_opt = _pair(optimizer_name)
    ours = getattr(lr_scheduler, name)(ours_opt, **kwargs)
    theirs = getattr(torch_ref.optim.lr_scheduler, name)(theirs_opt, **kwargs)
    _assert_same_sequence(ours, theirs, ours_opt, theirs_opt)


@pytest.mark.parametrize("T_mult", [1, 2])
def test_cosine_warm_restarts_with_fractional_epochs(T_mult):
    ours_opt, theirs_opt = _pair()
    ours = lr_scheduler.CosineAnnealingWarmRestarts(ours_opt, T_0=4, T_mult=T_mult, eta_min=0.001)
    theirs = torch_ref.optim.lr_scheduler.CosineAnnealingWarmRestarts(theirs_opt, T_0=4, T_mult=T_mult,
                                                                     eta_min=0.001)
    _assert_same_sequence(ours, theirs, ours_opt, theirs_opt, steps=60, step_args=lambda i: (i * 0.37,))
    assert (ours.T_i, ours.T_cur, ours.last_epoch) == (theirs.T_i, theirs.T_cur, theirs.last_epoch)


def _composite(module, opt, kind):
    sched = module.optim.lr_scheduler if module is torch_ref else lr_scheduler
    if kind == "sequential":
        return sched.SequentialLR(opt, [sched.LinearLR(opt, start_factor=0.1, total_iters=10),
                                        sched.ExponentialLR(opt, gamma=0.95),
                                        sched.CosineAnnealingLR(opt, T_max=20, eta_min=0.01)],
                                  milestones=[10, 40])
    if kind == "sequential_constant":
        return sched.SequentialLR(opt, [sched.ConstantLR(opt, factor=0.5, total_iters=5),
                                        sched.StepLR(opt, step_size=7, gamma=0.5),
                                        sched.MultiStepLR(opt, milestones=[3, 9], gamma=0.3),
                                        sched.PolynomialLR(opt, total_iters=20, power=2.0)],
                                  milestones=[5, 30, 50])
    if kind == "chained":
        return sched.ChainedScheduler([sched.ConstantLR(opt, factor=0.1, total_iters=4),
                                       sched.ExponentialLR(opt, gamma=0.9),
                                       sched.MultiplicativeLR(opt, lr_lambda=lambda e: 0.99)])
    return sched.ChainedScheduler([sched.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=5),
                                   sched.LinearLR(opt, start_factor=0.5, total_iters=8)], optimizer=opt)


@pytest.mark.parametrize("kind", ["sequential", "sequential_constant", "chained", "chained_cyclic"])
def test_composite_schedulers_equal_torch(kind):
    ours_opt, theirs_opt = _pair()
    ours, theirs = _composite(torch, ours_opt, kind), _composite(torch_ref, theirs_opt, kind)
    _assert_same_sequence(ours, theirs, ours_opt, theirs_opt)
    assert ours.state_dict().keys() == theirs.state_dict().keys()


@pytest.mark.parametrize("name, kwargs", [
    ("StepLR", dict(step_size=3, gamma=0.5)), ("MultiStepLR", dict(milestones=[2, 5, 5])),
    ("ExponentialLR", dict(gamma=0.9)), ("CosineAnnealingLR", dict(T_max=6)), ("LinearLR", dict(total_iters=4)),
    ("ConstantLR", dict(total_iters=3)), ("PolynomialLR", dict(total_iters=6, power=0.5)),
])
def test_step_with_an_epoch_uses_the_closed_form_and_warns(name, kwargs):
    ours_opt, theirs_opt = _pair()
    ours = getattr(lr_scheduler, name)(ours_opt, **kwargs)
    theirs = getattr(torch_ref.optim.lr_scheduler, name)(theirs_opt, **kwargs)
    for epoch in [4, 1, 7, 0, 9]:
        with pytest.warns(UserWarning, match="epoch parameter in `scheduler.step\\(\\)` was not necessary"):
            ours.step(epoch)
        with pytest.warns(UserWarning):
            theirs.step(epoch)
        assert ours.get_last_lr() == theirs.get_last_lr()


@pytest.mark.parametrize("name, kwargs", [
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, scale_fn=Halving())),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, mode="exp_range", gamma=0.9)),
    ("MultiplicativeLR", dict(lr_lambda=Halving())),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2)),
    ("PolynomialLR", dict(total_iters=10)),
])
def test_state_dict_round_trip_matches_torch(name, kwargs):
    ours_opt, theirs_opt = _pair()
    ours = getattr(lr_scheduler, name)(ours_opt, **kwargs)
    theirs = getattr(torch_ref.optim.lr_scheduler, name)(theirs_opt, **kwargs)
    for _ in range(5):
        ours_opt.step()
        ours.step()
        theirs_opt.step()
        theirs.step()
    ours_state, theirs_state = ours.state_dict(), theirs.state_dict()
    assert set(ours_state) - {"_is_initial"} == set(theirs_state) - {"_is_initial", "_get_lr_called_within_step"}
    pickle.dumps(ours_state)
    if name == "CyclicLR" and "scale_fn" in kwargs:
        assert ours_state["_scale_fn_custom"] == {"rate": 0.5}

    fresh_opt, _ = _pair()
    fresh = getattr(lr_scheduler, name)(fresh_opt, **kwargs)
    fresh_opt.load_state_dict(ours_opt.state_dict())  # a resume loads both, as in PyTorch
    fresh.load_state_dict(ours_state)
    for _ in range(10):
        fresh.step()
        theirs.step()
        assert fresh.get_last_lr() == theirs.get_last_lr()


def test_sequential_lr_resumes_from_its_state_dict():
    ours_opt, theirs_opt = _pair()
    ours, theirs = _composite(torch, ours_opt, "sequential"), _composite(torch_ref, theirs_opt, "sequential")
    for _ in range(15):
        ours_opt.step()
        theirs_opt.step()
        ours.step()
        theirs.step()
    state = ours.state_dict()
    assert [type(s) for s in state["_schedulers"]] == [dict, dict, dict]
    assert state["_milestones"] == [10, 40]
    copy_opt, _ = _pair()
    copy = _composite(torch, copy_opt, "sequential")
    copy_opt.load_state_dict(ours_opt.state_dict())
    copy.load_state_dict(state)
    for _ in range(40):
        copy_opt.step()
        theirs_opt.step()
        copy.step()
        theirs.step()
        assert copy.get_last_lr() == theirs.get_last_lr()


@pytest.mark.parametrize("make, error, message", [
    (lambda o: lr_scheduler.ConstantLR(o, factor=1.5), ValueError,
     "Constant multiplicative factor expected to be between 0 and 1."),
    (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=0), ValueError,
     "Expected positive integer T_0, but got 0"),
    (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=1.5), ValueError,
     "Expected integer T_mult >= 1, but got 1.5"),
    (lambda o: lr_scheduler.CyclicLR(o, 0.01, 0.1, mode="sawtooth"), ValueError,
     "mode is invalid and scale_fn is None"),
    (lambda o: lr_scheduler.CyclicLR(o, [0.01], 0.1), ValueError,
     "base_lr must have the same length as optimizer.param_groups. base_lr has 1 values, param_groups has 2."),
    (lambda o: lr_scheduler.MultiplicativeLR(o, lr_lambda=0.5), TypeError,
     "lr_lambda should be a function, but got float"),
    (lambda o: lr_scheduler.SequentialLR(o, [], milestones=[]), ValueError,
     "SequentialLR expects at least one scheduler, but got no scheduler."),
    (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.ConstantLR(o)], milestones=[3]), ValueError,
     "Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone "
     "points, but got number of schedulers 1 and the number of milestones to be equal to 1"),
    (lambda o: lr_scheduler.ChainedScheduler([]), ValueError,
     "ChainedScheduler expects at least one scheduler to be chained, but got no scheduler."),
    (lambda o: lr_scheduler.ChainedScheduler([lr_scheduler.ReduceLROnPlateau(o)]), ValueError,
     "ChainedScheduler does not support `ReduceLROnPlateau` scheduler"),
])
def test_bad_arguments_raise_pytorchs_errors(make, error, message):
    ours_opt, _ = _pair()
    with pytest.raises(error) as ours:
        make(ours_opt)
    assert str(ours.value).startswith(message)


def test_errors_match_torch_word_for_word():
    ours_opt, theirs_opt = _pair()
    for build in [lambda m, o: m.ConstantLR(o, factor=-1), lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=-3),
                  lambda m, o: m.CyclicLR(o, 0.01, [0.1, 0.2, 0.3]), lambda m, o: m.ChainedScheduler([])]:
        with pytest.raises(Exception) as ours:
            build(lr_scheduler, ours_opt)
        with pytest.raises(Exception) as theirs:
            build(torch_ref.optim.lr_scheduler, theirs_opt)
        assert (type(ours.value), str(ours.value)) == (type(theirs.value), str(theirs.value))


def test_cyclic_lr_needs_a_momentum_to_cycle():
    opt = optim.Adagrad([torch.zeros(2, requires_grad=True)])
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        lr_scheduler.CyclicLR(opt, 0.01, 0.1)
    scheduler = lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=2, cycle_momentum=False)
    scheduler.step()
    assert math.isclose(scheduler.get_last_lr()[0], 0.055)


def test_reduce_lr_on_plateau_takes_a_deprecated_epoch():
    ours_opt, theirs_opt = _pair()
    ours = lr_scheduler.ReduceLROnPlateau(ours_opt, patience=0)
    theirs = torch_ref.optim.lr_scheduler.ReduceLROnPlateau(theirs_opt, patience=0)
    for epoch, metric in [(3, 1.0), (7, 2.0), (8, 3.0)]:
        with pytest.warns(UserWarning, match="epoch parameter"):
            ours.step(metric, epoch)
        with pytest.warns(UserWarning):
            theirs.step(metric, epoch)
        assert (ours.last_epoch, ours.get_last_lr()) == (theirs.last_epoch, theirs.get_last_lr())
