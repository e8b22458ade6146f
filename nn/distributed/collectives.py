"""Collectives on Tensors and NumPy arrays, in place, through MPI's buffer interface (arrays are
never pickled): ``all_reduce``, ``broadcast``, ``all_gather``, ``barrier``.

Before each one the ranks exchange a short description of the call (which collective, the op or
source, the dtype and shape), so a rank that passes a different shape, or calls a different
collective, gets an error naming every rank's call instead of wrong numbers or a hang. The
``start_*`` functions skip that exchange: DistributedDataParallel uses them on buffers it checked
once at construction.
"""

from __future__ import annotations

import enum
from typing import Any

import numpy as np

from autograd import Tensor

from .process_group import wait, world


class ReduceOp(enum.Enum):
    """How ``all_reduce`` combines the ranks' values (AVG: the SUM divided by the world size)."""

    SUM = "sum"
    AVG = "avg"
    MAX = "max"
    MIN = "min"


SUM, AVG, MAX, MIN = ReduceOp.SUM, ReduceOp.AVG, ReduceOp.MAX, ReduceOp.MIN
_KINDS = ("all_reduce", "broadcast", "all_gather", "barrier")
_OPS = tuple(ReduceOp)
_MAX_DIMS = 8  # shapes are described exactly up to 8 dimensions, then by a hash of the rest


def _array(t: Tensor | np.ndarray, op: str) -> np.ndarray:
    """The array a collective works on in place: a Tensor's data or the array itself."""
    arr = t.data if isinstance(t, Tensor) else t
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"{op}: expected a Tensor or a NumPy array, got {type(t).__name__}")
    if not (arr.flags.c_contiguous and arr.flags.writeable):
        raise ValueError(
            f"{op}: works in place on a C-contiguous, writeable array; got one of shape "
            f"{arr.shape} that is not (pass a contiguous copy, e.g. np.ascontiguousarray)"
        )
    return arr


def _mpi_op(op: ReduceOp) -> Any:
    from mpi4py import MPI

    return {SUM: MPI.SUM, AVG: MPI.SUM, MAX: MPI.MAX, MIN: MPI.MIN}[op]


# --- checking that every rank makes the same call ---------------------------------------------


def _describe(kind: str, arg: int, arr: np.ndarray | None) -> np.ndarray:
    """[collective, op or source, dtype character, ndim, shape...] as int64s."""
    desc = np.full(4 + _MAX_DIMS, -1, dtype=np.int64)
    desc[0], desc[1] = _KINDS.index(kind), arg
    if arr is not None:
        desc[2], desc[3] = ord(arr.dtype.char), arr.ndim
        shape = list(arr.shape[:_MAX_DIMS])
        if arr.ndim > _MAX_DIMS:
            shape[-1] = hash(arr.shape[_MAX_DIMS - 1 :]) & 0x7FFFFFFFFFFF
        desc[4 : 4 + len(shape)] = shape
    return desc


def _explain(desc: np.ndarray) -> str:
    kind = _KINDS[desc[0]]
    if kind == "barrier":
        return "barrier()"
    ndim = int(desc[3])
    shape = tuple(int(n) for n in desc[4 : 4 + min(ndim, _MAX_DIMS)])
    tensor = f"{np.dtype(chr(desc[2]))} {shape if ndim <= _MAX_DIMS else f'{ndim}-D'}"
    if kind == "all_reduce":
        return f"all_reduce({tensor}, op={_OPS[desc[1]].name})"
    if kind == "broadcast":
        return f"broadcast({tensor}, src={desc[1]})"
    return f"all_gather({tensor})"


def _check_same_call(kind: str, arg: int, arr: np.ndarray | None) -> None:
    """Exchange the call's description; raise on every rank if any rank's differs."""
    w = world(kind)
    mine = _describe(kind, arg, arr)
    every = np.empty((w.size, mine.size), dtype=np.int64)
    wait([w.comm.Iallgather(mine, every)], kind)
    if (every == every[0]).all():
        return
    calls = ", ".join(f"rank {r}: {_explain(d)}" for r, d in enumerate(every))
    raise ValueError(
        f"{kind}: the ranks made different collective calls (every rank must pass the same "
        f"shape and dtype, op and source): {calls}"
    )


# --- the collectives ---------------------------------------------------------------------------


def all_reduce(tensor: Tensor | np.ndarray, op: ReduceOp = SUM) -> None:
    """Combine ``tensor`` across ranks by ``op``, leaving the result in ``tensor`` on every rank."""
    if not isinstance(op, ReduceOp):
        raise TypeError(f"all_reduce: op must be a ReduceOp (SUM, AVG, MAX, MIN), got {op!r}")
    arr = _array(tensor, "all_reduce")
    if op is AVG and arr.dtype.kind not in "fc":
        raise TypeError(f"all_reduce: op=AVG needs a floating dtype, got {arr.dtype}")
    w = world("all_reduce")
    if w.size == 1:
        return
    _check_same_call("all_reduce", _OPS.index(op), arr)
    wait([start_all_reduce(arr, op)], "all_reduce")
    if op is AVG:
        arr /= w.size


def broadcast(tensor: Tensor | np.ndarray, src: int = 0) -> None:
    """Copy rank ``src``'s ``tensor`` into every rank's ``tensor``."""
    arr = _array(tensor, "broadcast")
    w = world("broadcast")
    if not 0 <= src < w.size:
        raise ValueError(f"broadcast: src must be a rank in [0, {w.size - 1}], got {src}")
    if w.size == 1:
        return
    _check_same_call("broadcast", src, arr)
    wait([start_broadcast(arr, src)], "broadcast")


def all_gather(tensor_list: list[Any], tensor: Tensor | np.ndarray) -> None:
    """Fill ``tensor_list[r]`` (one Tensor or array per rank, each shaped like ``tensor``) with
    rank r's ``tensor``, on every rank."""
    arr = _array(tensor, "all_gather")
    w = world("all_gather")
    if len(tensor_list) != w.size:
        raise ValueError(
            f"all_gather: tensor_list needs one entry per rank ({w.size}), got {len(tensor_list)}"
        )
    outs = [_array(t, "all_gather") for t in tensor_list]
    for r, out in enumerate(outs):
        if out.shape != arr.shape or out.dtype != arr.dtype:
            raise ValueError(
                f"all_gather: tensor_list[{r}] is {out.dtype} {out.shape}; every entry must be "
                f"shaped like the tensor sent, {arr.dtype} {arr.shape}"
            )
    if w.size > 1:
        _check_same_call("all_gather", 0, arr)
        gathered = np.empty((w.size, *arr.shape), dtype=arr.dtype)
        wait([w.comm.Iallgather(arr, gathered)], "all_gather")
    else:
        gathered = arr[None]
    for out, part in zip(outs, gathered):
        out[...] = part


def barrier() -> None:
    """Wait until every rank has called ``barrier`` (within the group's timeout)."""
    if world("barrier").size > 1:
        _check_same_call("barrier", 0, None)  # (the exchange is itself the synchronisation)


# --- unchecked, non-blocking forms (callers wait with process_group.wait) ----------------------


def start_all_reduce(arr: np.ndarray, op: ReduceOp = SUM) -> Any:
    """Start an in-place all-reduce of ``arr``; returns the MPI request."""
    from mpi4py import MPI

    return world("all_reduce").comm.Iallreduce(MPI.IN_PLACE, arr, _mpi_op(op))


def start_broadcast(arr: np.ndarray, src: int = 0) -> Any:
    """Start an in-place broadcast of ``arr`` from ``src``; returns the MPI request."""
    return world("broadcast").comm.Ibcast(arr, root=src)


def all_gather_bytes(data: bytes, what: str) -> list[bytes]:
    """Every rank's ``data`` (any length), in rank order: for descriptions, never arrays."""
    from mpi4py import MPI

    w = world(what)
    if w.size == 1:
        return [data]
    mine = np.frombuffer(data, dtype=np.uint8)
    lengths = np.empty(w.size, dtype=np.int64)
    wait([w.comm.Iallgather(np.array([mine.size], dtype=np.int64), lengths)], what)
    every = np.empty(int(lengths.sum()), dtype=np.uint8)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    counts = (lengths.tolist(), offsets.tolist())
    wait([w.comm.Iallgatherv([mine, MPI.BYTE], [every, counts, MPI.BYTE])], what)
    return [every[o : o + n].tobytes() for o, n in zip(offsets, lengths)]
