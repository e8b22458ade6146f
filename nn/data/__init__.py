"""Data: datasets, the DataLoader, image transforms and offline built-in datasets."""

from . import datasets, transforms
from .dataset import Dataset, Subset, TensorDataset, random_split
from .loader import DataLoader, default_collate
from .sampler import DistributedSampler

__all__ = [
    "DataLoader",
    "Dataset",
    "DistributedSampler",
    "Subset",
    "TensorDataset",
    "datasets",
    "default_collate",
    "random_split",
    "transforms",
]
