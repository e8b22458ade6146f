"""CosineSimilarity and PairwiseDistance: parameter-free shells over ``nn.functional``."""

from __future__ import annotations

from autograd import Tensor

from .. import functional as F
from .._checks import check_float, check_int
from ..module import Module


class CosineSimilarity(Module):
    """The cosine of the angle between x1 and x2 along ``dim`` (norms clamped at eps)."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = check_int(dim, "dim", "CosineSimilarity", minimum=-(2**63))
        self.eps = check_float(eps, "eps", "CosineSimilarity", 0.0)

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, eps={self.eps}"


class PairwiseDistance(Module):
    """|x1 - x2 + eps|_p along the last axis: (N, D), (N, D) -> (N,)."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = check_float(p, "p", "PairwiseDistance", 0.0)
        self.eps = check_float(eps, "eps", "PairwiseDistance")
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)

    def extra_repr(self) -> str:
        return f"p={self.norm}, eps={self.eps}, keepdim={self.keepdim}"
