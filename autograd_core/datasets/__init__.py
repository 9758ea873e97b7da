"""Datasets in the torchvision style: MNIST and Fashion-MNIST from IDX files, and generated toy sets."""
from .mnist import MNIST, FashionMNIST
from .toy import Spiral, Moons, make_moons, XOR, NoisySine

__all__ = ["MNIST", "FashionMNIST", "Spiral", "Moons", "make_moons", "XOR", "NoisySine"]
