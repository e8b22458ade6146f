"""CIFAR-10: both official releases on synthetic files, the allow-list unpickler, exact record
counts, and the torchvision transform order on its HWC images."""

from __future__ import annotations

import os
import pickle
import pickletools
import struct
import warnings

import numpy as np
import pytest

import nn
from nn.data import CIFAR10, DataLoader
from nn.data import datasets as D
from nn.data import transforms as T
from nn.data.cifar import CifarUnpickler, load_cifar_pickle, write_synthetic_cifar10

PY_TRAIN = [f"data_batch_{i}" for i in range(1, 6)]
BIN_TRAIN = [f"data_batch_{i}.bin" for i in range(1, 6)]


def _batch(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n random records: labels (n,) and pixel rows (n, 3072) in the files' R, G, B plane order."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 10, n), rng.integers(0, 256, (n, 3072), dtype=np.uint8)


def _hwc(rows: np.ndarray) -> np.ndarray:
    return rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


# --- pickles as the release and today's Python write them -------------------------------------


def _short(s: bytes) -> bytes:  # SHORT_BINSTRING: a Python 2 str of < 256 bytes
    return b"U" + bytes([len(s)]) + s


def _int(v: int) -> bytes:  # BININT1 / BININT2 / BININT, as cPickle picks them
    if 0 <= v < 256:
        return b"K" + bytes([v])
    if 0 <= v < 65536:
        return b"M" + struct.pack("<H", v)
    return b"J" + struct.pack("<i", v)


def py2_cpickle_batch(labels, rows, batch_label: bytes, filenames) -> bytes:
    """A batch dict exactly as Python 2.7's cPickle (protocol 2) writes the release's files with
    NumPy 1.x: str keys and values as SHORT_BINSTRING/BINSTRING (Python 2 str, no _codecs), the
    array as numpy.core.multiarray._reconstruct + BUILD with a (1, shape, dtype, False, raw)
    state, dtype('u1', 0, 1) + BUILD (3, '|', None, None, None, -1, -1, 0), labels as a list of
    BININT1s in one APPENDS, keys in the order the release's dicts list them."""
    n = len(labels)
    out = bytearray(b"\x80\x02")
    memo = iter(range(1, 10_000))  # cPickle numbers its memo from 1, in stream order

    def emit(*parts: bytes, put: bool = False) -> None:
        out.extend(b"".join(parts))
        if put:  # BINPUT: cPickle memoizes the objects it may meet again
            out.extend(b"q" + bytes([next(memo)]))

    emit(b"}", put=True)
    emit(b"(")  # MARK: the dict's items, set by SETITEMS at the end
    emit(_short(b"batch_label"), put=True)
    emit(_short(batch_label), put=True)
    emit(_short(b"labels"), put=True)
    emit(b"]", put=True)
    emit(b"(", *(_int(int(v)) for v in labels), b"e")  # MARK ints APPENDS
    emit(_short(b"data"), put=True)
    emit(b"cnumpy.core.multiarray\n_reconstruct\n", put=True)
    emit(b"cnumpy\nndarray\n", put=True)
    emit(
        _int(0), b"\x85", _short(b"b"), b"\x87", b"R", put=True
    )  # _reconstruct(ndarray, (0,), 'b')
    emit(b"(", _int(1), _int(n), _int(3072), b"\x86")  # state: version 1, shape (n, 3072), ...
    emit(b"cnumpy\ndtype\n", put=True)
    emit(_short(b"u1"), _int(0), _int(1), b"\x87", b"R", put=True)  # dtype('u1', 0, 1)
    emit(b"(", _int(3), _short(b"|"), b"NNN", b"J\xff\xff\xff\xff" * 2, _int(0), b"tb")
    emit(b"\x89")  # ... not Fortran order, ...
    emit(b"T", struct.pack("<I", rows.nbytes), rows.tobytes())  # ... and the pixels (BINSTRING)
    emit(b"tb")
    emit(_short(b"filenames"), put=True)
    emit(b"]", put=True)
    emit(b"(", *(_short(f) for f in filenames), b"e")
    emit(b"u.")  # SETITEMS, STOP
    return bytes(out)


def _py3_batch(labels, rows, protocol: int, numpy_core_name: str | None = None) -> bytes:
    """The same dict (bytes keys) pickled by this Python and NumPy; ``numpy_core_name`` renames
    the array rebuilder's module to what NumPy 1.x writes."""
    batch = {
        b"batch_label": b"training batch",
        b"labels": [int(v) for v in labels],
        b"data": rows,
        b"filenames": [f"img_{i}.png".encode() for i in range(len(labels))],
    }
    raw = pickle.dumps(batch, protocol=protocol)
    if numpy_core_name is not None:
        raw = raw.replace(b"cnumpy._core.multiarray\n", f"c{numpy_core_name}\n".encode())
    return raw


def _write_python_release(folder, n, writer, seed=0):
    os.makedirs(folder, exist_ok=True)
    expected = {}
    for k, name in enumerate(PY_TRAIN + ["test_batch"]):
        labels, rows = _batch(n, seed + k)
        (folder / name).write_bytes(writer(labels, rows, k))
        expected[name] = (labels, rows)
    return expected


def _check_python_release(root, expected, n):
    train = CIFAR10(root, train=True, records_per_file=n)
    test = CIFAR10(root, train=False, records_per_file=n)
    assert train.format == test.format == "python"
    assert len(train) == 5 * n and len(test) == n
    assert train.data.shape == (5 * n, 32, 32, 3) and train.data.dtype == np.uint8
    labels, rows = expected["data_batch_2"]
    np.testing.assert_array_equal(train.data[n : 2 * n], _hwc(rows))
    np.testing.assert_array_equal(train.targets[n : 2 * n], labels)
    img, label = test[1]
    np.testing.assert_array_equal(img, _hwc(expected["test_batch"][1])[1])
    assert label == expected["test_batch"][0][1]
    # the red plane is the first 1,024 bytes of a row: pixel (0, 1) red is byte 1
    assert img[0, 1, 0] == expected["test_batch"][1][1, 1]
    assert img[0, 1, 2] == expected["test_batch"][1][1, 2048 + 1]  # blue: bytes 2048...


def test_reads_the_python_release_as_python_2_wrote_it(tmp_path):
    def writer(labels, rows, k):
        names = [f"image_{k}_{i}.png".encode() for i in range(len(labels))]
        return py2_cpickle_batch(labels, rows, f"training batch {k + 1} of 5".encode(), names)

    folder = tmp_path / "cifar-10-batches-py"
    expected = _write_python_release(folder, 4, writer)
    raw = (folder / "data_batch_1").read_bytes()
    ops = {op.name for op, _, _ in pickletools.genops(raw)}  # a well-formed pickle ...
    assert {"BINSTRING", "SHORT_BINSTRING", "GLOBAL", "REDUCE", "BUILD"} <= ops
    assert "BINUNICODE" not in ops  # ... of Python 2 strs only
    assert raw.startswith(b"\x80\x02}q\x01(U\x0bbatch_label")
    with warnings.catch_warnings():  # the full unpickler agrees (numpy.core is deprecated)
        warnings.simplefilter("ignore", DeprecationWarning)
        plain = pickle.loads(raw, encoding="bytes")
    assert sorted(plain) == [b"batch_label", b"data", b"filenames", b"labels"]
    np.testing.assert_array_equal(plain[b"data"], expected["data_batch_1"][1])
    _check_python_release(tmp_path, expected, 4)
    batch = load_cifar_pickle(folder / "data_batch_3")
    assert batch["batch_label"] == b"training batch 3 of 5"
    assert batch["filenames"][0] == b"image_2_0.png"


@pytest.mark.parametrize(
    "protocol, core_name",
    [(2, "numpy.core.multiarray"), (2, None), (5, None)],
    ids=["py3-numpy1-protocol2", "today-protocol2", "today-protocol5"],
)
def test_reads_the_python_release_as_python_3_writes_it(tmp_path, protocol, core_name):
    def writer(labels, rows, k):
        return _py3_batch(labels, rows, protocol, core_name)

    folder = tmp_path / "cifar-10-batches-py"
    expected = _write_python_release(folder, 3, writer)
    raw = (folder / "test_batch").read_bytes()
    globals_named = {arg for op, arg, _ in pickletools.genops(raw) if op.name == "GLOBAL"}
    if protocol == 2:  # bytes travel as _codecs.encode(text, 'latin1') at protocol 2
        assert "_codecs encode" in globals_named
        assert f"{core_name or 'numpy._core.multiarray'} _reconstruct" in globals_named
    _check_python_release(tmp_path, expected, 3)


class _RunsCommand:
    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


class _CallsEval:
    def __reduce__(self):
        return (eval, ("__import__('os').system('echo evaluated')",))


def _payloads(marker) -> dict[str, bytes]:
    command = f"touch {marker}"
    return {
        "top level": pickle.dumps(_RunsCommand(command), protocol=2),
        "inside the batch dict": pickle.dumps(
            {b"data": np.zeros((1, 3072), np.uint8), b"labels": _RunsCommand(command)}, protocol=2
        ),
        "protocol 0 (INST)": f"(ios\nsystem\nS'{command}'\ni.".encode(),
        "protocol 5": pickle.dumps(_RunsCommand(command), protocol=5),
        "builtins.eval": pickle.dumps(_CallsEval(), protocol=2),
    }


def test_a_pickle_that_would_run_a_command_is_live(tmp_path):
    """The control: the payload really runs under the ordinary unpickler..."""
    marker = tmp_path / "ran"
    pickle.loads(_payloads(marker)["top level"])
    assert marker.exists()


@pytest.mark.parametrize("where", list(_payloads("x")))
def test_a_malicious_pickle_is_refused_and_nothing_runs(tmp_path, where):
    """... and CifarUnpickler refuses it, before it runs, wherever it sits in the file."""
    marker = tmp_path / "ran"
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    (folder / "test_batch").write_bytes(_payloads(marker)[where])
    expected = (
        r"(__builtin__|builtins)\.eval" if where == "builtins.eval" else r"(os|posix)\.system"
    )
    with pytest.raises(pickle.UnpicklingError, match=f"asks to load {expected}.*refused"):
        CIFAR10(tmp_path, train=False, records_per_file=1)
    assert not marker.exists()


def test_numpy_stand_ins_refuse_what_cifar_files_never_hold(tmp_path):
    def loads(raw):
        import io

        return CifarUnpickler(io.BytesIO(raw)).load()

    with pytest.raises(pickle.UnpicklingError, match="dtype"):  # object arrays could hold code
        loads(pickle.dumps(np.array([None, 1], dtype=object), protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="dtype"):  # structured (void) records
        loads(pickle.dumps(np.zeros(2, dtype=[("a", "u1")]), protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="'rot13'"):  # only latin1 text -> bytes
        loads(b"\x80\x02c_codecs\nencode\nX\x02\x00\x00\x00abX\x05\x00\x00\x00rot13\x86R.")
    flags = pickle.dumps(np.zeros(2, np.uint8), protocol=2).replace(
        b"J\xff\xff\xff\xffK\x00t", b"J\xff\xff\xff\xffK?t"
    )
    with pytest.raises(pickle.UnpicklingError, match="dtype state"):  # NumPy would trust flags
        loads(flags)
    assert loads(pickle.dumps(np.arange(4.0), protocol=2)).tolist() == [0.0, 1.0, 2.0, 3.0]


# --- exact record counts -------------------------------------------------------------------------


def test_a_python_batch_with_fewer_records_is_an_error(tmp_path):
    write_synthetic_cifar10(tmp_path, records_per_file=5)
    labels, rows = _batch(4, 0)
    (tmp_path / "cifar-10-batches-py" / "data_batch_4").write_bytes(_py3_batch(labels, rows, 2))
    with pytest.raises(ValueError, match=r"data_batch_4 has 4 records, expected 5"):
        CIFAR10(tmp_path, records_per_file=5)
    assert len(CIFAR10(tmp_path, records_per_file=None)) == 24  # None: any count
    with pytest.raises(ValueError, match="has 5 records, expected 10000"):  # the default
        CIFAR10(tmp_path, train=False)


def test_a_binary_file_cut_on_a_record_boundary_is_an_error(tmp_path):
    folder = write_synthetic_cifar10(tmp_path, format="binary", records_per_file=6)
    path = tmp_path / "cifar-10-batches-bin" / "data_batch_2.bin"
    assert str(path) == os.path.join(folder, "data_batch_2.bin")
    raw = path.read_bytes()
    path.write_bytes(raw[: 5 * 3073])  # five whole records
    with pytest.raises(ValueError, match=r"data_batch_2\.bin has 5 records, expected 6"):
        CIFAR10(tmp_path, records_per_file=6)
    path.write_bytes(raw[:-100])  # a partial record
    with pytest.raises(ValueError, match="not a whole number of 3073-byte records"):
        CIFAR10(tmp_path, records_per_file=6)


@pytest.mark.parametrize("cut", [1, 20, 500, 3000])
def test_a_truncated_pickle_is_a_clear_error(tmp_path, cut):
    write_synthetic_cifar10(tmp_path, records_per_file=2)
    path = tmp_path / "cifar-10-batches-py" / "test_batch"
    path.write_bytes(path.read_bytes()[:cut])
    with pytest.raises(ValueError, match="not a readable CIFAR-10 Python batch"):
        CIFAR10(tmp_path, train=False, records_per_file=2)


def test_bad_labels_and_missing_keys(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    _, rows = _batch(2, 0)
    (folder / "test_batch").write_bytes(_py3_batch([3, 42], rows, 2))
    with pytest.raises(ValueError, match="record 1 has label 42"):
        CIFAR10(tmp_path, train=False, records_per_file=2)
    (folder / "test_batch").write_bytes(pickle.dumps({b"data": rows}, protocol=2))
    with pytest.raises(ValueError, match="lacks labels"):
        CIFAR10(tmp_path, train=False, records_per_file=2)


# --- the binary release, folders and download ---------------------------------------------------


def test_reads_the_binary_release(tmp_path):
    expected = {}
    for k, name in enumerate(BIN_TRAIN + ["test_batch.bin"]):
        labels, rows = _batch(3, k)
        np.concatenate([labels[:, None].astype(np.uint8), rows], axis=1).tofile(tmp_path / name)
        expected[name] = (labels, rows)
    train = CIFAR10(tmp_path, records_per_file=3)
    assert train.format == "binary" and len(train) == 15
    img, label = train[4]  # data_batch_2, record 1
    np.testing.assert_array_equal(img, _hwc(expected["data_batch_2.bin"][1])[1])
    assert label == expected["data_batch_2.bin"][0][1]
    xb, yb = next(iter(DataLoader(train, batch_size=3)))
    assert xb.shape == (3, 32, 32, 3) and yb.dtype == np.int64


def test_both_releases_present_and_format_choice(tmp_path):
    write_synthetic_cifar10(tmp_path, format="python", records_per_file=3, seed=1)
    write_synthetic_cifar10(tmp_path, format="binary", records_per_file=3, seed=2)
    assert CIFAR10(tmp_path, records_per_file=3).format == "python"  # the Python release first
    binary = CIFAR10(tmp_path, format="binary", records_per_file=3)
    assert binary.format == "binary" and binary.folder.endswith("cifar-10-batches-bin")
    assert not np.array_equal(binary.data, CIFAR10(tmp_path, records_per_file=3).data)
    with pytest.raises(ValueError, match="format must be"):
        CIFAR10(tmp_path, format="matlab")


def test_missing_files_and_download_explain_where_to_put_them(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"data_batch_1.*test_batch|cifar\.html"):
        CIFAR10(tmp_path / "nowhere")
    with pytest.raises(
        FileNotFoundError, match="never downloads.*no network access.*extract it into"
    ):
        CIFAR10(tmp_path / "nowhere", download=True)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    (folder / "data_batch_1").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="lacks data_batch_2, data_batch_3"):
        CIFAR10(tmp_path)
    write_synthetic_cifar10(tmp_path, records_per_file=2)
    assert len(CIFAR10(tmp_path, download=True, records_per_file=2)) == 10  # present: just read


def test_exported_names_and_synthetic_classes_are_learnable(tmp_path):
    assert nn.data.CIFAR10 is D.CIFAR10 is CIFAR10
    assert CIFAR10.classes[0] == "airplane" and len(CIFAR10.classes) == 10
    ds = CIFAR10(write_synthetic_cifar10(tmp_path, records_per_file=40), records_per_file=40)
    assert "200 train images, python release" in repr(ds)
    # classes k and k + 5 share a colour; stripes run across (k) or down (k + 5) the image
    x = ds.data.astype(np.float64)
    across = np.abs(np.diff(x, axis=1)).mean(axis=(1, 2, 3))  # change from row to row
    down = np.abs(np.diff(x, axis=2)).mean(axis=(1, 2, 3))  # change from column to column
    assert ((across > down) == (ds.targets < 5)).mean() > 0.9


# --- the torchvision order on HWC images --------------------------------------------------------


def test_torchvision_order_through_a_loader(tmp_path):
    root = write_synthetic_cifar10(tmp_path, records_per_file=8)
    raw = CIFAR10(root, records_per_file=8)
    mean = raw.data.reshape(-1, 3).mean(axis=0) / 255
    std = raw.data.reshape(-1, 3).std(axis=0, ddof=0) / 255
    pipeline = T.Compose(
        [
            T.RandomCrop(32, padding=4, generator=1),
            T.RandomHorizontalFlip(generator=2),
            T.ToTensor(),
            T.Normalize(mean, std),
        ]
    )
    ds = CIFAR10(root, transform=pipeline, records_per_file=8)
    xb, yb = next(iter(DataLoader(ds, batch_size=16, shuffle=True, generator=0)))
    assert xb.shape == (16, 3, 32, 32) and xb.dtype == np.float32 and yb.shape == (16,)
    # without the random steps the pipeline is exactly ToTensor + Normalize of the HWC image
    plain = CIFAR10(
        root, transform=T.Compose([T.ToTensor(), T.Normalize(mean, std)]), records_per_file=8
    )
    want = (raw.data[5].transpose(2, 0, 1) / 255 - mean[:, None, None]) / std[:, None, None]
    np.testing.assert_allclose(plain[5][0].data, want, rtol=1e-5, atol=1e-5)
