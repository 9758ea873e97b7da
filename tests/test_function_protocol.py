"""The one op protocol: ctx semantics of custom Functions, the engine's checks of what backward returns,
what a node keeps after backward, and grad mode per thread."""
import threading

import numpy as np
import pytest

import autograd_core as torch
from autograd_core.autograd import Function, once_differentiable
from autograd_core.function import Function as BuiltinBase


def leaf(values, dtype=torch.float64):
    return torch.tensor(values, dtype=dtype, requires_grad=True)


def _both(build):
    """``build(lib)`` run with ours and, when installed, with torch: the pair of results."""
    ours = build(torch)
    torch_ref = pytest.importorskip("torch")
    return ours, build(torch_ref)


# ----- ctx semantics, side by side with PyTorch -----

def test_custom_function_is_the_builtin_function_class():
    assert Function is BuiltinBase and torch.autograd.Function is torch.Function


def test_needs_input_grad_is_a_tuple_per_forward_argument():
    def build(lib):
        seen = {}

        class Scale(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, factor, y):
                seen["needs"] = ctx.needs_input_grad
                return x * factor + y

            @staticmethod
            def backward(ctx, g):
                return g * 2, None, g if ctx.needs_input_grad[2] else None

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([3.0, 4.0])
        Scale.apply(x, 2.0, y).sum().backward()
        return seen["needs"], x.grad.tolist()

    ours, theirs = _both(build)
    assert ours == theirs == ((True, False, False), [2.0, 2.0])


def test_mark_dirty_rebases_the_input_onto_the_node():
    def build(lib):
        class AddOneInPlace(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 3

        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = a * 1
        c = AddOneInPlace.apply(b)
        (c * c).sum().backward()
        return c is b, type(b.grad_fn).__name__, b.tolist(), a.grad.tolist()

    ours, theirs = _both(build)
    assert ours == theirs == (True, "AddOneInPlaceBackward", [2.0, 3.0], [12.0, 18.0])


def test_mark_dirty_of_a_leaf_that_requires_grad_raises():
    class InPlace(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        InPlace.apply(leaf([1.0]))


def test_mark_dirty_of_a_view_rebases_the_base_as_pytorch_does():
    def grad_of_base(lib):
        class Double(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 2

        x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        base = x * 1
        Double.apply(base[1:])
        (base * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum().backward()
        return base.detach().numpy(), x.grad.numpy(), type(base.grad_fn).__name__

    ours, theirs = _both(grad_of_base)
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_array_equal(ours[1], theirs[1])
    assert ours[2] == theirs[2] == "CopySlices"


def test_non_differentiable_outputs_and_materialized_zero_gradients():
    def build(lib):
        seen = []

        class SortWithIndex(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                values, index = x.sort()
                ctx.mark_non_differentiable(index)
                ctx.save_for_backward(index)
                return values, index

            @staticmethod
            def backward(ctx, g_values, g_index):
                seen.append(g_index is None or float(g_index.abs().sum()))
                (index,) = ctx.saved_tensors
                grad = g_values.new_zeros(g_values.shape) if hasattr(g_values, "new_zeros") else g_values * 0
                return grad.index_add(0, index, g_values)

        x = lib.tensor([3.0, 1.0, 2.0], requires_grad=True)
        values, index = SortWithIndex.apply(x)
        (values * lib.tensor([1.0, 10.0, 100.0])).sum().backward()
        return index.requires_grad, seen, x.grad.tolist()

    ours, theirs = _both(build)
    assert ours == theirs == (False, [0.0], [100.0, 1.0, 10.0])


def test_set_materialize_grads_false_passes_none():
    seen = []

    class Pair(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            seen.append((ga is None, gb is None))
            return ga * 2

    x = leaf([1.0])
    a, _ = Pair.apply(x)
    a.sum().backward()
    assert seen == [(False, True)] and x.grad.tolist() == [2.0]


def test_once_differentiable_refuses_a_second_derivative():
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x

    x = leaf([3.0])
    (g,) = torch.autograd.grad(Square.apply(x), x, leaf([1.0]), create_graph=True)
    assert g.tolist() == [6.0] and g.requires_grad
    with pytest.raises(RuntimeError, match="once_differentiable"):
        g.sum().backward()
    y = leaf([2.0])
    Square.apply(y).sum().backward()
    assert y.grad.tolist() == [4.0]


def test_saved_output_is_checked_for_in_place_changes():
    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            result = x.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, g):
            (result,) = ctx.saved_tensors
            return g * result

    y = Exp.apply(leaf([0.0, 1.0]))
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


# ----- what the engine checks in a backward's result -----

class _Returning(BuiltinBase):
    """A built-in-style op whose backward returns whatever the test asks for."""

    def __init__(self, make):
        self.make = make

    def forward(self, x, *rest):
        return x * 2

    def backward(self, g):
        return self.make(g)

    def name(self):
        return "ReturningBackward0"


def test_too_many_gradients_name_the_node():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"ReturningBackward0 returned an incorrect number of gradients "
                                           r"\(expected 1, got 2\)"):
        _Returning(lambda g: (g, g))(x).sum().backward()


def test_wrong_gradient_shape_names_the_node_and_both_shapes():
    x = leaf([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match=r"ReturningBackward0 returned an invalid gradient at index 0 - "
                                           r"got \[2\] but expected shape compatible with \[3\]"):
        _Returning(lambda g: g[:2])(x).sum().backward()


def test_broadcast_gradient_is_summed_and_other_dtype_cast_as_pytorch():
    x = leaf([1.0, 2.0, 3.0])
    _Returning(lambda g: g.expand(4, 3))(x).sum().backward()
    assert x.grad.tolist() == [4.0, 4.0, 4.0]
    y = leaf([1.0, 2.0], dtype=torch.float32)
    _Returning(lambda g: g.double())(y).sum().backward()
    assert y.grad.dtype == torch.float32


def test_custom_function_may_return_extra_nones_but_not_extra_gradients():
    def make(result):
        class Op(Function):
            @staticmethod
            def forward(ctx, x):
                return x * 1

            @staticmethod
            def backward(ctx, g):
                return result(g)
        return Op

    x = leaf([1.0])
    make(lambda g: (g, None, None)).apply(x).sum().backward()
    assert x.grad.tolist() == [1.0]
    with pytest.raises(RuntimeError, match=r"incorrect number of gradients \(expected 1, got 2\)"):
        make(lambda g: (g, g)).apply(x).sum().backward()
    with pytest.raises(RuntimeError, match=r"invalid gradient at index 0 - got \[1\] but expected shape "
                                           r"compatible with \[2\]"):
        make(lambda g: g[:1]).apply(leaf([1.0, 2.0])).sum().backward()


# ----- what a node keeps -----

def test_backward_frees_everything_a_node_saved():
    import nn.functional as F
    logits = leaf(np.random.default_rng(0).standard_normal((50, 10)))
    loss = F.cross_entropy(logits, torch.tensor(np.arange(50) % 10))
    node = loss.grad_fn
    stack, seen = [node], set()
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        stack.extend(next_fn for next_fn, _ in fn.next_functions)
    loss.backward()
    for fn in seen:
        if not hasattr(fn, "__dict__"):
            continue  # AccumulateGrad
        arrays = [name for name, value in vars(fn).items() if isinstance(value, np.ndarray) and value.size > 10]
        assert not arrays, f"{fn.name()} still holds {arrays} after backward"
        assert getattr(fn, "_saved", None) is None or not hasattr(fn, "inspect_saved") or fn.inspect_saved() is None


# ----- grad mode belongs to each thread -----

def test_no_grad_in_one_thread_does_not_stop_recording_in_another():
    w = leaf(np.ones(4))
    stop, lost, steps = threading.Event(), [], 2000

    def evaluate():
        while not stop.is_set():
            with torch.no_grad():
                (w * 2).sum()

    evaluator = threading.Thread(target=evaluate)
    evaluator.start()
    try:
        for _ in range(steps):
            y = (w * w).sum()
            if y.grad_fn is None:
                lost.append(1)
            else:
                y.backward()
    finally:
        stop.set()
        evaluator.join()
    assert not lost and w.grad.tolist() == [2.0 * steps] * 4
    assert torch.is_grad_enabled()
