"""Data: the DataLoader (batching, shuffling, resuming) and built-in datasets (transforms: test_transforms.py;
CIFAR-10: test_cifar10.py)."""

from __future__ import annotations

import random

import numpy as np
import pytest

import autograd as ag
from nn.data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split
from nn.data import datasets as D

# --- TensorDataset / Subset / random_split ------------------------------------------------------


def _xy(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n) % 3
    return x, y


def test_tensor_dataset_items_and_length_check():
    x, y = _xy()
    ds = TensorDataset(ag.tensor(x), y)
    assert len(ds) == 10
    xi, yi = ds[4]
    assert isinstance(xi, ag.Tensor) and xi.tolist() == [12.0, 13.0, 14.0] and int(yi) == 1
    with pytest.raises(ValueError, match="same first dimension"):
        TensorDataset(x, y[:5])


def test_random_split_is_a_seeded_partition():
    ds = TensorDataset(*_xy(10))
    a, b = random_split(ds, [7, 3], generator=ag.Generator(0))
    c, d = random_split(ds, [7, 3], generator=ag.Generator(0))
    assert len(a) == 7 and len(b) == 3
    assert sorted(np.concatenate([a.indices, b.indices]).tolist()) == list(range(10))
    np.testing.assert_array_equal(a.indices, c.indices)
    e, f, g = random_split(ds, [0.5, 0.3, 0.2], generator=ag.Generator(1))
    assert (len(e), len(f), len(g)) == (5, 3, 2)
    with pytest.raises(ValueError, match="do not add up"):
        random_split(ds, [5, 4])


def test_subset_indexes_through():
    ds = TensorDataset(*_xy(10))
    sub = Subset(ds, [9, 2])
    assert len(sub) == 2 and int(sub[0][1]) == 0 and sub[1][0].tolist() == [6.0, 7.0, 8.0]
    xb, yb = sub.get_batch(np.array([1, 0]))
    assert xb.tolist() == [[6.0, 7.0, 8.0], [27.0, 28.0, 29.0]]


# --- collate and DataLoader ---------------------------------------------------------------------


def test_default_collate_types():
    batch = default_collate(
        [(np.ones(2, np.float32), 1, 0.5, True), (np.zeros(2, np.float32), 2, 1.5, False)]
    )
    x, label, f, flag = batch
    assert x.shape == (2, 2) and x.dtype == np.float32
    assert label.dtype == np.int64 and label.tolist() == [1, 2]
    assert f.dtype == np.float32 and flag.dtype == np.bool_
    d = default_collate([{"a": ag.tensor([1.0]), "s": "x"}, {"a": ag.tensor([2.0]), "s": "y"}])
    assert d["a"].shape == (2, 1) and d["s"] == ["x", "y"]
    with pytest.raises(TypeError, match="collate_fn"):
        default_collate([object()])


def test_loader_batches_in_order_and_drop_last():
    ds = TensorDataset(*_xy(10))
    batches = list(DataLoader(ds, batch_size=4))
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    assert batches[0][1].dtype == np.int64
    np.testing.assert_array_equal(np.concatenate([b[0].data for b in batches]), _xy(10)[0])
    dropped = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(dropped) == 2 and [len(b[0]) for b in dropped] == [4, 4]
    assert len(DataLoader(ds, batch_size=4)) == 3


class _Plain(Dataset):
    """No get_batch: exercises the per-sample path."""

    def __init__(self, ds):
        self.ds = ds

    def __getitem__(self, i):
        return self.ds[i]

    def __len__(self):
        return len(self.ds)


def test_fast_batch_path_equals_per_sample_collate():
    ds = TensorDataset(*_xy(11))
    fast = list(DataLoader(ds, batch_size=3, shuffle=True, generator=5))
    slow = list(DataLoader(_Plain(ds), batch_size=3, shuffle=True, generator=5))
    for (a, b), (c, d) in zip(fast, slow):
        assert a.dtype == c.dtype and b.dtype == d.dtype
        np.testing.assert_array_equal(a.data, c.data)
        np.testing.assert_array_equal(b.data, d.data)


def test_shuffle_is_deterministic_per_seed_and_differs_per_epoch():
    ds = TensorDataset(*_xy(20))

    def order(loader):
        return np.concatenate([b[1].data for b in loader]).tolist(), np.concatenate(
            [b[0].data[:, 0] for b in loader]
        ).tolist()

    a = DataLoader(ds, batch_size=6, shuffle=True, generator=ag.Generator(3))
    b = DataLoader(ds, batch_size=6, shuffle=True, generator=3)
    e1, e2 = order(a), order(a)
    assert e1 == order(b) and e2 == order(b)
    assert e1 != e2  # a new permutation each epoch
    assert sorted(e1[1]) == sorted(_xy(20)[0][:, 0].tolist())  # every sample once
    ag.manual_seed(11)
    c = order(DataLoader(ds, batch_size=6, shuffle=True))
    ag.manual_seed(11)
    assert order(DataLoader(ds, batch_size=6, shuffle=True)) == c


def test_custom_collate_fn():
    ds = TensorDataset(*_xy(5))
    loader = DataLoader(ds, batch_size=2, collate_fn=lambda samples: len(samples))
    assert list(loader) == [2, 2, 1]


@pytest.mark.parametrize("stop_after", [0, 2, 3])
def test_loader_resumes_exactly_mid_epoch(stop_after):
    ds = TensorDataset(*_xy(23))
    ref = DataLoader(ds, batch_size=4, shuffle=True, generator=9)
    want = [b[0].data.copy() for _ in range(3) for b in ref]  # three whole epochs

    run = DataLoader(ds, batch_size=4, shuffle=True, generator=9)
    got = [b[0].data.copy() for b in run]  # epoch 1
    it = iter(run)
    got += [next(it)[0].data.copy() for _ in range(stop_after)]  # part of epoch 2
    state = run.state_dict()

    resumed = DataLoader(ds, batch_size=4, shuffle=True, generator=12345)  # other seed: state wins
    resumed.load_state_dict(state)
    got += [b[0].data.copy() for b in resumed]  # rest of epoch 2
    got += [b[0].data.copy() for b in resumed]  # epoch 3
    assert len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


# --- built-in datasets --------------------------------------------------------------------------


def test_load_digits_and_fixed_split():
    pytest.importorskip("sklearn")
    full = D.load_digits()
    x, y = full.arrays
    assert x.shape == (1797, 64) and x.dtype == np.float32 and x.min() >= 0.0 and x.max() == 1.0
    assert y.dtype == np.int64 and set(np.unique(y)) == set(range(10))
    tr, te = D.load_digits("train", return_arrays=True), D.load_digits("test", return_arrays=True)
    assert len(tr[0]) + len(te[0]) == 1797 and len(te[0]) == 359
    np.testing.assert_array_equal(D.load_digits("test", return_arrays=True)[0], te[0])  # fixed
    assert D.load_digits(images=True).arrays[0].shape == (1797, 1, 8, 8)
    # no test image appears in train
    train_rows = {r.tobytes() for r in tr[0]}
    assert sum(r.tobytes() in train_rows for r in te[0]) < 5  # (digits has a few duplicate images)


@pytest.mark.parametrize("make", [D.make_moons, D.make_circles, D.make_spirals])
def test_toy_sets_shapes_and_seeds(make):
    x, y = make(101, generator=3, return_arrays=True)
    assert x.shape == (101, 2) and x.dtype == np.float32 and y.dtype == np.int64
    x2, y2 = make(101, generator=3, return_arrays=True)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1  # balanced classes
    assert isinstance(make(10, generator=0), TensorDataset)


def test_toy_set_geometry():
    x, y = D.make_circles(200, factor=0.5, generator=0, return_arrays=True)
    r = np.hypot(x[:, 0], x[:, 1])
    np.testing.assert_allclose(r[y == 0], 1.0, rtol=1e-6)
    np.testing.assert_allclose(r[y == 1], 0.5, rtol=1e-6)
    x, y = D.make_spirals(300, n_classes=3, noise=0.0, generator=0, return_arrays=True)
    assert set(np.unique(y)) == {0, 1, 2} and np.hypot(x[:, 0], x[:, 1]).max() <= 1.0 + 1e-6
    x, y = D.make_moons(100, generator=0, return_arrays=True)
    np.testing.assert_allclose(np.hypot(x[y == 0, 0], x[y == 0, 1]), 1.0, rtol=1e-6)


def test_mnist1d_generates_locally_and_keeps_global_rng():
    pytest.importorskip("mnist1d")
    np.random.seed(123)
    random.seed(5)
    before_np, before_py = np.random.random(), random.random()
    np.random.seed(123)
    random.seed(5)
    train = D.mnist1d("train", num_samples=400, seed=1)
    test = D.mnist1d("test", num_samples=400, seed=1)
    assert np.random.random() == before_np and random.random() == before_py
    x, y = train.arrays
    assert x.shape == (320, 40) and x.dtype == np.float32 and y.dtype == np.int64
    assert len(test) == 80 and set(np.unique(y)) <= set(range(10))
    again = D.mnist1d("train", num_samples=400, seed=1, return_arrays=True)
    np.testing.assert_array_equal(again[0], x)
    with pytest.raises(TypeError, match="unknown generation argument"):
        D.mnist1d(num_samples=400, seed=2, no_such_arg=1)


def test_text_corpus_and_vocab():
    tokens = D.text_corpus()
    assert len(tokens) > 20_000 and all(t == t.lower() and t.isascii() for t in tokens[:1000])
    vocab = D.build_vocab(tokens, min_count=5)
    assert vocab.index_to_word[0] == "the"
    assert all(vocab.word_to_index[w] == i for i, w in enumerate(vocab.index_to_word))
    assert (np.diff(vocab.counts) <= 0).all() and vocab.counts.min() >= 5
    assert all(c < 5 for c in vocab.unknown.values())
    ids = vocab.encode(["the", "zzzz-not-a-word", "python"])
    assert ids.tolist() == [0, vocab.word_to_index["python"]]
    small = D.build_vocab(["b", "a", "b", "c"], min_count=1)
    assert small.index_to_word == ["b", "a", "c"] and small.counts.tolist() == [2, 1, 1]
