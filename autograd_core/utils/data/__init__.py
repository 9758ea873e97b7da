"""Datasets, samplers and the DataLoader, with ``torch.utils.data``'s names and behaviour."""
from .dataset import Dataset, TensorDataset, Subset, ConcatDataset, random_split
from .sampler import Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, BatchSampler
from .collate import default_collate, default_convert
from .dataloader import DataLoader

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "Sampler", "SequentialSampler",
           "RandomSampler", "SubsetRandomSampler", "BatchSampler", "default_collate", "default_convert", "DataLoader"]
