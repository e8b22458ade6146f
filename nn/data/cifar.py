"""CIFAR-10 from the files of its two official releases, offline, and synthetic look-alikes.

Both releases hold 5 training files and 1 test file of 10,000 32x32 colour images each:

- the **Python** release (``cifar-10-python.tar.gz`` -> ``cifar-10-batches-py/``, the one CS231n
  uses): ``data_batch_1`` .. ``data_batch_5``, ``test_batch``, each a pickled dict (written by
  Python 2) with ``data`` (10000, 3072) uint8 rows of 1,024 red, 1,024 green and 1,024 blue bytes,
  ``labels`` (10,000 ints 0-9), ``batch_label`` and ``filenames``. Pickles can run code when
  loaded, so they are read by :class:`CifarUnpickler`, which allows only what these files contain;
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
from typing import Any, BinaryIO

import numpy as np

from .dataset import Dataset

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


# --- the restricted unpickler -------------------------------------------------------------------
_PLAIN_KINDS = "biuf"  # bool, signed and unsigned ints, floats: no objects, no structured records
_BYTE_ORDERS = {"|", "<", ">", "="}


def _text(v: Any) -> Any:
    return v.decode("latin1") if isinstance(v, bytes) else v


class _DtypeSpec:
    """What a pickle's ``numpy.dtype(spec, align, copy)`` and its state describe, checked, with
    no NumPy code run on the pickle's values: only plain numeric dtypes pass."""

    def __init__(self, spec: Any, align: Any = False, copy: Any = True) -> None:
        self.spec, self.byte_order = _text(spec), "|"
        if not isinstance(self.spec, str):
            raise pickle.UnpicklingError(
                f"CIFAR10: refusing a dtype spec of type {type(spec).__name__}"
            )
        try:
            self.dtype = np.dtype(self.spec)
        except TypeError as err:
            raise pickle.UnpicklingError(f"CIFAR10: refusing dtype {self.spec!r} ({err})") from None
        if self.dtype.kind not in _PLAIN_KINDS:
            raise pickle.UnpicklingError(
                f"CIFAR10: the pickle asks for NumPy dtype {self.dtype!r}; CIFAR-10 files hold "
                "only plain numbers (uint8 pixels), so it is refused"
            )

    def __setstate__(self, state: Any) -> None:
        # NumPy's dtype state: (version, byte order, subarray, names, fields, elsize, alignment,
        # flags); a plain dtype has no subarray, names or fields and no flags
        ok = isinstance(state, tuple) and len(state) == 8 and _text(state[1]) in _BYTE_ORDERS
        if not ok or state[2:5] != (None, None, None) or state[7] != 0:
            raise pickle.UnpicklingError(f"CIFAR10: refusing a dtype state {state!r:.200}")
        order = _text(state[1])
        self.dtype = self.dtype if order in ("|", "=") else self.dtype.newbyteorder(order)


class _ArraySpec:
    """What a pickle's ``numpy.core.multiarray._reconstruct(ndarray, (0,), b'b')`` and its state
    ``(version, shape, dtype, is_fortran, raw bytes)`` describe; the array is built from the raw
    bytes with ``np.frombuffer`` (a copy), never by NumPy's own ``__setstate__``."""

    def __init__(self, subtype: Any, shape: Any, typecode: Any) -> None:
        if subtype is not _NdarrayName:
            raise pickle.UnpicklingError(
                f"CIFAR10: the pickle asks for an array of type {subtype!r}, not numpy.ndarray"
            )
        self.array: np.ndarray | None = None

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise pickle.UnpicklingError(f"CIFAR10: refusing an array state {state!r:.200}")
        shape, spec, fortran, raw = state[-4:]
        if not isinstance(spec, _DtypeSpec):
            raise pickle.UnpicklingError("CIFAR10: an array's dtype is not a plain numpy.dtype")
        self.array = _from_bytes(_raw_bytes(raw), spec, shape, "F" if fortran else "C")


class _NdarrayName:
    """Stands for ``numpy.ndarray`` where a pickle names it (as ``_reconstruct``'s first
    argument); calling it, to make an uninitialised array, is refused."""

    def __init__(self, *args: Any) -> None:
        raise pickle.UnpicklingError("CIFAR10: refusing to call numpy.ndarray from a pickle")


def _raw_bytes(raw: Any) -> bytes:
    if isinstance(raw, str):  # a Python 2 str loaded as text: its code points are the bytes
        return raw.encode("latin1")
    if isinstance(raw, (bytes, bytearray)):
        return bytes(raw)
    raise pickle.UnpicklingError(f"CIFAR10: an array's data is {type(raw).__name__}, not bytes")


def _from_bytes(raw: Any, spec: Any, shape: Any, order: Any) -> np.ndarray:
    if not isinstance(spec, _DtypeSpec):
        raise pickle.UnpicklingError("CIFAR10: an array's dtype is not a plain numpy.dtype")
    ok_shape = isinstance(shape, tuple) and all(type(s) is int and s >= 0 for s in shape)
    if not ok_shape or order not in ("C", "F"):
        raise pickle.UnpicklingError(
            f"CIFAR10: refusing an array of shape {shape!r:.80} ({order!r})"
        )
    count = int(np.prod(shape, dtype=np.int64))
    if len(raw) != count * spec.dtype.itemsize:
        raise pickle.UnpicklingError(
            f"CIFAR10: an array of shape {shape} and dtype {spec.dtype} needs "
            f"{count * spec.dtype.itemsize} bytes, the pickle holds {len(raw)}"
        )
    return np.frombuffer(raw, dtype=spec.dtype).reshape(shape, order=order).copy()


def _frombuffer(buffer: Any, spec: Any, shape: Any, order: Any) -> np.ndarray:
    """``numpy._core.numeric._frombuffer``: how NumPy pickles arrays at protocol 5."""
    return _from_bytes(_raw_bytes(buffer), spec, shape, _text(order))


def _latin1_encode(text: Any, encoding: Any = "latin1") -> bytes:
    """``_codecs.encode``: how Python 3 writes ``bytes`` at pickle protocol 2 (text + 'latin1')."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError(
            f"CIFAR10: refusing _codecs.encode of a {type(text).__name__} with {encoding!r} "
            "(pickles of bytes use only 'latin1')"
        )
    return text.encode("latin1")


def _finish(obj: Any) -> Any:
    """Swap every ``_ArraySpec`` in the loaded containers for its array."""
    if isinstance(obj, _ArraySpec):
        if obj.array is None:
            raise pickle.UnpicklingError("CIFAR10: an array in the pickle was never filled")
        return obj.array
    if isinstance(obj, _DtypeSpec):
        raise pickle.UnpicklingError("CIFAR10: a bare dtype where CIFAR-10 files hold data")
    if isinstance(obj, dict):
        return {_finish(k): _finish(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finish(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_finish(v) for v in obj)
    return obj


class CifarUnpickler(pickle.Unpickler):
    """An unpickler that builds only what CIFAR-10's Python release contains: dicts, lists,
    tuples, bytes, str, ints, and NumPy arrays of plain numbers.

    Containers and scalars need no globals. Every global a pickle names goes through
    ``find_class``, which hands out only checked stand-ins, under the names the files use:
    ``numpy.core.multiarray._reconstruct`` (the release, written by Python 2 and NumPy 1.x),
    ``numpy._core.multiarray._reconstruct`` (today's NumPy), ``numpy._core.numeric._frombuffer``
    (protocol 5), ``numpy.ndarray``, ``numpy.dtype`` and ``_codecs.encode``. The stand-ins record
    what the pickle describes and :meth:`load` builds the arrays with ``np.frombuffer``, so no
    NumPy code runs on a pickle's values. Anything else (``os.system``, ``builtins.eval``,
    ``subprocess.Popen``, ...) is refused when the pickle *names* it, before any of it runs.
    """

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"): _ArraySpec,
        ("numpy._core.multiarray", "_reconstruct"): _ArraySpec,
        ("numpy.core.numeric", "_frombuffer"): _frombuffer,
        ("numpy._core.numeric", "_frombuffer"): _frombuffer,
        ("numpy", "ndarray"): _NdarrayName,
        ("numpy", "dtype"): _DtypeSpec,
        ("_codecs", "encode"): _latin1_encode,
    }

    def __init__(self, file: BinaryIO, *, name: str = "the pickle") -> None:
        # encoding="bytes": Python 2 str objects (keys, names, pixel data) come back as bytes,
        # as the dataset's own page shows (dict[b'data'])
        super().__init__(file, encoding="bytes")
        self.name = name

    def find_class(self, module: str, name: str) -> Any:
        allowed = self.ALLOWED.get((module, name))
        if allowed is None:
            raise pickle.UnpicklingError(
                f"CIFAR10: {self.name} asks to load {module}.{name}, which a CIFAR-10 file never "
                "contains: refused before running anything (allowed: "
                + ", ".join(sorted(f"{m}.{n}" for m, n in self.ALLOWED))
                + ")"
            )
        return allowed

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError(f"CIFAR10: {self.name} uses persistent ids: refused")

    def load(self) -> Any:
        return _finish(super().load())


def load_cifar_pickle(path: str | os.PathLike) -> dict[str, Any]:
    """One batch file of the Python release as a dict with str keys (``data``, ``labels``, ...),
    through :class:`CifarUnpickler`: any other global in the file raises
    ``pickle.UnpicklingError``; a truncated or garbled file raises ``ValueError``."""
    path = os.fspath(path)
    with open(path, "rb") as f:
        try:
            batch = CifarUnpickler(f, name=path).load()
        except pickle.UnpicklingError as err:
            if str(err).startswith("CIFAR10:"):
                raise
            raise ValueError(
                f"CIFAR10: {path} is not a readable CIFAR-10 Python batch ({err})"
            ) from None
        except Exception as err:  # truncated or garbled: EOFError, TypeError, ...
            raise ValueError(
                f"CIFAR10: {path} is not a readable CIFAR-10 Python batch "
                f"({type(err).__name__}: {err})"
            ) from None
    if not isinstance(batch, dict):
        raise ValueError(f"CIFAR10: {path} holds a {type(batch).__name__}, not a dict")
    return {_text(k): v for k, v in batch.items()}


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
