"""``torch.nn.modules``: PyTorch's layer classes under their defining modules' paths
(``torch.nn.modules.linear.Linear``, ``torch.nn.modules.rnn.LSTM``...), as programs
name them in ``isinstance`` checks and in ``torch.serialization.safe_globals`` lists.
Each submodule here is all of ``unitorch.nn`` (a class is found under any of them).

Example:
    >>> import unitorch.torch as torch
    >>> torch.nn.modules.rnn.LSTM is torch.nn.LSTM
    True
"""

from __future__ import annotations

from typing import Any

from .._missing import lookup

__all__ = ["activation", "batchnorm", "container", "conv", "dropout", "flatten", "linear",
           "loss", "module", "normalization", "pooling", "rnn", "sparse", "transformer"]


class _Submodule:
    """One of ``torch.nn.modules``' submodules: every ``unitorch.nn`` name."""

    def __init__(self, name: str) -> None:
        self.__name__ = f"unitorch.torch.nn.modules.{name}"

    def __getattr__(self, name: str) -> Any:
        from ... import nn

        if name == "NonDynamicallyQuantizableLinear":  # PyTorch's Linear of attention
            return nn.Linear
        found = getattr(nn, name, None)
        if found is None or name.startswith("_"):
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}: "
                                 f"unitorch does not implement torch.nn.{name}")
        return found

    def __repr__(self) -> str:
        return f"<module {self.__name__!r}>"


activation = _Submodule("activation")
batchnorm = _Submodule("batchnorm")
container = _Submodule("container")
conv = _Submodule("conv")
dropout = _Submodule("dropout")
flatten = _Submodule("flatten")
linear = _Submodule("linear")
loss = _Submodule("loss")
module = _Submodule("module")
normalization = _Submodule("normalization")
pooling = _Submodule("pooling")
rnn = _Submodule("rnn")
sparse = _Submodule("sparse")
transformer = _Submodule("transformer")


def __getattr__(name: str) -> Any:
    return lookup(__name__, name)
