"""Shape ops: views, joining, splitting, repeating, flipping, rolling and triangles."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as torch
from autograd_core.autograd import gradcheck, gradgradcheck


def rand(*shape, requires_grad=True):
    return torch.tensor(np.random.randn(*shape), requires_grad=requires_grad)


# ----- gradcheck of every op -----

UNARY_CASES = {
    "reshape": (lambda a: a.reshape(3, -1), (2, 3)),
    "view": (lambda a: a.view(-1), (2, 3)),
    "permute": (lambda a: a.permute(2, 0, 1), (2, 3, 2)),
    "transpose": (lambda a: torch.transpose(a, 0, -1), (2, 3)),
    "t": (lambda a: a.t(), (2, 3)),
    "mT": (lambda a: a.mT, (2, 3, 2)),
    "broadcast_to": (lambda a: a.broadcast_to(2, 3, 4), (3, 1)),
    "expand": (lambda a: a.expand(2, -1, 4), (3, 1)),
    "sum_to": (lambda a: torch.sum_to(a, (1, 3)), (2, 3)),
    "squeeze": (lambda a: a.squeeze(1), (2, 1, 3)),
    "unsqueeze": (lambda a: a.unsqueeze(-1), (2, 3)),
    "flatten": (lambda a: a.flatten(1), (2, 3, 2)),
    "unflatten": (lambda a: a.unflatten(1, (2, -1)), (2, 6)),
    "clone": (lambda a: a.clone(), (2, 3)),
    "contiguous": (lambda a: a.t().contiguous(), (2, 3)),
    "movedim": (lambda a: torch.movedim(a, (0, 1), (2, 0)), (2, 3, 4)),
    "narrow": (lambda a: a.narrow(1, 1, 2), (2, 4)),
    "repeat": (lambda a: a.repeat(2, 1, 3), (2, 3)),
    "tile": (lambda a: torch.tile(a, (2,)), (2, 3)),
    "split": (lambda a: a.split(2, dim=1)[1], (2, 5)),
    "split_sizes": (lambda a: torch.split(a, [1, 3, 1], 1), (2, 5)),
    "chunk": (lambda a: a.chunk(3, 0), (5, 2)),
    "unbind": (lambda a: a.unbind(1), (2, 3)),
    "unbind_one": (lambda a: torch.unbind(a, -1)[2], (2, 3)),
    "flip": (lambda a: a.flip(0, 2), (2, 3, 2)),
    "fliplr": (lambda a: torch.fliplr(a), (2, 3)),
    "flipud": (lambda a: a.flipud(), (2, 3)),
    "roll": (lambda a: a.roll((1, -2), (0, 1)), (3, 4)),
    "roll_flat": (lambda a: torch.roll(a, 5), (3, 4)),
    "tril": (lambda a: a.tril(), (2, 3, 3)),
    "triu": (lambda a: torch.triu(a, diagonal=1), (3, 4)),
    "tril_negative": (lambda a: a.tril(-1), (4, 3)),
}


@pytest.mark.parametrize("name", sorted(UNARY_CASES))
def test_unary_shape_op_gradcheck(name):
    func, shape = UNARY_CASES[name]
    assert gradcheck(func, (rand(*shape),))


def test_cast_round_trip_gradcheck():
    # float32 in the middle: a wider step keeps the finite differences accurate
    assert gradcheck(lambda a: torch.cast(a, np.float32).double() * 1, (rand(2, 3),), eps=1e-3, atol=1e-3)


@pytest.mark.parametrize("join", [
    lambda a, b: torch.cat([a, b], 1), lambda a, b: torch.concat((a, b), -1),
    lambda a, b: torch.concatenate([b, a, b], dim=1), lambda a, b: torch.hstack([a, b]),
])
def test_cat_gradcheck(join):
    assert gradcheck(join, (rand(2, 3), rand(2, 1)))


def test_stack_vstack_dstack_gradcheck():
    a, b = rand(2, 3), rand(2, 3)
    assert gradcheck(lambda x, y: torch.stack([x, y], 1), (a, b))
    assert gradcheck(lambda x, y: torch.vstack([x, y]), (a, b))
    assert gradcheck(lambda x, y: torch.dstack([x, y]), (a, b))


def test_double_backward():
    a, b = rand(2, 3), rand(2, 2)
    assert gradgradcheck(lambda x, y: torch.cat([x * x, y], 1), (a, b))
    assert gradgradcheck(lambda x: torch.stack(x.unbind(1), 0) ** 2, (a,))
    assert gradgradcheck(lambda x: x.repeat(2, 1) ** 2, (a,))
    assert gradgradcheck(lambda x: x.split([1, 2], 1)[1] ** 2, (a,))


# ----- forward behaviour -----

def test_reshape_infers_one_dimension_and_rejects_two():
    x = torch.zeros(2, 3, 4)
    assert x.reshape(-1, 4).shape == (6, 4) and x.view(-1).shape == (24,)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        x.reshape(-1, -1)
    with pytest.raises(RuntimeError, match="invalid shape dimension"):
        x.reshape(-2, 12)
    with pytest.raises(RuntimeError, match="is invalid for input of size 24"):
        x.view(5, -1)


def test_unflatten():
    x = torch.zeros(2, 12)
    assert x.unflatten(1, (3, 4)).shape == (2, 3, 4)
    assert torch.unflatten(x, -1, (-1, 2)).shape == (2, 6, 2)
    with pytest.raises(RuntimeError, match="don't multiply up to the size of dim 1"):
        x.unflatten(1, (5, 2))


def test_cat_forward_promotion_and_errors():
    a = torch.tensor([[1, 2]])
    b = torch.tensor([[0.5, 1.5]])
    out = torch.cat([a, b])
    assert out.dtype == torch.float32 and out.tolist() == [[1, 2], [0.5, 1.5]]
    assert torch.cat([torch.tensor([True]), torch.tensor([2])]).dtype == torch.int64
    with pytest.raises(RuntimeError, match="Sizes of tensors must match except in dimension 0. Expected size 3 "
                                           "but got size 4 for tensor number 1"):
        torch.cat([torch.zeros(2, 3), torch.zeros(2, 4)])
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        torch.cat([torch.zeros(2, 3), torch.zeros(3)])
    with pytest.raises(RuntimeError, match="zero-dimensional tensor \\(at position 0\\)"):
        torch.cat([torch.tensor(1.0)])
    with pytest.raises(RuntimeError, match="non-empty list"):
        torch.cat([])
    with pytest.raises(TypeError, match="element 1 is ndarray"):
        torch.cat([torch.zeros(2), np.zeros(2)])
    with pytest.raises(IndexError, match="Dimension out of range"):
        torch.cat([torch.zeros(2)], dim=1)


def test_stack_forward_and_errors():
    a, b = torch.zeros(2, 3), torch.ones(2, 3)
    assert torch.stack([a, b]).shape == (2, 2, 3)
    assert torch.stack([a, b], dim=-1).shape == (2, 3, 2)
    assert torch.stack([torch.tensor(1), torch.tensor(2.5)]).dtype == torch.float32
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size, but got \\[2, 3\\] at "
                                           "entry 0 and \\[2, 4\\] at entry 1"):
        torch.stack([a, torch.zeros(2, 4)])


def test_hstack_vstack_dstack_shapes():
    v = torch.zeros(3)
    m = torch.zeros(2, 3)
    assert torch.hstack([v, v]).shape == (6,)
    assert torch.hstack([m, m]).shape == (2, 6)
    assert torch.vstack([v, v]).shape == (2, 3)
    assert torch.vstack([m, v]).shape == (3, 3)
    assert torch.dstack([v, v]).shape == (1, 3, 2)
    assert torch.dstack([m, m]).shape == (2, 3, 2)


def test_split_chunk_unbind_pieces():
    x = torch.arange(10).reshape(5, 2)
    assert [p.shape[0] for p in x.split(2)] == [2, 2, 1]
    assert [p.shape[0] for p in torch.split(x, [1, 4])] == [1, 4]
    assert [p.shape[0] for p in x.chunk(3)] == [2, 2, 1]
    assert [p.shape[0] for p in torch.arange(6).chunk(4)] == [2, 2, 2]
    rows = x.unbind()
    assert len(rows) == 5 and rows[4].tolist() == [8, 9]
    assert [c.tolist() for c in x.unbind(1)] == [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]]
    with pytest.raises(RuntimeError, match="split_with_sizes expects split_sizes to sum exactly to 5"):
        x.split([2, 2])
    with pytest.raises(RuntimeError, match="chunk expects `chunks` to be greater than 0"):
        x.chunk(0)


def test_split_backward_with_unused_pieces_and_views():
    x = rand(6, 2)
    first, _, last = x.split(2)
    (first.sum() + 2 * last.sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy(force=True)[:, 0], [1, 1, 0, 0, 2, 2])
    assert first.grad_fn is last.grad_fn and first.grad_fn.name() == "SplitBackward0"
    y = rand(3, 2)
    y.unbind(0)[1].sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(force=True), [[0, 0], [1, 1], [0, 0]])
    base = torch.zeros(4)
    piece = base.split(2)[1]
    piece.data[0] = 3  # .data shares the array, not the version counter
    assert base.numpy(force=True)[2] == 3 and base._version == piece._version == 0
    piece.mul_(2)  # a view shares its base's version counter
    assert base.numpy(force=True)[2] == 6 and base._version == piece._version == 1


def test_repeat_and_tile():
    x = torch.tensor([[1, 2], [3, 4]])
    np.testing.assert_array_equal(x.repeat(2, 3).numpy(force=True), np.tile(x.numpy(force=True), (2, 3)))
    assert x.repeat(3, 1, 1).shape == (3, 2, 2)
    assert torch.tile(x, (2,)).shape == (2, 4)
    assert torch.tile(x, (2, 1, 1)).shape == (2, 2, 2)
    with pytest.raises(RuntimeError, match="can not be smaller than number of dimensions"):
        x.repeat(2)
    g = rand(2, 3)
    g.repeat(2, 2).sum().backward()
    np.testing.assert_array_equal(g.grad.numpy(force=True), np.full((2, 3), 4.0))


def test_flip_roll_tril_triu_forward():
    x = torch.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(x.flip(0, 1).numpy(force=True), x.numpy(force=True)[::-1, ::-1])
    np.testing.assert_array_equal(x.flip([1]).numpy(force=True), x.numpy(force=True)[:, ::-1])
    np.testing.assert_array_equal(x.fliplr().numpy(force=True), x.numpy(force=True)[:, ::-1])
    np.testing.assert_array_equal(x.flipud().numpy(force=True), x.numpy(force=True)[::-1])
    flipped = x.flip(0)
    flipped.data[0, 0] = -1
    assert x.numpy(force=True)[2, 0] == 8  # flip copies, as in PyTorch
    np.testing.assert_array_equal(x.roll(1, 0).numpy(force=True), np.roll(x.numpy(force=True), 1, 0))
    np.testing.assert_array_equal(x.roll(-3).numpy(force=True), np.roll(x.numpy(force=True), -3))
    np.testing.assert_array_equal(torch.roll(x, (1, 2), (1, 0)).numpy(force=True), np.roll(x.numpy(force=True), (1, 2), (1, 0)))
    np.testing.assert_array_equal(x.tril(1).numpy(force=True), np.tril(x.numpy(force=True), 1))
    np.testing.assert_array_equal(x.triu(-1).numpy(force=True), np.triu(x.numpy(force=True), -1))
    with pytest.raises(RuntimeError, match="shifts and dimensions must align"):
        x.roll((1, 2), 0)
    with pytest.raises(RuntimeError, match="tril: input tensor must have at least 2 dimensions"):
        torch.arange(3).tril()
    with pytest.raises(RuntimeError, match="appears multiple times"):
        x.flip(0, 0)
    with pytest.raises(RuntimeError, match="at least 2-D"):
        torch.arange(3).fliplr()


def test_movedim_and_narrow():
    x = torch.zeros(2, 3, 4)
    assert torch.movedim(x, 0, -1).shape == (3, 4, 2)
    assert x.moveaxis((0, 2), (1, 0)).shape == (4, 2, 3)
    assert x.narrow(2, -2, 2).shape == (2, 3, 2)
    with pytest.raises(RuntimeError, match="exceeds dimension size"):
        x.narrow(1, 2, 2)
    with pytest.raises(RuntimeError, match="same number of dims"):
        x.movedim((0, 1), 0)


def test_torch_level_names_are_exported():
    for name in ("unflatten", "tile", "cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack",
                 "split", "chunk", "unbind", "flip", "fliplr", "flipud", "roll", "tril", "triu", "movedim",
                 "moveaxis", "narrow", "t", "swapdims"):
        assert callable(getattr(torch, name)), name


def test_forward_parity_with_torch():
    torch_ref = pytest.importorskip("torch")
    x = np.random.randn(3, 4, 5)
    ours, theirs = torch.tensor(x), torch_ref.tensor(x)
    pairs = [
        (lambda m, t: m.cat([t, t[:, :2]], 1), None),
        (lambda m, t: m.stack([t, t], 2), None),
        (lambda m, t: m.hstack([t, t]), None),
        (lambda m, t: m.vstack([t[0], t[1]]), None),
        (lambda m, t: t.repeat(2, 1, 1, 2), None),
        (lambda m, t: m.tile(t, (2,)), None),
        (lambda m, t: t.flip(0, 2), None),
        (lambda m, t: t.roll((2, -1), (1, 2)), None),
        (lambda m, t: t.roll(7), None),
        (lambda m, t: t.tril(1), None),
        (lambda m, t: t.triu(-2), None),
        (lambda m, t: m.movedim(t, (0, 1), (2, 0)), None),
        (lambda m, t: t.unflatten(2, (-1, 1)), None),
        (lambda m, t: t.narrow(1, 1, 2), None),
    ]
    for func, _ in pairs:
        np.testing.assert_array_equal(func(torch, ours).numpy(force=True), func(torch_ref, theirs).numpy())
    for mine, ref in zip(ours.split([1, 3], 1), theirs.split([1, 3], 1)):
        np.testing.assert_array_equal(mine.numpy(force=True), ref.numpy())
    for mine, ref in zip(ours.chunk(3, 2), theirs.chunk(3, 2)):
        np.testing.assert_array_equal(mine.numpy(force=True), ref.numpy())
    for mine, ref in zip(ours.unbind(2), theirs.unbind(2)):
        np.testing.assert_array_equal(mine.numpy(force=True), ref.numpy())


# ----- view vs reshape -----

def test_view_of_a_non_contiguous_tensor_raises_where_only_a_copy_would_do():
    b = torch.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"view size is not compatible with input tensor's size and stride \(at "
                                           r"least one dimension spans across two contiguous subspaces\)\. Use "
                                           r"\.reshape\(\.\.\.\) instead\."):
        b.t().view(6)
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        torch.zeros(2, 3, 4).transpose(1, 2).view_as(torch.zeros(2, 12))
    flat = b.t().reshape(6)  # reshape copies instead
    flat[0] = 5
    assert b.numpy(force=True)[0, 0] == 0 and b._version == 0 and flat._version == 1


def test_view_of_a_non_contiguous_tensor_that_strides_allow_is_a_view():
    base = torch.zeros(2, 3, 4)
    seen = base.transpose(0, 1).view(3, 2, 2, 2)  # only the last dim is split
    seen[1, 0, 1, 1] = 7
    assert base.numpy(force=True)[0, 1, 3] == 7 and base._version == 1
    reshaped = base.transpose(0, 1).reshape(3, 2, 2, 2)
    reshaped.data[0, 0, 0, 0] = 3  # reshape gives a view too where one is possible
    assert base.numpy(force=True)[0, 0, 0] == 3


def test_view_gradients_and_errors_match_torch():
    torch_ref = pytest.importorskip("torch")
    data = np.random.randn(2, 3, 4)
    for func in (lambda t: t.transpose(0, 1).view(3, 2, 2, 2), lambda t: t.view(-1, 4), lambda t: t[:, 1:].view(2, 8),
                 lambda t: t.transpose(0, 1).reshape(-1)):
        ours, theirs = torch.tensor(data, requires_grad=True), torch_ref.tensor(data, requires_grad=True)
        weights = np.random.randn(*func(theirs).shape)
        (func(ours) * torch.tensor(weights)).sum().backward()
        (func(theirs) * torch_ref.tensor(weights)).sum().backward()
        np.testing.assert_allclose(ours.grad.numpy(force=True), theirs.grad.numpy())
    for func in (lambda t: t.transpose(0, 1).view(6, 4), lambda t: t.view(5, -1), lambda t: t.view(-1, -1),
                 lambda t: t[:, :, :2].view(12), lambda t: t.view(-3, 8)):
        with pytest.raises(RuntimeError) as theirs:
            func(torch_ref.tensor(data))
        message = str(theirs.value).split(" (")[0]
        with pytest.raises(RuntimeError, match=message.replace("[", r"\[").replace("]", r"\]")):
            func(torch.tensor(data))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_view_is_possible_exactly_where_numpy_reshapes_without_a_copy(data):
    shape = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    steps = [data.draw(st.integers(1, 2)) for _ in shape]
    steps = tuple(slice(0, n * step, step) for n, step in zip(shape, steps))
    order = data.draw(st.permutations(range(len(shape))))
    base = np.arange(2 ** len(shape) * int(np.prod(shape))).reshape([2 * n for n in shape])
    strided = base[steps].transpose(order)  # a strided, permuted view, as the tensor below
    tensor = torch.tensor(base)[steps].permute(order)
    new_shape = data.draw(st.sampled_from(_factorizations(strided.size)))
    if np.shares_memory(strided.reshape(new_shape), strided):
        np.testing.assert_array_equal(tensor.view(new_shape).numpy(force=True), strided.reshape(new_shape))
    else:
        with pytest.raises(RuntimeError, match="view size is not compatible"):
            tensor.view(new_shape)
    np.testing.assert_array_equal(tensor.reshape(new_shape).numpy(force=True), strided.reshape(new_shape))


def _factorizations(n):
    """Shapes with ``n`` elements (up to 3 dims, with some size-1 dims)."""
    shapes = [(n,), (1, n), (n, 1)]
    for a in range(2, n + 1):
        if n % a == 0:
            shapes.append((a, n // a))
            for b in range(2, n // a + 1):
                if (n // a) % b == 0:
                    shapes.append((a, b, n // a // b))
    return shapes
