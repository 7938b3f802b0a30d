"""The table of names in ``docs/guides/from-tensorflow.md`` is checked against the code:
every name marked ``yes`` or ``differs`` exists in ``unitorch.tensorflow`` /
``unitorch.keras``, every name marked ``no`` raises an ``AttributeError`` naming it, and
every public name of the two front doors is in the table."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guides" / "from-tensorflow.md"
ROW = re.compile(r"^\| `([\w.]+)` \| (yes|differs|no) \| (.*) \|$")
ROOTS = {"tf": "unitorch.tensorflow", "keras": "unitorch.keras"}


def _rows() -> list[tuple[str, str, str]]:
    rows = [m.groups() for line in GUIDE.read_text(encoding="utf-8").splitlines()
            if (m := ROW.match(line))]
    assert len(rows) > 300
    return rows


def _resolve(name: str):
    root, *parts = name.split(".")
    obj = importlib.import_module(ROOTS[root])
    for part in parts:
        obj = getattr(obj, part)
    return obj


ROWS = _rows()


@pytest.mark.parametrize("name,status,note", ROWS, ids=[r[0] for r in ROWS])
def test_each_name_in_the_table_is_what_the_code_has(name, status, note):
    if status == "no":
        with pytest.raises(AttributeError, match=name.rsplit(".", 1)[-1]):
            _resolve(name)
        assert note, f"{name}: a missing name needs its alternative in the table"
    else:
        _resolve(name)  # exists (tf.newaxis is None, as in TensorFlow)
        if status == "differs":
            assert note, f"{name}: say how it differs"


def test_every_public_name_of_the_front_doors_is_in_the_table():
    import unitorch.keras as keras
    import unitorch.tensorflow as tf

    listed = {name for name, _, _ in ROWS}
    modules = {"tf": tf, "tf.nn": tf.nn, "tf.math": tf.math, "tf.random": tf.random,
               "keras": keras, "keras.optimizers.schedules": keras.optimizers.schedules}
    for sub in ("layers", "models", "optimizers", "losses", "metrics", "callbacks",
                "activations", "initializers", "utils", "backend", "saving"):
        modules[f"keras.{sub}"] = getattr(keras, sub)
    missing = []
    for prefix, module in modules.items():
        for name in module.__all__:
            full = f"{prefix}.{name}"
            if full in modules or full == "keras.optimizers.schedules":
                continue
            if full not in listed:
                missing.append(full)
    assert not missing, f"names missing from the guide's table: {missing}"
    assert "tf.data" in listed
