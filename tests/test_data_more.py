"""Iterable, chained and stacked datasets, WeightedRandomSampler, DataLoader worker processes, default_collate of
nested samples, ImageFolder over generated PNG/JPEG files, and the torchvision-style transforms."""
import collections
import os
import warnings

import numpy as np
import pytest

import autograd_core as torch
from autograd_core import transforms as T
from autograd_core.datasets import ImageFolder
from autograd_core.utils.data import (ChainDataset, DataLoader, Dataset, DistributedSampler, IterableDataset,
                                      StackDataset, SubsetRandomSampler, TensorDataset, WeightedRandomSampler,
                                      default_collate, get_worker_info)

Image = pytest.importorskip("PIL.Image")  # Pillow is a dependency; ImageFolder reads images with it


@pytest.fixture
def torch_ref():
    return pytest.importorskip("torch")


def values(batch):
    """A batch (nested tensors, lists, dicts) as plain Python values, for comparing loaders."""
    if isinstance(batch, torch.Tensor):
        return (str(batch.dtype), batch.numpy(force=True).tolist())
    if isinstance(batch, dict):
        return {k: values(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return [values(v) for v in batch]
    return batch


class Stream(IterableDataset):
    """0, 1, ..., n - 1, split between DataLoader workers by stride."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))

    def __len__(self):
        return self.n


class Records(Dataset):
    """Dict samples of mixed types, as real datasets give."""

    def __init__(self, n=17):
        self.n = n

    def __getitem__(self, i):
        return {"x": torch.full((2,), float(i)), "label": i % 3, "name": f"item{i}", "weight": i / 10}

    def __len__(self):
        return self.n


class WhoLoads(Dataset):
    """Samples that say which worker loaded them and what its generators give."""

    def __getitem__(self, i):
        info = get_worker_info()
        return {"worker": -1 if info is None else info.id, "torch": torch.rand(1).item(),
                "numpy": float(np.random.rand()), "seed": -1 if info is None else info.seed}

    def __len__(self):
        return 8


# ----- datasets -----
def test_iterable_dataset_in_the_main_process_and_split_between_workers():
    assert get_worker_info() is None
    assert [b.tolist() for b in DataLoader(Stream(7), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(Stream(7), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    batches = [b.tolist() for b in DataLoader(Stream(11), batch_size=2, num_workers=2)]
    assert batches == [[0, 2], [1, 3], [4, 6], [5, 7], [8, 10], [9]]  # round-robin between the workers
    assert list(DataLoader(Stream(3), batch_size=None, num_workers=2)) == [0, 1, 2]  # default_convert: as is
    assert len(DataLoader(Stream(7), batch_size=3)) == 3


def test_iterable_dataset_refuses_shuffle_and_samplers():
    with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected unspecified shuffle option, "
                                         "but got shuffle=True"):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        DataLoader(Stream(3), sampler=[0, 1])


def test_chain_and_stack_datasets():
    chained = Stream(2) + Stream(3)
    assert isinstance(chained, ChainDataset) and list(chained) == [0, 1, 0, 1, 2] and len(chained) == 5
    with pytest.raises(TypeError, match="ChainDataset only supports IterableDataset"):
        list(ChainDataset([Stream(1), [5]]))
    stacked = StackDataset(Records(4), TensorDataset(torch.arange(4)))
    assert len(stacked) == 4 and stacked[2][0]["name"] == "item2" and stacked[2][1][0].item() == 2
    named = StackDataset(record=Records(4), index=TensorDataset(torch.arange(4)))
    batch = next(iter(DataLoader(named, batch_size=4)))
    assert batch["record"]["name"] == ["item0", "item1", "item2", "item3"]
    assert batch["index"][0].tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset(Records(4), Records(5))
    with pytest.raises(ValueError, match="both types are given"):
        StackDataset(Records(4), index=Records(4))
    with pytest.raises(ValueError, match="At least one dataset should be passed"):
        StackDataset()


def test_weighted_random_sampler():
    weights = [0.1, 0.0, 0.6, 0.3]
    draws = np.array(list(WeightedRandomSampler(weights, 20000)))
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / 20000, weights, atol=0.015)
    unique = list(WeightedRandomSampler(torch.tensor([1.0, 2.0, 3.0, 0.5]), 4, replacement=False))
    assert sorted(unique) == [0, 1, 2, 3]
    repeat = lambda: list(WeightedRandomSampler(weights, 10, generator=torch.Generator().manual_seed(5)))  # noqa
    assert repeat() == repeat() and len(WeightedRandomSampler(weights, 10)) == 10
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got num_samples=0"):
        WeightedRandomSampler(weights, 0)
    with pytest.raises(ValueError, match="weights should be a 1d sequence but given weights have shape \\(2, 2\\)"):
        WeightedRandomSampler([[1, 2], [3, 4]], 2)
    with pytest.raises(RuntimeError, match="cannot draw 4 samples without replacement from 3 non-zero weights"):
        WeightedRandomSampler(weights, 4, replacement=False)
    assert sorted(SubsetRandomSampler([4, 9, 2])) == [2, 4, 9]


# ----- worker processes -----
@pytest.mark.parametrize("make, options", [
    (Records, dict(batch_size=4, shuffle=True)),
    (Records, dict(batch_size=5, drop_last=True)),
    (Records, dict(batch_size=None)),
    (lambda: TensorDataset(torch.randn(13, 3), torch.arange(13)), dict(batch_size=4, shuffle=True)),
])
def test_worker_batches_equal_single_process_batches_for_the_same_seed(make, options):
    dataset = make()
    torch.manual_seed(21)
    expected = [values(b) for epoch in range(2) for b in DataLoader(dataset, **options)]
    torch.manual_seed(21)
    got = [values(b) for epoch in range(2) for b in DataLoader(dataset, num_workers=2, **options)]
    assert got == expected
    torch.manual_seed(21)
    persistent = DataLoader(dataset, num_workers=2, persistent_workers=True, prefetch_factor=1, **options)
    assert [values(b) for epoch in range(2) for b in persistent] == expected


def test_worker_generator_and_in_order_options():
    make = lambda **kw: DataLoader(Records(), batch_size=3, shuffle=True,  # noqa: E731
                                   generator=torch.Generator().manual_seed(8), **kw)
    expected = [values(b) for b in make()]
    assert [values(b) for b in make(num_workers=2, prefetch_factor=4)] == expected
    unordered = [values(b) for b in make(num_workers=2, in_order=False)]
    assert sorted(map(repr, unordered)) == sorted(map(repr, expected))


def test_workers_are_seeded_from_the_base_seed_and_run_worker_init_fn():
    def init(worker_id):
        np.random.seed(1000 + worker_id)  # numpy reseeded per worker, as users do

    def run():
        torch.manual_seed(3)
        return [values(b) for b in DataLoader(WhoLoads(), batch_size=2, num_workers=2, worker_init_fn=init)]
    first = run()
    assert first == run()  # reproducible
    workers = [b["worker"][1][0] for b in first]
    assert workers == [0, 1, 0, 1]
    seeds = {b["worker"][1][0]: b["seed"][1][0] for b in first}
    assert seeds[1] == seeds[0] + 1
    numpy_draws = {b["worker"][1][0]: b["numpy"][1][0] for b in first[:2]}
    assert numpy_draws[0] == np.random.RandomState(1000).rand() and numpy_draws[1] == np.random.RandomState(1001).rand()
    assert first[0]["torch"] != first[1]["torch"]  # the workers' generators differ


def test_worker_errors_reach_the_main_process():
    class Broken(Dataset):
        def __getitem__(self, i):
            if i == 3:
                raise KeyError("sample 3 is missing")
            return i

        def __len__(self):
            return 6

    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 1"):
        list(DataLoader(Broken(), batch_size=2, num_workers=2))

    def failing_init(worker_id):
        raise ValueError(f"no init for {worker_id}")
    with pytest.raises(ValueError, match="no init for"):
        list(DataLoader(Records(), num_workers=1, worker_init_fn=failing_init))


def test_worker_timeout_and_dead_workers():
    class Slow(Dataset):
        def __getitem__(self, i):
            import time
            time.sleep(3)
            return i

        def __len__(self):
            return 2

    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.5 seconds"):
        list(DataLoader(Slow(), num_workers=1, timeout=0.5))

    class Dies(Dataset):
        def __getitem__(self, i):
            os._exit(1)

        def __len__(self):
            return 2

    with pytest.raises(RuntimeError, match="DataLoader worker \\(pid\\(s\\) \\d+\\) exited unexpectedly"):
        list(DataLoader(Dies(), num_workers=1))


def test_spawned_workers_receive_tensors_and_send_batches_back():
    dataset = TensorDataset(torch.arange(6.0).reshape(3, 2), torch.tensor([0, 1, 2]))
    batches = list(DataLoader(dataset, batch_size=2, num_workers=1, multiprocessing_context="spawn"))
    assert values(batches) == values(list(DataLoader(dataset, batch_size=2)))
    assert all(type(t.array) is type(torch.zeros(1).array) for batch in batches for t in batch)


def test_loader_worker_options_are_checked_as_pytorch():
    with pytest.raises(ValueError, match="prefetch_factor option could only be specified in multiprocessing"):
        DataLoader(Records(), prefetch_factor=2)
    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        DataLoader(Records(), persistent_workers=True)
    with pytest.raises(ValueError, match="timeout option should be non-negative"):
        DataLoader(Records(), timeout=-1)
    loader = DataLoader(Records(), pin_memory=True)
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no accelerator is found"):
        assert len(list(loader)) == 17


# ----- collate -----
def test_default_collate_of_nested_samples_matches_pytorch(torch_ref):
    Pair = collections.namedtuple("Pair", "a b")

    def sample(lib, value):
        return {"image": lib.full((2,), value), "meta": {"id": 3, "scale": 0.5, "flag": True, "name": "n",
                                                        "pair": Pair(1, np.float32(value)), "array": np.ones(2)},
                "nested": [1, (2.0, "x")]}

    ours = default_collate([sample(torch, 1.0), sample(torch, 0.0)])
    theirs = torch_ref.utils.data.default_collate([sample(torch_ref, 1.0), sample(torch_ref, 0.0)])

    def plain(batch, lib):
        if isinstance(batch, lib.Tensor):
            return (str(batch.dtype).split(".")[-1], batch.numpy().tolist())
        if isinstance(batch, dict):
            return {k: plain(v, lib) for k, v in batch.items()}
        if isinstance(batch, tuple) and hasattr(batch, "_fields"):
            return (type(batch).__name__,) + tuple(plain(v, lib) for v in batch)
        if isinstance(batch, (list, tuple)):
            return (type(batch).__name__, [plain(v, lib) for v in batch])
        return batch
    assert plain(ours, torch) == plain(theirs, torch_ref)


# ----- ImageFolder -----
def _write_images(root):
    """Two classes of tiny generated images: PNG and JPEG, in nested folders, plus files that are not images."""
    rng = np.random.default_rng(0)
    layout = {"cat": ["b.png", "a.jpg", "deep/c.PNG"], "dog": ["x.jpeg", "y.png"]}
    pixels = {}
    for name, files in layout.items():
        for file in files:
            path = root / name / file
            path.parent.mkdir(parents=True, exist_ok=True)
            image = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
            Image.fromarray(image).save(path, format="JPEG" if file.lower().endswith(("jpg", "jpeg")) else "PNG")
            pixels[str(path)] = image
    (root / "cat" / "notes.txt").write_text("not an image")
    (root / "readme.md").write_text("not a class")
    return pixels


def test_image_folder_lists_classes_and_samples_as_torchvision(tmp_path):
    pixels = _write_images(tmp_path)
    dataset = ImageFolder(tmp_path)
    assert dataset.classes == ["cat", "dog"] and dataset.class_to_idx == {"cat": 0, "dog": 1}
    relative = [(os.path.relpath(path, tmp_path), target) for path, target in dataset.samples]
    assert relative == [("cat/a.jpg", 0), ("cat/b.png", 0), ("cat/deep/c.PNG", 0), ("dog/x.jpeg", 1),
                        ("dog/y.png", 1)]
    assert dataset.targets == [0, 0, 0, 1, 1] and dataset.imgs == dataset.samples and len(dataset) == 5
    image, target = dataset[1]
    assert image.mode == "RGB" and image.size == (8, 6) and target == 0
    np.testing.assert_array_equal(np.asarray(image), pixels[dataset.samples[1][0]])  # PNG is lossless
    assert "Number of datapoints: 5" in repr(dataset)


def test_image_folder_with_transforms_through_a_loader_with_workers(tmp_path):
    _write_images(tmp_path)
    pipeline = T.Compose([T.Resize(4), T.CenterCrop(4), T.ToTensor(), T.Normalize((0.5,) * 3, (0.5,) * 3)])
    dataset = ImageFolder(tmp_path, transform=pipeline, target_transform=lambda t: t * 10)
    image, target = dataset[0]
    assert tuple(image.shape) == (3, 4, 4) and image.dtype == torch.float32 and target == 0
    assert -1.0 <= image.min().item() and image.max().item() <= 1.0
    single = [values(b) for b in DataLoader(dataset, batch_size=2)]
    assert [values(b) for b in DataLoader(dataset, batch_size=2, num_workers=2)] == single
    assert single[-1][1] == ("torch.int64", [10])


def test_image_folder_errors_and_options(tmp_path):
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder in"):
        ImageFolder(tmp_path)
    _write_images(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty. Supported extensions "
                                                "are: .jpg, .jpeg"):
        ImageFolder(tmp_path)
    assert ImageFolder(tmp_path, allow_empty=True).classes == ["cat", "dog", "empty"]
    only_png = ImageFolder(tmp_path, is_valid_file=lambda p: p.endswith(".png"), allow_empty=True)
    assert [os.path.basename(p) for p, _ in only_png.samples] == ["b.png", "y.png"]


# ----- transforms -----
@pytest.mark.parametrize("size, max_size, expected", [(4, None, [4, 5]), ((3, 7), None, [3, 7]), ([3], None, [3, 4]),
                                                      (4, 6, [4, 5]), (12, None, [12, 16])])
def test_resize_output_size_follows_torchvision(size, max_size, expected):
    """The smaller edge takes ``size``; the other ``int(size * long / short)``, capped by ``max_size``."""
    image = torch.rand(3, 6, 8)
    assert list(T.Resize(size, max_size=max_size)(image).shape[-2:]) == expected
    pil = Image.fromarray(np.zeros((6, 8, 3), np.uint8))
    assert list(T.Resize(size, max_size=max_size)(pil).size[::-1]) == expected


def test_resize_caps_the_longer_edge_at_max_size():
    assert list(T.Resize(3, max_size=6)(torch.rand(1, 4, 12)).shape[-2:]) == [2, 6]
    with pytest.raises(ValueError, match="max_size = 3 must be strictly greater than the requested size"):
        T.Resize(3, max_size=3)(torch.rand(1, 4, 12))


def test_resize_values():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    pil = Image.fromarray(image)
    np.testing.assert_array_equal(np.asarray(T.Resize((3, 4))(pil)), np.asarray(pil.resize((4, 3), Image.BILINEAR)))
    planes = torch.tensor(image.transpose(2, 0, 1).astype(np.float32))
    resized = T.Resize((3, 4))(planes).numpy(force=True)
    expected = np.stack([np.asarray(Image.fromarray(p, mode="F").resize((4, 3), Image.BILINEAR))
                         for p in image.transpose(2, 0, 1).astype(np.float32)])
    np.testing.assert_allclose(resized, expected, rtol=1e-6)
    nearest = T.Resize((3, 4), interpolation=T.InterpolationMode.NEAREST)(planes).numpy(force=True)
    np.testing.assert_array_equal(nearest, planes.numpy(force=True)[:, ::2, ::2])
    as_uint8 = T.Resize((3, 4))(torch.tensor(image.transpose(2, 0, 1)))
    assert as_uint8.dtype == torch.uint8 and np.abs(as_uint8.numpy(force=True) - np.round(expected)).max() <= 1
    assert repr(T.Resize(4)) == "Resize(size=4, interpolation=bilinear, max_size=None, antialias=True)"


def test_center_crop_as_torchvision():
    image = torch.arange(30.0).reshape(1, 5, 6)
    np.testing.assert_array_equal(T.CenterCrop(3)(image).numpy(force=True)[0], image.numpy(force=True)[0, 1:4, 2:5])
    np.testing.assert_array_equal(T.CenterCrop((2, 3))(image).numpy(force=True)[0],
                                  image.numpy(force=True)[0, 2:4, 2:5])  # round(1.5) = 2, as torchvision
    grown = T.CenterCrop((8, 7))(image).numpy(force=True)[0]  # zero padding, the odd row and column after
    assert grown.shape == (8, 7) and grown[1:6, 0:6].tolist() == image.numpy(force=True)[0].tolist()
    assert not grown[0].any() and not grown[6:].any() and not grown[:, 6].any()
    pil = Image.fromarray(np.arange(30, dtype=np.uint8).reshape(5, 6))
    np.testing.assert_array_equal(np.asarray(T.CenterCrop(3)(pil)), np.asarray(pil)[1:4, 2:5])
    assert repr(T.CenterCrop(3)) == "CenterCrop(size=(3, 3))"


def test_random_crop_and_flip():
    image = torch.arange(48.0).reshape(3, 4, 4)
    torch.manual_seed(0)
    first = [T.RandomCrop(2)(image).numpy(force=True) for _ in range(20)]
    torch.manual_seed(0)
    assert all((a == T.RandomCrop(2)(image).numpy(force=True)).all() for a in first)
    corners = {tuple(a[0].reshape(-1)) for a in first}
    assert len(corners) > 3 and all(len(c) == 4 for c in corners)
    padded = T.RandomCrop(4, padding=2)(image)
    assert tuple(padded.shape) == (3, 4, 4)
    assert tuple(T.RandomCrop((5, 6), pad_if_needed=True, padding_mode="reflect")(image).shape) == (3, 5, 6)
    with pytest.raises(ValueError, match="Required crop size \\(5, 5\\) is larger than input image size \\(4, 4\\)"):
        T.RandomCrop(5)(image)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(image).numpy(force=True),
                                  image.numpy(force=True)[..., ::-1])
    assert T.RandomHorizontalFlip(0.0)(image) is image
    flipped = sum(T.RandomHorizontalFlip(0.3)(image).numpy(force=True)[0, 0, 0] == 3.0 for _ in range(2000))
    assert abs(flipped / 2000 - 0.3) < 0.04
    pil = Image.fromarray(np.arange(16, dtype=np.uint8).reshape(4, 4))
    np.testing.assert_array_equal(np.asarray(T.RandomHorizontalFlip(1.0)(pil)), np.asarray(pil)[:, ::-1])
    assert T.RandomCrop(2, padding=1)(pil).size == (2, 2)
    assert repr(T.RandomCrop(2, padding=1)) == "RandomCrop(size=(2, 2), padding=1)"
    with pytest.raises(TypeError, match="img should be PIL Image or Tensor"):
        T.RandomHorizontalFlip()(np.zeros((2, 2)))


def test_transforms_run_in_loader_workers_reproducibly():
    class Images(Dataset):
        def __getitem__(self, i):
            return T.RandomHorizontalFlip()(T.RandomCrop(3)(torch.arange(25.0).reshape(1, 5, 5) + i))

        def __len__(self):
            return 6

    def run():
        torch.manual_seed(2)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return [values(b) for b in DataLoader(Images(), batch_size=2, num_workers=2)]
    assert run() == run()


def test_to_tensor_and_normalize_give_torchvisions_numbers(torch_ref):
    """torchvision's formulas: ``uint8 HWC -> float CHW / 255`` and ``(x - mean[c]) / std[c]``."""
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    expected = torch_ref.from_numpy(image.transpose(2, 0, 1).copy()).to(torch_ref.float32).div(255)
    for pic in (image, Image.fromarray(image)):
        ours = T.ToTensor()(pic)
        assert ours.dtype == torch.float32 and tuple(ours.shape) == (3, 5, 7)
        np.testing.assert_array_equal(ours.numpy(force=True), expected.numpy())
    gray = T.ToTensor()(image[..., 0])
    np.testing.assert_array_equal(gray.numpy(force=True), expected.numpy()[:1])
    one_bit = T.ToTensor()(Image.fromarray(image[..., 0] > 127))
    np.testing.assert_array_equal(one_bit.numpy(force=True), (image[None, ..., 0] > 127).astype(np.float32))
    floats = rng.standard_normal((4, 4, 2)).astype(np.float32)
    np.testing.assert_array_equal(T.ToTensor()(floats).numpy(force=True), floats.transpose(2, 0, 1))
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    reference = (expected - torch_ref.tensor(mean).view(-1, 1, 1)) / torch_ref.tensor(std).view(-1, 1, 1)
    pipeline = T.Compose([T.ToTensor(), T.Normalize(mean, std)])
    np.testing.assert_allclose(pipeline(image).numpy(force=True), reference.numpy(), rtol=1e-6, atol=1e-7)
    tensor = T.ToTensor()(image)
    assert T.Normalize(mean, std, inplace=True)(tensor) is tensor
    np.testing.assert_allclose(tensor.numpy(force=True), reference.numpy(), rtol=1e-6, atol=1e-7)
    assert repr(pipeline) == ("Compose(\n    ToTensor()\n    Normalize(mean=(0.485, 0.456, 0.406), "
                              "std=(0.229, 0.224, 0.225))\n)")
    with pytest.raises(TypeError, match="Normalize: expected a float tensor image"):
        T.Normalize(mean, std)(torch.zeros(3, 2, 2, dtype=torch.uint8))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize(mean, (1.0, 0.0, 1.0))(torch.zeros(3, 2, 2))
    with pytest.raises(ValueError, match="2 means and 3 stds for an image with 3 channels"):
        T.Normalize((0.0, 0.0), std)(torch.zeros(3, 2, 2))
    with pytest.raises(TypeError, match="ToTensor: pic should be an ndarray"):
        T.ToTensor()([[1, 2]])


def test_random_crop_and_flip_draw_as_torchvision():
    """RandomCrop's corner is ``randint(0, h - th + 1)``, ``randint(0, w - tw + 1)``; the flip is ``rand(1) < p``,
    both from the global generator."""
    image = torch.arange(60.0).reshape(1, 6, 10)
    torch.manual_seed(4)
    cropped = T.RandomCrop((3, 4))(image)
    torch.manual_seed(4)
    top, left = torch.randint(0, 4, (1,)).item(), torch.randint(0, 7, (1,)).item()
    np.testing.assert_array_equal(cropped.numpy(force=True), image.numpy(force=True)[:, top:top + 3, left:left + 4])
    torch.manual_seed(9)
    flipped = [T.RandomHorizontalFlip(0.5)(image) is not image for _ in range(10)]
    torch.manual_seed(9)
    assert flipped == [torch.rand(1).item() < 0.5 for _ in range(10)]


# ----- DistributedSampler -----
@pytest.mark.parametrize("size, replicas, drop_last", [(10, 3, False), (10, 3, True), (2, 4, False), (9, 3, True)])
def test_distributed_sampler_shares_as_pytorch(torch_ref, size, replicas, drop_last):
    data = list(range(size))
    for rank in range(replicas):
        ours = DistributedSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = torch_ref.utils.data.DistributedSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


def test_distributed_sampler_shuffles_the_same_order_on_every_replica():
    data = list(range(11))
    samplers = [DistributedSampler(data, num_replicas=2, rank=r, seed=3) for r in range(2)]
    first = [list(s) for s in samplers]
    assert len(first[0]) == len(first[1]) == 6 and set(first[0] + first[1]) == set(data)  # one index padded
    assert first[0][0] == first[1][-1]  # the padding repeats the order's start, as PyTorch's
    assert [list(s) for s in samplers] == first  # the same epoch repeats
    for s in samplers:
        s.set_epoch(1)
    assert [list(s) for s in samplers] != first and set(sum(([*s] for s in samplers), [])) == set(data)
    loader = DataLoader(data, batch_size=3, sampler=samplers[1])
    assert sum(len(b) for b in loader) == 6


def test_distributed_sampler_errors():
    with pytest.raises(ValueError, match="Invalid rank 2, rank should be in the interval \\[0, 1\\]"):
        DistributedSampler(list(range(4)), num_replicas=2, rank=2)
    with pytest.raises(RuntimeError, match="Default process group has not been initialized"):  # as PyTorch's
        DistributedSampler(list(range(4)))
