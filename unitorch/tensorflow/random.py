"""``tf.random``: seeding and drawing random tensors, from unitorch's generators (so
``set_seed(s)`` gives the same numbers on every backend in portable mode, and
reproducible ones in any mode)."""

from __future__ import annotations

from typing import Any

from .. import dtypes as dt
from ..keras._core import missing
from ..tensor import Tensor

__all__ = ["set_seed", "normal", "uniform", "shuffle"]


def _shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(s) for s in (shape.tolist() if isinstance(shape, Tensor) else shape))


_pending_tf_seed: list[int] = []


def set_seed(seed: int) -> None:
    """Seed every unitorch generator (``ut.manual_seed``: weights built afterwards are the
    same on every backend) and TensorFlow's own global seed, which ``tf.data`` pipelines
    (``shuffle``) use: at once where TensorFlow is loaded, else when ``tf.data`` is first
    used.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.random.set_seed(0)
    """
    import sys

    from ..random import manual_seed

    manual_seed(int(seed))
    _pending_tf_seed[:] = [int(seed)]
    if "tensorflow" in sys.modules:
        apply_tf_seed()


def apply_tf_seed() -> None:
    """Give TensorFlow the seed of the last :func:`set_seed`, if any."""
    if _pending_tf_seed:
        import tensorflow

        tensorflow.random.set_seed(_pending_tf_seed.pop())


def normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = dt.float32,
           seed: int | None = None, name: str | None = None) -> Tensor:
    """Normal samples of ``shape``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.random.normal((2, 3)).shape
        (2, 3)
    """
    import unitorch as ut

    return ut.random.normal(mean, stddev, _shape(shape), dtype=dt.as_dtype(
        getattr(dtype, "name", dtype)))


def uniform(shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = dt.float32,
            seed: int | None = None, name: str | None = None) -> Tensor:
    """Uniform samples in ``[minval, maxval)`` (``maxval`` defaults to 1 for floats and
    is required for integers).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> x = tf.random.uniform((100,))
        >>> bool((x >= 0).all() and (x < 1).all())
        True
    """
    import unitorch as ut

    d = dt.as_dtype(getattr(dtype, "name", dtype))
    if d.kind in "iu":
        if maxval is None:
            raise ValueError("Must specify maxval for integer dtype")
        return ut.random.randint(int(minval), int(maxval), _shape(shape), dtype=d)
    return ut.random.uniform(float(minval), 1.0 if maxval is None else float(maxval),
                             _shape(shape), dtype=d)


def shuffle(value: Any, seed: int | None = None, name: str | None = None) -> Tensor:
    """``value`` with its first axis in a random order.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> sorted(tf.random.shuffle(tf.constant([1, 2, 3])).tolist())
        [1, 2, 3]
    """
    import unitorch as ut

    t = value if isinstance(value, Tensor) else ut.asarray(value)
    return ut.take(t, ut.random.permutation(t.shape[0]), axis=0)


def __getattr__(name: str) -> Any:
    raise missing("unitorch.tensorflow.random", name,
                  "implemented: " + ", ".join(__all__) + "; see unitorch.random")
