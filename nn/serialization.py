"""Checkpoints: ``save(obj, path)`` / ``load(path)`` for nested dicts of arrays and plain values.

File format (version 1): a safetensors file. Its arrays are the checkpoint's arrays; its header's
``__metadata__`` holds ours, all strings:

- ``format``: ``"gategrad-checkpoint"``; ``version``: ``"1"``;
- ``structure``: JSON text ``{"root": node, "tensors": {name: {"dtype", "shape", "sha256"}}}``
  where a node is a JSON null/bool/int/str/finite float, or a tagged object: ``{"t": "dict",
  "items": [[key, node], ...]}`` (keys str or int, order kept), ``{"t": "list"|"tuple", "items":
  [...]}``, ``{"t": "float", "v": "nan"|"inf"|"-inf"}``, or an array reference ``{"t": "tensor",
  "name": ..., "requires_grad": bool}`` / ``{"t": "ndarray", "name": ...}`` / ``{"t": "scalar",
  "name": ...}`` (a NumPy scalar, stored as a 0-d array);
- ``structure_sha256``: the SHA-256 of the ``structure`` text.

Every array's bytes are hashed (``sha256`` in its table entry) and the table is hashed with the rest
of the structure, so a flipped bit anywhere in the file — header or payload — is detected. Nothing
is ever unpickled or evaluated: loading parses JSON and copies bytes.

Writes are atomic: the bytes go to a temporary file in the target's folder
(``.<name>.<pid>-<random>.tmp``), are flushed and fsynced, then ``os.replace`` puts the file in
place and the folder is fsynced. A process killed mid-save leaves the previous checkpoint as it
was, and possibly its temporary file, which the next successful save to the same path removes.
Saving through a symlink replaces the link's target (the link stays); an existing file keeps its
permission bits, a new one gets the umask's.

Loading reads only regular files (a FIFO, device or folder is refused before a byte is read) and
checks the header against the file's size before reading the data; ``load(path, max_bytes=...)``
caps the size of files from untrusted sources.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import re
import secrets
import stat
import struct
from collections.abc import Mapping
from typing import Any, BinaryIO

import numpy as np

from autograd import Tensor

from ._optional import need

FORMAT = "gategrad-checkpoint"
VERSION = 1
MAX_HEADER_BYTES = 100_000_000  # safetensors' own limit on the JSON header
MAX_DEPTH = 100  # containers inside containers; load's JSON parser has room for far more
MAX_INT_BITS = 4096  # Python refuses to print or parse ints of more than 4300 digits

# safetensors dtype codes <-> NumPy (the ones NumPy has)
_ST_DTYPES = {
    "BOOL": "bool",
    "U8": "uint8",
    "I8": "int8",
    "U16": "uint16",
    "I16": "int16",
    "F16": "float16",
    "U32": "uint32",
    "I32": "int32",
    "F32": "float32",
    "U64": "uint64",
    "I64": "int64",
    "F64": "float64",
}
_NP_TO_ST = {v: k for k, v in _ST_DTYPES.items()}


class CheckpointError(Exception):
    """A checkpoint file that cannot be trusted: truncated, corrupted, tampered with, of another
    format or version, or inconsistent with itself. The message says what is wrong."""


# --- save ---------------------------------------------------------------------------------------
def save(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` to ``path`` atomically (see the module docstring for the format).

    ``obj`` is a nested structure of dicts (str or int keys), lists and tuples whose leaves are
    Tensors, NumPy arrays or scalars, and JSON-able values (None, bool, int, float, str), e.g.
    ``{"model": model.state_dict(), "optimizer": opt.state_dict(), "step": 50,
    "rng": gen.get_state()}``. Anything else raises ``TypeError`` before a byte is written: other
    leaf types, a container that contains itself, nesting deeper than ``MAX_DEPTH`` (100) levels,
    ints of more than ``MAX_INT_BITS`` (4096) bits, arrays of dtypes safetensors lacks. See
    ``write_bytes_atomic`` for how the file is written (symlinks, permissions, temporary files).
    """
    write_bytes_atomic(dumps(obj), path)


def dumps(obj: Any) -> bytes:
    """The bytes ``save`` would write."""
    safetensors_numpy = need("safetensors.numpy", "nn.save")

    arrays: dict[str, np.ndarray] = {}
    table: dict[str, dict[str, Any]] = {}
    root = _encode(obj, (), arrays, table)
    structure = json.dumps({"root": root, "tensors": table}, allow_nan=False, separators=(",", ":"))
    metadata = {
        "format": FORMAT,
        "version": str(VERSION),
        "structure": structure,
        "structure_sha256": hashlib.sha256(structure.encode()).hexdigest(),
    }
    return safetensors_numpy.save(arrays, metadata=metadata)


def _array_name(path: tuple, arrays: dict) -> str:
    base = ".".join(str(k) for k in path) or "value"
    name, n = base, 1
    while name in arrays:
        name, n = f"{base}#{n}", n + 1
    return name


def _add_array(arr: np.ndarray, path: tuple, arrays: dict, table: dict) -> str:
    dtype = arr.dtype.newbyteorder("=") if arr.dtype.byteorder not in "=|" else arr.dtype
    if dtype.name not in _NP_TO_ST:
        raise TypeError(
            f"save: the array at {_where(path)} has dtype {arr.dtype}, "
            f"which checkpoints cannot store (supported: {', '.join(sorted(_NP_TO_ST))})"
        )
    arr = arr.astype(dtype, order="C", copy=False)  # keeps 0-d arrays 0-d
    name = _array_name(path, arrays)
    arrays[name] = arr
    table[name] = {
        "dtype": dtype.name,
        "shape": list(arr.shape),
        "sha256": hashlib.sha256(arr.data if arr.size else b"").hexdigest(),
    }
    return name


def _where(path: tuple) -> str:
    return ".".join(map(str, path)) or "<root>"


def _encode(
    obj: Any, path: tuple, arrays: dict, table: dict, open_ids: frozenset = frozenset()
) -> Any:
    """The JSON node for ``obj``. ``open_ids`` holds the containers ``obj`` sits inside, so a
    container holding itself is named instead of recursing until Python gives up."""
    if isinstance(obj, np.generic):  # before float: np.float64 is a float subclass
        return {"t": "scalar", "name": _add_array(np.asarray(obj), path, arrays, table)}
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return _check_int(int(obj), path)  # IntEnum and friends become plain ints
    if isinstance(obj, float):
        if math.isfinite(obj):
            return float(obj)
        return {"t": "float", "v": "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")}
    if isinstance(obj, Tensor):
        name = _add_array(obj.data, path, arrays, table)
        return {"t": "tensor", "name": name, "requires_grad": bool(obj.requires_grad)}
    if isinstance(obj, np.ndarray):
        return {"t": "ndarray", "name": _add_array(obj, path, arrays, table)}
    if isinstance(obj, (Mapping, list, tuple)):
        if id(obj) in open_ids:
            raise TypeError(
                f"save: the {type(obj).__name__} at {_where(path)} contains itself "
                "(checkpoints hold trees, not cycles)"
            )
        if len(path) >= MAX_DEPTH:
            raise TypeError(
                f"save: the structure is nested more than {MAX_DEPTH} levels deep at "
                f"{_where(path[:3])}... (checkpoints hold at most {MAX_DEPTH})"
            )
        inside = open_ids | {id(obj)}
    if isinstance(obj, Mapping):
        items = []
        for k, v in obj.items():
            if isinstance(k, bool) or not isinstance(k, (str, int)):
                raise TypeError(
                    f"save: dict keys must be str or int, got {type(k).__name__} {k!r} at "
                    f"{_where(path)}"
                )
            key = k if isinstance(k, str) else _check_int(int(k), (*path, "<key>"))
            items.append([key, _encode(v, (*path, k), arrays, table, inside)])
        return {"t": "dict", "items": items}
    if isinstance(obj, (list, tuple)):
        kind = "tuple" if isinstance(obj, tuple) else "list"
        return {
            "t": kind,
            "items": [_encode(v, (*path, i), arrays, table, inside) for i, v in enumerate(obj)],
        }
    raise TypeError(
        f"save: cannot store a {type(obj).__name__} at {_where(path)} "
        "(checkpoints hold dicts, lists, tuples, Tensors, arrays, numbers, strings and None; "
        "never pickled objects)"
    )


def _check_int(value: int, path: tuple) -> int:
    if value.bit_length() > MAX_INT_BITS:
        raise TypeError(
            f"save: the int at {_where(path)} has {value.bit_length()} bits; checkpoints store "
            f"ints of up to {MAX_INT_BITS} bits (store a larger one as a str)"
        )
    return value


def write_bytes_atomic(data: bytes, path: str | os.PathLike) -> None:
    """Write ``data`` to ``path`` so that readers see either the old file or the complete new
    one, even if this process dies at any instant.

    A symlink is written through: its target is replaced (atomically) and the link stays a link.
    Saving over an existing file keeps its permission bits; a new file gets the umask's mode, as
    ``open`` would give it. Temporary files left by saves that were killed are removed once this
    one is in place."""
    target = _write_target(path)
    folder, name = os.path.split(target)
    mode = _existing_mode(target)
    fd, tmp = _create_temp(folder, name)
    try:
        with os.fdopen(fd, "wb") as f:
            if mode is not None:
                os.fchmod(fd, mode)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(folder)
    remove_stale_temps(target)


def _write_target(path: str | os.PathLike) -> str:
    """The file a save to ``path`` replaces: the path itself, or the end of its symlink chain."""
    return os.path.realpath(os.fspath(path))


def _existing_mode(target: str) -> int | None:
    """The permission bits of the file being replaced (None when there is none yet). A folder,
    device or FIFO at the path is refused: a save must never replace one with a file."""
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(st.st_mode):
        error = IsADirectoryError if stat.S_ISDIR(st.st_mode) else FileExistsError
        raise error(
            f"save: {target} is {_file_kind(st.st_mode)}, not a regular file; give a file path"
        )
    return stat.S_IMODE(st.st_mode) & 0o777


def _temp_pattern(name: str) -> re.Pattern[str]:
    # ".<name>.<pid>-<token>.tmp" (and ".<name>.<token>.tmp", tempfile's older naming); the
    # token has no "." or "-", so temps of another file whose name extends ``name`` never match
    return re.compile(rf"\.{re.escape(name)}\.(?:(\d+)-)?[A-Za-z0-9_]+\.tmp")


def _create_temp(folder: str, name: str) -> tuple[int, str]:
    """A new, empty temporary file beside the target. Mode 0o666 is filtered by the umask here,
    by the kernel, so a new checkpoint gets exactly the mode ``open(path, "wb")`` would give it
    (``tempfile.mkstemp`` would force 0o600)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(folder, f".{name}.{os.getpid()}-{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"save: could not create a temporary file in {folder}")


def remove_stale_temps(path: str | os.PathLike) -> list[str]:
    """Remove the temporary files that killed saves to ``path`` left beside it; returns their
    paths. Temps of a save still running in another live process are kept (the process id in
    the name tells), so two processes saving to one path do not break each other's save."""
    target = _write_target(path)
    folder, name = os.path.split(target)
    pattern = _temp_pattern(name)
    removed = []
    try:
        entries = os.listdir(folder)
    except OSError:
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry)
        if match is None:
            continue
        pid = match.group(1)
        if pid is not None and (int(pid) == os.getpid() or _process_alive(int(pid))):
            continue
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(folder, entry))
            removed.append(os.path.join(folder, entry))
    return removed


def _process_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, ValueError, OverflowError):
        return True  # exists but is not ours, or cannot be asked: keep its file
    return True


def _fsync_dir(folder: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


# --- load ---------------------------------------------------------------------------------------
def load(path: str | os.PathLike, *, max_bytes: int | None = None) -> Any:
    """Read a checkpoint written by ``save`` and return the same nested structure: Tensors come
    back as Tensors (with their ``requires_grad``), NumPy arrays as arrays, NumPy scalars as
    scalars; dtypes and values are bit-identical. Raises ``CheckpointError`` if the file is not a
    complete, untampered checkpoint of a supported version (``FileNotFoundError`` if absent).

    Only a regular file is read: a FIFO, device or folder is refused before reading a byte. The
    header is checked against the file's size before the data is read, so a header declaring more
    than the file holds costs nothing. ``max_bytes`` refuses larger files outright (for files
    from untrusted sources). Only ``path`` itself is read, never a temporary file beside it."""
    path = os.fspath(path)
    with _open_regular_file(path) as f:
        size = os.fstat(f.fileno()).st_size
        if max_bytes is not None and size > max_bytes:
            raise CheckpointError(f"{path}: the file has {size} bytes, over max_bytes={max_bytes}")
        try:
            return _read_checkpoint(f, size)
        except CheckpointError as e:
            raise CheckpointError(f"{path}: {e}") from None


def _open_regular_file(path: str) -> BinaryIO:
    """Open ``path`` for reading and refuse it unless it is a regular file. O_NONBLOCK makes
    opening a FIFO return at once (instead of waiting for a writer) so that ``fstat`` can
    refuse it; for regular files the flag does nothing."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise CheckpointError(
                f"{path}: is {_file_kind(mode)}, not a regular file; nothing was read"
            )
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _file_kind(mode: int) -> str:
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((text for test, text in kinds if test(mode)), "not a regular file")


def loads(data: bytes) -> Any:
    """``load`` from bytes in memory."""
    return _read_checkpoint(io.BytesIO(data), len(data))


def _read_checkpoint(f: BinaryIO, size: int) -> Any:
    """Parse and check the header, then read and check the arrays: nothing the header declares
    is allocated before it has been checked against ``size``, the file's length."""
    header, payload_size = _read_header(f, size)
    meta = header.pop("__metadata__", None)
    structure = _check_metadata(meta)
    table = structure.get("tensors")
    if not isinstance(table, dict):
        raise CheckpointError("the array table is missing from the metadata")
    spans = _check_tensor_entries(header, table, payload_size)
    payload = f.read(payload_size)
    if len(payload) != payload_size or f.read(1):
        raise CheckpointError("the file changed size while it was being read")
    arrays = _read_arrays(payload, spans, table)
    used: set[str] = set()
    try:
        obj = _decode(structure.get("root"), arrays, used)
    except RecursionError:
        raise CheckpointError("the structure is nested too deeply") from None
    if used != set(arrays):
        raise CheckpointError(
            f"arrays not referenced by the structure: {sorted(set(arrays) - used)}"
        )
    return obj


def _read_header(f: BinaryIO, n: int) -> tuple[dict, int]:
    """The safetensors header (a JSON object) and the size of the data after it."""
    if n < 8:
        raise CheckpointError(
            f"truncated: the file has {n} bytes, fewer than the 8-byte header size"
        )
    (size,) = struct.unpack("<Q", f.read(8))
    if size > n - 8:
        raise CheckpointError(
            f"truncated or corrupt: the header declares {size} bytes but only {n - 8} follow"
        )
    if size > MAX_HEADER_BYTES:
        raise CheckpointError(
            f"the header declares {size} bytes, over the {MAX_HEADER_BYTES} limit"
        )
    text = f.read(size)
    if len(text) != size:
        raise CheckpointError("the file changed size while it was being read")
    try:
        header = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise CheckpointError(f"the header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise CheckpointError("the header is not a JSON object")
    return header, n - 8 - size


def _check_metadata(meta: Any) -> dict:
    if not isinstance(meta, dict):
        raise CheckpointError(
            "not a gategrad checkpoint (no __metadata__ in the safetensors header)"
        )
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"not a gategrad checkpoint (format {meta.get('format')!r})")
    version = meta.get("version")
    if version != str(VERSION):
        raise CheckpointError(
            f"checkpoint format version {version!r} is not supported (this gategrad reads {VERSION})"
        )
    text = meta.get("structure")
    digest = meta.get("structure_sha256")
    if not isinstance(text, str) or not isinstance(digest, str):
        raise CheckpointError("the metadata lacks its structure or the structure's checksum")
    if hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest() != digest:
        raise CheckpointError("the metadata checksum does not match: the header was modified")
    try:
        structure = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise CheckpointError(f"the structure metadata is not valid JSON ({e})") from None
    if not isinstance(structure, dict):
        raise CheckpointError("the structure metadata is not a JSON object")
    return structure


def _check_tensor_entries(header: dict, table: dict, payload_size: int) -> dict[str, tuple]:
    """Check every safetensors entry against our table and the file size — before any array is
    allocated — and return ``name -> (begin, end, dtype, shape)``."""
    if set(header) != set(table):
        missing = sorted(set(table) - set(header))
        extra = sorted(set(header) - set(table))
        raise CheckpointError(
            f"the arrays in the file disagree with the metadata (missing {missing}, unexpected {extra})"
        )
    spans = {}
    for name, entry in header.items():
        ours = table[name]
        if not isinstance(entry, dict) or not isinstance(ours, dict):
            raise CheckpointError(f"array {name!r}: malformed header entry")
        code = entry.get("dtype")
        dtype = _ST_DTYPES.get(code) if isinstance(code, str) else None
        shape, offsets = entry.get("shape"), entry.get("data_offsets")
        if dtype is None or dtype != ours.get("dtype"):
            raise CheckpointError(
                f"array {name!r}: dtype {entry.get('dtype')!r} in the file, {ours.get('dtype')!r} in the metadata"
            )
        if not _int_list(shape) or shape != ours.get("shape") or any(s < 0 for s in shape):
            raise CheckpointError(
                f"array {name!r}: shape {shape!r} in the file, {ours.get('shape')!r} in the metadata"
            )
        if not (_int_list(offsets) and len(offsets) == 2 and 0 <= offsets[0] <= offsets[1]):
            raise CheckpointError(f"array {name!r}: malformed data offsets {offsets!r}")
        nbytes = math.prod(shape) * np.dtype(dtype).itemsize  # Python ints: no overflow
        if offsets[1] - offsets[0] != nbytes:
            raise CheckpointError(
                f"array {name!r}: shape {shape} of {dtype} needs {nbytes} bytes, the file gives {offsets[1] - offsets[0]}"
            )
        if offsets[1] > payload_size:
            raise CheckpointError(
                f"truncated or corrupt: array {name!r} ends at byte {offsets[1]} of the data, "
                f"which has only {payload_size}"
            )
        spans[name] = (offsets[0], offsets[1], dtype, tuple(shape))
    covered = 0
    for begin, end, _, _ in sorted(spans.values()):
        if begin != covered:
            raise CheckpointError("the arrays' byte ranges overlap or leave gaps")
        covered = end
    if covered != payload_size:
        raise CheckpointError(
            f"the file has {payload_size - covered} bytes more data than its arrays account for "
            "(or is truncated)"
        )
    return spans


def _int_list(x: Any) -> bool:
    return isinstance(x, list) and all(type(v) is int for v in x)


def _read_arrays(data: bytes, spans: dict, table: dict) -> dict[str, np.ndarray]:
    view = memoryview(data)
    arrays = {}
    for name, (begin, end, dtype, shape) in spans.items():
        chunk = view[begin:end]
        if hashlib.sha256(chunk).hexdigest() != table[name].get("sha256"):
            raise CheckpointError(f"array {name!r}: checksum mismatch (the data was modified)")
        arr = np.frombuffer(chunk, dtype=np.dtype(dtype).newbyteorder("<"), count=math.prod(shape))
        arrays[name] = arr.astype(np.dtype(dtype), copy=True).reshape(shape)  # own, writable
    return arrays


def _decode(node: Any, arrays: dict[str, np.ndarray], used: set[str]) -> Any:
    if node is None or isinstance(node, (bool, int, str)):
        return node
    if isinstance(node, float):
        return node
    if not isinstance(node, dict):
        raise CheckpointError(f"unexpected {type(node).__name__} in the structure")
    tag = node.get("t")
    if tag == "dict":
        out = {}
        for item in _items(node):
            if not (isinstance(item, list) and len(item) == 2):
                raise CheckpointError("malformed dict item in the structure")
            key, value = item
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                raise CheckpointError(f"dict key of type {type(key).__name__} in the structure")
            out[key] = _decode(value, arrays, used)
        return out
    if tag == "list":
        return [_decode(v, arrays, used) for v in _items(node)]
    if tag == "tuple":
        return tuple(_decode(v, arrays, used) for v in _items(node))
    if tag == "float":
        values = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
        if not isinstance(node.get("v"), str) or node["v"] not in values:
            raise CheckpointError(f"bad non-finite float {node.get('v')!r} in the structure")
        return values[node["v"]]
    if tag in ("tensor", "ndarray", "scalar"):
        name = node.get("name")
        if not isinstance(name, str) or name not in arrays:
            raise CheckpointError(f"the structure refers to a missing array {name!r}")
        if name in used:
            raise CheckpointError(f"the structure refers to array {name!r} twice")
        used.add(name)
        arr = arrays[name]
        if tag == "ndarray":
            return arr
        if tag == "scalar":
            if arr.ndim != 0:
                raise CheckpointError(f"scalar {name!r} has shape {arr.shape}")
            return arr[()]
        requires_grad = node.get("requires_grad")
        if not isinstance(requires_grad, bool) or (requires_grad and arr.dtype.kind != "f"):
            raise CheckpointError(f"tensor {name!r}: bad requires_grad {requires_grad!r}")
        return Tensor(arr, requires_grad=requires_grad)
    raise CheckpointError(f"unknown node type {tag!r} in the structure")


def _items(node: dict) -> list:
    items = node.get("items")
    if not isinstance(items, list):
        raise CheckpointError("malformed container in the structure")
    return items


__all__ = [
    "CheckpointError",
    "dumps",
    "load",
    "loads",
    "remove_stale_temps",
    "save",
    "write_bytes_atomic",
]
