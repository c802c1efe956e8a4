"""Connecting, failing to connect, keep-alive, dead links and reconnecting."""

from __future__ import annotations

import asyncio
import socket

import pytest

from custom_components.micboard.devices import (
    DeviceConnectionError,
    DeviceNotRespondingError,
    Family,
    NotAShureDeviceError,
    UnsupportedDeviceError,
)

from .helpers import FAST, eventually


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _micboard_tasks() -> list[asyncio.Task[object]]:
    return [task for task in asyncio.all_tasks() if task.get_name().startswith("micboard")]


class ConnectionLog:
    """Records connection callbacks with their time."""

    def __init__(self) -> None:
        self.events: list[tuple[bool, float]] = []

    def __call__(self, connected: bool) -> None:
        self.events.append((connected, asyncio.get_running_loop().time()))

    @property
    def states(self) -> list[bool]:
        return [connected for connected, _ in self.events]


# --- connect errors ------------------------------------------------------


async def test_closed_port_is_a_connection_error(client) -> None:
    receiver = await client(_free_port(), connect=False)
    with pytest.raises(DeviceConnectionError):
        await receiver.connect()
    assert receiver.connected is False
    assert _micboard_tasks() == []


async def test_closed_port_with_family_hint_fails_fast(client) -> None:
    receiver = await client(_free_port(), connect=False, family=Family.ULXD)
    loop = asyncio.get_running_loop()
    start = loop.time()
    with pytest.raises(DeviceConnectionError):
        await receiver.connect()
    assert loop.time() - start < 0.5  # no UDP fallback when the family is known


async def test_slxd_without_controller_access_is_not_responding(sim, client) -> None:
    rx = await sim("SLXD4D", controller_access=False)
    receiver = await client(rx, connect=False)
    with pytest.raises(DeviceNotRespondingError):
        await receiver.connect()
    assert any("GET" in text for text in rx.received)  # it did ask
    await eventually(lambda: rx.client_count == 0)  # and closed the socket
    assert _micboard_tasks() == []


async def test_non_shure_bytes_are_not_a_shure_device(raw_server, client) -> None:
    server = await raw_server(greeting=b"SSH-2.0-OpenSSH_9.6\r\n")
    receiver = await client(server.port, connect=False)
    with pytest.raises(NotAShureDeviceError):
        await receiver.connect()


async def test_unknown_model_is_unsupported(raw_server, client) -> None:
    def respond(body: str) -> bytes:
        if body == "GET MODEL":
            return b"< REP MODEL {MXWAPT8                         } >"
        return b"< REP ERR >"

    server = await raw_server(responder=respond)
    receiver = await client(server.port, connect=False)
    with pytest.raises(UnsupportedDeviceError) as caught:
        await receiver.connect()
    assert caught.value.model == "MXWAPT8"
    assert "GET MODEL" in server.received


async def test_uhfr_found_over_udp_without_tcp_listener(sim, client) -> None:
    rx = await sim("UR4D")
    receiver = await client(rx)
    assert (receiver.info.family, receiver.info.model) == (Family.UHFR, "UR4D")
    assert receiver.info.channel_count == 2
    assert any(text.startswith("* GET") for text in rx.received)
    assert receiver.state.channels[2].name == "CH 2"


# --- keep-alive and dead links --------------------------------------------


async def test_keepalive_asks_for_a_channel_name_when_idle(sim, client) -> None:
    rx = await sim("ULXD4")
    receiver = await client(rx)
    connected_at = len(rx.received)
    await eventually(lambda: "< GET 1 CHAN_NAME >" in rx.received[connected_at:], 1.5)
    assert receiver.connected
    # the keep-alive must not flood: a few per second at most
    await asyncio.sleep(0.6)
    keepalives = rx.received[connected_at:].count("< GET 1 CHAN_NAME >")
    assert 1 <= keepalives <= 5


async def test_uhfr_is_polled(sim, client) -> None:
    rx = await sim("UR4S")
    receiver = await client(rx)
    connected_at = len(rx.received)
    await eventually(lambda: "* GET 1 TX_BAT *" in rx.received[connected_at:], 1.5)
    # a change the UHF-R did not push is picked up by the poll
    rx.channel(1).name = "Polled"
    await eventually(lambda: receiver.state.channels[1].name == "Polled", 1.5)


async def test_hung_receiver_is_detected_and_recovered(sim, client) -> None:
    rx = await sim("ULXD4D")
    receiver = await client(rx)
    log = ConnectionLog()
    receiver.subscribe_connection(log)
    loop = asyncio.get_running_loop()
    hung_at = loop.time()
    rx.set_hung(True)
    await eventually(lambda: log.states == [False], FAST.dead_after + 1.5, "link declared dead")
    assert log.events[0][1] - hung_at <= FAST.dead_after + 1.0
    assert receiver.connected is False
    rx.rename(2, "Renamed")  # made while hung: not reported
    await asyncio.sleep(0.3)
    rx.set_hung(False)
    await eventually(lambda: log.states == [False, True], 3.0, "reconnect")
    assert receiver.connected is True
    assert receiver.state.channels[2].name == "Renamed"
    assert receiver.info.model == "ULXD4D"


async def test_dropped_connection_reconnects(sim, client) -> None:
    rx = await sim("AD4D")
    receiver = await client(rx)
    log = ConnectionLog()
    receiver.subscribe_connection(log)
    rx.drop_connections()
    await eventually(lambda: log.states == [False, True], 2.0, "reconnect")
    assert rx.client_count == 1
    rx.rename(1, "Back")
    await eventually(lambda: receiver.state.channels[1].name == "Back")


async def test_reboot_reconnects_with_backoff_and_restores_metering(sim, client) -> None:
    rx = await sim("ULXD4D")
    receiver = await client(rx)
    await receiver.set_meter_rate(1000)
    await eventually(lambda: rx.meter_rate_ms == 1000)
    log = ConnectionLog()
    receiver.subscribe_connection(log)
    loop = asyncio.get_running_loop()
    start = loop.time()
    await rx.reboot(0.5)  # METER_RATE back to 0 while it is away
    assert rx.meter_rate_ms == 0
    await eventually(lambda: log.states == [False, True], 3.0, "reconnect")
    assert log.events[1][1] - start >= 0.5
    assert log.events[1][1] - start <= 0.5 + FAST.reconnect_max * 1.2 + 0.5
    await eventually(lambda: rx.meter_rate_ms == 1000, 1.0, "meter rate set again")
    # The receiver's confirming REP arrives just after it applied the rate.
    await eventually(lambda: receiver.state.meter_rate_ms == 1000, 1.0, "rate confirmed")
    await receiver.disconnect()
    await eventually(lambda: rx.meter_rate_ms == 0 and rx.client_count == 0)


async def test_disconnect_stops_the_reconnect_loop(sim, client) -> None:
    rx = await sim("SLXD4D")
    receiver = await client(rx)
    log = ConnectionLog()
    receiver.subscribe_connection(log)
    assert len(_micboard_tasks()) == 1
    await rx.stop()  # gone for good: the client keeps retrying
    await eventually(lambda: log.states == [False])
    await asyncio.sleep(0.3)
    assert len(_micboard_tasks()) == 1
    await receiver.disconnect()
    assert _micboard_tasks() == []
    assert receiver.connected is False
    assert log.states == [False]  # no second "disconnected"


async def test_disconnect_while_connected_notifies_once(sim, client) -> None:
    rx = await sim("QLXD4")
    receiver = await client(rx)
    log = ConnectionLog()
    receiver.subscribe_connection(log)
    await receiver.disconnect()
    await receiver.disconnect()  # idempotent
    assert log.states == [False]
    assert _micboard_tasks() == []
    await eventually(lambda: rx.client_count == 0)


async def test_malformed_output_is_ignored(sim, client) -> None:
    rx = await sim("ULXD4")
    receiver = await client(rx)
    log = ConnectionLog()
    receiver.subscribe_connection(log)
    rx.emit_raw(b"\x00garbage< REP 1 >")
    rx.emit_raw(b"< REP 1 BATT_BARS >< SAMPLE 1 ALL >\xff\xfe")
    rx.rename(1, "Still")
    await eventually(lambda: receiver.state.channels[1].name == "Still")
    rx.set_battery(1, bars=2)
    await eventually(lambda: receiver.state.channels[1].battery_bars == 2)
    assert receiver.connected
    assert log.states == []


async def test_second_client_shares_the_receiver(sim, client) -> None:
    rx = await sim("AD4Q")
    first = await client(rx)
    second = await client(rx)
    assert rx.client_count == 2
    await first.set_channel_name(3, "Shared")
    await eventually(lambda: second.state.channels[3].name == "Shared")
    await first.disconnect()
    await eventually(lambda: rx.client_count == 1)
    assert second.connected
