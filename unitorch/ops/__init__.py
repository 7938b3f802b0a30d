"""The public functions, by family.  ``unitorch/__init__.py`` re-exports them."""

from . import creation, elementwise, indexing, manipulation, statistical
from ._operators import install_operators

install_operators()
