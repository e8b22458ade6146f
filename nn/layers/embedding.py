"""Embedding: a lookup table of learnable vectors indexed by integers."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor

from .. import functional as F
from .. import init
from .._checks import check_int
from .._random import GeneratorLike
from ..module import Module, Parameter


class Embedding(Module):
    """Integer indices (any shape) -> (*shape, embedding_dim): rows of ``weight``
    (num_embeddings, embedding_dim) ~ N(0, 1), like PyTorch. The ``padding_idx`` row starts at
    zero and receives no gradient. Indices must lie in [0, num_embeddings): a negative index
    raises (as in PyTorch) rather than counting from the end."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        *,
        dtype: Any = np.float32,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__()
        num_embeddings = check_int(num_embeddings, "num_embeddings", "Embedding")
        embedding_dim = check_int(embedding_dim, "embedding_dim", "Embedding")
        if padding_idx is not None:
            check_int(padding_idx, "padding_idx", "Embedding", minimum=-num_embeddings)
        if padding_idx is not None and not -num_embeddings <= padding_idx < num_embeddings:
            raise ValueError(
                f"Embedding: padding_idx {padding_idx} is out of range for {num_embeddings} rows"
            )
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = None if padding_idx is None else padding_idx % num_embeddings
        self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dtype))
        self.reset_parameters(generator)

    def reset_parameters(self, generator: GeneratorLike = None) -> None:
        init.normal_(self.weight, generator=generator)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    def forward(self, indices: Any) -> Tensor:
        return F.embedding(indices, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        return s if self.padding_idx is None else s + f", padding_idx={self.padding_idx}"
