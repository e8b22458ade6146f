"""Word2Vec: skip-gram and CBOW trained with negative sampling (Mikolov et al., 2013).

Two embedding tables: ``in_embed`` (the word as centre/context input) and ``out_embed`` (the word
as a prediction target). For an input vector v, a true target o and k negatives n_1..n_k drawn from
the unigram distribution raised to 3/4, the loss is

    -log sigmoid(u_o . v) - sum_i log sigmoid(-u_{n_i} . v),     log sigmoid(s) = -softplus(-s).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor

from .. import init
from .._random import GeneratorLike, resolve_rng
from ..layers.embedding import Embedding
from ..module import Module
from ._seed import shared_generator


def unigram_sampler(
    counts: Sequence[int] | np.ndarray, power: float = 0.75, generator: GeneratorLike = None
) -> Callable[[tuple[int, ...]], np.ndarray]:
    """``sample(shape)`` -> int64 word indices drawn with probability proportional to
    ``counts[i] ** power``. The 3/4 power flattens the unigram distribution: rare words are
    drawn as negatives more often than their frequency, frequent ones less."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or len(counts) == 0 or (counts < 0).any() or not counts.sum() > 0:
        raise ValueError(
            "unigram_sampler: counts must be a non-empty 1-D array of non-negative numbers, "
            "not all zero"
        )
    p = counts**power
    cdf = np.cumsum(p / p.sum())
    rng = resolve_rng(generator)

    def sample(shape: int | tuple[int, ...]) -> np.ndarray:
        # inverse-CDF sampling; the min guards against cdf[-1] rounding to just below 1
        idx = np.searchsorted(cdf, rng.random(shape), side="right")
        return np.minimum(idx, len(cdf) - 1).astype(np.int64)

    return sample


def negative_sampling_loss(v: Tensor, u_true: Tensor, u_neg: Tensor) -> Tensor:
    """v: (N, D) inputs, u_true: (N, D) targets, u_neg: (N, K, D) negatives -> mean loss."""
    pos = (v * u_true).sum(axis=1)  # (N,)
    neg = (u_neg @ v.unsqueeze(2)).squeeze(2)  # (N, K)
    return (ag.softplus(-pos) + ag.softplus(neg).sum(axis=1)).mean()


def skipgram_pairs(ids: Sequence[int], window: int) -> tuple[np.ndarray, np.ndarray]:
    """(centres, contexts): one pair for every word within ``window`` positions of each centre
    word (pairs are grouped by offset: all offset -window pairs first, then -window + 1, ...)."""
    ids = np.asarray(ids)
    centres, contexts = [], []
    for offset in range(-window, window + 1):
        if offset == 0:
            continue
        lo, hi = max(0, -offset), min(len(ids), len(ids) - offset)
        centres.append(ids[lo:hi])
        contexts.append(ids[lo + offset : hi + offset])
    return np.concatenate(centres), np.concatenate(contexts)


def cbow_examples(ids: Sequence[int], window: int) -> tuple[np.ndarray, np.ndarray]:
    """(contexts (N, 2*window), centres (N,)) for every position with a full window on both
    sides; row i of contexts holds the words before and after centres[i], in order."""
    ids = np.asarray(ids)
    positions = np.arange(window, len(ids) - window)
    offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])
    return ids[positions[:, None] + offsets[None, :]], ids[positions]


class Word2Vec(Module):
    """``Word2Vec(vocab_size, dim, mode="skipgram" | "cbow")``; ``model(inputs, targets,
    negatives)`` returns the mean negative-sampling loss.

    - skip-gram: ``inputs`` are centre ids (N,), ``targets`` one context id each (N,)
      (pairs from :func:`skipgram_pairs`): each centre word predicts its neighbours;
    - CBOW: ``inputs`` are context ids (N, 2*window), whose vectors are averaged, ``targets``
      the centre ids (N,) (from :func:`cbow_examples`): the context predicts the word;
    - ``negatives``: (N, K) ids from :func:`unigram_sampler`.

    The word vectors are the rows of ``in_embed.weight``; ``similarity`` and ``most_similar``
    compare them by cosine. Initialisation as in word2vec.c: inputs ~ U(-0.5/dim, 0.5/dim),
    outputs zero.
    """

    def __init__(
        self,
        vocab_size: int,
        dim: int = 50,
        *,
        mode: str = "skipgram",
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__()
        if mode not in ("skipgram", "cbow"):
            raise ValueError(f"Word2Vec: mode must be 'skipgram' or 'cbow', got {mode!r}")
        self.mode = mode
        generator = shared_generator(generator)
        self.in_embed = Embedding(vocab_size, dim, generator=generator)
        self.out_embed = Embedding(vocab_size, dim, generator=generator)
        init.uniform_(self.in_embed.weight, -0.5 / dim, 0.5 / dim, generator=generator)
        init.zeros_(self.out_embed.weight)

    def input_vectors(self, inputs: Any) -> Tensor:
        """(N, dim): the centre word's vector (skip-gram) or the context's mean vector (CBOW)."""
        v = self.in_embed(inputs)
        return v.mean(axis=1) if self.mode == "cbow" else v

    def forward(self, inputs: Any, targets: Any, negatives: Any) -> Tensor:
        return negative_sampling_loss(
            self.input_vectors(inputs), self.out_embed(targets), self.out_embed(negatives)
        )

    def similarity(self, a: int, b: int) -> float:
        """Cosine similarity of two words' input vectors."""
        w = self.in_embed.weight.data
        return float(w[a] @ w[b] / (np.linalg.norm(w[a]) * np.linalg.norm(w[b]) + 1e-12))

    def unit_vectors(self, centre: bool = False) -> np.ndarray:
        """(vocab_size, dim) float64 word vectors scaled to length 1. ``centre=True`` first
        subtracts the mean vector: a briefly trained model's vectors share a common direction
        (every word was pushed alike by the same frequent negatives), which centring removes."""
        w = self.in_embed.weight.data.astype(np.float64)
        if centre:
            w = w - w.mean(axis=0)
        return w / (np.linalg.norm(w, axis=1, keepdims=True) + 1e-12)

    def most_similar(self, word: int, k: int = 5) -> list[tuple[int, float]]:
        """The k words whose input vectors have the highest cosine similarity to ``word``."""
        unit = self.unit_vectors()
        return _best(unit @ unit[word], exclude=(word,), k=k)

    def analogy(
        self, a: int, b: int, c: int, k: int = 1, *, centre: bool = False
    ) -> list[tuple[int, float]]:
        """``a : b :: c : ?`` — the k words nearest (by cosine) to ``b - a + c`` on unit
        vectors (Mikolov et al.'s "3CosAdd"), leaving out a, b and c themselves, with their
        cosines. E.g. with word ids, ``analogy(man, king, woman)`` hopes for ``queen``."""
        unit = self.unit_vectors(centre)
        target = unit[b] - unit[a] + unit[c]
        return _best(unit @ (target / (np.linalg.norm(target) + 1e-12)), exclude=(a, b, c), k=k)


def _best(scores: np.ndarray, exclude: Sequence[int], k: int) -> list[tuple[int, float]]:
    """The k highest scores, ``exclude`` left out (so fewer than k when too few remain), as
    (index, score), best first."""
    scores = scores.copy()
    scores[list(exclude)] = -np.inf
    best = np.argsort(-scores, kind="stable")[:k]
    return [(int(i), float(scores[i])) for i in best if np.isfinite(scores[i])]
