"""Testing tools for unitorch and for libraries built on it.

* :func:`assert_close` and :func:`assert_backends_match`;
* :mod:`unitorch.testing.strategies`: Hypothesis strategies for dtypes, shapes, tensors;
* :mod:`unitorch.testing.tolerances`: every tolerance, with its reason;
* a pytest plugin (``--unitorch-backends``, the ``backend`` fixture), enabled by
  installing unitorch.
"""

from . import tolerances
from .assertions import assert_backends_match, assert_close

__all__ = ["assert_close", "assert_backends_match", "strategies", "tolerances"]


def __getattr__(name: str):
    if name == "strategies":  # needs Hypothesis, a test-time dependency
        import importlib

        return importlib.import_module(".strategies", __name__)
    raise AttributeError(name)
