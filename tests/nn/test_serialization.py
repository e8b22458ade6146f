"""Checkpoints: exact round trips, atomic writes, and corrupted files always rejected.

Figures (single-bit flips, truncations, kill trials) are printed with ``pytest -s``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import signal
import struct
import subprocess
import sys
import textwrap
import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
import nn
from nn.serialization import CheckpointError, dumps, loads

from .save_kills import ROOT, first_checkpoint, kill_during_save, split_fdopen

# --- helpers ------------------------------------------------------------------------------------


def same(a, b, path="root") -> None:
    """Exact structural equality: same container types, keys in order, array types, dtypes, shapes
    and bytes; NaN equals NaN."""
    assert type(a) is type(b) or (isinstance(a, ag.Tensor) and isinstance(b, ag.Tensor)), (
        f"{path}: {type(a).__name__} != {type(b).__name__}"
    )
    if isinstance(a, dict):
        assert list(a) == list(b), f"{path}: keys {list(a)} != {list(b)}"
        for k in a:
            same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(a, ag.Tensor):
        assert a.requires_grad == b.requires_grad, path
        same(a.data, b.data, path)
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and a.shape == b.shape, (
            f"{path}: {a.dtype}{a.shape} != {b.dtype}{b.shape}"
        )
        assert a.tobytes() == b.tobytes(), f"{path}: values differ"
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), path
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def sample_checkpoint() -> dict:
    rng = np.random.default_rng(0)
    w = ag.tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    gen = ag.Generator(7)
    gen.rng.random(3)
    return {
        "model": {
            "fc1.weight": w,
            "fc1.bias": ag.tensor(np.zeros(3, np.float32)),
            "bn.running_mean": ag.tensor(rng.standard_normal(3)),  # float64
            "bn.num_batches_tracked": ag.tensor(np.array(12, dtype=np.int64)),
        },
        "optimizer": {
            "state": {0: {"step": 3, "exp_avg": rng.standard_normal((4, 3)).astype(np.float32)}},
            "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "params": [0, 1]}],
        },
        "step": 50,
        "rng": gen.get_state(),
        "loader": {"order": rng.permutation(10), "position": 2},
        "flags": [True, False, None],
        "scalars": {"np64": np.float64(0.1), "np32": np.float32(2.5), "npint": np.int16(-3)},
        "nonfinite": [math.inf, -math.inf, math.nan],
        "text": 'héllo "quoted" \\ and \x01',
        "empty": {"list": [], "dict": {}, "array": np.zeros((0, 5), np.uint8)},
        "masks": np.array([[True, False]]),
        "big_int": 2**100,
    }


def _assemble(header: dict, payload: bytes) -> bytes:
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + payload


def _split(data: bytes) -> tuple[dict, bytes]:
    (n,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8 : 8 + n]), data[8 + n :]


def _rehash(header: dict, structure: dict) -> None:
    """Re-sign edited metadata, so only the other checks can catch the edit."""
    text = json.dumps(structure)
    header["__metadata__"]["structure"] = text
    header["__metadata__"]["structure_sha256"] = hashlib.sha256(text.encode()).hexdigest()


ORIGINAL = sample_checkpoint()
BLOB = dumps(ORIGINAL)


def _rejected_or_same(data: bytes) -> bool:
    """True if ``data`` is rejected with CheckpointError; False if it loads to the original.
    Anything else (another exception, different data) fails the test."""
    try:
        got = loads(data)
    except CheckpointError:
        return True
    same(got, ORIGINAL)
    return False


# --- round trips --------------------------------------------------------------------------------


def test_round_trip_is_exact(tmp_path):
    path = tmp_path / "ck.safetensors"
    nn.save(ORIGINAL, path)
    got = nn.load(path)
    same(got, ORIGINAL)
    assert isinstance(got["model"]["fc1.weight"], ag.Tensor)
    assert isinstance(got["loader"]["order"], np.ndarray)
    assert isinstance(got["optimizer"]["state"], dict) and 0 in got["optimizer"]["state"]
    assert got["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert type(got["scalars"]["np64"]) is np.float64
    got["model"]["fc1.weight"].data[0, 0] = 123.0  # loaded arrays are writable and owned
    gen = ag.Generator()
    gen.set_state(got["rng"])
    ref = ag.Generator(7)
    ref.rng.random(3)
    assert gen.rng.random() == ref.rng.random()


def test_file_is_standard_safetensors():
    import safetensors.numpy

    arrays = safetensors.numpy.load(BLOB)
    np.testing.assert_array_equal(arrays["model.fc1.weight"], ORIGINAL["model"]["fc1.weight"].data)
    header, _ = _split(BLOB)
    assert header["__metadata__"]["format"] == "gategrad-checkpoint"
    assert header["__metadata__"]["version"] == "1"
    assert b"pickle" not in BLOB and b"__reduce__" not in BLOB


@pytest.mark.parametrize(
    "bad",
    [
        {"f": lambda x: x},
        {"o": object()},
        {(1, 2): 3},
        {"c": np.array([1 + 2j])},
        {"s": {1, 2}},
        {"a": np.array(["x"])},
    ],
    ids=["function", "object", "tuple-key", "complex", "set", "str-array"],
)
def test_unsupported_values_raise_before_writing(tmp_path, bad):
    path = tmp_path / "ck"
    with pytest.raises(TypeError):
        nn.save(bad, path)
    assert not path.exists() and not list(tmp_path.iterdir())


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "nope")


# --- atomicity ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fail_at", ["replace", "fsync", "write"])
def test_failed_save_keeps_previous_checkpoint(tmp_path, monkeypatch, fail_at):
    path = tmp_path / "ck"
    nn.save({"step": 1, "w": np.ones(3)}, path)

    def boom(*a, **k):
        raise KeyboardInterrupt("simulated crash")  # BaseException, like a signal

    if fail_at == "write":
        import nn.serialization as ser

        # half the bytes reach the disk, then crash
        monkeypatch.setattr(ser.os, "fdopen", split_fdopen(boom))
    else:
        monkeypatch.setattr(os, fail_at, boom)
    with pytest.raises(KeyboardInterrupt):
        nn.save({"step": 2, "w": np.zeros(3)}, path)
    monkeypatch.undo()
    got = nn.load(path)
    assert got["step"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck"]  # the temp file was removed


def test_kill_during_save_leaves_a_loadable_checkpoint(tmp_path):
    """SIGKILL a process that saves 8 MB checkpoints in a loop, at random moments, until enough
    kills have landed inside a save (after its temporary file was created, before it replaced
    the checkpoint; the temporary file is left behind): each time the path holds a complete
    checkpoint, the previous or the new one (``save_kills.kill_during_save`` checks it)."""
    wanted = int(os.environ.get("GATEGRAD_KILL_TRIALS", "3"))  # kills that must land mid-save
    path = tmp_path / "ck"
    first_checkpoint(path)
    rng = np.random.default_rng(0)
    outcomes = []
    while sum(o.mid_save for o in outcomes) < wanted and len(outcomes) < 40 * wanted:
        outcomes.append(kill_during_save(path, float(rng.uniform(0.0, 0.25))))
    print(
        f"\nkill-during-save: {len(outcomes)} trials, steps reached "
        f"{[o.step for o in outcomes]}, killed inside a save {sum(o.mid_save for o in outcomes)} "
        f"(of which with a partly written file {sum(o.mid_write for o in outcomes)})"
    )
    assert max(o.step for o in outcomes) > 0  # the writer really ran (else the test is vacuous)
    assert sum(o.mid_save for o in outcomes) >= wanted  # and the kills landed inside saves


_HALF_WRITER = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    import nn, nn.serialization as ser
    from tests.nn.save_kills import split_fdopen

    def pause():  # half the bytes are on disk: say so, and wait for the kill
        print("half", flush=True)
        time.sleep(60)

    ser.os.fdopen = split_fdopen(pause)
    nn.save({"step": 2, "w": np.zeros(1000)}, sys.argv[1])
    """
)


def test_a_kill_mid_write_leaves_the_previous_checkpoint(tmp_path):
    """Deterministically mid-write: the writer announces that half its bytes are on disk and
    is SIGKILLed there. The path still holds the previous checkpoint; the partial temporary
    file is left, and the next save removes it."""
    path = tmp_path / "ck"
    nn.save({"step": 1, "w": np.ones(1000)}, path)
    proc = subprocess.Popen(
        [sys.executable, "-c", _HALF_WRITER, str(path)], stdout=subprocess.PIPE, cwd=ROOT
    )
    try:
        assert proc.stdout.readline().strip() == b"half"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    (temp,) = [p for p in tmp_path.iterdir() if p.name != "ck"]
    assert 0 < temp.stat().st_size < len(dumps({"step": 2, "w": np.zeros(1000)}))
    assert nn.load(path)["step"] == 1
    nn.save({"step": 3, "w": np.ones(1000)}, path)
    assert [p.name for p in tmp_path.iterdir()] == ["ck"]


# --- corruption: exhaustive single faults -------------------------------------------------------


def test_every_truncation_is_rejected():
    for n in range(len(BLOB)):
        with pytest.raises(CheckpointError):
            loads(BLOB[:n])
    print(f"\ntruncations rejected: {len(BLOB)} of {len(BLOB)}")


def test_every_single_bit_flip_is_rejected_or_harmless():
    """One bit per byte (cycling through the 8 positions); all 8 bits of every byte with
    HYPOTHESIS_PROFILE=thorough."""
    thorough = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
    data = bytearray(BLOB)
    rejected = harmless = 0
    for i in range(len(data)):
        for bit in range(8) if thorough else [i % 8]:
            data[i] ^= 1 << bit
            if _rejected_or_same(bytes(data)):
                rejected += 1
            else:
                harmless += 1
            data[i] ^= 1 << bit
    print(
        f"\nsingle-bit flips over {len(BLOB)} bytes: {rejected} rejected, {harmless} loaded unchanged"
    )
    assert rejected + harmless == (8 if thorough else 1) * len(BLOB)
    assert harmless <= (rejected + harmless) // 100  # only bits JSON ignores may slip through


def test_payload_flip_is_caught_by_checksum():
    header, payload = _split(BLOB)
    data = bytearray(BLOB)
    data[len(data) - len(payload) + 5] ^= 0x10
    with pytest.raises(CheckpointError, match="checksum"):
        loads(bytes(data))


def test_trailing_garbage_is_rejected():
    with pytest.raises(CheckpointError, match="more data"):
        loads(BLOB + b"\0")


# --- corruption: hypothesis --------------------------------------------------------------------


@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(BLOB) - 1), st.binary(min_size=1, max_size=16)),
        min_size=1,
        max_size=5,
    ),
    cut=st.one_of(st.none(), st.integers(0, len(BLOB))),
)
def test_fuzz_random_overwrites_and_cuts(edits, cut):
    data = bytearray(BLOB)
    for pos, chunk in edits:
        data[pos : pos + len(chunk)] = chunk
    if cut is not None:
        del data[cut:]
    _rejected_or_same(bytes(data))


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@given(data=st.data(), value=_JSON_VALUES, resign=st.booleans())
def test_fuzz_header_json_edits(data, value, resign):
    """Replace one value anywhere in the header's JSON and re-assemble a well-formed file.

    With ``resign``, the edit is in our array table and the metadata checksum is recomputed, so
    the cross-checks against the safetensors entries and the array checksums must catch it.
    (Edits elsewhere in a re-signed structure are a forgery the checksum cannot detect: it
    guards against corruption and careless edits, not against an attacker, who would need a
    signature key to be stopped.)"""
    header, payload = _split(BLOB)
    structure = json.loads(header["__metadata__"]["structure"])
    target = structure["tensors"] if resign else header
    paths = []

    def walk(node, path):
        paths.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, (*path, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, (*path, i))

    walk(target, ())
    path = data.draw(st.sampled_from(paths[1:]))
    node = target
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    if resign:
        _rehash(header, structure)
    try:
        blob = _assemble(header, payload)
    except ValueError:  # json.dumps of NaN is fine; circular structures can't occur
        return
    _rejected_or_same(blob)


# --- declared sizes and versions ---------------------------------------------------------------


def test_huge_declared_sizes_are_refused_before_allocating():
    header, payload = _split(BLOB)
    structure = json.loads(header["__metadata__"]["structure"])
    name = "model.fc1.weight"
    huge_shape = [2**20, 2**20, 2**10]  # 4 PiB of float32
    header[name]["shape"] = huge_shape
    begin = header[name]["data_offsets"][0]
    header[name]["data_offsets"] = [begin, begin + 4 * math.prod(huge_shape)]
    structure["tensors"][name]["shape"] = huge_shape
    _rehash(header, structure)
    cases = {
        "array": _assemble(header, payload),
        "header length": struct.pack("<Q", 2**62) + BLOB[8:],
        "header length just over": struct.pack("<Q", len(BLOB) - 7) + BLOB[8:],
    }
    for what, blob in cases.items():
        tracemalloc.start()
        with pytest.raises(CheckpointError, match="truncated|declares"):
            loads(blob)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 1_000_000, f"{what}: allocated {peak} bytes before refusing"


def test_wrong_format_or_version_is_named():
    header, payload = _split(BLOB)
    header["__metadata__"]["version"] = "2"
    with pytest.raises(CheckpointError, match="version '2' is not supported"):
        loads(_assemble(header, payload))
    header["__metadata__"] = {"format": "pt"}
    with pytest.raises(CheckpointError, match="not a gategrad checkpoint"):
        loads(_assemble(header, payload))
    import safetensors.numpy

    with pytest.raises(CheckpointError, match="not a gategrad checkpoint"):
        loads(safetensors.numpy.save({"w": np.zeros(2)}))


def test_metadata_disagreeing_with_arrays_is_rejected():
    header, payload = _split(BLOB)
    structure = json.loads(header["__metadata__"]["structure"])
    structure["tensors"]["model.fc1.weight"]["dtype"] = "int32"  # same size, other dtype
    _rehash(header, structure)
    with pytest.raises(CheckpointError, match="dtype 'F32' in the file, 'int32' in the metadata"):
        loads(_assemble(header, payload))
    structure["tensors"]["model.fc1.weight"].update(dtype="float32", shape=[3, 4])
    _rehash(header, structure)
    with pytest.raises(CheckpointError, match="shape"):
        loads(_assemble(header, payload))


def test_error_names_the_file(tmp_path):
    path = tmp_path / "ck"
    path.write_bytes(BLOB[:100])
    with pytest.raises(CheckpointError, match=str(path)):
        nn.load(path)
