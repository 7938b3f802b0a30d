"""The per-op floor on torch: what a thinner wrapper than unitorch's Tensor would cost.

For ``a + b``, ``a[2:40]`` and ``reshape(a, (-1,))`` on 64x64 float32 (torch backend
only), interleaved with the native call and unitorch's:

* ``subclass``: the cheapest pure-Python wrapper, one class per dtype carrying its dtype
  and kernels as class attributes (no dtype field, no per-dtype table), with the
  operator a plain function of one frame: what a per-dtype Tensor subclass would give;
* ``c``: the same wrapper as a C extension type (``nb_add``, ``mp_subscript`` and a
  ``reshape`` method calling the torch function and wrapping its result), compiled at
  run time with the system's C compiler (left out when there is none): what a C-level
  fast path would give.

Neither checks anything unitorch's fast path checks (mixed dtypes, Python scalars,
errors): they are lower bounds for the fast path, not alternatives to it.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .timing import compare

_C_SOURCE = r"""
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct { PyObject_HEAD PyObject *n; } W;
static PyObject *add_fn, *reshape_fn;
static PyTypeObject WType;

static PyObject *wrap(PyObject *native) {
    if (native == NULL) return NULL;
    W *r = PyObject_New(W, &WType);
    if (r == NULL) { Py_DECREF(native); return NULL; }
    r->n = native;
    return (PyObject *)r;
}
static void w_dealloc(W *self) { Py_XDECREF(self->n); PyObject_Free(self); }
static PyObject *w_add(PyObject *a, PyObject *b) {
    if (Py_TYPE(a) != &WType || Py_TYPE(b) != &WType) Py_RETURN_NOTIMPLEMENTED;
    PyObject *args[2] = {((W *)a)->n, ((W *)b)->n};
    return wrap(PyObject_Vectorcall(add_fn, args, 2, NULL));
}
static PyObject *w_getitem(PyObject *a, PyObject *key) {
    return wrap(PyObject_GetItem(((W *)a)->n, key));
}
static PyObject *w_reshape(PyObject *a, PyObject *shape) {
    PyObject *args[2] = {((W *)a)->n, shape};
    return wrap(PyObject_Vectorcall(reshape_fn, args, 2, NULL));
}
static PyObject *w_new(PyTypeObject *t, PyObject *args, PyObject *kw) {
    PyObject *n;
    if (!PyArg_ParseTuple(args, "O", &n)) return NULL;
    Py_INCREF(n);
    return wrap(n);
}
static PyNumberMethods w_number = {.nb_add = w_add};
static PyMappingMethods w_mapping = {.mp_subscript = w_getitem};
static PyMethodDef w_methods[] = {{"reshape", w_reshape, METH_O, NULL}, {NULL}};
static PyTypeObject WType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "floor.W", .tp_basicsize = sizeof(W),
    .tp_dealloc = (destructor)w_dealloc, .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_as_number = &w_number, .tp_as_mapping = &w_mapping, .tp_methods = w_methods,
    .tp_new = w_new,
};
static PyObject *setup(PyObject *m, PyObject *args) {
    if (!PyArg_ParseTuple(args, "OO", &add_fn, &reshape_fn)) return NULL;
    Py_INCREF(add_fn); Py_INCREF(reshape_fn);
    Py_RETURN_NONE;
}
static PyMethodDef methods[] = {{"setup", setup, METH_VARARGS, NULL}, {NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_floor", NULL, -1, methods};
PyMODINIT_FUNC PyInit__floor(void) {
    if (PyType_Ready(&WType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    Py_INCREF(&WType);
    PyModule_AddObject(m, "W", (PyObject *)&WType);
    return m;
}
"""


def _c_wrapper() -> Any:
    """The C wrapper type, compiled into a temporary directory, or None without a C
    compiler (or Python headers)."""
    cc = shutil.which("cc") or shutil.which("gcc")
    include = sysconfig.get_paths()["include"]
    if cc is None or not Path(include, "Python.h").exists():
        return None
    tmp = Path(tempfile.mkdtemp(prefix="unitorch-floor-"))
    src = tmp / "floor.c"
    src.write_text(_C_SOURCE)
    out = tmp / f"_floor{sysconfig.get_config_var('EXT_SUFFIX')}"
    built = subprocess.run([cc, "-O2", "-shared", "-fPIC", f"-I{include}", str(src), "-o",
                            str(out)], capture_output=True, text=True)
    if built.returncode != 0:
        print(f"floor: the C wrapper did not compile: {built.stderr[-500:]}", file=sys.stderr)
        return None
    spec = importlib.util.spec_from_file_location("_floor", out)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _subclass_wrapper(torch: Any) -> type:
    """One pure-Python wrapper class for float32, its kernels as class attributes."""
    new = object.__new__

    class F32:
        __slots__ = ("_n",)
        _add = staticmethod(torch.add)
        _reshape = staticmethod(torch.reshape)
        _getitem = torch.Tensor.__getitem__

        def __add__(x1: Any, x2: Any) -> Any:
            t = type(x1)
            if t is type(x2):
                r = new(t)
                r._n = t._add(x1._n, x2._n)
                return r
            return NotImplemented

        def __getitem__(x: Any, key: Any) -> Any:
            t = type(x)
            r = new(t)
            r._n = t._getitem(x._n, key)
            return r

        def reshape(x: Any, shape: Any) -> Any:
            t = type(x)
            r = new(t)
            r._n = t._reshape(x._n, shape)
            return r

    return F32


def run(backend: str, quick: bool) -> list[dict[str, Any]]:
    """Rows for add, indexing and reshape (torch only: the floor the issue is about)."""
    if backend != "torch":
        return []
    import torch

    import unitorch as ut

    rng = np.random.default_rng(0)
    a_np, b_np = (rng.standard_normal((64, 64), dtype=np.float32) for _ in range(2))
    a, b = ut.asarray(a_np), ut.asarray(b_np)
    na, nb = a.native, b.native
    F32 = _subclass_wrapper(torch)
    sa, sb = F32(), F32()
    sa._n, sb._n = na, nb
    floor = _c_wrapper()
    if floor is not None:
        floor.setup(torch.add, torch.reshape)
        ca, cb = floor.W(na), floor.W(nb)
    rows = []
    for op in ("add", "indexing", "reshape"):
        found: dict[str, Callable[[], Any]] = {
            "add": {"native": lambda: torch.add(na, nb), "unitorch": lambda: a + b,
                    "subclass": lambda: sa + sb},
            "indexing": {"native": lambda: na[2:40], "unitorch": lambda: a[2:40],
                         "subclass": lambda: sa[2:40]},
            "reshape": {"native": lambda: torch.reshape(na, (-1,)),
                        "unitorch": lambda: ut.reshape(a, (-1,)),
                        "subclass": lambda: sa.reshape((-1,))},
        }[op]
        if floor is not None:
            found["c"] = {"add": lambda: ca + cb, "indexing": lambda: ca[2:40],
                          "reshape": lambda: ca.reshape((-1,))}[op]
        repeats = 3 if quick else 21
        measured = compare(found, repeats=repeats, warmup=1 if quick else 3,
                           target=0.002 if quick else 0.05)
        rows.append({
            "suite": "floor", "case": f"{op} 64x64 float32", "backend": backend,
            "seconds": {k: m.median for k, m in measured.items()},
            "spread": {k: [m.low, m.high] for k, m in measured.items()},
            "number": next(iter(measured.values())).number, "repeats": repeats,
        })
    return rows
