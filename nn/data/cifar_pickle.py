"""The one safe way to read CIFAR-10's Python release: its files are pickles, and a pickle can run
any code when it is loaded, so they are read by :class:`CifarUnpickler`, which builds only what
those files contain and refuses everything else before it runs. (gategrad never pickles its own
files; this reads someone else's.)
"""

from __future__ import annotations

import os
import pickle
from typing import Any, BinaryIO

import numpy as np

_PLAIN_KINDS = "biuf"  # bool, signed and unsigned ints, floats: no objects, no structured records
_BYTE_ORDERS = {"|", "<", ">", "="}


def _text(v: Any) -> Any:
    return v.decode("latin1") if isinstance(v, bytes) else v


class _DtypeSpec:
    """What a pickle's ``numpy.dtype(spec, align, copy)`` and its state describe, checked, with
    no NumPy code run on the pickle's values: only plain numeric dtypes pass."""

    def __init__(self, spec: Any, align: Any = False, copy: Any = True) -> None:
        self.spec = _text(spec)
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
