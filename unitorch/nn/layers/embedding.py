"""``Embedding``, as in ``torch.nn``."""

from __future__ import annotations

from typing import Any

from ...autograd import no_grad
from ...errors import ShapeError, fmt_shape
from ...ops.creation import asarray
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter
from ._common import count, new_parameter

__all__ = ["Embedding"]


class Embedding(Module):
    """A lookup table: row ``i`` of ``weight`` (num_embeddings, embedding_dim) for each
    integer index ``i`` of the input; output ``input.shape + (embedding_dim,)``.

    Initialisation, PyTorch's: ``weight ~ N(0, 1)`` from the portable stream (the same on
    every backend for one seed), with row ``padding_idx`` (if given; negative counts from
    the end) set to zeros.  That row receives no gradient, so it stays as it is during
    training.  Indices outside ``[0, num_embeddings)`` raise
    :class:`IndexOutOfRangeError`.  ``max_norm``, ``scale_grad_by_freq`` and ``sparse``
    are not supported (:class:`NotImplementedError`).  ``_weight`` gives the initial
    table (``_freeze=True``: not trainable); see also :meth:`from_pretrained`.

    Example:
        >>> emb = ut.nn.Embedding(10, 3, padding_idx=0)
        >>> emb(ut.tensor([[0, 4]])).shape
        (1, 2, 3)
        >>> emb.weight[0].tolist()
        [0.0, 0.0, 0.0]
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Any = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError(
                "Embedding: max_norm, scale_grad_by_freq and sparse are not supported"
            )
        num = count("Embedding", "num_embeddings", num_embeddings)
        self.num_embeddings = num
        self.embedding_dim = count("Embedding", "embedding_dim", embedding_dim)
        if padding_idx is not None:
            p = count("Embedding", "padding_idx", padding_idx, -num)
            if p >= num:
                raise ValueError(
                    f"Embedding: padding_idx must be within num_embeddings ({num}), got "
                    f"{padding_idx}"
                )
            padding_idx = p + num if p < 0 else p
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = new_parameter((num, self.embedding_dim), dtype, device)
            self.reset_parameters()
        else:
            w = asarray(_weight, dtype=dtype, device=device)
            if tuple(w.shape) != (num, self.embedding_dim):
                raise ShapeError(
                    f"Embedding: _weight must have shape {fmt_shape((num, self.embedding_dim))}"
                    f", got {fmt_shape(w.shape)}"
                )
            self.weight = Parameter(w, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """``weight ~ N(0, 1)``, row ``padding_idx`` zeros."""
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(input, self.weight, self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding holding a copy of the 2-D ``embeddings`` (not trainable unless
        ``freeze=False``); the ``padding_idx`` row is kept as given, as in PyTorch.

        Example:
            >>> emb = ut.nn.Embedding.from_pretrained(ut.eye(3))
            >>> emb(ut.tensor([1])).tolist()
            [[0.0, 1.0, 0.0]]
        """
        shape = tuple(asarray(embeddings).shape)
        if len(shape) != 2:
            raise ShapeError(
                f"Embedding.from_pretrained() expects a 2-D tensor, got shape "
                f"{fmt_shape(shape)}"
            )
        return cls(shape[0], shape[1], padding_idx, max_norm, norm_type, scale_grad_by_freq,
                   sparse, _weight=embeddings, _freeze=freeze)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s
