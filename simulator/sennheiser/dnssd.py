"""DNS-SD answers for the simulated SSC v1 devices, on the loopback interface only.

Every networked SSC v1 server publishes ``_ssc._udp`` (notes §4): the
instance name is ``device/name``, SRV carries the port, TXT carries
``txtvers``, ``version``, ``id`` and ``model``.  This responder gives a
DNS-SD browser on the same machine those records, and nothing else ever:

a socket on ``127.0.0.1`` answering one-shot (legacy unicast, RFC 6762
§5.1) DNS-SD queries sent straight to it, replies going back to the querier
only.  It never joins or sends to a multicast group, so nothing it sends can
reach another address; queries from a source outside ``127.0.0.0/8`` are
ignored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
import ipaddress
import socket
import struct
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.sennheiser.device import SscDevice

__all__ = [
    "SERVICE",
    "DnsSdResponder",
    "Question",
    "Record",
    "build_query",
    "parse_message",
]

LOOPBACK = "127.0.0.1"
SERVICE = ("_ssc", "_udp", "local")
SERVICES_META = ("_services", "_dns-sd", "_udp", "local")

TYPE_A = 1
TYPE_PTR = 12
TYPE_TXT = 16
TYPE_SRV = 33
TYPE_ANY = 255
CLASS_IN = 1
CACHE_FLUSH = 0x8000
QU_BIT = 0x8000
#: Record TTLs: 120 s for host and SRV records, 4500 s for the rest (RFC 6762 §10);
#: legacy unicast answers cap every TTL at 10 s (§6.7).
HOST_TTL = 120
OTHER_TTL = 4500
LEGACY_TTL = 10
MAX_QUESTIONS = 32
MAX_NAME_JUMPS = 16

type Name = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Question:
    """One question of a query."""

    name: Name
    qtype: int
    unicast_response: bool = False


@dataclass(frozen=True, slots=True)
class Record:
    """One resource record, its rdata already encoded."""

    name: Name
    rtype: int
    ttl: int
    rdata: bytes
    unique: bool = False


def _key(name: Name) -> Name:
    return tuple(label.lower() for label in name)


def encode_name(name: Name) -> bytes:
    """Labels on the wire (no compression)."""
    out = bytearray()
    for label in name:
        raw = label.encode("utf-8")[:63]
        out += bytes([len(raw)]) + raw
    return bytes(out + b"\x00")


def _read_name(data: bytes, offset: int) -> tuple[Name, int]:
    """A (possibly compressed) name at ``offset``; returns it and the offset after it."""
    labels: list[str] = []
    end: int | None = None
    jumps = 0
    while True:
        if offset >= len(data):
            raise ValueError("name runs past the message")
        length = data[offset]
        if length & 0xC0 == 0xC0:
            if offset + 1 >= len(data) or jumps >= MAX_NAME_JUMPS:
                raise ValueError("bad compression pointer")
            if end is None:
                end = offset + 2
            offset = ((length & 0x3F) << 8) | data[offset + 1]
            jumps += 1
            continue
        if length & 0xC0:
            raise ValueError("unknown label type")
        offset += 1
        if length == 0:
            return tuple(labels), end if end is not None else offset
        labels.append(data[offset : offset + length].decode("utf-8", "replace"))
        offset += length


def parse_message(data: bytes) -> tuple[int, int, list[Question]]:
    """``(id, flags, questions)`` of a DNS message (answers are not read)."""
    if len(data) < 12:
        raise ValueError("short DNS header")
    ident, flags, qdcount = struct.unpack_from("!HHH", data)
    if qdcount > MAX_QUESTIONS:
        raise ValueError("too many questions")
    offset = 12
    questions: list[Question] = []
    for _ in range(qdcount):
        name, offset = _read_name(data, offset)
        if offset + 4 > len(data):
            raise ValueError("question runs past the message")
        qtype, qclass = struct.unpack_from("!HH", data, offset)
        offset += 4
        questions.append(Question(name, qtype, bool(qclass & QU_BIT)))
    return ident, flags, questions


def build_query(questions: Sequence[tuple[Name, int]], ident: int = 0) -> bytes:
    """A DNS query message (what a browser sends)."""
    out = bytearray(struct.pack("!HHHHHH", ident, 0, len(questions), 0, 0, 0))
    for name, qtype in questions:
        out += encode_name(name) + struct.pack("!HH", qtype, CLASS_IN)
    return bytes(out)


def _txt(entries: Iterable[str]) -> bytes:
    out = bytearray()
    for entry in entries:
        raw = entry.encode("utf-8")[:255]
        out += bytes([len(raw)]) + raw
    return bytes(out)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Endpoint(asyncio.DatagramProtocol):
    def __init__(self, responder: DnsSdResponder) -> None:
        self.responder = responder
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str | Any, ...]) -> None:
        self.responder.received(self, data, (str(addr[0]), int(addr[1])))

    def error_received(self, exc: Exception) -> None:
        """A querier gone away is not our problem."""

    def send(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(data, addr)


class DnsSdResponder:
    """Answers ``_ssc._udp.local.`` questions for ``devices`` on the loopback only."""

    def __init__(
        self,
        devices: Iterable[SscDevice],
        *,
        unicast_port: int = 0,
    ) -> None:
        """``unicast_port`` 0 = ephemeral (see ``port``)."""
        self.devices = list(devices)
        for device in self.devices:
            if not _is_loopback(device.host):
                raise ValueError(f"DNS-SD is served for loopback devices only, not {device.host}")
        self.unicast_port = unicast_port
        self.port = 0
        self.answered = 0
        self._unicast: _Endpoint | None = None

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Open the socket on 127.0.0.1; ``port`` becomes its port."""
        loop = asyncio.get_running_loop()
        transport, endpoint = await loop.create_datagram_endpoint(
            lambda: _Endpoint(self), local_addr=(LOOPBACK, self.unicast_port)
        )
        self._unicast = endpoint
        self.port = int(transport.get_extra_info("sockname")[1])

    async def stop(self) -> None:
        """Close the socket."""
        if self._unicast is not None and self._unicast.transport is not None:
            self._unicast.transport.close()
        self._unicast = None

    # ------------------------------------------------------------------ records
    def instances(self) -> list[tuple[str, SscDevice]]:
        """Instance names (``device/name``, made unique with `` (2)`` …) and their devices."""
        out: list[tuple[str, SscDevice]] = []
        taken: set[str] = set()
        for device in self.devices:
            base = device.device_name.strip() or device.spec.product
            name, n = base, 2
            while name.lower() in taken:
                name, n = f"{base} ({n})", n + 1
            taken.add(name.lower())
            out.append((name, device))
        return out

    @staticmethod
    def host_name(device: SscDevice) -> Name:
        """The device's host name (not for display)."""
        label = "".join(c if c.isalnum() else "-" for c in device.model.lower())
        return (f"{label}-{device.mac.replace(':', '').lower()}", "local")

    def _records(self, instance: str, device: SscDevice, ttl: int | None) -> dict[int, Record]:
        full = (instance, *SERVICE)
        host = self.host_name(device)
        address = device.host if _is_loopback(device.host) else LOOPBACK
        txt = _txt(
            (
                "txtvers=1",
                "version=1.0",
                f"id={device.mac.replace(':', '').lower()}",
                f"model={device.spec.product}",
            )
        )
        return {
            TYPE_PTR: Record(
                SERVICE, TYPE_PTR, OTHER_TTL if ttl is None else ttl, encode_name(full)
            ),
            TYPE_SRV: Record(
                full,
                TYPE_SRV,
                HOST_TTL if ttl is None else ttl,
                struct.pack("!HHH", 0, 0, device.port) + encode_name(host),
                unique=True,
            ),
            TYPE_TXT: Record(full, TYPE_TXT, OTHER_TTL if ttl is None else ttl, txt, unique=True),
            TYPE_A: Record(
                host,
                TYPE_A,
                HOST_TTL if ttl is None else ttl,
                socket.inet_aton(address),
                unique=True,
            ),
        }

    def answer(self, questions: Iterable[Question]) -> tuple[list[Record], list[Record]]:
        """Answers and additional records for ``questions``."""
        answers: list[Record] = []
        extra: list[Record] = []
        running = [(i, d) for i, d in self.instances() if d.running]
        for question in questions:
            name, qtype = _key(question.name), question.qtype
            if name == SERVICES_META and qtype in (TYPE_PTR, TYPE_ANY) and running:
                answers.append(Record(SERVICES_META, TYPE_PTR, OTHER_TTL, encode_name(SERVICE)))
            for instance, device in running:
                records = self._records(instance, device, None)
                if name == SERVICE and qtype in (TYPE_PTR, TYPE_ANY):
                    answers.append(records[TYPE_PTR])
                    extra += [records[TYPE_SRV], records[TYPE_TXT], records[TYPE_A]]
                elif name == _key((instance, *SERVICE)):
                    wanted = (TYPE_SRV, TYPE_TXT) if qtype == TYPE_ANY else (qtype,)
                    found = [records[t] for t in wanted if t in (TYPE_SRV, TYPE_TXT)]
                    answers += found
                    if found:
                        extra.append(records[TYPE_A])
                elif name == self.host_name(device) and qtype in (TYPE_A, TYPE_ANY):
                    answers.append(records[TYPE_A])
        unique_answers = list(dict.fromkeys(answers))
        return unique_answers, [r for r in dict.fromkeys(extra) if r not in unique_answers]

    # ------------------------------------------------------------------ messages
    @staticmethod
    def encode(
        records: Sequence[Record],
        additional: Sequence[Record] = (),
        *,
        ident: int = 0,
        questions: Sequence[Question] = (),
        legacy: bool = False,
    ) -> bytes:
        """A response message (authoritative); legacy unicast echoes the questions."""
        asked = questions if legacy else ()
        out = bytearray(
            struct.pack("!HHHHHH", ident, 0x8400, len(asked), len(records), 0, len(additional))
        )
        for q in asked:
            out += encode_name(q.name) + struct.pack("!HH", q.qtype, CLASS_IN)
        for record in (*records, *additional):
            klass = CLASS_IN | (CACHE_FLUSH if record.unique and not legacy else 0)
            ttl = min(record.ttl, LEGACY_TTL) if legacy else record.ttl
            out += encode_name(record.name)
            out += struct.pack("!HHIH", record.rtype, klass, ttl, len(record.rdata))
            out += record.rdata
        return bytes(out)

    def received(self, endpoint: _Endpoint, data: bytes, addr: tuple[str, int]) -> None:
        """One datagram: answer a query from the loopback, ignore everything else."""
        if not _is_loopback(addr[0]):
            return
        try:
            ident, flags, questions = parse_message(data)
        except ValueError:
            return
        if flags & 0x8000 or flags & 0x7800:  # a response (ours looped back) or not a query
            return
        answers, extra = self.answer(questions)
        if not answers:
            return
        self.answered += 1
        # Every answer goes back to the querier alone, as to a one-shot query.
        message = self.encode(answers, extra, ident=ident, questions=questions, legacy=True)
        endpoint.send(message, addr)
