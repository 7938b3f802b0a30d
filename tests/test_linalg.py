"""Products (matmul, tensordot, vecdot, einsum...) and the ``ut.linalg`` extension against
NumPy float64 and across backends.

Decompositions are compared through what is unique about them: reconstructions
(``U @ diag(S) @ Vh == A``), orthogonality, eigen- and singular values, and factors only
where they are unique (Cholesky, inverse, pseudo-inverse).  Matrices are drawn well
conditioned, ``A = U diag(s) V^H`` with random unitary ``U``, ``V`` and ``s`` in
``[0.5, 2]`` (condition number at most 4), so the "linalg" tolerance family applies at
scale 1."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import unitorch as ut
from unitorch.testing import strategies as uts

from support import check, on_backends, same_error

L = ut.linalg
_LINALG_DTYPES = [ut.float32, ut.float64, ut.complex64, ut.complex128]
_REAL = {ut.complex64: ut.float32, ut.complex128: ut.float64}


def _real(d: ut.DType) -> ut.DType:
    return _REAL.get(d, d)


def _wide(x: np.ndarray) -> np.ndarray:
    if x.dtype.kind == "c":
        return x.astype(np.complex128)
    if x.dtype.kind in "biu":
        return x
    return x.astype(np.float64)


def _component(e) -> np.ndarray:
    e = np.asarray(e)
    if e.dtype.kind == "c":
        return np.minimum(np.abs(e.real), np.abs(e.imag))
    return np.abs(e.astype(np.float64))


def _matmul_scale(k: int, bound, expected, complex_: bool) -> float:
    """Scale for the "matmul" family: a dot product of length ``k`` is off by at most
    ``k * u * sum(|a||b|)`` (``u = eps / 2``; complex products round a few more times,
    hence ``k + 2``), in any order of summation; the check allows
    ``4 * eps * scale * (1 + |expected|)`` per component, so
    ``scale = k * max(bound / (1 + |expected|))`` leaves a margin of 8.  Non-finite
    entries are compared exactly and left out."""
    k = k + 2 if complex_ else k
    bound = np.broadcast_to(np.asarray(bound, np.float64), np.shape(expected))
    comp = _component(expected)
    ok = np.isfinite(bound) & np.isfinite(comp)
    if not np.any(ok) or k == 0:
        return 1.0
    return max(k * float(np.max(bound[ok] / (1.0 + comp[ok]))), 1.0)


def _values(d: ut.DType, bound: float = 10.0):
    if d.kind in "biu":
        return uts.elements(d)
    return uts.elements(d, min_value=-bound, max_value=bound)


def _abs(x: np.ndarray) -> np.ndarray:
    return np.abs(_wide(x)).astype(np.float64)


# ---------------------------------------------------------------------------------------
# matmul


@st.composite
def matmul_shapes(draw):
    m, k, n = (draw(st.integers(0, 4)) for _ in range(3))
    batches = draw(uts.mutually_broadcastable_shapes(2, max_dims=2, max_side=3))
    b1, b2 = batches.input_shapes
    v1, v2 = draw(st.booleans()), draw(st.booleans())
    s1 = (k,) if v1 else (*b1, m, k)
    s2 = (k,) if v2 else (*b2, k, n)
    return s1, s2, k


@given(data=st.data())
def test_matmul_matches_numpy(backends, data):
    d = data.draw(uts.dtypes("iufc", half=True), label="dtype")
    s1, s2, k = data.draw(matmul_shapes(), label="shapes")
    a = data.draw(uts.arrays(d, s1, elements=_values(d)), label="a")
    b = data.draw(uts.arrays(d, s2, elements=_values(d)), label="b")
    results = on_backends(backends, ut.matmul, a, b)
    with np.errstate(all="ignore"):
        # integers: NumPy multiplies and adds in the dtype itself, wrapping as we do
        expected = np.matmul(_wide(a), _wide(b)) if d.kind in "fc" else np.matmul(a, b)
        bound = np.matmul(_abs(a), _abs(b))
    check(results, expected, d, "matmul", scale=_matmul_scale(k, bound, expected, d.kind == "c"),
          shape=np.shape(expected))
    operator_results = on_backends(backends, lambda x, y: x @ y, a, b)
    check(operator_results, expected, d, "matmul",
          scale=_matmul_scale(k, bound, expected, d.kind == "c"))


def test_matmul_promotes_and_wraps(backends):
    a = np.array([[100, 100]], np.int8)
    b = np.array([[2], [1]], np.int8)
    check(on_backends(backends, ut.matmul, a, b), np.array([[44]]), ut.int8)  # 300 - 256
    check(on_backends(backends, ut.matmul, a.astype(np.uint8), b.astype(np.uint8)),
          np.array([[44]]), ut.uint8)
    check(on_backends(backends, ut.matmul, a, np.array([[0.5], [1.0]], np.float32)),
          np.array([[150.0]]), ut.float32)
    check(on_backends(backends, ut.matmul, np.ones(3, np.int64), np.ones(3, np.int64)),
          np.array(3), ut.int64, shape=())


def test_matmul_errors(backends):
    msg = same_error(backends, ut.ShapeError, ut.matmul, np.ones((2, 3), np.float32),
                     np.ones((4, 2), np.float32))
    assert msg == "matmul(): shapes (2, 3) and (4, 2) do not align (3 != 4)"
    same_error(backends, ut.ShapeError, ut.matmul, np.ones((2, 2, 3)), np.ones((3, 3, 1)),
               match="batch dimensions of")
    same_error(backends, ut.ShapeError, ut.matmul, np.ones(()), np.ones((2, 2)),
               match="0-d")
    same_error(backends, ut.ShapeError, ut.matmul, np.ones(3), np.ones(4), match="align")
    msg = same_error(backends, ut.DTypeError, ut.matmul, np.ones((2, 2), bool),
                     np.ones((2, 2), bool))
    assert msg == "matmul() expects numeric tensors, got bool"


# ---------------------------------------------------------------------------------------
# tensordot, vecdot, dot, inner, outer


@st.composite
def tensordot_case(draw):
    s1 = draw(uts.shapes(max_dims=3, max_side=3))
    c = draw(st.integers(0, len(s1)))
    axes1 = draw(st.permutations(range(len(s1))))[:c]
    free2 = draw(uts.shapes(max_dims=3 - c, max_side=3))
    order = draw(st.permutations(range(c + len(free2))))
    shape2 = [0] * (c + len(free2))
    axes2 = []
    for i, a in enumerate(axes1):
        shape2[order[i]] = s1[a]
        axes2.append(order[i])
    for j, size in enumerate(free2):
        shape2[order[c + j]] = size
    negate = draw(st.booleans())
    a1 = [a - len(s1) if negate else a for a in axes1]
    return s1, tuple(shape2), (a1, axes2), math.prod(s1[a] for a in axes1)


@given(data=st.data())
def test_tensordot_matches_numpy(backends, data):
    d = data.draw(uts.dtypes("iufc"), label="dtype")
    s1, s2, axes, k = data.draw(tensordot_case(), label="case")
    a = data.draw(uts.arrays(d, s1, elements=_values(d)), label="a")
    b = data.draw(uts.arrays(d, s2, elements=_values(d)), label="b")
    results = on_backends(backends, lambda x, y: ut.tensordot(x, y, axes=axes), a, b)
    with np.errstate(all="ignore"):
        expected = np.tensordot(_wide(a), _wide(b), axes=axes) if d.kind in "fc" else \
            np.tensordot(a, b, axes=axes)
        bound = np.tensordot(_abs(a), _abs(b), axes=axes)
    check(results, expected, d, "matmul",
          scale=_matmul_scale(k, bound, expected, d.kind == "c"), shape=np.shape(expected))


def test_tensordot_int_axes_and_errors(backends):
    a, b = np.arange(24.0).reshape(2, 3, 4), np.arange(12.0).reshape(3, 4)
    check(on_backends(backends, lambda x, y: ut.tensordot(x, y), a, b),
          np.tensordot(a, b), ut.float64, "matmul", scale=12 * 300)
    check(on_backends(backends, lambda x, y: ut.tensordot(x, y, axes=0), a[0, 0], b[0]),
          np.tensordot(a[0, 0], b[0], axes=0), ut.float64)
    same_error(backends, ut.ShapeError, lambda x, y: ut.tensordot(x, y, axes=1), a, b,
               match=r"axis 2 of \(2, 3, 4\) and axis 0 of \(3, 4\) differ in size")
    same_error(backends, ut.ShapeError, lambda x, y: ut.tensordot(x, y, axes=3), a, b,
               match="cannot contract 3 axes")
    same_error(backends, ut.ShapeError,
               lambda x, y: ut.tensordot(x, y, axes=([1, 1], [0, 0])), a, b,
               match="repeated axis")
    same_error(backends, ut.ShapeError, lambda x, y: ut.tensordot(x, y, axes=([1], [0, 1])),
               a, b, match="differ in length")
    same_error(backends, ut.AxisError, lambda x, y: ut.tensordot(x, y, axes=([5], [0])), a, b)


@given(data=st.data())
def test_vecdot_matches_numpy(backends, data):
    d = data.draw(uts.dtypes("iufc"), label="dtype")
    shapes = data.draw(uts.mutually_broadcastable_shapes(2, min_dims=1, max_dims=3,
                                                         max_side=4), label="shapes")
    s1, s2 = (list(s) for s in shapes.input_shapes)
    ndim = min(len(s1), len(s2))
    axis = data.draw(st.integers(-ndim, -1), label="axis")
    k = data.draw(st.integers(0, 4), label="k")
    s1[axis], s2[axis] = k, k  # the contracted axis has one size in both
    a = data.draw(uts.arrays(d, tuple(s1), elements=_values(d)), label="a")
    b = data.draw(uts.arrays(d, tuple(s2), elements=_values(d)), label="b")
    results = on_backends(backends, lambda x, y: ut.vecdot(x, y, axis=axis), a, b)
    with np.errstate(all="ignore"):
        expected = np.sum(np.conj(_wide(a)) * _wide(b), axis=axis) if d.kind in "fc" else \
            np.sum(a * b, axis=axis, dtype=d.numpy)
        bound = np.sum(_abs(a) * _abs(b), axis=axis)
    check(results, expected, d, "matmul", scale=_matmul_scale(k, bound, expected,
                                                             d.kind == "c"),
          shape=np.shape(expected))
    same = on_backends(backends, lambda x, y: L.vecdot(x, y, axis=axis), a, b)
    check(same, expected, d, "matmul", scale=_matmul_scale(k, bound, expected, d.kind == "c"))


def test_vecdot_conjugates_the_first_argument_and_wraps(backends):
    a = np.array([1j, 2], np.complex64)
    b = np.array([1j, 1], np.complex64)
    check(on_backends(backends, ut.vecdot, a, b), np.array(3 + 0j), ut.complex64)
    check(on_backends(backends, ut.dot, a, b), np.array(1 + 0j), ut.complex64)  # no conj
    i8 = np.array([100, 100], np.int8)
    check(on_backends(backends, ut.vecdot, i8, np.ones(2, np.int8)), np.array(-56), ut.int8)
    same_error(backends, ut.ShapeError, ut.vecdot, np.ones((3, 1)), np.ones((3, 2)),
               match="differ along axis -1")
    same_error(backends, ut.ShapeError, lambda x, y: ut.vecdot(x, y, axis=0),
               np.ones((3, 2)), np.ones(2), match="contracted axis does not broadcast")


def test_dot_inner_outer(backends):
    a, b = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])
    check(on_backends(backends, ut.dot, a, b), np.dot(a, b), ut.float64)
    m1, m2 = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(4, 3)
    check(on_backends(backends, ut.inner, m1, m2), np.inner(m1, m2), ut.float64, "matmul",
          scale=3 * 100)
    check(on_backends(backends, ut.inner, np.array(2.0), m1), 2 * m1, ut.float64)
    check(on_backends(backends, ut.outer, a, b), np.outer(a, b), ut.float64)
    check(on_backends(backends, L.outer, a.astype(np.int8) * 50, b.astype(np.int8)),
          np.outer(a.astype(np.int8) * 50, b.astype(np.int8)), ut.int8)  # wraps
    same_error(backends, ut.ShapeError, ut.dot, m1, a, match="dot\\(\\) needs two 1-D")
    same_error(backends, ut.ShapeError, ut.dot, a, a[:2], match="align")
    same_error(backends, ut.ShapeError, ut.inner, m1, np.ones((2, 2)), match="last axes")
    same_error(backends, ut.ShapeError, ut.outer, m1, a, match="1-D")


# ---------------------------------------------------------------------------------------
# einsum

EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ii", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("ij->ji", [(2, 3)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 1)]),
    ("...ij,...jk", [(5, 2, 3), (3, 4)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (3, 3, 2)]),
    ("i,i", [(4,), (4,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ij,ij->ij", [(2, 1), (2, 3)]),  # a size-1 label broadcasts (NumPy; not TF itself)
    ("ijk->", [(2, 3, 4)]),
    ("bA", [(2, 3)]),  # implicit output: labels sorted by ASCII ('A' before 'b')
    ("i,i", [(0,), (0,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("", [()]),
]


@pytest.mark.parametrize("subscripts, shapes", EINSUM_CASES)
@settings(max_examples=max(3, settings.default.max_examples // 4))  # 16 cases
@given(data=st.data())
def test_einsum_matches_numpy(backends, subscripts, shapes, data):
    d = data.draw(uts.dtypes("iufc"), label="dtype")
    ops = [data.draw(uts.arrays(d, s, elements=_values(d, 4)), label=f"x{i}")
           for i, s in enumerate(shapes)]
    results = on_backends(backends, lambda *xs: ut.einsum(subscripts, *xs), *ops)
    with np.errstate(all="ignore"):
        expected = np.einsum(subscripts, *[_wide(o) for o in ops]) if d.kind in "fc" else \
            np.einsum(subscripts, *ops)
        bound = np.einsum(subscripts, *[_abs(o) for o in ops])
    # each output sums `terms` products of len(ops) factors: einsum of ones counts them
    terms = np.einsum(subscripts, *[np.ones(s) for s in shapes])
    k = int(np.max(terms, initial=0)) + len(ops) - 1
    check(results, expected, d, "matmul",
          scale=_matmul_scale(k, bound, expected, d.kind == "c"), shape=np.shape(expected))


def test_einsum_integer_results_keep_the_dtype(backends):
    """torch.einsum("ii") of int32 returns int64 (it sums like torch.sum)."""
    x = np.full((3, 3), 2**30, np.int32)
    check(on_backends(backends, lambda t: ut.einsum("ii", t), x),
          np.array(np.einsum("ii", x)), ut.int32)  # 3 * 2**30 wraps in int32
    i8 = np.full(3, 100, np.int8)
    check(on_backends(backends, lambda t: ut.einsum("i->", t), i8), np.array(44), ut.int8)
    check(on_backends(backends, lambda a, b: ut.einsum("i,i", a, b), i8, np.ones(3, np.int8)),
          np.array(44), ut.int8)


def test_einsum_errors(backends):
    a, b = np.ones((2, 3)), np.ones((4, 4))
    msg = same_error(backends, ut.ShapeError, lambda x, y: ut.einsum("ij,jk->ik", x, y),
                     a, b)
    assert msg == "einsum(): index 'j' has sizes 3 and 4"
    same_error(backends, ut.ShapeError, lambda x: ut.einsum("ijk", x), a,
               match="do not match an operand of shape")
    same_error(backends, ValueError, lambda x: ut.einsum("ij,jk", x), a,
               match="2 operands")
    same_error(backends, ValueError, lambda x: ut.einsum("i1", x), a, match="invalid")
    same_error(backends, ValueError, lambda x: ut.einsum("ij->ii", x), a, match="more than once")
    same_error(backends, ValueError, lambda x: ut.einsum("ij->k", x), a, match="not in any")
    same_error(backends, ut.ShapeError, lambda x: ut.einsum("ii->i", x), np.ones((1, 3)),
               match="repeated in 'ii'")
    same_error(backends, ut.ShapeError, lambda x, y: ut.einsum("...ij,jk->ik", x, y),
               np.ones((5, 2, 3)), np.ones((3, 4)), match="need '...'")
    same_error(backends, ut.ShapeError, lambda x, y: ut.einsum("...i,...i->...", x, y),
               np.ones((2, 3)), np.ones((4, 3)), match="do not broadcast")
    same_error(backends, ut.DTypeError, lambda x: ut.einsum("ii", x), np.ones((2, 2), bool),
               match="einsum")


# ---------------------------------------------------------------------------------------
# well-conditioned matrices


def _unitary(rng: np.random.Generator, batch: tuple[int, ...], n: int, cplx: bool
             ) -> np.ndarray:
    z = rng.standard_normal((*batch, n, n))
    if cplx:
        z = z + 1j * rng.standard_normal((*batch, n, n))
    q, _ = np.linalg.qr(z)
    return q


@st.composite
def matrices(draw, kind: str = "general", square: bool = True, dtypes=None,
             batch_dims: int = 2):
    """(dtype, matrix) drawn as U diag(s) V^H with s in [0.5, 2]: condition number <= 4.

    ``kind``: "general" (any U, V), "hpd" (V = U: Hermitian positive-definite) or
    "hermitian" (V = U and random signs on s: Hermitian, indefinite)."""
    d = draw(st.sampled_from(dtypes or _LINALG_DTYPES), label="dtype")
    batch = draw(uts.shapes(max_dims=batch_dims, min_side=1, max_side=3), label="batch")
    m = draw(st.integers(1, 4), label="m")
    n = m if square else draw(st.integers(1, 4), label="n")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
    cplx = d.kind == "c"
    k = min(m, n)
    s = rng.uniform(0.5, 2.0, (*batch, k))
    u = _unitary(rng, batch, m, cplx)[..., :k]
    if kind == "general":
        vh = np.conj(np.swapaxes(_unitary(rng, batch, n, cplx), -1, -2))[..., :k, :]
    else:
        if kind == "hermitian":
            s = s * rng.choice([-1.0, 1.0], s.shape)
        vh = np.conj(np.swapaxes(u, -1, -2))
    a = (u * s[..., None, :]) @ vh
    if kind != "general":
        a = (a + np.conj(np.swapaxes(a, -1, -2))) / 2  # exactly Hermitian, also once cast
    return d, a.astype(d.numpy)


def _h(x):
    """Conjugate transpose of a Tensor."""
    t = ut.matrix_transpose(x)
    return ut.conj(t) if x.dtype.kind == "c" else t


def _eye_like(shape: tuple[int, ...], k: int) -> np.ndarray:
    return np.broadcast_to(np.eye(k), (*shape, k, k))


@given(case=matrices("hpd"))
def test_cholesky_matches_numpy(backends, case):
    d, a = case
    lower = np.linalg.cholesky(_wide(a))  # unique: positive real diagonal
    check(on_backends(backends, L.cholesky, a), lower, d, "linalg")
    check(on_backends(backends, lambda t: L.cholesky(t, upper=True), a),
          np.conj(np.swapaxes(lower, -1, -2)), d, "linalg")


def test_cholesky_reads_the_lower_triangle_and_gives_nan_when_not_positive_definite(
        backends):
    a = np.array([[4.0, 99.0], [2.0, 5.0]])  # the upper triangle is ignored
    check(on_backends(backends, L.cholesky, a), np.array([[2.0, 0.0], [1.0, 2.0]]),
          ut.float64, "linalg")
    check(on_backends(backends, lambda t: L.cholesky(t, upper=True), a),
          np.array([[2.0, 1.0], [0.0, 2.0]]), ut.float64, "linalg")
    bad = np.stack([np.array([[1.0, 2.0], [2.0, 1.0]]), np.eye(2)])
    check(on_backends(backends, L.cholesky, bad),
          np.stack([np.full((2, 2), np.nan), np.eye(2)]), ut.float64, "linalg")


@given(case=matrices("general"))
def test_det_slogdet_inv_match_numpy(backends, case):
    d, a = case
    w = _wide(a)
    check(on_backends(backends, L.det, a), np.linalg.det(w), d, "linalg")
    sign, logabsdet = np.linalg.slogdet(w)
    out = on_backends(backends, L.slogdet, a)
    check({k: v.sign for k, v in out.items()}, sign, d, "linalg")
    check({k: v.logabsdet for k, v in out.items()}, logabsdet, _real(d), "linalg")
    check(on_backends(backends, L.inv, a), np.linalg.inv(w), d, "linalg")
    for r in out.values():
        assert r._fields == ("sign", "logabsdet")


@st.composite
def solve_case(draw):
    d, a = draw(matrices("general"))
    m = a.shape[-1]
    vector = draw(st.booleans())
    if vector:
        shape = (m,)
    else:
        batch = draw(uts.broadcastable_shapes(a.shape[:-2], max_dims=3, min_side=1,
                                              max_side=3))
        shape = (*batch, m, draw(st.integers(1, 3)))
    b = draw(uts.arrays(d, shape, elements=_values(d, 2)))
    return d, a, b


@given(case=solve_case())
def test_solve_matches_numpy(backends, case):
    d, a, b = case
    expected = np.linalg.solve(_wide(a), _wide(b))  # NumPy 2 follows the 2023.12 rule
    check(on_backends(backends, L.solve, a, b), expected, d, "linalg",
          shape=expected.shape)


def test_solve_follows_the_standard_not_torch_guessing(backends):
    """x2 of shape x1.shape[:-1] is a stack of matrices, not a batch of vectors."""
    a = np.stack([np.eye(3) * (i + 1) for i in range(3)])
    b = np.arange(9.0).reshape(3, 3)
    expected = np.linalg.solve(a, b)
    assert expected.shape == (3, 3, 3)
    check(on_backends(backends, L.solve, a, b), expected, ut.float64, "linalg")
    check(on_backends(backends, L.solve, a, b[0]), np.linalg.solve(a, b[0]), ut.float64,
          "linalg", shape=(3, 3))


@given(case=matrices("hermitian"))
def test_eigh_invariants(backends, case):
    d, a = case
    w = np.linalg.eigvalsh(_wide(a))
    out = on_backends(backends, L.eigh, a)
    check({k: r.eigenvalues for k, r in out.items()}, w, _real(d), "linalg")
    check(on_backends(backends, L.eigvalsh, a), w, _real(d), "linalg")
    # eigenvectors are unique only up to sign/phase: check V diag(w) V^H == A and
    # V^H V == I instead of the columns themselves
    n = a.shape[-1]
    recon, ortho = {}, {}
    for name, r in out.items():
        with ut.use_backend(name):
            v = r.eigenvectors
            recon[name] = ut.matmul(v * r.eigenvalues.astype(d)[..., None, :], _h(v))
            ortho[name] = ut.matmul(_h(v), v)
        assert r._fields == ("eigenvalues", "eigenvectors")
    check(recon, _wide(a), d, "linalg")
    check(ortho, _eye_like(a.shape[:-2], n), d, "linalg")


@pytest.mark.parametrize("mode", ["reduced", "complete"])
@given(case=matrices("general", square=False))
def test_qr_invariants(backends, mode, case):
    d, a = case
    m, n = a.shape[-2:]
    k = min(m, n) if mode == "reduced" else m
    out = on_backends(backends, lambda t: L.qr(t, mode=mode), a)
    recon, ortho, r_part = {}, {}, {}
    for name, res in out.items():
        assert res.Q.shape == (*a.shape[:-2], m, k) and res.R.shape == (*a.shape[:-2], k, n)
        with ut.use_backend(name):
            recon[name] = ut.matmul(res.Q, res.R)
            ortho[name] = ut.matmul(_h(res.Q), res.Q)
            r_part[name] = ut.tril(res.R, k=-1)
            # |diag(R)| is unique (the signs are not)
            r_part[name + " |diag|"] = ut.abs(L.diagonal(res.R))
    check(recon, _wide(a), d, "linalg")
    check(ortho, _eye_like(a.shape[:-2], k), d, "linalg")
    check({n_: v for n_, v in r_part.items() if "diag" not in n_},
          np.zeros((*a.shape[:-2], k, n)), d)
    ref_r = np.linalg.qr(_wide(a), mode="reduced")[1]
    check({n_: v for n_, v in r_part.items() if "diag" in n_},
          np.abs(np.diagonal(ref_r, axis1=-2, axis2=-1)), _real(d), "linalg")


@pytest.mark.parametrize("d", _LINALG_DTYPES)
def test_qr_of_huge_and_tiny_matrices(backends, d):
    """Entries whose squares overflow or underflow: TensorFlow's QR squares them unscaled
    (NaN, or a wrong R, on its own); LAPACK scales, and so does unitorch on TensorFlow."""
    rng = np.random.default_rng(7)
    real = _real(d)
    top = 100 if real is ut.float32 else 1000
    for shape in ((2, 4, 3), (3, 5)):
        a = rng.standard_normal(shape)
        if d.kind == "c":
            a = a + 1j * rng.standard_normal(shape)
        for scale in (2.0 ** top, 2.0 ** -top):
            x = (a * scale).astype(d.numpy)
            for mode in ("reduced", "complete"):
                out = on_backends(backends, lambda t, mode=mode: L.qr(t, mode=mode), x)
                recon, ortho = {}, {}
                for name, res in out.items():
                    q, r = res.Q.numpy(), res.R.numpy()
                    assert np.isfinite(q).all() and np.isfinite(r).all(), f"{name} {scale}"
                    assert (np.tril(r, -1) == 0).all(), name
                    with ut.use_backend(name):
                        recon[name] = ut.matmul(res.Q, ut.asarray(r / scale).astype(d))
                        ortho[name] = ut.matmul(_h(res.Q), res.Q)
                check(recon, _wide(x) / scale, d, "linalg")
                check(ortho, _eye_like(x.shape[:-2], q.shape[-1]), d, "linalg")
    # found by the Array API test suite: complex64 entries of 1.8e19 (TF gave NaN)
    x = np.zeros((4, 5), np.complex64)
    x[1, 1], x[3, 1] = 7.1136921e16j, 1.8446607e19j
    for name, res in on_backends(backends, L.qr, x).items():
        assert np.isfinite(res.R.numpy()).all() and np.isfinite(res.Q.numpy()).all(), name
        np.testing.assert_allclose(res.Q.numpy() @ res.R.numpy(), x, rtol=1e-5,
                                   atol=1e-5 * 1.8446607e19, err_msg=name)


@pytest.mark.parametrize("full_matrices", [True, False])
@given(case=matrices("general", square=False))
def test_svd_invariants(backends, full_matrices, case):
    d, a = case
    m, n = a.shape[-2:]
    k = min(m, n)
    s_ref = np.linalg.svd(_wide(a), compute_uv=False)
    out = on_backends(backends, lambda t: L.svd(t, full_matrices=full_matrices), a)
    check({name: r.S for name, r in out.items()}, s_ref, _real(d), "linalg")
    check(on_backends(backends, L.svdvals, a), s_ref, _real(d), "linalg")
    recon, u_ortho, v_ortho = {}, {}, {}
    for name, r in out.items():
        ku = m if full_matrices else k
        kv = n if full_matrices else k
        assert r.U.shape == (*a.shape[:-2], m, ku) and r.Vh.shape == (*a.shape[:-2], kv, n)
        assert r._fields == ("U", "S", "Vh")
        with ut.use_backend(name):
            us = r.U[..., :, :k] * r.S.astype(d)[..., None, :]
            recon[name] = ut.matmul(us, r.Vh[..., :k, :])
            u_ortho[name] = ut.matmul(_h(r.U), r.U)
            v_ortho[name] = ut.matmul(r.Vh, _h(r.Vh))
    check(recon, _wide(a), d, "linalg")
    check(u_ortho, _eye_like(a.shape[:-2], m if full_matrices else k), d, "linalg")
    check(v_ortho, _eye_like(a.shape[:-2], n if full_matrices else k), d, "linalg")


@st.composite
def low_rank(draw):
    """(dtype, matrix, rank): nonzero singular values in [0.5, 2], the rest exactly 0."""
    d = draw(st.sampled_from(_LINALG_DTYPES))
    batch = draw(uts.shapes(max_dims=1, min_side=1, max_side=2))
    m, n = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    r = draw(st.integers(0, min(m, n)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    cplx = d.kind == "c"
    u = _unitary(rng, batch, m, cplx)[..., :r]
    vh = np.conj(np.swapaxes(_unitary(rng, batch, n, cplx), -1, -2))[..., :r, :]
    s = rng.uniform(0.5, 2.0, (*batch, r))
    return d, ((u * s[..., None, :]) @ vh).astype(d.numpy), r


@given(case=low_rank())
def test_matrix_rank_and_pinv_match_numpy(backends, case):
    d, a, r = case
    check(on_backends(backends, L.matrix_rank, a), np.full(a.shape[:-2], r), ut.int64)
    # NumPy's pinv cuts at rcond * max(s) too; both default to max(M, N) * eps
    w = _wide(a)
    rtol = max(a.shape[-2:]) * np.finfo(_real(d).numpy).eps
    expected = np.linalg.pinv(w, rtol=rtol)
    check(on_backends(backends, L.pinv, a), expected, d, "linalg", shape=expected.shape)


def test_matrix_rank_rtol(backends):
    a = np.array([[[1.0, 0.0], [0.0, 1e-3]]] * 2, np.float32)
    check(on_backends(backends, lambda t: L.matrix_rank(t, rtol=1e-2), a), np.array([1, 1]),
          ut.int64)
    check(on_backends(backends, lambda t: L.matrix_rank(t, rtol=ut.asarray(
        np.array([1e-2, 1e-4], np.float32))), a), np.array([1, 2]), ut.int64)
    check(on_backends(backends, L.matrix_rank, np.zeros((3, 0, 2))), np.zeros(3), ut.int64)
    check(on_backends(backends, L.pinv, np.zeros((3, 0))), np.zeros((0, 3)), ut.float64)


@given(case=matrices("general"), n=st.integers(-3, 5))
def test_matrix_power_matches_numpy(backends, case, n):
    d, a = case
    expected = np.linalg.matrix_power(_wide(a), n)
    # up to 5 products of matrices with ||a|| <= 2: each a "linalg"-sized error at most
    check(on_backends(backends, lambda t: L.matrix_power(t, n), a), expected, d, "linalg",
          scale=2.0 ** abs(n))


def test_matrix_power_of_integers_stays_integer(backends):
    a = np.array([[1, 1], [1, 0]], np.int64)  # Fibonacci: 90 steps fit in int64
    check(on_backends(backends, lambda t: L.matrix_power(t, 90), a),
          np.linalg.matrix_power(a, 90), ut.int64)
    check(on_backends(backends, lambda t: L.matrix_power(t, 0), a.astype(np.int8)),
          np.eye(2), ut.int8)
    check(on_backends(backends, lambda t: L.matrix_power(t, -1), a), np.linalg.inv(a),
          ut.float32, "linalg")


# ---------------------------------------------------------------------------------------
# norms


@pytest.mark.parametrize("ord", ["fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf])
@given(case=matrices("general", square=False), keepdims=st.booleans())
def test_matrix_norm_matches_numpy(backends, ord, case, keepdims):
    d, a = case
    expected = np.linalg.matrix_norm(_wide(a), ord=ord, keepdims=keepdims)
    check(on_backends(backends, lambda t: L.matrix_norm(t, ord=ord, keepdims=keepdims), a),
          expected, _real(d), "linalg", shape=expected.shape)


@pytest.mark.parametrize("ord", [2, 1, math.inf, -math.inf, 0, 3, -1, 0.5])
@given(data=st.data())
def test_vector_norm_matches_numpy(backends, ord, data):
    d = data.draw(uts.dtypes("iufc", half=True), label="dtype")
    shape = data.draw(uts.shapes(max_dims=3, max_side=4,
                                 min_side=1 if math.isinf(ord) else 0), label="shape")
    # |x|^ord is summed unscaled, as in PyTorch, TensorFlow and NumPy: keep it finite in
    # the (float32) result dtype
    elems = uts.elements(d, min_value=-10**6, max_value=10**6) if d.kind in "iu" else \
        _values(d, 100)
    x = data.draw(uts.arrays(d, shape, elements=elems), label="x")
    ndim = len(shape)
    axis = data.draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1) if ndim else st.none(),
                               st.lists(st.integers(0, ndim - 1), unique=True, min_size=1)
                               .map(tuple) if ndim else st.none()), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    with np.errstate(all="ignore"):
        expected = np.linalg.vector_norm(_wide(x).astype(np.complex128 if d.kind == "c"
                                                         else np.float64),
                                         axis=axis, keepdims=keepdims, ord=ord)
    out = ut.get_default_dtype() if d.kind in "iu" else _real(d)
    results = on_backends(backends, lambda t: L.vector_norm(t, axis=axis, keepdims=keepdims,
                                                            ord=ord), x)
    # a sum of n powers (relative error ~ n u), then a power: "reduction" scaled by n
    # plus a few roundings for the powers
    n = x.size // max(1, np.size(expected))
    check(results, expected, out, "reduction", scale=n + 8, shape=np.shape(expected))


def test_norm_errors(backends):
    x = np.ones((2, 2), np.float32)
    msg = same_error(backends, ValueError, lambda t: L.matrix_norm(t, ord=3), x)
    assert msg == "matrix_norm() ord must be one of 'fro', 'nuc', 1, -1, 2, -2, inf, -inf; got 3"
    same_error(backends, ValueError, lambda t: L.matrix_norm(t, ord="max"), x)
    same_error(backends, ValueError, lambda t: L.vector_norm(t, ord="fro"), x,
               match="real number")
    same_error(backends, ValueError, lambda t: L.vector_norm(t, ord=math.inf),
               np.ones((0,)), match="empty axis")
    same_error(backends, ValueError, lambda t: L.matrix_norm(t, ord=2), np.ones((2, 0)),
               match="empty axis")
    same_error(backends, ut.ShapeError, L.matrix_norm, np.ones(3), match="at least 2")
    same_error(backends, ut.DTypeError, L.vector_norm, np.ones(3, bool), match="vector_norm")


# ---------------------------------------------------------------------------------------
# cross, trace, diagonal, re-exports


@given(data=st.data())
def test_cross_matches_numpy(backends, data):
    d = data.draw(uts.dtypes("iufc"), label="dtype")
    shapes = data.draw(uts.mutually_broadcastable_shapes(2, min_dims=1, max_dims=3,
                                                         max_side=3), label="shapes")
    s1, s2 = (list(s) for s in shapes.input_shapes)
    ndim = min(len(s1), len(s2))
    axis = data.draw(st.integers(-ndim, -1), label="axis")
    s1[axis] = s2[axis] = 3
    a = data.draw(uts.arrays(d, tuple(s1), elements=_values(d)), label="a")
    b = data.draw(uts.arrays(d, tuple(s2), elements=_values(d)), label="b")
    with np.errstate(all="ignore"):
        if d.kind in "fc":
            expected = np.cross(_wide(a), _wide(b), axis=axis)
        else:  # wrap in the dtype, as the backends do
            expected = np.cross(a, b, axis=axis).astype(d.numpy)
        # c_i = a_(i+1) b_(i+2) - a_(i+2) b_(i+1): a dot product of length 2
        aa, bb = np.broadcast_arrays(_abs(a), _abs(b))
        bound = (np.roll(aa, -1, axis) * np.roll(bb, -2, axis)
                 + np.roll(aa, -2, axis) * np.roll(bb, -1, axis))
    check(on_backends(backends, lambda x, y: L.cross(x, y, axis=axis), a, b), expected, d,
          "matmul", scale=_matmul_scale(2, bound, expected, d.kind == "c"),
          shape=np.shape(expected))


def test_cross_errors(backends):
    same_error(backends, ut.ShapeError, L.cross, np.ones(2), np.ones(2),
               match=r"axis -1 must have size 3 in both shapes \(2,\) and \(2,\)")
    same_error(backends, ut.ShapeError, L.cross, np.ones((3, 1)), np.ones((3, 3)),
               match="size 3")
    same_error(backends, ut.DTypeError, L.cross, np.ones(3, bool), np.ones(3, bool))


@given(data=st.data(), offset=st.integers(-5, 5))
def test_trace_and_diagonal_match_numpy(backends, offset, data):
    d = data.draw(uts.dtypes("iufc", half=True), label="dtype")
    shape = data.draw(uts.shapes(min_dims=2, max_dims=4, max_side=4), label="shape")
    x = data.draw(uts.arrays(d, shape, elements=_values(d, 100)), label="x")
    diag = np.diagonal(x, offset, -2, -1)
    check(on_backends(backends, lambda t: L.diagonal(t, offset=offset), x),
          _wide(diag) if d.kind in "fc" else diag, d, shape=diag.shape)
    acc = ut.int64 if d.kind == "i" else ut.uint64 if d.kind == "u" else d
    with np.errstate(all="ignore"):
        expected = np.sum(_wide(diag) if d.kind in "fc" else diag.astype(acc.numpy), axis=-1)
    k = diag.shape[-1]
    check(on_backends(backends, lambda t: L.trace(t, offset=offset), x), expected, acc,
          "reduction", scale=max(k, 1) * 100)


def test_trace_dtype_and_bool_diagonal(backends):
    x = np.array([[100, 1], [2, 100]], np.int8)
    check(on_backends(backends, L.trace, x), np.array(200), ut.int64)
    check(on_backends(backends, lambda t: L.trace(t, dtype=ut.int8), x), np.array(-56), ut.int8)
    check(on_backends(backends, L.diagonal, np.eye(2, dtype=bool)), np.ones(2, bool), ut.bool)


def test_reexports_are_the_same_functions():
    assert L.matmul is ut.matmul and L.tensordot is ut.tensordot
    assert L.vecdot is ut.vecdot and L.outer is ut.outer
    assert L.matrix_transpose is ut.matrix_transpose
    assert issubclass(L.LinAlgError, ValueError) and issubclass(L.LinAlgError, ut.UnitorchError)


# ---------------------------------------------------------------------------------------
# dtypes and errors


def test_half_and_integer_inputs(backends):
    """float16/bfloat16 are computed in float32 and rounded once, so their results are
    within a few eps of the half dtype ("composite"); integers use the default float."""
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    for d in (ut.float16, ut.bfloat16):
        x = a.astype(d.numpy)
        check(on_backends(backends, L.inv, x), np.linalg.inv(a), d, "composite")
        check(on_backends(backends, L.det, x), np.linalg.det(a), d, "composite")
        check(on_backends(backends, L.cholesky, x), np.linalg.cholesky(a), d, "composite")
        check(on_backends(backends, L.eigvalsh, x), np.linalg.eigvalsh(a), d, "composite")
        check(on_backends(backends, L.svdvals, x), np.linalg.svdvals(a), d, "composite")
    i = np.array([[2, 1], [1, 3]])
    check(on_backends(backends, L.det, i), np.array(5.0), ut.float32, "linalg")
    check(on_backends(backends, L.solve, i, np.array([1, 1])), np.linalg.solve(i, [1, 1]),
          ut.float32, "linalg")


def test_empty_matrices(backends):
    e = np.zeros((0, 0))
    check(on_backends(backends, L.det, e), np.array(1.0), ut.float64)
    check(on_backends(backends, L.inv, e), e, ut.float64, shape=(0, 0))
    check(on_backends(backends, L.det, np.zeros((0, 2, 2))), np.zeros(0), ut.float64)
    check(on_backends(backends, L.svdvals, np.zeros((2, 0))), np.zeros(0), ut.float64)


_SQUARE_OPS = ["cholesky", "det", "slogdet", "inv", "eigh", "eigvalsh"]


@pytest.mark.parametrize("name", _SQUARE_OPS)
def test_square_and_dtype_errors(backends, name):
    fn = getattr(L, name)
    msg = same_error(backends, ut.ShapeError, fn, np.ones((2, 3), np.float32))
    assert msg == f"{name}() expects square matrices, got shape (2, 3)"
    same_error(backends, ut.ShapeError, fn, np.ones(3, np.float32), match="at least 2")
    msg = same_error(backends, ut.DTypeError, fn, np.ones((2, 2), bool))
    assert msg == f"{name}() expects numeric tensors, got bool"


def test_singular_matrices_raise_linalg_error(backends):
    z = np.zeros((2, 2))
    msg = same_error(backends, L.LinAlgError, L.inv, z)
    assert msg == "inv(): a matrix is singular"
    same_error(backends, L.LinAlgError, L.solve, z, np.ones(2),
               match=r"solve\(\): a matrix is singular")
    same_error(backends, L.LinAlgError, lambda t: L.matrix_power(t, -2), z)
    # det and slogdet of a singular matrix are fine: 0, and (0, -inf)
    check(on_backends(backends, L.det, z), np.array(0.0), ut.float64)
    out = on_backends(backends, L.slogdet, z)
    check({k: v.sign for k, v in out.items()}, np.array(0.0), ut.float64)
    check({k: v.logabsdet for k, v in out.items()}, np.array(-np.inf), ut.float64)


def test_solve_and_qr_errors(backends):
    a = np.eye(2)
    msg = same_error(backends, ut.ShapeError, L.solve, a, np.ones(3))
    assert msg == "solve(): x2 of shape (3,) does not fit x1 of shape (2, 2) (3 rows, expected 2)"
    same_error(backends, ut.ShapeError, L.solve, np.ones((2, 2, 2)), np.ones((3, 2, 1)),
               match="batch dimensions")
    same_error(backends, ut.ShapeError, L.solve, np.ones((2, 3)), np.ones(2),
               match="square")
    same_error(backends, ut.ShapeError, L.solve, a, np.array(1.0), match="0-d")
    same_error(backends, ValueError, lambda t: L.qr(t, mode="r"), a,
               match="mode must be 'reduced' or 'complete'")
    same_error(backends, TypeError, lambda t: L.matrix_power(t, 1.5), a)
