"""Keep the memory of freed large arrays inside the process (glibc's malloc), so that the next
array of the same size reuses it instead of page-faulting fresh memory in from the kernel.

Why: a training step allocates and frees the same large arrays every step (activations, im2col
matrices, gradients). glibc serves a block above its mmap threshold (128 KiB at first, raised
only as far as the largest block freed so far) with a fresh ``mmap``, and hands the free top of
its heap back with ``brk`` as soon as it passes the trim threshold (twice the mmap threshold).
Either way the next step faults the same memory in again, one zeroed 4 KiB page at a time.
Measured on the W4 CNN step (``benchmarks/``, one core): 6,100 page faults and 18 ms of a 48 ms
step spent in the kernel; with this setting no faults and 24 ms. PyTorch's CPU allocator pays
the same faults (W4: 1,100 per step); it makes fewer temporaries.

The setting: blocks up to 32 MiB (glibc's largest mmap threshold on 64-bit) come from the heap,
and up to 1 GiB of free heap is kept for reuse before any is returned. Peak memory is what the
program's arrays need, as before; what changes is that freed memory stays with the process (up
to that 1 GiB) instead of going back to the system between steps. ``GATEGRAD_MALLOC=system`` in
the environment before ``import autograd`` leaves glibc's own policy alone. Elsewhere (macOS,
musl, Windows) this does nothing.
"""

from __future__ import annotations

import ctypes
import os

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (malloc.h)
_KEEP = ((_M_MMAP_THRESHOLD, 32 << 20), (_M_TRIM_THRESHOLD, 1 << 30))


def _libc() -> ctypes.CDLL | None:
    try:  # "glibc 2.36" where glibc is the C library; an error or something else elsewhere
        if not os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc"):
            return None
        return ctypes.CDLL("libc.so.6")
    except (ValueError, OSError, AttributeError):
        return None


def keep_freed_memory() -> bool:
    """Keep freed blocks up to 32 MiB, and up to 1 GiB of free heap, for reuse by the next arrays
    (what ``import autograd`` does unless ``GATEGRAD_MALLOC=system``). Returns whether the
    setting took effect (glibc only). glibc's dynamic thresholds cannot be switched back on
    within a process: set the variable before importing to keep them."""
    libc = _libc()
    return libc is not None and all(libc.mallopt(k, v) == 1 for k, v in _KEEP)


def _at_import() -> None:
    if os.environ.get("GATEGRAD_MALLOC", "keep").strip().lower() != "system":
        keep_freed_memory()
