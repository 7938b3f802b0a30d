"""How NumPy treats a unitorch tensor: the ``__array_ufunc__`` and ``__array_function__``
protocols (NEP 13 and NEP 18), bound on :class:`unitorch.Tensor`.

The rule, the same on every backend:

* **A ufunc keeps the type.**  ``np.expm1(t)``, ``np.add(a, t)``, ``a + t`` for a NumPy
  array ``a`` and ``np.add.reduce(t)`` return unitorch tensors of ``t``'s backend, as
  ``np.expm1`` returns a ``torch.Tensor`` for a ``torch.Tensor``.  Where unitorch has
  the function (:data:`UFUNCS`: ``np.expm1`` is ``ut.expm1``, ``np.arcsin`` is
  ``ut.asin``...) and the call is a plain one (no keyword but ``out=``), unitorch computes
  it, on the tensor's backend and device, with unitorch's semantics (its promotion table:
  ``int64`` with ``float32`` gives ``float32``, integer division gives the default float)
  and autograd recording.  Otherwise (SciPy's ufuncs such as ``scipy.special.jv``,
  NumPy ufuncs unitorch lacks such as ``np.ldexp``, methods such as ``reduce``, keywords
  such as ``dtype=``/``where=``, or dtypes the unitorch function refuses) NumPy computes
  it on host copies and the result comes back as a tensor of the same backend and
  device; it carries no gradient (as ``np.asarray(t)`` carries none).  A result whose
  dtype unitorch lacks comes back as NumPy's array.  ``out=`` may name tensors (written
  with ``__setitem__``) or NumPy arrays.
* **A NumPy function converts.**  ``np.sum(t)``, ``np.concatenate([t, a])``,
  ``np.linalg.eigh(t)`` and every other function NumPy dispatches through
  ``__array_function__`` get NumPy arrays in place of unitorch tensors and return what
  NumPy returns (NumPy arrays): code that calls NumPy functions is NumPy code, and goes
  on with NumPy's methods on the result.  To compute on the backend, call the unitorch
  function (``ut.sum(t)``).

Operators between two unitorch tensors never pass through here: ``x + y`` is unitorch's
own operator, and NumPy's dispatch is only entered when NumPy is asked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["UFUNCS", "array_ufunc", "array_function"]

UFUNCS: dict[str, str] = {
    "add": "add", "subtract": "subtract", "multiply": "multiply", "divide": "divide",
    "floor_divide": "floor_divide", "remainder": "remainder", "power": "pow",
    "negative": "negative", "positive": "positive", "absolute": "abs", "sign": "sign",
    "conjugate": "conj", "sqrt": "sqrt", "square": "square", "exp": "exp", "expm1": "expm1",
    "log": "log", "log2": "log2", "log10": "log10", "log1p": "log1p", "sin": "sin",
    "cos": "cos", "tan": "tan", "arcsin": "asin", "arccos": "acos", "arctan": "atan",
    "arctan2": "atan2", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "arcsinh": "asinh",
    "arccosh": "acosh", "arctanh": "atanh", "hypot": "hypot", "logaddexp": "logaddexp",
    "maximum": "maximum", "minimum": "minimum", "floor": "floor", "ceil": "ceil",
    "trunc": "trunc", "rint": "round", "isfinite": "isfinite", "isinf": "isinf",
    "isnan": "isnan", "signbit": "signbit", "copysign": "copysign", "nextafter": "nextafter",
    "equal": "equal",
    "not_equal": "not_equal", "less": "less", "less_equal": "less_equal",
    "greater": "greater", "greater_equal": "greater_equal", "logical_and": "logical_and",
    "logical_or": "logical_or", "logical_xor": "logical_xor", "logical_not": "logical_not",
    "bitwise_and": "bitwise_and", "bitwise_or": "bitwise_or", "bitwise_xor": "bitwise_xor",
    "invert": "bitwise_invert", "left_shift": "bitwise_left_shift",
    "right_shift": "bitwise_right_shift", "matmul": "matmul", "vecdot": "vecdot",
}
"""NumPy ufunc name -> the unitorch function that computes it with the same meaning.

Only NumPy's own ufuncs are looked up (SciPy's ``scipy.special.expm1`` is a different
ufunc with the same name, and NumPy computes it).  Left to NumPy on purpose:
``fmax``/``fmin`` (they ignore NaN; ``maximum`` propagates it), ``fmod`` (sign of the
dividend; ``remainder`` takes the divisor's), ``reciprocal`` (integer division on
integers), ``float_power`` (always float64) and ``fabs`` (real only)."""

_resolved: dict[np.ufunc, Callable[..., Any]] | None = None  # UFUNCS, by ufunc object


def _unitorch_function(ufunc: np.ufunc) -> Callable[..., Any] | None:
    """The unitorch function computing NumPy's ``ufunc``, or ``None``."""
    global _resolved
    if _resolved is None:  # built whole, then published: threads never see half of it
        import unitorch

        table = {}
        for np_name, ut_name in UFUNCS.items():
            found = getattr(np, np_name, None)
            function = getattr(unitorch, ut_name, None)
            if isinstance(found, np.ufunc) and function is not None:
                table[found] = function
        _resolved = table
    return _resolved.get(ufunc)


def _is_tensor(x: Any) -> bool:
    from .tensor import Tensor

    return isinstance(x, Tensor)


def _to_numpy(x: Any) -> Any:
    """``x`` with every unitorch tensor in it (in lists, tuples and dicts) as a NumPy
    array; anything else unchanged."""
    if _is_tensor(x):
        return x._bk.to_numpy(x._n)
    if isinstance(x, (list, tuple)):
        converted = [_to_numpy(v) for v in x]
        if all(a is b for a, b in zip(converted, x)):
            return x
        return type(x)(converted) if type(x) in (list, tuple) else type(x)(*converted)
    if isinstance(x, dict):
        return {k: _to_numpy(v) for k, v in x.items()}
    return x


def _foreign(values: Any) -> bool:
    """Whether an argument is an array type of another library that overrides NumPy
    (NEP 13/18 ask us to defer to it: ``NotImplemented``)."""
    for v in values:
        if _is_tensor(v) or isinstance(v, np.ndarray):
            continue
        override = getattr(type(v), "__array_ufunc__", None)
        if override is not None and override is not np.ndarray.__array_ufunc__:
            return True
    return False


def _back(like: Any, value: Any) -> Any:
    """A NumPy result as a tensor of ``like``'s backend and device (NumPy's result
    itself where unitorch lacks its dtype)."""
    from .ops.creation import asarray_on

    if isinstance(value, tuple):
        return tuple(_back(like, v) for v in value)
    arr = np.asarray(value)
    if arr.dtype not in _dtypes_by_numpy():
        return value
    return asarray_on(like._bk, arr, device=like.device)


def _dtypes_by_numpy() -> dict[np.dtype, Any]:
    from .dtypes import _BY_NUMPY

    return _BY_NUMPY


def _write(out: Any, value: Any) -> Any:
    """Store ``value`` into one ``out=`` target (a tensor or a NumPy array)."""
    if _is_tensor(out):
        out[...] = value if _is_tensor(value) else np.asarray(value)
    else:
        np.copyto(out, np.asarray(value), casting="same_kind")
    return out


def array_ufunc(self: Any, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
    """NumPy's ufunc protocol for :class:`unitorch.Tensor`: the result is a tensor of
    ``self``'s backend (see the module docstring for who computes it).

    Example:
        >>> t = ut.tensor([0.0, 1.0])
        >>> np.expm1(t)  # computed by ut.expm1, on the tensor's backend
        tensor([0.       , 1.71828...], dtype=float32)
        >>> np.ldexp(t, 3)  # NumPy's ldexp, on a host copy; a tensor again
        tensor([0., 8.], dtype=float32)
        >>> np.ones(2) + t  # a NumPy array with a tensor: unitorch's add (float64 wins)
        tensor([1., 2.], dtype=float64)
    """
    out = kwargs.pop("out", None)
    outs = out if isinstance(out, tuple) else (out,) if out is not None else ()
    if _foreign(inputs + tuple(o for o in outs if o is not None)):
        return NotImplemented
    result: Any = NotImplemented
    if method == "__call__" and not kwargs:
        function = _unitorch_function(ufunc)
        if function is not None:
            from .errors import DTypeError

            try:
                result = function(*inputs)
            except DTypeError:  # a dtype unitorch's function refuses: NumPy decides
                result = NotImplemented
    if result is NotImplemented:
        kwargs = {k: _to_numpy(v) for k, v in kwargs.items()}  # where= may be a tensor
        if method == "at":  # in place on the first operand: NumPy on a copy, written back
            target = inputs[0]
            host = np.array(_to_numpy(target))
            ufunc.at(host, *[_to_numpy(i) for i in inputs[1:]], **kwargs)
            _write(target, host)
            return None
        host_out = tuple(None if _is_tensor(o) else o for o in outs)
        if any(o is not None for o in host_out) and all(o is not None for o in host_out):
            kwargs["out"] = host_out  # only NumPy arrays: NumPy writes them itself
            return getattr(ufunc, method)(*[_to_numpy(i) for i in inputs], **kwargs)
        value = getattr(ufunc, method)(*[_to_numpy(i) for i in inputs], **kwargs)
        result = _back(self, value)
    if not any(o is not None for o in outs):
        return result
    results = result if isinstance(result, tuple) else (result,)
    written = tuple(r if o is None else _write(o, r) for o, r in zip(outs, results))
    return written if isinstance(out, tuple) and len(written) > 1 else written[0]


def array_function(self: Any, func: Callable[..., Any], types: Any, args: tuple,
                   kwargs: dict) -> Any:
    """NumPy's function protocol for :class:`unitorch.Tensor`: NumPy computes, on NumPy
    arrays in place of the tensors, and returns what it returns.

    Example:
        >>> t = ut.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> np.sum(t)
        np.float32(10.0)
        >>> np.concatenate([t, np.zeros((1, 2), np.float32)])
        array([[1., 2.],
               [3., 4.],
               [0., 0.]], dtype=float32)
    """
    from .tensor import Tensor

    for t in types:
        if not issubclass(t, (Tensor, np.ndarray)):
            return NotImplemented
    out = kwargs.get("out")
    if _is_tensor(out):
        kwargs = dict(kwargs, out=None)
        return _write(out, func(*_to_numpy(args), **_to_numpy(kwargs)))
    return func(*_to_numpy(args), **_to_numpy(kwargs))
