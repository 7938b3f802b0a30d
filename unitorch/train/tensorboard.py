"""TensorBoard logs without TensorFlow or PyTorch: :class:`EventFileWriter` and the
:class:`TensorBoard` callback.

TensorBoard reads *event files*: TFRecord files (each record a little-endian uint64
length, its masked CRC-32C, the bytes, their masked CRC-32C) of ``Event`` protocol
buffers.  The messages are built with the protocol buffers that the ``tensorboard``
package ships (``tensorboard.compat.proto``: its own copy of the schema, which imports
neither framework), and the records are framed here.  The ready-made writers are not
used because each imports a framework: ``tensorboard``'s ``EventFileWriter`` goes
through ``tensorboard.compat.tf``, which imports TensorFlow when it is installed;
``tensorboardX`` imports torch when the package is imported; ``torch.utils.tensorboard``
and ``tf.summary`` are the frameworks themselves.  So a run on one backend never loads
the other framework because of its logs.

Install with ``pip install unitorch[tensorboard]``; the package is imported only when a
writer is created.

Layout (as Keras writes it, so training and validation curves share a chart):
``<log_dir>/train`` holds ``epoch_<name>`` for the training values and ``epoch_lr``,
plus ``batch_loss`` per step (global step numbers); ``<log_dir>/validation`` holds
``epoch_<name>`` for each ``val_<name>``.  Epoch values use the epoch number (from 0) as
their step.
"""

from __future__ import annotations

import itertools
import os
import socket
import struct
import time
from collections.abc import Mapping
from typing import Any

from .callbacks import Callback

__all__ = ["EventFileWriter", "TensorBoard"]


def _crc32c_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli) of ``data``, as TFRecord files use."""
    crc = 0xFFFFFFFF
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """The CRC as TFRecord stores it: rotated right by 15 bits plus a constant."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _record(data: bytes) -> bytes:
    header = struct.pack("<Q", len(data))
    return (header + struct.pack("<I", masked_crc32c(header)) + data
            + struct.pack("<I", masked_crc32c(data)))


def _protos() -> tuple[Any, Any]:
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
    except ImportError:
        raise ImportError("TensorBoard logs need the tensorboard package: "
                          "pip install unitorch[tensorboard] (or pip install tensorboard)"
                          ) from None
    return event_pb2, summary_pb2


_serial = itertools.count()


class EventFileWriter:
    """Append scalar summaries to a new event file in ``log_dir`` (created if needed).

    Example:
        >>> w = EventFileWriter("runs/exp1")  # doctest: +SKIP
        >>> w.add_scalar("loss", 0.25, step=10); w.close()  # doctest: +SKIP
    """

    def __init__(self, log_dir: str | os.PathLike[str]) -> None:
        self._event_pb2, self._summary_pb2 = _protos()
        self.log_dir = os.fspath(log_dir)
        os.makedirs(self.log_dir, exist_ok=True)
        # TensorBoard reads a folder's files in name order: the zero-padded serial keeps
        # the files of one process in creation order within a second
        name = (f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}."
                f"{os.getpid()}.{next(_serial):06d}.unitorch")
        self.path = os.path.join(self.log_dir, name)
        self._file: Any = open(self.path, "wb")  # closed in close()
        self._write(self._event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2"))
        self.flush()

    def _write(self, event: Any) -> None:
        self._file.write(_record(event.SerializeToString()))

    def add_scalar(self, tag: str, value: float, step: int, wall_time: float | None = None
                   ) -> None:
        """Log ``value`` under ``tag`` at ``step``."""
        summary = self._summary_pb2.Summary(
            value=[self._summary_pb2.Summary.Value(tag=tag, simple_value=float(value))])
        self._write(self._event_pb2.Event(
            wall_time=time.time() if wall_time is None else wall_time, step=int(step),
            summary=summary))

    def flush(self) -> None:
        """Write buffered events to the file."""
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        """Flush and close the file (idempotent)."""
        if self._file is not None:
            self._file.close()
            self._file = None


class TensorBoard(Callback):
    """Write the epoch values (and, with ``steps=True``, every step's loss) as
    TensorBoard scalars under ``log_dir`` (see the module docstring for the layout).

    Per-step losses are written at the end of each epoch from ``history.steps`` (the
    trainer gathers them from the device once per epoch), so logging them costs no
    synchronisation per step.  ``fit(log_dir=...)`` adds this callback.  View with
    ``tensorboard --logdir <log_dir>``.

    Example:
        >>> ut.fit(model, loss_fn, opt, loader, epochs=5, log_dir="runs/exp1")  # doctest: +SKIP
    """

    priority = 80

    def __init__(self, log_dir: str | os.PathLike[str], steps: bool = True) -> None:
        self.log_dir = os.fspath(log_dir)
        self.steps = bool(steps)
        self._train: EventFileWriter | None = None
        self._val: EventFileWriter | None = None

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        self._train = EventFileWriter(os.path.join(self.log_dir, "train"))
        self._written_steps = len(self.trainer.history.steps.get("loss", ()))

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> None:
        now = time.time()
        train = self._train
        for key, value in logs.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                continue
            if key.startswith("val_"):
                if self._val is None:
                    self._val = EventFileWriter(os.path.join(self.log_dir, "validation"))
                self._val.add_scalar(f"epoch_{key[4:]}", value, epoch, now)
            else:
                train.add_scalar(f"epoch_{key}", value, epoch, now)
        if self.steps:
            losses = self.trainer.history.steps.get("loss", [])
            for i in range(self._written_steps, len(losses)):
                train.add_scalar("batch_loss", losses[i], i, now)
            self._written_steps = len(losses)
        train.flush()
        if self._val is not None:
            self._val.flush()

    def close(self) -> None:
        for writer in (self._train, self._val):
            if writer is not None:
                writer.close()
        self._train = self._val = None
