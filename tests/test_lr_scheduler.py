"""optim.lr_scheduler: the learning-rate sequences, state_dict resumption and errors (no torch needed)."""
import math

import pytest

import autograd_core as torch
import optim
from optim import lr_scheduler


def make_optimizer(lr=1.0, groups=1, cls=optim.SGD, **kwargs):
    params = [{"params": [torch.zeros(2, requires_grad=True)]} for _ in range(groups)]
    return cls(params, lr=lr, **kwargs)


def lrs(scheduler, steps):
    """The first group's lr before each of ``steps`` epochs."""
    values = []
    for _ in range(steps):
        values.append(scheduler.get_last_lr()[0])
        scheduler.optimizer.step()
        scheduler.step()
    return values


def test_construction_records_initial_lr_and_takes_the_first_step():
    opt = make_optimizer(lr=0.5, groups=2)
    scheduler = lr_scheduler.StepLR(opt, step_size=2)
    assert scheduler.last_epoch == 0 and scheduler.base_lrs == [0.5, 0.5]
    assert all(g["initial_lr"] == 0.5 for g in opt.param_groups)
    assert scheduler.get_last_lr() == [0.5, 0.5]
    assert lr_scheduler._LRScheduler is lr_scheduler.LRScheduler


def test_step_lr_and_multi_step_lr():
    assert lrs(lr_scheduler.StepLR(make_optimizer(), step_size=2, gamma=0.5), 6) == [1, 1, 0.5, 0.5, 0.25, 0.25]
    values = lrs(lr_scheduler.MultiStepLR(make_optimizer(), milestones=[2, 4, 4], gamma=0.1), 6)
    assert values == pytest.approx([1, 1, 0.1, 0.1, 0.001, 0.001])


def test_exponential_lr():
    assert lrs(lr_scheduler.ExponentialLR(make_optimizer(), gamma=0.5), 4) == [1, 0.5, 0.25, 0.125]


def test_cosine_annealing_reaches_eta_min_at_t_max_and_comes_back():
    values = lrs(lr_scheduler.CosineAnnealingLR(make_optimizer(), T_max=10, eta_min=0.1), 21)
    assert values[0] == 1.0
    assert values[5] == pytest.approx(0.1 + 0.9 * (1 + math.cos(math.pi / 2)) / 2)
    assert values[10] == pytest.approx(0.1)
    assert values[20] == pytest.approx(1.0)


def test_lambda_lr_per_group():
    opt = make_optimizer(lr=2.0, groups=2)
    scheduler = lr_scheduler.LambdaLR(opt, [lambda e: e + 1, lambda e: 0.5 ** e])
    opt.step()
    scheduler.step()
    opt.step()
    scheduler.step()
    assert scheduler.get_last_lr() == [6.0, 0.5]
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        lr_scheduler.LambdaLR(opt, [lambda e: 1.0])


def test_linear_lr_warms_up_then_holds():
    values = lrs(lr_scheduler.LinearLR(make_optimizer(), start_factor=0.25, total_iters=3), 6)
    assert values == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        lr_scheduler.LinearLR(make_optimizer(), start_factor=0)
    with pytest.raises(ValueError, match="Ending multiplicative factor"):
        lr_scheduler.LinearLR(make_optimizer(), end_factor=1.5)


def test_one_cycle_lr_warms_up_anneals_and_cycles_momentum():
    opt = make_optimizer(cls=optim.SGD, momentum=0.9)
    scheduler = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=0.5, div_factor=10.0,
                                        final_div_factor=100.0)
    momenta = []
    values = []
    for step in range(10):
        values.append(scheduler.get_last_lr()[0])
        momenta.append(opt.param_groups[0]["momentum"])
        opt.step()
        if step < 9:
            scheduler.step()
    assert values[0] == pytest.approx(0.1) and values[4] == pytest.approx(1.0) and max(values) == values[4]
    assert values[-1] == pytest.approx(0.1 / 100)
    assert momenta[0] == pytest.approx(0.95) and momenta[4] == pytest.approx(0.85)
    assert momenta[-1] == pytest.approx(0.95)
    scheduler.step()
    with pytest.raises(ValueError, match="Tried to step 11 times. The specified number of total steps is 10"):
        scheduler.step()


def test_one_cycle_lr_with_adam_cycles_beta1_and_checks_arguments():
    opt = make_optimizer(cls=optim.Adam, lr=0.1)
    lr_scheduler.OneCycleLR(opt, max_lr=0.1, epochs=2, steps_per_epoch=5)
    assert opt.param_groups[0]["betas"] == (0.95, 0.999)
    with pytest.raises(ValueError, match="either total_steps OR"):
        lr_scheduler.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="Expected float between 0 and 1 pct_start"):
        lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10, pct_start=2.0)
    with pytest.raises(ValueError, match="must support momentum or beta1"):
        lr_scheduler.OneCycleLR(make_optimizer(cls=optim.Adagrad), max_lr=0.1, total_steps=10)
    with pytest.raises(ValueError, match="max_lr must have the same length as optimizer.param_groups"):
        lr_scheduler.OneCycleLR(opt, max_lr=[0.1, 0.2], total_steps=10)


def test_reduce_lr_on_plateau():
    opt = make_optimizer(lr=1.0)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1, min_lr=0.2)
    history = []
    for metric in [5, 4, 4, 4, 4, 4, 4, 4, 3]:
        scheduler.step(metric)
        history.append(scheduler.get_last_lr()[0])
    # improvement resets the count; 2 bad epochs > patience 1 halve the lr; one cooldown epoch; floor at 0.2
    assert history == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]
    scheduler.step(torch.tensor(1.0))  # a 0-d tensor works as the metric
    assert scheduler.best == 1.0
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode sideways is unknown"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="sideways")


def test_reduce_lr_on_plateau_max_mode_and_floor():
    opt = make_optimizer(lr=1.0)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.1, patience=0, min_lr=0.05)
    for metric in [1, 0.5, 0.5, 0.5]:
        scheduler.step(metric)
    assert scheduler.get_last_lr() == [0.05]


@pytest.mark.parametrize("make", [
    lambda opt: lr_scheduler.StepLR(opt, step_size=3, gamma=0.5),
    lambda opt: lr_scheduler.CosineAnnealingLR(opt, T_max=7, eta_min=0.01),
    lambda opt: lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=30),
    lambda opt: lr_scheduler.LambdaLR(opt, lambda e: 1 / (1 + e)),
    lambda opt: lr_scheduler.ReduceLROnPlateau(opt, patience=1),
])
def test_state_dict_resumes_the_sequence(make):
    def advance(scheduler, start, count):
        for epoch in range(start, start + count):
            scheduler.optimizer.step()
            if isinstance(scheduler, lr_scheduler.ReduceLROnPlateau):
                scheduler.step(1.0 if epoch % 4 else 2.0)
            else:
                scheduler.step()
        return scheduler.get_last_lr()

    straight = make(make_optimizer(momentum=0.9))
    expected = advance(straight, 0, 20)

    first = make(make_optimizer(momentum=0.9))
    advance(first, 0, 10)
    saved_scheduler, saved_optimizer = first.state_dict(), first.optimizer.state_dict()
    assert "optimizer" not in saved_scheduler
    second = make(make_optimizer(momentum=0.9))
    second.optimizer.load_state_dict(saved_optimizer)
    second.load_state_dict(saved_scheduler)
    assert advance(second, 10, 10) == expected


def test_scheduler_errors():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.StepLR([], step_size=1)
    with pytest.raises(KeyError, match=r"param 'initial_lr' is not specified in param_groups\[0\]"):
        lr_scheduler.StepLR(make_optimizer(), step_size=1, last_epoch=3)


def test_resume_with_last_epoch_uses_the_recorded_initial_lr():
    opt = make_optimizer(lr=1.0)
    lr_scheduler.ExponentialLR(opt, gamma=0.5)
    opt.param_groups[0]["lr"] = 0.25
    resumed = lr_scheduler.ExponentialLR(opt, gamma=0.5, last_epoch=2)
    assert resumed.base_lrs == [1.0] and resumed.last_epoch == 3 and resumed.get_last_lr() == [0.25]
    opt.step()
    resumed.step()
    assert resumed.get_last_lr() == [0.125]
