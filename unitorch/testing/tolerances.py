"""Every tolerance unitorch's tests use, in one place, each with its reason.

Two kinds:

* :data:`DEFAULTS`: per-dtype ``(rtol, atol)`` for :func:`unitorch.testing.assert_close`
  when the caller gives none.  They are PyTorch's ``torch.testing`` defaults: ``rtol`` is
  about 10 units in the last place (``eps``) of the dtype, enough for a few roundings;
  ``atol`` covers results that should be 0 but come out as tiny residues.
* :data:`FAMILIES`: per op family, in units of the result dtype's machine epsilon, for
  comparing a backend against a NumPy float64 reference and the backends against each
  other.  :func:`family_tolerance` turns a family and a dtype into ``(rtol, atol)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import dtypes as dt

__all__ = ["DEFAULTS", "FAMILIES", "Family", "family_tolerance", "eps"]

DEFAULTS: dict[dt.DType, tuple[float, float]] = {
    dt.float16: (1e-3, 1e-5),
    dt.bfloat16: (1.6e-2, 1e-5),
    dt.float32: (1.3e-6, 1e-5),
    dt.float64: (1e-7, 1e-7),
    dt.complex64: (1.3e-6, 1e-5),
    dt.complex128: (1e-7, 1e-7),
}
"""(rtol, atol) by dtype; integer and bool dtypes compare exactly."""


def eps(dtype: dt.DType) -> float:
    """Machine epsilon of a floating dtype (of the real part for complex); 0 otherwise."""
    if dtype.kind not in "fc":
        return 0.0
    return dt.finfo(dtype).eps


@dataclass(frozen=True)
class Family:
    """A tolerance in units of the result dtype's epsilon.

    ``rtol_eps``: relative error allowed, in eps.  ``atol_eps``: absolute error allowed,
    in eps, for results near zero.  ``reason``: why this much.
    """

    rtol_eps: float
    atol_eps: float
    reason: str


FAMILIES: dict[str, Family] = {
    "exact": Family(
        1, 0,
        "IEEE 754 correctly rounded operations (add, subtract, multiply, divide, sqrt, "
        "rounding, comparisons) and data movement (reshape, indexing, sorting): the result "
        "is the float64 reference rounded once, so at most half an ulp away; 1 eps allows "
        "for the reference's own rounding before the final one.",
    ),
    "transcendental": Family(
        8, 8,
        "exp, log, trig and hyperbolic functions: the frameworks use different vectorized "
        "implementations (SLEEF in PyTorch, Eigen in TensorFlow), documented to within "
        "1-4 ulp; 8 eps leaves room for both, and the atol covers results at zeros of the "
        "function (sin(pi)), where a relative error is meaningless.",
    ),
    "composite": Family(
        32, 32,
        "functions unitorch or a framework composes from several roundings (hypot, "
        "logaddexp, log2 = log(x)/log(2), gelu, softmax, var): each step adds up to half an "
        "ulp, and cancellation can magnify it; 32 eps covers a handful of steps.",
    ),
    "reduction": Family(
        4, 4,
        "sums, means and products: the error of n additions is bounded by n * eps * "
        "sum(|x|) and the summation order differs between frameworks (pairwise, blocked, "
        "vectorized); the test scales these units by n and by the magnitude of the inputs.",
    ),
    "matmul": Family(
        4, 4,
        "matmul, tensordot, einsum, convolution: each output is a dot product of length "
        "K, bounded by K * eps * sum(|a||b|); the test scales these units by K and that sum.",
    ),
    "fft": Family(
        4, 4,
        "discrete Fourier transforms (unitorch.fft): FFT algorithms are backward stable, "
        "the error of each output element bounded by about log2(n) * eps * ||y||, ||y|| the "
        "2-norm of the exact transform of its slice (n the transform's length); pocketfft "
        "(PyTorch, NumPy) and TensorFlow's kernels use different radices and twiddle "
        "tables, and a norm other than TensorFlow's own adds a scaling or two; the test "
        "scales these units by log2(n) (at least 1) and by ||y||.",
    ),
    "linalg": Family(
        1000, 1000,
        "decompositions and solves (inv, solve, det, eigh, svd, qr, cholesky): the error "
        "grows with the condition number; tests draw well-conditioned matrices (condition "
        "number below ~100), for which 1000 eps bounds LAPACK's backward-stable results.",
    ),
    "optimizer": Family(
        16, 16,
        "parameters after optimizer steps (SGD, Adam, RMSprop, Adagrad): each step rounds "
        "the new parameter (half an ulp of |p|) and computes the update with about ten "
        "roundings (moments, sqrt, division), whose errors the optimizer state carries "
        "into later steps; the test scales these units by the number of steps and by the "
        "magnitude of the parameters plus the sum of the update sizes.",
    ),
    "training": Family(
        64, 64,
        "losses and metrics of whole training runs (ut.fit against another backend, or "
        "against the same loop run eagerly): each step's forward and backward passes differ "
        "by a few roundings per layer (summation order in matmul and reductions, graph "
        "rewrites of compiled steps), and the optimizer carries every step's difference "
        "into the next; on the small, well-conditioned problems tested the difference "
        "grows about linearly with the number of optimizer steps, by which tests scale "
        "these units.  Accuracy-type metrics can also flip for a sample whose two best "
        "scores lie within that error: tests allow one sample per epoch there.",
    ),
}


def family_tolerance(family: str, dtype: dt.DType, scale: float = 1.0) -> tuple[float, float]:
    """``(rtol, atol)`` for ``family`` on results of ``dtype``; ``scale`` multiplies both
    (the length of a reduction, say).  Integer and bool results compare exactly."""
    if dtype.kind not in "fc":
        return 0.0, 0.0
    f = FAMILIES[family]
    e = eps(dtype)
    return f.rtol_eps * e * scale, f.atol_eps * e * scale
