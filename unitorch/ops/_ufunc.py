"""How an element-wise function is built: the :func:`unary` and :func:`binary` decorators.

Each public element-wise function is written as a plain ``def`` with its signature and
docstring (``ops/unary.py``, ``ops/elementwise.py``); its decorator states the rules
(the dtype kinds it accepts, its result dtype) and replaces the def by the function
that runs, keeping ``__name__``, ``__doc__`` and ``__wrapped__`` (so
``inspect.signature`` shows the def's signature).  The def's body is never run.

The function that runs has two paths:

* the **fast path**, one frame: a tensor (and, for two inputs, a tensor of the same
  backend and dtype, or a Python ``int``/``float`` with a floating tensor) looks up
  ``(kernel, result dtype)`` in a table made once per backend and indexed by the dtype's
  ``_id``, calls the kernel on the natives and wraps the result;
* the **slow path** for everything else: conversion, promotion (Python scalars weak),
  kind checks, the functions' own ``compute`` rules, and the errors.

A Python scalar on the left (``0.5 * x``, ``1.0 - x``, ``2 ** x``) reaches the tensor's
reflected operator, which has the same fast path: commutative functions are their own
reflection, the others look the scalar up in a table of reflected kernels.  The backends
take Python scalars in kernels as the contract says
(:meth:`~unitorch.backends.contract.Backend.scalar_kernel`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .. import dtypes as dt
from .._dispatch import backend_of, check_kind, is_scalar, native_scalar, scalar_for, to_tensor
from ..errors import ShapeError, broadcast_shapes
from ..tensor import TENSOR_TYPES, Tensor
from ._complex import COMPLEX_COMPOSITES

__all__ = ["unary", "binary", "kernel", "finish", "REAL_OF"]

_new = object.__new__
REAL_OF = {dt.complex64: dt.float32, dt.complex128: dt.float64}
_KINDS = {
    "numeric": "iufc", "real": "iuf", "float": "fc", "real_float": "f", "int": "iu",
    "int_bool": "biu", "any": "biufc", "real_any": "biuf",
}
Table = list[tuple[Callable[..., Any], dt.DType] | None]


def kernel(backend: Any, name: str, dtype: dt.DType) -> Callable[..., Any]:
    """The backend's primitive ``name`` for inputs of ``dtype``.  For complex dtypes:
    unitorch's own composition where every framework misses the standard's special cases
    (:data:`unitorch.ops._complex.COMPLEX_COMPOSITES`), else the backend's kernel for
    the dtype (:meth:`~unitorch.backends.contract.Backend.dtype_kernel`: its
    ``<name>_complex`` specialisation where it has one).  Chosen once per dtype: real
    dtypes pay nothing."""
    if dtype.kind == "c":
        composite = COMPLEX_COMPOSITES.get(name)
        if composite is not None:
            return functools.partial(composite, backend)
    return backend.dtype_kernel(name, dtype)


def _table(backend: Any, name: str, fast: dict[dt.DType, dt.DType],
           adapt: Callable[[Callable[..., Any]], Callable[..., Any]] | None = None) -> Table:
    """Per-dtype fast-path entries of one function on one backend, indexed by
    ``DType._id``: ``(kernel, result dtype)``, or ``None`` where the slow path decides.
    ``adapt`` turns each kernel into the one the table holds (scalar operands)."""
    table: Table = [None] * len(dt._ALL)
    for d, out in fast.items():
        k = kernel(backend, name, d)
        table[d._id] = (k if adapt is None else adapt(k), out)
    return table


def _outmap(kinds: str, result: str) -> dict[dt.DType, dt.DType]:
    """For each accepted input dtype, the dtype of the result."""
    out = {}
    for d in dt.all_dtypes:
        if d.kind not in kinds:
            continue
        out[d] = dt.bool if result == "bool" else REAL_OF.get(d, d) if result == "real" else d
    return out


def finish(T: type, native: Any, dtype: dt.DType) -> Tensor:
    """A new tensor of type ``T`` around ``native`` (the slow paths' wrap)."""
    r = _new(T)
    r._n = native
    r._d = dtype
    return r


# ---------------------------------------------------------------------------------------
# one input


# What the element-wise ops look up when they run (their tables, a binary op's spec),
# reached through this module global by an int key each op keeps.  Not in the ops'
# closures: torch.compile traces a method of a tensor made inside the compiled region
# (every intermediate: ``a + b``, ``x.exp()``) without a source, and then must rebuild
# every closure cell of the op as a value, which it cannot do for a dict of DTypes or a
# spec; each such op broke the compiled graph.
_TABLES: list[Any] = []


def _register(value: Any) -> int:
    """Keep ``value`` in :data:`_TABLES`; its key."""
    _TABLES.append(value)
    return len(_TABLES) - 1


#: every element-wise op's ``bind(tensor_type)``, which fills its tables
_BINDERS: list[Callable[[type], None]] = []


def bind_all(tensor_type: type) -> None:
    """Fill every element-wise op's tables for ``tensor_type`` (a backend's Tensor class)
    now.  An op binds itself at its first call; ``ut.compile`` calls this before the
    first trace, as binding while torch.compile traces breaks the graph."""
    for bind in _BINDERS:
        bind(tensor_type)


def unary(kinds: str, *, result: str = "same", float_only: bool = False,
          compute: Callable[..., Any] | None = None,
          primitive: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate the ``def`` of a one-input element-wise function.

    ``kinds`` names the accepted dtype kinds (``"numeric"``, ``"real"``, ``"float"``,
    ``"real_float"``, ``"int"``, ``"int_bool"``, ``"any"``, ``"real_any"``); ``result``
    is ``"same"``, ``"bool"`` or ``"real"`` (complex to its real dtype); ``float_only``
    computes integer and bool input in the default float dtype; ``compute(backend, T,
    native, dtype)`` replaces the backend primitive for functions with their own rule
    (no fast path then); ``primitive`` is the backend primitive's name (the def's name by
    default).
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        name = primitive or fn.__name__
        accepted = _KINDS[kinds]
        outmap = _outmap(accepted, result)
        fast = dict(outmap) if compute is None else {}
        kinds_in = accepted
        if float_only:  # integers are computed as floats: never on the fast path
            fast = {d: o for d, o in fast.items() if d.kind not in "biu"}
            kinds_in = accepted + "biu"
        key = _register({})

        def bind(t: type) -> None:
            if t not in _TABLES[key]:
                _TABLES[key][t] = _table(t._bk, name, fast)

        _BINDERS.append(bind)

        def slow(x: Any) -> Tensor:
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
            return finish(type(x), kernel(backend, name, d)(native), outmap[d])

        def op(x: Tensor, /) -> Tensor:
            t = type(x)
            try:
                table = _TABLES[key][t]
            except KeyError:
                if t in TENSOR_TYPES:
                    bind(t)
                    return op(x)
                return slow(x)
            entry = table[x._d._id]
            if entry is not None:
                r = _new(t)
                r._n = entry[0](x._n)
                r._d = entry[1]
                return r
            return slow(x)

        return functools.update_wrapper(op, fn)

    return decorate


# ---------------------------------------------------------------------------------------
# two inputs


class _BinarySpec:
    __slots__ = ("commutative", "compute", "float_only", "kinds", "name", "outmap",
                 "scalar_native")

    def __init__(self, **kw: Any) -> None:
        for k, v in kw.items():
            setattr(self, k, v)


def binary(kinds: str, *, result: str = "same", float_only: bool = False,
           commutative: bool = False, scalar_native: bool = True,
           compute: Callable[..., Any] | None = None, fast_kinds: str | None = None,
           primitive: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate the ``def`` of a two-input element-wise function (see :func:`unary` for
    ``kinds``, ``result``, ``float_only`` and ``primitive``).

    ``commutative`` functions swap a scalar first operand to second place (and are their
    own reflected operator); ``scalar_native=False`` passes Python scalars to the
    primitive as 0-d tensors rather than as Python numbers; ``compute(backend, n1, n2,
    dtype)`` replaces the primitive (on the slow path, and on the fast path only for the
    dtype kinds in ``fast_kinds``).  The decorated function gets a ``reflected``
    attribute: the tensor's reflected operator (``Tensor.__rsub__(x, s)`` computes
    ``s - x``).
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        name = primitive or fn.__name__
        accepted = _KINDS[kinds]
        outmap = _outmap(accepted, result)
        fast_ok = accepted if fast_kinds is None else fast_kinds
        fast = {d: o for d, o in outmap.items() if d.kind in fast_ok}
        if float_only:
            fast = {d: o for d, o in fast.items() if d.kind in "fc"}
        scalar_fast = {d: o for d, o in fast.items() if d.kind in "fc"} if scalar_native \
            else {}
        spec = _register(_BinarySpec(
            name=name, kinds=accepted, outmap=outmap, float_only=float_only,
            commutative=commutative, scalar_native=scalar_native, compute=compute))
        # tables of two tensors, a tensor and a Python scalar, a scalar and a tensor
        key, scalar_key, reflected_key = _register({}), _register({}), _register({})

        def bind(t: type) -> None:
            """Fill the tables of the backend of tensor type ``t``: dtype ``_id`` ->
            ``(kernel, result dtype)``, for two tensors, for a tensor and a Python scalar,
            and for a Python scalar and a tensor."""
            if t in _TABLES[key]:
                return
            bk = t._bk
            _TABLES[key][t] = _table(bk, name, fast)
            _TABLES[scalar_key][t] = _table(bk, name, scalar_fast,
                                            lambda k: bk.scalar_kernel(k, False))
            _TABLES[reflected_key][t] = _table(bk, name, scalar_fast,
                                               lambda k: bk.scalar_kernel(k, True))

        _BINDERS.append(bind)

        def op(x1: Any, x2: Any, /) -> Tensor:
            # The hot path: two tensors of one backend and one dtype, or a floating
            # tensor and a Python int or float.  Every line here is measured
            # (benchmarks/): subscripting beats .get(), _id beats hashing a DType.
            t = type(x1)
            t2 = type(x2)
            if t is t2:
                try:
                    table = _TABLES[key][t]
                except KeyError:
                    if t in TENSOR_TYPES:
                        bind(t)
                        return op(x1, x2)
                    return _binary_slow(_TABLES[spec], x1, x2)
                d = x1._d
                if d is x2._d:
                    entry = table[d._id]
                    if entry is not None:
                        try:
                            native = entry[0](x1._n, x2._n)
                        except Exception:  # re-raised by the slow path with our message
                            return _binary_slow(_TABLES[spec], x1, x2)
                        r = _new(t)
                        r._n = native
                        r._d = entry[1]
                        return r
            elif t2 is float or t2 is int:
                table = _TABLES[scalar_key].get(t)
                if table is None and t in TENSOR_TYPES:  # a scalar before any tensor pair
                    bind(t)
                    table = _TABLES[scalar_key][t]
                if table is not None:
                    entry = table[x1._d._id]
                    if entry is not None:
                        r = _new(t)
                        r._n = entry[0](x1._n, x2)
                        r._d = entry[1]
                        return r
            return _binary_slow(_TABLES[spec], x1, x2)

        op = functools.update_wrapper(op, fn)
        if commutative:
            op.reflected = op  # x2 op x1 == x1 op x2, bit for bit
            return op

        def reflected(x: Tensor, other: Any, /) -> Tensor:
            # Tensor.__r<op>__: ``other <op> x`` for an ``other`` that is not a Tensor
            # (a Python scalar on the left: 1.0 - x, 2 ** x), with the fast path of op.
            t = type(x)
            t2 = type(other)
            if t2 is float or t2 is int:
                table = _TABLES[reflected_key].get(t)
                if table is None and t in TENSOR_TYPES:
                    bind(t)
                    table = _TABLES[reflected_key][t]
                if table is not None:
                    entry = table[x._d._id]
                    if entry is not None:
                        r = _new(t)
                        r._n = entry[0](x._n, other)
                        r._d = entry[1]
                        return r
            return op(other, x)

        reflected.__doc__ = f"``other {name} self``: :func:`unitorch.{name}` reflected."
        op.reflected = reflected
        return op

    return decorate


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
        if spec.scalar_native and t1 is not None:
            # a Python scalar second operand goes to the primitive as the backend takes
            # it (the contract's scalar_operand: TensorFlow keeps the sign of a zero)
            return backend.scalar_operand(value, d)
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
    return finish(T, native, spec.outmap[d])
