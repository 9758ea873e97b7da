"""torch.autograd.graph.saved_tensors_hooks, save_on_cpu and disable_saved_tensors_hooks."""
import numpy as np
import pytest

import autograd_core as torch
from autograd_core.autograd.graph import (
    disable_saved_tensors_hooks,
    save_on_cpu,
    saved_tensors_hooks,
)

torch_ref = pytest.importorskip("torch")

X = np.random.RandomState(0).randn(3)


def packed_and_grad(m, fn):
    x = m.tensor(X, requires_grad=True)
    packed, unpacked = [], []

    def pack(t):
        packed.append(tuple(t.shape))
        return t

    def unpack(t):
        unpacked.append(tuple(t.shape))
        return t

    with m.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = fn(m, x)
        m.ones(3) * 2  # not recorded: nothing is saved
    y.backward()
    return packed, unpacked, x.grad


@pytest.mark.parametrize("fn", [
    lambda m, x: (x.exp() * x).sum(),
    lambda m, x: (x.tanh() * x.sigmoid()).sum(),
    lambda m, x: (x @ x) * x.sin().sum(),
])
def test_every_saved_value_goes_through_the_hooks_as_in_pytorch(fn):
    packed, unpacked, g = packed_and_grad(torch, fn)
    packed_ref, _, g_ref = packed_and_grad(torch_ref, fn)
    assert len(packed) == len(packed_ref) and len(unpacked) == len(packed)
    np.testing.assert_allclose(g.numpy(force=True), g_ref.numpy(), rtol=1e-12)


def test_hooks_see_what_a_custom_function_saves():
    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * grad

    seen = []
    x = torch.tensor(X, requires_grad=True)
    with saved_tensors_hooks(lambda t: seen.append(t) or ("box", t), lambda box: box[1] * 1):
        y = Cube.apply(x).sum()
    y.backward()
    assert len(seen) == 1
    np.testing.assert_allclose(x.grad.numpy(force=True), 3 * X ** 2)


def test_the_innermost_hooks_apply():
    outer, inner = [], []
    x = torch.tensor(X, requires_grad=True)
    with saved_tensors_hooks(lambda t: outer.append(t) or t, lambda t: t):
        a = x.exp()
        with saved_tensors_hooks(lambda t: inner.append(t) or t, lambda t: t):
            b = a.sin()
    (a + b).sum().backward()
    assert (len(outer), len(inner)) == (1, 1)


def test_save_on_cpu_keeps_host_copies_and_gives_the_same_gradients():
    def grads(context):
        x = torch.tensor(X, requires_grad=True)
        with context:
            y = (x.exp() * x.tanh()).sum()
        y.backward()
        return x.grad.numpy(force=True)

    class Nothing:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    np.testing.assert_array_equal(grads(save_on_cpu(pin_memory=False)), grads(Nothing()))


def test_an_unpack_hook_must_return_a_tensor():
    def call(m):
        x = m.tensor(X, requires_grad=True)
        with m.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: 3):
            y = x.exp().sum()
        y.backward()
    with pytest.raises(TypeError) as theirs:
        call(torch_ref)
    with pytest.raises(TypeError) as ours:
        call(torch)
    assert str(ours.value) == str(theirs.value)


def test_disable_saved_tensors_hooks_refuses_new_hooks_with_the_given_message():
    with disable_saved_tensors_hooks("no hooks in here"):
        with pytest.raises(RuntimeError, match="^no hooks in here$"):
            with saved_tensors_hooks(lambda t: t, lambda t: t):
                pass
    with saved_tensors_hooks(lambda t: t, lambda t: t):  # allowed again afterwards
        pass


def test_with_no_hooks_saved_tensors_are_kept_as_is():
    x = torch.tensor(X, requires_grad=True)
    y = x.exp()
    assert [label for label, _ in y.grad_fn.inspect_saved()] == ["output"]


def test_double_backward_reaches_the_graph_through_tensors_the_unpack_hook_made():
    def second_derivative(m):
        x = m.tensor(X, requires_grad=True)
        with m.autograd.graph.save_on_cpu():
            y = (x.exp() * x.sin() * x.tanh()).sum()
        (g,) = m.autograd.grad(y, x, create_graph=True)
        return m.autograd.grad(g.sum(), x)[0]
    np.testing.assert_allclose(second_derivative(torch).numpy(force=True), second_derivative(torch_ref).numpy(),
                               rtol=1e-12)
