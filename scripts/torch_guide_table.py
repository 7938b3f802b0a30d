"""The table of PyTorch names in ``docs/guides/from-pytorch.md``, generated from the code.

    python scripts/torch_guide_table.py          # rewrite the table in the guide
    python scripts/torch_guide_table.py --check  # exit 1 if the guide's table is stale

Each row is one PyTorch name and what ``unitorch.torch`` does with it, decided by
looking the name up in the code: **yes** (it exists and behaves as PyTorch's), **differs**
(it exists; the note says how it differs, from :data:`DIFFERS`), **no** (it raises
``NotImplementedError`` when called or ``AttributeError``; the note is the error's
alternative).  The names are every public name of the front door's modules, every name
of its table of unsupported names (``unitorch/torch/_missing.py``), the names issue 11
lists, and the Tensor methods PyTorch programs use.  ``tests/test_torch_guide.py`` runs
the check, so the table cannot drift from the code: after adding a layer to
``unitorch.nn`` (which ``unitorch.torch.nn`` re-exports), run this script.
"""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "guides" / "from-pytorch.md"
START, END = "<!-- torch-table:start -->", "<!-- torch-table:end -->"

SECTIONS = ["torch", "torch.Tensor", "torch.nn", "torch.nn.functional", "torch.nn.init",
            "torch.nn.utils", "torch.optim", "torch.optim.lr_scheduler", "torch.utils.data",
            "torch.autograd", "torch.cuda", "torch.backends", "torch.accelerator",
            "torch.onnx", "torch.random", "torch.testing", "torch.serialization"]

RANDOM = "unitorch's generators (the same numbers on both backends in portable mode), " \
         "not PyTorch's numbers"
DIFFERS = {
    "torch.manual_seed": "seeds unitorch's generators; " + RANDOM,
    "torch.seed": RANDOM, "torch.rand": RANDOM, "torch.randn": RANDOM,
    "torch.randint": RANDOM, "torch.randperm": RANDOM, "torch.rand_like": RANDOM,
    "torch.randn_like": RANDOM, "torch.randint_like": RANDOM, "torch.normal": RANDOM,
    "torch.bernoulli": RANDOM,
    "torch.multinomial": RANDOM + " (Gumbel-top-k without replacement)",
    "torch.Generator": "draws from its own unitorch streams; get_state() is a dict, not a "
                       "byte tensor",
    "torch.get_rng_state": "a dict (ut.random.get_state), not a byte tensor",
    "torch.set_rng_state": "takes what get_rng_state returns",
    "torch.empty": "filled with zeros", "torch.empty_like": "filled with zeros",
    "torch.sort": "always stable", "torch.argsort": "always stable",
    "torch.topk": "the lower index first among equal elements",
    "torch.unique": "no dim=",
    "torch.save": "unitorch's safe format (safetensors + JSON), never pickle; a whole "
                  "Module is refused: save its state_dict()",
    "torch.load": "reads torch.save's safe format, never unpickles (PyTorch pickles are "
                  "refused); map_location: one device",
    "torch.compile": "ut.compile: tf.function on TensorFlow; a Module's forward is "
                     "compiled in place",
    "torch.device": "accepted wherever a device goes; x.device is a unitorch Device "
                    "(type 'gpu' for a GPU)",
    "torch.Size": "prints as Size([...])",
    "torch.fft": "unitorch.fft: the Array API's argument names (axis=, not dim=)",
    "torch.linalg": "unitorch.linalg: the Array API's argument names (axis=, not dim=)",
    "torch.finfo": "unitorch's finfo", "torch.iinfo": "unitorch's iinfo",
    "torch.set_printoptions": "through NumPy's print options",
    "torch.FloatTensor": "a constructor and an isinstance check, not a class",
    "torch.DoubleTensor": "a constructor and an isinstance check, not a class",
    "torch.HalfTensor": "a constructor and an isinstance check, not a class",
    "torch.LongTensor": "a constructor and an isinstance check, not a class",
    "torch.IntTensor": "a constructor and an isinstance check, not a class",
    "torch.ByteTensor": "a constructor and an isinstance check, not a class",
    "torch.BoolTensor": "a constructor and an isinstance check, not a class",
    "torch.Tensor": "unitorch's Tensor (its methods: the torch.Tensor rows)",
    "torch.dtype": "unitorch's DType", "torch.std": "also on integer tensors",
    "torch.var": "also on integer tensors",
    "torch.Tensor.size": "also the element count when not called (the Array API's size)",
    "torch.Tensor.sort": "always stable", "torch.Tensor.argsort": "always stable",
    "torch.Tensor.topk": "the lower index first among equal elements",
    "torch.Tensor.data": "on TensorFlow, a non-leaf's .data is a copy of its values",
    "torch.Tensor.register_hook": "on TensorFlow a non-leaf's hook sees the uses after "
                                  "it was registered",
    "torch.Tensor.numpy": "also for tensors that require gradients",
    "torch.Tensor.cuda": "the active backend's GPU; unitorch.DeviceError without one",
    "torch.Tensor.contiguous": "returns the tensor itself",
    "torch.Tensor.grad_fn": "on TensorFlow a marker object, not a graph node",
    "torch.Tensor.new_empty": "filled with zeros",
    "torch.Tensor.normal_": RANDOM, "torch.Tensor.uniform_": RANDOM,
    "torch.Tensor.bernoulli_": RANDOM,
    "torch.Tensor.std": "also on integer tensors", "torch.Tensor.var": "also on integer "
                                                                       "tensors",
    "torch.Tensor.device": "a unitorch Device (type 'gpu' for a GPU)",
    "torch.Tensor.dtype": "unitorch's DType (torch.float32 is it)",
    "torch.Tensor.unique": "no dim=",
    "torch.nn.init": "the numbers come from unitorch's portable stream (the same on both "
                     "backends), not PyTorch's",
    "torch.nn.Dropout": "masks from " + RANDOM,
    "torch.nn.functional.dropout": "masks from " + RANDOM,
    "torch.utils.data.DataLoader": "orders from " + RANDOM + "; workers on TensorFlow "
                                   "start from a fork server (guard main, picklable "
                                   "datasets); pin_memory changes nothing",
    "torch.utils.data.RandomSampler": RANDOM, "torch.utils.data.random_split": RANDOM,
    "torch.utils.data.SubsetRandomSampler": RANDOM,
    "torch.utils.data.WeightedRandomSampler": RANDOM,
    "torch.autograd.Function": "ctx.mark_dirty is not supported",
    "torch.cuda.is_available": "the active backend's GPUs (TensorFlow's too)",
    "torch.cuda.device_count": "the active backend's GPUs",
    "torch.cuda.manual_seed": "seeds all of unitorch's generators",
    "torch.cuda.manual_seed_all": "seeds all of unitorch's generators",
    "torch.cuda.synchronize": "returns at once (reading a value waits for the device)",
    "torch.cuda.empty_cache": "returns at once (the frameworks manage their caches)",
    "torch.cuda.get_device_name": "unitorch's name of the device ('gpu:0')",
    "torch.backends.cudnn": "benchmark/deterministic/enabled are kept and change nothing; "
                            "allow_tf32 sets unitorch's matmul precision",
    "torch.backends.cuda": "matmul.allow_tf32 sets unitorch's matmul precision",
    "torch.onnx.export": "through ut.export.onnx; only the batch axis can be dynamic",
    "torch.serialization.safe_globals": "nothing to allow: loading never unpickles",
    "torch.serialization.add_safe_globals": "nothing to allow: loading never unpickles",
}
"""Notes of the names that exist but differ from PyTorch's (the rest say "yes")."""

UNITORCH_ONLY = {
    # unitorch names that the front door's modules carry but PyTorch does not have
    "torch.nn.convert", "torch.nn.from_keras", "torch.nn.from_torch", "torch.nn.to_keras",
    "torch.nn.to_torch", "torch.nn.layers", "torch.nn.losses", "torch.nn.module",
    "torch.nn.parallel", "torch.nn.parameter", "torch.nn.recurrent", "torch.nn.IncompatibleKeys",
    "torch.nn.utils.get_total_norm", "torch.nn.utils.clip_grads_with_norm_",
    "torch.utils.data.WorkerInfo", "torch.nn.DistributedDataParallel",
}

LISTED = {
    # names issue 11 lists (the nn and optim ones come from unitorch.nn / unitorch.optim)
    "torch.nn": ["MultiheadAttention", "Transformer", "TransformerEncoder",
                 "TransformerEncoderLayer", "TransformerDecoder", "TransformerDecoderLayer",
                 "BCELoss", "SmoothL1Loss", "KLDivLoss", "CosineEmbeddingLoss",
                 "MarginRankingLoss", "TripletMarginLoss", "CTCLoss", "Conv1d", "Conv3d",
                 "ConvTranspose1d", "ConvTranspose2d", "MaxPool1d", "AvgPool1d",
                 "AdaptiveMaxPool2d", "GroupNorm", "InstanceNorm2d", "RMSNorm", "Dropout2d",
                 "EmbeddingBag", "Bilinear", "ParameterList", "ParameterDict", "LeakyReLU",
                 "PReLU", "ELU", "SELU", "CELU", "Mish", "Softplus", "Hardtanh", "Hardswish",
                 "ReLU6", "Upsample", "PixelShuffle", "Unflatten", "DataParallel"],
    "torch.nn.functional": ["scaled_dot_product_attention", "binary_cross_entropy",
                            "one_hot", "pad", "normalize", "cosine_similarity", "unfold",
                            "fold", "gumbel_softmax", "interpolate", "smooth_l1_loss",
                            "kl_div", "leaky_relu", "elu", "selu", "softplus", "mish",
                            "hardtanh", "relu6", "hardswish", "conv1d", "conv3d",
                            "conv_transpose2d", "max_pool1d", "avg_pool1d",
                            "adaptive_max_pool2d", "group_norm", "instance_norm",
                            "rms_norm"],
    "torch.optim": ["Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop", "LBFGS"],
    "torch.optim.lr_scheduler": ["CosineAnnealingWarmRestarts", "MultiplicativeLR",
                                 "CyclicLR", "ReduceLROnPlateau", "LinearLR", "ConstantLR",
                                 "PolynomialLR", "SequentialLR", "ChainedScheduler"],
    "torch.Tensor": [
        "view_as", "reshape_as", "contiguous", "narrow", "t", "type", "type_as", "cpu",
        "cuda", "to", "data", "new_zeros", "new_ones", "new_full", "new_tensor",
        "new_empty", "masked_fill", "masked_fill_", "index_select", "scatter", "scatter_",
        "expand_as", "repeat", "chunk", "mm", "bmm", "norm", "relu", "add_", "sub_",
        "mul_", "div_", "pow_", "sqrt_", "zero_", "fill_", "copy_", "clamp_", "addcmul_",
        "addcdiv_", "lerp_", "normal_", "uniform_", "bernoulli_", "detach_", "is_leaf",
        "grad_fn", "retain_grad", "register_hook", "element_size", "nelement",
        "is_floating_point", "size", "std", "var", "max", "min", "sort", "topk",
        "kthvalue", "median", "mode", "nonzero", "numel", "dim", "item", "tolist",
        "numpy", "backward", "detach", "requires_grad", "requires_grad_", "grad",
        "shape", "dtype", "device", "ndim", "T", "mT", "view", "reshape", "permute",
        "transpose", "unsqueeze", "squeeze", "flatten", "expand", "split", "sum", "mean",
        "prod", "argmax", "argmin", "all", "any", "cumsum", "abs", "exp", "log", "sqrt",
        "sigmoid", "tanh", "softmax", "log_softmax", "clamp", "clone", "float", "double",
        "long", "int", "half", "bool", "eq", "ne", "gt", "ge", "lt", "le", "matmul",
        "gather", "add", "sub", "mul", "div", "unique", "flip", "roll", "masked_select",
        "index_put_", "scatter_add_", "index_add_", "exponential_", "random_", "storage",
        "share_memory_", "pin_memory", "is_cuda", "get_device", "apply_", "map_",
        "unfold", "stride", "is_contiguous", "view_as_real", "nan_to_num"],
}

TENSOR_UNSUPPORTED = {
    "index_put_": "use x[index] = values", "scatter_add_": "use one_hot and sum",
    "index_add_": "use one_hot and sum", "exponential_": "use -log(1 - rand) / lambda",
    "random_": "use torch.randint", "storage": "tensors have no separate storage",
    "share_memory_": "DataLoader workers send batches through pipes",
    "pin_memory": "batches go to the device directly", "is_cuda": "use x.device.type",
    "get_device": "use x.device", "apply_": "use vectorized ops",
    "map_": "use vectorized ops", "unfold": "use torch.nn.functional.unfold",
    "stride": "tensors have one layout", "is_contiguous": "tensors are always contiguous",
    "view_as_real": "use x.real and x.imag", "nan_to_num": "use torch.where",
}


def _resolve(name: str) -> object:
    """The object ``name`` (``torch.a.b``) is in ``unitorch.torch``; raises
    ``AttributeError`` or ``ImportError`` when it is not there."""
    parts = name.split(".")
    if parts[:2] == ["torch", "Tensor"] and len(parts) == 3:
        import unitorch as ut

        return getattr(ut.Tensor, parts[2])
    obj = importlib.import_module("unitorch.torch")
    for part in parts[1:]:
        obj = getattr(obj, part)
    return obj


def status(name: str) -> tuple[str, str]:
    """``(status, note)`` of a PyTorch name, decided by the code."""
    from unitorch.torch._missing import UNSUPPORTED

    try:
        obj = _resolve(name)
    except (AttributeError, ImportError):
        short = name.rsplit(".", 1)[-1]
        note = UNSUPPORTED.get(name, (None, None))[1] or TENSOR_UNSUPPORTED.get(
            short if name.startswith("torch.Tensor.") else "", "")
        return "no", note or "not implemented"
    if getattr(obj, "unsupported", False) is True:
        return "no", UNSUPPORTED[name][1]
    note = DIFFERS.get(name)
    return ("differs", note) if note else ("yes", "")


def names() -> dict[str, list[str]]:
    """The PyTorch names of each section."""
    from unitorch.torch._missing import UNSUPPORTED

    out: dict[str, set[str]] = {s: set() for s in SECTIONS}
    for section in SECTIONS:
        if section == "torch.Tensor":
            continue
        module = _resolve(section)
        for n in getattr(module, "__all__", []):
            full = f"{section}.{n}"
            if full in UNITORCH_ONLY or n.startswith("_"):
                continue
            if isinstance(getattr(module, n, None), types.ModuleType) and full in SECTIONS:
                continue
            out[section].add(full)
    for full in UNSUPPORTED:
        section = max((s for s in SECTIONS if full.startswith(s + ".")), key=len)
        out[section].add(full)
    for section, listed in LISTED.items():
        out[section] |= {f"{section}.{n}" for n in listed}
    return {s: sorted(v, key=lambda n: (n.lower(), n)) for s, v in out.items()}


def table() -> str:
    lines = []
    counts = {"yes": 0, "differs": 0, "no": 0}
    for section, rows in names().items():
        lines += ["", f"#### `{section}`", "", "| PyTorch | Status | Notes |", "|---|---|---|"]
        for full in rows:
            s, note = status(full)
            counts[s] += 1
            lines.append(f"| `{full}` | {s} | {note} |")
    head = (f"{sum(counts.values())} names: {counts['yes']} as in PyTorch (yes), "
            f"{counts['differs']} with a difference the note states (differs), "
            f"{counts['no']} not implemented (no).")
    return "\n".join([head, *lines]) + "\n"


def main() -> int:
    text = GUIDE.read_text(encoding="utf-8")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    new = f"{before}{START}\n{table()}{END}{after}"
    if "--check" in sys.argv:
        if new != text:
            print(f"{GUIDE} has a stale table of names: run python {Path(__file__).name}")
            return 1
        return 0
    GUIDE.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
