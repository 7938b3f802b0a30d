"""``Embedding`` and ``EmbeddingBag``, as in ``torch.nn``."""

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

__all__ = ["Embedding", "EmbeddingBag"]


def _padding_index(name: str, padding_idx: int | None, num: int) -> int | None:
    """``padding_idx`` checked against ``num`` rows; a negative one counts from the end."""
    if padding_idx is None:
        return None
    p = count(name, "padding_idx", padding_idx, -num)
    if p >= num:
        raise ValueError(f"{name}: padding_idx must be within num_embeddings ({num}), got "
                         f"{padding_idx}")
    return p + num if p < 0 else p


def _set_weight(m: Module, name: str, _weight: Any, requires_grad: bool, dtype: Any,
                device: Any) -> None:
    """``m.weight``, (num_embeddings, embedding_dim): a new table drawn by
    ``m.reset_parameters()``, or the given ``_weight`` (its shape checked)."""
    shape = (m.num_embeddings, m.embedding_dim)
    if _weight is None:
        m.weight = new_parameter(shape, dtype, device)
        m.reset_parameters()
        return
    w = asarray(_weight, dtype=dtype, device=device)
    if tuple(w.shape) != shape:
        raise ShapeError(f"{name}: _weight must have shape {fmt_shape(shape)}, got "
                         f"{fmt_shape(w.shape)}")
    m.weight = Parameter(w, requires_grad=requires_grad)


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
        self.padding_idx = _padding_index("Embedding", padding_idx, num)
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        _set_weight(self, "Embedding", _weight, not _freeze, dtype, device)

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


class EmbeddingBag(Module):
    """The sums, means or maxima (``mode``, default ``"mean"``) of bags of embeddings,
    without materializing the embeddings per index (PyTorch's ``EmbeddingBag``): see
    :func:`unitorch.nn.functional.embedding_bag` for the bags (the rows of a 2-D input,
    or ``offsets`` into a 1-D one) and ``per_sample_weights``.

    Parameter ``weight`` (num_embeddings, embedding_dim), initialised from N(0, 1) with
    row ``padding_idx`` (whose entries are left out of every bag) zeros, as PyTorch's.
    ``max_norm``, ``scale_grad_by_freq`` and ``sparse`` raise
    :class:`NotImplementedError`.  ``_weight`` gives the initial table; see also
    :meth:`from_pretrained`.

    Example:
        >>> bag = ut.nn.EmbeddingBag(10, 3, mode="sum")
        >>> bag(ut.tensor([1, 2, 4, 5, 4, 3, 2, 9]), ut.tensor([0, 4])).shape
        (2, 3)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                 _weight: Any = None, include_last_offset: bool = False,
                 padding_idx: int | None = None, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError(
                "EmbeddingBag: max_norm, scale_grad_by_freq and sparse are not supported")
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"EmbeddingBag: mode has to be one of sum, mean or max, got "
                             f"{mode!r}")
        num = count("EmbeddingBag", "num_embeddings", num_embeddings)
        self.num_embeddings = num
        self.embedding_dim = count("EmbeddingBag", "embedding_dim", embedding_dim)
        self.padding_idx = _padding_index("EmbeddingBag", padding_idx, num)
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset
        _set_weight(self, "EmbeddingBag", _weight, True, dtype, device)

    def reset_parameters(self) -> None:
        """``weight ~ N(0, 1)``, row ``padding_idx`` zeros."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0

    def forward(self, input: Tensor, offsets: Tensor | None = None,
                per_sample_weights: Tensor | None = None) -> Tensor:
        return F.embedding_bag(input, self.weight, offsets, mode=self.mode,
                               per_sample_weights=per_sample_weights,
                               include_last_offset=self.include_last_offset,
                               padding_idx=self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """An EmbeddingBag holding a copy of the 2-D ``embeddings`` (not trainable unless
        ``freeze=False``).

        Example:
            >>> bag = ut.nn.EmbeddingBag.from_pretrained(ut.eye(3), mode="sum")
            >>> bag(ut.tensor([[0, 2]])).tolist()
            [[1.0, 0.0, 1.0]]
        """
        shape = tuple(asarray(embeddings).shape)
        if len(shape) != 2:
            raise ShapeError(f"EmbeddingBag.from_pretrained() expects a 2-D tensor, got shape "
                             f"{fmt_shape(shape)}")
        bag = cls(shape[0], shape[1], max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                  embeddings, include_last_offset, padding_idx)
        bag.weight.requires_grad_(not freeze)
        return bag

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}, mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s
