"""Element-wise functions: the Array API's, plus the few activations the nn layer needs.

Each function is made by :func:`_unary` or :func:`_binary` from a short spec (the dtype
kinds it accepts, its result dtype), so the rules are written once:

* inputs promote with unitorch's table (Python scalars weak); the promoted dtype must be
  one of the kinds the function accepts, or :class:`DTypeError` names it;
* the floating-only functions (``sin``, ``exp``, ``divide``...) compute integer and bool
  inputs in the default float dtype, as PyTorch does (``ut.sqrt(ut.tensor(4))`` is
  ``2.0`` in float32);
* shapes broadcast as in NumPy, or :class:`ShapeError` names both shapes;
* integer ``floor_divide`` and ``remainder`` by zero give 0 on every backend (PyTorch
  raises, TensorFlow returns garbage on some devices; NumPy gives 0);
* integers wrap on overflow;
* real ``sign(NaN)`` is NaN (PyTorch alone gives 0);
* complex functions follow the standard's special cases (C99's, with its signed zeros)
  on every backend: ``expm1``, ``log1p``, ``tanh`` and ``sign`` are unitorch's own
  compositions of real primitives for complex input (both frameworks leak infinities and
  NaNs between the parts, or sign zeros wrongly), and the backends fix ``acos``, ``log``,
  ``log2``, ``log10``, ``sqrt`` and ``round`` where one framework is off (see
  :data:`_COMPLEX_COMPOSITES` and the backends' ``<name>_complex`` kernels).  Where the
  standard and NumPy disagree the standard wins: ``expm1(inf + 0j)`` is ``inf + 0j``,
  ``tanh(inf + 2j)`` is ``1 + 0j`` (NumPy: ``1 - 0j``), ``sign`` of a number with a NaN
  part is ``NaN + NaN j``.

The fast path (two tensors of one backend and one dtype, or a tensor and a weak
scalar) costs a type check, a dict lookup and one native call.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from .. import dtypes as dt
from ..errors import ShapeError, broadcast_shapes
from ..tensor import TENSOR_TYPES, Tensor
from ._dispatch import backend_of, check_kind, is_scalar, native_scalar, scalar_for, to_tensor

_new = object.__new__
_REAL = {dt.complex64: dt.float32, dt.complex128: dt.float64}
_KINDS = {
    "numeric": "iufc", "real": "iuf", "float": "fc", "real_float": "f", "int": "iu",
    "int_bool": "biu", "any": "biufc", "real_any": "biuf",
}


def _table(backend: Any, name: str, fast: dict[dt.DType, dt.DType]
           ) -> list[tuple[Callable[..., Any], dt.DType] | None]:
    """Per-dtype fast-path entries of one op on one backend, indexed by ``DType._id``:
    ``(kernel, result dtype)``, or ``None`` where the slow path must decide."""
    table: list[tuple[Callable[..., Any], dt.DType] | None] = [None] * len(dt._ALL)
    for d, out in fast.items():
        table[d._id] = (kernel(backend, name, d), out)
    return table


def kernel(backend: Any, name: str, dtype: dt.DType) -> Callable[..., Any]:
    """The backend's primitive ``name`` for inputs of ``dtype``.  For complex dtypes:
    unitorch's own composition where every framework misses the standard's special cases
    (:data:`_COMPLEX_COMPOSITES`), else the backend's ``<name>_complex`` specialisation
    where it has one (see the contract).  Chosen once per dtype: real dtypes pay nothing."""
    if dtype.kind == "c":
        composite = _COMPLEX_COMPOSITES.get(name)
        if composite is not None:
            return functools.partial(composite, backend)
        special = getattr(backend, f"{name}_complex", None)
        if special is not None:
            return special
    return getattr(backend, name)


# ---------------------------------------------------------------------------------------
# complex functions composed from real primitives, where PyTorch and TensorFlow both get
# the standard's (C99's) special cases wrong: infinities and NaNs in one part leak into
# the other, and signed zeros come out with the wrong sign.


def _parts(b: Any, x: Any) -> tuple[Any, Any, Callable[[float], Any]]:
    """Real part, imaginary part, and a maker of 0-d constants of their dtype."""
    re, im = b.real(x), b.imag(x)
    d, dev = b.dtype_from_native[re.dtype], b.device(x)
    return re, im, lambda v: b.full((), v, d, dev)


def _expm1_complex(b: Any, x: Any) -> Any:
    """``expm1(a + bj) = expm1(a) cos(b) - 2 sin(b/2)**2 + exp(a) sin(b) j`` (no
    cancellation near 0), with the standard's special cases for zeros and infinities."""
    a, y, c = _parts(b, x)
    em1 = b.expm1(a)
    s = b.sin(b.multiply(y, c(0.5)))
    re = b.subtract(b.multiply(em1, b.cos(y)), b.multiply(c(2.0), b.multiply(s, s)))
    im = b.multiply(b.exp(a), b.sin(y))
    real_axis = b.equal(y, c(0.0))  # expm1 of a real number: no NaN from inf * 0
    re = b.where(real_axis, b.add(em1, c(0.0)), re)  # + 0.0 turns -0 into +0
    im = b.where(real_axis, y, im)
    y_nonfinite = b.logical_not(b.isfinite(y))
    neg_inf = b.equal(a, c(-math.inf))  # exp(a) is 0: the result is -1 + 0j
    re = b.where(neg_inf, c(-1.0), re)
    im = b.where(b.logical_and(neg_inf, y_nonfinite), c(0.0), im)
    pos_inf = b.logical_and(b.equal(a, c(math.inf)), y_nonfinite)  # inf + NaN j
    re = b.where(pos_inf, c(math.inf), re)
    return b.complex(re, im)


def _log1p_complex(b: Any, x: Any) -> Any:
    """``log1p(a + bj) = log|1 + z| + atan2(b, 1 + a) j``; near 0 the real part is
    ``log1p(a (2 + a) + b**2) / 2`` (accurate), elsewhere ``log(hypot(1 + a, b))`` (no
    overflow).  hypot and atan2 give the standard's special cases."""
    a, y, c = _parts(b, x)
    one = c(1.0)
    ap1 = b.add(a, one)
    far = b.log(b.hypot(ap1, y))
    u = b.add(b.multiply(a, b.add(ap1, one)), b.multiply(y, y))
    near = b.multiply(b.log1p(u), c(0.5))
    small = b.logical_and(b.less(b.abs(a), one), b.less(b.abs(y), one))
    return b.complex(b.where(small, near, far), b.atan2(y, ap1))


def _tanh_complex(b: Any, x: Any) -> Any:
    """The framework's tanh, except at an infinite real part ``a``: the standard says
    ``sign(a) + 0j`` with the zero signed as ``b`` (conjugate symmetry); the frameworks,
    like C99 and NumPy, sign it as ``sin(2b)``."""
    out = b.tanh(x)
    a, y, c = _parts(b, x)
    inf = b.isinf(a)
    re = b.where(inf, b.copysign(c(1.0), a), b.real(out))
    im = b.where(inf, b.copysign(c(0.0), y), b.imag(out))
    return b.complex(re, im)


def _sign_complex(b: Any, x: Any) -> Any:
    """``x / |x|`` by real division of each part by the (overflow-free) magnitude;
    ``0 + 0j`` at zero and ``NaN + NaN j`` when either part is NaN, as the standard says
    (TensorFlow gives ``0 + NaN j`` for ``NaN j``).  With one infinite part the result is
    the unit number along it (``sign(inf j) == 1j``, as NumPy; both frameworks give NaN);
    with two, ``NaN + NaN j``."""
    a, y, c = _parts(b, x)
    mag = b.abs(x)
    zero = b.equal(mag, c(0.0))
    safe = b.where(zero, c(1.0), mag)
    nan = b.logical_or(b.isnan(a), b.isnan(y))
    re = b.where(zero, c(0.0), b.divide(a, safe))
    im = b.where(zero, c(0.0), b.divide(y, safe))
    inf_a, inf_y = b.isinf(a), b.isinf(y)
    one_inf = b.logical_xor(inf_a, inf_y)
    re = b.where(one_inf, b.where(inf_a, b.copysign(c(1.0), a), c(0.0)), re)
    im = b.where(one_inf, b.where(inf_y, b.copysign(c(1.0), y), c(0.0)), im)
    re = b.where(nan, c(math.nan), re)
    im = b.where(nan, c(math.nan), im)
    return b.complex(re, im)


_COMPLEX_COMPOSITES: dict[str, Callable[..., Any]] = {
    "expm1": _expm1_complex, "log1p": _log1p_complex, "tanh": _tanh_complex,
    "sign": _sign_complex,
}


def _outmap(kinds: str, result: str) -> dict[dt.DType, dt.DType]:
    """For each accepted input dtype, the dtype of the result."""
    out = {}
    for d in dt.all_dtypes:
        if d.kind not in kinds:
            continue
        out[d] = dt.bool if result == "bool" else _REAL.get(d, d) if result == "real" else d
    return out


# The example in each function's docstring: a call and what it prints (a doctest, run
# on every backend by tests/test_docstrings.py; "..." stands for digits that the last
# rounding may change).
_EXAMPLES: dict[str, tuple[str, str]] = {
    "abs": ("ut.abs(ut.tensor([-1.5, 2.0]))", "tensor([1.5, 2. ], dtype=float32)"),
    "negative": ("ut.negative(ut.tensor([1, -2]))", "tensor([-1,  2], dtype=int64)"),
    "positive": ("ut.positive(ut.tensor([1.5, -2.0]))", "tensor([ 1.5, -2. ], dtype=float32)"),
    "sign": ('ut.sign(ut.tensor([-2.0, 0.0, 3.0, float("nan")]))',
             "tensor([-1.,  0.,  1., nan], dtype=float32)"),
    "signbit": ("ut.signbit(ut.tensor([-0.0, 0.0, -1.0]))",
                "tensor([ True, False,  True], dtype=bool)"),
    "square": ("ut.square(ut.tensor([-3, 4]))", "tensor([ 9, 16], dtype=int64)"),
    "sqrt": ("ut.sqrt(ut.tensor([4, 9]))  # integers: computed in the default float dtype",
             "tensor([2., 3.], dtype=float32)"),
    "exp": ("ut.exp(ut.tensor([0.0, 1.0]))", "tensor([1.       , 2.71828...], dtype=float32)"),
    "expm1": ("ut.expm1(ut.tensor([0.0, 1e-10]))", "tensor([0.e+00, 1.e-10], dtype=float32)"),
    "log": ("ut.log(ut.tensor([1.0, 0.0, -1.0]))", "tensor([  0., -inf,  nan], dtype=float32)"),
    "log1p": ("ut.log1p(ut.tensor([0.0, 1e-10]))", "tensor([0.e+00, 1.e-10], dtype=float32)"),
    "log2": ("ut.log2(ut.tensor([1.0, 8.0, 0.5]))", "tensor([ 0.,  3., -1.], dtype=float32)"),
    "log10": ("ut.log10(ut.tensor([1.0, 100.0]))", "tensor([0., 2.], dtype=float32)"),
    "sin": ("ut.sin(ut.tensor([0.0, ut.pi / 2]))", "tensor([0., 1.], dtype=float32)"),
    "cos": ("ut.cos(ut.tensor([0.0, ut.pi]))", "tensor([ 1., -1.], dtype=float32)"),
    "tan": ("ut.tan(ut.tensor([0.0, 1.0]))", "tensor([0.       , 1.55740...], dtype=float32)"),
    "asin": ("ut.asin(ut.tensor([0.0, 1.0]))", "tensor([0.       , 1.57079...], dtype=float32)"),
    "acos": ("ut.acos(ut.tensor([1.0, 0.0]))", "tensor([0.       , 1.57079...], dtype=float32)"),
    "atan": ("ut.atan(ut.tensor([0.0, 1.0]))", "tensor([0.       , 0.78539...], dtype=float32)"),
    "sinh": ("ut.sinh(ut.tensor([0.0, 1.0]))", "tensor([0.       , 1.17520...], dtype=float32)"),
    "cosh": ("ut.cosh(ut.tensor([0.0, 1.0]))", "tensor([1.       , 1.54308...], dtype=float32)"),
    "tanh": ("ut.tanh(ut.tensor([0.0, 1.0, 20.0]))",
             "tensor([0.       , 0.76159..., 1.       ], dtype=float32)"),
    "asinh": ("ut.asinh(ut.tensor([0.0, 1.0]))", "tensor([0.       , 0.88137...], dtype=float32)"),
    "acosh": ("ut.acosh(ut.tensor([1.0, 2.0]))", "tensor([0.      , 1.31695...], dtype=float32)"),
    "atanh": ("ut.atanh(ut.tensor([0.0, 0.5, 1.0]))",
              "tensor([0.        , 0.54930...,        inf], dtype=float32)"),
    "erf": ("ut.erf(ut.tensor([0.0, 1.0]))", "tensor([0.       , 0.84270...], dtype=float32)"),
    "sigmoid": ("ut.sigmoid(ut.tensor([0.0, 2.0]))",
                "tensor([0.5     , 0.88079...], dtype=float32)"),
    "floor": ("ut.floor(ut.tensor([-1.5, 1.5]))", "tensor([-2.,  1.], dtype=float32)"),
    "ceil": ("ut.ceil(ut.tensor([-1.5, 1.5]))", "tensor([-1.,  2.], dtype=float32)"),
    "trunc": ("ut.trunc(ut.tensor([-1.5, 1.5]))", "tensor([-1.,  1.], dtype=float32)"),
    "round": ("ut.round(ut.tensor([0.5, 1.5, 2.5, -0.5]))",
              "tensor([ 0.,  2.,  2., -0.], dtype=float32)"),
    "isnan": ('ut.isnan(ut.tensor([1.0, float("nan"), float("inf")]))',
              "tensor([False,  True, False], dtype=bool)"),
    "isinf": ('ut.isinf(ut.tensor([1.0, float("nan"), float("-inf")]))',
              "tensor([False, False,  True], dtype=bool)"),
    "isfinite": ('ut.isfinite(ut.tensor([1.0, float("nan"), float("inf")]))',
                 "tensor([ True, False, False], dtype=bool)"),
    "real": ("ut.real(ut.tensor([1 + 2j, 3 - 4j]))", "tensor([1., 3.], dtype=float32)"),
    "imag": ("ut.imag(ut.tensor([1 + 2j, 3 - 4j]))", "tensor([ 2., -4.], dtype=float32)"),
    "conj": ("ut.conj(ut.tensor([1 + 2j, 3 - 4j]))", "tensor([1.-2.j, 3.+4.j], dtype=complex64)"),
    "logical_not": ("ut.logical_not(ut.tensor([0, 1, 2]))",
                    "tensor([ True, False, False], dtype=bool)"),
    "bitwise_invert": ("ut.bitwise_invert(ut.tensor([0, 5], dtype=ut.int8))",
                       "tensor([-1, -6], dtype=int8)"),
    "add": ("ut.add(ut.tensor([1, 2]), ut.tensor([0.5, 0.25]))  # int64 with float32: float32",
            "tensor([1.5 , 2.25], dtype=float32)"),
    "subtract": ("ut.subtract(ut.tensor([5.0, 3.0]), 1)", "tensor([4., 2.], dtype=float32)"),
    "multiply": ("ut.multiply(ut.tensor([1.5, 2.0]), ut.tensor([2.0, -3.0]))",
                 "tensor([ 3., -6.], dtype=float32)"),
    "divide": ("ut.divide(ut.tensor([1, 2]), ut.tensor([2, 0]))",
               "tensor([0.5, inf], dtype=float32)"),
    "floor_divide": ("ut.floor_divide(ut.tensor([7, -7, 7]), ut.tensor([2, 2, 0]))",
                     "tensor([ 3, -4,  0], dtype=int64)"),
    "remainder": ("ut.remainder(ut.tensor([7, -7, 7]), ut.tensor([2, 2, -2]))",
                  "tensor([ 1,  1, -1], dtype=int64)"),
    "pow": ("ut.pow(ut.tensor([2.0, 3.0]), 2)", "tensor([4., 9.], dtype=float32)"),
    "maximum": ('ut.maximum(ut.tensor([1.0, float("nan")]), ut.tensor([2.0, 0.0]))',
                "tensor([ 2., nan], dtype=float32)"),
    "minimum": ('ut.minimum(ut.tensor([1.0, float("nan")]), ut.tensor([2.0, 0.0]))',
                "tensor([ 1., nan], dtype=float32)"),
    "atan2": ("ut.atan2(ut.tensor([1.0, -1.0]), ut.tensor([-1.0, -1.0]))",
              "tensor([ 2.35619..., -2.35619...], dtype=float32)"),
    "hypot": ("ut.hypot(ut.tensor([3.0, 5.0]), ut.tensor([4.0, 12.0]))",
              "tensor([ 5., 13.], dtype=float32)"),
    "copysign": ("ut.copysign(ut.tensor([1.0, 2.0]), ut.tensor([-0.0, 3.0]))",
                 "tensor([-1.,  2.], dtype=float32)"),
    "logaddexp": ("ut.logaddexp(ut.tensor([0.0, 100.0]), ut.tensor([0.0, 0.0]))",
                  "tensor([  0.69314..., 100.       ], dtype=float32)"),
    "equal": ("ut.equal(ut.tensor([1, 2, 3]), 2)", "tensor([False,  True, False], dtype=bool)"),
    "not_equal": ('ut.not_equal(ut.tensor([1.0, float("nan")]), ut.tensor([1.0, float("nan")]))',
                  "tensor([False,  True], dtype=bool)"),
    "less": ("ut.less(ut.tensor([1, 2, 3]), 2)", "tensor([ True, False, False], dtype=bool)"),
    "less_equal": ("ut.less_equal(ut.tensor([1, 2, 3]), 2)",
                   "tensor([ True,  True, False], dtype=bool)"),
    "greater": ("ut.greater(ut.tensor([1, 2, 3]), 2)", "tensor([False, False,  True], dtype=bool)"),
    "greater_equal": ("ut.greater_equal(ut.tensor([1, 2, 3]), 2)",
                      "tensor([False,  True,  True], dtype=bool)"),
    "logical_and": ("ut.logical_and(ut.tensor([True, True, False]), ut.tensor([1, 0, 1]))",
                    "tensor([ True, False, False], dtype=bool)"),
    "logical_or": ("ut.logical_or(ut.tensor([True, True, False]), ut.tensor([1, 0, 1]))",
                   "tensor([ True,  True,  True], dtype=bool)"),
    "logical_xor": ("ut.logical_xor(ut.tensor([True, True, False]), ut.tensor([1, 0, 1]))",
                    "tensor([False,  True,  True], dtype=bool)"),
    "bitwise_and": ("ut.bitwise_and(ut.tensor([12, 10]), ut.tensor([10, 6]))",
                    "tensor([8, 2], dtype=int64)"),
    "bitwise_or": ("ut.bitwise_or(ut.tensor([12, 10]), ut.tensor([10, 6]))",
                   "tensor([14, 14], dtype=int64)"),
    "bitwise_xor": ("ut.bitwise_xor(ut.tensor([12, 10]), ut.tensor([10, 6]))",
                    "tensor([ 6, 12], dtype=int64)"),
    "bitwise_left_shift": ("ut.bitwise_left_shift(ut.tensor([1, 1], dtype=ut.int32), "
                           "ut.tensor([3, 40], dtype=ut.int32))",
                           "tensor([8, 0], dtype=int32)"),
    "bitwise_right_shift": ("ut.bitwise_right_shift(ut.tensor([16, -16, -16]), "
                            "ut.tensor([2, 2, 70]))",
                            "tensor([ 4, -4, -1], dtype=int64)"),
}


def _doc(name: str, summary: str, kinds: str, result: str, float_only: bool,
         example: tuple[str, str] | None) -> str:
    accepted = {
        "iufc": "numeric", "iuf": "real numeric", "fc": "floating", "f": "real floating",
        "iu": "integer", "biu": "integer or bool", "biufc": "any", "biuf": "bool or real",
    }[kinds]
    out = {"same": "the promoted dtype of the inputs", "bool": "``bool``",
           "real": "the input dtype (the real dtype of matching precision for complex input)"
           }[result]
    lines = [summary, "", f"Accepts {accepted} tensors; the result has {out}."]
    if float_only:
        lines.append("Integer and bool inputs are computed in the default float dtype.")
    if example is not None:
        lines += ["", "Example:", f"    >>> {example[0]}", f"    {example[1]}"]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# one input


def _unary(name: str, summary: str, kinds: str, *, result: str = "same",
           float_only: bool = False, example: tuple[str, str] | None = None,
           compute: Callable[..., Any] | None = None) -> Callable[[Tensor], Tensor]:
    kinds = _KINDS[kinds]
    outmap = _outmap(kinds, result)
    fast = dict(outmap) if compute is None else {}
    if float_only:  # integers are computed as floats: never on the fast path
        for d in list(fast):
            if d.kind in "biu":
                del fast[d]
        kinds_in = kinds + "biu"
    else:
        kinds_in = kinds

    tables: dict[type, list[tuple[Callable[..., Any], dt.DType] | None]] = {}

    def op(x: Tensor, /) -> Tensor:
        t = type(x)
        try:
            table = tables[t]
        except KeyError:
            if t in TENSOR_TYPES:
                tables[t] = _table(t._bk, name, fast)
                return op(x)
            return _unary_slow(name, x, kinds, kinds_in, outmap, float_only, compute)
        entry = table[x._d._id]
        if entry is not None:
            r = _new(t)
            r._n = entry[0](x._n)
            r._d = entry[1]
            return r
        return _unary_slow(name, x, kinds, kinds_in, outmap, float_only, compute)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = _doc(name, summary, kinds, result, float_only,
                      example or _EXAMPLES.get(name))
    return op


def _unary_slow(name, x, kinds, kinds_in, outmap, float_only, compute):
    backend = backend_of(name, x)
    x = to_tensor(x, backend)
    d = x._d
    check_kind(name, d, kinds_in)
    native = x._n
    if float_only and d.kind in "biu":
        d = dt.get_default_dtype()
        native = backend.cast(native, d)
    if compute is not None:
        return compute(backend, type(x), native, d)
    return _finish(type(x), kernel(backend, name, d)(native), outmap[d])


def _finish(T: type, native: Any, dtype: dt.DType) -> Tensor:
    r = _new(T)
    r._n = native
    r._d = dtype
    return r


# ---------------------------------------------------------------------------------------
# two inputs


class _BinarySpec:
    __slots__ = ("commutative", "compute", "float_only", "kinds", "name", "outmap",
                 "result", "scalar_native")

    def __init__(self, **kw: Any) -> None:
        for k, v in kw.items():
            setattr(self, k, v)


def _binary(name: str, summary: str, kinds: str, *, result: str = "same",
            float_only: bool = False, commutative: bool = False, scalar_native: bool = True,
            example: tuple[str, str] | None = None,
            compute: Callable[..., Any] | None = None,
            fast_kinds: str | None = None) -> Callable[[Any, Any], Tensor]:
    kinds = _KINDS[kinds]
    outmap = _outmap(kinds, result)
    fast_ok = kinds if fast_kinds is None else fast_kinds
    fast = {d: o for d, o in outmap.items() if d.kind in fast_ok}
    if float_only:
        fast = {d: o for d, o in fast.items() if d.kind in "fc"}
    spec = _BinarySpec(name=name, kinds=kinds, outmap=outmap, float_only=float_only,
                       commutative=commutative, scalar_native=scalar_native,
                       compute=compute, result=result)
    tables: dict[type, list[tuple[Callable[..., Any], dt.DType] | None]] = {}
    scalar_tables: dict[type, list[tuple[Callable[..., Any], dt.DType] | None]] = {}

    def bind(t: type) -> None:
        """Fill the per-backend tables: input dtype's _id -> (kernel, result dtype)."""
        tables[t] = _table(t._bk, name, fast)
        scalar_tables[t] = tables[t] if scalar_native else [None] * len(dt._ALL)

    def op(x1: Any, x2: Any, /) -> Tensor:
        # The hot path: two tensors of one backend and one dtype.  Every line here is
        # measured (benchmarks/): subscripting beats .get(), _id beats hashing a DType.
        t = type(x1)
        t2 = type(x2)
        if t is t2:
            try:
                table = tables[t]
            except KeyError:
                return _first_call(x1, x2)
            d = x1._d
            if d is x2._d:
                entry = table[d._id]
                if entry is not None:
                    try:
                        native = entry[0](x1._n, x2._n)
                    except Exception:  # re-raised by the slow path with our message
                        return _binary_slow(spec, x1, x2)
                    r = _new(t)
                    r._n = native
                    r._d = entry[1]
                    return r
        elif t2 is int or (t2 is float and x2):
            # (a float zero takes the slow path: its sign must survive, see operand())
            table = scalar_tables.get(t)
            if table is None and t in TENSOR_TYPES:  # a scalar before any tensor pair
                bind(t)
                table = scalar_tables[t]
            if table is not None:
                d = x1._d
                if d.kind in "fc":
                    entry = table[d._id]
                    if entry is not None:
                        r = _new(t)
                        r._n = entry[0](x1._n, x2)
                        r._d = entry[1]
                        return r
        return _binary_slow(spec, x1, x2)

    def _first_call(x1: Any, x2: Any) -> Tensor:
        if type(x1) in TENSOR_TYPES:
            bind(type(x1))
            return op(x1, x2)
        return _binary_slow(spec, x1, x2)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = _doc(name, summary, kinds, result, float_only,
                      example or _EXAMPLES.get(name))
    op._spec = spec
    return op


def _binary_slow(spec: _BinarySpec, x1: Any, x2: Any) -> Tensor:
    """Everything but the fast path: conversion, promotion, scalars, errors."""
    name = spec.name
    s1, s2 = is_scalar(x1), is_scalar(x2)
    backend = backend_of(name, x1, x2)
    if s1 and s2:
        x1, s1 = to_tensor(x1, backend), False
    if s1 and spec.commutative:  # scalar first: swap when the order does not matter
        x1, x2, s1, s2 = x2, x1, False, True
    if s1:
        t2 = to_tensor(x2, backend)
        d = dt.weak_scalar_dtype(t2._d, x1)
        t1 = None
    else:
        t1 = to_tensor(x1, backend)
        if s2:
            d = dt.weak_scalar_dtype(t1._d, x2)
            t2 = None
        else:
            t2 = to_tensor(x2, backend)
            d = dt.promote_types(t1._d, t2._d)
    if spec.float_only and d.kind in "biu":
        d = dt.get_default_dtype()
    check_kind(name, d, spec.kinds)
    like = (t1 if t1 is not None else t2)._n
    T = backend.Tensor

    def operand(t: Tensor | None, scalar: Any) -> Any:
        if t is not None:
            return t._n if t._d is d else backend.cast(t._n, d)
        value = scalar_for(name, scalar, d)
        # only the second operand may be a Python scalar; a float zero goes in a tensor
        # (TensorFlow converts Python numbers through a cache where 0.0 == -0.0, so the
        # raw -0.0 could come back as +0.0)
        if spec.scalar_native and t1 is not None and not (
                isinstance(value, (float, complex)) and (value.real == 0 or value.imag == 0)):
            return value
        return native_scalar(backend, value, d, like)

    n1 = operand(t1, x1)
    n2 = operand(t2, x2)
    compute = spec.compute or kernel(backend, name, d)
    try:
        native = compute(n1, n2) if spec.compute is None else compute(backend, n1, n2, d)
    except Exception:
        s_1 = backend.shape(n1) if t1 is not None else ()
        s_2 = backend.shape(n2) if t2 is not None else ()
        try:
            broadcast_shapes(s_1, s_2)
        except ShapeError as e:
            raise ShapeError(f"{name}(): {e}") from None
        raise
    return _finish(T, native, spec.outmap[d])


def _int_zero_safe(primitive: str) -> Callable[..., Any]:
    """``floor_divide``/``remainder`` with an integer divisor of 0 giving 0."""

    def compute(backend, n1, n2, d):
        fn = getattr(backend, primitive)
        if d.kind not in "iu":
            return fn(n1, n2)
        if not hasattr(n2, "dtype"):  # a Python scalar divisor
            if n2 == 0:
                shape = backend.shape(n1)
                return backend.full(shape, 0, d, backend.device(n1))
            return fn(n1, n2)
        zero = backend.full((), 0, d, backend.device(n2))
        one = backend.full((), 1, d, backend.device(n2))
        is_zero = backend.equal(n2, zero)
        out = fn(n1, backend.where(is_zero, one, n2))
        return backend.where(is_zero, zero, out)

    return compute


def _as_bool(name: str) -> Callable[..., Any]:
    """Logical functions: any input counts as ``x != 0`` (as in NumPy and PyTorch)."""

    def compute(backend, n1, n2, d):
        return getattr(backend, name)(backend.cast(n1, dt.bool), backend.cast(n2, dt.bool))

    return compute


def _real_identity(backend, T, native, d):
    return _finish(T, native, d)


def _imag_of(backend, T, native, d):
    if d.kind == "c":
        return _finish(T, backend.imag(native), _REAL[d])
    return _finish(T, backend.full(backend.shape(native), 0, d, backend.device(native)), d)


def _real_of(backend, T, native, d):
    if d.kind == "c":
        return _finish(T, backend.real(native), _REAL[d])
    return _finish(T, native, d)


def _conj_of(backend, T, native, d):
    return _finish(T, backend.conj(native) if d.kind == "c" else native, d)


def _signbit_of(backend, T, native, d):
    if d.kind == "f":
        return _finish(T, backend.signbit(native), dt.bool)
    if d.kind == "u":
        return _finish(T, backend.full(backend.shape(native), False, dt.bool,
                                       backend.device(native)), dt.bool)
    zero = backend.full((), 0, d, backend.device(native))
    return _finish(T, backend.less(native, zero), dt.bool)


def _logical_not_of(backend, T, native, d):
    return _finish(T, backend.logical_not(backend.cast(native, dt.bool)), dt.bool)


# ---------------------------------------------------------------------------------------
# the functions

abs = _unary("abs", "Absolute value, element-wise (``|a + bj|`` for complex).", "numeric",
             result="real")
negative = _unary("negative", "Numerical negative, ``-x``.", "numeric")
positive = _unary("positive", "Numerical positive, ``+x`` (a new tensor, same values).",
                  "numeric", compute=_real_identity)
sign = _unary("sign", "-1, 0 or 1 by sign; NaN for NaN; ``x / |x|`` for complex.", "numeric")
signbit = _unary("signbit", "Whether the sign bit is set (true for -0.0).", "real",
                 result="bool", compute=_signbit_of)
square = _unary("square", "``x * x``.", "numeric")
sqrt = _unary("sqrt", "Square root.", "float", float_only=True)
exp = _unary("exp", "Exponential, ``e ** x``.", "float", float_only=True)
expm1 = _unary("expm1", "``exp(x) - 1``, accurate near 0.", "float", float_only=True)
log = _unary("log", "Natural logarithm.", "float", float_only=True)
log1p = _unary("log1p", "``log(1 + x)``, accurate near 0.", "float", float_only=True)
log2 = _unary("log2", "Base-2 logarithm.", "float", float_only=True)
log10 = _unary("log10", "Base-10 logarithm.", "float", float_only=True)
sin = _unary("sin", "Sine (radians).", "float", float_only=True)
cos = _unary("cos", "Cosine (radians).", "float", float_only=True)
tan = _unary("tan", "Tangent (radians).", "float", float_only=True)
asin = _unary("asin", "Inverse sine.", "float", float_only=True)
acos = _unary("acos", "Inverse cosine.", "float", float_only=True)
atan = _unary("atan", "Inverse tangent.", "float", float_only=True)
sinh = _unary("sinh", "Hyperbolic sine.", "float", float_only=True)
cosh = _unary("cosh", "Hyperbolic cosine.", "float", float_only=True)
tanh = _unary("tanh", "Hyperbolic tangent.", "float", float_only=True)
asinh = _unary("asinh", "Inverse hyperbolic sine.", "float", float_only=True)
acosh = _unary("acosh", "Inverse hyperbolic cosine.", "float", float_only=True)
atanh = _unary("atanh", "Inverse hyperbolic tangent.", "float", float_only=True)
erf = _unary("erf", "The Gauss error function.", "real_float", float_only=True)
sigmoid = _unary("sigmoid", "The logistic function ``1 / (1 + exp(-x))``.", "real_float",
                 float_only=True)
floor = _unary("floor", "Round toward -inf (integers unchanged).", "real")
ceil = _unary("ceil", "Round toward +inf (integers unchanged).", "real")
trunc = _unary("trunc", "Round toward 0 (integers unchanged).", "real")
round = _unary("round", "Round to the nearest integer, halves to even.", "numeric")
isnan = _unary("isnan", "Whether each element is NaN.", "numeric", result="bool")
isinf = _unary("isinf", "Whether each element is +inf or -inf.", "numeric", result="bool")
isfinite = _unary("isfinite", "Whether each element is finite.", "numeric", result="bool")
real = _unary("real", "The real part (the input itself for real tensors).", "numeric",
              result="real", compute=_real_of)
imag = _unary("imag", "The imaginary part (zeros for real tensors).", "numeric",
              result="real", compute=_imag_of)
conj = _unary("conj", "Complex conjugate (the input itself for real tensors).", "numeric",
              compute=_conj_of)
logical_not = _unary("logical_not", "Logical NOT; non-bool inputs count as ``x != 0``.",
                     "any", result="bool", compute=_logical_not_of)
bitwise_invert = _unary("bitwise_invert", "Bitwise NOT, ``~x``.", "int_bool")

add = _binary("add", "``x1 + x2``.", "numeric", commutative=True)
subtract = _binary("subtract", "``x1 - x2``.", "numeric")
multiply = _binary("multiply", "``x1 * x2``.", "numeric", commutative=True)
divide = _binary("divide", "True division ``x1 / x2`` (IEEE 754: ``1 / 0 == inf``).", "float",
                 float_only=True)
floor_divide = _binary(
    "floor_divide", "``floor(x1 / x2)``; an integer divisor of 0 gives 0.", "real",
    compute=_int_zero_safe("floor_divide"), fast_kinds="f",
)
remainder = _binary(
    "remainder", "``x1 - floor(x1 / x2) * x2``, with the sign of ``x2`` (Python's ``%``); an "
    "integer divisor of 0 gives 0.", "real", compute=_int_zero_safe("remainder"),
    fast_kinds="f",
)
def _pow(backend: Any, n1: Any, n2: Any, d: dt.DType) -> Any:
    """``pow`` refusing integers to negative integer powers, as NumPy does (torch and
    TensorFlow raise their own, different errors).  A tensor exponent is checked on the
    host (one sync), except while compiling, where values are symbolic."""
    if d.kind == "i":
        if not hasattr(n2, "dtype"):
            negative = n2 < 0
        elif backend.is_compiling():
            negative = False
        else:
            negative = bool(backend.to_numpy(n2).min(initial=0) < 0)
        if negative:
            raise ValueError("pow(): integers to negative integer powers are not allowed")
    return backend.pow(n1, n2)


pow = _binary("pow", "``x1 ** x2``; an integer base with a negative integer exponent "
              "raises ValueError (as NumPy).", "numeric", compute=_pow, fast_kinds="fc")
maximum = _binary("maximum", "Element-wise maximum; NaN wins.", "real", commutative=True,
                  scalar_native=False)
minimum = _binary("minimum", "Element-wise minimum; NaN wins.", "real", commutative=True,
                  scalar_native=False)
atan2 = _binary("atan2", "The angle of the point ``(x2, x1)``, quadrant-aware.", "real_float",
                float_only=True, scalar_native=False)
hypot = _binary("hypot", "``sqrt(x1**2 + x2**2)`` without overflow.", "real_float",
                float_only=True, scalar_native=False)
copysign = _binary("copysign", "``|x1|`` with the sign of ``x2``.", "real_float",
                   float_only=True, scalar_native=False)
logaddexp = _binary("logaddexp", "``log(exp(x1) + exp(x2))`` without overflow.", "real_float",
                    float_only=True, scalar_native=False, commutative=True)
equal = _binary("equal", "``x1 == x2``.", "any", result="bool", commutative=True)
not_equal = _binary("not_equal", "``x1 != x2``.", "any", result="bool", commutative=True)
less = _binary("less", "``x1 < x2``.", "real_any", result="bool")
less_equal = _binary("less_equal", "``x1 <= x2``.", "real_any", result="bool")
greater = _binary("greater", "``x1 > x2``.", "real_any", result="bool")
greater_equal = _binary("greater_equal", "``x1 >= x2``.", "real_any", result="bool")
logical_and = _binary("logical_and", "Logical AND; non-bool inputs count as ``x != 0``.",
                      "any", result="bool", commutative=True, scalar_native=False,
                      compute=_as_bool("logical_and"), fast_kinds="b")
logical_or = _binary("logical_or", "Logical OR; non-bool inputs count as ``x != 0``.",
                     "any", result="bool", commutative=True, scalar_native=False,
                     compute=_as_bool("logical_or"), fast_kinds="b")
logical_xor = _binary("logical_xor", "Logical XOR; non-bool inputs count as ``x != 0``.",
                      "any", result="bool", commutative=True, scalar_native=False,
                      compute=_as_bool("logical_xor"), fast_kinds="b")
bitwise_and = _binary("bitwise_and", "Bitwise AND, ``x1 & x2``.", "int_bool",
                      commutative=True)
bitwise_or = _binary("bitwise_or", "Bitwise OR, ``x1 | x2``.", "int_bool", commutative=True)
bitwise_xor = _binary("bitwise_xor", "Bitwise XOR, ``x1 ^ x2``.", "int_bool",
                      commutative=True)
bitwise_left_shift = _binary(
    "bitwise_left_shift", "``x1 << x2``; shifting by the bit width or more gives 0.", "int"
)
bitwise_right_shift = _binary(
    "bitwise_right_shift", "``x1 >> x2`` (arithmetic); shifting by the bit width or more "
    "gives 0, or -1 for negative ``x1``.", "int"
)


def where(condition: Tensor, x1: Any, x2: Any, /) -> Tensor:
    """Elements of ``x1`` where ``condition`` is true, else of ``x2``.

    ``condition`` must be bool; ``x1`` and ``x2`` (tensors or Python scalars) promote
    as in any binary function, and all three broadcast.

    Example:
        >>> ut.where(ut.tensor([True, False]), ut.tensor([1, 2]), 0)
        tensor([1, 0], dtype=int64)
    """
    backend = backend_of("where", condition, x1, x2)
    c = to_tensor(condition, backend)
    if c._d is not dt.bool:
        raise_dtype("where", "condition must be bool", c._d)
    s1, s2 = is_scalar(x1), is_scalar(x2)
    if s1 and s2:
        d = dt.result_type(x1, x2)
        t1 = t2 = None
    elif s1:
        t2 = to_tensor(x2, backend)
        d, t1 = dt.weak_scalar_dtype(t2._d, x1), None
    elif s2:
        t1 = to_tensor(x1, backend)
        d, t2 = dt.weak_scalar_dtype(t1._d, x2), None
    else:
        t1, t2 = to_tensor(x1, backend), to_tensor(x2, backend)
        d = dt.promote_types(t1._d, t2._d)

    def operand(t, value):
        if t is None:
            return native_scalar(backend, scalar_for("where", value, d), d, c._n)
        return t._n if t._d is d else backend.cast(t._n, d)

    n1, n2 = operand(t1, x1), operand(t2, x2)
    shapes = [backend.shape(c._n), backend.shape(n1), backend.shape(n2)]
    try:
        broadcast_shapes(*shapes)
    except ShapeError as e:
        raise ShapeError(f"where(): {e}") from None
    return _finish(backend.Tensor, backend.where(c._n, n1, n2), d)


def raise_dtype(op: str, what: str, dtype: dt.DType) -> None:
    from ..errors import DTypeError

    raise DTypeError(f"{op}(): {what}, got {dtype.name}")


def clip(x: Tensor, /, min: Any = None, max: Any = None) -> Tensor:
    """``x`` limited to ``[min, max]`` (either bound may be ``None``); the result keeps
    ``x``'s dtype.  Bounds are Python scalars or tensors; all three broadcast.  For an
    integer ``x`` a float bound is rounded inward.  NaN in ``x`` stays NaN.

    Example:
        >>> ut.clip(ut.tensor([-2., 0.5, 3.]), 0., 1.)
        tensor([0. , 0.5, 1. ], dtype=float32)
    """
    backend = backend_of("clip", x, min, max)
    x = to_tensor(x, backend)
    d = x._d
    check_kind("clip", d, "iuf")
    lo, hi = _clip_bound(backend, x, d, min, True), _clip_bound(backend, x, d, max, False)
    if lo is None and hi is None:
        return x
    shapes = [backend.shape(n) for n in (x._n, lo, hi) if n is not None]
    try:
        broadcast_shapes(*shapes)
    except ShapeError as e:
        raise ShapeError(f"clip(): {e}") from None
    return _finish(type(x), backend.clip(x._n, lo, hi), d)


def _clip_bound(backend, x: Tensor, d: dt.DType, b: Any, is_min: bool) -> Any:
    """A bound of :func:`clip` as a native of ``x``'s dtype (``None``: no bound)."""
    import math

    if b is None:
        return None
    if is_scalar(b):
        if d.kind in "iu":
            info = dt.iinfo(d)
            if isinstance(b, float):
                if math.isnan(b):
                    raise ValueError("clip(): a NaN bound cannot apply to an integer tensor")
                if math.isinf(b):
                    if (b < 0) == is_min:  # -inf below or +inf above bounds nothing
                        return None
                    b = info.max if b > 0 else info.min
                else:
                    b = math.ceil(b) if is_min else math.floor(b)
            b = info.min if b < info.min else info.max if b > info.max else b
        return native_scalar(backend, b, d, x._n)
    t = to_tensor(b, backend)
    check_kind("clip", t._d, "iuf")
    n = t._n
    if d.kind in "iu" and t._d.kind == "f":
        n = backend.ceil(n) if is_min else backend.floor(n)
    return n if t._d is d else backend.cast(n, d)


# PyTorch spellings
sub = subtract
mul = multiply
div = true_divide = divide
neg = negative
clamp = clip
eq, ne, lt, le, gt, ge = equal, not_equal, less, less_equal, greater, greater_equal
absolute = abs
arctan2 = atan2

__all__ = [
    "abs", "negative", "positive", "sign", "signbit", "square", "sqrt", "exp", "expm1",
    "log", "log1p", "log2", "log10", "sin", "cos", "tan", "asin", "acos", "atan", "sinh",
    "cosh", "tanh", "asinh", "acosh", "atanh", "erf", "sigmoid", "floor", "ceil", "trunc",
    "round", "isnan", "isinf", "isfinite", "real", "imag", "conj", "logical_not",
    "bitwise_invert", "add", "subtract", "multiply", "divide", "floor_divide", "remainder",
    "pow", "maximum", "minimum", "atan2", "hypot", "copysign", "logaddexp", "equal",
    "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and",
    "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor",
    "bitwise_left_shift", "bitwise_right_shift", "where", "clip", "sub", "mul", "div",
    "true_divide", "neg", "clamp", "eq", "ne", "lt", "le", "gt", "ge", "absolute", "arctan2",
]
