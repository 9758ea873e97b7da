"""The Hessian of the course's f(x1, x2, x3) = (x1 - 2 x2 - 1)^2 + (x2 x3 - 1)^2 + 1 at (1, 2, 3), two ways.

1. ``torch.autograd.functional.hessian(f, x)`` (and ``torch.func.hessian``, forward-over-reverse);
2. double backward: the gradient with ``create_graph=True``, then one backward per gradient entry.

All three give [[2, -4, 0], [-4, 26, 22], [0, 22, 8]].

    python -m examples.hessian
"""
import autograd_core as torch
from examples.numerical_diff import three_variable_function


def hessian_by_double_backward(f, point):
    """Row i of the Hessian is the gradient of (d f / d x_i), which the first backward left differentiable."""
    x = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    (gradient,) = torch.autograd.grad(f(x), x, create_graph=True)
    rows = [torch.autograd.grad(gradient[i], x, retain_graph=True)[0] for i in range(len(point))]
    return torch.stack(rows)


def main(argv=None):
    point = [1.0, 2.0, 3.0]
    x = torch.tensor(point, dtype=torch.float64)
    by_functional = torch.autograd.functional.hessian(three_variable_function, x)
    by_func = torch.func.hessian(three_variable_function)(x)
    by_double_backward = hessian_by_double_backward(three_variable_function, point)
    print(f"f(1, 2, 3) = {three_variable_function(x).item():g}")
    print(f"Hessian by torch.autograd.functional.hessian:\n{by_functional}")
    print(f"Hessian by torch.func.hessian (jacfwd over jacrev):\n{by_func}")
    print(f"Hessian by double backward:\n{by_double_backward}")
    assert torch.equal(by_functional, by_double_backward) and torch.equal(by_func, by_double_backward)
    return {"functional": by_functional.numpy(), "func": by_func.numpy(), "double_backward": by_double_backward.numpy()}


if __name__ == "__main__":
    main()
