"""Class 11: slow failure.

A probe against a peer that has already closed the connection fails at
once (nothing answered: a connection error; bytes but no Shure: not a Shure
device), instead of waiting for its timeout; so do reconnects to it.
"""

from __future__ import annotations

import asyncio
import socket

import pytest

from custom_components.micboard.devices import (
    DeviceConnectionError,
    Family,
    NotAShureDeviceError,
)
from custom_components.micboard.devices.shure import Timing

from .conftest import assert_released, eventually, measure, snapshot

#: The probe would wait 5 s; failing at once must not take anywhere near that.
PATIENT = Timing(connect_timeout=5, probe_timeout=5, settle_time=0.05, reconnect_min=0.05)


@pytest.mark.parametrize(
    ("mode", "error"),
    [("close", DeviceConnectionError), ("garbage-close", NotAShureDeviceError)],
)
async def test_probe_of_a_closed_peer_fails_at_once(fake, client, mode: str, error: type) -> None:
    before = snapshot()
    rx = await fake()
    rx.mode = mode
    receiver = await client(rx.port, connect=False, timing=PATIENT)
    async with measure(f"probe of a peer that closed ({mode})") as budget:
        with pytest.raises(error):
            await receiver.connect()
    assert budget.seconds < 2.5  # the probe timeout is 5 s
    assert budget.max_lag < 1.0
    await rx.stop()
    await assert_released(before)


async def test_reconnects_to_a_closing_peer_are_quick(fake, client) -> None:
    rx = await fake()
    timing = Timing(
        probe_timeout=5, settle_time=0.05, reconnect_min=0.05, reconnect_max=0.1, dead_after=1
    )
    receiver = await client(rx.port, timing=timing)
    rx.mode = "close"
    rx.drop()
    loop = asyncio.get_running_loop()
    start = loop.time()
    attempts = rx.connections
    await eventually(lambda: rx.connections >= attempts + 5, 8, "five reconnect attempts")
    elapsed = loop.time() - start
    print(f"\n[faults] five reconnects to a closing peer: {elapsed * 1000:.0f} ms")
    assert elapsed < 4  # each costs the back-off, not the 5 s probe timeout
    rx.mode = "shure"
    await eventually(lambda: receiver.connected, 3)


async def test_udp_probe_of_a_closed_port_fails_at_once(client) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    receiver = await client(port, connect=False, timing=PATIENT, family=Family.UHFR)
    loop = asyncio.get_running_loop()
    start = loop.time()
    with pytest.raises(DeviceConnectionError):
        await receiver.connect()
    assert loop.time() - start < 2.5  # the probe timeout is 5 s


async def test_link_loss_fails_a_pending_command_at_once(fake, client) -> None:
    rx = await fake()
    receiver = await client(rx.port, timing=PATIENT)
    rx.silent = True  # the command stays unanswered until the link drops
    rx.mode = "ssh"  # and reconnects do not succeed meanwhile
    loop = asyncio.get_running_loop()
    command = loop.create_task(receiver.set_mute(1, True))
    await asyncio.sleep(0.05)
    start = loop.time()
    rx.drop()
    with pytest.raises(DeviceConnectionError):
        await command
    assert loop.time() - start < 2.5  # the command timeout is 3 s
