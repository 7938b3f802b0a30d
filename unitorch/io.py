"""Portable checkpoints: :func:`save` and :func:`load`.

``ut.save(obj, path)`` writes a nest of dicts, lists, tuples, tensors and plain values to one
`safetensors <https://github.com/huggingface/safetensors>`_ file; ``ut.load(path)`` reads it
back with the tensors on the *active* backend, so a checkpoint written under PyTorch loads
under TensorFlow and the reverse.  Nothing is pickled: loading parses JSON and copies bytes,
so it can never run code, and neither function imports a framework other than the ones
the tensors being saved, or the active backend, already use.

The file
--------
A standard safetensors file (written with ``safetensors.numpy``):

* every tensor leaf is stored under a generated key with its exact dtype (``BOOL``,
  ``U8``...``U64``, ``I8``...``I64``, ``F16``, ``BF16``, ``F32``, ``F64``).  complex64/complex128
  have no safetensors dtype: they are stored as their float32/float64 parts, with one more
  trailing axis of length 2 (real, imaginary), the layout of ``torch.view_as_real``;
* the key is the leaf's path in the nest, its dict keys and list/tuple indices joined with
  ``"."`` (``model.fc.weight``, ``optimizer.state.0.exp_avg``), or ``tensor`` for a tensor
  saved on its own; a key already taken (two paths can join to the same text) or equal to
  ``__metadata__`` gets ``#1``, ``#2``... (the first free one).  So ``ut.save(
  model.state_dict(), path)`` is readable by any safetensors tool with PyTorch's names;
* ``__metadata__`` holds two strings: ``"unitorch"``, a JSON document describing the nest,
  and ``"unitorch_crc32"``, the CRC-32 of that document's UTF-8 bytes (in decimal).

The JSON document is ``{"format": 1, "writer": "unitorch <version>", "tree": NODE}`` where
NODE is one of::

    {"type": "none"}
    {"type": "bool",  "value": true}
    {"type": "int",   "value": 3}               (any size)
    {"type": "float", "value": "0.1"}           (repr(): also "nan", "inf", "-inf", "-0.0")
    {"type": "str",   "value": "adam"}
    {"type": "list" | "tuple", "items": [NODE, ...]}
    {"type": "dict" | "ordered_dict", "items": [[KEY, NODE], ...]}
        KEY is a JSON string for a str key, else a none/bool/int/float NODE
    {"type": "tensor" | "ndarray" | "numpy_scalar", "key": "model.fc.weight",
     "dtype": "float32", "shape": [4, 3], "crc32": 123456789}
        dtype: the unitorch dtype name; shape: the logical shape (without the complex
        axis); crc32: the CRC-32 of the stored (little-endian) bytes

Loading checks everything (lengths, offsets, dtypes, shapes, both CRCs), so a truncated or
damaged file raises ``ValueError`` instead of returning wrong numbers.

What comes back
---------------
unitorch Tensors of any backend and native torch/TensorFlow tensors come back as unitorch
Tensors of the active backend (plain tensors: a Parameter comes back as a Tensor, as
PyTorch's state dicts hold); NumPy arrays and NumPy scalars come back as NumPy (they
belong to no backend); dicts, OrderedDicts, lists, tuples, None, bool, int, float and str
come back as themselves, int dict keys included.  Any other type (a Module, a namedtuple,
a dict or list subclass...) is refused with ``TypeError`` naming where it is in the nest,
rather than stored as something it is not.

Nests are trees: a container that holds itself (a reference cycle) is refused with
``ValueError`` naming where, and so is nesting deeper than :data:`MAX_DEPTH` levels (a
file that deep could not be read back: JSON parsers bound their recursion).

Writes are atomic: the file is written to a temporary file in the target's directory
(``.<name>.<random>.tmp``), flushed to disk, then renamed over the target, so a crash
leaves the previous checkpoint intact.  A failing save removes its temporary file; a
process killed outright (SIGKILL, power loss) can leave one behind, never a torn target.
The rename does not bypass permissions: a target ``open(path, "wb")`` could not write
(a write-protected file, for a user other than root) raises ``PermissionError`` and is
left alone; a replaced file keeps its permission bits (and, for root, its owner); a
directory, FIFO or device as target is refused (see :mod:`unitorch._files`).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import zlib
from collections import OrderedDict
from typing import Any, BinaryIO

import numpy as np

from . import dtypes as dt
from ._files import check_path, open_for_reading, write_atomically
from .devices import as_device
from .tensor import Tensor

__all__ = ["save", "load"]

FORMAT_VERSION = 1
#: The deepest nesting of containers ``save`` stores (``{"a": [..]}`` is 2 levels).
MAX_DEPTH = 100
_META = "unitorch"
_META_CRC = "unitorch_crc32"

# unitorch dtype name -> safetensors dtype of the stored data (complex: its float parts)
_STORED = {
    "bool": "BOOL", "uint8": "U8", "uint16": "U16", "uint32": "U32", "uint64": "U64",
    "int8": "I8", "int16": "I16", "int32": "I32", "int64": "I64", "float16": "F16",
    "bfloat16": "BF16", "float32": "F32", "float64": "F64",
    "complex64": "F32", "complex128": "F64",
}
_ITEMSIZE = {"BOOL": 1, "U8": 1, "U16": 2, "U32": 4, "U64": 8, "I8": 1, "I16": 2, "I32": 4,
             "I64": 8, "F16": 2, "BF16": 2, "F32": 4, "F64": 8}
_PART = {"complex64": np.dtype(np.float32), "complex128": np.dtype(np.float64)}
_LEAF_TYPES = ("tensor", "ndarray", "numpy_scalar")
_BIG_ENDIAN = sys.byteorder == "big"


# ---------------------------------------------------------------------------------------
# saving


def save(obj: Any, path: str | os.PathLike[str] | BinaryIO) -> None:
    """Write ``obj`` to ``path`` as a portable checkpoint (a safetensors file); ``path``
    may also be a binary file object (``open(..., "wb")``, ``io.BytesIO``), which gets
    the file's bytes written at its position (not atomically: that is the file's owner's
    business).

    ``obj`` is a nest of dicts (keys: str, int, bool, float or None), OrderedDicts, lists
    and tuples whose leaves are unitorch Tensors (of any backend), native torch or
    TensorFlow tensors, NumPy arrays or scalars, ``None``, bool, int, float or str:
    typically ``model.state_dict()``, ``optimizer.state_dict()`` or
    ``{"model": ..., "optimizer": ..., "epoch": 3}``.  Every tensor keeps its exact dtype
    and bits (bfloat16, complex, NaN payloads, -0.0).  The write is atomic: ``path`` holds
    either its previous content or the whole new checkpoint, never a torn file.

    Raises ``TypeError`` (naming where in ``obj``) for anything else, e.g. a Module: save
    its ``state_dict()`` instead; ``ValueError`` for a string that is not Unicode text
    (lone surrogates), a container that holds itself, nesting deeper than
    :data:`MAX_DEPTH`, or an empty path; ``PermissionError`` for a target ``open(path,
    "wb")`` could not write (the file is left unchanged); ``OSError`` (with its
    ``errno``) when writing fails, e.g. a full disk (the previous file is unchanged).
    While saving, the file's bytes are built in memory (safetensors
    works that way), so it needs about the checkpoint's size in free memory.  See
    :mod:`unitorch.io` for the file format.

    Example:
        >>> ut.save({"model": model.state_dict(), "epoch": 3}, "ckpt.safetensors")  # doctest: +SKIP
        >>> ut.load("ckpt.safetensors")["epoch"]  # doctest: +SKIP
        3
    """
    target = None if _is_file_object(path, "write") else check_path(path, "ut.save")
    tensors: dict[str, np.ndarray] = {}
    tree = _encode(obj, (), tensors, set())
    doc = json.dumps({"format": FORMAT_VERSION, "writer": f"unitorch {_version()}",
                      "tree": tree}, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    metadata = {_META: doc, _META_CRC: str(zlib.crc32(doc.encode("utf-8")))}
    # safetensors.numpy builds the file in memory; we write it ourselves, so that the
    # temporary file, its permissions and the fsync are ours whatever the version.
    from safetensors.numpy import save as serialize

    data = serialize(tensors, metadata=metadata)
    if target is None:
        path.write(data)  # type: ignore[union-attr]
        return
    write_atomically(target, data, "ut.save")


def _is_file_object(obj: Any, method: str) -> bool:
    return hasattr(obj, method) and not isinstance(obj, (str, bytes, os.PathLike))


def _version() -> str:
    from . import __version__

    return __version__


def _where(path: tuple[Any, ...]) -> str:
    return "obj" + "".join(f"[{k!r}]" for k in path)


def _encode(obj: Any, path: tuple[Any, ...], tensors: dict[str, np.ndarray],
            open_: set[int]) -> dict:
    """The JSON node of ``obj``; ``open_`` holds the ids of the containers being encoded
    (``obj``'s ancestors), to find reference cycles."""
    t = type(obj)
    if obj is None:
        return {"type": "none"}
    if t is str:
        return {"type": "str", "value": _check_text(obj, path)}
    if t is bool or t is int:
        return {"type": t.__name__, "value": obj}
    if t is float:
        return {"type": "float", "value": repr(obj)}
    if t is dict or t is OrderedDict or t is list or t is tuple:
        _enter(obj, path, open_)
        if t is dict or t is OrderedDict:
            node = {"type": "dict" if t is dict else "ordered_dict",
                    "items": [[_encode_key(k, path), _encode(v, (*path, k), tensors, open_)]
                              for k, v in obj.items()]}
        else:
            node = {"type": t.__name__, "items": [_encode(v, (*path, i), tensors, open_)
                                                  for i, v in enumerate(obj)]}
        open_.discard(id(obj))
        return node
    if isinstance(obj, Tensor):
        # np.asarray: TensorFlow gives NumPy scalars for 0-d tensors
        return _encode_array(np.asarray(obj.numpy()), obj.dtype, "tensor", path, tensors)
    if t is np.ndarray or isinstance(obj, np.generic):
        arr = np.asarray(obj)
        if not arr.dtype.isnative:
            arr = arr.astype(arr.dtype.newbyteorder("="))
        dtype = dt._BY_NUMPY.get(arr.dtype)
        if dtype is None:
            raise TypeError(f"ut.save() cannot store the NumPy dtype {arr.dtype} at "
                            f"{_where(path)}; unitorch dtypes are "
                            + ", ".join(d.name for d in dt.all_dtypes))
        kind = "ndarray" if t is np.ndarray else "numpy_scalar"
        return _encode_array(arr, dtype, kind, path, tensors)
    from .backends import backend_of_native

    backend = backend_of_native(obj)
    if backend is not None:
        x = backend.wrap(obj)
        return _encode_array(np.asarray(x.numpy()), x.dtype, "tensor", path, tensors)
    hint = ""
    from .nn.module import Module

    if isinstance(obj, Module):
        hint = "; save its state_dict() instead"
    raise TypeError(
        f"ut.save() cannot store a {t.__module__}.{t.__qualname__} at {_where(path)}{hint}. "
        "It stores dicts, OrderedDicts, lists, tuples, tensors, NumPy arrays and scalars, "
        "None, bool, int, float and str"
    )


def _enter(obj: Any, path: tuple[Any, ...], open_: set[int]) -> None:
    """Refuse a container that is its own ancestor, or one nested too deep."""
    if id(obj) in open_:
        raise ValueError(f"ut.save() cannot store {_where(path)}: the {type(obj).__name__} "
                         "contains itself (a reference cycle); checkpoints store trees")
    if len(path) >= MAX_DEPTH:
        raise ValueError(f"ut.save() cannot store {_where(path[:3])}...: containers are "
                         f"nested more than {MAX_DEPTH} levels deep, which ut.load could not "
                         "read back; flatten the structure")
    open_.add(id(obj))


def _encode_key(key: Any, path: tuple[Any, ...]) -> Any:
    t = type(key)
    if t is str:
        return _check_text(key, path)
    if key is None or t is bool or t is int or t is float:
        return _encode(key, path, {}, set())
    raise TypeError(f"ut.save() cannot store the dict key {key!r} ({t.__name__}) in "
                    f"{_where(path)}; keys must be str, int, bool, float or None")


def _check_text(text: str, path: tuple[Any, ...]) -> str:
    """Refuse strings that are not Unicode (lone surrogates): JSON would merge a pair of
    them into one character, and safetensors' metadata must be UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"ut.save() cannot store the string {text!r} at {_where(path)}: "
                         "it holds surrogate code points, which are not Unicode text"
                         ) from None
    return text


def _tensor_key(path: tuple[Any, ...], tensors: dict[str, np.ndarray]) -> str:
    base = ".".join(str(k) for k in path) or "tensor"
    key, n = base, 0
    while key in tensors or key == "__metadata__":
        n += 1
        key = f"{base}#{n}"
    return key


def _encode_array(arr: np.ndarray, dtype: dt.DType, kind: str, path: tuple[Any, ...],
                  tensors: dict[str, np.ndarray]) -> dict:
    shape = list(arr.shape)
    if not arr.flags.c_contiguous:
        arr = arr.copy(order="C")  # (np.ascontiguousarray would make 0-d arrays 1-d)
    if dtype.kind == "c":
        arr = arr.reshape((*shape, 1)).view(_PART[dtype.name])  # (..., 2): real, imag
    key = _tensor_key(path, tensors)
    tensors[key] = arr
    return {"type": kind, "key": key, "dtype": dtype.name, "shape": shape,
            "crc32": _crc32(arr)}


def _crc32(arr: np.ndarray) -> int:
    """CRC-32 of the bytes as stored in the file (little-endian)."""
    flat = arr.reshape(-1)
    if _BIG_ENDIAN and flat.dtype.itemsize > 1:
        flat = flat.byteswap()
    return zlib.crc32(flat.view(np.uint8))


# ---------------------------------------------------------------------------------------
# loading


class _Corrupt(Exception):
    """A check failed while reading; turned into the public ValueError."""


def load(path: str | os.PathLike[str] | BinaryIO, device: Any = None, *,
         map_location: Any = None) -> Any:
    """Read a checkpoint written by :func:`save`, with its tensors on the active backend;
    ``path`` may also be a binary file object (read from its position to its end).

    Tensors come back as unitorch Tensors of the active backend, whichever framework wrote
    them, with their exact dtype and bits, on ``device`` (default: the default device);
    NumPy arrays and scalars come back as NumPy; dicts (int keys stay ints),
    OrderedDicts, lists, tuples and plain values come back as themselves.
    ``map_location=`` is accepted as PyTorch's spelling of ``device``.

    Nothing is unpickled, so loading an untrusted file cannot run code.  A file that is
    not a safetensors file (a ``torch.save`` pickle...), a corrupt, truncated or crafted
    one, a safetensors file not written by ``ut.save``, or a path that is not a regular
    file (a FIFO, a device) raises ``ValueError`` naming the path; a missing file
    ``FileNotFoundError``, a directory ``IsADirectoryError``.

    Example:
        >>> model.load_state_dict(ut.load("model.safetensors"))  # doctest: +SKIP
    """
    if map_location is not None:
        if device is not None and device != map_location:
            raise TypeError("ut.load() got both device= and map_location=; pass one")
        device = map_location
    as_device(device)  # a bad device fails here, even for a checkpoint without tensors
    if _is_file_object(path, "read"):
        file = getattr(path, "name", None) or f"<{type(path).__name__}>"
        data = path.read()  # type: ignore[union-attr]
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"ut.load(): {file!r} is a text file object; open it in binary "
                            "mode ('rb')")
        contexts: Any = contextlib.nullcontext(io.BytesIO(data))
    else:
        file = check_path(path, "ut.load")
        contexts = open_for_reading(file, "ut.load")
    with contexts as f:
        try:
            tree = _read(f, file)
        except _Corrupt as e:
            raise ValueError(f"ut.load(): {file!r} is a corrupt or truncated checkpoint: {e}"
                             ) from None
    from .backends import current
    from .ops.creation import asarray_on

    backend = current()
    return _restore(tree, lambda a: asarray_on(backend, a, device=device))


def _read(f: Any, file: str) -> Any:
    """Validate the file and return the nest with NumPy arrays in ``_Leaf`` wrappers."""
    size = f.seek(0, os.SEEK_END)
    f.seek(0)
    head = f.read(9)
    if len(head) < 9:
        raise _Corrupt(f"it is {size} bytes long, shorter than any safetensors file")
    if head[8:9] != b"{":
        raise ValueError(f"ut.load(): {file!r} is not a safetensors file{_guess(head)}; "
                         "ut.load reads checkpoints written by ut.save")
    n = int.from_bytes(head[:8], "little")
    if n < 2:
        raise _Corrupt(f"its header length field says {n} bytes")
    if n > size - 8:
        raise _Corrupt(f"its header is {n} bytes long but only {size - 8} bytes follow "
                       "the length field")
    try:
        header = json.loads(head[8:] + f.read(n - 1))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _Corrupt("its header is not valid JSON") from None
    if not isinstance(header, dict):
        raise _Corrupt("its header is not a JSON object")
    meta = header.pop("__metadata__", None)
    if not isinstance(meta, dict) or _META not in meta:
        raise ValueError(
            f"ut.load(): {file!r} is a safetensors file without unitorch's metadata (it was "
            "not written by ut.save); read its tensors with the safetensors library"
        )
    doc = meta[_META]
    if not isinstance(doc, str) or meta.get(_META_CRC) != str(
            zlib.crc32(doc.encode("utf-8", "surrogatepass"))):
        raise _Corrupt("its unitorch metadata fails its checksum")
    try:
        info = json.loads(doc)
        version = info["format"]
        tree = info["tree"]
    except (ValueError, KeyError, TypeError, RecursionError):
        raise _Corrupt("its unitorch metadata is malformed") from None
    if type(version) is not int or version != FORMAT_VERSION:
        raise ValueError(f"ut.load(): {file!r} uses unitorch checkpoint format {version!r}; "
                         f"this unitorch ({_version()}) reads format {FORMAT_VERSION}: "
                         "upgrade unitorch")
    leaves: list[dict] = []
    try:
        nest = _decode(tree, leaves)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError):
        raise _Corrupt("its unitorch metadata is malformed") from None
    data_start = 8 + n
    spans = _check_entries(header, leaves, size - data_start)
    for leaf, (begin, end) in zip(leaves, spans):
        f.seek(data_start + begin)
        buf = bytearray(end - begin)
        if f.readinto(buf) != len(buf):
            raise _Corrupt(f"tensor {leaf['key']!r} is cut short")
        if zlib.crc32(buf) != leaf["crc32"]:
            raise _Corrupt(f"the data of tensor {leaf['key']!r} fails its checksum")
        leaf["array"] = _array(buf, leaf)
    return nest


def _guess(head: bytes) -> str:
    if head[:4] == b"PK\x03\x04" or head[:1] == b"\x80":
        return (" (it looks like a torch.save archive or a pickle, which ut.load refuses to "
                "read: unpickling can run arbitrary code)")
    return ""


def _check_entries(header: dict, leaves: list[dict], data_size: int) -> list[tuple[int, int]]:
    """The byte range of each leaf's data; every header entry must be one leaf's,
    with the leaf's dtype and shape, and the ranges must tile the data exactly."""
    keys = [leaf["key"] for leaf in leaves]
    if len(set(keys)) != len(keys) or set(keys) != set(header):
        raise _Corrupt("its tensors do not match its unitorch metadata")
    spans = []
    for leaf in leaves:
        entry = header[leaf["key"]]
        stored = _STORED[leaf["dtype"]]
        shape = leaf["shape"] + ([2] if leaf["dtype"] in _PART else [])
        try:
            ok = entry["dtype"] == stored and entry["shape"] == shape
            begin, end = entry["data_offsets"]
            ok = ok and type(begin) is int and type(end) is int
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok or end - begin != _ITEMSIZE[stored] * _numel(shape):
            raise _Corrupt(f"tensor {leaf['key']!r} does not match its unitorch metadata")
        spans.append((begin, end))
    position = 0
    for begin, end in sorted(spans):
        if begin != position:
            raise _Corrupt("its tensor data offsets overlap or leave gaps")
        position = end
    if position > data_size:
        raise _Corrupt(f"it holds {data_size} bytes of tensor data, {position} expected "
                       "(truncated)")
    if position < data_size:
        raise _Corrupt(f"it has {data_size - position} unexpected bytes after the tensor data")
    return spans


def _numel(shape: list[int]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _array(buf: bytearray, leaf: dict) -> np.ndarray:
    name = leaf["dtype"]
    part = _PART.get(name)
    arr = np.frombuffer(buf, dtype=dt.as_dtype(name).numpy if part is None else part)
    if _BIG_ENDIAN:
        arr = arr.byteswap()
    if part is not None:
        arr = arr.view(dt.as_dtype(name).numpy)
    try:
        return arr.reshape(leaf["shape"])
    except ValueError:  # an empty tensor with absurd dimensions, or too many of them
        shape = leaf["shape"]
        what = f"the shape {shape}" if len(shape) <= 8 else f"{len(shape)} dimensions"
        raise _Corrupt(f"tensor {leaf['key']!r} has {what}, which no array can have"
                       ) from None


def _decode(node: dict, leaves: list[dict]) -> Any:
    kind = node["type"]
    if kind == "none":
        return None
    if kind in ("bool", "int", "str"):
        value = node["value"]
        if type(value).__name__ != kind:
            raise TypeError(kind)
        return value
    if kind == "float":
        if type(node["value"]) is not str:
            raise TypeError(kind)
        return float(node["value"])
    if kind in ("list", "tuple"):
        items = [_decode(v, leaves) for v in node["items"]]
        return items if kind == "list" else tuple(items)
    if kind in ("dict", "ordered_dict"):
        pairs = [(k if type(k) is str else _decode_key(k), _decode(v, leaves))
                 for k, v in node["items"]]
        return dict(pairs) if kind == "dict" else OrderedDict(pairs)
    if kind in _LEAF_TYPES:
        shape = node["shape"]
        if (type(node["key"]) is not str or node["dtype"] not in _STORED
                or type(node["crc32"]) is not int or type(shape) is not list
                or not all(type(s) is int and s >= 0 for s in shape)):
            raise ValueError(kind)
        leaf = {"kind": kind, "key": node["key"], "dtype": node["dtype"], "shape": shape,
                "crc32": node["crc32"]}
        leaves.append(leaf)
        return _Leaf(leaf)
    raise ValueError(kind)


def _decode_key(node: dict) -> Any:
    if node["type"] not in ("none", "bool", "int", "float"):
        raise ValueError(node["type"])
    return _decode(node, [])


class _Leaf:
    __slots__ = ("info",)

    def __init__(self, info: dict) -> None:
        self.info = info


def _restore(obj: Any, to_tensor: Any) -> Any:
    t = type(obj)
    if t is _Leaf:
        info = obj.info
        arr = info["array"]
        if info["kind"] == "ndarray":
            return arr
        if info["kind"] == "numpy_scalar":
            return arr[()]
        return to_tensor(arr)
    if t is dict or t is OrderedDict:
        return t((k, _restore(v, to_tensor)) for k, v in obj.items())
    if t is list:
        return [_restore(v, to_tensor) for v in obj]
    if t is tuple:
        return tuple(_restore(v, to_tensor) for v in obj)
    return obj
