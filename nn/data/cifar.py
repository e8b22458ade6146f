"""CIFAR-10 from the files of its two official releases, offline, and synthetic look-alikes.

Both releases hold 5 training files and 1 test file of 10,000 32x32 colour images each:

- the **Python** release (``cifar-10-python.tar.gz`` -> ``cifar-10-batches-py/``, the one CS231n
  uses): ``data_batch_1`` .. ``data_batch_5``, ``test_batch``, each a pickled dict (written by
  Python 2) with ``data`` (10000, 3072) uint8 rows of 1,024 red, 1,024 green and 1,024 blue bytes,
  ``labels`` (10,000 ints 0-9), ``batch_label`` and ``filenames``. Pickles can run code when
  loaded, so they are read by ``cifar_pickle.CifarUnpickler``, which allows only what these files
  contain;
- the **binary** release (``cifar-10-binary.tar.gz`` -> ``cifar-10-batches-bin/``):
  ``data_batch_1.bin`` .. ``data_batch_5.bin``, ``test_batch.bin``, each a run of 3,073-byte
  records: one label byte, then the 3,072 pixel bytes in the same order.

Images come out in ONE layout: HWC uint8, shape (32, 32, 3) (as torchvision's CIFAR10 gives
them), so ``transforms`` apply in torchvision's order: ``RandomCrop(32, padding=4)``,
``RandomHorizontalFlip()``, ``ToTensor()`` (-> CHW float32 in [0, 1]), ``Normalize(mean, std)``.
Nothing is ever downloaded.
"""

from __future__ import annotations

import os
import pickle
from typing import Any

import numpy as np

from .cifar_pickle import CifarUnpickler, load_cifar_pickle
from .dataset import Dataset

__all__ = [
    "CIFAR10",
    "CLASSES",
    "CifarUnpickler",
    "load_cifar_pickle",
    "synthetic_images",
    "write_synthetic_cifar10",
]

CLASSES = [
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
]  # fmt: skip
RECORDS_PER_FILE = 10_000  # in both official releases
_PIXELS = 3 * 32 * 32
_RECORD = 1 + _PIXELS  # binary release: label byte + pixels
_FILES = {
    "python": (["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5"],
               ["test_batch"]),
    "binary": ([f"data_batch_{i}.bin" for i in range(1, 6)], ["test_batch.bin"]),
}  # fmt: skip
_FOLDERS = {"python": "cifar-10-batches-py", "binary": "cifar-10-batches-bin"}
_SOURCE = "https://www.cs.toronto.edu/~kriz/cifar.html"


# --- reading the two formats --------------------------------------------------------------------
def _count_error(path: str, found: int, expected: int) -> ValueError:
    if expected == RECORDS_PER_FILE:
        why = "as every file of the official releases has (for a subset written in the same format, pass records_per_file)"
    else:
        why = f"records_per_file={expected}"
    return ValueError(
        f"CIFAR10: {path} has {found} records, expected {expected} ({why}): the file is "
        "truncated or from another set"
    )


def _read_python_file(path: str, expected: int | None) -> tuple[np.ndarray, np.ndarray]:
    batch = load_cifar_pickle(path)
    missing = [k for k in ("data", "labels") if k not in batch]
    if missing:
        raise ValueError(
            f"CIFAR10: {path} lacks {' and '.join(missing)} (keys found: {sorted(map(str, batch))})"
        )
    data, labels = batch["data"], np.asarray(batch["labels"])
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2:
        raise ValueError(
            f"CIFAR10: {path}: 'data' should be a uint8 array (N, {_PIXELS}), got "
            f"{type(data).__name__} {getattr(data, 'dtype', '')} {getattr(data, 'shape', '')}"
        )
    if data.shape[1] != _PIXELS or labels.shape != (data.shape[0],):
        raise ValueError(
            f"CIFAR10: {path}: 'data' has shape {data.shape} and 'labels' {labels.shape}; "
            f"expected (N, {_PIXELS}) and (N,)"
        )
    if expected is not None and data.shape[0] != expected:
        raise _count_error(path, data.shape[0], expected)
    if labels.dtype.kind not in "iu":
        raise ValueError(f"CIFAR10: {path}: labels are {labels.dtype}, not integers")
    return data, labels.astype(np.int64)


def _read_binary_file(path: str, expected: int | None) -> tuple[np.ndarray, np.ndarray]:
    size = os.path.getsize(path)
    if size == 0 or size % _RECORD:
        raise ValueError(
            f"CIFAR10: {path} has {size} bytes, not a whole number of {_RECORD}-byte records "
            f"(1 label + {_PIXELS} pixels; a complete file has {RECORDS_PER_FILE} records = "
            f"{RECORDS_PER_FILE * _RECORD} bytes): the file is truncated or not a CIFAR-10 binary file"
        )
    if expected is not None and size // _RECORD != expected:
        raise _count_error(path, size // _RECORD, expected)
    raw = np.fromfile(path, dtype=np.uint8).reshape(-1, _RECORD)
    return raw[:, 1:], raw[:, 0].astype(np.int64)


def _read_file(fmt: str, path: str, expected: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(images (N, 32, 32, 3) uint8 HWC, labels (N,) int64) of one file of either release."""
    rows, labels = (_read_python_file if fmt == "python" else _read_binary_file)(path, expected)
    bad = np.flatnonzero((labels < 0) | (labels > 9))
    if bad.size:
        raise ValueError(f"CIFAR10: {path} record {bad[0]} has label {labels[bad[0]]}, outside 0-9")
    # rows hold 1,024 red, 1,024 green, 1,024 blue bytes: (N, C, H, W) -> (N, H, W, C)
    return np.ascontiguousarray(rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)), labels


def _locate(root: str, train: bool, fmt: str | None) -> tuple[str, str] | None:
    """(format, folder) of the first complete set of files under ``root``, Python release first."""
    for f in ("python", "binary") if fmt is None else (fmt,):
        names = _FILES[f][0 if train else 1]
        for folder in (os.path.join(root, _FOLDERS[f]), root):
            if all(os.path.isfile(os.path.join(folder, n)) for n in names):
                return f, folder
    return None


def _not_found(root: str, train: bool, fmt: str | None, download: bool) -> FileNotFoundError:
    wanted, partial = [], []
    for f in ("python", "binary") if fmt is None else (fmt,):
        names = _FILES[f][0 if train else 1]
        wanted.append(
            f"the {f} release's {', '.join(names)} (in {root!r} or its {_FOLDERS[f]} folder)"
        )
        for folder in (os.path.join(root, _FOLDERS[f]), root):
            missing = [n for n in names if not os.path.isfile(os.path.join(folder, n))]
            if len(missing) < len(names):
                partial.append(f"{folder!r} lacks {', '.join(missing)}")
    where = (
        f"get cifar-10-python.tar.gz (or cifar-10-binary.tar.gz) from {_SOURCE} on a machine "
        f"with network access and extract it into {root!r}"
    )
    looked = "; or ".join(wanted) + (f" ({'; '.join(partial)})" if partial else "")
    if download:
        return FileNotFoundError(
            "CIFAR10: download=True, but gategrad never downloads (there is no network access at "
            f"run time): {where}. Looked for {looked}"
        )
    return FileNotFoundError(f"CIFAR10: found none of {looked}. To use it, {where}")


class CIFAR10(Dataset):
    """CIFAR-10 from a folder holding either official release (see the module docstring).

    ``root``: the release's folder (``cifar-10-batches-py`` or ``cifar-10-batches-bin``) or the
    folder the tarball was extracted into. ``train``: the 5 training files (50,000 images) or the
    test file (10,000). ``format``: ``"python"`` or ``"binary"``; by default whichever is present
    (the Python release if both). ``download=True`` only explains where to get the files when
    they are missing (nothing is downloaded); when they are present it reads them as usual.

    Every file must hold exactly ``records_per_file`` images (the releases: 10,000; give another
    number, or None for any, for a subset written in the same format), so a file cut short on a
    record boundary is an error, not a smaller dataset.

    ``ds[i]`` is ``(image, label)``: image an HWC uint8 array (32, 32, 3), label an int 0-9
    (``CIFAR10.classes[label]`` names it); ``transform`` and ``target_transform`` apply to them.
    ``ds.data`` (N, 32, 32, 3) and ``ds.targets`` (N,) hold everything in memory.
    """

    classes = CLASSES

    def __init__(
        self,
        root: str | os.PathLike,
        train: bool = True,
        transform: Any = None,
        target_transform: Any = None,
        download: bool = False,
        *,
        format: str | None = None,
        records_per_file: int | None = RECORDS_PER_FILE,
    ) -> None:
        if format not in (None, "python", "binary"):
            raise ValueError(f"CIFAR10: format must be 'python', 'binary' or None, got {format!r}")
        root = os.fspath(root)
        found = _locate(root, train, format)
        if found is None:
            raise _not_found(root, train, format, download)
        self.format, self.folder = found
        images, labels = [], []
        for name in _FILES[self.format][0 if train else 1]:
            x, y = _read_file(self.format, os.path.join(self.folder, name), records_per_file)
            images.append(x)
            labels.append(y)
        self.data = np.concatenate(images)  # (N, 32, 32, 3) uint8, HWC
        self.targets = np.concatenate(labels)  # (N,) int64
        self.train = train
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

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        return f"CIFAR10({len(self)} {split} images, {self.format} release in {self.folder!r})"


# --- synthetic files in the official formats ----------------------------------------------------
_HUES = np.array(
    [[0.9, 0.2, 0.2], [0.2, 0.8, 0.3], [0.2, 0.4, 0.9], [0.9, 0.8, 0.2], [0.7, 0.3, 0.8]]
)


def synthetic_images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(N, 32, 32, 3) uint8 HWC images whose class is learnable but not given away by raw pixels:
    an "object", a striped square of random size and place, on a background of a random colour
    and shading, plus pixel noise. The class sets the object's colour (classes k and k + 5 share
    one) and its stripes: across for k < 5, down for k >= 5, with random period and phase. A
    horizontal flip or a small shift keeps the class, as for real photos."""
    labels = np.asarray(labels)
    n = len(labels)
    yy, xx = np.mgrid[0:32, 0:32].astype(np.float64)
    # background: a random colour, shaded along a random direction
    angle = rng.uniform(0, 2 * np.pi, (n, 1, 1))
    shade = 0.6 + 0.4 * ((np.cos(angle) * xx + np.sin(angle) * yy) / 45.0 + 0.5)
    img = rng.uniform(0.1, 0.9, (n, 1, 1, 3)) * shade[..., None]
    # the object: stripes in the class's colour inside a random square
    coord = np.where((labels >= 5)[:, None, None], xx, yy)  # vertical stripes vary along x
    period = rng.uniform(3.0, 6.0, (n, 1, 1))
    phase = rng.uniform(0.0, 2 * np.pi, (n, 1, 1))
    stripes = 0.5 + 0.5 * np.sin(2 * np.pi * coord / period + phase)
    colour = np.clip(_HUES[labels % 5] + rng.normal(0, 0.08, (n, 3)), 0, 1)[:, None, None, :]
    size = rng.integers(12, 21, n)
    top, left = rng.integers(0, 33 - size), rng.integers(0, 33 - size)
    inside = (
        (yy >= top[:, None, None]) & (yy < (top + size)[:, None, None])
        & (xx >= left[:, None, None]) & (xx < (left + size)[:, None, None])
    )  # fmt: skip
    img = np.where(inside[..., None], stripes[..., None] * colour, img)
    img = 255 * img + rng.normal(0.0, 12.0, img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def write_synthetic_cifar10(
    root: str | os.PathLike,
    *,
    format: str = "python",
    records_per_file: int = 100,
    seed: int = 0,
) -> str:
    """Write a small CIFAR-10 look-alike (:func:`synthetic_images`) in an official release's
    format under ``root`` and return the release folder (``root/cifar-10-batches-py`` or
    ``-bin``), for tests and for running the course without the real files.

    The Python release's files are pickled dicts with bytes keys, as Python 3 writes them at
    protocol 2 (``_codecs.encode`` for bytes; today's NumPy names its array rebuilder
    ``numpy._core.multiarray._reconstruct``); ``batches.meta`` holds the label names. Read them
    back with ``CIFAR10(root, records_per_file=records_per_file)``.
    """
    if format not in _FILES:
        raise ValueError(
            f"write_synthetic_cifar10: format must be 'python' or 'binary', got {format!r}"
        )
    folder = os.path.join(os.fspath(root), _FOLDERS[format])
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    train_names, test_names = _FILES[format]
    for k, name in enumerate(train_names + test_names):
        labels = rng.integers(0, 10, records_per_file)
        rows = synthetic_images(labels, rng).transpose(0, 3, 1, 2).reshape(records_per_file, -1)
        path = os.path.join(folder, name)
        if format == "binary":
            np.concatenate([labels[:, None].astype(np.uint8), rows], axis=1).tofile(path)
            continue
        is_test = name in test_names
        batch = {
            b"batch_label": b"testing batch 1 of 1"
            if is_test
            else f"training batch {k + 1} of 5".encode(),
            b"labels": labels.tolist(),
            b"data": rows,
            b"filenames": [f"synthetic_{k}_{i:05d}.png".encode() for i in range(records_per_file)],
        }
        with open(path, "wb") as f:
            pickle.dump(batch, f, protocol=2)
    if format == "python":
        meta = {
            b"label_names": [c.encode() for c in CLASSES],
            b"num_cases_per_batch": records_per_file,
            b"num_vis": _PIXELS,
        }
        with open(os.path.join(folder, "batches.meta"), "wb") as f:
            pickle.dump(meta, f, protocol=2)
    else:
        with open(os.path.join(folder, "batches.meta.txt"), "w") as f:
            f.write("\n".join(CLASSES) + "\n")
    return folder
