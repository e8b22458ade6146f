"""Word2Vec's unit vectors and analogies (3CosAdd), on hand-made vectors."""

from __future__ import annotations

import numpy as np

from nn.models import Word2Vec


def _model_with(vectors: np.ndarray) -> Word2Vec:
    model = Word2Vec(len(vectors), vectors.shape[1], generator=0)
    model.in_embed.weight.data[...] = vectors
    return model


def test_analogy_follows_the_difference_vector():
    # words 0..3 = man, king, woman, queen: king - man + woman = queen; word 4 is a distractor
    v = np.array(
        [[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, 0.2]]
    )
    model = _model_with(v)
    (best, score), *rest = model.analogy(0, 1, 2, k=2)
    unit = v / np.linalg.norm(v, axis=1, keepdims=True)
    target = unit[1] - unit[0] + unit[2]  # on unit vectors
    assert best == 3 and np.isclose(score, unit[3] @ target / np.linalg.norm(target), rtol=1e-6)
    assert all(i not in (0, 1, 2) for i, _ in rest)  # a, b and c are never answers
    assert [i for i, _ in model.analogy(0, 1, 2, k=5)] == [3, 4]  # only two words are left


def test_unit_vectors_and_centring():
    v = np.array([[3.0, 4.0], [5.0, 4.0], [4.0, 5.0]])
    model = _model_with(v)
    unit = model.unit_vectors()
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(unit[0], [0.6, 0.8], rtol=1e-6)
    centred = model.unit_vectors(centre=True)
    d = v[0] - v.mean(axis=0)  # (-1, -1/3)
    np.testing.assert_allclose(centred[0], d / np.linalg.norm(d), rtol=1e-6)
    assert model.most_similar(1, k=2)[0][0] in (0, 2)  # most_similar uses the same unit vectors
