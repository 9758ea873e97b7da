"""Smoke tests of examples/policy_gradient.py (REINFORCE on a cart-pole with torch.distributions.Categorical)."""
import numpy as np

import autograd_core as torch
from examples import policy_gradient


def test_reinforce_lengthens_the_episodes(tmp_path, capsys):
    result = policy_gradient.main(["--iterations", "14", "--episodes", "16", "--max-steps", "100", "--out",
                                   str(tmp_path)])
    lengths = result["lengths"]
    assert len(lengths) == 14 and all(1 <= n <= 100 for n in lengths)
    assert np.mean(lengths[-3:]) > 1.5 * np.mean(lengths[:3])  # the expected return (minus the loss) rises
    assert result["plot"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "iteration 14: mean episode length" in capsys.readouterr().out


def test_returns_are_discounted_from_each_step_and_standardised():
    masks = np.array([[1, 1], [1, 1], [1, 0]], dtype=np.float32)  # episodes of 3 and 2 steps
    gamma = 0.5
    returns = np.array([[1.75, 1.5], [1.5, 1.0], [1.0, 0.0]])
    played = masks.astype(bool)
    expected = (returns - returns[played].mean()) / returns[played].std() * masks
    np.testing.assert_allclose(policy_gradient.standardised_returns(masks, gamma), expected, rtol=1e-5)


def test_the_loss_sends_gradients_to_every_parameter_through_log_prob():
    torch.manual_seed(0)
    policy = policy_gradient.make_policy(hidden=8)
    log_probs, masks = policy_gradient.run_episodes(policy, 4, 30, np.random.default_rng(0))
    assert log_probs.shape == masks.shape and masks[0].all()
    loss = policy_gradient.reinforce_loss(log_probs, masks, 0.99)
    loss.backward()
    assert all(p.grad is not None and float(p.grad.abs().sum()) > 0 for p in policy.parameters())


def test_a_pole_left_alone_falls_within_the_limits():
    poles = policy_gradient.CartPoles(3, np.random.default_rng(1))
    fell, steps = np.zeros(3, dtype=bool), 0
    while not fell.all() and steps < 500:
        fell |= poles.step(np.ones(3, dtype=np.int64))  # always pushing right tips the pole over
        steps += 1
    assert fell.all() and steps < 100
