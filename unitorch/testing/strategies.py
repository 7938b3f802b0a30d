"""Hypothesis strategies for dtypes, shapes, arrays and tensors.

These are the strategies unitorch's own tests use.  Arrays are NumPy arrays (the
reference data); :func:`tensors` converts them to Tensors of the active backend.
Subnormal floats are excluded by default: TensorFlow's CPU kernels flush them to zero,
and the Array API test suite excludes them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .. import dtypes as dt

__all__ = [
    "dtypes", "shapes", "broadcastable_shapes", "mutually_broadcastable_shapes", "elements",
    "arrays", "tensors", "KINDS",
]

KINDS = {
    "bool": "b", "integer": "iu", "signed": "i", "floating": "f", "complex": "c",
    "real": "iuf", "numeric": "iufc", "all": "biufc",
}


def dtypes(kinds: str = "biufc", *, half: bool = False) -> st.SearchStrategy[dt.DType]:
    """unitorch dtypes whose kind (``dtype.kind``) is in ``kinds`` (a string of
    ``"biufc"`` letters or a name in :data:`KINDS`); float16 and bfloat16 only with
    ``half``."""
    kinds = KINDS.get(kinds, kinds)
    chosen = [d for d in dt.all_dtypes if d.kind in kinds
              and (half or d not in (dt.float16, dt.bfloat16))]
    return st.sampled_from(chosen)


def shapes(*, min_dims: int = 0, max_dims: int = 3, min_side: int = 0, max_side: int = 4
           ) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes, including 0-d and 0-size ones by default."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable_shapes(shape: Sequence[int], *, min_dims: int = 0, max_dims: int = 3,
                         min_side: int = 0, max_side: int = 4) -> st.SearchStrategy:
    """Shapes that broadcast with ``shape``."""
    return hnp.broadcastable_shapes(tuple(shape), min_dims=min_dims, max_dims=max_dims,
                                    min_side=min_side, max_side=max_side)


def mutually_broadcastable_shapes(num_shapes: int, *, min_dims: int = 0, max_dims: int = 3,
                                  min_side: int = 0, max_side: int = 4) -> st.SearchStrategy:
    """``num_shapes`` shapes that broadcast together (``.input_shapes``, ``.result_shape``)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=num_shapes, min_dims=min_dims,
                                             max_dims=max_dims, min_side=min_side,
                                             max_side=max_side)


def elements(dtype: dt.DType, *, allow_nan: bool = True, allow_infinity: bool = True,
             min_value: float | None = None, max_value: float | None = None,
             allow_subnormal: bool = False) -> st.SearchStrategy[Any]:
    """Scalar values of ``dtype`` (as Python numbers), edge cases included: 0, -0.0,
    the extremes, NaN and infinities unless excluded."""
    kind = dtype.kind
    if kind == "b":
        return st.booleans()
    if kind in "iu":
        info = dt.iinfo(dtype)
        lo = info.min if min_value is None else max(info.min, int(min_value))
        hi = info.max if max_value is None else min(info.max, int(max_value))
        return st.integers(lo, hi)
    width = {16: 16, 32: 32, 64: 64, 128: 64}[dtype.bits if kind == "f" else dtype.bits // 2]
    if dtype is dt.bfloat16:
        width = 32  # drawn as float32 and rounded to bfloat16 by arrays()
    bounded = min_value is not None or max_value is not None
    allow_nan = allow_nan and not bounded  # Hypothesis: NaN is outside any bound
    allow_infinity = allow_infinity and (min_value is None or max_value is None)
    floats = st.floats(min_value=min_value, max_value=max_value, allow_nan=allow_nan,
                       allow_infinity=allow_infinity, allow_subnormal=allow_subnormal,
                       width=width)
    if kind == "c":
        return st.builds(complex, floats, floats)
    return floats


def arrays(dtype: dt.DType | st.SearchStrategy[dt.DType],
           shape: Sequence[int] | st.SearchStrategy[tuple[int, ...]] | None = None, *,
           elements: st.SearchStrategy[Any] | None = None, **element_options: Any
           ) -> st.SearchStrategy[np.ndarray]:
    """NumPy arrays of a unitorch dtype (bfloat16 as ``ml_dtypes.bfloat16``).

    ``element_options`` go to :func:`elements` (``allow_nan``, ``min_value``...).
    """
    if isinstance(dtype, st.SearchStrategy):
        return dtype.flatmap(lambda d: arrays(d, shape, elements=elements, **element_options))
    shape = shapes() if shape is None else shape
    elems = elements if elements is not None else globals()["elements"](dtype, **element_options)
    if dtype is dt.bfloat16:
        return hnp.arrays(np.float32, shape, elements=elems).map(
            lambda a: a.astype(dt.bfloat16.numpy))
    return hnp.arrays(dtype.numpy, shape, elements=elems)


def tensors(*, shape: Sequence[int] | st.SearchStrategy[tuple[int, ...]] | None = None,
            dtype: dt.DType | st.SearchStrategy[dt.DType] | None = None,
            elements: st.SearchStrategy[Any] | None = None, **element_options: Any
            ) -> st.SearchStrategy[Any]:
    """Tensors of the backend active when the example is drawn.

    Example:
        >>> from hypothesis import given
        >>> @given(ut.testing.strategies.tensors(dtype=ut.float32))
        ... def test_abs_is_non_negative(x):
        ...     assert bool(ut.all((ut.abs(x) >= 0) | ut.isnan(x)))
    """
    from ..ops.creation import asarray

    dtype = dtypes("biufc") if dtype is None else dtype
    return arrays(dtype, shape, elements=elements, **element_options).map(
        lambda a: asarray(a))
