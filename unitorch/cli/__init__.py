"""The ``unitorch`` command line: ``unitorch ab``, ``info``, ``bench`` and ``demo``
(:func:`unitorch.cli.main.main`; also ``python -m unitorch``)."""
