"""Checkpoint files as a careful user expects them: permission bits, symlinks, non-regular
files, size caps, temporary files, fsync of the file and its folder, and the TypeError for
values a checkpoint cannot hold. Each test fails if the behaviour it names is removed."""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import sys
import threading
import time
import tracemalloc

import numpy as np
import pytest

import nn
import nn.serialization as ser
from nn.serialization import MAX_DEPTH, CheckpointError, dumps

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file semantics")


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask():
    """Set a umask for one test (and put the old one back)."""
    old = os.umask(0o022)
    os.umask(old)
    yield lambda mask: os.umask(mask)
    os.umask(old)


# --- permission bits ----------------------------------------------------------------------------


@posix_only
def test_saving_over_a_file_keeps_its_permission_bits(tmp_path, umask):
    umask(0o022)
    path = tmp_path / "private.ckpt"
    nn.save({"step": 1}, path)
    os.chmod(path, 0o600)
    nn.save({"step": 2}, path)
    assert _mode(path) == 0o600  # not made world-readable
    os.chmod(path, 0o664)
    nn.save({"step": 3}, path)
    assert _mode(path) == 0o664 and nn.load(path)["step"] == 3


@posix_only
@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_the_umask_mode(tmp_path, umask, mask):
    umask(mask)
    path = tmp_path / "new.ckpt"
    nn.save({"step": 1}, path)
    assert _mode(path) == 0o666 & ~mask  # what open(path, "wb") would have given it


# --- symlinks -----------------------------------------------------------------------------------


@posix_only
def test_saving_to_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path):
    real_dir, link_dir = tmp_path / "runs", tmp_path / "latest"
    real_dir.mkdir()
    link_dir.mkdir()
    target = real_dir / "run1.ckpt"
    nn.save({"step": 1}, target)
    os.chmod(target, 0o640)
    link = link_dir / "current.ckpt"
    link.symlink_to(target)
    nn.save({"step": 2}, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert nn.load(target)["step"] == 2 and nn.load(link)["step"] == 2
    assert _mode(target) == 0o640
    assert sorted(p.name for p in link_dir.iterdir()) == ["current.ckpt"]  # no temp beside link
    assert sorted(p.name for p in real_dir.iterdir()) == ["run1.ckpt"]


@posix_only
def test_saving_to_a_chain_of_symlinks_and_a_dangling_one(tmp_path):
    target = tmp_path / "a.ckpt"
    (tmp_path / "b").symlink_to(target)  # dangling until the first save
    (tmp_path / "c").symlink_to(tmp_path / "b")
    nn.save({"step": 1}, tmp_path / "c")
    assert (tmp_path / "c").is_symlink() and (tmp_path / "b").is_symlink()
    assert nn.load(target)["step"] == 1


# --- what a save refuses to replace -------------------------------------------------------------


def test_saving_onto_a_folder_is_refused(tmp_path):
    folder = tmp_path / "ckpt"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match="is a directory"):
        nn.save({"step": 1}, folder)
    assert folder.is_dir() and list(tmp_path.iterdir()) == [folder]


@posix_only
def test_saving_onto_a_fifo_is_refused_and_leaves_it(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(FileExistsError, match="FIFO"):
        nn.save({"step": 1}, fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and list(tmp_path.iterdir()) == [fifo]


# --- loading non-regular files ------------------------------------------------------------------


@posix_only
def test_loading_a_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def unblock():  # if load waited for a writer, this frees it after 5 s (and the test fails)
        time.sleep(5)
        _open_as_writer(fifo)

    threading.Thread(target=unblock, daemon=True).start()
    start = time.perf_counter()
    with pytest.raises(CheckpointError, match="FIFO"):
        nn.load(fifo)
    assert time.perf_counter() - start < 2.0


def _open_as_writer(fifo) -> None:
    with contextlib.suppress(OSError):  # no reader waiting (ENXIO): nothing to free
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


@posix_only
@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_loading_a_device_is_refused_before_reading():
    tracemalloc.start()
    with pytest.raises(CheckpointError, match="character device"):
        nn.load("/dev/zero")  # endless zeros: reading it would never stop
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1_000_000


def test_loading_a_folder_is_refused(tmp_path):
    with pytest.raises((CheckpointError, IsADirectoryError), match="directory"):
        nn.load(tmp_path)


# --- sizes: checked before the data is read -----------------------------------------------------


def _big_checkpoint(path, mb: int = 16) -> int:
    nn.save({"w": np.zeros(mb * 2**20 // 8)}, path)
    return os.path.getsize(path)


def _peak_while(fn) -> int:
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_a_bad_header_is_refused_before_the_data_is_read(tmp_path):
    path = tmp_path / "big.ckpt"
    size = _big_checkpoint(path)
    data = bytearray(path.read_bytes())
    version = data.index(b'"version":"1"')
    data[version + 11] = ord("2")
    path.write_bytes(bytes(data))

    def refused():
        with pytest.raises(CheckpointError, match="version '2'"):
            nn.load(path)

    assert _peak_while(refused) < size // 8  # the 16 MB of data were never read


def test_a_header_declaring_more_than_the_file_holds_costs_nothing(tmp_path):
    path = tmp_path / "big.ckpt"
    _big_checkpoint(path)
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) - 1)  # one byte short: the array no longer fits

    def refused():
        with pytest.raises(CheckpointError, match="truncated"):
            nn.load(path)

    assert _peak_while(refused) < 1_000_000


def test_max_bytes_caps_the_file_size(tmp_path):
    path = tmp_path / "big.ckpt"
    size = _big_checkpoint(path)

    def refused():
        with pytest.raises(CheckpointError, match=f"{size} bytes, over max_bytes=1000000"):
            nn.load(path, max_bytes=1_000_000)

    assert _peak_while(refused) < 1_000_000
    assert nn.load(path, max_bytes=size)["w"].shape == (2 * 2**20,)


# --- temporary files ----------------------------------------------------------------------------


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_the_next_save_removes_temporary_files_of_killed_saves(tmp_path):
    path = tmp_path / "ck"
    nn.save({"step": 1}, path)
    stale = [
        tmp_path / f".ck.{_dead_pid()}-a1b2c3.tmp",  # a save whose process is gone
        tmp_path / ".ck.k3x_9qz.tmp",  # tempfile's naming, as older versions wrote them
    ]
    live = tmp_path / f".ck.{os.getppid()}-d4e5f6.tmp"  # a save still running elsewhere
    other = tmp_path / f".ck2.{_dead_pid()}-a1b2c3.tmp"  # a temp of another checkpoint
    for p in [*stale, live, other]:
        p.write_bytes(dumps({"step": 99}))  # complete, newer-looking files
    assert nn.load(path)["step"] == 1  # a temporary file is never read in the path's place
    nn.save({"step": 2}, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["ck", live.name, other.name])
    assert nn.load(path)["step"] == 2


def test_remove_stale_temps_names_what_it_removed(tmp_path):
    path = tmp_path / "ck"
    stale = tmp_path / f".ck.{_dead_pid()}-ff.tmp"
    stale.write_bytes(b"partial")
    assert ser.remove_stale_temps(path) == [str(stale)]
    assert not stale.exists()


# --- durability: the file and its folder are fsynced, in that order around the rename ----------


@posix_only
def test_save_fsyncs_the_file_then_renames_then_fsyncs_the_folder(tmp_path, monkeypatch):
    path = tmp_path / "ck"
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            events.append(("fsync dir", st.st_ino))
        else:
            events.append(("fsync file", st.st_size))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", os.path.basename(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    data = dumps({"step": 1})
    nn.save({"step": 1}, path)
    assert events == [
        ("fsync file", len(data)),  # every byte is on disk before the rename
        ("replace", "ck"),
        ("fsync dir", os.stat(tmp_path).st_ino),  # and the rename itself is made durable
    ]


# --- values a checkpoint cannot hold: TypeError, before anything is written ---------------------


def _nested(depth: int, kind: str):
    obj: object = 0
    for _ in range(depth):
        obj = [obj] if kind == "list" else {"k": obj}
    return obj


def _self_containing_list():
    a: list = [1]
    a.append(a)
    return a


def _self_containing_dict():
    d: dict = {"a": {}}
    d["a"]["back"] = d
    return d


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (_self_containing_list(), r"list at 1 contains itself"),
        (_self_containing_dict(), r"dict at a\.back contains itself"),
        (_nested(500, "list"), "nested more than 100 levels"),
        (_nested(500, "dict"), "nested more than 100 levels"),
        (10**5000, "has 16610 bits"),
        ({10**5000: 1}, "has 16610 bits"),
        ([2**4096], "has 4097 bits"),
    ],
    ids=["list-cycle", "dict-cycle", "deep-list", "deep-dict", "huge-int", "huge-key", "int-4097"],
)
def test_unstorable_structures_raise_type_error_before_writing(tmp_path, value, message):
    path = tmp_path / "ck"
    with pytest.raises(TypeError, match=message):
        nn.save(value, path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["list", "dict"])
def test_the_deepest_and_largest_allowed_values_round_trip(tmp_path, kind):
    value = {"deep": _nested(MAX_DEPTH - 1, kind), "big": 2**4096 - 1, "neg": -(2**4096) + 1}
    shared = [1, 2]
    value["shared"] = [shared, shared]  # the same list twice is not a cycle
    nn.save(value, tmp_path / "ck")
    assert nn.load(tmp_path / "ck") == {**value, "shared": [[1, 2], [1, 2]]}
