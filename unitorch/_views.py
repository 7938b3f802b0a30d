"""One view semantics on every backend, and writes that no thread loses.

**Views.**  ``x[key]`` with a basic key (integers, slices with positive steps, ``None``,
``...``) is a *view* of ``x`` on every backend, as in PyTorch: a write through the view
(``v[...] = 1``, ``v += 1``) reaches ``x``, and the view sees later writes to ``x`` (or to
another view of ``x``).  PyTorch's basic indexing shares memory, so there is nothing to
do.  TensorFlow's slices are copies (``tf.Tensor`` is immutable), so unitorch keeps the
relation itself: a backend whose ``Backend.slices_share_memory`` is False gets its
slices *tracked* here (:func:`track`): the view remembers its parent and key, the parent
(weakly) its views.  The operations PyTorch answers with a view of the whole tensor
(``reshape`` and its spellings, ``permute_dims`` and the transposes, ``expand_dims``,
``squeeze``, ``unstack``) are tracked the same way (:func:`track_relation`), with a
:class:`Relation` in place of the key: SciPy writes through ``reshape(x.T, ...)`` and
the rows it unpacks from it, as NumPy and PyTorch allow.  Writes go through :func:`write`, which, when the tensor written
belongs to a tracked family, writes the view's new values into its parent (and so on up
to the root) and re-slices every live view of the root from the updated values.

The cost falls where the relation is used: tracking a slice costs a dictionary entry and
a weak reference (about a microsecond, against ~20-35 us for TensorFlow's slice itself);
reading a tensor costs nothing (``t.native`` is always current, no check on reads); a
write into a family costs one strided-slice update per level above the view and one
re-slice per live view.  A slice with a negative step is a copy on every backend
(PyTorch cannot view memory backwards), and so is the result of every other operation
(``flip``, ``broadcast_to``, arithmetic...).  A ``reshape`` is a view on TensorFlow even
where PyTorch copies (the reshape of a transposed matrix into one axis: PyTorch's
strides cannot express it).  Only unitorch's writes are seen: ``x[key] = v``, the in-place operators
(``+=``...) and the functions documented as in-place; a native changed behind
unitorch's back (a ``tf.Variable`` assigned directly) does not refresh its views.

**Threads.**  :func:`write` holds a lock for the family's root while it reads the current
values, computes the new ones and stores them, so concurrent ``__setitem__`` calls on one
tensor (or on views of one tensor) never lose a write: on TensorFlow a write replaces the
whole immutable tensor, and two unsynchronised writers would each start from the values
before the other's write.  The locks are striped (a fixed pool chosen by the root's
identity), so no lock is created per tensor; they are re-entrant, as a write may run
another (a 0-d boolean key writes through an expanded view).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

__all__ = ["track", "track_relation", "Relation", "write", "is_tracked"]

_STRIPES = tuple(threading.RLock() for _ in range(64))


class _View(weakref.ref):
    """A tracked view's record: a weak reference to the view (whose callback forgets the
    record when the view dies) that also holds its parent and key.  One object per view,
    made in a few hundred nanoseconds: it is made for every slice on TensorFlow."""

    __slots__ = ("vid", "parent", "key", "normalized")


_VIEWS: dict[int, _View] = {}
"""``id(view)`` -> its :class:`_View`, for every live tracked view."""

_CHILDREN: dict[int, list[Any]] = {}
"""``id(tensor)`` -> ``[weakref to the tensor, the _View of each of its views...]``."""


# (the callbacks hold the dictionaries themselves: at interpreter exit the module's
# globals are gone before the last tensors)
def _forget(ref: _View, _views: dict[int, _View] = _VIEWS) -> None:
    _views.pop(ref.vid, None)


def is_tracked(t: Any) -> bool:
    """Whether ``t`` is a tracked view or has tracked views."""
    i = id(t)
    return i in _VIEWS or i in _CHILDREN


def track(view: Any, parent: Any, key: Any, normalized: bool = False) -> None:
    """Record that ``view`` is ``parent[key]`` (``key`` as given to ``getitem``'s fast
    path, or in the contract's normalized form when ``normalized``)."""
    vid, pid = id(view), id(parent)
    ref = _View(view, _forget)
    ref.vid = vid
    ref.parent = parent  # (a strong reference: a view keeps its base alive)
    ref.key = key
    ref.normalized = normalized
    _VIEWS[vid] = ref
    children = _CHILDREN.get(pid)
    if children is None:
        # the first entry keeps the parent's own weak reference (and its callback) alive
        children = _CHILDREN[pid] = [weakref.ref(
            parent, lambda _, pid=pid, known=_CHILDREN: known.pop(pid, None))]
    else:
        n = len(children)
        if n > 64 and n & (n - 1) == 0:
            # slices made in a loop die young: drop their dead references now and then
            children[1:] = [r for r in children[1:] if r() is not None]
    children.append(ref)


class Relation:
    """A view of the whole of its parent by a shape operation, ``"reshape"`` to a shape
    (which may hold a ``-1``) or ``"permute"`` by axes: :meth:`view` makes the view's
    values from the parent's, :meth:`base` the parent's from the view's.  Made for
    every reshape and transpose on TensorFlow, so it only stores its arguments (the
    inverse is worked out at the first write).

    Example:
        >>> from unitorch._views import Relation
        >>> x = ut.arange(6).reshape(2, 3)
        >>> bk = x._bk
        >>> r = Relation("permute", (1, 0))
        >>> v = r.view(bk, x.native)
        >>> bk.shape(v), bk.shape(r.base(bk, v, x.native))
        ((3, 2), (2, 3))
    """

    __slots__ = ("op", "arg")

    def __init__(self, op: str, arg: tuple[int, ...]) -> None:
        self.op = op
        self.arg = arg

    def view(self, bk: Any, parent: Any) -> Any:
        """The view's native from its parent's."""
        if self.op == "reshape":
            return bk.reshape(parent, self.arg)
        return bk.permute_dims(parent, self.arg)

    def base(self, bk: Any, view: Any, parent: Any) -> Any:
        """The parent's values (a native of ``parent``'s shape) from the view's."""
        if self.op == "reshape":
            shape = bk.shape(parent)
            if None in shape:  # tracing: one unknown size is inferred
                shape = tuple(-1 if s is None else s for s in shape)
            return bk.reshape(view, shape)
        inverse = [0] * len(self.arg)
        for i, a in enumerate(self.arg):
            inverse[a] = i
        return bk.permute_dims(view, tuple(inverse))


_ALL = (Ellipsis,)


def track_relation(view: Any, parent: Any, relation: Relation) -> None:
    """Record that ``view`` is the whole of ``parent`` seen through ``relation``."""
    track(view, parent, relation, normalized=True)


def _root(t: Any) -> Any:
    v = _VIEWS.get(id(t))
    while v is not None:
        t = v.parent
        v = _VIEWS.get(id(t))
    return t


def write(x: Any, compute: Callable[[Any], Any]) -> None:
    """Store ``compute(x.native)`` (the new native holding ``x``'s values; it may be
    ``x.native`` itself, updated in place) in ``x``, under the lock of ``x``'s family,
    and carry the write to the rest of the family (see the module docstring)."""
    root = _root(x) if _VIEWS else x
    with _STRIPES[(id(root) >> 4) % len(_STRIPES)]:
        new = compute(x._n)
        if new is not x._n:
            x._n = new
        if root is not x or id(x) in _CHILDREN:
            _carry(x, root)


def _carry(x: Any, root: Any) -> None:
    """Write ``x``'s values into its ancestors, then refresh every view of ``root``."""
    from .ops.indexing import normalized_key

    t = x
    while t is not root:
        v = _VIEWS[id(t)]
        parent = v.parent
        bk = type(parent)._bk
        key = v.key
        if type(key) is Relation:
            # the whole parent, written as a setitem (a tf.Variable stays one)
            out = bk.setitem(parent._n, normalized_key(parent, _ALL),
                             key.base(bk, t._n, parent._n))
        else:
            if not v.normalized:  # normalize once, at the first write through the view
                key = v.key = normalized_key(parent, key)
                v.normalized = True
            out = bk.setitem(parent._n, key, t._n)
        if out is not parent._n:
            parent._n = out
        t = parent
    _refresh(root)


def _refresh(t: Any) -> None:
    children = _CHILDREN.get(id(t))
    if not children:
        return
    bk = type(t)._bk
    for v in children[1:]:  # (the _View records of t's views, in creation order)
        c = v()
        if c is None:
            continue
        key = v.key
        if type(key) is Relation:
            c._n = key.view(bk, t._n)
        else:
            c._n = bk.getitem(t._n, key) if v.normalized else bk.basic_getitem(t._n, key)
        _refresh(c)
