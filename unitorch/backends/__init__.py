"""Choosing the backend: which framework's kernels unitorch runs on.

The choice is made when unitorch is imported, from ``UNITORCH_BACKEND``
(``torch`` or ``tensorflow``); unset, it is ``torch`` if installed, else ``tensorflow``.

* :func:`set_backend` changes the process-wide default *and* the current context;
* :func:`use_backend` changes it for a ``with`` block, in the current context only
  (a ``contextvars`` variable), so two threads or two asyncio tasks can run different
  backends in one process.  New threads start on the process-wide default.

Switching never re-imports anything, and a tensor keeps working with the backend that
made it.  A backend's framework is imported only when that backend is first used.

This package is unitorch's bottom layer: it imports nothing from the layers above it
(only ``dtypes``, ``devices``, ``errors`` and the contract).  A layer above that must
know of each loaded backend registers with :func:`on_load` (the Tensor type, the matmul
precision).
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import importlib.util
import os
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .._gc import paused as paused_gc
from ..errors import BackendNotAvailableError
from .contract import Backend

__all__ = [
    "Backend", "available_backends", "get_backend", "set_backend", "use_backend",
    "current", "load", "backend_of_native", "on_load",
]


@dataclass(frozen=True)
class _Spec:
    module: str  # the unitorch module implementing the contract
    framework: str  # the module that must be importable
    install: str  # what to pip install
    # environment variables the framework reads when it is imported, set (unless the user
    # set them) just before that import
    environ: tuple[tuple[str, str], ...] = ()
    # lines the framework writes to stderr while it is imported, before it reads its own
    # log settings, dropped when ``quiet_unless`` (an environment variable) says INFO
    # lines are unwanted (a value other than "0")
    import_noise: str | None = None
    quiet_unless: str | None = None


# The backend packages (unitorch/backends/<name>/), one module per section of the contract.
_SPECS = {
    "torch": _Spec("unitorch.backends.torch", "torch", "pip install 'unitorch[torch]'"),
    "tensorflow": _Spec(
        "unitorch.backends.tensorflow", "tensorflow",
        "pip install 'unitorch[tensorflow]' (or 'unitorch[tensorflow-cpu]' for the CPU-only build)",
        # TensorFlow's C++ runtime prints INFO and WARNING lines (oneDNN, CPU features) as
        # it starts; 2 keeps errors only.  Read once, at import: setting it later does nothing.
        environ=(("TF_CPP_MIN_LOG_LEVEL", "2"),),
        # TensorFlow 2.21's oneDNN notice goes through absl before absl::InitializeLog()
        # (so before TF_CPP_MIN_LOG_LEVEL is read), with absl's warning about that:
        import_noise=r"^(WARNING: All log messages before absl::InitializeLog\(\) is called "
                     r"are written to STDERR|I\d{4} [\d:.]+ +\d+ port\.cc:\d+\] oneDNN .*)$",
        quiet_unless="TF_CPP_MIN_LOG_LEVEL",
    ),
}
_ALIASES = {"pytorch": "torch", "tf": "tensorflow"}

_loaded: dict[str, Backend] = {}
_load_lock = threading.Lock()
_context: contextvars.ContextVar[Backend | None] = contextvars.ContextVar(
    "unitorch_backend", default=None
)
_process_default: list[Backend] = []  # one element once chosen
_load_hooks: list[Callable[[Backend], None]] = []


def on_load(hook: Callable[[Backend], None]) -> None:
    """Call ``hook(backend)`` for each backend already loaded and for every backend loaded
    later, right after its module is imported and before anything uses it.  The layers
    above register here, so this package imports nothing from them."""
    _load_hooks.append(hook)
    for backend in list(_loaded.values()):
        hook(backend)


@contextlib.contextmanager
def _dropping_stderr_lines(pattern: str | None) -> Iterator[None]:
    """Run the block with the process's stderr (file descriptor 2, where C++ libraries
    write) going to a temporary file, then write back every line that ``pattern`` does
    not match.  ``None``: leave stderr alone."""
    if pattern is None:
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no usable file descriptor 2 (an embedded interpreter)
        yield
        return
    noise = re.compile(pattern)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [line for line in captured.read().decode(errors="replace").splitlines(True)
                    if not noise.match(line.rstrip("\n"))]
            if kept:
                os.write(2, "".join(kept).encode())


def _canonical(name: str) -> str:
    if not isinstance(name, str):
        raise BackendNotAvailableError(
            f"a backend name must be a string, got {type(name).__name__}; "
            f"choose one of {', '.join(map(repr, _SPECS))}"
        )
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in _SPECS:
        raise BackendNotAvailableError(
            f"unknown backend {name!r}; choose one of {', '.join(map(repr, _SPECS))}"
        )
    return key


def available_backends() -> tuple[str, ...]:
    """Names of the backends whose framework is installed (nothing is imported).

    Example:
        >>> ut.available_backends()  # the frameworks installed here
        ('torch', 'tensorflow')
    """
    return tuple(n for n, s in _SPECS.items() if importlib.util.find_spec(s.framework))


def load(name: str) -> Backend:
    """The backend called ``name``, importing its framework on first use."""
    key = _canonical(name)
    backend = _loaded.get(key)
    if backend is not None:
        return backend
    spec = _SPECS[key]
    if importlib.util.find_spec(spec.framework) is None:
        raise BackendNotAvailableError(
            f"backend {key!r} needs {spec.framework}, which is not installed: {spec.install}. "
            f"Installed backends: {', '.join(available_backends()) or 'none'}"
        )
    with _load_lock:
        if key not in _loaded:
            for name, value in spec.environ:
                os.environ.setdefault(name, value)
            quiet = spec.import_noise is not None and \
                os.environ.get(spec.quiet_unless or "", "0") != "0"
            with _dropping_stderr_lines(spec.import_noise if quiet else None):
                importlib.import_module(spec.framework)  # the framework's own cost, as usual
            with paused_gc():  # unitorch's backend module: see unitorch/_gc.py
                module = importlib.import_module(spec.module)
                backend = module.BACKEND
                for hook in _load_hooks:
                    hook(backend)
            _loaded[key] = backend
    return _loaded[key]


def check_requested() -> None:
    """Validate ``UNITORCH_BACKEND`` (a known name whose framework is installed) without
    importing any framework; the backend itself loads on first use."""
    requested = os.environ.get("UNITORCH_BACKEND", "").strip()
    if requested:
        key = _canonical(requested)
        spec = _SPECS[key]
        if importlib.util.find_spec(spec.framework) is None:
            raise BackendNotAvailableError(
                f"UNITORCH_BACKEND={requested!r} needs {spec.framework}, which is not "
                f"installed: {spec.install}. Installed backends: "
                f"{', '.join(available_backends()) or 'none'}"
            )
    elif not available_backends():
        raise BackendNotAvailableError(
            "no backend is installed: " + "; or ".join(s.install for s in _SPECS.values())
        )


def _initial_default() -> Backend:
    requested = os.environ.get("UNITORCH_BACKEND", "").strip()
    if requested:
        return load(requested)
    for name in _SPECS:
        if importlib.util.find_spec(_SPECS[name].framework):
            return load(name)
    raise BackendNotAvailableError(
        "no backend is installed: "
        + "; or ".join(s.install for s in _SPECS.values())
    )


def _default() -> Backend:
    if not _process_default:
        chosen = _initial_default()  # outside the lock: load() takes it
        with _load_lock:
            if not _process_default:
                _process_default.append(chosen)
    return _process_default[0]


def current() -> Backend:
    """The backend new tensors are created with in this context."""
    b = _context.get()
    return b if b is not None else _default()


def get_backend() -> str:
    """The active backend's name: ``"torch"`` or ``"tensorflow"``.

    Example:
        >>> with ut.use_backend("tensorflow"):
        ...     ut.get_backend()
        'tensorflow'
    """
    return current().name


def set_backend(name: str) -> None:
    """Make ``name`` the backend of this context and the process-wide default.

    Example:
        >>> previous = ut.get_backend()
        >>> ut.set_backend("tensorflow")  # as UNITORCH_BACKEND=tensorflow before the import
        >>> ut.ones(2).backend
        'tensorflow'
        >>> ut.set_backend(previous)
    """
    backend = load(name)
    if _process_default:
        _process_default[0] = backend
    else:
        _process_default.append(backend)
    if _context.get() is not None:
        _context.set(backend)


@contextlib.contextmanager
def use_backend(name: str) -> Iterator[Backend]:
    """Run a ``with`` block on backend ``name``, in this context only.

    Example:
        >>> with ut.use_backend("tensorflow"):
        ...     x = ut.ones(2)
        >>> x.backend, (x + 1).backend  # a tensor keeps its backend
        ('tensorflow', 'tensorflow')
    """
    token = _context.set(load(name))
    try:
        yield _context.get()
    finally:
        _context.reset(token)


def backend_of_native(obj: object) -> Backend | None:
    """The loaded backend whose native tensor type ``obj`` is, or ``None``.

    Only backends already loaded are asked, so this never imports a framework.
    """
    module = type(obj).__module__.partition(".")[0]
    for backend in _loaded.values():
        if backend.module.__name__ == module and isinstance(obj, backend.native_types):
            return backend
    for key, spec in _SPECS.items():
        if spec.framework == module and key not in _loaded:
            backend = load(key)
            if isinstance(obj, backend.native_types):
                return backend
    return None
