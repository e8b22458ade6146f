"""Data: datasets, the DataLoader, image transforms and offline built-in datasets."""

from . import datasets, transforms
from .dataset import Dataset, Subset, TensorDataset, random_split
from .loader import DataLoader, default_collate

__all__ = [
    "DataLoader",
    "Dataset",
    "Subset",
    "TensorDataset",
    "datasets",
    "default_collate",
    "random_split",
    "transforms",
]
