"""``docs/guides/from-pytorch.md``'s table of PyTorch names is the code's: the page holds
exactly what ``scripts/torch_guide_table.py`` generates from ``unitorch.torch`` (each
name's status looked up in the code), and the statuses mean what they say on every
backend."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

import unitorch as ut

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| `(torch[\w.]*)` \| (yes|differs|no) \| (.*) \|$")


def _generator():
    spec = importlib.util.spec_from_file_location("torch_guide_table",
                                                  ROOT / "scripts" / "torch_guide_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows() -> list[tuple[str, str, str]]:
    text = (ROOT / "docs" / "guides" / "from-pytorch.md").read_text(encoding="utf-8")
    return [m.groups() for line in text.splitlines() if (m := ROW.match(line))]


def test_the_table_is_generated_from_the_code():
    gen = _generator()
    text = gen.GUIDE.read_text(encoding="utf-8")
    start, end = text.index(gen.START) + len(gen.START) + 1, text.index(gen.END)
    assert text[start:end] == gen.table(), (
        "docs/guides/from-pytorch.md's table of names is stale: run "
        "python scripts/torch_guide_table.py")
    assert len(_rows()) > 400


def test_the_table_covers_the_issues_names():
    names = {r[0] for r in _rows()}
    for must in ("torch.from_numpy", "torch.multinomial", "torch.Generator",
                 "torch.autograd.Function", "torch.utils.data.get_worker_info",
                 "torch.save", "torch.cuda.is_available", "torch.backends.cudnn",
                 "torch.accelerator.is_available", "torch.onnx.export",
                 "torch.Tensor.register_hook", "torch.Tensor.size", "torch.nn.Linear",
                 "torch.optim.lr_scheduler.StepLR", "torch.utils.data.WeightedRandomSampler"):
        assert must in names, must


@pytest.mark.parametrize("name,status,note", _rows()[::7], ids=[r[0] for r in _rows()[::7]])
def test_a_sample_of_rows_holds_on_every_backend(backends, name, status, note):
    gen = _generator()
    for b in backends:
        with ut.use_backend(b):
            assert gen.status(name) == (status, note.strip()), name
    if status == "no":
        assert note, f"{name}: a missing name needs its alternative"
        try:
            obj = gen._resolve(name)
        except (AttributeError, ImportError):
            return
        with pytest.raises(NotImplementedError, match=re.escape(name)):
            obj()
