"""The process group: which process this is, how many there are, and how long to wait for them.

One world of processes started by ``mpiexec`` (MPI's ``COMM_WORLD``, through ``mpi4py``), or a
world of one when the script runs on its own, so the same script runs either way. Two guards keep
a failed run from hanging: an uncaught exception on any rank aborts every rank (``MPI_Abort``),
and every wait for the other ranks gives up after the group's timeout with an error naming what
it waited for (MPI's collectives have no timeout of their own, so ours poll non-blocking ones).
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta
from types import TracebackType
from typing import Any

DEFAULT_TIMEOUT = timedelta(minutes=30)  # PyTorch's default for its CPU backend
_LAUNCHER_SIZES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE")  # set by MPICH's and Open MPI's mpiexec


class DistributedTimeoutError(RuntimeError):
    """The other ranks did not arrive at a collective within the process group's timeout (one
    may have failed, hung, or skipped the call)."""


class _World:
    """The initialized group: ``comm`` is mpi4py's communicator (None in a world of one)."""

    def __init__(self, comm: Any, rank: int, size: int, timeout: float) -> None:
        self.comm, self.rank, self.size, self.timeout = comm, rank, size, timeout
        self.previous_excepthook = sys.excepthook


_world: _World | None = None


def _seconds(timeout: float | timedelta) -> float:
    seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)
    if not seconds > 0:
        raise ValueError(f"init_process_group: timeout must be positive, got {timeout!r}")
    return seconds


def _launched_on_several_ranks() -> bool:
    return any(int(os.environ.get(v) or 1) > 1 for v in _LAUNCHER_SIZES)


def init_process_group(
    backend: str = "mpi", *, timeout: float | timedelta = DEFAULT_TIMEOUT
) -> None:
    """Join the world of processes ``mpiexec`` started (a world of one without it, or with one
    process: then MPI is not even loaded).

    ``timeout`` (seconds or a ``timedelta``) bounds every wait for the other ranks. From here on
    an uncaught exception on any rank aborts them all instead of leaving them waiting.
    """
    global _world
    if backend != "mpi":
        raise ValueError(f"init_process_group: only the 'mpi' backend exists, got {backend!r}")
    if _world is not None:
        raise RuntimeError("init_process_group: the process group is already initialized")
    seconds = _seconds(timeout)
    if not _launched_on_several_ranks():
        _world = _World(None, 0, 1, seconds)  # run on its own: a world of one, no MPI needed
        return
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise ImportError(
            "init_process_group: started by mpiexec, but mpi4py is not installed; "
            "install the extra: pip install 'gategrad[mpi]'"
        ) from e
    comm = MPI.COMM_WORLD
    _world = _World(comm, comm.Get_rank(), comm.Get_size(), seconds)
    if _world.size > 1:
        sys.excepthook = _abort_on_uncaught_exception


def _abort_on_uncaught_exception(
    kind: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    """An uncaught exception on one rank: print it, then end every rank (the others would wait
    for this one at their next collective until the timeout)."""
    world = _world
    if world is None:
        return sys.__excepthook__(kind, exc, tb)
    world.previous_excepthook(kind, exc, tb)
    sys.stderr.write(
        f"nn.distributed: rank {world.rank} of {world.size} failed with {kind.__name__}; "
        "aborting every rank (MPI_Abort)\n"
    )
    sys.stderr.flush()
    time.sleep(0.5)  # mpiexec forwards output through pipes: let it pass this before the abort
    world.comm.Abort(1)


def destroy_process_group() -> None:
    """Leave the group (the MPI library itself is finalized when the process exits)."""
    global _world
    if _world is None:
        raise RuntimeError("destroy_process_group: the process group is not initialized")
    if sys.excepthook is _abort_on_uncaught_exception:
        sys.excepthook = _world.previous_excepthook
    _world = None


def is_initialized() -> bool:
    return _world is not None


def is_available() -> bool:
    """Whether MPI (the ``gategrad[mpi]`` extra) can be used here."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def world(op: str) -> _World:
    """The initialized group, or an error naming ``op``."""
    if _world is None:
        raise RuntimeError(
            f"{op}: the process group is not initialized; call "
            "nn.distributed.init_process_group() first"
        )
    return _world


def get_rank() -> int:
    """This process's rank (0 when not initialized, as for a world of one)."""
    return 0 if _world is None else _world.rank


def get_world_size() -> int:
    """How many processes take part (1 when not initialized)."""
    return 1 if _world is None else _world.size


def wait(requests: list[Any], what: str) -> None:
    """Wait for MPI requests, polling, until the group's timeout: then raise
    ``DistributedTimeoutError`` naming ``what``. Polls spin for the first 0.2 ms (a collective on
    one machine takes microseconds), then back off to 1 ms sleeps, leaving the core to others."""
    from mpi4py import MPI

    w = world(what)
    test_all = MPI.Request.Testall
    if test_all(requests):
        return
    start = time.monotonic()
    deadline, spin_until = start + w.timeout, start + 2e-4
    pause = 2e-5
    while not test_all(requests):
        now = time.monotonic()
        if now > deadline:
            raise DistributedTimeoutError(
                f"{what}: rank {w.rank} waited {w.timeout:g} s for the other ranks, in vain "
                f"(a rank failed, hung or skipped this collective); the world has {w.size} ranks"
            )
        if now > spin_until:
            time.sleep(pause)
            pause = min(1e-3, pause * 2)
