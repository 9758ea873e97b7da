"""torch.utils.checkpoint: the same gradients as without it, fewer values held between forward and backward."""
import numpy as np
import pytest

import autograd_core as torch
import nn
from autograd_core.autograd.graph import saved_tensors_hooks
from autograd_core.utils.checkpoint import checkpoint, checkpoint_sequential

torch_ref = pytest.importorskip("torch")


def make_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Dropout(0.3), nn.Linear(32, 32), nn.Tanh(),
                         nn.Linear(32, 32), nn.Sigmoid(), nn.Linear(32, 1)).double()


def run(model, forward):
    """Gradients of the parameters and the input, and the elements held for backward by the outer graph."""
    for p in model.parameters():
        p.grad = None
    x = torch.randn(16, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(3), requires_grad=True)
    held = []
    torch.manual_seed(1)
    with saved_tensors_hooks(lambda t: held.append(t.numel()) or t, lambda t: t):
        loss = forward(x).pow(2).sum()
    loss.backward()
    return [p.grad.numpy(force=True) for p in model.parameters()] + [x.grad.numpy(force=True)], sum(held)


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_the_gradients_are_those_without_checkpoint(use_reentrant):
    model = make_model()
    expected, _ = run(model, model)
    for forward in (lambda x: checkpoint(model, x, use_reentrant=use_reentrant),
                    lambda x: checkpoint_sequential(model, 3, x, use_reentrant=use_reentrant)):
        got, _ = run(model, forward)
        for g, e in zip(got, expected):
            np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_fewer_values_are_held_between_forward_and_backward(use_reentrant):
    model = make_model()
    _, plain = run(model, model)
    _, checkpointed = run(model, lambda x: checkpoint(model, x, use_reentrant=use_reentrant))
    inputs, loss_input = 16 * 8, 16  # what checkpoint keeps to run the segment again; what pow(2) saves
    assert plain > 10 * inputs
    assert checkpointed <= inputs + loss_input


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_the_forward_runs_again_in_backward(use_reentrant):
    calls = []

    def segment(x, scale=1.0):
        calls.append(torch.is_grad_enabled())
        return (x.sin() * x).sum() * scale

    x = torch.randn(5, dtype=torch.float64, requires_grad=True)
    kwargs = {} if use_reentrant else {"scale": 2.0}
    y = checkpoint(segment, x, use_reentrant=use_reentrant, **kwargs)
    assert len(calls) == 1
    y.backward()
    assert len(calls) == 2 and calls[1]
    scale = 1.0 if use_reentrant else 2.0
    expected = (np.cos(x.numpy(force=True)) * x.numpy(force=True) + np.sin(x.numpy(force=True))) * scale
    np.testing.assert_allclose(x.grad.numpy(force=True), expected, rtol=1e-12)


def test_preserve_rng_state_replays_dropout_and_can_be_turned_off():
    x = torch.ones(200, dtype=torch.float64, requires_grad=True)
    drop = nn.Dropout(0.5)
    torch.manual_seed(0)
    y = checkpoint(drop, x, use_reentrant=True)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(force=True), y.detach().numpy(force=True))
    x.grad = None
    torch.manual_seed(0)
    y = checkpoint(drop, x, use_reentrant=True, preserve_rng_state=False)
    y.sum().backward()
    assert not np.array_equal(x.grad.numpy(force=True), y.detach().numpy(force=True))


def test_the_reentrant_node_is_named_as_pytorchs():
    def name(m):
        x = m.ones(2, requires_grad=True)
        return type(m.utils.checkpoint.checkpoint(lambda a: a * 2, x, use_reentrant=True).grad_fn).__name__
    assert name(torch) == name(torch_ref)


def test_warnings_and_errors_are_pytorchs():
    with pytest.warns(UserWarning, match="the use_reentrant parameter should be passed explicitly"):
        checkpoint(lambda a: a * 2, torch.ones(2, requires_grad=True))
    with pytest.warns(UserWarning, match="^None of the inputs have requires_grad=True. Gradients will be None$"):
        checkpoint(lambda a: a * 2, torch.ones(2), use_reentrant=True)
    with pytest.raises(ValueError) as theirs:
        torch_ref.utils.checkpoint.checkpoint(lambda a: a, torch_ref.ones(1), use_reentrant=True, foo=1)
    with pytest.raises(ValueError) as ours:
        checkpoint(lambda a: a, torch.ones(1), use_reentrant=True, foo=1)
    assert str(ours.value) == str(theirs.value)


def test_context_fn_wraps_each_run_and_is_refused_with_use_reentrant():
    entered = []

    class Note:
        def __init__(self, label):
            self.label = label

        def __enter__(self):
            entered.append((self.label, torch.is_grad_enabled()))

        def __exit__(self, *exc):
            return False

    x = torch.randn(3, dtype=torch.float64, requires_grad=True)
    y = checkpoint(lambda a: a.exp().sum(), x, use_reentrant=False, context_fn=lambda: (Note("first"), Note("rerun")))
    y.backward()
    assert [label for label, _ in entered] == ["first", "rerun"]
    for call in (lambda m: m.utils.checkpoint.checkpoint(lambda a: a, m.ones(1, requires_grad=True), use_reentrant=True,
                                                         context_fn=m.utils.checkpoint.noop_context_fn, debug=True),
                 lambda m: m.utils.checkpoint.checkpoint(lambda a: a * 2, m.ones(1, requires_grad=True),
                                                         use_reentrant=False, determinism_check="x")):
        with pytest.raises(ValueError) as theirs:
            call(torch_ref)
        with pytest.raises(ValueError) as ours:
            call(torch)
        assert str(ours.value) == str(theirs.value)


def test_a_rerun_that_saves_other_shapes_is_a_checkpoint_error():
    from autograd_core.utils.checkpoint import CheckpointError
    runs = []

    def moody(a):
        runs.append(1)
        return (a[: len(runs) + 1].exp()).sum()

    x = torch.randn(4, dtype=torch.float64, requires_grad=True)
    y = checkpoint(moody, x, use_reentrant=False)
    with pytest.raises(CheckpointError, match="Recomputed values for the following tensors have different metadata"):
        y.backward()
