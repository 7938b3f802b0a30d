"""``CosineSimilarity`` and ``PairwiseDistance``, as in ``torch.nn``."""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from ..module import Module

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class CosineSimilarity(Module):
    """The cosine similarity of two inputs along ``dim``; see
    :func:`unitorch.nn.functional.cosine_similarity`.

    Example:
        >>> ut.nn.CosineSimilarity(dim=0)(ut.tensor([1., 0.]), ut.tensor([1., 1.]))
        tensor(0.70710677, dtype=float32)
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """The ``p``-norm distance of two inputs along the last axis; see
    :func:`unitorch.nn.functional.pairwise_distance`.

    Example:
        >>> ut.nn.PairwiseDistance(eps=0.0)(ut.tensor([[0., 0.]]), ut.tensor([[3., 4.]]))
        tensor([5.], dtype=float32)
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
