"""Special-value cases (+-inf, NaN, signed zeros, values near overflow) of the ops whose
kernels treat them differently by CPU or by a framework switch: TensorFlow's oneDNN
kernels (``TF_ENABLE_ONEDNN_OPTS``, read when TensorFlow is imported, default on or off
by CPU) and PyTorch's CPU capability (``ATEN_CPU_CAPABILITY``: default, AVX2, AVX-512
kernels).  Each case has a NumPy float64 reference.

``tests/test_special_values.py`` runs the cases in this process and, through
:func:`main`, in child processes with those switches set each way (they are read when
the framework loads).
"""

from __future__ import annotations

import math
import sys

import numpy as np

import unitorch as ut
import unitorch.nn.functional as F

inf, nan = np.inf, np.nan

ROWS = np.array([
    [-inf, -inf, -inf],   # nothing to normalize: NaN
    [inf, 1.0, -inf],     # +inf: NaN
    [-inf, 0.0, 0.0],     # -inf gets probability 0
    [1000.0, 1001.0, 999.0],  # large values do not overflow
    [nan, 0.0, 1.0],      # NaN poisons its slice
    [-1000.0, 0.0, 20.0],
    [inf, inf, 0.0],
    [-inf, nan, 1.0],
])
VALUES = np.array([inf, -inf, nan, 0.0, -0.0, 1.0, -1.0, 3e38, -3e38, 100.0, -100.0, 20.0,
                   -20.0, 88.8, -88.8, 6.0, -6.0, 9.0, 1e10, -1e10])
DTYPES = ("float16", "bfloat16", "float32", "float64")


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    y = x - np.max(x, axis=axis, keepdims=True, initial=-inf)
    e = np.exp(y)
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    y = x - np.max(x, axis=axis, keepdims=True, initial=-inf)
    return y - np.log(np.sum(np.exp(y), axis=axis, keepdims=True))


_erf = np.vectorize(math.erf, otypes=[np.float64])
_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


CASES = {
    # name -> (unitorch function, input, float64 reference, tolerance family)
    "softmax": (lambda x: ut.softmax(x, axis=-1), ROWS, lambda x: _softmax(x, -1),
                "composite"),
    "softmax_axis0": (lambda x: ut.softmax(x, axis=0), ROWS, lambda x: _softmax(x, 0),
                      "composite"),
    "log_softmax": (lambda x: ut.log_softmax(x, axis=-1), ROWS,
                    lambda x: _log_softmax(x, -1), "composite"),
    "log_softmax_axis0": (lambda x: ut.log_softmax(x, axis=0), ROWS,
                          lambda x: _log_softmax(x, 0), "composite"),
    "logsumexp": (lambda x: ut.logsumexp(x, axis=-1), ROWS, lambda x: _logsumexp(x),
                  "composite"),
    "gelu": (F.gelu, VALUES, lambda x: 0.5 * x * _erfc(-x / math.sqrt(2)), "composite"),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), VALUES, _gelu_tanh, "composite"),
    "silu": (F.silu, VALUES, lambda x: x / (1 + np.exp(-x)), "composite"),
    "sigmoid": (F.sigmoid, VALUES, lambda x: 1 / (1 + np.exp(-x)), "composite"),
    "erf": (ut.erf, VALUES, _erf, "composite"),
}


def _logsumexp(x: np.ndarray) -> np.ndarray:
    """NumPy's logsumexp along the last axis with unitorch's special cases: -inf over all
    -inf, +inf if any +inf (and no NaN), NaN with a NaN."""
    m = np.max(x, axis=-1)
    finite_m = np.where(np.isfinite(m), m, 0.0)
    out = finite_m + np.log(np.sum(np.exp(x - finite_m[:, None]), axis=-1))
    return np.where(np.isnan(x).any(-1), nan, out)


def reference(name: str, dtype: str) -> np.ndarray:
    """Case ``name``'s float64 reference for its input rounded to ``dtype``."""
    _, x, ref, _ = CASES[name]
    with np.errstate(all="ignore"):
        return ref(rounded(x, dtype))


def rounded(x: np.ndarray, dtype: str) -> np.ndarray:
    """``x`` rounded to ``dtype`` (overflow becomes inf), as float64."""
    with np.errstate(over="ignore"):
        return x.astype(getattr(ut, dtype).numpy).astype(np.float64)


def results(compiled: bool) -> dict[str, np.ndarray]:
    """Every case on every dtype with the active backend, eagerly and, with ``compiled``,
    inside ``ut.compile``: ``{"name|dtype|mode": float64 array}``."""
    out = {}
    modes = ("eager", "compiled") if compiled else ("eager",)
    for name, (fn, x, _, _) in CASES.items():
        for dtype in DTYPES:
            t = ut.asarray(rounded(x, dtype)).astype(getattr(ut, dtype))
            for mode in modes:
                run = fn if mode == "eager" else ut.compile(
                    fn, fallback=False, torch={"backend": "aot_eager"})
                out[f"{name}|{dtype}|{mode}"] = run(t).astype(ut.float64).numpy()
    return out


def main(backend: str, path: str, compiled: bool) -> None:
    """Write :func:`results` on ``backend`` to the ``.npz`` file ``path``."""
    ut.set_backend(backend)
    np.savez(path, **results(compiled))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] == "compiled")
