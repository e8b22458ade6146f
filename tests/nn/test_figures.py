"""The course's figures, measured for real on scikit-learn's digits (the fixed held-out split of
``nn.data.datasets.load_digits``: 1,438 training and 359 test images) and on an English corpus.

Each test trains with fixed seeds and standard hyper-parameters (chosen on a validation split
carved out of the training images, never on the test images), in under ~30 s on 2 CPU cores.
"""

from __future__ import annotations

import numpy as np
import pytest

from nn import functional as F
from nn.data import DataLoader, datasets
from nn.demo import one_blas_thread
from nn.models import MLP, KNearestNeighbors, LeNet, Word2Vec, unigram_sampler
from nn.models.word2vec import skipgram_pairs
from nn.optim import Adam
from nn.optim.lr_scheduler import CosineAnnealingLR
from nn.training import evaluate, fit


@pytest.fixture(autouse=True)
def _single_blas_thread():
    with one_blas_thread():  # small GEMMs: much faster on one thread when cores are busy
        yield


def _train_digits(model, images: bool, epochs: int, lr: float, seed: int = 0) -> float:
    """Adam with a cosine schedule, batches of 32; returns the held-out accuracy."""
    train = DataLoader(
        datasets.load_digits("train", images=images), batch_size=32, shuffle=True, generator=seed
    )
    test = DataLoader(datasets.load_digits("test", images=images), batch_size=512)
    opt = Adam(model.parameters(), lr=lr)
    fit(
        model, train, loss_fn=F.cross_entropy, optimizer=opt, epochs=epochs,
        scheduler=CosineAnnealingLR(opt, T_max=epochs), progress=False,
    )  # fmt: skip
    _, acc = evaluate(model, test, F.cross_entropy)
    print(f"{type(model).__name__}: held-out accuracy {acc:.4f}")
    return acc


def test_mlp_reaches_97_percent_on_held_out_digits():
    acc = _train_digits(MLP(64, [128], 10, generator=0), images=False, epochs=20, lr=3e-3)
    assert acc >= 0.97


def test_cnn_reaches_98_percent_on_held_out_digits():
    model = LeNet(channels=(32, 64), hidden=128, generator=0)
    acc = _train_digits(model, images=True, epochs=15, lr=3e-3)
    assert acc >= 0.98


# --- k-NN against scikit-learn --------------------------------------------------------------------


@pytest.mark.parametrize(("metric", "ours"), [("euclidean", "l2"), ("manhattan", "l1")])
def test_knn_predictions_identical_to_scikit_learn(metric, ours):
    neighbors = pytest.importorskip("sklearn.neighbors")
    x, y = datasets.load_digits("train", return_arrays=True)
    xt, yt = datasets.load_digits("test", return_arrays=True)
    x, xt = x.astype(np.float64), xt.astype(np.float64)
    nearest_first = np.sort(KNearestNeighbors(1, ours).fit(x, y).distances(xt), axis=1)
    for k in (1, 2, 3, 4, 5, 7, 10):
        sk = neighbors.KNeighborsClassifier(n_neighbors=k, metric=metric).fit(x, y)
        pred = KNearestNeighbors(k, ours).fit(x, y).predict(xt)
        np.testing.assert_array_equal(pred, sk.predict(xt), err_msg=f"k={k}")
        assert (pred == yt).mean() > 0.97
        # the same k smallest distances (which of several points tied at the k-th distance is
        # kept may differ: see KNearestNeighbors' docstring)
        sk_dist, _ = sk.kneighbors(xt)
        np.testing.assert_allclose(nearest_first[:, :k], sk_dist, rtol=1e-9, atol=1e-12)


# --- Word2Vec on an English corpus ----------------------------------------------------------------

# Related pairs, chosen for their meaning before training (opposites, siblings, synonyms of the
# Python docs' vocabulary); every pair is kept, whatever its score.
RELATED = [
    ("true", "false"), ("int", "float"), ("list", "tuple"), ("key", "value"),
    ("class", "instance"), ("method", "function"), ("read", "write"), ("start", "end"),
    ("first", "last"), ("left", "right"), ("positional", "keyword"), ("integer", "float"),
    ("dict", "dictionary"), ("str", "bytes"), ("upper", "lower"), ("get", "set"),
    ("open", "close"),
]  # fmt: skip


def test_word2vec_related_words_score_closer_than_random_pairs():
    tokens = datasets.text_corpus()  # Python's own help texts, ~64,000 words, offline
    vocab = datasets.build_vocab(tokens, min_count=5)
    ids = vocab.encode(tokens)
    centres, contexts = skipgram_pairs(ids, window=2)
    model = Word2Vec(len(vocab), 32, generator=0)
    sample = unigram_sampler(vocab.counts, generator=1)
    opt = Adam(model.parameters(), lr=0.02)
    rng = np.random.default_rng(2)
    for _ in range(3):
        order = rng.permutation(len(centres))
        for start in range(0, len(order), 4096):
            idx = order[start : start + 4096]
            loss = model(centres[idx], contexts[idx], sample((len(idx), 5)))
            opt.zero_grad()
            loss.backward()
            opt.step()

    w = vocab.word_to_index
    related = np.array([model.similarity(w[a], w[b]) for a, b in RELATED])
    pairs = np.random.default_rng(3).integers(0, len(vocab), size=(2000, 2))
    random = np.array([model.similarity(a, b) for a, b in pairs if a != b])
    print(
        f"cosine similarity: related pairs mean {related.mean():.3f} (min {related.min():.3f}), "
        f"random pairs mean {random.mean():.3f}, 90th percentile {np.percentile(random, 90):.3f}"
    )
    print(f"above the random 90th percentile: {(related > np.percentile(random, 90)).mean():.2f}")
    assert related.mean() > random.mean() + 0.2
    # most related pairs are closer than 90% of random pairs
    assert (related > np.percentile(random, 90)).mean() >= 0.6
    # and "false" is among the nearest words of "true" (of the ~1,300 in the vocabulary)
    assert w["false"] in [i for i, _ in model.most_similar(w["true"], k=5)]


def test_seeded_training_is_reproducible():
    """The figures above are reproducible: the same seeds give bit-identical weights."""
    runs = []
    for _ in range(2):
        model = MLP(64, [16], 10, generator=0)
        loader = DataLoader(datasets.load_digits("train"), batch_size=64, shuffle=True, generator=0)
        fit(model, loader, loss_fn=F.cross_entropy, optimizer=Adam(model.parameters()), epochs=1,
            progress=False)  # fmt: skip
        runs.append([p.data.copy() for p in model.parameters()])
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)
