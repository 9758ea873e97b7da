"""MNIST and Fashion-MNIST from the standard IDX files, in the torchvision style.

``root`` holds the four files (``train-images-idx3-ubyte.gz`` ...), either
directly or under ``root/<ClassName>/raw`` as torchvision lays them out
(uncompressed copies work too). ``data`` (uint8, N x 28 x 28) and ``targets``
(int64) are the whole split as tensors, for building a fast ``TensorDataset``.
"""
from pathlib import Path

import numpy as np

from ..arrays import to_numpy
from ..creation import from_numpy
from ..utils.data import Dataset
from .download import download_verified
from .idx import read_idx, IDXError

__all__ = ["MNIST", "FashionMNIST", "EmbeddedMNIST"]

DOWNLOAD_TIMEOUT = 30.0  # seconds per network operation


class MNIST(Dataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images of 28 x 28 pixels.

    ``ds[i]`` is ``(image, label)``: the image is a host uint8 ndarray (H x W) passed
    through ``transform`` (e.g. ``transforms.ToTensor()``), the label an int
    passed through ``target_transform``. ``download=True`` fetches missing files
    from ``mirrors`` into ``root/<ClassName>/raw`` and checks their md5 sums.
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        self.root = Path(root).expanduser()
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        prefix = "train" if train else "t10k"
        names = [f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"]
        if download and self._find(names) is None:
            self._download(prefix)
        found = self._find(names)
        if found is None:
            raise FileNotFoundError(self._missing_message(names))
        images, labels = self._load(*found)
        self.data = from_numpy(images)
        self.targets = from_numpy(labels.astype(np.int64))

    @property
    def raw_folder(self):
        return self.root / type(self).__name__ / "raw"

    @property
    def class_to_idx(self):
        return {name: i for i, name in enumerate(self.classes)}

    def _find(self, names):
        """The paths of ``names`` (each .gz or not) in the first folder that holds them all, else None."""
        for folder in (self.root, self.raw_folder):
            paths = [next((p for p in (folder / (n + ".gz"), folder / n) if p.is_file()), None) for n in names]
            if all(paths):
                return paths
        return None

    def _download(self, prefix):
        """Fetch this split's files that ``raw_folder`` lacks (only the split asked for)."""
        for filename, md5 in self.resources:
            if filename.startswith(prefix) and not (self.raw_folder / filename).is_file():
                try:
                    download_verified(filename, md5, self.mirrors, self.raw_folder, DOWNLOAD_TIMEOUT)
                except RuntimeError as exc:
                    raise RuntimeError(f"{type(self).__name__}: {exc}") from None

    def _missing_message(self, names):
        name = type(self).__name__
        return (f"{name}: {' and '.join(n + '.gz' for n in names)} not found in {self.root} or {self.raw_folder}. "
                f"Pass download=True to fetch them from {self.mirrors[0]}, or copy the IDX files "
                "(gzipped or not) into one of those folders.")

    def _load(self, image_path, label_path):
        name = type(self).__name__
        try:
            images = read_idx(image_path, expected_ndim=3)
            labels = read_idx(label_path, expected_ndim=1)
        except IDXError as exc:
            raise RuntimeError(f"{name}: {exc}") from None
        if images.dtype != np.uint8 or images.shape[1:] != (28, 28):
            raise RuntimeError(f"{name}: {image_path} holds {images.dtype} images of shape {images.shape[1:]}, "
                               "expected uint8 images of 28 x 28")
        if len(images) != len(labels):
            raise RuntimeError(f"{name}: {image_path} has {len(images)} images but {label_path} has {len(labels)} "
                               "labels; the two files must come from the same split")
        return images, labels

    def __getitem__(self, index):
        # the image goes to the transform on the host, as torchvision's PIL image does
        image, target = to_numpy(self.data.array[index]), int(self.targets.array[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        split = "Train" if self.train else "Test"
        lines = [f"Dataset {type(self).__name__}", f"Number of datapoints: {len(self)}", f"Root location: {self.root}",
                 f"Split: {split}"]
        return "\n    ".join(lines)


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: the same format and sizes as MNIST, ten kinds of clothing."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


EMBEDDED = Path(__file__).resolve().parent / "embedded"


class EmbeddedMNIST(MNIST):
    """3,000 real MNIST digits shipped inside the package, so examples train on real data with no network.

    They are the first 3,000 images of MNIST's test set (LeCun, Cortes and Burges; CC BY-SA 3.0): the first
    2,500 form the training split (``train=True``), the next 500 the test split.
    """

    def __init__(self, train=True, transform=None, target_transform=None):
        super().__init__(EMBEDDED, train=train, transform=transform, target_transform=target_transform)
