"""Small network helpers."""

from __future__ import annotations

import asyncio
import ipaddress
from pathlib import Path
import re

ARP_TABLE = Path("/proc/net/arp")
_MAC = re.compile(r"^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$", re.IGNORECASE)


def format_mac(mac: str) -> str | None:
    """Normalise a MAC address to ``aa:bb:cc:dd:ee:ff`` (``None`` if invalid)."""
    digits = re.sub(r"[^0-9a-fA-F]", "", mac)
    if len(digits) != 12 or digits == "0" * 12:
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2)).lower()


def _read_arp(host: str, table: Path) -> str | None:
    try:
        lines = table.read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines[1:]:
        fields = line.split()
        if len(fields) >= 4 and fields[0] == host and _MAC.match(fields[3]):
            return format_mac(fields[3])
    return None


async def mac_from_arp(host: str, table: Path = ARP_TABLE) -> str | None:
    """Look a host's MAC address up in the system's ARP table (Linux only).

    Works for receivers on the same network segment, once any traffic has
    reached them; returns ``None`` otherwise.
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if address.is_loopback or address.version != 4:
        return None
    return await asyncio.to_thread(_read_arp, str(address), table)
