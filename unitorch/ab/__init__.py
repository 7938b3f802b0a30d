"""``ut.ab``: A/B testing of backends: does this code give the same numbers on torch and
on TensorFlow, and which is faster?

* :func:`compare` runs a function on each backend in this process and reports, per
  output, the largest absolute, relative and ULP differences, whether they are within
  tolerance, and each backend's time;
* :func:`record` / :func:`record_history` keep values (a loss per step, final
  accuracies, a training history) for ``unitorch ab script.py``, which runs a whole script
  once per backend, each in its own process, compares what it recorded, plots the series,
  and exits non-zero when the backends diverge (a CI gate).  Outside ``unitorch ab``
  recording is a no-op.

See ``docs/ab-testing.md``.
"""

from .compare import compare
from .diff import Diff, compare_values, ulp_distance
from .record import flush, record, record_history, recording, records
from .report import CompareReport, ScriptReport

__all__ = ["compare", "record", "record_history", "flush", "recording", "records",
           "ulp_distance", "compare_values", "Diff", "CompareReport", "ScriptReport"]
