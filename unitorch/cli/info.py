"""``unitorch info``: what unitorch runs on here: versions, backends, devices, precision.

Unlike ``import unitorch`` (which imports only the chosen backend's framework), this
command imports every installed framework, to ask each which devices it sees and whether
TF32 is on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any

__all__ = ["collect", "main"]

_FRAMEWORKS = {"torch": ("torch",), "tensorflow": ("tensorflow", "tensorflow-cpu")}
_OPTIONAL = ("ml_dtypes", "safetensors", "keras", "matplotlib", "scikit-learn")


def _dist_version(*names: str) -> str | None:
    for name in names:
        try:
            return version(name)
        except PackageNotFoundError:
            continue
    return None


def _tf32(name: str, module: Any) -> dict[str, Any]:
    """The framework's own TF32 switches, as it reports them (applied by unitorch when the
    backend loaded, from ``ut.get_matmul_precision()``)."""
    if name == "torch":
        return {"cuda.matmul.allow_tf32": bool(module.backends.cuda.matmul.allow_tf32),
                "cudnn.allow_tf32": bool(module.backends.cudnn.allow_tf32),
                "float32_matmul_precision": module.get_float32_matmul_precision()}
    return {"tensor_float_32_execution":
            bool(module.config.experimental.tensor_float_32_execution_enabled())}


def collect() -> dict[str, Any]:
    """Everything ``unitorch info`` shows, as a dict."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter
    import numpy as np

    import unitorch as ut
    from unitorch.backends import available_backends, load
    from unitorch.ops.creation import get_default_device

    info: dict[str, Any] = {
        "unitorch": {"version": ut.__version__,
                     "path": os.path.dirname(os.path.abspath(ut.__file__))},
        "python": {"version": platform.python_version(),
                   "implementation": platform.python_implementation(),
                   "executable": sys.executable, "platform": platform.platform()},
        "numpy": np.__version__,
        "packages": {n: _dist_version(n) for n in _OPTIONAL},
        "frameworks": {n: _dist_version(*dists) for n, dists in _FRAMEWORKS.items()},
        "installed_backends": list(available_backends()),
        "active_backend": ut.get_backend(),
        "UNITORCH_BACKEND": os.environ.get("UNITORCH_BACKEND"),
        "default_dtype": ut.get_default_dtype().name,
        "matmul_precision": ut.get_matmul_precision(),
        "backends": {},
    }
    for name in available_backends():
        entry: dict[str, Any] = {}
        try:
            backend = load(name)
            entry["framework_version"] = getattr(backend.module, "__version__", None)
            entry["devices"] = [str(d) for d in backend.devices()]
            entry["default_device"] = str(get_default_device(backend))
            entry["tf32"] = _tf32(name, backend.module)
        except Exception as e:  # report a broken framework, keep going
            entry["error"] = f"{type(e).__name__}: {e}"
        info["backends"][name] = entry
    info["default_device"] = str(ut.get_default_device())
    return info


def _format(info: dict[str, Any]) -> str:
    u, py = info["unitorch"], info["python"]
    lines = [
        f"unitorch       {u['version']}  ({u['path']})",
        f"python         {py['version']} ({py['implementation']}, {py['platform']})",
        f"numpy          {info['numpy']}",
    ]
    for name, v in info["frameworks"].items():
        lines.append(f"{name:<14} {v or 'not installed'}")
    extras = ", ".join(f"{n} {v}" for n, v in info["packages"].items() if v)
    lines.append(f"also           {extras or '-'}")
    lines.append(f"backends       {', '.join(info['installed_backends']) or 'none'} installed; "
                 f"active: {info['active_backend']}"
                 + (f" (UNITORCH_BACKEND={info['UNITORCH_BACKEND']})"
                    if info["UNITORCH_BACKEND"] else " (UNITORCH_BACKEND unset)"))
    for name, entry in info["backends"].items():
        if "error" in entry:
            lines.append(f"  {name:<12} failed to load: {entry['error']}")
            continue
        tf32 = ", ".join(f"{k}={v}" for k, v in entry["tf32"].items())
        lines.append(f"  {name:<12} devices: {', '.join(entry['devices'])}; "
                     f"default device: {entry['default_device']}")
        lines.append(f"  {'':<12} TF32: {tf32}")
    lines += [
        f"precision      matmul precision {info['matmul_precision']} "
        f"({'TF32 allowed' if info['matmul_precision'] == 'high' else 'full float32, TF32 off'})",
        f"default dtype  {info['default_dtype']}",
        f"default device {info['default_device']}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="unitorch info",
        description="Versions (unitorch, Python, NumPy, each framework), installed backends, "
                    "the devices each backend sees, precision settings, default dtype and "
                    "device. Imports every installed framework.")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    opts = parser.parse_args(argv)
    info = collect()
    print(json.dumps(info, indent=2) if opts.json else _format(info))
    return 0
