"""``keras.optimizers.schedules``: learning rates as functions of the optimizer's step
count, with Keras's formulas.

A schedule is called with the step (``optimizer.iterations``, the number of updates
already made) and returns a float32 tensor; an optimizer given one as its
``learning_rate`` evaluates it before every update, also inside compiled steps.

Example:
    >>> import unitorch.keras as keras
    >>> schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10,
    ...                                                        decay_rate=0.5)
    >>> schedule(10)
    tensor(0.05, dtype=float32)
"""

from __future__ import annotations

import math
from typing import Any

from ... import dtypes as dt
from ...tensor import Tensor
from .._core import as_tensor, missing

__all__ = [
    "LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay",
    "InverseTimeDecay", "CosineDecay", "serialize", "deserialize",
]


def _ut() -> Any:
    import unitorch

    return unitorch


def _step(step: Any) -> Tensor:
    return as_tensor(step, dt.float32)


def _check_decay_steps(decay_steps: int) -> None:
    if decay_steps <= 0:
        raise ValueError(f"Argument `decay_steps` must be > 0. Received: "
                         f"decay_steps={decay_steps}")


def _progress(step: Any, decay_steps: int, staircase: bool) -> Tensor:
    """``step / decay_steps`` (float32), floored with ``staircase``: the exponent of
    ExponentialDecay, the ratio of InverseTimeDecay."""
    p = _step(step) / float(decay_steps)
    return _ut().floor(p) if staircase else p


class LearningRateSchedule:
    """Base class: ``__call__(step)`` returns the learning rate (a float32 tensor).

    Example:
        >>> import unitorch.keras as keras
        >>> class Halving(keras.optimizers.schedules.LearningRateSchedule):
        ...     def __call__(self, step):
        ...         return 0.1 * 0.5 ** ut.astype(ut.asarray(step), ut.float32)
        >>> Halving()(2)
        tensor(0.025, dtype=float32)
    """

    def __call__(self, step: Any) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must define __call__(step)")

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments."""
        raise NotImplementedError(f"{type(self).__name__} must define get_config()")

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LearningRateSchedule:
        """A schedule from :meth:`get_config`'s dict."""
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (the exponent
    floored with ``staircase``).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.optimizers.schedules.ExponentialDecay(1.0, 2, 0.5, staircase=True)(3)
        tensor(0.5, dtype=float32)
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str = "ExponentialDecay") -> None:
        _check_decay_steps(decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step: Any) -> Tensor:
        p = _progress(step, self.decay_steps, self.staircase)
        return float(self.initial_learning_rate) * _ut().asarray(
            float(self.decay_rate), dtype=dt.float32) ** p

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < step <= boundaries[i]``, ``values[-1]`` after the last.

    Example:
        >>> import unitorch.keras as keras
        >>> s = keras.optimizers.schedules.PiecewiseConstantDecay([10], [1.0, 0.5])
        >>> s(10), s(11)
        (tensor(1., dtype=float32), tensor(0.5, dtype=float32))
    """

    def __init__(self, boundaries: list[int], values: list[float],
                 name: str = "PiecewiseConstant") -> None:
        if len(boundaries) != len(values) - 1:
            raise ValueError(f"The length of boundaries should be 1 less than the length of "
                             f"values. Received: boundaries={boundaries} of length "
                             f"{len(boundaries)}, and values={values} of length "
                             f"{len(values)}.")
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step: Any) -> Tensor:
        ut = _ut()
        s = _step(step)
        b, v = self.boundaries, self.values
        out = ut.astype(s <= b[0], dt.float32) * float(v[0])
        out = out + ut.astype(s > b[-1], dt.float32) * float(v[-1])
        for low, high, value in zip(b[:-1], b[1:], v[1:-1]):
            out = out + ut.astype((s > low) & (s <= high), dt.float32) * float(value)
        return out

    def get_config(self) -> dict[str, Any]:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - min(step, decay_steps) / decay_steps) ** power + end``
    (with ``cycle``, ``decay_steps`` grows to the next multiple above ``step``).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.optimizers.schedules.PolynomialDecay(1.0, 10, end_learning_rate=0.0)(5)
        tensor(0.5, dtype=float32)
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int,
                 end_learning_rate: float = 0.0001, power: float = 1.0, cycle: bool = False,
                 name: str = "PolynomialDecay") -> None:
        _check_decay_steps(decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power, self.cycle, self.name = (end_learning_rate, power,
                                                                      cycle, name)

    def __call__(self, step: Any) -> Tensor:
        ut = _ut()
        s = _step(step)
        steps = ut.asarray(float(self.decay_steps), dtype=dt.float32)
        if self.cycle:
            multiplier = ut.where(s == 0, ut.ones_like(s), ut.ceil(s / steps))
            steps = steps * multiplier
        else:
            s = ut.minimum(s, steps)
        p = s / steps
        start, end = float(self.initial_learning_rate), float(self.end_learning_rate)
        return (start - end) * (1.0 - p) ** float(self.power) + end

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (the ratio
    floored with ``staircase``).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.optimizers.schedules.InverseTimeDecay(1.0, 1, 1.0)(1)
        tensor(0.5, dtype=float32)
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str = "InverseTimeDecay") -> None:
        _check_decay_steps(decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step: Any) -> Tensor:
        p = _progress(step, self.decay_steps, self.staircase)
        return float(self.initial_learning_rate) / (1.0 + float(self.decay_rate) * p)

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay from ``initial_learning_rate`` to ``alpha`` times it over
    ``decay_steps``; with ``warmup_target``, first a linear warm-up to it over
    ``warmup_steps``, then the decay from it.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.optimizers.schedules.CosineDecay(1.0, 10)(5)
        tensor(0.49999997, dtype=float32)
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0,
                 name: str = "CosineDecay", warmup_target: float | None = None,
                 warmup_steps: int = 0) -> None:
        _check_decay_steps(decay_steps)
        self.initial_learning_rate, self.decay_steps, self.alpha = (initial_learning_rate,
                                                                    decay_steps, alpha)
        self.name, self.warmup_target, self.warmup_steps = name, warmup_target, warmup_steps

    def _decay(self, s: Tensor, start: float) -> Tensor:
        ut = _ut()
        cosine = 0.5 * (1.0 + ut.cos(math.pi * (s / float(self.decay_steps))))
        return start * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step: Any) -> Tensor:
        ut = _ut()
        s = _step(step)
        start = float(self.initial_learning_rate)
        if self.warmup_target is None:
            return self._decay(ut.minimum(s, ut.asarray(float(self.decay_steps),
                                                        dtype=dt.float32)), start)
        warm = float(self.warmup_steps)
        target = float(self.warmup_target)
        s = ut.minimum(s, ut.asarray(float(self.decay_steps) + warm, dtype=dt.float32))
        warming = (target - start) * (s / warm) + start if warm else ut.zeros_like(s)
        return ut.where(s < warm, warming, self._decay(s - warm, target))

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


_CLASSES = {cls.__name__: cls for cls in (ExponentialDecay, PiecewiseConstantDecay,
                                          PolynomialDecay, InverseTimeDecay, CosineDecay)}


def serialize(schedule: LearningRateSchedule) -> dict[str, Any]:
    """``{"class_name": ..., "config": ...}``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.optimizers.schedules.serialize(
        ...     keras.optimizers.schedules.CosineDecay(1.0, 10))["class_name"]
        'CosineDecay'
    """
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(config: dict[str, Any]) -> LearningRateSchedule:
    """The schedule :func:`serialize` described.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.optimizers.schedules.deserialize(
        ...     {"class_name": "CosineDecay", "config": {"initial_learning_rate": 1.0,
        ...                                            "decay_steps": 10}}).decay_steps
        10
    """
    cls = _CLASSES.get(config.get("class_name"))
    if cls is None:
        raise ValueError(f"unknown learning rate schedule {config.get('class_name')!r}")
    return cls.from_config(dict(config.get("config") or {}))


def __getattr__(name: str) -> Any:
    raise missing("unitorch.keras.optimizers.schedules", name,
                  f"implemented: {', '.join(sorted(_CLASSES))}; or subclass "
                  "LearningRateSchedule")
