"""The course's worked examples, which must hold exactly."""
import math

import numpy as np

import autograd_core as torch


def test_three_variable_function_value_gradient_and_repr():
    x1 = torch.tensor(1.0, requires_grad=True)
    x2 = torch.tensor(2.0, requires_grad=True)
    x3 = torch.tensor(3.0, requires_grad=True)
    z = (x1 - 2 * x2 - 1) ** 2 + (x2 * x3 - 1) ** 2 + 1
    assert repr(z) == "tensor(42., grad_fn=<AddBackward0>)"
    z.backward()
    assert (x1.grad.item(), x2.grad.item(), x3.grad.item()) == (-8.0, 46.0, 20.0)


def test_apple_shopping_graph():
    price = torch.tensor(100.0, requires_grad=True)
    count = torch.tensor(2.0, requires_grad=True)
    tax = torch.tensor(1.1, requires_grad=True)
    total = price * count * tax
    assert math.isclose(total.item(), 220.0, rel_tol=1e-6)
    total.backward()
    assert math.isclose(price.grad.item(), 2.2, rel_tol=1e-6)
    assert math.isclose(count.grad.item(), 110.0, rel_tol=1e-6)
    assert math.isclose(tax.grad.item(), 200.0, rel_tol=1e-6)


def test_chain_rule_z_equals_u_times_v():
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    y = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    u = x ** 2 + y ** 2
    v = torch.sin(x * y)
    (u * v).backward()
    assert math.isclose(x.grad.item(), 2 * math.sin(2) + 10 * math.cos(2), rel_tol=1e-12)


def test_numerical_gradient_descent_reaches_origin():
    def f(x):
        return (x ** 2).sum()

    x = torch.tensor([-3.0, 2.0], dtype=torch.float64)
    for _ in range(100):
        x = x - 0.1 * torch.numerical_gradient(f, x)
    assert np.all(np.abs(x.numpy()) < 1e-8)


def test_numerical_gradient_matches_autograd():
    def f(x):
        return (x.sin() * x).sum()

    x = torch.tensor([0.3, -1.2, 2.0], dtype=torch.float64, requires_grad=True)
    f(x).backward()
    np.testing.assert_allclose(torch.numerical_gradient(f, x.detach()).numpy(), x.grad.numpy(), rtol=1e-6)
    d = torch.numerical_diff(torch.exp, torch.tensor(1.0, dtype=torch.float64))
    assert math.isclose(d.item(), math.e, rel_tol=1e-7)


def test_numerical_gradient_evaluates_on_the_tensors_backend():
    x = torch.tensor([0.5, -1.5], dtype=torch.float64)
    seen = []

    def f(t):
        seen.append(type(t.array))
        return (t * t).sum()

    g = torch.numerical_gradient(f, x)
    assert type(g.array) is type(x.array) and all(kind is type(x.array) for kind in seen)
    np.testing.assert_allclose(g.numpy(), [1.0, -3.0], rtol=1e-8)
    np.testing.assert_allclose(torch.numerical_gradient(f, [0.5, -1.5]).numpy(), [1.0, -3.0], rtol=1e-8)


def test_least_squares_by_hand_written_gradient_descent():
    xs = torch.tensor([1.0, 2.0, 3.0])
    ys = torch.tensor([2.0, 3.0, 5.0])
    a = torch.tensor(0.0, requires_grad=True)
    b = torch.tensor(0.0, requires_grad=True)
    for _ in range(500):
        loss = ((a * xs + b - ys) ** 2).sum()  # the course sums the squared errors
        a.grad = b.grad = None
        loss.backward()
        with torch.no_grad():
            a -= 0.01 * a.grad
            b -= 0.01 * b.grad
    loss = ((a * xs + b - ys) ** 2).sum()
    assert math.isclose(a.item(), 1.49677, abs_tol=1e-5)
    assert math.isclose(b.item(), 0.34067, abs_tol=1e-5)
    assert math.isclose(loss.item(), 0.16669, abs_tol=1e-5)
