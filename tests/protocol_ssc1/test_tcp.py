"""SSC v1 over TCP: the client against the simulator and against a terse stream fake."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
import json
import signal
import sys
from typing import Any

import pytest

from custom_components.micboard.devices import DeviceError
from custom_components.micboard.devices.sennheiser.ssc1 import SscReceiver, Timing
from custom_components.micboard.devices.sennheiser.ssc1.codec import MAX_MESSAGE_BYTES
from custom_components.micboard.devices.sennheiser.ssc1.transport import JsonSplitter

from .conftest import ClientFactory, SimFactory
from .helpers import FAST, LOCALHOST, eventually
from .terse import EM2, TerseDevice

#: Slow silence detection: link loss seen quickly can only come from the closed connection.
SLOW_SILENCE = Timing(
    request_timeout=0.3,
    request_attempts=2,
    lifetime=1.0,
    renew_after=0.2,
    keepalive_interval=0.3,
    dead_after=10.0,
    reconnect_min=0.05,
    reconnect_max=0.3,
)


# --- the splitter -------------------------------------------------------------


def test_splitter_back_to_back_byte_by_byte_and_merged() -> None:
    objects = [{"a": 1}, {"b": {"c": '}{\\"x'}}, {"d": [1, {"e": 2}]}]
    stream = b"".join(json.dumps(o, separators=(",", ":")).encode() for o in objects)
    splitter = JsonSplitter()
    found = [part for byte in stream for part in splitter.feed(bytes([byte]))]
    assert [json.loads(part) for part in found] == objects
    assert [json.loads(part) for part in JsonSplitter().feed(stream)] == objects


def test_splitter_crlf_garbage_and_oversized() -> None:
    big = b'{"x":"' + b"y" * MAX_MESSAGE_BYTES + b'"}'
    stream = b'\r\n{"a":1}\r\nnoise]]"{"b":2}\n' + big + b'\r\n{"cut\r\n{"c":3}'
    splitter = JsonSplitter()
    found: list[bytes] = []
    for start in range(0, len(stream), 1000):
        found += splitter.feed(stream[start : start + 1000])
    assert [json.loads(part) for part in found] == [{"a": 1}, {"b": 2}, {"c": 3}]
    assert splitter.malformed == 2  # the oversized object, the one cut by CR LF
    assert len(splitter._buffer) == 0


# --- against the simulator --------------------------------------------------------


async def test_client_over_tcp_reads_identifies_and_follows(
    sim: SimFactory, client: ClientFactory
) -> None:
    device = await sim("EWDX-EM4", tcp=True)
    receiver = await client(device, transport="tcp")
    assert receiver.info.model == "EW-DX EM 4 Dante"
    assert len(device.streams) == 1
    assert device.live_peers()[0] in device.streams
    ch = receiver.state.channel(1)
    assert ch.battery_percent == 80
    await receiver.identify(2)
    assert device.channel(2).identifying is True
    await receiver.set_channel_name(3, "TCP")
    assert device.channel(3).name == "TCP"
    await eventually(lambda: device.subscriptions, what="subscriptions")
    device.rename(1, "LEAD")
    await eventually(lambda: ch.name == "LEAD", what="subscribed update")
    device.set_transmitter(1, False)
    await eventually(lambda: ch.tx_on is False, what="transmitter off")
    assert ch.battery_percent is None


async def test_tcp_close_is_link_loss_at_once_and_recovers(
    sim: SimFactory, client: ClientFactory
) -> None:
    device = await sim("EWDX-EM2", tcp=True)
    receiver = await client(device, transport="tcp", timing=SLOW_SILENCE)
    loop = asyncio.get_running_loop()
    events: list[tuple[bool, float]] = []
    receiver.subscribe_connection(lambda up: events.append((up, loop.time())))
    started = loop.time()
    reboot = asyncio.create_task(device.reboot(0.5))
    await eventually(lambda: not receiver.connected, timeout=4, what="link loss")
    assert events[0][1] - started < 3  # well before the 10 s silence timeout
    await reboot
    device.rename(2, "AGAIN")
    await eventually(lambda: receiver.connected, timeout=4, what="recovery")
    await eventually(lambda: receiver.state.channel(2).name == "AGAIN")
    assert [up for up, _ in events] == [False, True]
    assert len(device.streams) == 1


async def test_udp_stays_the_default(sim: SimFactory, client: ClientFactory) -> None:
    device = await sim("EWDX-EM2", tcp=True)
    receiver = await client(device)
    assert receiver.transport == "udp"
    assert device.live_peers()
    assert not device.streams
    with pytest.raises(ValueError, match="transport"):
        SscReceiver(LOCALHOST, 45, transport="sctp")  # type: ignore[arg-type]


# --- against a terse stream fake --------------------------------------------------


class StreamTerse(asyncio.Protocol):
    """The terse device over TCP; replies are cut into small segments or merged."""

    def __init__(self, crlf: bool) -> None:
        self.crlf = crlf
        self.device = TerseDevice(EM2)
        self.device.send = self._queue  # type: ignore[method-assign]
        self.transport: asyncio.Transport | None = None
        self.outgoing: asyncio.Queue[bytes] = asyncio.Queue()
        self.pending = b""
        self.buffer = b""
        self.writer: asyncio.Task[None] | None = None
        self.segments = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.writer = asyncio.get_running_loop().create_task(self._write())

    def connection_lost(self, exc: Exception | None) -> None:
        if self.writer is not None:
            self.writer.cancel()

    def _queue(self, message: dict[str, Any], addr: tuple[Any, ...]) -> None:
        self.pending += json.dumps(message).encode() + (b"\r\n" if self.crlf else b"")

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            self.device.datagram_received(line, ("peer", 0))
        # All replies to this segment merged, then cut at odd places.
        blob, self.pending = self.pending, b""
        for start in range(0, len(blob), 7):
            self.outgoing.put_nowait(blob[start : start + 7])

    def inject(self, data: bytes) -> None:
        self.outgoing.put_nowait(data)

    async def _write(self) -> None:
        while True:
            piece = await self.outgoing.get()
            assert self.transport is not None
            self.transport.write(piece)
            self.segments += 1
            if self.outgoing.qsize() % 5 == 0:
                await asyncio.sleep(0.001)

    def change(self, path: tuple[str, ...], value: Any) -> None:
        self.device.change(path, value)
        blob, self.pending = self.pending, b""
        self.outgoing.put_nowait(blob)


@pytest.fixture
async def stream_fake() -> AsyncIterator[list[StreamTerse]]:
    connections: list[StreamTerse] = []
    yield connections
    for fake in connections:
        if fake.transport is not None:
            fake.transport.close()


@pytest.mark.parametrize("crlf", [False, True], ids=["back-to-back", "crlf"])
async def test_terse_stream_split_merged_garbage_and_oversized(
    stream_fake: list[StreamTerse], crlf: bool
) -> None:
    def factory() -> StreamTerse:
        stream_fake.append(StreamTerse(crlf))
        return stream_fake[-1]

    server = await asyncio.get_running_loop().create_server(factory, LOCALHOST, 0)
    port = server.sockets[0].getsockname()[1]
    receiver = SscReceiver(LOCALHOST, port, timing=FAST, transport="tcp")
    events: list[bool] = []
    try:
        await receiver.connect()
        receiver.subscribe_connection(events.append)
        assert receiver.info.model == "EW-DX EM 2"
        assert receiver.state.channel(1).name == "VOX"
        assert stream_fake[0].segments > 10
        fake = stream_fake[0]
        await eventually(lambda: ("rx1", "name") in set().union(*fake.device.subscribers.values()))
        fake.change(("rx1", "name"), "LEAD")
        await eventually(lambda: receiver.state.channel(1).name == "LEAD")
        fake.inject(b'garbage ]} "' + b'\r\n{"rx1":{"name":"' + b"x" * MAX_MESSAGE_BYTES + b'"}}')
        fake.inject(b'{"rx1":{"name":"NOT JSON",}}')
        fake.change(("rx1", "name"), "AFTER")
        await eventually(lambda: receiver.state.channel(1).name == "AFTER")
        await asyncio.sleep(FAST.dead_after / 2)
        assert receiver.connected
        assert events == []
        assert len(stream_fake) == 1
        link = receiver._link
        assert link is not None
        assert link.malformed == 2
    finally:
        with contextlib.suppress(DeviceError):
            await receiver.disconnect()
        server.close()


async def test_simulator_cli_serves_tcp_when_asked() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator.sennheiser",
        "run",
        "EWDX-EM2:0",
        "--ssc-tcp",
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode().split()
        port = int(line[1].rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection(LOCALHOST, port)
        try:
            writer.write(b'{"device":{"identity":{"product":null}}}\r\n')
            reply = await asyncio.wait_for(reader.read(4096), 5)
        finally:
            writer.close()
        assert json.loads(reply) == {"device": {"identity": {"product": "EW-DX EM 2"}}}
    finally:
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 20) == 0
