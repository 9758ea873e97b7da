"""In-place changes through a view of a non-leaf tensor, as PyTorch records them.

The base's history is rebased onto a ``CopySlices`` node (the changed region's
gradient goes through the in-place op, the rest is unchanged) and the view reads
its part back from the base (``AsStridedBackward0``). Leaf views, views made in
no_grad mode and the pieces of split/chunk/unbind keep PyTorch's errors.
"""
import numpy as np
import pytest

import autograd_core as torch
import nn
import nn.functional as F
from autograd_core.autograd import gradcheck, gradgradcheck

torch_ref = pytest.importorskip("torch")

X = np.linspace(0.1, 1.2, 12).reshape(3, 4)
Y = np.array([0.5, -1.5, 2.0])


def _functional(lib):
    return F if lib is torch else torch_ref.nn.functional


def _modules(lib):
    return nn if lib is torch else torch_ref.nn


def _column_add(lib, h, y):
    h[:, 1] += y  # the view Python makes for += is gone: the one returned is made afterwards
    return h[:, 1]


def _set_through_view(lib, h, y):
    view = h[0]
    view[1] = y.sum()
    return view


def _twice(lib, h, y):
    h[0].mul_(2)
    return h[:, 1].mul_(y)


# each change writes through a view of h (3, 4) and returns that view; y (3,) requires grad too
CHANGES = {
    "select": lambda lib, h, y: h[0].mul_(2),
    "slice": lambda lib, h, y: h[1:].mul_(3),
    "element": lambda lib, h, y: h[1, 2].mul_(y[0]),
    "column_iadd": _column_add,
    "view": lambda lib, h, y: h.view(-1).add_(1),
    "reshape": lambda lib, h, y: h.reshape(2, 6).mul_(2),
    "t": lambda lib, h, y: h.t().mul_(y),
    "transpose_select": lambda lib, h, y: h.transpose(0, 1)[1].mul_(y),
    "permute_select": lambda lib, h, y: h.permute(1, 0)[0].add_(y),
    "chained": lambda lib, h, y: h.view(-1)[2:5].mul_(y),
    "unsqueeze": lambda lib, h, y: h.unsqueeze(0)[0, 1].mul_(2),
    "narrow": lambda lib, h, y: h.narrow(1, 1, 2).mul_(2),
    "ellipsis": lambda lib, h, y: h[...].mul_(2),
    "zero": lambda lib, h, y: h[0].zero_(),
    "fill": lambda lib, h, y: h[1].fill_(3),
    "copy": lambda lib, h, y: h[:, 0].copy_(y),
    "setitem": _set_through_view,
    "exp": lambda lib, h, y: h[:, 2].exp_(),
    "relu_inplace": lambda lib, h, y: _functional(lib).relu(h[0], inplace=True),
    "twice": _twice,
}


def _run(lib, change):
    x = lib.tensor(X, requires_grad=True)
    y = lib.tensor(Y, requires_grad=True)
    h = x * x
    view = change(lib, h, y)
    (h * h).sum().backward()
    y_grad = None if y.grad is None else y.grad.numpy()
    return h.detach().numpy(), x.grad.numpy(), y_grad, type(h.grad_fn).__name__, type(view.grad_fn).__name__


@pytest.mark.parametrize("name", list(CHANGES))
def test_values_gradients_and_node_names_match_pytorch(name):
    ours, theirs = _run(torch, CHANGES[name]), _run(torch_ref, CHANGES[name])
    for mine, reference in zip(ours[:3], theirs[:3]):
        if reference is None:
            assert mine is None or not mine.any()
        else:
            np.testing.assert_allclose(mine, reference, rtol=1e-12, atol=1e-12)
    assert ours[3:] == theirs[3:] and ours[3] == "CopySlices"


@pytest.mark.parametrize("name", list(CHANGES))
def test_gradients_of_both_orders_by_finite_differences(name):
    def f(x, y):
        h = x * x
        CHANGES[name](torch, h, y)
        return h * 1

    inputs = (torch.tensor(X, requires_grad=True), torch.tensor(Y, requires_grad=True))
    assert gradcheck(f, inputs)
    assert gradgradcheck(f, inputs)


def _non_contiguous_base(lib, x):
    h = x.t() * x.t()  # a root whose memory is column-major: the view's reshape copies when replayed row-major
    h.t().view(-1)[2:7].mul_(3)
    return h


def test_a_base_with_another_memory_layout():
    x = torch.tensor(X, requires_grad=True)
    assert not _non_contiguous_base(torch, x.detach()).is_contiguous()
    assert gradcheck(lambda x: _non_contiguous_base(torch, x) * 1, (x,))
    assert gradgradcheck(lambda x: _non_contiguous_base(torch, x) * 1, (x,))
    reference = torch_ref.tensor(X, requires_grad=True)
    (_non_contiguous_base(torch, x) ** 2).sum().backward()
    (_non_contiguous_base(torch_ref, reference) ** 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), reference.grad.numpy(), rtol=1e-12)


def _stale_views(lib):
    """Views made before their memory changed in place (through the base or another view) read the new history."""
    x = lib.tensor(X, requires_grad=True)
    h = x * 1
    row, flat = h[0], h.view(-1)
    h.mul_(2)  # through the base
    flat[3:6].mul_(lib.tensor([1.0, 3.0, 5.0], dtype=lib.float64))  # through another view
    (row * row).sum().backward()
    return x.grad.numpy()


def test_views_made_before_a_change_follow_it():
    np.testing.assert_allclose(_stale_views(torch), _stale_views(torch_ref), rtol=1e-12)


def _buffer_filled_from_a_parameter(lib):
    w = lib.tensor(Y, requires_grad=True)
    buffer = lib.zeros(2, 3, dtype=lib.float64)
    buffer[1].copy_(w)
    (buffer * lib.tensor([[1.0], [2.0]], dtype=lib.float64)).sum().backward()
    return w.grad.numpy(), buffer.requires_grad, type(buffer.grad_fn).__name__


def test_a_buffer_that_needs_no_grad_takes_the_values_history():
    ours, theirs = _buffer_filled_from_a_parameter(torch), _buffer_filled_from_a_parameter(torch_ref)
    np.testing.assert_array_equal(ours[0], theirs[0])
    assert ours[1:] == theirs[1:] == (True, "CopySlices")


def _mark_dirty_of_a_view(lib):
    class Double(lib.autograd.Function):
        @staticmethod
        def forward(ctx, v):
            v.mul_(2)
            ctx.mark_dirty(v)
            return v

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = lib.tensor(X, requires_grad=True)
    h = x * x
    view = h[1]
    out = Double.apply(view)
    (h * h).sum().backward()
    return x.grad.numpy(), out is view, type(out.grad_fn).__name__, type(h.grad_fn).__name__


def test_mark_dirty_of_a_view_rebases_the_base_as_an_in_place_op_does():
    ours, theirs = _mark_dirty_of_a_view(torch), _mark_dirty_of_a_view(torch_ref)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    assert ours[1:] == theirs[1:] == (True, "AsStridedBackward0", "CopySlices")


def test_a_change_under_no_grad_through_a_view_is_invisible_to_autograd():
    def run(lib):
        x = lib.tensor(X, requires_grad=True)
        h = x * x
        with lib.no_grad():
            h[0].mul_(2)
        (h * h).sum().backward()
        return x.grad.numpy(), type(h.grad_fn).__name__

    ours, theirs = run(torch), run(torch_ref)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    assert ours[1] == theirs[1] == "MulBackward0"


def test_saved_tensors_still_see_changes_through_views():
    for lib in (torch, torch_ref):
        h = lib.tensor(X, requires_grad=True) * 1
        y = h * h
        h[0].add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


# ----- what stays refused, in PyTorch's words -----
def _leaf(lib):
    return lib.tensor(X, requires_grad=True)


def _no_grad_view(lib):
    h = _leaf(lib) * 1
    with lib.no_grad():
        view = h[0:2]
    return view


def _no_grad_split(lib):
    h = _leaf(lib) * 1
    with lib.no_grad():
        return h.split(2)[0]


REFUSED = {
    "leaf_select": (lambda lib: _leaf(lib)[0], "mul_"),
    "leaf_view": (lambda lib: _leaf(lib).view(-1), "mul_"),
    "no_grad_view": (_no_grad_view, "mul_"),
    "no_grad_split": (_no_grad_split, "mul_"),
    "split": (lambda lib: (_leaf(lib) * 1).split(2)[0], "mul_"),
    "chunk": (lambda lib: (_leaf(lib) * 1).chunk(2)[1], "mul_"),
    "unbind": (lambda lib: (_leaf(lib) * 1).unbind(0)[2], "mul_"),
    "view_of_a_split_piece": (lambda lib: (_leaf(lib) * 1).split(2)[0][0], "mul_"),
    "split_of_a_buffer": (lambda lib: lib.zeros(4, dtype=lib.float64).split(2)[0], "copy_"),
    "expanded": (lambda lib: (_leaf(lib)[0:1] * 1).expand(3, 4), "mul_"),
}


def _change(view, method, lib):
    if method == "copy_":
        return view.copy_(lib.ones(2, dtype=lib.float64, requires_grad=True))
    return view.mul_(2)


@pytest.mark.parametrize("name", list(REFUSED))
def test_refused_as_pytorch_refuses(name):
    make, method = REFUSED[name]
    with pytest.raises(RuntimeError) as theirs:
        _change(make(torch_ref), method, torch_ref)
    with pytest.raises(RuntimeError) as ours:
        _change(make(torch), method, torch)
    assert str(ours.value).startswith(f"{method}: {theirs.value}")


# ----- inputs and outputs changed in place after the forward -----
def _batch_norm(training, weight_grad):
    def run(lib, h):
        weight = lib.ones(4, dtype=lib.float64, requires_grad=weight_grad)
        y = _functional(lib).batch_norm(h, lib.zeros(4, dtype=lib.float64), lib.ones(4, dtype=lib.float64), weight,
                                        lib.zeros(4, dtype=lib.float64), training=training)
        h.add_(1)
        return y * y
    return run


def _planes(lib, h):
    return h.reshape(1, 1, 3, 4)


def _max_pool(lib, h):
    y = _functional(lib).max_pool2d(_planes(lib, h), 2, stride=1)
    h.mul_(2)
    return y


def _module(make, change):
    """The module ``make(modules, lib)`` applied to ``h``, then ``change(h)`` in place."""
    def run(lib, h):
        y = make(_modules(lib), lib)(h)
        change(h)
        return y * y
    return run


def _conv(lib, h):
    y = _functional(lib).conv2d(_planes(lib, h), lib.ones(1, 1, 2, 2, dtype=lib.float64) / 4)
    h.add_(1)
    return y


def _relu_output(lib, h):
    y = _functional(lib).relu(h - 0.5)
    y.add_(1)
    return y


def _relu_input(lib, h):
    y = _functional(lib).relu(h - 0.5)
    h.add_(1)  # relu's backward reads its output: changing the input is fine
    return y


def _softmax_output(op):
    def run(lib, h):
        y = getattr(_functional(lib), op)(h, dim=1)
        y.mul_(2)
        return y * h
    return run


def _cross_entropy_input(lib, h):
    y = _functional(lib).cross_entropy(h, lib.tensor([0, 3, 1]))
    h.add_(1)  # PyTorch's backward reads log_softmax's output, not the logits
    return y


MODIFIED_AFTER_FORWARD = {
    "batch_norm_training": _batch_norm(True, True), "batch_norm_eval": _batch_norm(False, True),
    "batch_norm_eval_input_only": _batch_norm(False, False), "max_pool2d": _max_pool, "conv2d": _conv,
    "BatchNorm1d": _module(lambda modules, lib: modules.BatchNorm1d(4, dtype=lib.float64), lambda h: h.add_(1)),
    "BatchNorm1d_eval": _module(lambda modules, lib: modules.BatchNorm1d(4, dtype=lib.float64).eval(),
                                lambda h: h.add_(1)),
    "MaxPool1d": _module(lambda modules, lib: modules.MaxPool1d(2, stride=1), lambda h: h.mul_(2)),
    "relu_output": _relu_output, "relu_input": _relu_input, "softmax_output": _softmax_output("softmax"),
    "log_softmax_output": _softmax_output("log_softmax"), "cross_entropy_input": _cross_entropy_input,
}
def _after_forward(lib, name):
    x = lib.tensor(X, requires_grad=True)
    h = x * 1
    MODIFIED_AFTER_FORWARD[name](lib, h).sum().backward()
    return x.grad.numpy()


@pytest.mark.parametrize("name", list(MODIFIED_AFTER_FORWARD))
def test_a_change_after_the_forward_is_detected_as_pytorch_detects_it(name):
    try:
        expected = _after_forward(torch_ref, name)
    except RuntimeError as err:
        assert "modified by an inplace operation" in str(err)
        with pytest.raises(RuntimeError, match="one of the variables needed for gradient computation has been "
                                               "modified by an inplace operation"):
            _after_forward(torch, name)
        return
    np.testing.assert_allclose(_after_forward(torch, name), expected, rtol=1e-12)
