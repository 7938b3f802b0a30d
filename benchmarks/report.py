"""Tables of ratios to native, the machine description, and the JSON/markdown files."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

CONTENDER_ORDER = ("native", "native compiled", "native reflected", "unitorch",
                   "unitorch compiled", "unitorch reflected", "unitorch portable",
                   "unitorch compiled portable", "subclass", "c", "keras", "eagerpy")


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    info: dict[str, Any] = {
        "python": platform.python_version(), "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(), "cores": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = subprocess.run(
        [sys.executable, "-c", "import importlib.metadata as m\n"
         "for p in ('torch','tensorflow-cpu','tensorflow','keras','eagerpy','numpy'):\n"
         "    try: print(p, m.version(p))\n    except Exception: pass"],
        capture_output=True, text=True).stdout.split("\n")
    info["versions"] = dict(line.split(" ", 1) for line in versions if line.strip())
    try:
        gpu = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=20).stdout.strip()
        if gpu:
            info["gpu"] = gpu
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def _fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def table(rows: list[dict[str, Any]]) -> str:
    """A markdown table: time of native and, for every other contender, its ratio."""
    lines = []
    order = ("ops", "views", "scalars", "floor", "train", "programs", "import", "data")
    suites = sorted({r["suite"] for r in rows},
                    key=lambda s: order.index(s) if s in order else len(order))
    for suite in suites:
        srows = [r for r in rows if r["suite"] == suite]
        names = [c for c in CONTENDER_ORDER if any(c in r["seconds"] for r in srows)]
        names += sorted({c for r in srows for c in r["seconds"]} - set(names))
        others = [c for c in names if c != "native"]
        lines.append(f"\n### {suite}\n")
        header = ["case", "backend", "native"] + [f"{c} / native" for c in others]
        # compiled against compiled (the training steps' target)
        paired = "unitorch compiled" in names and "native compiled" in names
        if paired:
            header.append("unitorch compiled / native compiled")
        if suite == "import":
            header.append("extra ms")
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        for r in srows:
            base = r["seconds"].get("native")
            cells = [r["case"], r["backend"], _fmt_time(base) if base else "-"]
            for c in others:
                v = r["seconds"].get(c)
                cells.append("-" if v is None or not base else f"{v / base:.2f}x")
            if paired:
                ours, theirs = (r["seconds"].get(c) for c in ("unitorch compiled",
                                                               "native compiled"))
                cells.append(f"{ours / theirs:.2f}x" if ours and theirs else "-")
            if suite == "import":
                cells.append(f"{r['extra_ms']:+.0f}")
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write(rows: list[dict[str, Any]], out_dir: Path, info: dict[str, Any], tag: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"{tag}"
    stem.with_suffix(".json").write_text(json.dumps({"machine": info, "rows": rows}, indent=1))
    md = [f"# unitorch benchmarks ({tag})", "", "Machine: " + ", ".join(
        f"{k}: {v}" for k, v in info.items() if k != "versions"),
          "Versions: " + ", ".join(f"{k} {v}" for k, v in info.get("versions", {}).items()),
          "", "Each time is the median of repeats (contenders interleaved, after warm-up); "
          "ratios are to the native framework in the same run.", table(rows), ""]
    stem.with_suffix(".md").write_text("\n".join(md))
    return stem
