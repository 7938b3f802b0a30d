"""Every public name has a docstring with an example, and every example runs, on every
backend, and prints what it says.

The public names are the ``__all__`` of each public module (its public functions and
classes where it has no ``__all__``, as ``unitorch`` and ``unitorch.nn``), and the public
methods and properties of :class:`unitorch.Tensor`.  A Tensor method that is the method
form of a function (``x.sum()`` of ``ut.sum``) says so and shares that function's example.

The examples are doctests.  They assume ``import numpy as np``, ``import unitorch as ut``
and ``import unitorch.nn.functional as F`` (as ``docs/api/index.md`` says; they may also
use the names of their own module) and run with the backend active.  A tensor's ``repr``
ends with ``device=..., backend=...``, which the examples leave out (they show what
``print`` shows); ``...`` stands for digits the last rounding may change.  Examples that
need files, a network, several processes or a framework's own objects are marked
``# doctest: +SKIP``.  The ``clean_state`` fixture (``tests/conftest.py``) puts back the
process-wide settings an example changes.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import re
import types

import numpy as np
import pytest

import unitorch as ut
import unitorch.nn.functional as F

PUBLIC_MODULES = [
    "unitorch", "unitorch.nn", "unitorch.nn.functional", "unitorch.nn.init",
    "unitorch.nn.utils", "unitorch.nn.utils.rnn", "unitorch.nn.convert", "unitorch.optim",
    "unitorch.optim.lr_scheduler", "unitorch.linalg", "unitorch.fft", "unitorch.random",
    "unitorch.data", "unitorch.train", "unitorch.train.metrics", "unitorch.train.callbacks",
    "unitorch.ab", "unitorch.export", "unitorch.testing", "unitorch.distributed",
    "unitorch.keras", "unitorch.keras.layers", "unitorch.keras.models",
    "unitorch.keras.optimizers", "unitorch.keras.optimizers.schedules",
    "unitorch.keras.losses", "unitorch.keras.metrics", "unitorch.keras.callbacks",
    "unitorch.keras.activations", "unitorch.keras.initializers", "unitorch.keras.utils",
    "unitorch.keras.backend", "unitorch.keras.saving", "unitorch.tensorflow",
    "unitorch.tensorflow.nn", "unitorch.tensorflow.math", "unitorch.tensorflow.random",
    "unitorch.torch", "unitorch.torch.nn", "unitorch.torch.nn.functional",
    "unitorch.torch.nn.init", "unitorch.torch.nn.utils", "unitorch.torch.optim",
    "unitorch.torch.optim.lr_scheduler", "unitorch.torch.utils.data",
    "unitorch.torch.autograd", "unitorch.torch.cuda", "unitorch.torch.backends",
    "unitorch.torch.accelerator", "unitorch.torch.onnx", "unitorch.torch.random",
    "unitorch.torch.testing", "unitorch.torch.serialization",
]

_EXAMPLE = re.compile(r"^\s*(Examples?(\s*\([^\n]*\))?:\s*$|>>> )", re.MULTILINE)
_METHOD_FORM = re.compile(r"^Method form of :func:`unitorch\.(\w+)`\.$")


def _has_example(obj) -> bool:
    return bool(_EXAMPLE.search(inspect.getdoc(obj) or ""))


def _public_names():
    """(qualified name, object) of every public name, each object once."""
    seen: dict[int, str] = {}
    out = []
    for modname in PUBLIC_MODULES:
        mod = importlib.import_module(modname)
        names = getattr(mod, "__all__", None)
        if names is None:
            names = [n for n in vars(mod) if not n.startswith("_")]
        for name in names:
            obj = getattr(mod, name)
            if isinstance(obj, ut.DType):  # the dtype singletons share DType's docstring
                obj = ut.DType
            elif isinstance(obj, types.ModuleType) or not callable(obj):
                continue  # submodules, constants (pi, inf...), `annotations`
            if id(obj) in seen:
                continue
            seen[id(obj)] = f"{modname}.{name}"
            out.append((f"{modname}.{name}", obj))
    return out


def _tensor_members():
    """(name, object documenting it) of every public Tensor method and property."""
    out = []
    for name in sorted(dir(ut.Tensor)):
        if name.startswith("_"):
            continue
        attr = inspect.getattr_static(ut.Tensor, name)
        if isinstance(attr, property):
            out.append((f"Tensor.{name}", attr.fget))
            continue
        fn = getattr(ut.Tensor, name)
        m = _METHOD_FORM.match(inspect.getdoc(fn) or "")
        # (``_matmul``, the wrapper that imports matmul late, names ``ut.matmul``)
        target = getattr(ut, m.group(1).lstrip("_"), None) if m else None
        out.append((f"Tensor.{name}", fn if target is None else target))
    return out


def test_every_public_name_has_an_example():
    names = _public_names() + _tensor_members()
    assert len(names) > 300
    missing = [name for name, obj in names if not _has_example(obj)]
    assert not missing, (f"{len(missing)} public names have no example in their "
                         f"docstring: {', '.join(missing)}")


# ---------------------------------------------------------------------------------------
# the examples, as doctests on every backend


def _modules():
    yield ut
    for info in pkgutil.walk_packages(ut.__path__, "unitorch."):
        if info.name.startswith(("unitorch.cli", "unitorch.__main__")):
            continue
        yield importlib.import_module(info.name)


def _doctests():
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests: dict[str, doctest.DocTest] = {}
    found = [test for mod in _modules() for test in finder.find(mod, mod.__name__)]
    # methods installed on Tensor by unitorch.ops._operators (``x.half()``, ``x.clone()``)
    # belong to no module's namespace, so the module walk does not see them
    docstrings = {test.docstring for test in found}
    for name, fn in _tensor_members():
        if inspect.getdoc(fn) and fn.__doc__ not in docstrings:
            found += finder.find(fn, f"unitorch.{name}", module=False, globs={})
    for test in found:
        if any(not ex.options.get(doctest.SKIP) for ex in test.examples):
            tests.setdefault(test.name, test)
    return [tests[name] for name in sorted(tests)]


DOCTESTS = _doctests()
_REPR_TAIL = re.compile(r", device=[^,()]+, backend=\w+\)")
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE | doctest.IGNORE_EXCEPTION_DETAIL


class _Checker(doctest.OutputChecker):
    """Compares what the example shows with the output, also with each tensor repr's
    ``device=..., backend=...`` left out."""

    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        return (super().check_output(want, got, optionflags)
                or super().check_output(want, _REPR_TAIL.sub(")", got), optionflags))


def test_the_examples_are_collected():
    assert len(DOCTESTS) > 300
    assert sum(len(t.examples) for t in DOCTESTS) > 600


@pytest.mark.parametrize("test", DOCTESTS, ids=[t.name for t in DOCTESTS])
def test_example(test: doctest.DocTest, backend, clean_state):
    globs = dict(test.globs)
    globs.update(np=np, ut=ut, F=F)
    test = doctest.DocTest(test.examples, globs, test.name, test.filename, test.lineno,
                           test.docstring)
    report: list[str] = []
    runner = doctest.DocTestRunner(checker=_Checker(), optionflags=FLAGS)
    result = runner.run(test, out=report.append, clear_globs=True)
    assert result.failed == 0, f"on {backend}:\n" + "".join(report)
