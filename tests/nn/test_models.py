"""The course's models (nn.models): shapes, parameter counts, gradients, and each model's own
behaviour (ResNet shortcuts, recurrent cells, Word2Vec, the unigram sampler, k-NN)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.gradcheck import gradcheck
from nn.models import (
    MLP,
    VGG,
    BasicBlock,
    KNearestNeighbors,
    LeNet,
    LinearClassifier,
    PlainNet,
    ResNet,
    SequenceClassifier,
    Word2Vec,
    negative_sampling_loss,
    unigram_sampler,
)
from nn.models.word2vec import cbow_examples, skipgram_pairs


def _x(*shape: int, seed: int = 0, dtype: type = np.float32) -> ag.Tensor:
    return ag.Tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


# --- shapes and parameter counts ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "x_shape", "n_params"),
    [
        # 64*32 + 32 + 32*16 + 16 + 16*10 + 10
        (lambda: MLP(64, [32, 16], 10, generator=0), (5, 64), 2778),
        (lambda: MLP(64, [32], 10, generator=0), (5, 1, 8, 8), 2410),  # flattens its input
        (lambda: LinearClassifier(64, 10, generator=0), (5, 1, 8, 8), 650),
        # conv 1*16*9+16, conv 16*32*9+32, fc 32*2*2*64+64, fc 64*10+10
        (lambda: LeNet(generator=0), (5, 1, 8, 8), 160 + 4640 + 8256 + 650),
        # 28x28 -> 7x7 after two pools
        (lambda: LeNet(3, 4, image_size=28, channels=(4, 8), hidden=16, generator=0),
         (2, 3, 28, 28), (3 * 4 * 9 + 4) + (4 * 8 * 9 + 8) + (8 * 49 * 16 + 16) + (16 * 4 + 4)),
        # conv 1*8*9 (no bias) + bn 2*8, pool, conv 8*16*9 + bn 2*16, pool, fc 16*4*32+32, 32*10+10
        (lambda: VGG([8, "M", 16, "M"], in_channels=1, image_size=8, hidden=32, generator=0),
         (5, 1, 8, 8), 72 + 16 + 1152 + 32 + 2080 + 330),
        (lambda: VGG([4, "M"], in_channels=3, image_size=4, batch_norm=False, hidden=8,
                     num_classes=3, generator=0),
         (2, 3, 4, 4), (3 * 4 * 9 + 4) + (4 * 4 * 8 + 8) + (8 * 3 + 3)),
    ],
)  # fmt: skip
def test_output_shape_and_parameter_count(make, x_shape, n_params):
    model = make()
    out = model(_x(*x_shape))
    n_out = list(model.parameters())[-1].shape[0]  # the head's bias: one per class
    assert n_out in (3, 4, 10)
    assert out.shape == (x_shape[0], n_out)
    assert out.dtype == np.float32
    assert model.num_parameters() == n_params


def test_resnet_and_plainnet_shapes():
    x = _x(3, 1, 8, 8)
    for cls in (ResNet, PlainNet):
        model = cls(blocks=(1, 1, 1), widths=(4, 8, 16), num_classes=7, generator=0)
        assert model(x).shape == (3, 7)
    # 28x28 RGB input, one stage
    assert ResNet(blocks=(2,), widths=(4,), in_channels=3, generator=0)(_x(2, 3, 28, 28)).shape == (
        2,
        10,
    )


def test_same_seed_same_model_and_layers_differ():
    a, b = MLP(8, [8, 8], 8, generator=3), MLP(8, [8, 8], 8, generator=3)
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
    # an int seed is one stream for the whole model: equally shaped layers differ
    w = [p.data for n, p in a.named_parameters() if n.endswith("weight")]
    assert not np.array_equal(w[0], w[1]) and not np.array_equal(w[1], w[2])


def test_mlp_activation_and_dropout():
    model = MLP(4, [6], 2, activation="tanh", dropout=0.5, generator=0)
    kinds = [type(m).__name__ for m in model.layers]
    assert kinds == ["Linear", "Tanh", "Dropout", "Linear"]
    x = _x(50, 4)
    model.eval()
    np.testing.assert_array_equal(model(x).data, model(x).data)
    model.train()
    assert not np.array_equal(model(x).data, model(x).data)  # fresh masks each call
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        MLP(4, [6], 2, activation="swish")


def test_bad_configurations_are_refused():
    with pytest.raises(ValueError, match="multiple of 4"):
        LeNet(image_size=10)
    with pytest.raises(ValueError, match="too many pooling stages"):
        VGG([4, "M", "M"], in_channels=1, image_size=2)
    with pytest.raises(ValueError, match="positive ints or 'M'"):
        VGG([4, "X"])
    with pytest.raises(ValueError, match="differ in length"):
        ResNet(blocks=(1, 1), widths=(4,))
    with pytest.raises(ValueError, match="cell must be one of"):
        SequenceClassifier(3, 4, 2, cell="transformer")


def test_linear_classifier_is_wx_plus_b():
    model = LinearClassifier(12, 3, generator=0)
    x = _x(4, 3, 2, 2)
    w, b = model.linear.weight.data, model.linear.bias.data
    np.testing.assert_allclose(model(x).data, x.data.reshape(4, 12) @ w.T + b, rtol=1e-6)


# --- gradients (float64 finite differences) ----------------------------------------------------


def _gradcheck_model(model: nn.Module, x: ag.Tensor) -> None:
    """Gradients of a scalar function of the output w.r.t. the input and every parameter."""
    model.double()
    params = list(model.parameters())
    assert gradcheck(lambda x, *ps: model(x), [x, *params], atol=1e-6, rtol=1e-4)


def test_gradcheck_lenet():
    model = LeNet(channels=(2, 3), hidden=4, num_classes=3, generator=1)
    x = ag.Tensor(np.random.default_rng(1).standard_normal((2, 1, 8, 8)), requires_grad=True)
    _gradcheck_model(model, x)


def test_gradcheck_resnet_block_with_projection():
    block = BasicBlock(2, 3, stride=2, generator=2)  # training mode: batch statistics
    x = ag.Tensor(np.random.default_rng(2).standard_normal((2, 2, 4, 4)), requires_grad=True)
    _gradcheck_model(block, x)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_gradcheck_sequence_classifier(cell):
    model = SequenceClassifier(3, 4, 2, cell=cell, generator=3)
    x = ag.Tensor(np.random.default_rng(3).standard_normal((2, 4, 3)), requires_grad=True)
    _gradcheck_model(model, x)


def test_gradcheck_word2vec_loss():
    rng = np.random.default_rng(4)
    v, u, neg = (
        ag.Tensor(rng.standard_normal(s), requires_grad=True) for s in [(3, 4), (3, 4), (3, 5, 4)]
    )
    assert gradcheck(negative_sampling_loss, [v, u, neg])


def test_negative_sampling_loss_value():
    rng = np.random.default_rng(5)
    v, u, neg = (
        rng.standard_normal((3, 4)),
        rng.standard_normal((3, 4)),
        rng.standard_normal((3, 2, 4)),
    )
    expected = np.mean(
        -np.log(1 / (1 + np.exp(-(v * u).sum(1))))
        - np.log(1 / (1 + np.exp(np.einsum("nkd,nd->nk", neg, v)))).sum(1)
    )
    got = negative_sampling_loss(ag.Tensor(v), ag.Tensor(u), ag.Tensor(neg))
    np.testing.assert_allclose(got.item(), expected, rtol=1e-10)


# --- ResNet shortcuts ---------------------------------------------------------------------------


def test_resnet_block_projects_only_when_the_shape_changes():
    same = BasicBlock(4, 4, generator=0)
    assert same.shortcut is None
    assert same(_x(2, 4, 6, 6)).shape == (2, 4, 6, 6)
    wider = BasicBlock(4, 8, generator=0)
    assert wider.shortcut is not None
    assert wider.shortcut[0].weight.shape == (8, 4, 1, 1)
    down = BasicBlock(4, 8, stride=2, generator=0)
    assert down.shortcut[0].stride == (2, 2)
    assert down(_x(2, 4, 6, 6)).shape == (2, 8, 3, 3)
    names = {n for n, _ in ResNet(blocks=(1, 1), widths=(4, 8), generator=0).named_parameters()}
    assert "stages.1.shortcut.0.weight" in names  # the downsampling block of stage 2
    assert not any(n.startswith("stages.0.shortcut") for n in names)  # same shape: identity


def test_plainnet_has_no_shortcut():
    plain = PlainNet(blocks=(1, 1), widths=(4, 8), generator=0)
    assert not any("shortcut" in n for n, _ in plain.named_parameters())
    res = ResNet(blocks=(1, 1), widths=(4, 8), generator=0)
    extra = res.num_parameters() - plain.num_parameters()
    assert extra == 4 * 8 + 2 * 8  # exactly the projection: 1x1 conv 4->8 + its BatchNorm


def test_identity_shortcut_carries_the_input():
    """Silence the residual branch (bn2's scale and shift 0): the ResNet block outputs relu(x),
    the plain block outputs zeros — the shortcut is the only path left."""
    x = _x(2, 4, 5, 5)
    for residual, expected in ((True, np.maximum(x.data, 0)), (False, np.zeros(x.shape))):
        block = BasicBlock(4, 4, residual=residual, generator=0)
        block.bn2.weight.data[...] = 0.0
        block.bn2.bias.data[...] = 0.0
        np.testing.assert_allclose(block(x).data, expected, atol=1e-6)


# --- sequence classifier -------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "per_layer"), [("rnn", 1), ("lstm", 4), ("gru", 3)])
def test_sequence_classifier_cells(cell, per_layer):
    model = SequenceClassifier(3, 5, 4, cell=cell, num_layers=2, generator=0)
    assert type(model.rnn).__name__ == cell.upper()
    assert model(_x(6, 7, 3)).shape == (6, 4)
    rnn = per_layer * 5 * (3 + 5 + 2) + per_layer * 5 * (5 + 5 + 2)  # W_ih, W_hh, two biases
    assert model.num_parameters() == rnn + 5 * 4 + 4


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_sequence_classifier_tokens(cell):
    model = SequenceClassifier(6, 5, 3, cell=cell, vocab_size=11, generator=0)
    tokens = np.random.default_rng(0).integers(0, 11, size=(4, 9))
    assert model(ag.Tensor(tokens)).shape == (4, 3)
    assert model.embed.weight.shape == (11, 6)
    # the last state depends on the whole sequence: changing the first token changes the scores
    changed = tokens.copy()
    changed[:, 0] = (changed[:, 0] + 1) % 11
    assert not np.allclose(model(ag.Tensor(tokens)).data, model(ag.Tensor(changed)).data)


# --- Word2Vec -------------------------------------------------------------------------------------


def test_skipgram_pairs_and_cbow_examples():
    ids = [10, 11, 12, 13]
    centres, contexts = skipgram_pairs(ids, window=1)
    pairs = sorted(zip(centres.tolist(), contexts.tolist()))
    assert pairs == [(10, 11), (11, 10), (11, 12), (12, 11), (12, 13), (13, 12)]
    ctx, centre = cbow_examples([1, 2, 3, 4, 5], window=1)
    assert centre.tolist() == [2, 3, 4]
    assert ctx.tolist() == [[1, 3], [2, 4], [3, 5]]
    assert len(skipgram_pairs(list(range(10)), window=2)[0]) == 2 * (9 + 8)


def _tiny_corpus() -> np.ndarray:
    """Two 'topics' that never mix: words 0-4 appear together, words 5-9 together."""
    rng = np.random.default_rng(0)
    sentences = [rng.integers(0, 5, 8) if i % 2 else rng.integers(5, 10, 8) for i in range(200)]
    return np.concatenate(sentences)


@pytest.mark.parametrize("mode", ["skipgram", "cbow"])
def test_word2vec_loss_decreases(mode):
    ids = _tiny_corpus()
    if mode == "skipgram":
        inputs, targets = skipgram_pairs(ids, window=2)
        epochs = 3
    else:  # one example per position instead of 2 * window: more epochs for as many updates
        inputs, targets = cbow_examples(ids, window=2)
        epochs = 12
    model = Word2Vec(10, 8, mode=mode, generator=0)
    sample = unigram_sampler(np.bincount(ids, minlength=10), generator=1)
    opt = nn.optim.Adam(model.parameters(), lr=0.05)
    order = np.random.default_rng(2).permutation(len(targets))
    losses = []
    for _ in range(epochs):
        for start in range(0, len(order), 256):
            idx = order[start : start + 256]
            loss = model(inputs[idx], targets[idx], sample((len(idx), 4)))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    # zero output vectors: every score starts at 0, the loss at (1 + K) log 2
    np.testing.assert_allclose(losses[0], 5 * np.log(2), rtol=1e-5)
    assert np.mean(losses[-5:]) < 0.75 * losses[0]
    # the planted structure: same-topic words are closer than cross-topic words
    same = np.mean([model.similarity(a, b) for a in range(5) for b in range(5) if a != b])
    cross = np.mean([model.similarity(a, b) for a in range(5) for b in range(5, 10)])
    assert same > cross + 0.5
    top = [w for w, _ in model.most_similar(0, k=4)]
    assert sorted(top) == [1, 2, 3, 4]


def test_word2vec_init_and_modes():
    model = Word2Vec(20, 6, generator=0)
    assert np.abs(model.in_embed.weight.data).max() <= 0.5 / 6
    assert not model.out_embed.weight.data.any()
    assert model.input_vectors(np.array([1, 2])).shape == (2, 6)
    cbow = Word2Vec(20, 6, mode="cbow", generator=0)
    ctx = np.array([[1, 2, 3, 4]])
    np.testing.assert_allclose(
        cbow.input_vectors(ctx).data[0], cbow.in_embed.weight.data[[1, 2, 3, 4]].mean(0), rtol=1e-6
    )
    with pytest.raises(ValueError, match="mode must be"):
        Word2Vec(5, mode="glove")


def test_unigram_sampler_follows_count_power_three_quarters():
    counts = np.array([1000, 300, 100, 30, 10, 3, 1, 0])
    sample = unigram_sampler(counts, generator=0)
    n = 200_000
    draws = sample((n,))
    assert draws.dtype == np.int64 and draws.min() >= 0 and draws.max() < len(counts)
    observed = np.bincount(draws, minlength=len(counts))
    assert observed[-1] == 0  # a zero count is never drawn
    p = counts[:-1] ** 0.75 / (counts[:-1] ** 0.75).sum()
    expected = n * p
    chi2 = (((observed[:-1] - expected) ** 2) / expected).sum()
    # 6 degrees of freedom: P(chi2 > 22.5) = 0.001
    assert chi2 < 22.5, (chi2, observed, expected.round())
    # ... and plainly not the raw unigram distribution (power 1)
    raw = n * counts[:-1] / counts.sum()
    assert (((observed[:-1] - raw) ** 2) / raw).sum() > 1000
    # the same seed draws the same samples; shapes are respected
    np.testing.assert_array_equal(unigram_sampler(counts, generator=0)((n,)), draws)
    assert sample((3, 5)).shape == (3, 5)
    with pytest.raises(ValueError, match="not all zero"):
        unigram_sampler([0, 0])


# --- k-nearest neighbours --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "p"), [("l2", 2), ("l1", 1), ("euclidean", 2), ("manhattan", 1)]
)
def test_knn_distances_match_brute_force(metric, p):
    rng = np.random.default_rng(0)
    train, test = rng.standard_normal((37, 2, 3)), rng.standard_normal((11, 2, 3))
    knn = KNearestNeighbors(3, metric, block_size=4).fit(train, rng.integers(0, 3, 37))
    brute = np.array(
        [[np.sum(np.abs(a.ravel() - b.ravel()) ** p) ** (1 / p) for b in train] for a in test]
    )
    np.testing.assert_allclose(knn.distances(ag.Tensor(test)), brute, rtol=1e-10, atol=1e-12)
    brute_nearest = np.array([sorted(range(37), key=lambda j, r=r: (r[j], j))[:3] for r in brute])
    np.testing.assert_array_equal(knn.kneighbors(test), brute_nearest)
    votes = [np.bincount(knn.y_index[row], minlength=3).argmax() for row in brute_nearest]
    np.testing.assert_array_equal(knn.predict(test), knn.classes[votes])


def test_knn_distance_ties_prefer_the_lower_index():
    # training points at distance 1 from the origin, labels differ; k=1 takes the first of them
    train = np.array([[3.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, -1.0]])
    knn = KNearestNeighbors(1).fit(train, [0, 5, 7, 9])
    assert knn.kneighbors([[0.0, 0.0]]).tolist() == [[1]]
    assert knn.predict([[0.0, 0.0]]).tolist() == [5]
    knn = KNearestNeighbors(2, "l1").fit(train[::-1], [9, 7, 5, 0])  # reversed order
    assert knn.kneighbors([[0.0, 0.0]]).tolist() == [[0, 1]]


def test_knn_vote_ties_go_to_the_smallest_label():
    train = np.array([[0.0], [1.0], [2.0], [3.0]])
    knn = KNearestNeighbors(2).fit(train, [8, 3, 1, 1])
    # nearest two of 0.4 are 0.0 (label 8) and 1.0 (label 3): one vote each -> 3
    assert knn.predict([[0.4]]).tolist() == [3]
    knn = KNearestNeighbors(4).fit(train, [8, 3, 8, 3])
    assert knn.predict([[1.5]]).tolist() == [3]
    # a majority beats the label order
    knn = KNearestNeighbors(3).fit(train, [9, 9, 0, 4])
    assert knn.predict([[0.0]]).tolist() == [9]
    assert knn.score([[0.0], [3.0]], [9, 4]) == 0.5  # 3.0: labels 4, 0, 9 tie -> 0


def test_knn_errors():
    with pytest.raises(ValueError, match="k must be >= 1"):
        KNearestNeighbors(0)
    with pytest.raises(ValueError, match="metric must be one of"):
        KNearestNeighbors(1, "cosine")
    with pytest.raises(ValueError, match="exceeds the 2 training samples"):
        KNearestNeighbors(3).fit(np.zeros((2, 2)), [0, 1])
    with pytest.raises(RuntimeError, match="call fit"):
        KNearestNeighbors(1).predict(np.zeros((1, 2)))
    knn = KNearestNeighbors(1).fit(np.zeros((2, 2)), [0, 1])
    with pytest.raises(ValueError, match="test samples have 3 features, training samples 2"):
        knn.predict(np.zeros((1, 3)))
