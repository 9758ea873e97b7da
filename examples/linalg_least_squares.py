"""A cubic fitted to noisy samples two ways: in closed form by ``torch.linalg.lstsq``, and by gradient descent on
the same squared error, which converges to the same coefficients.

The design matrix is the Vandermonde matrix of the sample points (``torch.linalg.vander``); gradient descent
takes the step 1 / L, where L (the largest eigenvalue of 2 A^T A, from ``torch.linalg.eigvalsh``) bounds the
curvature of the loss, so every step decreases it.

    python -m examples.linalg_least_squares [--points 50] [--steps 2000] [--seed 0]
"""
import argparse

import autograd_core as torch

TRUE_COEFFICIENTS = (1.0, -2.0, 0.0, 0.5)  # y = 1 - 2x + 0.5x^3


def samples(points, seed):
    """``points`` x in [-1.5, 1.5] and y = the true cubic plus Gaussian noise (sd 0.1)."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.linspace(-1.5, 1.5, points, dtype=torch.float64)
    y = torch.linalg.vander(x, N=4) @ torch.tensor(TRUE_COEFFICIENTS, dtype=torch.float64)
    return x, y + 0.1 * torch.randn(points, generator=generator, dtype=torch.float64)


def squared_error(A, coefficients, y):
    residual = A @ coefficients - y
    return (residual * residual).sum()


def fit_by_lstsq(A, y):
    return torch.linalg.lstsq(A, y.unsqueeze(-1)).solution.squeeze(-1)


def fit_by_gradient_descent(A, y, steps):
    """Gradient descent from zero with step 1 / L; returns the coefficients and the loss after each step."""
    lipschitz = 2 * torch.linalg.eigvalsh(A.mT @ A).max()
    coefficients = torch.zeros(A.shape[-1], dtype=A.dtype, requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = squared_error(A, coefficients, y)
        (grad,) = torch.autograd.grad(loss, coefficients)
        with torch.no_grad():
            coefficients -= grad / lipschitz
        losses.append(loss.item())
    return coefficients.detach(), losses


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=50)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    x, y = samples(args.points, args.seed)
    A = torch.linalg.vander(x, N=4)
    exact = fit_by_lstsq(A, y)
    descended, losses = fit_by_gradient_descent(A, y, args.steps)
    print("coefficients of 1, x, x^2, x^3")
    print(f"  lstsq:            {[round(c, 5) for c in exact.tolist()]}  loss {squared_error(A, exact, y).item():.6f}")
    print(f"  gradient descent: {[round(c, 5) for c in descended.tolist()]}  loss {losses[-1]:.6f} "
          f"after {args.steps} steps")
    print(f"  largest difference: {(exact - descended).abs().max().item():.2e}")
    return {"lstsq": exact, "gradient_descent": descended, "losses": losses}


if __name__ == "__main__":
    main()
