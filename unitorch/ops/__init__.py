"""The public functions, by family.  ``unitorch/__init__.py`` re-exports them."""

from . import (
    activations,
    creation,
    elementwise,
    indexing,
    manipulation,
    products,
    searching,
    sets,
    sorting,
    statistical,
    unary,
)
from ._operators import install_operators

install_operators()
