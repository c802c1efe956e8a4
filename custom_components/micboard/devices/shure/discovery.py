"""Shure discovery announcements.

Shure receivers multicast SLPv2 Attribute Replies (RFC 2608, function 7) to
239.255.254.253:8427 about every two seconds.  :func:`parse_announcement`
reads one datagram; :class:`DiscoveryListener` receives them on any address
(tests bind it to 127.0.0.1 and feed it datagrams).  The listener never sends
anything.

Announcements are untrusted input: their text is cleaned and capped, the
listener's tables are bounded and pruned, one source address causes at most
one callback per :data:`CALLBACK_INTERVAL` however much it sends, all
sources together at most :data:`MAX_CALLBACKS_PER_INTERVAL`, and no exception
escapes the socket callbacks.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
import logging
import re
import socket
import struct
from typing import override

from .convert import clean, text

_LOGGER = logging.getLogger(__name__)

SLP_GROUP = "239.255.254.253"
SLP_PORT = 8427
SLP_VERSION = 2
SLP_ATTR_REPLY = 7
#: A device not heard from for this long is forgotten (and re-announced).
FORGET_AFTER = 30.0
#: One source address causes at most one callback this often (seconds).
CALLBACK_INTERVAL = 10.0
#: Entries not heard from for this long are dropped from the tables.
PRUNE_AFTER = 300.0
#: Hard cap on the devices (and addresses) remembered; the oldest go first.
MAX_TRACKED = 512
#: Callbacks for all sources together per :data:`CALLBACK_INTERVAL` (announcements
#: from many forged addresses cannot start an unbounded number of flows).
MAX_CALLBACKS_PER_INTERVAL = 32
#: Longest datagram read (an announcement is a few hundred bytes).
MAX_DATAGRAM = 4096
#: Attributes kept per announcement, and the widths of their keys and values.
MAX_ATTRIBUTES = 32
MAX_KEY = 64
MAX_VALUE = 256
#: Widths of the announced model and user name.
MAX_MODEL = 32
MAX_NAME = 32

_ATTRIBUTE = re.compile(r"\(([^=()]+)=([^()]*)\)")
_DCID = re.compile(r"cd:([0-9A-Fa-f-]{36})")
_CID = re.compile(r"[0-9A-Fa-f-]{1,36}")
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
    if not 16 <= len(data) <= MAX_DATAGRAM or data[0] != SLP_VERSION or data[1] != SLP_ATTR_REPLY:
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
    payload = data[position : position + attr_length].decode("utf-8", "replace")
    attributes: dict[str, str] = {}
    for key, value in _ATTRIBUTE.findall(payload):
        if (key := clean(key[:MAX_KEY]).strip()) and len(attributes) < MAX_ATTRIBUTES:
            attributes[key] = clean(value[:MAX_VALUE]).strip()
    if not attributes:
        return None
    endpoint = attributes.get("csl-esta.dmp", "")
    dcid = _DCID.search(endpoint)
    cid = attributes.get("cid", "")
    return Announcement(
        address=source,
        model=text(attributes.get("acn-fctn", ""), MAX_MODEL),
        name=text(attributes.get("acn-uacn", ""), MAX_NAME),
        cid=cid if _CID.fullmatch(cid) else None,
        dcid=dcid.group(1).upper() if dcid else None,
        attributes=attributes,
    )


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, listener: DiscoveryListener) -> None:
        self._listener = listener
        self._failed = False

    @override
    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        try:
            self._listener.handle(data, str(addr[0]))
        except Exception:
            if not self._failed:
                self._failed = True
                _LOGGER.exception("Ignoring a failure while handling an announcement")

    @override
    def error_received(self, exc: Exception) -> None:
        _LOGGER.debug("Discovery socket error: %s", exc)


class DiscoveryListener:
    """Receive announcements and report each receiver when first heard.

    ``callback`` runs for a receiver not heard within :data:`FORGET_AFTER`
    seconds, or whose address or name changed, at most once per
    :data:`CALLBACK_INTERVAL` for one source address (a change held back by
    that limit is reported by a later announcement).  Bind to ``0.0.0.0`` and
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
        #: Device key (CID, else address) → (last heard, address, name), oldest first.
        self._seen: dict[str, tuple[float, str, str | None]] = {}
        #: Source address → time of its last callback, oldest first.
        self._announced: dict[str, float] = {}
        #: Times of the latest callbacks (all sources), oldest first.
        self._recent: deque[float] = deque()
        self._pruned_at = 0.0

    @property
    def tracked(self) -> int:
        """Entries held in the listener's tables."""
        return len(self._seen) + len(self._announced)

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
        now = asyncio.get_running_loop().time()
        self._prune(now)
        address = announcement.address[:64]
        last = self._announced.get(address)
        if last is not None and now - last < CALLBACK_INTERVAL:
            return  # compared again (and reported if new) after the interval
        key = announcement.cid or address
        previous = self._seen.get(key)
        news = (
            previous is None
            or now - previous[0] >= FORGET_AFTER
            or previous[1:] != (address, announcement.name)
        )
        if news and not self._within_budget(now):
            return  # held back, nothing recorded: a later announcement reports it
        self._seen.pop(key, None)
        self._seen[key] = (now, address, announcement.name)
        _cap(self._seen)
        if not news:
            return
        self._recent.append(now)
        self._announced.pop(address, None)
        self._announced[address] = now
        _cap(self._announced)
        self._callback(announcement)

    def _within_budget(self, now: float) -> bool:
        """Whether another callback fits in the current interval (all sources)."""
        recent = self._recent
        while recent and now - recent[0] >= CALLBACK_INTERVAL:
            recent.popleft()
        return len(recent) < MAX_CALLBACKS_PER_INTERVAL

    def _prune(self, now: float) -> None:
        """Drop what has not been heard from for a while (every few seconds)."""
        if now - self._pruned_at < CALLBACK_INTERVAL / 2:
            return
        self._pruned_at = now
        self._seen = {
            key: entry for key, entry in self._seen.items() if now - entry[0] < PRUNE_AFTER
        }
        self._announced = {
            address: at for address, at in self._announced.items() if now - at < CALLBACK_INTERVAL
        }


def _cap[T](table: dict[str, T]) -> None:
    """Forget the oldest entries beyond :data:`MAX_TRACKED`."""
    while len(table) > MAX_TRACKED:
        del table[next(iter(table))]
