"""autograd_core.utils.data: datasets, samplers, collate and the DataLoader (fast path included)."""
import collections

import numpy as np
import pytest

import autograd_core as torch
from autograd_core.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, RandomSampler,
                                      SequentialSampler, Subset, SubsetRandomSampler, TensorDataset,
                                      default_collate, default_convert, random_split)


class Squares(Dataset):
    """A plain map-style dataset (no fast path): sample i is (i as float vector, i squared)."""

    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return torch.tensor([float(i), 0.5 * i]), i * i

    def __len__(self):
        return self.n


def _rows(n=10):
    x = torch.tensor(np.arange(n * 3, dtype=np.float32).reshape(n, 3))
    y = torch.tensor(np.arange(n, dtype=np.int64))
    return x, y


# ----- datasets -----
def test_tensor_dataset_indexes_rows_of_every_tensor():
    x, y = _rows()
    ds = TensorDataset(x, y)
    assert len(ds) == 10
    xi, yi = ds[4]
    assert xi.tolist() == [12.0, 13.0, 14.0] and yi.item() == 4 and yi.dtype == torch.int64


def test_tensor_dataset_rejects_mismatched_first_dimension():
    with pytest.raises(ValueError, match=r"Size mismatch.*\(10, 3\).*\(9,\)"):
        TensorDataset(torch.zeros(10, 3), torch.zeros(9))
    with pytest.raises(TypeError, match="expected Tensors"):
        TensorDataset(np.zeros(3))


def test_tensor_dataset_keeps_autograd_for_tensors_that_require_grad():
    w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    ds = TensorDataset(w)
    (sample,) = ds[1]
    sample.backward()
    assert w.grad.tolist() == [0.0, 1.0, 0.0]


def test_subset_and_concat_dataset():
    ds = Squares(5)
    sub = Subset(ds, [4, 0])
    assert len(sub) == 2 and sub[0][1] == 16 and sub[1][1] == 0
    both = ds + Squares(3)
    assert isinstance(both, ConcatDataset) and len(both) == 8
    assert both[6][1] == 1 and both[-1][1] == 4


def test_random_split_by_lengths_and_fractions_is_a_seeded_partition():
    ds = Squares(10)
    a, b = random_split(ds, [7, 3], generator=torch.Generator().manual_seed(1))
    assert (len(a), len(b)) == (7, 3)
    assert sorted(a.indices + b.indices) == list(range(10))
    again, _ = random_split(ds, [7, 3], generator=torch.Generator().manual_seed(1))
    assert again.indices == a.indices
    parts = random_split(Squares(11), [0.5, 0.3, 0.2])
    assert [len(p) for p in parts] == [6, 3, 2]  # floor gives 5, 3, 2; the remainder goes to the first


def test_random_split_rejects_bad_lengths():
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(Squares(10), [5, 4])
    with pytest.raises(ValueError, match="non-negative"):
        random_split(Squares(10), [11, -1])


# ----- samplers -----
def test_sequential_and_random_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    order = list(RandomSampler(range(50)))
    assert sorted(order) == list(range(50)) and order != list(range(50))
    draws = list(RandomSampler(range(3), replacement=True, num_samples=20))
    assert len(draws) == 20 and set(draws) <= {0, 1, 2}
    longer = list(RandomSampler(range(4), num_samples=10))
    assert len(longer) == 10 and sorted(longer[:4]) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(range(3), num_samples=0)


def test_random_sampler_repeats_with_a_seeded_generator_and_with_manual_seed():
    first = list(RandomSampler(range(20), generator=torch.Generator().manual_seed(3)))
    assert first == list(RandomSampler(range(20), generator=torch.Generator().manual_seed(3)))
    torch.manual_seed(5)
    a = list(RandomSampler(range(20)))
    torch.manual_seed(5)
    assert list(RandomSampler(range(20))) == a


def test_subset_random_sampler_and_batch_sampler():
    picked = list(SubsetRandomSampler([10, 20, 30]))
    assert sorted(picked) == [10, 20, 30]
    assert list(BatchSampler(SequentialSampler(range(7)), 3, drop_last=False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, drop_last=True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, drop_last=False)) == 3
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        BatchSampler(range(7), 0, drop_last=False)


# ----- collate -----
def test_default_collate_stacks_tensors_numbers_and_arrays():
    batch = default_collate([torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])])
    assert batch.shape == (2, 2) and batch.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert default_collate([1.5, 2.5]).dtype == torch.float64
    assert default_collate([1, 2]).dtype == torch.int64
    arrays = default_collate([np.zeros((2, 2), np.uint8), np.ones((2, 2), np.uint8)])
    assert arrays.shape == (2, 2, 2) and arrays.dtype == torch.uint8
    assert default_collate([np.float32(1), np.float32(2)]).dtype == torch.float32
    assert default_collate(["a", "b"]) == ["a", "b"]


def test_default_collate_follows_tuples_dicts_and_namedtuples():
    pair = default_collate([(torch.tensor([1.0]), 0), (torch.tensor([2.0]), 1)])
    assert isinstance(pair, list) and pair[0].shape == (2, 1) and pair[1].tolist() == [0, 1]
    d = default_collate([{"x": 1.0, "y": [1, 2]}, {"x": 2.0, "y": [3, 4]}])
    assert d["x"].tolist() == [1.0, 2.0] and [t.tolist() for t in d["y"]] == [[1, 3], [2, 4]]
    Point = collections.namedtuple("Point", "x y")
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(p, Point) and p.x.tolist() == [1, 3] and p.y.dtype == torch.float64


def test_default_collate_errors_name_the_problem():
    with pytest.raises(RuntimeError, match="equal size.*shapes"):
        default_collate([torch.zeros(2), torch.zeros(3)])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(TypeError, match="found object"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="numpy array of dtype <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_default_convert_turns_arrays_into_tensors():
    out = default_convert({"a": np.arange(3), "b": (np.float64(2.0), "s")})
    assert isinstance(out["a"], torch.Tensor) and out["a"].dtype == torch.int64
    assert isinstance(out["b"], list) and out["b"][0].dtype == torch.float64 and out["b"][1] == "s"


def test_default_collate_matches_torch_structure_and_dtypes():
    torch_ref = pytest.importorskip("torch")
    from torch.utils.data import default_collate as ref_collate
    samples = [{"x": 1.0, "n": 3, "v": np.ones(2, np.float32), "t": (True, "a")},
               {"x": 2.0, "n": 4, "v": np.zeros(2, np.float32), "t": (False, "b")}]
    ours, ref = default_collate(samples), ref_collate(samples)
    for key in ("x", "n", "v"):
        assert str(ours[key].dtype) == str(ref[key].dtype)
        np.testing.assert_array_equal(ours[key].numpy(), ref[key].numpy())
    assert ours["t"][0].tolist() == ref["t"][0].tolist() and ours["t"][1] == ref["t"][1]
    assert str(ours["t"][0].dtype) == str(ref["t"][0].dtype) == str(torch_ref.bool)


# ----- DataLoader -----
def test_loader_batches_in_order_with_len_and_dataset():
    x, y = _rows(10)
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and loader.dataset.tensors[0] is x
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert isinstance(batches[0], list) and batches[0][0].shape == (4, 3) and batches[0][0].dtype == torch.float32


def test_loader_drop_last():
    loader = DataLoader(TensorDataset(*_rows(10)), batch_size=4, drop_last=True)
    assert len(loader) == 2 and [len(b[1]) for b in loader] == [4, 4]


def test_shuffled_epochs_cover_everything_differ_and_repeat_after_manual_seed():
    loader = DataLoader(TensorDataset(*_rows(30)), batch_size=7, shuffle=True)
    torch.manual_seed(11)
    epoch1 = np.concatenate([b[1].numpy() for b in loader])
    epoch2 = np.concatenate([b[1].numpy() for b in loader])
    assert sorted(epoch1.tolist()) == list(range(30)) and epoch1.tolist() != epoch2.tolist()
    torch.manual_seed(11)
    assert np.concatenate([b[1].numpy() for b in loader]).tolist() == epoch1.tolist()


def test_shuffle_with_its_own_generator_ignores_the_global_one():
    def first_epoch():
        loader = DataLoader(Squares(12), batch_size=5, shuffle=True, generator=torch.Generator().manual_seed(2))
        torch.manual_seed(np.random.randint(1000))
        return [b[1].tolist() for b in loader]
    assert first_epoch() == first_epoch()


def test_fast_path_gives_the_same_batches_as_per_sample_collate():
    x, y = _rows(23)
    fast = TensorDataset(x, y)

    class Plain(Dataset):
        def __getitem__(self, i):
            return fast[i]

        def __len__(self):
            return len(fast)

    for make in (lambda ds: DataLoader(ds, batch_size=5),
                 lambda ds: DataLoader(ds, batch_size=5, shuffle=True, generator=torch.Generator().manual_seed(4))):
        for (fx, fy), (px, py) in zip(make(fast), make(Plain())):
            np.testing.assert_array_equal(fx.numpy(), px.numpy())
            np.testing.assert_array_equal(fy.numpy(), py.numpy())
            assert fx.dtype == px.dtype and fy.dtype == py.dtype


def test_fast_path_follows_subsets_from_random_split():
    x, y = _rows(20)
    train, _ = random_split(TensorDataset(x, y), [15, 5], generator=torch.Generator().manual_seed(0))
    labels = [b[1].tolist() for b in DataLoader(train, batch_size=4)]
    assert sum(labels, []) == list(train.indices)
    xb, _ = next(iter(DataLoader(train, batch_size=4)))
    np.testing.assert_array_equal(xb.numpy(), x.numpy()[train.indices[:4]])


def test_loader_with_plain_dataset_collates_samples():
    xb, yb = next(iter(DataLoader(Squares(6), batch_size=3)))
    assert xb.tolist() == [[0.0, 0.0], [1.0, 0.5], [2.0, 1.0]] and yb.tolist() == [0, 1, 4]


def test_batch_size_none_disables_batching_and_converts_arrays():
    class Arrays(Dataset):
        def __getitem__(self, i):
            return np.full(2, i)

        def __len__(self):
            return 3

    loader = DataLoader(Arrays(), batch_size=None)
    items = list(loader)
    assert len(loader) == 3 and isinstance(items[1], torch.Tensor) and items[1].tolist() == [1, 1]


def test_custom_sampler_batch_sampler_and_collate_fn():
    loader = DataLoader(Squares(6), batch_size=2, sampler=[5, 4, 3, 2, 1, 0])
    assert [b[1].tolist() for b in loader] == [[25, 16], [9, 4], [1, 0]]
    loader = DataLoader(Squares(6), batch_sampler=[[0, 5], [1]])
    assert len(loader) == 2 and [b[1].tolist() for b in loader] == [[0, 25], [1]]
    loader = DataLoader(TensorDataset(*_rows(4)), batch_size=2, collate_fn=len)
    assert list(loader) == [2, 2]


def test_loader_rejects_conflicting_options():
    ds = Squares(4)
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, sampler=SequentialSampler(ds), shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_size=2, batch_sampler=[[0]])
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(ds, batch_size=0)


def test_torch_code_ports_unchanged():
    """The usual PyTorch training-loop shape of code runs as written."""
    x, y = _rows(8)
    loader = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True, num_workers=2, pin_memory=True)
    seen = 0
    for batch_idx, (data, target) in enumerate(loader):
        seen += data.shape[0]
        assert target.dtype == torch.int64
    assert seen == 8 and batch_idx == 1


def test_batches_are_tensors_of_the_default_backend():
    default = type(torch.zeros(1).array)
    x, y = _rows()
    fast = next(iter(DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True)))
    subset = next(iter(DataLoader(random_split(TensorDataset(x, y), [6, 4])[0], batch_size=3)))
    plain = next(iter(DataLoader(Squares(5), batch_size=2)))
    arrays = next(iter(DataLoader([(np.ones(2), 1.5)] * 3, batch_size=3)))
    for batch in (fast, subset, plain, arrays):
        assert all(type(t.array) is default for t in batch)
    assert type(TensorDataset(x, y)[3][1].array) is default
