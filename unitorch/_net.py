"""Two questions about this machine's network, asked by the distributed launcher
(``unitorch.distributed.env``) and by the torch backend's ``dist_init`` (gloo's
interface): a bottom-layer module, so the backends need nothing from above them."""

from __future__ import annotations

import ipaddress
import socket

__all__ = ["is_loopback", "loopback_interface"]


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine's loopback (``127.x.x.x``, ``::1``,
    ``localhost``)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def loopback_interface() -> str | None:
    """The name of the loopback network interface (``lo`` on Linux, ``lo0`` on macOS),
    or None where it cannot be told."""
    try:
        names = [name for _, name in socket.if_nameindex()]
    except (AttributeError, OSError):
        return None
    for name in names:
        if name == "lo" or name.startswith("lo0"):
            return name
    return None
