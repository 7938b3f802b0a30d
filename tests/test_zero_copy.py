"""Zero-copy exchange between NumPy, PyTorch, TensorFlow and unitorch.

What shares memory (checked by comparing data pointers, and for writable memory by
writing through one side and reading the other) and what copies, as
``docs/zero-copy.md`` documents:

* torch <-> NumPy: ``asarray``, ``from_dlpack``, ``Tensor.numpy()``, ``np.from_dlpack``
  share;
* torch -> TensorFlow and TensorFlow -> torch through DLPack share, for every dtype both
  frameworks export (bool included with TensorFlow 2.21);
* copies: a torch buffer TensorFlow cannot use (misaligned: not on a 64-byte boundary;
  non-contiguous), NumPy arrays given to ``asarray`` on TensorFlow (TensorFlow's own
  conversion copies), torch bfloat16 going to TensorFlow; ``copy=False`` refuses them
  with ``ValueError``.
"""

from __future__ import annotations

import numpy as np
import pytest

import unitorch as ut
from unitorch.data.convert import aligned_empty

torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")

DTYPES = ["float16", "bfloat16", "float32", "float64", "int8", "uint8", "int16", "int32",
          "int64", "complex64", "bool"]


def tf_ptr(t):
    """The address of a TensorFlow tensor's buffer (TensorFlow's DLPack export never
    copies; torch reads the address out of the capsule)."""
    if isinstance(t, tf.Variable):
        t = t.read_value()
    return torch.from_dlpack(tf.experimental.dlpack.to_dlpack(t)).data_ptr()


def ptr(x):
    if isinstance(x, ut.Tensor):
        x = x._n
    if isinstance(x, torch.Tensor):
        return x.data_ptr()
    if isinstance(x, np.ndarray):
        return x.ctypes.data
    return tf_ptr(x)


def torch_values(dtype, n=8):
    t = torch.arange(n).to(getattr(torch, dtype))
    return t if dtype != "bool" else t % 3 == 0


def tf_values(dtype, n=8):
    t = tf.cast(tf.range(n), getattr(tf, dtype)) if dtype != "bool" else tf.range(n) % 3 == 0
    return t


def as_list(t):
    """The values as Python numbers (bfloat16 read as float64)."""
    if isinstance(t, torch.Tensor):
        t = t if t.dtype in (torch.bool, torch.complex64) else t.to(torch.float64)
    n = np.asarray(t.numpy())
    return n.astype(np.float64 if n.dtype.kind not in "bc" else n.dtype).tolist()


# ---------------------------------------------------------------------------------------
# torch <-> NumPy (the torch backend)


def test_torch_and_numpy_share():
    with ut.use_backend("torch"):
        a = np.arange(6.0)
        t = ut.asarray(a)
        assert ptr(t) == ptr(a) and np.shares_memory(t.numpy(), a)
        a[0] = 42.0  # a write through NumPy is seen by the tensor
        assert t[0].item() == 42.0
        d = ut.from_dlpack(a)
        assert ptr(d) == ptr(a)
        native = torch.ones(3)
        w = ut.from_native(native)
        assert w._n is native and w.backend == "torch"
        view = w.numpy()
        view[1] = 5.0  # and a write into the tensor's NumPy view is seen by torch
        assert native[1].item() == 5.0
        assert np.shares_memory(np.from_dlpack(w), view)
        assert torch.from_dlpack(w).data_ptr() == native.data_ptr()


def test_torch_copies_what_it_cannot_share():
    with ut.use_backend("torch"):
        ro = np.arange(4.0)
        ro.flags.writeable = False  # torch cannot wrap read-only memory
        t = ut.asarray(ro)
        assert ptr(t) != ptr(ro) and t.tolist() == ro.tolist()
        with pytest.raises(ValueError, match="copy=False"):
            ut.asarray(ro, copy=False)
        c = ut.asarray(np.arange(4.0), copy=True)
        assert c.tolist() == [0.0, 1.0, 2.0, 3.0]
        a = np.arange(3.0)
        assert ptr(ut.asarray(a, copy=True)) != ptr(a)


# ---------------------------------------------------------------------------------------
# torch -> TensorFlow


@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_to_tensorflow(dtype):
    source = torch_values(dtype)
    with ut.use_backend("tensorflow"):
        for convert in (ut.asarray, ut.from_dlpack,
                        lambda s: ut.asarray(ut.from_native(s))):
            t = convert(source)
            assert t.backend == "tensorflow" and t.dtype.name == dtype
            assert as_list(t) == as_list(source)
            if dtype == "bfloat16":
                continue  # TensorFlow's alignment check goes through NumPy: a copy
            assert ptr(t) == ptr(source), convert
        if dtype != "bfloat16":
            assert ptr(ut.asarray(source, copy=False)) == ptr(source)
            assert ptr(ut.asarray(source, copy=True)) != ptr(source)


def test_shared_memory_is_aliased():
    """Zero-copy means aliasing: the TensorFlow tensor sees writes to the torch buffer."""
    source = torch.zeros(16)
    with ut.use_backend("tensorflow"):
        t = ut.asarray(source)
        source[3] = 7.0
        assert t[3].item() == 7.0
        independent = ut.asarray(source, copy=True)
        source[3] = 1.0
        assert independent[3].item() == 7.0


@pytest.mark.parametrize("make", [
    pytest.param(lambda: torch.arange(17.0)[1:], id="misaligned"),
    pytest.param(lambda: torch.arange(16.0).reshape(4, 4).t(), id="transposed"),
    pytest.param(lambda: torch.arange(32.0)[::2], id="strided"),
])
def test_torch_to_tensorflow_copies_unusable_buffers(make):
    source = make()
    with ut.use_backend("tensorflow"):
        t = ut.asarray(source)
        assert ptr(t) != ptr(source) and ptr(t) % 64 == 0
        assert t.numpy().tolist() == source.numpy().tolist()
        with pytest.raises(ValueError, match="needs a copy"):
            ut.asarray(source, copy=False)
        d = ut.from_dlpack(source)
        assert d.numpy().tolist() == source.numpy().tolist()


def test_torch_lazy_views_are_resolved():
    """A conjugated or negated torch view is exported with its real values (torch's own
    DLPack export ignores the negative bit)."""
    z = torch.tensor([1 + 2j, 3 - 4j], dtype=torch.complex64).conj()
    neg = z.imag  # a view with the negative bit set
    assert neg.is_neg()
    with ut.use_backend("torch"):
        w = ut.from_native(neg)
        assert np.from_dlpack(w).tolist() == [-2.0, 4.0]
        assert np.from_dlpack(ut.from_native(z)).tolist() == [1 - 2j, 3 + 4j]
    with ut.use_backend("tensorflow"):
        assert ut.asarray(neg).tolist() == [-2.0, 4.0]
        assert ut.asarray(z).tolist() == [1 - 2j, 3 + 4j]


# ---------------------------------------------------------------------------------------
# TensorFlow -> torch


@pytest.mark.parametrize("dtype", DTYPES)
def test_tensorflow_to_torch(dtype):
    source = tf_values(dtype)
    with ut.use_backend("torch"):
        for convert in (ut.asarray, ut.from_dlpack,
                        lambda s: ut.asarray(ut.from_native(s), copy=False)):
            t = convert(source)
            assert t.backend == "torch" and t.dtype.name == dtype
            assert ptr(t) == ptr(source)
            assert as_list(t) == as_list(source)


def test_tensorflow_variable_to_torch():
    var = tf.Variable(tf.range(4.0))
    with ut.use_backend("torch"):
        t = ut.asarray(var)
        assert t.tolist() == [0.0, 1.0, 2.0, 3.0]
        assert ptr(t) == ptr(var)
        # a later assign does not write into memory another framework holds: TensorFlow
        # copies on write while the buffer is shared
        var.assign(tf.ones(4))
        assert t.tolist() == [0.0, 1.0, 2.0, 3.0]
    w = ut.from_native(var)
    assert w._n is var and w.backend == "tensorflow"


def test_unitorch_dlpack_protocol():
    for name in ("torch", "tensorflow"):
        with ut.use_backend(name):
            t = ut.arange(8.0)
            assert torch.from_dlpack(t).data_ptr() == ptr(t)
            assert np.from_dlpack(t).ctypes.data == ptr(t)
            assert t.__dlpack_device__() == (1, 0)
            copied = torch.from_dlpack(t.__dlpack__(copy=True))
            assert copied.data_ptr() != ptr(t) and copied.tolist() == t.tolist()
            with pytest.raises(BufferError, match="not on DLPack device"):
                t.__dlpack__(dl_device=(2, 0))


# ---------------------------------------------------------------------------------------
# NumPy -> TensorFlow


def test_numpy_to_tensorflow():
    with ut.use_backend("tensorflow"):
        aligned = aligned_empty((16,), np.dtype(np.float32))
        aligned[:] = np.arange(16)
        assert ptr(ut.from_dlpack(aligned)) == ptr(aligned)  # DLPack shares aligned memory
        assert ptr(ut.asarray(aligned)) != ptr(aligned)  # TensorFlow's conversion copies
        with pytest.raises(ValueError, match="copy=False"):
            ut.asarray(aligned, copy=False)
        misaligned = aligned_empty((17,), np.dtype(np.float32))[1:]
        misaligned[:] = 3.0
        t = ut.from_dlpack(misaligned)
        assert ptr(t) != ptr(misaligned) and t.tolist() == [3.0] * 16
        with pytest.raises(ValueError, match="cannot share"):
            ut.from_dlpack(misaligned, copy=False)
