"""Legacy tensor types (torch.FloatTensor...) and the device-kind flags of tensors, against PyTorch."""
import numpy as np
import pytest

import autograd_core as torch

torch_ref = pytest.importorskip("torch")

_TYPES = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
          "ByteTensor", "BoolTensor"]
_FLAGS = ["is_cpu", "is_cuda", "is_xpu", "is_mps", "is_meta", "is_sparse", "is_quantized", "is_mkldnn"]


def _same(ours, ref):
    assert str(ours.dtype) == str(ref.dtype) and tuple(ours.shape) == tuple(ref.shape)
    np.testing.assert_array_equal(ours.numpy(force=True), ref.detach().numpy())


@pytest.mark.parametrize("name", _TYPES)
@pytest.mark.parametrize("data", [[1, 0, 2], [[1.5, 2.0], [0.0, 3.0]], (4, 5), [], [True, False]])
def test_constructing_from_data_matches_torch(name, data):
    _same(getattr(torch, name)(data), getattr(torch_ref, name)(data))


@pytest.mark.parametrize("name", _TYPES)
@pytest.mark.parametrize("sizes", [(2, 3), (4,), (0,), ()])
def test_sizes_make_uninitialised_tensors(name, sizes):
    ours, ref = getattr(torch, name)(*sizes), getattr(torch_ref, name)(*sizes)
    assert tuple(ours.shape) == tuple(ref.shape) and str(ours.dtype) == str(ref.dtype)
    assert ours.type() == ref.type() == f"torch.{name}"


def test_size_argument_is_a_shape_and_tuples_are_data():
    ours, ref = torch.FloatTensor(torch.Size([2, 3])), torch_ref.FloatTensor(torch_ref.Size([2, 3]))
    assert tuple(ours.shape) == tuple(ref.shape) == (2, 3)
    assert torch.FloatTensor(torch.Size([])).shape == torch.Size([])
    _same(torch.FloatTensor((2, 3)), torch_ref.FloatTensor((2, 3)))


def test_float_data_truncates_into_integer_types():
    _same(torch.LongTensor([1.7, -2.5]), torch_ref.LongTensor([1.7, -2.5]))
    _same(torch.BoolTensor([0, 2]), torch_ref.BoolTensor([0, 2]))


def test_tensor_and_ndarray_of_the_type_share_memory():
    base = torch.zeros(3)
    alias = torch.FloatTensor(base)
    alias.add_(1)
    np.testing.assert_array_equal(base.numpy(), [1, 1, 1])
    assert base._version == alias._version == 1
    array = np.zeros(2, dtype=np.float32)
    shared = torch.FloatTensor(array)
    array[0] = 5
    assert shared.tolist() == [5.0, 0.0]
    _same(torch.FloatTensor(np.arange(3.0)), torch_ref.FloatTensor(np.arange(3.0)))


def test_alias_of_a_leaf_keeps_the_graph():
    leaf = torch.ones(2, requires_grad=True)
    torch.FloatTensor(leaf).sum().backward()
    np.testing.assert_array_equal(leaf.grad.numpy(), [1, 1])


def test_isinstance_checks_the_dtype():
    assert isinstance(torch.zeros(1), torch.FloatTensor)
    assert not isinstance(torch.zeros(1), torch.DoubleTensor)
    assert isinstance(torch.zeros(1, dtype=torch.float64), torch.DoubleTensor)
    assert isinstance(torch.arange(3), torch.LongTensor)
    assert not isinstance(3, torch.FloatTensor)
    assert type(torch.FloatTensor([1])) is torch.Tensor
    assert not issubclass(torch.FloatTensor, torch.Tensor) and not issubclass(torch_ref.FloatTensor, torch_ref.Tensor)
    for name in _TYPES:
        ref_dtype = getattr(torch_ref, name).dtype
        ours = torch.zeros(2, dtype=getattr(torch, name).dtype)
        assert str(getattr(torch, name).dtype) == str(ref_dtype)
        assert [isinstance(ours, getattr(torch, other)) for other in _TYPES] == \
            [isinstance(torch_ref.zeros(2, dtype=ref_dtype), getattr(torch_ref, other)) for other in _TYPES]


def test_legacy_type_names_and_flags():
    assert torch.FloatTensor.__name__ == torch_ref.FloatTensor.__name__ == "FloatTensor"
    assert repr(torch.FloatTensor) == "<class 'autograd_core.FloatTensor'>"
    assert torch.FloatTensor.is_cuda is torch_ref.FloatTensor.is_cuda is False
    assert torch.FloatTensor.is_sparse is torch_ref.FloatTensor.is_sparse is False


@pytest.mark.parametrize("call, error", [
    (lambda T: T.FloatTensor(2.5), TypeError),
    (lambda T: T.LongTensor(True), TypeError),
    (lambda T: T.FloatTensor(-1), RuntimeError),
    (lambda T: T.FloatTensor(2, requires_grad=True), TypeError),
    (lambda T: T.FloatTensor([1], dtype=T.float64), TypeError),
    (lambda T: T.FloatTensor(T.zeros(2, dtype=T.float64)), TypeError),
    (lambda T: T.FloatTensor([1], [2]), TypeError),
])
def test_bad_arguments_raise_as_torch(call, error):
    with pytest.raises(error):
        call(torch_ref)
    with pytest.raises(error, match="Tensor()"):
        call(torch)


def test_errors_name_the_constructor_and_the_problem():
    with pytest.raises(TypeError, match=r"FloatTensor\(\): data must be a sequence \(got float\)"):
        torch.FloatTensor(2.5)
    with pytest.raises(RuntimeError, match=r"FloatTensor\(\): trying to create tensor with negative dimension -1"):
        torch.FloatTensor(2, -1)
    with pytest.raises(TypeError, match=r"expected a tensor of dtype torch.float32 \(got torch.float64\)"):
        torch.FloatTensor(torch.zeros(2, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="not available"):
        torch.FloatTensor([1], device="cuda")
    assert torch.FloatTensor([1], device="cpu").tolist() == [1.0]


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_device_kind_flags_match_torch(dtype):
    ours, ref = torch.zeros(2, dtype=getattr(torch, dtype)), torch_ref.zeros(2, dtype=getattr(torch_ref, dtype))
    for flag in _FLAGS:
        assert getattr(ours, flag) is getattr(ref, flag), flag
    assert str(ours.device) == str(ref.device) == "cpu"


def test_flags_are_read_only_properties():
    t = torch.zeros(1)
    with pytest.raises(AttributeError):
        t.is_sparse = True
    assert torch.nn.Parameter(torch.zeros(1)).is_meta is False
