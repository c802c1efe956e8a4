"""Hostile fake receivers for the fault suite: plain asyncio servers on 127.0.0.1.

Written for these tests from the protocol notes, not the simulator: each
fake answers just enough of the ULX-D dialect (or UHF-R over UDP) to be
identified, and lets a test push any bytes, swap what answers at the
address, delay or drop replies, and see what the client sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import re
from typing import override

LOCALHOST = "127.0.0.1"
_MESSAGE = re.compile(rb"<([^<>]*)>")


class FakeReceiver:
    """A ULX-D style receiver (``model``, ``channels``) that a test can turn hostile.

    ``mode`` decides what answers a new connection: ``"shure"`` (default),
    ``"ssh"`` (a greeting of another protocol, nothing else), ``"close"``
    (accept and close at once), ``"garbage-close"`` (send bytes, then close)
    or ``"report"`` (a P10T-like ``REPORT`` dialect).
    """

    def __init__(self, model: str = "ULXD4D", channels: int = 2) -> None:
        self.model = model
        self.channels = channels
        self.mode = "shure"
        #: Answer nothing at all (on connections already open too).
        self.silent = False
        #: Answer ``GET MODEL`` (ULX-D's answer is disputed).
        self.answer_model = True
        #: Commands left unanswered (a receiver still booting, say).
        self.ignore: set[str] = set()
        self.mac: str | None = None
        #: Seconds before a ``SET n METER_RATE`` is answered (and applied).
        self.meter_reply_delay = 0.0
        #: Answer ``SET n METER_RATE`` at all.
        self.answer_meter_rate = True
        #: Extra bytes sent after every identification answer to ``GET MODEL``.
        self.after_model = b""
        self.extra_dump: Callable[[int], bytes] | None = None
        self.meter_rate: dict[int, int] = {}
        self.received: list[str] = []
        self.connections = 0
        #: Loop time at which each confirmation of ``METER_RATE 0`` was written,
        #: and at which the client's end of file was seen.
        self.confirmed_at: list[float] = []
        self.eof_at: list[float] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> FakeReceiver:
        self._server = await asyncio.start_server(self._handle, LOCALHOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        self.drop()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def drop(self) -> None:
        """Close every client connection (the client will reconnect)."""
        for writer in self._writers:
            writer.close()
        self._writers.clear()

    @property
    def client_count(self) -> int:
        return sum(1 for writer in self._writers if not writer.is_closing())

    async def push(self, data: bytes, chunk: int = 0) -> None:
        """Send raw bytes to every client (in ``chunk``-sized writes, draining)."""
        for writer in list(self._writers):
            if chunk:
                for start in range(0, len(data), chunk):
                    writer.write(data[start : start + chunk])
                    await writer.drain()
            else:
                writer.write(data)
                await writer.drain()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        mode = self.mode
        if mode == "close":
            writer.close()
            return
        if mode in {"ssh", "garbage-close"}:
            writer.write(b"SSH-2.0-OpenSSH_9.6\r\n")
            if mode == "garbage-close":
                await writer.drain()
                writer.close()
                return
        loop = asyncio.get_running_loop()
        buffer = b""
        closed = False
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                buffer += data
                position = 0
                for match in _MESSAGE.finditer(buffer):
                    position = match.end()
                    body = match.group(1).decode("latin-1").strip()
                    self.received.append(body)
                    if mode != "ssh" and not self.silent and body not in self.ignore:
                        self._answer(body, writer, lambda: closed)
                buffer = buffer[position:]
        closed = True
        self.eof_at.append(loop.time())

    def _answer(
        self, body: str, writer: asyncio.StreamWriter, is_closed: Callable[[], bool]
    ) -> None:
        verb = "REPORT" if self.mode == "report" else "REP"
        if match := re.fullmatch(r"SET (\d) METER_RATE (\d+)", body):
            if self.answer_meter_rate:
                channel, rate = int(match[1]), int(match[2])
                self._later(
                    self.meter_reply_delay,
                    lambda: self._confirm_rate(writer, is_closed, channel, rate, verb),
                )
            return
        reply = self.reply(body, verb)
        if reply:
            writer.write(reply)

    def _later(self, delay: float, action: Callable[[], None]) -> None:
        if delay:
            asyncio.get_running_loop().call_later(delay, action)
        else:
            action()

    def _confirm_rate(
        self,
        writer: asyncio.StreamWriter,
        is_closed: Callable[[], bool],
        channel: int,
        rate: int,
        verb: str,
    ) -> None:
        # Like the receivers the notes warn about: a command whose reply
        # cannot be delivered is dropped, so the receiver keeps metering.
        if is_closed() or writer.is_closing():
            return
        self.meter_rate[channel] = rate
        writer.write(f"< {verb} {channel} METER_RATE {rate:05d} >".encode())
        if rate == 0:
            self.confirmed_at.append(asyncio.get_running_loop().time())

    def reply(self, body: str, verb: str = "REP") -> bytes:
        """The answer to one command (``b""`` for silence)."""
        if self.mode == "report":
            if match := re.fullmatch(r"GET (\d) CHAN[ _]NAME", body):
                if int(match[1]) <= self.channels:
                    return f"< REPORT {match[1]} CHAN_NAME IEM{match[1]} >\r\n".encode()
                return b""
            if body == "GET DEVICE_NAME":
                return b"< REPORT DEVICE_NAME Monitors >\r\n"
            return b""
        if body == "GET MODEL" and self.answer_model:
            return f"< REP MODEL {{{self.model:<32}}} >".encode() + self.after_model
        if body == "GET DEVICE_ID":
            return b"< REP DEVICE_ID {Rack    } >"
        if body == "GET FW_VER":
            return b"< REP FW_VER {2.7.6.0                 } >"
        if match := re.fullmatch(r"GET (\d) (CHAN_NAME|TX_TYPE|AUDIO_MUTE)", body):
            channel = int(match[1])
            if channel > self.channels:
                return b"< REP ERR >"
            return self._channel_line(channel, match[2])
        if match := re.fullmatch(r"GET (\d) ALL", body):
            channel = int(match[1])
            if channel > self.channels:
                return b"< REP ERR >"
            dump = b"".join(
                self._channel_line(channel, param)
                for param in ("CHAN_NAME", "TX_TYPE", "AUDIO_MUTE", "BATT_BARS", "FREQUENCY")
            )
            return dump + (self.extra_dump(channel) if self.extra_dump else b"")
        return b"< REP ERR >"

    @staticmethod
    def _channel_line(channel: int, param: str) -> bytes:
        value = {
            "CHAN_NAME": f"{{Mic {channel}   }}",
            "TX_TYPE": "ULXD2",
            "AUDIO_MUTE": "OFF",
            "BATT_BARS": "004",
            "FREQUENCY": "526225",
        }[param]
        return f"< REP {channel} {param} {value} >".encode()


class FakeUhfr(asyncio.DatagramProtocol):
    """A UHF-R on UDP 127.0.0.1 that answers names and lets a test push datagrams."""

    def __init__(self, channels: int = 2) -> None:
        self.channels = channels
        self.transport: asyncio.DatagramTransport | None = None
        self.peer: tuple[str, int] | None = None
        self.received: list[bytes] = []
        self.port = 0
        #: Answer nothing (the client will declare the link dead).
        self.silent = False
        #: Answers to ``GET 2 CHAN_NAME`` still to lose, as a lossy network would.
        self.lose_channel_2 = 0

    async def start(self) -> FakeUhfr:
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: self, local_addr=(LOCALHOST, 0))
        assert self.transport is not None
        self.port = self.transport.get_extra_info("sockname")[1]
        return self

    def stop(self) -> None:
        if self.transport is not None:
            self.transport.close()

    @override
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    @override
    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        self.received.append(data)
        host, port = addr[0], addr[1]
        assert isinstance(host, str)
        assert isinstance(port, int)
        self.peer = (host, port)
        if self.silent:
            return
        if match := re.fullmatch(rb"\* GET (\d) (CHAN_NAME|TX_BAT) \*", data):
            channel = int(match[1])
            if channel == 2 and match[2] == b"CHAN_NAME" and self.lose_channel_2:
                self.lose_channel_2 -= 1
                return
            if channel <= self.channels:
                value = b"CH_" + match[1] if match[2] == b"CHAN_NAME" else b"4"
                self.send(b"* REPORT " + match[1] + b" " + match[2] + b" " + value + b" *")

    def send(self, data: bytes) -> None:
        if self.transport is not None and self.peer is not None:
            self.transport.sendto(data, self.peer)
