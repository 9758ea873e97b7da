"""The define-by-run engine: backward order, fan-out, graph freeing, higher order, hooks, modes, in-place."""
import gc
import math
import tracemalloc
import weakref

import numpy as np
import pytest

import autograd_core as torch
from autograd_core.arrays import is_array
from autograd_core.autograd import gradcheck, gradgradcheck


def leaf(values, dtype=torch.float64):
    return torch.tensor(values, dtype=dtype, requires_grad=True)


def test_fan_out_accumulates():
    x = leaf(3.0)
    y = x * x + x  # x used three times
    y.backward()
    assert x.grad.item() == 7.0


def test_fanned_in_gradient_of_a_0d_leaf_is_a_writable_array():
    """numpy sums two 0-d arrays to a scalar: the summed gradient must still be a 0-d array (zero_ writes it)."""
    x = leaf(3.0)
    (x * 2.0 + x * 5.0).backward()
    assert is_array(x.grad.array) and x.grad.shape == ()
    assert x.grad.item() == 7.0
    x.grad.zero_()
    assert x.grad.item() == 0.0


def test_diamond_graph_runs_each_node_once():
    x = leaf(2.0)
    a = x.exp()
    y = a * a + a.sin()
    y.backward()
    e = math.exp(2.0)
    assert math.isclose(x.grad.item(), 2 * e * e + math.cos(e) * e, rel_tol=1e-12)


def test_broadcast_gradients_reduce_to_input_shapes():
    a = leaf(np.ones((2, 3)))
    b = leaf(np.ones((3,)))
    c = leaf(np.ones((2, 1)))
    (a * b + c).sum().backward()
    assert a.grad.shape == (2, 3) and b.grad.shape == (3,) and c.grad.shape == (2, 1)
    np.testing.assert_array_equal(b.grad.numpy(), [2, 2, 2])
    np.testing.assert_array_equal(c.grad.numpy(), [[3], [3]])


def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [5, 5])


def test_second_backward_through_freed_graph_raises():
    x = leaf(2.0)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 8.0
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_non_scalar_backward_needs_gradient():
    x = leaf([1.0, 2.0])
    y = x * 2
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        y.backward()
    y.backward(torch.tensor([1.0, 10.0], dtype=torch.float64))
    np.testing.assert_array_equal(x.grad.numpy(), [2, 20])


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        torch.tensor(1.0).backward()


def test_higher_order_derivatives():
    x = leaf(2.0)
    y = x ** 4
    (g1,) = torch.autograd.grad(y, x, create_graph=True)
    (g2,) = torch.autograd.grad(g1, x, create_graph=True)
    (g3,) = torch.autograd.grad(g2, x)
    assert (g1.item(), g2.item(), g3.item()) == (32.0, 48.0, 48.0)


def test_backward_with_create_graph_gives_differentiable_grad():
    x = leaf(1.5)
    y = x.tanh()
    y.backward(create_graph=True)
    g = x.grad
    assert g.grad_fn is not None
    x.grad = None
    g.backward()
    t = math.tanh(1.5)
    assert math.isclose(x.grad.item(), -2 * t * (1 - t * t), rel_tol=1e-12)


def test_autograd_grad_does_not_touch_dot_grad_and_reports_unused():
    x, w = leaf(1.0), leaf(2.0)
    unused = leaf(3.0)
    y = x * w
    gx, gw = torch.autograd.grad(y, (x, w), retain_graph=True)
    assert (gx.item(), gw.item()) == (2.0, 1.0)
    assert x.grad is None
    with pytest.raises(RuntimeError, match="not used in the graph"):
        torch.autograd.grad(y, (x, unused), retain_graph=True)
    assert torch.autograd.grad(y, (x, unused), allow_unused=True)[1] is None


def test_grad_with_respect_to_intermediate():
    x = leaf(2.0)
    h = x * 3
    y = h * h
    (gh,) = torch.autograd.grad(y, h)
    assert gh.item() == 12.0


def test_non_leaf_grad_only_with_retain_grad():
    x = leaf(1.0)
    h = x * 2
    k = x * 3
    h.retain_grad()
    (h * k).backward()
    assert h.grad.item() == 3.0
    assert k.grad is None
    assert h.retains_grad and not k.retains_grad and not h.is_leaf


def test_hooks_see_and_replace_gradients():
    x = leaf(1.0)
    seen = []
    x.register_hook(lambda g: seen.append(g.item()))
    h = x * 2
    h.register_hook(lambda g: g * 10)
    (h * 3).backward()
    assert seen == [60.0]
    assert x.grad.item() == 60.0
    handle = x.register_hook(lambda g: g * 0)
    handle.remove()
    x.grad = None
    (x * 1).backward()
    assert x.grad.item() == 1.0


def test_no_grad_context_and_decorator():
    x = leaf(1.0)
    with torch.no_grad():
        y = x * 2
        assert not torch.is_grad_enabled()
        with torch.enable_grad():
            z = x * 2
    assert torch.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad
    assert z.grad_fn is not None

    @torch.no_grad()
    def double(t):
        return t * 2

    assert double(x).grad_fn is None
    assert torch.is_grad_enabled()


def test_set_grad_enabled_as_call_and_context():
    x = leaf(1.0)
    with torch.set_grad_enabled(False):
        assert (x * 2).grad_fn is None
    assert torch.is_grad_enabled()
    torch.set_grad_enabled(False)
    try:
        assert (x * 2).grad_fn is None
    finally:
        torch.set_grad_enabled(True)
    assert (x * 2).grad_fn is not None


def test_detach_and_requires_grad_rules():
    x = leaf([1.0, 2.0])
    d = (x * 2).detach()
    assert d.grad_fn is None and not d.requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        torch.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        torch.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf variables"):
        (x * 2).requires_grad = False


def test_in_place_on_leaf_requiring_grad_raises():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with torch.no_grad():
        x.add_(1)
    assert x.item() == 2.0 and x._version == 1


def test_in_place_on_saved_tensor_is_detected():
    x = leaf([1.0, 2.0])
    h = x * 1
    y = h * h  # saves h
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_in_place_on_non_leaf_is_recorded():
    x = leaf([1.0, 2.0])
    h = x * 2
    h.mul_(3)
    h += 1
    assert repr(h.grad_fn) .startswith("<AddBackward0")
    h.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6, 6])


def test_in_place_dtype_and_shape_errors():
    a = torch.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        a.add_(0.5)
    b = torch.zeros(3)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        b.add_(torch.ones(2, 3))


def test_detect_anomaly_names_the_function():
    x = leaf([0.0, 1.0])
    y = x.sqrt().sum()
    with torch.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="SqrtBackward0"):
            y.backward()


def test_custom_function_pytorch_protocol():
    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return x ** 3 * scale

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2 * ctx.scale, None

    x = leaf([1.0, 2.0])
    y = Cube.apply(x, 2.0)
    assert y.grad_fn.name() == "CubeBackward"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6, 24])
    assert gradcheck(lambda t: Cube.apply(t, 0.5), (leaf([0.3, -0.7]),))


def test_custom_function_wrong_gradient_count():
    class Bad(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(leaf(1.0)).backward()


def test_internal_style_function_subclass():
    class Square(torch.Function):
        saves = (0,)

        def forward(self, x):
            return x ** 2

        def backward(self, gy):
            (x,) = self.saved_tensors
            return 2 * x * gy

    x = leaf(3.0)
    Square()(x).backward()
    assert x.grad.item() == 6.0


def test_deep_chain_has_no_recursion_limit():
    x = leaf(1.0, dtype=torch.float32)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0
    del y
    gc.collect()


def test_dropping_output_frees_graph():
    x = leaf(np.ones(4))
    y = (x.exp() * 2).sum()
    node = weakref.ref(y.grad_fn)
    inner = weakref.ref(y.grad_fn.next_functions[0][0])
    del y
    assert node() is None and inner() is None  # freed by reference counting, no gc needed


@pytest.mark.parametrize("make", [lambda h: h * h, lambda h: h * 3, lambda h: torch.atan2(h, h + 1)])
def test_backward_frees_the_saved_inputs_while_the_graph_is_kept(make):
    x = leaf([1.0, 2.0])
    h = x * 2
    y = make(h)
    assert any(value is h for _, value in y.grad_fn.inspect_saved())  # the op keeps h for its backward
    kept, loss = weakref.ref(h), y.sum()
    del h
    assert kept() is not None
    loss.backward()
    assert kept() is None and y.grad_fn.inspect_saved() is None  # loss still holds the graph, not h
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_training_iterations_do_not_grow_memory():
    w = leaf(np.random.default_rng(0).standard_normal(64), dtype=torch.float32)
    x = torch.randn(32, 64)

    def step():
        loss = ((x * w).tanh() ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w.sub_(0.01 * w.grad)
        w.grad = None

    for _ in range(50):
        step()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for _ in range(1000):
        step()
    grown = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    assert grown < 200_000, f"memory grew by {grown} bytes over 1000 iterations"


def test_gradcheck_detects_a_wrong_gradient():
    class Wrong(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 3

    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        gradcheck(Wrong.apply, (leaf([1.0, 2.0]),))
    assert not gradcheck(Wrong.apply, (leaf([1.0]),), raise_exception=False)


def test_gradcheck_runs_the_function_on_the_inputs_backend_and_leaves_them_unchanged():
    x = leaf([0.2, -0.4, 0.9])
    array, before = x.array, x.numpy(force=True).copy()
    seen = []

    def f(t):
        seen.append(type(t.array))
        return t.sin() * t

    assert gradcheck(f, (x,))
    assert seen and all(kind is type(array) for kind in seen)  # numpy's, or the strict backend's
    assert x.array is array
    np.testing.assert_array_equal(x.numpy(force=True), before)


def test_gradgradcheck_of_composite():
    x, w = leaf([0.2, -0.4, 0.9]), leaf([[0.5, 1.0, -1.5], [0.1, 0.2, 0.3]])
    assert gradgradcheck(lambda a, b: (a * b).tanh() * a.exp(), (x, w))


def test_backward_with_inputs_accumulates_only_into_them():
    x, w = leaf(2.0), leaf(3.0)
    h = x * w
    y = h * h
    y.backward(inputs=[w, h], retain_graph=True)
    assert x.grad is None
    assert w.grad.item() == 2 * 36 / 3 and h.grad.item() == 12.0
    y.backward(inputs=w)
    assert w.grad.item() == 2 * 2 * 36 / 3
