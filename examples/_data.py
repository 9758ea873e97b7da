"""Where the examples find MNIST-format data, and how they turn it into fast TensorDatasets.

``--data-dir`` may name the folder holding the IDX files or a parent holding
``mnist/`` and ``fashion-mnist/`` folders; by default it is the folder named by the
environment variable ``AUTOGRAD_CORE_DATA``, else ``./data``. Without any files
the course's digit examples train on the 3,000 MNIST digits embedded in the
package (``datasets.EmbeddedMNIST``).
"""
import os
from dataclasses import dataclass
from pathlib import Path

import autograd_core as torch
from autograd_core.datasets import MNIST, EmbeddedMNIST, FashionMNIST
from autograd_core.utils.data import Dataset, Subset, TensorDataset, random_split

DATA_ENV = "AUTOGRAD_CORE_DATA"
SOURCES = {"mnist": ("mnist", MNIST), "fashion-mnist": ("fashion-mnist", FashionMNIST)}
HELD_OUT = 2000  # MNIST test images kept for testing when the test split is all there is


def default_data_dir():
    return Path(os.environ.get(DATA_ENV, "data"))


@dataclass
class ImageData:
    """Train and test datasets of float32 images in [0, 1] with int64 labels, and what they are."""

    train: Dataset
    test: Dataset
    name: str
    note: str
    full: bool  # False when training on part of the test split


def first(dataset, n):
    """The first ``n`` samples of ``dataset`` (all of them when it is shorter)."""
    return Subset(dataset, range(min(n, len(dataset))))


def _split(cls, roots, train):
    """The split from the first of ``roots`` that holds its files, or None."""
    for root in roots:
        try:
            return cls(root, train=train)
        except FileNotFoundError:
            continue
    return None


def _tensors(ds, image_shape):
    images = ds.data.float() / 255
    return TensorDataset(images.reshape(len(ds), *image_shape), ds.targets)


def load_images(name, data_dir=None, image_shape=(784,), only_subfolder=False):
    """``name`` ("mnist" or "fashion-mnist") as an ImageData, images reshaped to ``image_shape``.

    The files are looked for in ``data_dir/<name>``, then (unless ``only_subfolder``)
    in ``data_dir`` itself. Without the training files, training uses 8,000 images of the MNIST test
    split and testing the other 2,000; the note says so.
    """
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    folder, cls = SOURCES[name]
    roots = [data_dir / folder] if only_subfolder else [data_dir / folder, data_dir]
    test = _split(cls, roots, train=False)
    if test is None:
        raise FileNotFoundError(f"{cls.__name__}: no t10k-images-idx3-ubyte.gz / t10k-labels-idx1-ubyte.gz in "
                                f"{data_dir / folder} or {data_dir}; pass --data-dir with the IDX files")
    train = _split(cls, roots, train=True)
    if train is not None:
        return ImageData(_tensors(train, image_shape), _tensors(test, image_shape), name,
                         f"{cls.__name__}: {len(train)} training and {len(test)} test images from {test.root}", True)
    pool = _tensors(test, image_shape)
    train_part, test_part = random_split(pool, [len(pool) - HELD_OUT, HELD_OUT],
                                         generator=torch.Generator().manual_seed(0))
    return ImageData(train_part, test_part, name,
                     f"{cls.__name__} training images are not in {test.root}: training on {len(train_part)} "
                     f"images of its test split and testing on the other {len(test_part)}", False)


def embedded_digits(image_shape=(784,)):
    """The 3,000 real MNIST digits inside the package: 2,500 to train on, 500 to test on."""
    train, test = EmbeddedMNIST(train=True), EmbeddedMNIST(train=False)
    return ImageData(_tensors(train, image_shape), _tensors(test, image_shape), "digits",
                     f"EmbeddedMNIST: {len(train)} training and {len(test)} test digits of MNIST shipped with "
                     "autograd_core (pass --dataset mnist --data-dir DIR for the full set)", False)


def load_digits(data_dir=None, image_shape=(784,)):
    """Data for the course's MNIST examples: MNIST when complete, else Fashion-MNIST, else the MNIST test split,
    else (no files at all) the digits embedded in the package."""
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    try:
        mnist = load_images("mnist", data_dir, image_shape)
    except FileNotFoundError:
        mnist = None
    if mnist is not None and mnist.full:
        return mnist
    try:
        fashion = load_images("fashion-mnist", data_dir, image_shape, only_subfolder=True)
    except FileNotFoundError:
        return embedded_digits(image_shape) if mnist is None else mnist
    if not fashion.full and mnist is not None:
        return mnist
    fashion.note = f"MNIST training images are not available in {data_dir}: using Fashion-MNIST ({fashion.note})"
    return fashion
