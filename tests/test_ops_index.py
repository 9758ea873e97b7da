"""Indexing ops: getitem/setitem, gather/scatter, index_select/index_add/index_put, masks, where, nonzero."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as torch
from autograd_core.arrays import is_array
from autograd_core.autograd import gradcheck, gradgradcheck


def rand(*shape, requires_grad=True):
    return torch.tensor(np.random.randn(*shape), requires_grad=requires_grad)


def mask(array):
    return torch.tensor(np.asarray(array, dtype=bool))


def reference_index_grad(shape, key, weights):
    """d sum(weights * x[key]) / dx, by counting how often each element of x is picked."""
    ids = np.arange(int(np.prod(shape))).reshape(shape)
    picked = ids[key]
    return np.bincount(np.ravel(picked), weights=np.ravel(weights), minlength=ids.size).reshape(shape)


# ----- reading: x[key] -----

@pytest.mark.parametrize("key", [
    1, -1, slice(None, None, 2), (Ellipsis, 1), (None, 0, slice(1, 3)), (slice(None), None, -2),
    ([0, 2, 0],), (np.array([[1, 0], [2, 2]]),), ([0, 2], [1, 3]), (slice(0, 2), [3, 3, 0]),
    (np.array([True, False, True]),), (np.array([True, False, True]), slice(1, None)),
    (1, [0, -1]), (Ellipsis, [1, 1]), ((), ), (True,),
])
def test_getitem_matches_numpy_and_gradchecks(key):
    x = rand(3, 4)
    np.testing.assert_array_equal(x[key].numpy(force=True), x.numpy(force=True)[key])
    assert gradcheck(lambda a: a[key], (x,))


def test_getitem_with_tensor_keys():
    x = rand(3, 4)
    np.testing.assert_array_equal(x[torch.tensor([2, 0])].numpy(force=True), x.numpy(force=True)[[2, 0]])
    np.testing.assert_array_equal(x[mask([True, False, True])].numpy(force=True), x.numpy(force=True)[[0, 2]])
    np.testing.assert_array_equal(x[torch.tensor(1)].numpy(force=True), x.numpy(force=True)[1])
    np.testing.assert_array_equal(x[np.int64(2), 1].numpy(force=True), x.numpy(force=True)[2, 1])


def test_ints_apply_before_index_arrays():
    x = rand(3, 4, 5)
    np.testing.assert_array_equal(x[1, :, [0, 2]].numpy(force=True), x.numpy(force=True)[1][:, [0, 2]])
    np.testing.assert_array_equal(x[[0, 2], 1, 1:].numpy(force=True), x.numpy(force=True)[:, 1][[0, 2], 1:])
    assert x[0, [1, 2], None, 3].shape == (2, 1)
    assert gradcheck(lambda a: a[1, :, [0, 2, 2]], (x,))
    y = torch.zeros(3, 4, 5)
    y[1, :, [0, 2]] = torch.ones(4, 2)
    assert y.numpy(force=True)[1][:, [0, 2]].all() and y.sum().item() == 8
    z = rand(3, 4, 5)
    z2 = z * 1
    z2[2, [0, 3], 1:] = 0.0
    z2.sum().backward()
    assert z.grad.sum().item() == 60 - 8


def test_getitem_repeated_indices_accumulate_gradient():
    x = rand(3)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(force=True), [3, 0, 1])


def test_getitem_grad_fn_names():
    x = rand(3, 4)
    assert x[0].grad_fn.name() == "SelectBackward0"
    assert x[1:].grad_fn.name() == "SliceBackward0"
    assert x[[0, 1]].grad_fn.name() == "IndexBackward0"


def test_getitem_double_backward():
    x = rand(4, 3)
    assert gradgradcheck(lambda a: a[[0, 3, 3], 1:] ** 2, (x,))
    assert gradgradcheck(lambda a: a[1:, ::2] * a[:3, :2], (x,))


def test_basic_index_is_a_view_sharing_the_version_counter():
    base = torch.zeros(3, 4)
    row = base[1]
    element = base[1, 2]
    assert element.shape == ()
    row.data[0] = 5
    element.data[...] = 7
    assert base.numpy(force=True)[1, 0] == 5 and base.numpy(force=True)[1, 2] == 7
    base[0, 0] = 1
    assert row._version == base._version == 1


def test_advanced_index_is_a_copy():
    base = torch.zeros(3)
    picked = base[[0, 1]]
    picked.data[0] = 5
    assert base.numpy(force=True)[0] == 0


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_getitem_hypothesis(data):
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    # ints with index arrays follow PyTorch's rule, not numpy's (see test_ints_apply_before_index_arrays)
    kinds = ["slice", "none", "full"] + (["int"] if data.draw(st.booleans()) else ["array", "mask"])
    key = []
    for n in shape:
        choice = data.draw(st.sampled_from(kinds))
        if choice == "int":
            key.append(data.draw(st.integers(-n, n - 1)))
        elif choice == "slice":
            start = data.draw(st.integers(-n, n))
            key.append(slice(start, data.draw(st.integers(-n, n)), data.draw(st.integers(1, 3))))
        elif choice == "array":
            key.append(np.array(data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=4))))
        elif choice == "mask":
            key.append(np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n))))
        elif choice == "none":
            key.extend([None, slice(None)])
        else:
            key.append(slice(None))
    key = tuple(key)
    if sum(isinstance(k, np.ndarray) for k in key) > 1:  # several index arrays must broadcast together
        arrays = [k for k in key if isinstance(k, np.ndarray)]
        try:
            np.broadcast_shapes(*[a.nonzero()[0].shape if a.dtype == bool else a.shape for a in arrays])
        except ValueError:
            return
    x = rand(*shape)
    out = x[key]
    np.testing.assert_array_equal(out.numpy(force=True), x.numpy(force=True)[key])
    weights = np.asarray(np.random.randn(*out.shape))
    out.backward(torch.tensor(weights))
    np.testing.assert_allclose(x.grad.numpy(force=True), reference_index_grad(shape, key, weights))


def test_getitem_errors():
    x = rand(3, 4)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        x[5]
    with pytest.raises(IndexError, match="index -7 is out of bounds for dimension 1 with size 4"):
        x[:, -7]
    with pytest.raises(IndexError, match="out of bounds for dimension 0 with size 3"):
        x[torch.tensor([0, 3])]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::-1]
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        x[::0]
    with pytest.raises(IndexError, match="too many indices for tensor"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match="must be long, int or bool"):
        x[torch.tensor([0.0, 1.0])]
    with pytest.raises(IndexError, match="boolean index did not match"):
        x[mask([True, False])]


# ----- writing: x[key] = value -----

def test_setitem_on_non_leaf_records_gradients():
    a, b = rand(3, 4), rand(4)
    y = a * 2
    y[1] = b
    assert y.grad_fn.name() == "CopySlices"  # PyTorch's node for a write through a basic key
    (y * torch.tensor(np.arange(12.0).reshape(3, 4))).sum().backward()
    expected_a = np.full((3, 4), 2.0) * np.arange(12.0).reshape(3, 4)
    expected_a[1] = 0
    np.testing.assert_allclose(a.grad.numpy(force=True), expected_a)
    np.testing.assert_allclose(b.grad.numpy(force=True), np.arange(4.0, 8.0))


def test_setitem_broadcast_value_gradient_is_summed():
    a, v = rand(3, 4), rand(1)
    y = a.clone()
    y[:, 1:3] = v
    y.sum().backward()
    np.testing.assert_allclose(v.grad.numpy(force=True), [6.0])
    np.testing.assert_allclose(a.grad.numpy(force=True)[:, 1:3], 0)
    np.testing.assert_allclose(a.grad.numpy(force=True)[:, [0, 3]], 1)


def test_setitem_value_with_extra_leading_ones():
    a, v = rand(2, 3), rand(1, 1, 3)
    y = a.clone()
    y[0] = v
    y.sum().backward()
    assert v.grad.shape == (1, 1, 3)


def test_setitem_gradcheck_and_double_backward():
    def put(a, v):
        y = a * 1
        y[[0, 2], 1:] = v * v
        return y
    a, v = rand(3, 3), rand(2, 2)
    assert gradcheck(put, (a, v))
    assert gradgradcheck(put, (a, v))


def test_setitem_on_leaf_requiring_grad_raises():
    a = rand(3)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        a[0] = 1.0
    with torch.no_grad():
        a[0] = 1.0
    assert a.numpy(force=True)[0] == 1.0 and a._version == 1


def test_setitem_on_plain_tensor_writes_in_place():
    x = torch.zeros(2, 3)
    x[0, 1] = 5
    x[1] = torch.tensor([1.0, 2.0, 3.0])
    x[:, -1] = 9
    np.testing.assert_array_equal(x.numpy(force=True), [[0, 5, 9], [1, 2, 9]])
    assert x._version == 3 and x.grad_fn is None


def test_setitem_casts_value_to_target_dtype():
    x = torch.zeros(3, dtype=torch.int64)
    x[0] = 2.7
    x[1:] = torch.tensor([1.5, -1.5])
    assert x.dtype == torch.int64 and x.tolist() == [2, 1, -1]


def test_setitem_with_boolean_mask():
    a = rand(2, 3)
    m = np.array([[True, False, True], [False, True, False]])
    y = a * 1
    y[mask(m)] = 0.0
    np.testing.assert_array_equal(y.numpy(force=True)[m], 0)
    y.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(force=True), ~m)
    z = torch.zeros(2, 3)
    z[mask(m)] = torch.tensor([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(z.numpy(force=True), [[1, 0, 2], [0, 3, 0]])


def test_setitem_invalidates_saved_tensors():
    a = rand(3)
    y = a * 1
    z = y * y
    y[0] = 2.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_setitem_errors():
    x = torch.zeros(2, 3)
    with pytest.raises(IndexError, match="index 2 is out of bounds for dimension 0 with size 2"):
        x[2] = 1
    with pytest.raises(RuntimeError, match="shape mismatch"):
        x[0] = torch.zeros(4)
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::-2] = 1
    with pytest.raises(RuntimeError, match="read-only"):
        torch.zeros(3).expand(2, 3)[0] = 1


def test_index_put_accumulate():
    x, v = rand(3), rand(3)
    out = torch.index_put(x, (torch.tensor([0, 0, 2]),), v, accumulate=True)
    expected = x.numpy(force=True).copy()
    np.add.at(expected, [0, 0, 2], v.numpy(force=True))
    np.testing.assert_allclose(out.numpy(force=True), expected)
    assert gradcheck(lambda a, b: torch.index_put(a, (torch.tensor([0, 0, 2]),), b, accumulate=True), (x, v))
    y = torch.zeros(3)
    y.index_put_((torch.tensor([1, 1]),), torch.tensor(1.0), accumulate=True)
    assert y.tolist() == [0, 2, 0]


# ----- gather / scatter -----

def test_gather_forward_and_grad():
    x = rand(3, 4)
    index = torch.tensor([[0, 2], [1, 1], [3, 0]])
    out = torch.gather(x, 1, index)
    np.testing.assert_array_equal(out.numpy(force=True), np.take_along_axis(x.numpy(force=True), index.numpy(force=True), 1))
    assert out.grad_fn.name() == "GatherBackward0"
    assert gradcheck(lambda a: a.gather(1, index), (x,))
    assert gradgradcheck(lambda a: a.gather(0, torch.tensor([[2, 0, 1, 2], [2, 2, 0, 0]])) ** 2, (x,))


def test_gather_index_smaller_than_input():
    x = rand(3, 4)
    out = x.gather(0, torch.tensor([[2, 1]]))
    np.testing.assert_array_equal(out.numpy(force=True), [[x.numpy(force=True)[2, 0], x.numpy(force=True)[1, 1]]])


def test_gather_errors():
    x = rand(3)
    with pytest.raises(IndexError, match="gather\\(\\): index 5 is out of bounds for dimension 0 with size 3"):
        x.gather(0, torch.tensor([5]))
    with pytest.raises(IndexError, match="index -1 is out of bounds"):
        x.gather(0, torch.tensor([-1]))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        x.gather(0, torch.tensor([[0]]))
    with pytest.raises(RuntimeError, match="Expected dtype int64"):
        x.gather(0, torch.tensor([0.0]))
    with pytest.raises(RuntimeError, match="no larger than self"):
        rand(2, 2).gather(0, torch.tensor([[0, 0, 0]]))


def test_scatter_src_value_and_grads():
    x, src = rand(3, 4), rand(2, 4)
    index = torch.tensor([[0, 1, 2, 0], [2, 0, 0, 1]])
    out = x.scatter(0, index, src)
    expected = x.numpy(force=True).copy()
    for i in range(2):
        for j in range(4):
            expected[index.numpy(force=True)[i, j], j] = src.numpy(force=True)[i, j]
    np.testing.assert_array_equal(out.numpy(force=True), expected)
    assert gradcheck(lambda a, s: a.scatter(0, index, s), (x, src))
    filled = torch.scatter(x, 1, torch.tensor([[3], [0], [1]]), 2.5)
    assert filled.numpy(force=True)[0, 3] == filled.numpy(force=True)[1, 0] == filled.numpy(force=True)[2, 1] == 2.5
    assert gradcheck(lambda a: a.scatter(1, torch.tensor([[3], [0], [1]]), value=2.5), (x,))


def test_scatter_uses_leading_block_of_larger_src():
    x, src = rand(3), rand(5)
    out = x.scatter(0, torch.tensor([2, 0]), src)
    assert out.numpy(force=True)[2] == src.numpy(force=True)[0] and out.numpy(force=True)[0] == src.numpy(force=True)[1]
    out.sum().backward()
    np.testing.assert_array_equal(src.grad.numpy(force=True), [1, 1, 0, 0, 0])


def test_scatter_add_accumulates_duplicates():
    x, src = rand(3), rand(4)
    index = torch.tensor([0, 0, 2, 0])
    out = torch.scatter_add(x, 0, index, src)
    expected = x.numpy(force=True).copy()
    np.add.at(expected, index.numpy(force=True), src.numpy(force=True))
    np.testing.assert_allclose(out.numpy(force=True), expected)
    assert out.grad_fn.name() == "ScatterAddBackward0"
    assert gradcheck(lambda a, s: a.scatter_add(0, index, s), (x, src))


def test_scatter_in_place_variants():
    y = torch.zeros(2, 3)
    y.scatter_(1, torch.tensor([[2], [0]]), torch.tensor([[1.0], [2.0]]))
    y.scatter_add_(1, torch.tensor([[2, 2], [1, 1]]), torch.ones(2, 2))
    np.testing.assert_array_equal(y.numpy(force=True), [[0, 0, 3], [2, 2, 0]])
    leaf = rand(3)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        leaf.scatter_(0, torch.tensor([0]), 1.0)


def test_scatter_errors():
    x = rand(3)
    with pytest.raises(IndexError, match="scatter\\(\\): index 3 is out of bounds for dimension 0 with size 3"):
        x.scatter(0, torch.tensor([3]), rand(1))
    with pytest.raises(RuntimeError, match="self.dtype to be equal to src.dtype"):
        x.scatter(0, torch.tensor([0]), torch.ones(1))
    with pytest.raises(RuntimeError, match="no larger than src"):
        x.scatter(0, torch.tensor([0, 1]), rand(1))


# ----- index_select / index_add / take -----

def test_index_select():
    x = rand(3, 4)
    index = torch.tensor([3, 0, 3])
    np.testing.assert_array_equal(torch.index_select(x, 1, index).numpy(force=True), x.numpy(force=True)[:, [3, 0, 3]])
    assert x.index_select(0, torch.tensor(1)).shape == (1, 4)
    assert gradcheck(lambda a: a.index_select(1, index), (x,))
    with pytest.raises(IndexError, match="index_select\\(\\): index 4 is out of bounds for dimension 1 with size 4"):
        x.index_select(1, torch.tensor([4]))
    with pytest.raises(IndexError, match="supposed to be a vector"):
        x.index_select(0, torch.tensor([[0]]))


def test_index_add():
    x, source = rand(3, 2), rand(4, 2)
    index = torch.tensor([0, 2, 0, 1])
    out = x.index_add(0, index, source, alpha=2.0)
    expected = x.numpy(force=True).copy()
    np.add.at(expected, index.numpy(force=True), 2 * source.numpy(force=True))
    np.testing.assert_allclose(out.numpy(force=True), expected)
    assert gradcheck(lambda a, s: torch.index_add(a, 0, index, s, alpha=2.0), (x, source))
    with pytest.raises(RuntimeError, match="does not match the expected shape"):
        x.index_add(0, index, rand(4, 3))


def test_take():
    x = rand(2, 3)
    index = torch.tensor([[5, 0], [-1, 2]])
    np.testing.assert_array_equal(torch.take(x, index).numpy(force=True), x.numpy(force=True).ravel()[index.numpy(force=True)])
    assert gradcheck(lambda a: a.take(index), (x,))
    with pytest.raises(IndexError, match="take: index 6 is out of bounds"):
        x.take(torch.tensor([6]))


# ----- masks, where, nonzero -----

def test_masked_fill_forward_grad_and_in_place():
    x = rand(2, 3)
    m = mask([[True, False, True], [False, False, True]])
    out = x.masked_fill(m, -1.0)
    np.testing.assert_array_equal(out.numpy(force=True), np.where(m.numpy(force=True), -1.0, x.numpy(force=True)))
    assert out.grad_fn.name() == "MaskedFillBackward0"
    assert gradcheck(lambda a: a.masked_fill(m, 0.5), (x,))
    value = torch.tensor([3.0], dtype=torch.float64, requires_grad=True)  # gradcheck wants >= 1-D inputs
    assert gradcheck(lambda a, v: torch.masked_fill(a, m, v.reshape(())), (x, value))
    broadcast = x.masked_fill(mask([True, False, False]), 0.0)
    np.testing.assert_array_equal(broadcast.numpy(force=True)[:, 0], 0)
    y = torch.ones(2, 3)
    y.masked_fill_(m, 0)
    assert y.sum().item() == 3 and y._version == 1


def test_masked_fill_errors():
    x = rand(3)
    with pytest.raises(RuntimeError, match="boolean mask"):
        x.masked_fill(torch.tensor([1, 0, 1]), 0.0)
    with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
        x.masked_fill(mask([True, False, True]), torch.ones(1))


def test_where_tensors_numbers_and_promotion():
    cond = mask([[True, False], [False, True]])
    x, y = rand(2, 2), rand(2)
    out = torch.where(cond, x, y)
    np.testing.assert_array_equal(out.numpy(force=True), np.where(cond.numpy(force=True), x.numpy(force=True), y.numpy(force=True)))
    assert gradcheck(lambda a, b: torch.where(cond, a, b), (x, y))
    assert gradgradcheck(lambda a, b: torch.where(cond, a * a, b), (x, y))
    assert torch.where(cond, 1.0, 0.0).dtype == torch.float32
    assert torch.where(cond, torch.tensor([1, 2]), 0.5).dtype == torch.float32
    assert torch.where(cond, torch.tensor([1, 2]), 0).dtype == torch.int64
    assert x.where(cond, 0.0).numpy(force=True)[0, 1] == 0
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        torch.where(cond, rand(3), 0.0)


def test_where_single_argument_is_nonzero_tuple():
    rows, cols = torch.where(mask([[True, False], [True, True]]))
    assert rows.tolist() == [0, 1, 1] and cols.tolist() == [0, 0, 1]


def test_nonzero_and_argwhere():
    x = torch.tensor([[0, 1, 0], [2, 0, 3]])
    expected = [[0, 1], [1, 0], [1, 2]]
    assert torch.nonzero(x).tolist() == expected and x.argwhere().tolist() == expected
    assert torch.nonzero(x).dtype == torch.int64
    assert [t.tolist() for t in x.nonzero(as_tuple=True)] == [[0, 1, 1], [1, 0, 2]]
    assert torch.nonzero(torch.tensor(5)).shape == (1, 0)
    assert [t.tolist() for t in torch.nonzero(torch.tensor(5), as_tuple=True)] == [[0]]


def test_masked_select_broadcasts():
    x = rand(2, 3)
    m = mask([True, False, True])
    out = torch.masked_select(x, m)
    np.testing.assert_array_equal(out.numpy(force=True), x.numpy(force=True)[:, [0, 2]].ravel())
    assert gradcheck(lambda a: a.masked_select(m), (x,))
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        x.masked_select(mask([True, False]))


# ----- parity with PyTorch -----

def test_forward_parity_with_torch():
    torch_ref = pytest.importorskip("torch")
    x = np.random.randn(3, 4, 5)
    ours, theirs = torch.tensor(x), torch_ref.tensor(x)
    keys = [(1, slice(None), [0, 2]), (slice(1, None), None, -1), (Ellipsis, [4, 0]),
            ([0, 2], slice(None), [1, 3]), (np.array([True, False, True]),), (slice(None), 2, [[0, 1], [4, 4]])]
    for key in keys:
        ref_key = tuple(torch_ref.tensor(k) if isinstance(k, (list, np.ndarray)) else k for k in key)
        np.testing.assert_array_equal(ours[key].numpy(force=True), theirs[ref_key].numpy())
    index = np.random.randint(0, 3, size=(2, 4, 5))
    np.testing.assert_array_equal(ours.gather(0, torch.tensor(index)).numpy(force=True),
                                  theirs.gather(0, torch_ref.tensor(index)).numpy())
    src = np.random.randn(2, 4, 5)
    np.testing.assert_array_equal(ours.scatter_add(0, torch.tensor(index), torch.tensor(src)).numpy(force=True),
                                  theirs.scatter_add(0, torch_ref.tensor(index), torch_ref.tensor(src)).numpy())
    m = x > 0
    np.testing.assert_array_equal(ours.masked_fill(torch.tensor(m), 7.0).numpy(force=True),
                                  theirs.masked_fill(torch_ref.tensor(m), 7.0).numpy())
    np.testing.assert_array_equal(torch.nonzero(torch.tensor(m)).numpy(force=True), torch_ref.nonzero(torch_ref.tensor(m)).numpy())
    np.testing.assert_array_equal(ours.index_select(2, torch.tensor([4, 1])).numpy(force=True),
                                  theirs.index_select(2, torch_ref.tensor([4, 1])).numpy())


def test_setitem_gradient_parity_with_torch():
    torch_ref = pytest.importorskip("torch")
    a, v = np.random.randn(3, 4), np.random.randn(2, 1)
    results = []
    for lib in (torch, torch_ref):
        ta = lib.tensor(a, requires_grad=True)
        tv = lib.tensor(v, requires_grad=True)
        y = ta * 1
        y[lib.tensor([0, 2]), 1:] = tv
        (y * y).sum().backward()
        results.append((np.asarray(y.detach().numpy()), ta.grad.numpy(), tv.grad.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs)


# ----- what the nodes keep -----

def _holds_arrays(value):
    if isinstance(value, tuple):  # a key's stages
        return any(_holds_arrays(v) for v in value)
    return is_array(value) or isinstance(value, torch.Tensor)


def _array_attributes(node):
    """The attributes of a node that hold arrays or tensors (everything backward needs goes through saving)."""
    return [name for name, value in vars(node).items() if _holds_arrays(value)]


@pytest.mark.parametrize("make", [
    lambda x: x[torch.tensor([0, 2, 2])], lambda x: x[mask([True, False, True])], lambda x: x[1, [0, 3]],
    lambda x: x.gather(1, torch.tensor([[0], [1], [3]])), lambda x: x.index_select(1, torch.tensor([3, 0])),
    lambda x: x.take(torch.tensor([5, 0])), lambda x: x.masked_select(x > 0),
    lambda x: x.scatter_add(0, torch.tensor([[0, 1, 2, 0]]), x[:1] * 1),
    lambda x: x.index_add(0, torch.tensor([0]), x[:1] * 1), lambda x: torch.where(x > 0, x, 0.0),
])
def test_index_arrays_are_saved_for_backward_and_freed_after_it(make):
    x = rand(3, 4)
    out = make(x)
    node = out.grad_fn
    assert not _array_attributes(node)
    saved = node.inspect_saved()
    assert saved and all(label.startswith(("saved", "input")) for label, _ in saved)
    gx, = torch.autograd.grad(out.sum(), x, create_graph=True)  # the graph of the gradient: the same rule
    if gx.grad_fn is not None:
        assert not _array_attributes(gx.grad_fn)
    out.sum().backward()
    assert node.inspect_saved() is None  # released with the graph


def test_basic_keys_keep_no_arrays():
    x = rand(3, 4)
    assert x[1:, 2].grad_fn.inspect_saved() == []
