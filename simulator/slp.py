"""SLPv2 Attribute Reply announcements as Shure receivers send them (notes §12).

Real receivers multicast these to 239.255.254.253:8427; the simulator only ever sends them to
an explicit target (unicast by default) so tests never touch the network.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
import contextlib
import ipaddress
import struct
from types import TracebackType
from typing import TYPE_CHECKING, Self
import uuid

if TYPE_CHECKING:
    from simulator.receiver import SimReceiver

__all__ = [
    "SHURE_SLP_GROUP",
    "SHURE_SLP_PORT",
    "SlpAnnouncer",
    "build_slp_attr_reply",
    "cid_for_mac",
    "dcid_for",
    "fctn_for",
]

SHURE_SLP_GROUP = "239.255.254.253"
SHURE_SLP_PORT = 8427
SLP_VERSION = 2
FUNCTION_ATTR_RPLY = 7
DEFAULT_XID = 0x223D
DEFAULT_SDT_PORT = 57383

# DCIDs quoted in the protocol notes; the others are stable made-up UUIDs (override per receiver).
KNOWN_DCIDS = {"QLXD4": "CCEAC054-E139-11DF-84BA-0015C5F3F612"}
_DCID_NAMESPACE = uuid.UUID("6f1e0b55-3c1c-4a4f-9d55-6d6963626f61")


def build_slp_attr_reply(
    *,
    fctn: str,
    uacn: str,
    cid: str,
    dcid: str,
    address: str,
    xid: int = DEFAULT_XID,
    sdt_port: int = DEFAULT_SDT_PORT,
) -> bytes:
    """Build one SLPv2 AttrRply datagram.

    ``address`` is the control IP (``sdt_port`` is appended) or ``ip:port`` used as given.
    Layout (big-endian): version, function, length (3 B), flags (2 B), next-extension offset
    (3 B), XID, language tag length + ``en``, error code, attribute-list length, attribute list,
    auth-block count.
    """
    host, _, port = address.partition(":")
    sdt = f"{host}:{port or sdt_port}"
    attrs = ",".join(
        [
            f"(cid={cid})",
            f"(acn-fctn={fctn})",
            f"(acn-uacn={uacn})",
            "(acn-services=esta.dmp)",
            f"(csl-esta.dmp=esta.sdt/{sdt};esta.dmp/cd:{dcid})",
            f"(device-description=$:tftp://{host}/$.ddl)",
        ]
    ).encode("utf-8")
    lang = b"en"
    tail = struct.pack("!HH", 0, len(attrs)) + attrs + b"\x00"
    header_len = 1 + 1 + 3 + 2 + 3 + 2 + 2 + len(lang)
    total = header_len + len(tail)
    header = (
        struct.pack("!BB", SLP_VERSION, FUNCTION_ATTR_RPLY)
        + total.to_bytes(3, "big")
        + struct.pack("!H", 0)
        + (0).to_bytes(3, "big")
        + struct.pack("!HH", xid & 0xFFFF, len(lang))
        + lang
    )
    return header + tail


def cid_for_mac(mac: str) -> str:
    """ACN component ID: the first group carries the low MAC bytes, the last group the MAC."""
    hexmac = "".join(c for c in mac if c.isalnum()).upper().rjust(12, "0")[-12:]
    return f"{hexmac[4:]}-0000-11DD-A000-{hexmac}"


def dcid_for(model: str) -> str:
    """Device class ID for a model (known value or a stable made-up one)."""
    if model in KNOWN_DCIDS:
        return KNOWN_DCIDS[model]
    return str(uuid.uuid5(_DCID_NAMESPACE, model)).upper()


def fctn_for(model: str, family: str) -> str:
    """Fixed model string announced as ``acn-fctn`` (SLX-D uses the ``…_RX`` form)."""
    return f"{model}_RX" if family == "slxd" else model


def receiver_reply(rx: SimReceiver, *, sdt_port: int = DEFAULT_SDT_PORT) -> bytes:
    """The AttrRply a simulated receiver announces."""
    return build_slp_attr_reply(
        fctn=rx.slp_fctn or fctn_for(rx.model, rx.family),
        uacn=rx.device.device_id,
        cid=cid_for_mac(rx.mac),
        dcid=rx.dcid or dcid_for(rx.model),
        address=rx.host,
        sdt_port=sdt_port,
    )


class _Sender(asyncio.DatagramProtocol):
    def error_received(self, exc: Exception) -> None:
        """Nobody listening on the target: ignore."""


class SlpAnnouncer:
    """Periodically send each receiver's AttrRply to one explicit target (never multicast).

    Each datagram leaves from a socket bound to the receiver's host, so the source IP is the
    control address as on real hardware. With ``announce_control_port`` the receiver's control
    port is put where real units put their (unrelated) SDT port — handy for tests that run
    receivers on ephemeral ports.
    """

    def __init__(
        self,
        receivers: Iterable[SimReceiver],
        target: tuple[str, int],
        interval: float = 2.0,
        *,
        allow_multicast: bool = False,
        announce_control_port: bool = False,
    ) -> None:
        """Validate the target; nothing is sent before start()."""
        self.receivers = list(receivers)
        self.target = (target[0], int(target[1]))
        self.interval = interval
        self.announce_control_port = announce_control_port
        if ipaddress.ip_address(self.target[0]).is_multicast and not allow_multicast:
            raise ValueError("multicast targets need allow_multicast=True")
        self.sent = 0
        self._transports: dict[str, asyncio.DatagramTransport] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Open the sockets and start announcing (first round immediately)."""
        if self._task is not None:
            return
        loop = asyncio.get_running_loop()
        for host in {rx.host for rx in self.receivers}:
            transport, _ = await loop.create_datagram_endpoint(_Sender, local_addr=(host, 0))
            self._transports[host] = transport
        self._task = loop.create_task(self._run())

    async def stop(self) -> None:
        """Stop announcing and close the sockets."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for transport in self._transports.values():
            transport.close()
        self._transports.clear()

    async def __aenter__(self) -> Self:
        """Start."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop."""
        await self.stop()

    def announce_once(self) -> None:
        """Send one AttrRply per receiver."""
        for rx in self.receivers:
            transport = self._transports.get(rx.host)
            if transport is None or transport.is_closing():
                continue
            port = rx.port if self.announce_control_port else DEFAULT_SDT_PORT
            transport.sendto(receiver_reply(rx, sdt_port=port), self.target)
            self.sent += 1

    async def _run(self) -> None:
        while True:
            self.announce_once()
            await asyncio.sleep(self.interval)
