"""Timing: interleaved contenders, warm-up, medians of repeats.

Each repeat times every contender once, in turn, so slow drifts of the machine (other
load, frequency changes) hit all contenders alike; the reported time is the median over
repeats of the per-call time of a batch of ``number`` calls.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Measurement:
    """The median per-call seconds of one contender, with the spread of the repeats."""

    name: str
    median: float
    low: float
    high: float
    repeats: int
    number: int


#: The clock of the measurements: ``time.perf_counter`` (wall time, the default) or
#: ``time.process_time`` (CPU time of the process, every thread: on a machine shared
#: with other work it leaves out the time this process waits for a core).  Set by the
#: runner's ``--clock``.
CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter,
                                          "cpu": time.process_time}
clock: Callable[[], float] = time.perf_counter


def calibrate(fn: Callable[[], object], target: float = 0.02) -> int:
    """How many calls of ``fn`` take about ``target`` seconds (at least 1)."""
    number = 1
    while True:
        start = clock()
        for _ in range(number):
            fn()
        elapsed = clock() - start
        if elapsed >= target or number >= 1 << 20:
            return number
        number = max(number * 2, int(number * target / max(elapsed, 1e-9)))


def compare(contenders: dict[str, Callable[[], object]], *, repeats: int = 15,
            warmup: int = 3, target: float = 0.02) -> dict[str, Measurement]:
    """Time each contender, interleaved; the same batch size ``number`` for all of them
    (calibrated on the slowest), ``warmup`` untimed batches first."""
    for fn in contenders.values():
        for _ in range(warmup):
            fn()
    number = min(calibrate(fn, target) for fn in contenders.values())
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            for name, fn in contenders.items():
                start = clock()
                for _ in range(number):
                    fn()
                samples[name].append((clock() - start) / number)
    finally:
        if gc_was_enabled:
            gc.enable()
    return {
        name: Measurement(name, statistics.median(s), min(s), max(s), repeats, number)
        for name, s in samples.items()
    }
