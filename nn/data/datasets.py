"""Built-in datasets that work offline: nothing is ever downloaded at run time.

- ``load_digits``: scikit-learn's bundled 8x8 handwritten digits, with a fixed held-out split;
- ``make_moons``, ``make_circles``, ``make_spirals``: 2-D toy classification sets (own NumPy
  generators, seeded);
- ``mnist1d``: MNIST-1D generated locally by the ``mnist1d`` package;
- ``CIFAR10``: CIFAR-10 from a folder the user already has, either official release (``cifar.py``);
- ``text_corpus``, ``stdlib_corpus``, ``file_corpus`` / ``build_vocab``: English text from
  Python's own help topics, the standard library's docstrings, or your own files.

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

from .._optional import need
from .._random import resolve_rng
from .cifar import CIFAR10 as CIFAR10  # re-exported: nn.data.datasets.CIFAR10
from .dataset import TensorDataset


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
    rng = resolve_rng(generator)
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
    rng = resolve_rng(generator)
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
    rng = resolve_rng(generator)
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


# --- text ---------------------------------------------------------------------------------------
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
# a triple-quoted string literal: in the standard library's sources, almost always a docstring
_TRIPLE_QUOTED = re.compile(r"(\"\"\"|\'\'\')(.*?)\1", re.S)
# standard-library folders that hold tests, demos, tools or third-party code, not its own docs
_NOT_DOCS = {"idlelib", "lib2to3", "pydoc_data", "site-packages", "turtledemo", "ensurepip"}


def tokenize(text: str, lowercase: bool = True) -> list[str]:
    """The words of ``text``: runs of letters, with an optional apostrophe part ("don't")."""
    return _WORD.findall(text.lower() if lowercase else text)


def text_corpus(lowercase: bool = True) -> list[str]:
    """English words from Python's own help texts (``pydoc_data.topics``, in the standard
    library, so always offline), topic by topic in sorted order: about 64,000 tokens (Python 3.11-3.13)."""
    from pydoc_data.topics import topics

    words: list[str] = []
    for key in sorted(topics):
        words.extend(tokenize(topics[key], lowercase))
    return words


def stdlib_corpus(lowercase: bool = True) -> list[str]:
    """A larger offline corpus: :func:`text_corpus` followed by the docstrings of the standard
    library's own modules (every triple-quoted string in its ``.py`` sources, read as text: no
    module is imported), files in sorted order; test suites, demos and bundled third-party
    packages are left out. About 330,000 tokens on Python 3.11-3.13, read in a fraction of a
    second."""
    import sysconfig

    words = text_corpus(lowercase)
    root = sysconfig.get_paths()["stdlib"]
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(
            d for d in subfolders if d not in _NOT_DOCS and not d.startswith("test")
        )
        for name in sorted(files):
            if name.endswith(".py"):
                with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as f:
                    for _, doc in _TRIPLE_QUOTED.findall(f.read()):
                        words.extend(tokenize(doc, lowercase))
    return words


def file_corpus(
    paths: str | os.PathLike | list[str | os.PathLike],
    lowercase: bool = True,
    encoding: str = "utf-8",
) -> list[str]:
    """The words of your own text file(s) (one path or a list, read in order), tokenized as
    :func:`tokenize` does: a corpus for ``build_vocab`` and ``Word2Vec``."""
    paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    words: list[str] = []
    for path in paths:
        try:
            with open(path, encoding=encoding) as f:
                text = f.read()
        except UnicodeDecodeError as err:
            raise ValueError(
                f"file_corpus: {os.fspath(path)!r} is not {encoding} text ({err.reason} at byte "
                f"{err.start}); pass encoding=... for another encoding"
            ) from None
        words.extend(tokenize(text, lowercase))
    if not words:
        raise ValueError(f"file_corpus: no words in {[os.fspath(p) for p in paths]}")
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
