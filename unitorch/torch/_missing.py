"""What a PyTorch name that ``unitorch.torch`` lacks does: a clear error, the same on
every backend, naming the PyTorch name and, where there is one, the unitorch way.

Each module of the front door has a module-level ``__getattr__`` (PEP 562) that looks
the name up in its table of known-unsupported names (:data:`UNSUPPORTED`):

* a known-unsupported **function** comes back as a callable that raises
  ``NotImplementedError`` when called (so ``hasattr`` and ``from ... import`` still
  work, and the program fails where it would compute something unitorch cannot);
* a known-unsupported **module or attribute**, and any name not in the table, raise
  ``AttributeError`` naming it (with the alternative where the table has one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["UNSUPPORTED", "missing", "not_implemented", "lookup"]

GUIDE = "docs/guides/from-pytorch.md lists every name"

UNSUPPORTED: dict[str, tuple[str, str]] = {
    # "torch.name": (kind, the unitorch alternative or the reason); kind is "function"
    # (calling it raises NotImplementedError) or "attribute" (AttributeError)
    "torch.jit": ("attribute", "compile with torch.compile (ut.compile) and export with "
                               "torch.onnx.export or ut.export"),
    "torch.distributed": ("attribute", "use unitorch.distributed (ut.nn.DataParallel, "
                                       "`unitorch run --nproc N script.py`)"),
    "torch.multiprocessing": ("attribute", "use Python's multiprocessing; DataLoader "
                                           "workers need nothing more"),
    "torch.sparse": ("attribute", "sparse tensors are not supported"),
    "torch.quantization": ("attribute", "quantization is not supported"),
    "torch.ao": ("attribute", "quantization is not supported"),
    "torch.fx": ("attribute", "graph capture is done by ut.compile"),
    "torch.hub": ("attribute", "load weights with torch.load of a unitorch checkpoint, or "
                               "convert a torch model with ut.nn.from_torch"),
    "torch.distributions": ("attribute", "draw with torch.normal, torch.rand, "
                                         "torch.multinomial and compute log-densities "
                                         "with tensor ops"),
    "torch.profiler": ("attribute", "time with `python -m benchmarks` or the framework's "
                                    "own profiler"),
    "torch.mps": ("attribute", "unitorch runs on CPUs and CUDA/TensorFlow GPUs"),
    "torch.xpu": ("attribute", "unitorch runs on CPUs and CUDA/TensorFlow GPUs"),
    "torch.special": ("attribute", "use torch.erf, torch.sigmoid and the other element-"
                                   "wise functions"),
    "torch.masked": ("attribute", "use torch.where"),
    "torch.nested": ("attribute", "pad the sequences"),
    "torch.export": ("attribute", "use ut.export.torch"),
    "torch.amp": ("attribute", "mixed precision is not supported; use float32"),
    "torch.autocast": ("function", "mixed precision is not supported; use float32"),
    "torch.set_default_tensor_type": ("function", "use torch.set_default_dtype"),
    "torch.set_num_threads": ("function", "set the framework's threads before unitorch "
                                          "uses it (torch.set_num_threads, or "
                                          "tf.config.threading)"),
    "torch.get_num_threads": ("function", "ask the framework itself"),
    "torch.use_deterministic_algorithms": ("function", "unitorch's portable random mode "
                                                       "(ut.random.portable) gives the same "
                                                       "numbers run to run"),
    "torch.stft": ("function", "compose it from ut.fft.rfft over framed signals"),
    "torch.istft": ("function", "compose it from ut.fft.irfft"),
    "torch.cdist": ("function", "compute ((a[:, None] - b[None]) ** 2)"
                                ".sum(-1).sqrt()"),
    "torch.histc": ("function", "use np.histogram on x.numpy()"),
    "torch.bucketize": ("function", "use ut.searchsorted"),
    "torch.cummax": ("function", "use a loop over the dim, or x.max(dim) of prefixes"),
    "torch.cummin": ("function", "use a loop over the dim"),
    "torch.kron": ("function", "use ut.einsum and a reshape"),
    "torch.block_diag": ("function", "build it with torch.zeros and slices"),
    "torch.cartesian_prod": ("function", "use torch.meshgrid and torch.stack"),
    "torch.combinations": ("function", "use itertools.combinations on indices"),
    "torch.rot90": ("function", "use torch.flip and transpose"),
    "torch.tensor_split": ("function", "use torch.split with sizes"),
    "torch.lgamma": ("function", "not available on every backend"),
    "torch.digamma": ("function", "not available on every backend"),
    "torch.erfinv": ("function", "not available on every backend"),
    "torch.polar": ("function", "use abs * (cos + 1j * sin) with ut.complex dtypes"),
    "torch.poisson": ("function", "draw on the host with NumPy"),
    "torch.bincount": ("function", "use ut.unique_counts, or np.bincount on x.numpy()"),
    "torch.pinverse": ("function", "use ut.linalg.pinv"),
    "torch.svd": ("function", "use ut.linalg.svd"),
    "torch.qr": ("function", "use ut.linalg.qr"),
    "torch.det": ("function", "use ut.linalg.det"),
    "torch.inverse": ("function", "use ut.linalg.inv"),
    "torch.cholesky": ("function", "use ut.linalg.cholesky"),
    "torch.lstsq": ("function", "use ut.linalg.solve on the normal equations"),
    "torch.vmap": ("function", "write the batched computation with broadcasting"),
    "torch.func": ("attribute", "use ut.grad / ut.value_and_grad for function transforms"),
    "torch.Storage": ("attribute", "tensors have no separate storage in unitorch"),
    "torch.UntypedStorage": ("attribute", "tensors have no separate storage in unitorch"),
    "torch.channels_last": ("attribute", "tensors have one layout (NCHW) in unitorch"),
    "torch.sparse_coo": ("attribute", "sparse tensors are not supported"),
    "torch.nn.utils.rnn": ("attribute", "pad sequences with ut.pad; unitorch's RNN layers "
                                        "take lengths"),
    "torch.nn.utils.parametrize": ("attribute", "compute the parameter in forward()"),
    "torch.nn.utils.prune": ("attribute", "multiply weights by a mask in forward()"),
    "torch.nn.utils.spectral_norm": ("function", "normalize the weight in forward()"),
    "torch.nn.utils.weight_norm": ("function", "normalize the weight in forward()"),
    "torch.autograd.functional": ("attribute", "use ut.grad / ut.value_and_grad"),
    "torch.autograd.forward_ad": ("attribute", "forward-mode autodiff is not supported"),
    "torch.autograd.gradcheck": ("function", "compare with finite differences "
                                             "(tests/support.py has a helper)"),
    "torch.autograd.profiler": ("attribute", "use the framework's own profiler"),
    "torch.autograd.detect_anomaly": ("function", "not supported"),
    "torch.autograd.set_detect_anomaly": ("function", "not supported"),
    "torch.utils.checkpoint": ("attribute", "activation checkpointing is not supported"),
    "torch.utils.tensorboard": ("attribute", "log with ut.fit(log_dir=...) "
                                             "(unitorch.train.tensorboard)"),
    "torch.utils.data.DistributedSampler": ("attribute", "use DataLoader(shard=...) of "
                                                         "ut.data"),
    "torch.cuda.amp": ("attribute", "mixed precision is not supported; use float32"),
    "torch.cuda.Stream": ("attribute", "streams are the framework's own"),
    "torch.cuda.Event": ("attribute", "time with time.perf_counter"),
    "torch.cuda.memory_allocated": ("function", "ask the framework itself"),
    "torch.cuda.max_memory_allocated": ("function", "ask the framework itself"),
    "torch.cuda.set_device": ("function", "use torch.set_default_device('cuda:N')"),
    "torch.onnx.dynamo_export": ("function", "use torch.onnx.export"),
    "torch.optim.SparseAdam": ("attribute", "sparse gradients are not supported; use Adam"),
    "torch.optim.swa_utils": ("attribute", "average the weights yourself"),
}
"""PyTorch names unitorch knows it does not implement, with the unitorch way."""


def _text(name: str, alternative: str | None) -> str:
    text = f"unitorch does not implement {name}"
    return text + (f"; {alternative}" if alternative else f" ({GUIDE})")


def missing(module: str, name: str) -> AttributeError:
    """The ``AttributeError`` for ``module.name`` (``module`` a ``unitorch.torch...``
    module)."""
    torch_name = module.replace("unitorch.", "", 1) + "." + name
    alternative = UNSUPPORTED.get(torch_name, (None, None))[1]
    return AttributeError(f"module {module!r} has no attribute {name!r}: "
                          + _text(torch_name, alternative))


def not_implemented(torch_name: str, alternative: str | None) -> Callable[..., Any]:
    """A function that raises ``NotImplementedError`` naming ``torch_name``."""
    def unsupported(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(_text(torch_name, alternative))

    unsupported.__name__ = unsupported.__qualname__ = torch_name.rsplit(".", 1)[-1]
    unsupported.__doc__ = f"Not implemented by unitorch: {_text(torch_name, alternative)}."
    unsupported.unsupported = True  # what the guide's table generator looks for
    return unsupported


def lookup(module: str, name: str) -> Any:
    """What ``getattr(module, name)`` gives for a name the module lacks: a raising
    function for a known-unsupported function, else ``AttributeError``."""
    if name.startswith("__"):
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    torch_name = module.replace("unitorch.", "", 1) + "." + name
    kind, alternative = UNSUPPORTED.get(torch_name, (None, None))
    if kind == "function":
        return not_implemented(torch_name, alternative)
    raise missing(module, name)
