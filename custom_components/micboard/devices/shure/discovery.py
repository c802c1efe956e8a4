"""Shure discovery announcements.

Shure receivers multicast SLPv2 Attribute Replies (RFC 2608, function 7) to
239.255.254.253:8427 about every two seconds.  :func:`parse_announcement`
reads one datagram; :class:`DiscoveryListener` receives them on any address
(tests bind it to 127.0.0.1 and feed it datagrams).  The listener never sends
anything.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import logging
import re
import socket
import struct
from typing import override

_LOGGER = logging.getLogger(__name__)

SLP_GROUP = "239.255.254.253"
SLP_PORT = 8427
SLP_VERSION = 2
SLP_ATTR_REPLY = 7
#: A device not heard from for this long is forgotten (and re-announced).
FORGET_AFTER = 30.0

_ATTRIBUTE = re.compile(r"\(([^=()]+)=([^()]*)\)")
_DCID = re.compile(r"cd:([0-9A-Fa-f-]{36})")
_ENDPOINT = re.compile(r"esta\.sdt/([0-9.]+):(\d+)")


@dataclass(frozen=True, slots=True)
class Announcement:
    """One receiver's announcement."""

    address: str
    model: str | None
    name: str | None
    cid: str | None
    dcid: str | None
    attributes: dict[str, str]


def parse_announcement(data: bytes, source: str) -> Announcement | None:
    """Parse an SLPv2 AttrRply datagram; ``None`` if it is anything else."""
    if len(data) < 16 or data[0] != SLP_VERSION or data[1] != SLP_ATTR_REPLY:
        return None
    length = int.from_bytes(data[2:5])
    if length > len(data):
        return None
    (lang_length,) = struct.unpack_from("!H", data, 12)
    position = 14 + lang_length
    if position + 4 > len(data):
        return None
    error, attr_length = struct.unpack_from("!HH", data, position)
    position += 4
    if error != 0 or position + attr_length > len(data):
        return None
    text = data[position : position + attr_length].decode("utf-8", "replace")
    attributes = {key.strip(): value.strip() for key, value in _ATTRIBUTE.findall(text)}
    if not attributes:
        return None
    endpoint = attributes.get("csl-esta.dmp", "")
    dcid = _DCID.search(endpoint)
    return Announcement(
        address=source,
        model=attributes.get("acn-fctn") or None,
        name=attributes.get("acn-uacn") or None,
        cid=attributes.get("cid") or None,
        dcid=dcid.group(1).upper() if dcid else None,
        attributes=attributes,
    )


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, listener: DiscoveryListener) -> None:
        self._listener = listener

    @override
    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        self._listener.handle(data, str(addr[0]))

    @override
    def error_received(self, exc: Exception) -> None:
        _LOGGER.debug("Discovery socket error: %s", exc)


class DiscoveryListener:
    """Receive announcements and report each receiver when first heard.

    ``callback`` runs for a receiver not heard within :data:`FORGET_AFTER`
    seconds, or whose address or name changed.  Bind to ``0.0.0.0`` and
    pass the local interface addresses in ``interfaces`` to join the
    multicast group on each; with ``group=None`` no group is joined.
    """

    def __init__(
        self,
        callback: Callable[[Announcement], None],
        *,
        host: str = "0.0.0.0",
        port: int = SLP_PORT,
        group: str | None = SLP_GROUP,
        interfaces: tuple[str, ...] = (),
    ) -> None:
        """Describe the listener; :meth:`start` opens the socket."""
        self._callback = callback
        self.host = host
        self.port = port
        self._group = group
        self._interfaces = interfaces
        self._transport: asyncio.DatagramTransport | None = None
        self._seen: dict[str, tuple[float, str, str | None]] = {}

    async def start(self) -> None:
        """Open the socket (and join the group on each interface)."""
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if hasattr(socket, "SO_REUSEPORT"):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((self.host, self.port))
            if self._group is not None:
                for interface in self._interfaces or ("0.0.0.0",):
                    membership = socket.inet_aton(self._group) + socket.inet_aton(interface)
                    try:
                        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
                    except OSError as err:
                        _LOGGER.debug("Cannot join %s on %s: %s", self._group, interface, err)
            sock.setblocking(False)
            transport, _ = await loop.create_datagram_endpoint(lambda: _Protocol(self), sock=sock)
        except OSError:
            sock.close()
            raise
        self._transport = transport
        self.port = transport.get_extra_info("sockname")[1]

    def stop(self) -> None:
        """Close the socket."""
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def handle(self, data: bytes, source: str) -> None:
        """Process one datagram (also usable directly, without a socket)."""
        announcement = parse_announcement(data, source)
        if announcement is None:
            return
        key = announcement.cid or announcement.address
        now = asyncio.get_running_loop().time()
        previous = self._seen.get(key)
        self._seen[key] = (now, announcement.address, announcement.name)
        if (
            previous is not None
            and now - previous[0] < FORGET_AFTER
            and previous[1:] == (announcement.address, announcement.name)
        ):
            return
        self._callback(announcement)
