"""Training loops: :func:`fit` and :class:`Trainer`, with metrics, callbacks
(checkpoints, early stopping, learning-rate schedules, TensorBoard, progress bar) and
exact resumption, the same on every backend.

``ut.fit``, ``ut.Trainer``, ``ut.metrics`` and ``ut.callbacks`` are these.  See
:mod:`unitorch.train.fit` for the design and ``docs/training.md`` for a guide.
"""

from . import callbacks, metrics
from .callbacks import (
    Callback,
    EarlyStopping,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgressBar,
    TensorBoard,
)
from .fit import Trainer, fit
from .history import History

__all__ = [
    "fit", "Trainer", "History", "metrics", "callbacks", "Callback", "EarlyStopping",
    "LearningRateScheduler", "ModelCheckpoint", "ProgressBar", "TensorBoard",
]
