"""Built-in datasets that work offline: nothing is ever downloaded at run time.

- ``load_digits``: scikit-learn's bundled 8x8 handwritten digits, with a fixed held-out split;
- ``make_moons``, ``make_circles``, ``make_spirals``: 2-D toy classification sets (own NumPy
  generators, seeded);
- ``mnist1d``: MNIST-1D generated locally by the ``mnist1d`` package;
- ``CIFAR10``: reads the binary version of CIFAR-10 from a folder the user already has;
- ``text_corpus`` / ``build_vocab``: English text from the standard library's ``pydoc_data``.

Each labelled set is returned as a ``TensorDataset`` (features float32, labels int64), or as
NumPy arrays ``(X, y)`` with ``return_arrays=True``.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd import Generator
from autograd.creation import _rng

from .._optional import need
from .dataset import Dataset, TensorDataset


def _result(x: np.ndarray, y: np.ndarray, return_arrays: bool) -> Any:
    x = np.array(x, dtype=np.float32, order="C")  # always a fresh copy: caches stay untouched
    y = np.array(y, dtype=np.int64, order="C")
    return (x, y) if return_arrays else TensorDataset(x, y)


def split_indices(
    n: int, test_fraction: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A fixed, seeded train/test split of ``range(n)``: ``(train_indices, test_indices)``."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"split_indices: test_fraction must be in (0, 1), got {test_fraction}")
    perm = np.random.default_rng(seed).permutation(n)
    n_test = int(round(n * test_fraction))
    return np.sort(perm[n_test:]), np.sort(perm[:n_test])


# --- scikit-learn digits ------------------------------------------------------------------------
_DIGITS: tuple[np.ndarray, np.ndarray] | None = None


def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    global _DIGITS
    if _DIGITS is None:
        bunch = need("sklearn.datasets", "nn.data.datasets.load_digits").load_digits()
        _DIGITS = (bunch.data.astype(np.float32) / np.float32(16.0), bunch.target.astype(np.int64))
        for a in _DIGITS:
            a.flags.writeable = False  # shared cache: results are copies (see _result)
    return _DIGITS


def load_digits(
    split: str | None = None,
    *,
    images: bool = False,
    test_fraction: float = 0.2,
    seed: int = 0,
    return_arrays: bool = False,
) -> Any:
    """The 1,797 8x8 digit images bundled with scikit-learn, scaled to [0, 1].

    ``split``: None (all), ``"train"`` or ``"test"`` — a fixed held-out split
    (``split_indices(1797, test_fraction, seed)``; 359 test images by default).
    ``images=True`` gives shape (N, 1, 8, 8) instead of (N, 64).
    """
    x, y = _digits_arrays()
    if images:
        x = x.reshape(-1, 1, 8, 8)
    if split is not None:
        if split not in ("train", "test"):
            raise ValueError(f"load_digits: split must be None, 'train' or 'test', got {split!r}")
        train, test = split_indices(len(y), test_fraction, seed)
        idx = train if split == "train" else test
        x, y = x[idx], y[idx]
    return _result(x, y, return_arrays)


# --- 2-D toy sets -------------------------------------------------------------------------------
def make_moons(
    n_samples: int = 100,
    *,
    noise: float = 0.0,
    generator: Generator | int | None = None,
    return_arrays: bool = False,
) -> Any:
    """Two interleaving half circles (scikit-learn's construction), labels 0 and 1."""
    rng = _gen(generator)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    x = np.concatenate(
        [
            np.stack([np.cos(t_out), np.sin(t_out)], 1),
            np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], 1),
        ]
    )
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    return _shuffled_noisy(x, y, noise, rng, return_arrays)


def make_circles(
    n_samples: int = 100,
    *,
    noise: float = 0.0,
    factor: float = 0.8,
    generator: Generator | int | None = None,
    return_arrays: bool = False,
) -> Any:
    """A small circle (label 1, radius ``factor``) inside a unit circle (label 0)."""
    if not 0.0 <= factor < 1.0:
        raise ValueError(f"make_circles: factor must be in [0, 1), got {factor}")
    rng = _gen(generator)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    x = np.concatenate(
        [
            np.stack([np.cos(t_out), np.sin(t_out)], 1),
            factor * np.stack([np.cos(t_in), np.sin(t_in)], 1),
        ]
    )
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    return _shuffled_noisy(x, y, noise, rng, return_arrays)


def make_spirals(
    n_samples: int = 300,
    *,
    n_classes: int = 3,
    noise: float = 0.2,
    generator: Generator | int | None = None,
    return_arrays: bool = False,
) -> Any:
    """``n_classes`` interleaved spiral arms (the CS231n toy set): arm k has radius r in [0, 1]
    and angle ``4 r + 2 pi k / n_classes`` (plus ``noise`` times a standard normal)."""
    rng = _gen(generator)
    counts = [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]
    xs, ys = [], []
    for k, n in enumerate(counts):
        r = np.linspace(0.0, 1.0, n)
        theta = (
            np.linspace(0.0, 4.0, n) + 2 * np.pi * k / n_classes + rng.standard_normal(n) * noise
        )
        xs.append(np.stack([r * np.sin(theta), r * np.cos(theta)], 1))
        ys.append(np.full(n, k))
    return _shuffled_noisy(np.concatenate(xs), np.concatenate(ys), 0.0, rng, return_arrays)


def _gen(generator: Generator | int | None) -> np.random.Generator:
    if isinstance(generator, (int, np.integer)):
        return np.random.default_rng(int(generator))
    return _rng(generator)


def _shuffled_noisy(
    x: np.ndarray, y: np.ndarray, noise: float, rng: np.random.Generator, return_arrays: bool
) -> Any:
    perm = rng.permutation(len(y))
    x, y = x[perm], y[perm]
    if noise:
        x = x + rng.standard_normal(x.shape) * noise
    return _result(x, y, return_arrays)


# --- MNIST-1D -----------------------------------------------------------------------------------
_MNIST1D_CACHE: dict[tuple, dict[str, np.ndarray]] = {}


def mnist1d(
    split: str = "train",
    *,
    num_samples: int = 5000,
    seed: int = 42,
    return_arrays: bool = False,
    **overrides: Any,
) -> Any:
    """MNIST-1D (Greydanus 2020) generated locally: 40-sample 1-D signals of the 10 digits.

    ``split`` is ``"train"`` (80%) or ``"test"``; ``num_samples`` and ``seed`` (and any other
    key of ``mnist1d.data.get_dataset_args()``, as ``overrides``) set the generation. Results are
    cached in memory. NumPy's and ``random``'s global RNG states are left as they were (the
    generator reseeds them).
    """
    if split not in ("train", "test"):
        raise ValueError(f"mnist1d: split must be 'train' or 'test', got {split!r}")
    key = (num_samples, seed, tuple(sorted(overrides.items())))
    data = _MNIST1D_CACHE.get(key)
    if data is None:
        md = need("mnist1d.data", "nn.data.datasets.mnist1d")
        import random

        args = md.get_dataset_args()
        args.num_samples, args.seed = num_samples, seed
        for k, v in overrides.items():
            if not hasattr(args, k):
                raise TypeError(f"mnist1d: unknown generation argument {k!r}")
            setattr(args, k, v)
        np_state, py_state = np.random.get_state(), random.getstate()
        try:
            made = md.make_dataset(args)  # never get_dataset(): that one downloads and pickles
        finally:
            np.random.set_state(np_state)
            random.setstate(py_state)
        data = {k: np.asarray(made[k]) for k in ("x", "y", "x_test", "y_test")}
        _MNIST1D_CACHE[key] = data
    if split == "train":
        return _result(data["x"], data["y"], return_arrays)
    return _result(data["x_test"], data["y_test"], return_arrays)


# --- CIFAR-10 (binary version) ------------------------------------------------------------------
_CIFAR_RECORD = 1 + 3 * 32 * 32
_CIFAR_TRAIN = [f"data_batch_{i}.bin" for i in range(1, 6)]
_CIFAR_TEST = ["test_batch.bin"]


class CIFAR10(Dataset):
    """CIFAR-10 from the dataset's binary files (``cifar-10-binary.tar.gz``, extracted).

    ``root`` is the folder holding ``data_batch_1.bin`` .. ``data_batch_5.bin`` and
    ``test_batch.bin`` (or its parent, with the tarball's ``cifar-10-batches-bin`` folder).
    Each file is a sequence of 3,073-byte records: one label byte (0-9), then a 32x32 image as
    1,024 red, 1,024 green and 1,024 blue bytes (10,000 records per file in the real data).
    ``ds[i]`` is ``(image, label)``: image an HWC uint8 array (32, 32, 3), like torchvision's, so
    ``transforms.ToTensor()`` gives CHW float32 in [0, 1]. Nothing is downloaded.
    """

    classes = [
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ]

    def __init__(
        self,
        root: str | os.PathLike,
        train: bool = True,
        transform: Any = None,
        target_transform: Any = None,
    ) -> None:
        folder = os.fspath(root)
        nested = os.path.join(folder, "cifar-10-batches-bin")
        if os.path.isdir(nested):
            folder = nested
        names = _CIFAR_TRAIN if train else _CIFAR_TEST
        expected = ", ".join(_CIFAR_TRAIN + _CIFAR_TEST)
        if not os.path.isdir(folder):
            raise FileNotFoundError(
                f"CIFAR10: folder {folder!r} not found. Expected a folder with the binary "
                f"version's files ({expected}), e.g. cifar-10-binary.tar.gz extracted; "
                "nothing is downloaded."
            )
        missing = [n for n in names if not os.path.isfile(os.path.join(folder, n))]
        if missing:
            raise FileNotFoundError(
                f"CIFAR10: {folder!r} lacks {', '.join(missing)} (the binary version has {expected})"
            )
        images, labels = [], []
        for name in names:
            x, y = _read_cifar_file(os.path.join(folder, name))
            images.append(x)
            labels.append(y)
        self.data = np.concatenate(images)  # (N, 32, 32, 3) uint8, HWC
        self.targets = np.concatenate(labels)  # (N,) int64
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img, label = self.data[index], int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return img, label

    def get_batch(self, indices: np.ndarray) -> Any:
        """Batch fetch without transforms (used by DataLoader only when there are none)."""
        if self.transform is not None or self.target_transform is not None:
            from .loader import default_collate

            return default_collate([self[int(i)] for i in indices])
        from autograd import Tensor

        return Tensor(self.data[indices]), Tensor(self.targets[indices])


def _read_cifar_file(path: str) -> tuple[np.ndarray, np.ndarray]:
    size = os.path.getsize(path)
    if size == 0 or size % _CIFAR_RECORD:
        raise ValueError(
            f"CIFAR10: {path} has {size} bytes, not a whole number of {_CIFAR_RECORD}-byte records "
            f"(1 label + 3072 pixels; a complete file has 10000 records = {10000 * _CIFAR_RECORD} "
            f"bytes): the file is truncated or not a CIFAR-10 binary file"
        )
    raw = np.fromfile(path, dtype=np.uint8).reshape(-1, _CIFAR_RECORD)
    labels = raw[:, 0].astype(np.int64)
    if labels.max() > 9:
        bad = int(np.argmax(labels > 9))
        raise ValueError(f"CIFAR10: {path} record {bad} has label {labels[bad]}, outside 0-9")
    images = raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


# --- text ---------------------------------------------------------------------------------------
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def text_corpus(lowercase: bool = True) -> list[str]:
    """English words from Python's own help texts (``pydoc_data.topics``, in the standard
    library, so always offline), topic by topic in sorted order: about 64,000 tokens (Python 3.11-3.13).
    A word is a run of letters, with an optional apostrophe part ("don't")."""
    from pydoc_data.topics import topics

    words: list[str] = []
    for key in sorted(topics):
        words.extend(_WORD.findall(topics[key].lower() if lowercase else topics[key]))
    return words


@dataclass
class Vocab:
    """Word <-> index maps. Indices are ordered by decreasing count, ties alphabetically."""

    index_to_word: list[str]
    word_to_index: dict[str, int]
    counts: np.ndarray  # counts[i] = occurrences of index_to_word[i]
    unknown: dict[str, int] = field(default_factory=dict)  # words below min_count -> counts

    def __len__(self) -> int:
        return len(self.index_to_word)

    def encode(self, tokens: list[str]) -> np.ndarray:
        """Indices of the in-vocabulary tokens (out-of-vocabulary ones are dropped)."""
        w2i = self.word_to_index
        return np.fromiter((w2i[t] for t in tokens if t in w2i), dtype=np.int64)


def build_vocab(tokens: list[str], min_count: int = 1) -> Vocab:
    """A ``Vocab`` of the words occurring at least ``min_count`` times."""
    counter = Counter(tokens)
    kept = sorted((w for w, c in counter.items() if c >= min_count), key=lambda w: (-counter[w], w))
    return Vocab(
        index_to_word=kept,
        word_to_index={w: i for i, w in enumerate(kept)},
        counts=np.array([counter[w] for w in kept], dtype=np.int64),
        unknown={w: c for w, c in counter.items() if c < min_count},
    )
