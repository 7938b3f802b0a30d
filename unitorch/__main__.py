"""``python -m unitorch``: the ``unitorch`` command line."""

from unitorch.cli.main import main

raise SystemExit(main())
