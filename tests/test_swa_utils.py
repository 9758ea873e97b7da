"""optim.swa_utils against torch.optim.swa_utils 2.13: averaged weights equal to the bit over 100 updates
(SWA, EMA, avg_fn and multi_avg_fn, use_buffers), SWALR's learning rates, update_bn's statistics, errors."""
import copy

import numpy as np
import pytest

torch_ref = pytest.importorskip("torch")

import autograd_core as torch  # noqa: E402
import nn  # noqa: E402
import optim  # noqa: E402
from optim import swa_utils  # noqa: E402


def _models():
    """The same small model in both libraries: Linear, BatchNorm1d, Linear."""
    ours = nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5), nn.Linear(5, 3))
    theirs = torch_ref.nn.Sequential(torch_ref.nn.Linear(4, 5), torch_ref.nn.BatchNorm1d(5),
                                     torch_ref.nn.Linear(5, 3))
    _set_weights(ours, theirs, np.random.default_rng(0))
    return ours, theirs


def _set_weights(ours, theirs, rng):
    """New random parameters (the same in both), as a training step would change them."""
    with torch.no_grad(), torch_ref.no_grad():
        for a, b in zip(ours.parameters(), theirs.parameters()):
            value = rng.standard_normal(tuple(a.shape)).astype(np.float32)
            a.copy_(torch.tensor(value))
            b.copy_(torch_ref.from_numpy(value))


def _move_statistics(ours, theirs, rng):
    """New running statistics (the same in both), as a training-mode forward pass would set them."""
    with torch.no_grad(), torch_ref.no_grad():
        for a, b in zip(ours.buffers(), theirs.buffers()):
            if b.is_floating_point():
                value = np.abs(rng.standard_normal(tuple(a.shape))).astype(np.float32)
                a.copy_(torch.tensor(value))
                b.copy_(torch_ref.from_numpy(value))
            else:
                a.add_(1)
                b.add_(1)


def _assert_equal(ours_tensors, theirs_tensors):
    ours_tensors, theirs_tensors = list(ours_tensors), list(theirs_tensors)
    assert len(ours_tensors) == len(theirs_tensors)
    for a, b in zip(ours_tensors, theirs_tensors):
        np.testing.assert_array_equal(a.numpy(force=True), b.detach().numpy())


AVERAGINGS = {
    "swa": lambda m: {},
    "ema_multi": lambda m: {"multi_avg_fn": m.get_ema_multi_avg_fn(0.9)},
    "swa_multi": lambda m: {"multi_avg_fn": m.get_swa_multi_avg_fn()},
    "ema": lambda m: {"avg_fn": m.get_ema_avg_fn(0.95)},
    "swa_fn": lambda m: {"avg_fn": m.get_swa_avg_fn()},
    "custom": lambda m: {"avg_fn": lambda avg, cur, n: avg * 0.5 + cur * 0.5},
}


@pytest.mark.parametrize("use_buffers", [False, True])
@pytest.mark.parametrize("averaging", sorted(AVERAGINGS))
def test_averaged_weights_equal_torch_over_100_updates(averaging, use_buffers):
    ours_model, theirs_model = _models()
    ours = swa_utils.AveragedModel(ours_model, use_buffers=use_buffers, **AVERAGINGS[averaging](swa_utils))
    theirs = torch_ref.optim.swa_utils.AveragedModel(theirs_model, use_buffers=use_buffers,
                                                     **AVERAGINGS[averaging](torch_ref.optim.swa_utils))
    rng = np.random.default_rng(1)
    if averaging == "swa_multi" and use_buffers:  # num_batches_tracked is an integer: both refuse it
        for model, averaged in [(ours_model, ours), (theirs_model, theirs)]:
            averaged.update_parameters(model)
            with pytest.raises(RuntimeError, match="Integer division with addcdiv is no longer supported"):
                averaged.update_parameters(model)
        return
    for step in range(100):
        _set_weights(ours_model, theirs_model, rng)
        _move_statistics(ours_model, theirs_model, rng)
        ours.update_parameters(ours_model)
        theirs.update_parameters(theirs_model)
        if step % 10 == 0 or step == 99:
            _assert_equal(ours.module.parameters(), theirs.module.parameters())
            _assert_equal(ours.module.buffers(), theirs.module.buffers())
    assert int(ours.n_averaged) == int(theirs.n_averaged) == 100
    assert ours.n_averaged.dtype == torch.int64
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_averaged_model_forward_and_independence():
    ours_model, theirs_model = _models()
    ours, theirs = swa_utils.AveragedModel(ours_model), torch_ref.optim.swa_utils.AveragedModel(theirs_model)
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(torch.tensor(x)).numpy(force=True),
                               theirs(torch_ref.from_numpy(x)).detach().numpy(), rtol=1e-6, atol=1e-6)
    first = next(ours.module.parameters())
    assert first is not next(ours_model.parameters())  # a deep copy


def test_only_one_average_function():
    model, _ = _models()
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn should be provided"):
        swa_utils.AveragedModel(model, avg_fn=swa_utils.get_swa_avg_fn(),
                                multi_avg_fn=swa_utils.get_swa_multi_avg_fn())


@pytest.mark.parametrize("make", ["get_ema_multi_avg_fn", "get_ema_avg_fn"])
def test_bad_decay_raises_pytorchs_error(make):
    with pytest.raises(ValueError) as ours:
        getattr(swa_utils, make)(1.5)
    with pytest.raises(ValueError) as theirs:
        getattr(torch_ref.optim.swa_utils, make)(1.5)
    assert str(ours.value) == str(theirs.value)


def test_update_bn_equals_torch():
    ours_model, theirs_model = _models()
    rng = np.random.default_rng(3)
    batches = [rng.standard_normal((6, 4)).astype(np.float32) for _ in range(5)]
    ours_model.eval()
    theirs_model.eval()
    swa_utils.update_bn([(torch.tensor(b), 0) for b in batches], ours_model)
    torch_ref.optim.swa_utils.update_bn([(torch_ref.from_numpy(b), 0) for b in batches], theirs_model)
    bn, ref_bn = ours_model[1], theirs_model[1]
    np.testing.assert_allclose(bn.running_mean.numpy(force=True), ref_bn.running_mean.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(bn.running_var.numpy(force=True), ref_bn.running_var.numpy(), rtol=1e-6, atol=1e-7)
    assert int(bn.num_batches_tracked) == int(ref_bn.num_batches_tracked) == 5
    assert bn.momentum == ref_bn.momentum == 0.1
    assert not ours_model.training


def test_update_bn_without_batch_norm_does_nothing():
    model = nn.Linear(2, 2)
    before = copy.deepcopy([p.numpy(force=True) for p in model.parameters()])
    swa_utils.update_bn([torch.ones(1, 2)], model)
    for a, b in zip(before, model.parameters()):
        np.testing.assert_array_equal(a, b.numpy(force=True))


def _sgd_pair(lr=0.5):
    groups = lambda make: [{"params": [make()]}, {"params": [make()], "lr": 0.2}]  # noqa: E731
    return (optim.SGD(groups(lambda: torch.zeros(2, requires_grad=True)), lr=lr),
            torch_ref.optim.SGD(groups(lambda: torch_ref.zeros(2, requires_grad=True)), lr=lr))


@pytest.mark.parametrize("kwargs", [dict(swa_lr=0.05), dict(swa_lr=[0.05, 0.01], anneal_epochs=5,
                                                            anneal_strategy="linear"),
                                    dict(swa_lr=0.02, anneal_epochs=0)])
def test_swalr_lrs_equal_torch(kwargs):
    ours_opt, theirs_opt = _sgd_pair()
    ours = swa_utils.SWALR(ours_opt, **kwargs)
    theirs = torch_ref.optim.swa_utils.SWALR(theirs_opt, **kwargs)
    for _ in range(30):
        assert ours.get_last_lr() == theirs.get_last_lr()
        ours_opt.step()
        theirs_opt.step()
        ours.step()
        theirs.step()
    state = ours.state_dict()
    assert "anneal_func" not in state and state["_anneal_strategy"] == kwargs.get("anneal_strategy", "cos")
    again_opt, _ = _sgd_pair()
    again = swa_utils.SWALR(again_opt, **kwargs)
    again.load_state_dict(state)
    again_opt.load_state_dict(ours_opt.state_dict())
    for _ in range(5):
        again.step()
        theirs.step()
        assert again.get_last_lr() == theirs.get_last_lr()


@pytest.mark.parametrize("kwargs", [dict(swa_lr=0.1, anneal_strategy="step"), dict(swa_lr=0.1, anneal_epochs=-1),
                                    dict(swa_lr=[0.1])])
def test_swalr_bad_arguments_raise_pytorchs_errors(kwargs):
    ours_opt, theirs_opt = _sgd_pair()
    with pytest.raises(ValueError) as ours:
        swa_utils.SWALR(ours_opt, **kwargs)
    with pytest.raises(ValueError) as theirs:
        torch_ref.optim.swa_utils.SWALR(theirs_opt, **kwargs)
    assert str(ours.value) == str(theirs.value)
