"""A hand-made SSC v1 device (UDP on 127.0.0.1) that changes what it is.

The fake answers every read from a tree of values (404 for unknown
addresses), echoes ``xid`` and acknowledges subscriptions.  It can fall
silent and come back with another identity: a different product under the
*same* serial must be reported as another receiver (its channels differ),
not adopted with the old channel layout.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
import json
import socket
from typing import Any, override

import pytest

from custom_components.micboard.devices import (
    DeviceError,
    DeviceNotRespondingError,
    ReceiverChangedError,
)
from custom_components.micboard.devices.sennheiser.ssc1 import SscReceiver, Timing, codec
from custom_components.micboard.devices.sennheiser.ssc1.probe import probe

LOCALHOST = "127.0.0.1"
FAST = Timing(
    request_timeout=0.3,
    request_attempts=2,
    lifetime=1.0,
    renew_after=0.2,
    keepalive_interval=0.3,
    dead_after=1.0,
    reconnect_min=0.05,
    reconnect_max=0.2,
)


def _identity(product: str, serial: str) -> dict[str, Any]:
    return {
        "device": {
            "identity": {"product": product, "serial": serial, "version": "1.0", "vendor": "S"},
            "name": "FAKE",
        }
    }


class Fake(asyncio.DatagramProtocol):
    """Answers reads from ``values``; silent while ``silent`` is set."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.silent = False
        self.transport: asyncio.DatagramTransport | None = None

    @override
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    @override
    def datagram_received(self, data: bytes, addr: tuple[str | Any, ...]) -> None:
        message = json.loads(data)
        if self.silent or self.transport is None:
            return
        found: list[tuple[codec.Path, Any]] = []
        missing: list[codec.Path] = []
        for path, _ in codec.leaves(message):
            node: Any = self.values
            for key in path:
                node = node.get(key) if isinstance(node, dict) else None
            if node is None:
                missing.append(path)
            else:
                found.append((path, node))
        reply: dict[str, Any] = {}
        for path, value in found:
            reply |= _merge(reply, codec.tree([path], value))
        osc: dict[str, Any] = {"xid": codec.osc(message).get("xid")}
        if missing:
            osc["error"] = [codec.tree(missing, [404])]
        if "state" in codec.osc(message):
            osc["state"] = codec.osc(message)["state"]
        reply["osc"] = osc
        self.transport.sendto(json.dumps(reply).encode(), addr)


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for key, value in b.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


@pytest.fixture
async def fake() -> AsyncIterator[tuple[Fake, int]]:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: Fake(_identity("EW-DX EM 2", "4711")), local_addr=(LOCALHOST, 0)
    )
    yield protocol, transport.get_extra_info("sockname")[1]
    transport.close()


async def _eventually(predicate: Any, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


@pytest.mark.parametrize(
    ("product", "changed"),
    [("EW-DX EM 4 Dante", True), ("SKM 6000", True), ("EW-DX EM 2 Dante", False)],
)
async def test_same_serial_as_another_model_is_another_receiver(
    fake: tuple[Fake, int], product: str, changed: bool
) -> None:
    device, port = fake
    receiver = SscReceiver(LOCALHOST, port, timing=FAST)
    problems: list[DeviceError | None] = []
    receiver.subscribe_problem(problems.append)
    try:
        info = await receiver.connect()
        assert (info.model, info.channel_count, info.serial) == ("EW-DX EM 2", 2, "4711")
        device.silent = True
        await _eventually(lambda: not receiver.connected)
        device.values = _identity(product, "4711")
        device.silent = False
        if changed:
            await _eventually(lambda: bool(problems))
            error = problems[0]
            assert isinstance(error, ReceiverChangedError)
            assert error.new.model == product
            await asyncio.sleep(0.3)
            assert not receiver.connected
        else:
            await _eventually(lambda: receiver.connected)
            assert [p for p in problems if p is not None] == []
            assert receiver.info.channel_count == 2
    finally:
        with contextlib.suppress(DeviceError):
            await receiver.disconnect()


def _closed_port() -> int:
    """A UDP port on 127.0.0.1 where nothing listens (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((LOCALHOST, 0))
        port: int = sock.getsockname()[1]
    return port


async def test_nothing_listening_fails_at_once() -> None:
    slow = Timing(request_timeout=2.0, request_attempts=2)
    receiver = SscReceiver(LOCALHOST, _closed_port(), timing=slow)
    loop = asyncio.get_running_loop()
    start = loop.time()
    with pytest.raises(DeviceNotRespondingError, match="third-party"):
        await receiver.connect()
    elapsed = loop.time() - start
    print(f"refused connect failed after {elapsed * 1000:.0f} ms (timeouts: 4000 ms)")
    assert elapsed < 1.0
    assert not receiver.connected
    await receiver.disconnect()


async def test_probe_of_nothing_listening_answers_at_once() -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    assert await probe(LOCALHOST, _closed_port(), wait=4.0) is None
    elapsed = loop.time() - start
    print(f"refused probe returned after {elapsed * 1000:.0f} ms (wait: 4000 ms)")
    assert elapsed < 1.0
