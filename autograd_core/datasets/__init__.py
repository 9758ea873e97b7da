"""Datasets in the torchvision style: MNIST and Fashion-MNIST from IDX files, 3,000 MNIST digits embedded in the
package, image folders, generated toy sets."""
from .mnist import MNIST, FashionMNIST, EmbeddedMNIST
from .folder import DatasetFolder, ImageFolder
from .toy import Spiral, Moons, make_moons, XOR, NoisySine

__all__ = ["MNIST", "FashionMNIST", "EmbeddedMNIST", "DatasetFolder", "ImageFolder", "Spiral", "Moons", "make_moons", "XOR",
           "NoisySine"]
