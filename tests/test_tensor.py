"""Tensor basics: construction, dtype inference, attributes, repr (compared with PyTorch when installed)."""
import numpy as np
import pytest

import autograd_core as torch


def test_python_values_get_pytorch_dtypes():
    assert torch.tensor(1.5).dtype is torch.float32
    assert torch.tensor([1, 2]).dtype is torch.int64
    assert torch.tensor([True]).dtype is torch.bool
    assert torch.tensor(np.zeros(2, np.float64)).dtype is torch.float64
    assert torch.tensor([1, 2], dtype=torch.float64).dtype is torch.float64
    assert torch.Tensor([1, 2]).dtype is torch.float32
    assert torch.Tensor(2, 3).shape == (2, 3)
    assert torch.float is torch.float32 and torch.long is torch.int64 and torch.double is torch.float64


def test_variable_is_tensor_and_wraps_arrays_without_copy():
    a = np.array([1.0, 2.0])
    v = torch.Variable(a)
    assert torch.Variable is torch.Tensor
    assert v.dtype is torch.float64
    a[0] = 5.0  # the tensors share the ndarray's memory (numpy's backend, and the strict stand-in, keep it)
    assert v.numpy(force=True)[0] == 5.0 and torch.from_numpy(a).numpy(force=True)[0] == 5.0


def test_attributes():
    x = torch.zeros(2, 3, requires_grad=True)
    assert x.shape == (2, 3) and x.size() == (2, 3) and x.size(1) == 3 and x.size(-1) == 3
    assert x.ndim == 2 and x.dim() == 2 and x.numel() == 6
    assert x.is_leaf and x.requires_grad and x.grad is None and x.grad_fn is None
    assert str(x.device) == "cpu" and x.device == torch.device("cpu")
    assert repr(x.shape) == "torch.Size([2, 3])"
    y = x * 2
    assert y.creator is y.grad_fn and not y.is_leaf
    assert torch.tensor(3.5).item() == 3.5
    assert torch.tensor([[1, 2]]).tolist() == [[1, 2]]
    with pytest.raises(RuntimeError, match="requires grad"):
        x.numpy()
    assert x.detach().numpy().shape == (2, 3)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.size(2)


def test_conversions():
    x = torch.tensor([1.7, -2.2])
    assert x.long().dtype is torch.int64 and x.long().tolist() == [1, -2]
    assert x.double().dtype is torch.float64 and x.int().dtype is torch.int32
    assert x.bool().tolist() == [True, True]
    assert x.to(torch.float64).dtype is torch.float64
    assert x.to("cpu") is x
    assert x.type() == "torch.FloatTensor" and x.type(torch.float64).dtype is torch.float64
    assert x.cpu() is x
    assert torch.cuda.is_available() is False
    with pytest.raises(RuntimeError, match="not available"):
        x.to("cuda")


def test_cast_is_differentiable():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x.double() * 3
    y.sum().backward()
    assert x.grad.dtype is torch.float32
    np.testing.assert_array_equal(x.grad.numpy(), [3, 3])


def test_creation_ops():
    assert torch.zeros(2, 3).tolist() == [[0.0] * 3] * 2
    assert torch.ones((2,)).dtype is torch.float32
    assert torch.full((2,), 7).dtype is torch.int64
    assert torch.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert torch.arange(0, 1, 0.25).dtype is torch.float32
    assert torch.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert torch.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    x = torch.ones(2, 2, dtype=torch.float64)
    assert torch.zeros_like(x).dtype is torch.float64 and torch.full_like(x, 3).tolist() == [[3.0] * 2] * 2
    with pytest.raises(RuntimeError, match="negative dimension"):
        torch.zeros(-1)


def test_manual_seed_repeats_runs():
    torch.manual_seed(42)
    a = torch.randn(5)
    b = torch.rand(3)
    torch.manual_seed(42)
    assert torch.randn(5).tolist() == a.tolist() and torch.rand(3).tolist() == b.tolist()
    assert torch.randint(0, 10, (100,)).dtype is torch.int64
    assert sorted(torch.randperm(6).tolist()) == list(range(6))
    g = torch.Generator().manual_seed(1)
    assert torch.randn(3, generator=g).shape == (3,)


def test_scalar_promotion_like_pytorch():
    i = torch.tensor([1, 2])
    assert (i * 2.5).dtype is torch.float32
    assert (i / 2).dtype is torch.float32
    assert (i * 2).dtype is torch.int64
    f = torch.tensor([1.0])
    assert (f * torch.tensor(2.0, dtype=torch.float64)).dtype is torch.float32  # 0-d does not promote
    assert (f * torch.tensor([2.0], dtype=torch.float64)).dtype is torch.float64
    assert (torch.tensor([True]) + 1).dtype is torch.int64
    assert (2 ** torch.tensor([1.0, 2.0])).tolist() == [2.0, 4.0]
    assert (1 - torch.tensor([0.25])).tolist() == [0.75]
    assert (np.float64(2.0) * f).dtype is torch.float32


def test_bad_operands_and_shapes_give_clear_errors():
    with pytest.raises(RuntimeError, match=r"add: the shapes \(2, 3\) and \(4,\) cannot be broadcast"):
        torch.ones(2, 3) + torch.ones(4)
    with pytest.raises(TypeError, match="mul: unsupported operand type str"):
        torch.ones(2) * "a"
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        torch.tensor([1.0], bogus=True)
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(torch.ones(2))


REPR_CASES = [
    lambda t: t.tensor([1.0, 2.0, 3.0]),
    lambda t: t.tensor(0.5, requires_grad=True),
    lambda t: t.tensor([-6.1111e-10, 4.0741e-10]),
    lambda t: t.tensor([1, 2, 3]),
    lambda t: t.tensor([True, False]),
    lambda t: t.tensor([[1.5, -2.25], [1000.0, 3.0]]),
    lambda t: t.tensor([1e10, 1.0]),
    lambda t: t.tensor([float("nan"), float("inf"), 1.0]),
    lambda t: t.tensor([1.0, 2.0], dtype=t.float64),
    lambda t: t.tensor([1, 2], dtype=t.int32),
    lambda t: t.zeros(0),
    lambda t: t.zeros(2, 0),
    lambda t: t.arange(2000).reshape(2, 1000).float(),
    lambda t: t.arange(24).reshape(2, 3, 4),
    lambda t: t.tensor([0.1, 0.2, 0.3]) * t.tensor(1.0, requires_grad=True),
    lambda t: t.linspace(-1, 1, 30),
    lambda t: t.tensor(42.0),
    lambda t: t.tensor([123456.789, 0.001]),
]


@pytest.mark.parametrize("make", REPR_CASES)
def test_repr_matches_pytorch(make):
    ref = pytest.importorskip("torch")
    ours = make(torch)
    theirs = make(ref)
    assert repr(ours) == repr(theirs)


def test_repr_without_pytorch():
    assert repr(torch.tensor([1.0, 2.0, 3.0])) == "tensor([1., 2., 3.])"
    assert repr(torch.tensor([-6.1111e-10, 4.0741e-10])) == "tensor([-6.1111e-10,  4.0741e-10])"
    assert repr(torch.tensor(0.5, requires_grad=True)) == "tensor(0.5000, requires_grad=True)"
    assert repr(torch.tensor([1, 2], dtype=torch.int32)) == "tensor([1, 2], dtype=torch.int32)"


def test_deepcopy_copies_leaves_and_refuses_non_leaves():
    import copy
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    y = copy.deepcopy(x)
    assert y.requires_grad and y.array is not x.array and y.tolist() == x.tolist()
    assert y.grad.tolist() == [2.0, 2.0] and y.grad.array is not x.grad.array
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 2)


def test_random_numbers_are_pytorchs_drawn_on_the_host():
    """A seed gives PyTorch's numbers on every backend: they are drawn on the host and then moved."""
    torch_ref = pytest.importorskip("torch")
    torch.manual_seed(11)
    torch_ref.manual_seed(11)
    normal, uniform, ints = torch.randn(2, 3), torch.rand(4), torch.randint(0, 9, (5,))
    np.testing.assert_array_equal(normal.numpy(), torch_ref.randn(2, 3).numpy())
    np.testing.assert_array_equal(uniform.numpy(), torch_ref.rand(4).numpy())
    np.testing.assert_array_equal(ints.numpy(), torch_ref.randint(0, 9, (5,)).numpy())
    np.testing.assert_array_equal(torch.empty(3).normal_(1.0, 2.0).numpy(),
                                  torch_ref.empty(3).normal_(1.0, 2.0).numpy())
    assert type(normal.array) is type(torch.zeros(1).array)
    state = torch.get_rng_state()
    first = torch.randn(3)
    torch.set_rng_state(state)
    assert torch.randn(3).tolist() == first.tolist()


def test_random_fill_ranges_follow_pytorch():
    assert set(torch.empty(200).random_(3).tolist()) == {0.0, 1.0, 2.0} == set(torch.empty(200).random_(to=3).tolist())
    torch.manual_seed(2)
    keyword = torch.empty(5).normal_(mean=1.0, std=0.5)
    torch.manual_seed(2)
    assert torch.empty(5).normal_(1.0, 0.5).tolist() == keyword.tolist()
    assert set(torch.empty(200, dtype=torch.int64).random_(5, 8).tolist()) == {5, 6, 7}
    assert torch.empty(50, dtype=torch.uint8).random_().numpy().max() > 8
    assert set(torch.empty(100).bernoulli_(torch.full((100,), 1.0)).tolist()) == {1.0}
