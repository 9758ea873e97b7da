"""Datasets (MNIST/Fashion-MNIST IDX reading and download, generated toy sets) and transforms."""
import hashlib
from pathlib import Path

import numpy as np
import pytest

import autograd_core as torch
from autograd_core import transforms as T
from autograd_core.datasets import MNIST, XOR, FashionMNIST, Moons, NoisySine, Spiral, make_moons, mnist
from autograd_core.datasets.idx import IDXError, read_idx, write_idx
from autograd_core.utils.data import DataLoader

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def _write_split(folder, prefix="t10k", n=5, compress=True, images=None):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8) if images is None else images
    labels = np.arange(n, dtype=np.uint8) % 10
    suffix = ".gz" if compress else ""
    write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels)
    return images, labels


# ----- IDX files -----
@pytest.mark.parametrize("name", ["a.idx", "a.idx.gz"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_write_idx_read_idx_round_trip(tmp_path, name, dtype):
    values = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    out = read_idx(write_idx(tmp_path / name, values))
    assert out.dtype == values.dtype and out.dtype.isnative and np.array_equal(out, values)


def test_idx_header_is_big_endian_with_type_code(tmp_path):
    raw = write_idx(tmp_path / "b", np.array([[1, 2, 3]], dtype=np.int32)).read_bytes()
    assert raw[:4] == bytes([0, 0, 0x0C, 2]) and raw[4:12] == bytes([0, 0, 0, 1, 0, 0, 0, 3])
    assert raw[12:16] == bytes([0, 0, 0, 1])
    with pytest.raises(IDXError, match="no type for uint16"):
        write_idx(tmp_path / "c", np.zeros(2, np.uint16))


def test_read_idx_rejects_bad_magic_wrong_rank_and_truncation(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x1f\x8b\x08\x00junk")
    with pytest.raises(IDXError, match="not an IDX file"):
        read_idx(tmp_path / "bad")
    write_idx(tmp_path / "labels", np.zeros(3, np.uint8))
    with pytest.raises(IDXError, match="1 dimensions, expected 3"):
        read_idx(tmp_path / "labels", expected_ndim=3)
    (tmp_path / "short").write_bytes(write_idx(tmp_path / "full", np.zeros((2, 28, 28), np.uint8)).read_bytes()[:-10])
    with pytest.raises(IDXError, match="truncated or corrupt"):
        read_idx(tmp_path / "short")
    (tmp_path / "x.gz").write_bytes(b"not gzip at all")
    with pytest.raises(IDXError, match="cannot read it as gzip IDX"):
        read_idx(tmp_path / "x.gz")


# ----- MNIST from files -----
def test_mnist_reads_gzip_files_directly_in_root(tmp_path):
    images, labels = _write_split(tmp_path)
    ds = MNIST(tmp_path, train=False)
    assert len(ds) == 5 and ds.data.dtype == torch.uint8 and ds.data.shape == (5, 28, 28)
    assert ds.targets.dtype == torch.int64 and ds.targets.tolist() == labels.tolist()
    image, target = ds[2]
    assert isinstance(image, np.ndarray) and np.array_equal(image, images[2]) and target == 2


def test_mnist_accepts_torchvision_layout_and_uncompressed_files(tmp_path):
    _write_split(tmp_path / "MNIST" / "raw", prefix="train", compress=False)
    assert len(MNIST(tmp_path, train=True)) == 5
    _write_split(tmp_path / "FashionMNIST" / "raw", prefix="train", n=3)
    assert len(FashionMNIST(tmp_path)) == 3


def test_mnist_transforms_apply_per_sample(tmp_path):
    images, _ = _write_split(tmp_path)
    ds = MNIST(tmp_path, train=False, transform=T.Compose([T.ToTensor(), T.Flatten()]),
               target_transform=T.Lambda(lambda t: t + 100))
    image, target = ds[1]
    assert image.shape == (784,) and image.dtype == torch.float32 and target == 101
    np.testing.assert_allclose(image.numpy(), images[1].reshape(-1) / 255, rtol=1e-6)
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    assert xb.shape == (4, 784) and yb.tolist() == [100, 101, 102, 103]


def test_missing_files_error_names_them_and_how_to_get_them(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        MNIST(tmp_path, train=True)
    message = str(info.value)
    assert "train-images-idx3-ubyte.gz" in message and "train-labels-idx1-ubyte.gz" in message
    assert str(tmp_path) in message and "download=True" in message


def test_corrupt_or_mismatched_files_fail_clearly(tmp_path):
    _write_split(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(4, np.uint8))
    with pytest.raises(RuntimeError, match="5 images but .* has 4 labels"):
        MNIST(tmp_path, train=False)
    _write_split(tmp_path, images=np.zeros((5, 32, 32), np.uint8))
    with pytest.raises(RuntimeError, match="expected uint8 images of 28 x 28"):
        MNIST(tmp_path, train=False)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros(5, np.uint8))
    with pytest.raises(RuntimeError, match="MNIST: .*t10k-images.*expected 3"):
        MNIST(tmp_path, train=False)


# ----- download -----
def _mirror_with_split(tmp_path, monkeypatch, tamper=False):
    """A file:// mirror holding a fake t10k split, with MNIST's checksums pointed at it."""
    served = tmp_path / "mirror"
    _write_split(served)
    resources = []
    for path in sorted(served.iterdir()):
        resources.append((path.name, hashlib.md5(path.read_bytes()).hexdigest()))
        if tamper:
            path.write_bytes(path.read_bytes() + b"x")
    monkeypatch.setattr(MNIST, "resources", resources)
    monkeypatch.setattr(MNIST, "mirrors", [served.as_uri() + "/"])


def test_download_fetches_only_the_split_and_verifies_checksums(tmp_path, monkeypatch):
    _mirror_with_split(tmp_path, monkeypatch)
    ds = MNIST(tmp_path / "data", train=False, download=True)
    assert len(ds) == 5
    assert sorted(p.name for p in (tmp_path / "data" / "MNIST" / "raw").iterdir()) == [
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


def test_download_rejects_a_checksum_mismatch(tmp_path, monkeypatch):
    _mirror_with_split(tmp_path, monkeypatch, tamper=True)
    with pytest.raises(RuntimeError, match="MNIST: could not download .*md5 checksum .* does not match"):
        MNIST(tmp_path / "data", train=False, download=True)
    assert not list((tmp_path / "data" / "MNIST" / "raw").iterdir())


def test_download_fails_clearly_when_no_mirror_answers(tmp_path, monkeypatch):
    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/"])  # the discard port: connection refused
    with pytest.raises(RuntimeError, match=r"could not download t10k-images-idx3-ubyte.gz .*127\.0\.0\.1.*offline"):
        MNIST(tmp_path, train=False, download=True)


def test_download_from_the_real_mirrors_fails_clearly_offline(tmp_path, monkeypatch):
    """This machine has no internet; elsewhere the same call must succeed with verified files."""
    monkeypatch.setattr(mnist, "DOWNLOAD_TIMEOUT", 3.0)
    try:
        ds = FashionMNIST(tmp_path, train=False, download=True)
    except RuntimeError as exc:
        assert "FashionMNIST: could not download t10k-images-idx3-ubyte.gz" in str(exc)
        assert "fashion-mnist.s3-website" in str(exc) and str(tmp_path) in str(exc)
    else:
        assert len(ds) == 10000


# ----- the real files beside the checkout -----
@pytest.fixture
def shared(request):
    folder = SHARED / request.param
    if not folder.is_dir():
        pytest.skip(f"real data folder {folder} is absent (it lives at ../shared/datasets beside the checkout)")
    return folder


@pytest.mark.parametrize("shared", ["mnist"], indirect=True)
def test_real_mnist_test_split(shared):
    ds = MNIST(shared, train=False)
    counts = np.bincount(ds.targets.numpy(), minlength=10)
    assert counts.tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert ds.data.numpy().max() == 255


@pytest.mark.parametrize("shared", ["fashion-mnist"], indirect=True)
def test_real_fashion_mnist_both_splits(shared):
    train, test = FashionMNIST(shared), FashionMNIST(shared, train=False)
    assert (len(train), len(test)) == (60000, 10000)
    assert np.bincount(train.targets.numpy()).tolist() == [6000] * 10
    assert np.bincount(test.targets.numpy()).tolist() == [1000] * 10
    assert train.classes[9] == "Ankle boot"


# ----- generated data sets -----
def test_spiral_shape_classes_and_repeatability():
    ds = Spiral()
    assert len(ds) == 300 and ds.data.shape == (300, 2) and ds.data.dtype == torch.float32
    assert np.bincount(ds.targets.numpy()).tolist() == [100, 100, 100]
    assert np.array_equal(Spiral().data.numpy(), ds.data.numpy())
    assert not np.array_equal(Spiral(train=False).data.numpy(), ds.data.numpy())
    assert np.array_equal(Spiral(seed=7).data.numpy(), Spiral(seed=7).data.numpy())
    radius = np.linalg.norm(ds.data.numpy(), axis=1)
    np.testing.assert_allclose(radius[:100], np.arange(100) / 100, atol=1e-6)
    small = Spiral(num_per_class=10, num_classes=5)
    assert len(small) == 50 and small.targets.numpy().max() == 4


def test_moons_and_xor():
    x, y = make_moons(10, seed=0)
    assert x.shape == (10, 2) and y.tolist() == [0] * 5 + [1] * 5
    np.testing.assert_allclose(x.numpy()[[0, 4, 5]], [[1, 0], [-1, 0], [0, 0.5]], atol=1e-6)
    assert len(Moons()) == 200
    table = XOR(n_samples=4, noise=0)
    assert table.data.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and table.targets.tolist() == [0, 1, 1, 0]
    noisy = XOR(n_samples=40)
    assert np.bincount(noisy.targets.numpy()).tolist() == [20, 20]


def test_noisy_sine_targets_are_the_next_value():
    ds = NoisySine(num_points=101, noise=0.05)
    assert ds.data.shape == (100, 1) and ds.targets.shape == (100, 1)
    np.testing.assert_array_equal(ds.data.numpy()[1:], ds.targets.numpy()[:-1])
    clean = np.sin(np.linspace(0, 4 * np.pi, 101))[:-1, None]
    assert np.abs(ds.data.numpy() - clean).max() <= 0.05 + 1e-6
    assert np.abs(NoisySine(train=False, num_points=101, noise=0).data.numpy()[0]) == pytest.approx(1.0)


# ----- transforms -----
def test_to_tensor_scales_uint8_and_moves_channels_first():
    gray = np.array([[0, 255], [51, 102]], np.uint8)
    t = T.ToTensor()(gray)
    assert t.shape == (1, 2, 2) and t.dtype == torch.float32
    np.testing.assert_allclose(t.numpy()[0], gray / 255, rtol=1e-6)
    rgb = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    t = T.ToTensor()(rgb)
    assert t.shape == (3, 2, 4) and t.numpy()[2, 1, 3] == pytest.approx(23 / 255)
    floats = T.ToTensor()(np.full((2, 2), 7.0))
    assert floats.dtype == torch.float64 and floats.numpy().max() == 7.0


def test_to_tensor_matches_torchvision_convention_on_pil_images():
    pil = pytest.importorskip("PIL.Image")
    image = pil.fromarray(np.arange(12, dtype=np.uint8).reshape(3, 4))
    t = T.ToTensor()(image)
    assert t.shape == (1, 3, 4) and t.numpy()[0, 2, 3] == pytest.approx(11 / 255)


def test_to_tensor_rejects_bad_input():
    with pytest.raises(TypeError, match="ToTensor: pic should be an ndarray"):
        T.ToTensor()([1, 2])
    with pytest.raises(ValueError, match="2 or 3 dimensional"):
        T.ToTensor()(np.zeros(3, np.uint8))


def test_normalize_compose_lambda_flatten():
    image = torch.tensor(np.stack([np.full((2, 2), 0.5), np.full((2, 2), 1.0)]).astype(np.float32))
    out = T.Normalize((0.5, 0.0), (0.25, 2.0))(image)
    assert out.numpy()[0].tolist() == [[0, 0], [0, 0]] and out.numpy()[1].tolist() == [[0.5, 0.5], [0.5, 0.5]]
    pipeline = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,)), T.Flatten(), T.Lambda(lambda t: t * 2)])
    flat = pipeline(np.array([[0, 255]], np.uint8))
    assert flat.shape == (2,) and flat.tolist() == [-2.0, 2.0]
    assert "Normalize(mean=(0.5,), std=(0.5,))" in repr(pipeline)


def test_normalize_matches_torch():
    torch_ref = pytest.importorskip("torch")
    x = np.random.default_rng(0).random((2, 3, 4, 4), dtype=np.float32)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.6, 0.7)
    ref = (torch_ref.from_numpy(x) - torch_ref.tensor(mean).view(3, 1, 1)) / torch_ref.tensor(std).view(3, 1, 1)
    np.testing.assert_allclose(T.Normalize(mean, std)(torch.tensor(x)).numpy(), ref.numpy(), rtol=1e-6)


def test_normalize_rejects_bad_input():
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize((0.0,), (0.0,))(torch.zeros(1, 2, 2))
    with pytest.raises(ValueError, match=r"size \(\.\.\., C, H, W\)"):
        T.Normalize((0.0,), (1.0,))(torch.zeros(2, 2))
    with pytest.raises(ValueError, match="2 means and 2 stds for an image with 3 channels"):
        T.Normalize((0.0, 0.0), (1.0, 1.0))(torch.zeros(3, 2, 2))
    with pytest.raises(TypeError, match="expected a float tensor image"):
        T.Normalize((0.0,), (1.0,))(np.zeros((1, 2, 2)))


def test_datasets_and_transforms_give_tensors_of_the_default_backend(tmp_path):
    default = type(torch.zeros(1).array)
    _write_split(tmp_path)
    ds = MNIST(tmp_path, train=False, transform=T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.25,))]))
    assert type(ds.data.array) is default and type(ds.targets.array) is default
    assert type(ds[0][0].array) is default
    for toy in (Spiral(num_per_class=4), Moons(n_samples=6), XOR(n_samples=4), NoisySine(num_points=5)):
        assert type(toy.data.array) is default and type(toy.targets.array) is default
    assert all(type(t.array) is default for t in make_moons(6))
