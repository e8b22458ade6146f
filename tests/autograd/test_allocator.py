"""``import autograd`` keeps freed large blocks in the process (glibc): a loop that allocates and
frees the same large arrays stops page-faulting them in again; ``GATEGRAD_MALLOC=system`` leaves
glibc's policy alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from autograd import _allocator

glibc = pytest.mark.skipif(_allocator._libc() is None, reason="the setting is glibc's")

# Twenty 2 MiB arrays made and freed ten times: glibc by default gives the freed 40 MiB back to
# the kernel each round (it is above its trim threshold) and faults it in again the next.
_LOOP = """
import json, resource, numpy as np
import autograd
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
def round_():
    arrays = [np.ones(1 << 19, dtype=np.float32) for _ in range(20)]
    del arrays
round_()
before = faults()
for _ in range(10):
    round_()
print(json.dumps(faults() - before))
"""


def _faults(**env: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _LOOP], env={**os.environ, **env}, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return int(json.loads(out.stdout.strip().splitlines()[-1]))


@glibc
def test_freed_arrays_are_reused_without_page_faults():
    system = _faults(GATEGRAD_MALLOC="system")
    kept = _faults()
    assert system > 10 * 20 * 100  # 10 rounds of 20 arrays of 512 pages each, most faulted again
    assert kept < system / 20


@glibc
def test_the_setting_reports_success():
    assert _allocator.keep_freed_memory() is True
