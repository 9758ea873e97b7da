"""Datasets in the torchvision style: MNIST and Fashion-MNIST from IDX files, image folders, generated toy sets."""
from .mnist import MNIST, FashionMNIST
from .folder import DatasetFolder, ImageFolder
from .toy import Spiral, Moons, make_moons, XOR, NoisySine

__all__ = ["MNIST", "FashionMNIST", "DatasetFolder", "ImageFolder", "Spiral", "Moons", "make_moons", "XOR",
           "NoisySine"]
