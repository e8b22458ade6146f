"""Kill a process in the middle of ``nn.save`` (used by the tests and by ``make soak``).

A writer process saves 8 MB checkpoints to one path in a loop; it is SIGKILLed at a random
moment; then the path must hold a complete checkpoint, the previous one or the new one, and a
temporary file left behind shows the kill landed inside a save.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import nn
from nn.serialization import dumps

ROOT = Path(__file__).resolve().parents[2]
BASE = np.arange(1_000_000, dtype=np.float64)  # 8 MB: a save takes long enough to be hit

WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    import safetensors.numpy  # imported before "ready", so the kill lands during saves
    import nn
    path = sys.argv[1]
    base = np.arange(1_000_000, dtype=np.float64)
    print("ready", flush=True)
    step = 1
    while True:
        nn.save({"step": step, "w": base + step}, path)
        step += 1
    """
)


_real_fdopen = os.fdopen


class SplitFile:
    """A real file whose one write is made in two halves, calling ``between()`` once the first
    half is on disk: a crash (or a pause for a kill) in the middle of a save's write."""

    def __init__(self, f: Any, between: Callable[[], None]) -> None:
        self.f, self.between = f, between

    def __enter__(self) -> SplitFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.f.close()

    def write(self, data: bytes) -> None:
        self.f.write(data[: len(data) // 2])
        self.f.flush()
        self.between()
        self.f.write(data[len(data) // 2 :])

    def flush(self) -> None:
        self.f.flush()

    def fileno(self) -> int:
        return self.f.fileno()


def split_fdopen(between: Callable[[], None]) -> Callable[[int, str], SplitFile]:
    """A stand-in for ``os.fdopen`` (as ``nn.serialization`` calls it) giving SplitFiles."""
    return lambda fd, mode: SplitFile(_real_fdopen(fd, mode), between)


@dataclass
class Outcome:
    step: int  # the step of the checkpoint found after the kill
    mid_save: bool  # a temporary file was left: killed after it was made, before the rename
    mid_write: bool  # ... and it held part of the bytes


def first_checkpoint(path: Path) -> None:
    nn.save({"step": 0, "w": BASE}, path)


def kill_during_save(path: Path, delay: float) -> Outcome:
    """Start a writer, let it save for ``delay`` seconds, SIGKILL it, check the checkpoint at
    ``path`` (AssertionError if it is not complete and consistent) and remove its leftovers."""
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, cwd=ROOT
    )
    try:
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    got = nn.load(path)  # the previous or the new checkpoint, complete
    np.testing.assert_array_equal(got["w"], BASE + got["step"])
    full_size = len(dumps({"step": got["step"], "w": BASE}))
    mid_save = mid_write = False
    for p in path.parent.iterdir():
        if p.name != path.name:
            assert p.name.startswith(f".{path.name}.") and p.name.endswith(".tmp"), p.name
            mid_save = True
            mid_write |= 0 < p.stat().st_size < full_size
            os.unlink(p)
    return Outcome(got["step"], mid_save, mid_write)
