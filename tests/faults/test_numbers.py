"""Class 2: numbers that do not fit, and nothing raised out of a callback.

Values of hundreds of digits, negative where only positives exist, or out of
the field's range become unknown; the link stays up (TCP and UDP), the
state stays JSON-safe, and no exception escapes a protocol callback — not
even one raised by a listener.
"""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from custom_components.micboard.devices import Family
from custom_components.micboard.devices.shure import convert
from custom_components.micboard.devices.shure.discovery import DiscoveryListener, _Protocol
from custom_components.micboard.devices.shure.transport import TcpLink, UdpLink

from .conftest import assert_released, eventually, measure, snapshot

HUGE = "9" * 400


@pytest.mark.parametrize(
    "raw", [HUGE, "-" + HUGE, "+" + HUGE, "0" * 400 + "7", "1" * 10, "99999999999"]
)
def test_number_refuses_huge_values(raw: str) -> None:
    value = convert.number(raw)
    assert value is None or abs(value) < 10**9


def test_every_converter_survives_huge_values() -> None:
    for raw in (HUGE, "-" + HUGE, "1e400", "9" * 5000):
        assert convert.gauge(raw) is None
        assert convert.percent(raw) is None
        assert convert.bars(raw) is None
        assert convert.count(raw) is None
        assert convert.frequency_mhz(raw) is None
        assert convert.runtime(raw) == (None, None)
        assert convert.bitmap_level(raw) is None
        assert convert.psm_meter(raw) is None


HOSTILE_TCP = [
    f"< REP 1 BATT_BARS {HUGE} >",
    f"< REP 1 BATT_RUN_TIME -{HUGE} >",
    f"< REP 1 BATT_CYCLE {HUGE} >",
    f"< REP 1 BATT_TEMP_C {HUGE} >",
    f"< REP 1 FREQUENCY {HUGE} >",
    f"< REP 1 FREQUENCY {HUGE}.5 >",
    "< REP 1 FREQUENCY 99999999 >",
    f"< REP 1 AUDIO_GAIN {HUGE} >",
    "< REP 1 AUDIO_GAIN 061 >",
    f"< REP 1 TX_OFFSET {HUGE} >",
    f"< REP 1 METER_RATE {HUGE} >",
    "< REP 1 METER_RATE 99999 >",
    f"< REP 1 RX_RF_LVL {HUGE} >",
    f"< SAMPLE 1 ALL AX {HUGE} {HUGE} >",
    "< SAMPLE 1 ALL AX 999 -999 >",
    f"< REP {HUGE} CHAN_NAME {{x}} >",
]


async def test_huge_numbers_over_tcp_change_nothing_and_keep_the_link(
    fake, client, caplog: pytest.LogCaptureFixture
) -> None:
    before = snapshot()
    rx = await fake()
    receiver = await client(rx.port)
    events: list[bool] = []
    receiver.subscribe_connection(events.append)
    channel = receiver.state.channels[1]
    async with measure("huge numbers over TCP"):
        await rx.push("".join(HOSTILE_TCP).encode())
        await rx.push(b"< REP 1 AUDIO_GAIN 030 >")
        await eventually(lambda: channel.gain_db == 12)
    assert channel.tx_on is True  # garbled bars say nothing about the transmitter
    assert (channel.battery_bars, channel.battery_runtime_min, channel.battery_cycles) == (
        None,
        None,
        None,
    )
    assert channel.battery_temperature_c is None
    assert channel.frequency_mhz is None
    assert channel.tx_offset_db is None
    assert receiver.state.meter_rate_ms in {None, 0}
    assert channel.rf_level_dbm is None
    assert channel.audio_level_dbfs is None
    json.dumps(receiver.state.as_dict(), allow_nan=False)
    assert receiver.connected
    assert events == []
    assert rx.connections == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    await receiver.disconnect()
    await rx.stop()
    await assert_released(before)


async def test_huge_numbers_over_udp_log_nothing(
    uhfr, client, caplog: pytest.LogCaptureFixture
) -> None:
    rx = await uhfr()
    receiver = await client(rx.port, family=Family.UHFR)
    assert receiver.info.model == "UR4D"
    channel = receiver.state.channels[1]
    for datagram in (
        f"* SAMPLE 1 ALL AX {HUGE} {HUGE} {HUGE} {HUGE} *",
        f"* REPORT 1 TX_BAT {HUGE} *",
        f"* REPORT 1 FREQUENCY {HUGE} *",
        f"* REPORT {HUGE} TX_BAT 3 *",
        "* SAMPLE 1 ALL AX 999 999 9 999 *",
    ):
        rx.send(datagram.encode())
    rx.send(b"* REPORT 2 TX_BAT 3 *")
    await eventually(lambda: receiver.state.channels[2].battery_bars == 3)
    assert channel.rf_level_dbm is None
    assert channel.audio_meter is None
    assert channel.frequency_mhz is None
    json.dumps(receiver.state.as_dict(), allow_nan=False)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert receiver.connected


async def test_a_failing_listener_is_logged_once_and_the_link_kept(
    fake, client, caplog: pytest.LogCaptureFixture
) -> None:
    rx = await fake()
    receiver = await client(rx.port)
    seen: list[int | None] = []

    def broken(update: object) -> None:
        raise RuntimeError("listener bug")

    receiver.subscribe(broken)
    receiver.subscribe(lambda update: seen.append(update.channel))
    for bars in range(5):
        await rx.push(f"< REP 1 BATT_BARS 00{bars} >".encode())
        await eventually(lambda bars=bars: receiver.state.channels[1].battery_bars == bars)
    assert seen  # the other listener still hears every change
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert receiver.connected
    assert rx.connections == 1


def test_protocol_callbacks_never_raise(caplog: pytest.LogCaptureFixture) -> None:
    def explode(*_args: object) -> None:
        raise OverflowError("boom")

    tcp = TcpLink(explode, explode)
    tcp.data_received(b"< REP 1 BATT_BARS 003 >")
    tcp.data_received(b"< REP 1 BATT_BARS 004 >")
    tcp.connection_lost(None)
    udp = UdpLink(explode, explode)
    udp.datagram_received(b"* REPORT 1 TX_BAT 4 *", ("127.0.0.1", 2202))
    udp.error_received(ConnectionRefusedError())
    udp.connection_lost(None)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 2  # once per link


async def test_discovery_callback_failure_does_not_escape() -> None:
    from tests.protocol.test_discovery import _reply

    def explode(_announcement: object) -> None:
        raise RuntimeError("boom")

    listener = DiscoveryListener(explode, host="127.0.0.1", port=0, group=None)
    protocol = _Protocol(listener)
    protocol.datagram_received(_reply(), ("127.0.0.1", 8427))
    protocol.datagram_received(b"\x02\x07" + b"\xff" * 40, ("127.0.0.1", 8427))
    await asyncio.sleep(0)


async def test_a_failing_connection_listener_does_not_stop_reconnecting(fake, client) -> None:
    rx = await fake()
    receiver = await client(rx.port)
    heard: list[bool] = []

    def broken(connected: bool) -> None:
        raise RuntimeError("listener bug")

    receiver.subscribe_connection(broken)
    receiver.subscribe_connection(heard.append)
    rx.drop()
    await eventually(lambda: heard == [False, True], 5, "reconnect despite the failing listener")
    rx.drop()
    await eventually(lambda: heard == [False, True, False, True], 5, "and again")
