"""The client against a terse SSC v1 device written from the notes, not the simulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
import socket
from typing import Any

import pytest
import pytest_socket

from custom_components.micboard.devices import DeviceError, Family
from custom_components.micboard.devices.sennheiser.ssc1 import SscReceiver, Timing
from custom_components.micboard.devices.sennheiser.ssc1.transport import bare_host

from .helpers import FAST, LOCALHOST, eventually
from .terse import D1, D6000, EM2, Path, TerseDevice

type Serve = Callable[..., Awaitable[tuple[TerseDevice, SscReceiver]]]


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
            probe.bind(("::1", 0))
            probe.connect(("::1", 9))
    except OSError, RuntimeError:
        return False
    return True


@pytest.fixture
def ipv6_loopback() -> bool:
    """Also allow the IPv6 loopback ``::1`` (still nothing beyond this machine)."""
    pytest_socket.socket_allow_hosts(["127.0.0.1", "::1"], allow_unix_socket=True)
    return _ipv6_loopback()


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """``await serve(values, **fake_options)`` → (fake, connected client)."""
    cleanup: list[tuple[asyncio.DatagramTransport, SscReceiver]] = []

    async def make(
        values: dict[Path, Any],
        *,
        host: str = LOCALHOST,
        client_host: str | None = None,
        timing: Timing = FAST,
        meter_rate_ms: int = 0,
        **options: Any,
    ) -> tuple[TerseDevice, SscReceiver]:
        loop = asyncio.get_running_loop()
        transport, fake = await loop.create_datagram_endpoint(
            lambda: TerseDevice(values, **options), local_addr=(host, 0)
        )
        port = transport.get_extra_info("sockname")[1]
        receiver = SscReceiver(
            client_host or host, port, timing=timing, meter_rate_ms=meter_rate_ms
        )
        cleanup.append((transport, receiver))
        await receiver.connect()
        return fake, receiver

    yield make
    for transport, receiver in cleanup:
        with contextlib.suppress(DeviceError):
            await receiver.disconnect()
        transport.close()


async def test_terse_ewdx_is_identified_and_read(serve: Serve) -> None:
    fake, receiver = await serve(EM2, absent=("mates/tx2",), meter_rate_ms=200)
    info = receiver.info
    assert (info.family, info.model, info.channel_count) == (Family.EW_DX, "EW-DX EM 2", 2)
    assert info.serial == "1234567890"
    assert info.firmware == "2.0.1"
    assert info.mac is None
    assert receiver.state.device_id == "TERSE-EM2"
    ch1, ch2 = receiver.state.channel(1), receiver.state.channel(2)
    assert (ch1.name, ch1.muted, ch1.frequency_mhz) == ("VOX", False, 550.0)
    assert (ch1.tx_on, ch1.battery_percent, ch1.battery_runtime_min) == (True, 45, 200)
    assert (ch1.tx_name, ch1.tx_model, ch1.battery_type) == ("HH1", "SKM", "Battery")
    assert ch1.warnings == ("LowBattery",)
    assert ch1.interference is False
    assert (ch2.name, ch2.muted, ch2.frequency_mhz) == ("SPARE", True, 551.025)
    assert ch2.interference is True
    assert ch2.tx_on is False
    assert ch2.battery_percent is None
    assert ch2.tx_name is None
    # rx*/gain is not in this tree: dropped after its 404, kept out of subscriptions
    assert all(p[-1] != "gain" for g in receiver._groups for p in g.paths)
    await eventually(lambda: ch1.link_quality_percent == 88, what="meters")
    assert (ch1.rf_level_dbm, ch1.antenna, ch1.audio_level_dbfs) == (-55.5, "B", -30.0)
    fake.change(("rx1", "name"), "LEAD")
    await eventually(lambda: ch1.name == "LEAD")


async def test_terse_write_without_xid_waits_for_the_echo(serve: Serve) -> None:
    fake, receiver = await serve(EM2)
    await receiver.set_channel_name(1, "keys")
    assert fake.values["rx1", "name"] == "KEYS"
    assert receiver.state.channel(1).name == "KEYS"


async def test_terse_device_refusing_subscriptions_is_polled(serve: Serve) -> None:
    timing = Timing(request_timeout=0.3, lifetime=1, renew_after=0.2, dead_after=1.5)
    fake, receiver = await serve(EM2, refuse_subscriptions=True, timing=timing)
    ch1 = receiver.state.channel(1)
    assert ch1.battery_percent == 45
    fake.values["mates", "tx1", "battery", "gauge"] = 30  # no notification: must be polled
    await eventually(lambda: ch1.battery_percent == 30, what="polled value")
    assert receiver.stats.polls > 0
    assert receiver.connected


async def test_terse_d1_over_ipv6(serve: Serve, ipv6_loopback: bool) -> None:
    if ipv6_loopback:
        host, client_host = "::1", "[::1]"
    else:  # no IPv6 here: the same code path, bracket handling included, on IPv4
        host, client_host = LOCALHOST, f"[{LOCALHOST}]"
    assert bare_host(client_host) == host
    _, receiver = await serve(D1, host=host, client_host=client_host)
    info = receiver.info
    assert (info.family, info.channel_count, info.serial) == (Family.EW_D1, 1, "D1-0042")
    assert receiver.host == host
    ch = receiver.state.channel(1)
    assert (ch.tx_on, ch.battery_percent, ch.battery_runtime_min) == (True, 60, 90)
    assert ch.battery_type == "Rechargeable"
    assert ch.muted is True
    assert ch.warnings == ("Low Bat",)
    assert ch.name == "PODIUM"


async def test_terse_d6000_flat_meter_array(serve: Serve) -> None:
    _, receiver = await serve(D6000, meter_rate_ms=200)
    assert receiver.info.family is Family.DIGITAL_6000
    ch1, ch2 = receiver.state.channel(1), receiver.state.channel(2)
    assert (ch1.battery_percent, ch1.battery_runtime_min) == (30, 65)
    assert ch2.tx_on is False
    assert ch2.battery_percent is None
    await eventually(lambda: ch1.link_quality_percent is not None, what="meters")
    assert ch1.rf_antenna_dbm == (-40.0, -50.0)
    assert ch1.antenna == "B"
    assert ch1.link_quality_percent == 80
    assert ch1.audio_level_dbfs == -20.0
    assert ch1.audio_peak_dbfs == -17.5
    assert ch2.rf_level_dbm == -127.5


async def test_terse_device_going_silent_is_lost_and_found(serve: Serve) -> None:
    fake, receiver = await serve(EM2)
    states: list[bool] = []
    receiver.subscribe_connection(states.append)
    fake.silent = True
    await eventually(lambda: states == [False], timeout=FAST.dead_after + 1.5)
    fake.silent = False
    await eventually(lambda: states == [False, True], timeout=3)
