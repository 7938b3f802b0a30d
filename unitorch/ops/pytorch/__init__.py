"""PyTorch's semantics under PyTorch's names: the functions behind the Tensor's methods.

The Tensor's methods follow PyTorch (the Array API standard defines operators and a few
attributes, not methods), and where PyTorch's behaviour differs from the neutral
function of the same name, the method is one of these functions, which
``unitorch.torch`` exports too: ``x.std()`` is unbiased, ``x.max(1)`` and ``x.sort()``
return ``(values, indices)``, ``x.repeat(2, 1)`` tiles, ``x.nonzero()`` is an
``(N, ndim)`` tensor.  ``docs/differences.md`` lists each neutral function beside its
method.  One module per family:

* :mod:`.reductions`: ``max``/``min``/``sort``/``kthvalue``/``median`` with their
  indices, ``std``/``var`` (unbiased), ``norm``, ``nonzero``;
* :mod:`.shaping`: ``repeat``, ``chunk``, ``narrow``, ``t``, the ``*_as`` methods,
  ``index_select``, ``masked_fill``, ``scatter``, ``cat``/``stack`` with a positional
  ``dim``;
* :mod:`.arith`: ``add``/``sub`` with ``alpha``, ``div`` with ``rounding_mode``,
  ``addcmul``, ``addcdiv``, ``lerp``, ``mm``, ``bmm``, ``relu``;
* :mod:`.inplace`: the in-place family (``add_``, ``zero_``, ``copy_``, ``normal_``...)
  with PyTorch's autograd rule;
* :mod:`.tensor_methods`: ``new_zeros`` and the other conveniences of the Tensor
  (``type``, ``cpu``, ``element_size``...).
"""
