"""REINFORCE on a cart-pole, written with torch.distributions (no gym needed).

A pole is hinged on a cart that moves on a track; each step the policy pushes the
cart left or right with a fixed force, and earns 1 while the pole stays within 12
degrees of upright and the cart within 2.4 units of the centre (the classic
cart-pole of Barto, Sutton and Anderson, 1983, integrated by Euler steps of 0.02 s).
An episode ends when either fails, or after --max-steps.

The policy is a small network mapping the state (x, dx/dt, angle, d angle/dt) to the
logits of ``Categorical`` over the two pushes. REINFORCE raises the log-probability
of each action in proportion to the discounted return that followed it:

    loss = -mean over episodes of sum_t log pi(a_t | s_t) * A_t,

where A_t is the return from step t on, standardised over the batch (a baseline
that lowers the variance). A batch of --episodes cart-poles runs side by side.

    python -m examples.policy_gradient [--iterations 60] [--episodes 16] [--max-steps 200]
                                       [--gamma 0.99] [--lr 0.01] [--seed 0] [--out DIR]

Writes policy_gradient.png: the mean episode length per iteration.
"""
import argparse
import math

import numpy as np

import autograd_core as torch
import nn
import optim
from autograd_core.distributions import Categorical
from examples._plots import output_dir, save_curves

GRAVITY, CART_MASS, POLE_MASS, POLE_HALF_LENGTH, FORCE, DT = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
ANGLE_LIMIT, POSITION_LIMIT = 12 * 2 * math.pi / 360, 2.4


class CartPoles:
    """``n`` independent cart-poles stepped together; states are rows (x, dx, theta, dtheta)."""

    def __init__(self, n, rng):
        self.states = rng.uniform(-0.05, 0.05, size=(n, 4))

    def step(self, actions):
        """Push each cart right (action 1) or left (0) for one time step; returns which poles fell."""
        x, dx, theta, dtheta = self.states.T
        force = np.where(actions == 1, FORCE, -FORCE)
        cos, sin = np.cos(theta), np.sin(theta)
        total_mass = CART_MASS + POLE_MASS
        temp = (force + POLE_MASS * POLE_HALF_LENGTH * dtheta ** 2 * sin) / total_mass
        angular = (GRAVITY * sin - cos * temp) / (
            POLE_HALF_LENGTH * (4.0 / 3.0 - POLE_MASS * cos ** 2 / total_mass))
        linear = temp - POLE_MASS * POLE_HALF_LENGTH * angular * cos / total_mass
        self.states = np.stack([x + DT * dx, dx + DT * linear, theta + DT * dtheta, dtheta + DT * angular], axis=1)
        return (np.abs(self.states[:, 0]) > POSITION_LIMIT) | (np.abs(self.states[:, 2]) > ANGLE_LIMIT)


def make_policy(hidden=32):
    return nn.Sequential(nn.Linear(4, hidden), nn.Tanh(), nn.Linear(hidden, 2))


def run_episodes(policy, n, max_steps, rng):
    """Play ``n`` episodes at once; returns the log-probabilities of the actions taken and the mask of steps
    played, both (steps, n)."""
    poles = CartPoles(n, rng)
    alive = np.ones(n, dtype=bool)
    log_probs, masks = [], []
    for _ in range(max_steps):
        actions = Categorical(logits=policy(torch.tensor(poles.states, dtype=torch.float32)))
        chosen = actions.sample()
        log_probs.append(actions.log_prob(chosen))
        masks.append(alive.copy())
        alive &= ~poles.step(chosen.numpy(force=True))
        if not alive.any():
            break
    return torch.stack(log_probs), np.array(masks, dtype=np.float32)


def standardised_returns(masks, gamma):
    """The discounted return from each step played on (1 per step alive), standardised over those steps."""
    returns = np.zeros_like(masks)
    following = np.zeros(masks.shape[1], dtype=np.float32)
    for t in reversed(range(len(masks))):
        following = masks[t] * (1.0 + gamma * following)
        returns[t] = following
    played = masks.astype(bool)
    advantages = (returns - returns[played].mean()) / (returns[played].std() + 1e-8)
    return advantages * masks


def reinforce_loss(log_probs, masks, gamma):
    """-mean over episodes of sum_t log pi(a_t | s_t) A_t."""
    advantages = torch.tensor(standardised_returns(masks, gamma))
    return -(log_probs * advantages).sum() / masks.shape[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=60)
    parser.add_argument("--episodes", type=int, default=16, help="cart-poles played per policy update")
    parser.add_argument("--max-steps", type=int, default=200)
    parser.add_argument("--gamma", type=float, default=0.99)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out", help="folder for the plot (default ./out)")
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    policy = make_policy()
    optimizer = optim.Adam(policy.parameters(), lr=args.lr)
    lengths, losses = [], []
    for iteration in range(1, args.iterations + 1):
        log_probs, masks = run_episodes(policy, args.episodes, args.max_steps, rng)
        loss = reinforce_loss(log_probs, masks, args.gamma)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        lengths.append(float(masks.sum(0).mean()))
        losses.append(loss.item())
        print(f"iteration {iteration}: mean episode length {lengths[-1]:.1f} steps (of {args.max_steps})")
    plot = save_curves(output_dir(args.out) / "policy_gradient.png",
                       {"cart-pole, REINFORCE": {"mean episode length": lengths}}, xlabel="iteration")
    print(f"plot: {plot}")
    return {"lengths": lengths, "losses": losses, "policy": policy, "plot": plot}


if __name__ == "__main__":
    main()
