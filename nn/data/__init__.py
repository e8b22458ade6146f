"""Data: datasets, the DataLoader, image transforms, cross-validation folds and offline
built-in datasets."""

from . import datasets, transforms
from .cifar import CIFAR10
from .dataset import Dataset, Subset, TensorDataset, random_split
from .kfold import KFold
from .loader import DataLoader, default_collate, default_convert
from .sampler import DistributedSampler

__all__ = [
    "CIFAR10",
    "DataLoader",
    "Dataset",
    "DistributedSampler",
    "KFold",
    "Subset",
    "TensorDataset",
    "datasets",
    "default_collate",
    "default_convert",
    "random_split",
    "transforms",
]
