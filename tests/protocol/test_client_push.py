"""Unsolicited changes reach subscribers; metering (notes §2, §10)."""

from __future__ import annotations

import asyncio

import pytest

from custom_components.micboard.devices import Update
from custom_components.micboard.devices.models import TRANSMITTER_FIELDS

from .helpers import eventually


def _has(updates: list[Update], channel: int | None, field: str) -> bool:
    return any(u.channel == channel and field in u.fields for u in updates)


async def test_subscribe_and_updates_iterator_see_a_rename(sim, client) -> None:
    rx = await sim("ULXD4D")
    receiver = await client(rx)
    seen: list[Update] = []
    unsubscribe = receiver.subscribe(seen.append)
    iterated: list[Update] = []

    async def consume() -> None:
        async for update in receiver.updates():
            iterated.append(update)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0)  # let the iterator register its queue
    rx.rename(2, "Bass")
    await eventually(lambda: _has(seen, 2, "name") and _has(iterated, 2, "name"))
    assert receiver.state.channels[2].name == "Bass"
    update = next(u for u in seen if u.channel == 2)
    assert update == Update(2, frozenset({"name"}))
    assert update.metered is False
    assert not _has(seen, 1, "name")

    unsubscribe()
    rx.rename(2, "Keys")
    await eventually(lambda: sum(_has([u], 2, "name") for u in iterated) == 2)
    assert sum(_has([u], 2, "name") for u in seen) == 1  # unsubscribed
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_device_id_change_is_a_receiver_wide_update(sim, client) -> None:
    rx = await sim("AD4Q")
    receiver = await client(rx)
    seen: list[Update] = []
    receiver.subscribe(seen.append)
    rx.set_device_id("Stage L")
    await eventually(lambda: _has(seen, None, "device_id"))
    assert receiver.state.device_id == "Stage L"


# model, a transmitter field that is known while the transmitter is on
TX_OFF_CASES = [
    ("ULXD4", "tx_model"),
    ("QLXD4", "tx_model"),
    ("AD4D", "tx_model"),
    ("SLXD4", "tx_model"),
    ("SLXD4D+", "tx_model"),
    ("UR4S", "battery_bars"),
    ("P10T", "tx_power"),
]


@pytest.mark.parametrize(("model", "present_field"), TX_OFF_CASES)
async def test_transmitter_off_clears_transmitter_fields(
    sim, client, model: str, present_field: str
) -> None:
    rx = await sim(model)
    receiver = await client(rx)
    channel = receiver.state.channels[1]
    assert channel.tx_on is True
    assert getattr(channel, present_field) is not None
    seen: list[Update] = []
    receiver.subscribe(seen.append)
    rx.set_transmitter(1, False)
    await eventually(lambda: _has(seen, 1, "tx_on"))
    assert channel.tx_on is False
    await asyncio.sleep(0.1)  # the rest of the receiver's reports
    # battery_runtime_status is checked on its own below.
    still_set = {
        name: getattr(channel, name)
        for name in TRANSMITTER_FIELDS
        if name != "battery_runtime_status"
    }
    assert {k: v for k, v in still_set.items() if v is not None} == {}
    assert not any(u.metered for u in seen if "tx_on" in u.fields)


async def test_runtime_status_reads_none_while_transmitter_off(sim, client) -> None:
    """``battery_runtime_status`` is a transmitter field: unknown (None) while off.

    The decoder clears it when the transmitter goes away, but the receiver's
    ``BATT_RUN_TIME 65535`` / ``TX_BATT_MINS 65535`` that follows the model report
    sets it to ``unknown`` again, so the result depends on message order.
    """
    wrong: dict[str, object] = {}
    for model in ("ULXD4", "AD4D", "SLXD4"):
        rx = await sim(model)
        receiver = await client(rx)
        channel = receiver.state.channels[1]
        rx.set_transmitter(1, False)
        await eventually(lambda channel=channel: channel.tx_on is False)
        await asyncio.sleep(0.1)
        if channel.battery_runtime_status is not None:
            wrong[model] = channel.battery_runtime_status
    assert wrong == {}


@pytest.mark.parametrize(("model", "present_field"), TX_OFF_CASES)
async def test_transmitter_back_on_restores_transmitter_fields(
    sim, client, model: str, present_field: str
) -> None:
    rx = await sim(model)
    receiver = await client(rx)
    channel = receiver.state.channels[1]
    before = channel.as_dict()
    rx.set_transmitter(1, False)
    await eventually(lambda: channel.tx_on is False)
    rx.set_transmitter(1, True)
    await eventually(lambda: channel.tx_on is True)
    await asyncio.sleep(0.1)
    after = channel.as_dict()
    assert {name: after[name] for name in TRANSMITTER_FIELDS} == {
        name: before[name] for name in TRANSMITTER_FIELDS
    }
    assert getattr(channel, present_field) is not None


async def test_slxd_plus_link_status_drives_presence(sim, client) -> None:
    rx = await sim("SLXD4Q+")
    receiver = await client(rx)
    channel = receiver.state.channels[3]
    assert (channel.tx_on, channel.tx_model) == (True, "SLXD3+")
    rx.set_transmitter(3, False)
    await eventually(lambda: channel.tx_on is False)
    assert channel.tx_model is None
    assert channel.battery_bars is None
    assert receiver.state.channels[2].tx_on is True


async def test_battery_drain_is_pushed(sim, client) -> None:
    rx = await sim("AD4D")
    receiver = await client(rx)
    channel = receiver.state.channels[2]
    seen: list[Update] = []
    receiver.subscribe(seen.append)
    rx.drain_battery(2, 300)
    raw = rx.channel(2)
    await eventually(lambda: channel.battery_runtime_min == raw.battery_minutes)
    assert channel.battery_percent == raw.battery_percent
    assert channel.battery_bars == raw.battery_bars
    assert _has(seen, 2, "battery_runtime_min")
    assert not any(u.metered for u in seen)


@pytest.mark.parametrize("model", ["ULXD4D", "AD4D", "SLXD4D+"])
async def test_interference(sim, client, model: str) -> None:
    rx = await sim(model)
    receiver = await client(rx)
    channel = receiver.state.channels[2]
    assert channel.interference is False
    seen: list[Update] = []
    receiver.subscribe(seen.append)
    rx.set_interference(2, True)
    await eventually(lambda: channel.interference is True)
    assert _has(seen, 2, "interference")
    rx.set_interference(2, False)
    await eventually(lambda: channel.interference is False)
    assert receiver.state.channels[1].interference is False


@pytest.mark.parametrize("model", ["ULXD4", "AD4D", "UR4S"])
async def test_front_panel_mute_is_pushed(sim, client, model: str) -> None:
    rx = await sim(model)
    receiver = await client(rx)
    channel = receiver.state.channels[1]
    seen: list[Update] = []
    receiver.subscribe(seen.append)
    rx.set_mute(1, True)
    await eventually(lambda: channel.muted is True)
    assert _has(seen, 1, "muted")
    rx.set_mute(1, False)
    await eventually(lambda: channel.muted is False)


async def test_p10t_rf_mute_means_off_air(sim, client) -> None:
    rx = await sim("P10T")
    receiver = await client(rx)
    rx.set_mute(2, True)
    await eventually(lambda: receiver.state.channels[2].tx_on is False)
    assert receiver.state.channels[1].tx_on is True


async def test_meter_rate_starts_samples_and_disconnect_stops_them(sim, client) -> None:
    rx = await sim("ULXD4D")
    receiver = await client(rx)
    with pytest.raises(ValueError, match="meter rate"):
        await receiver.set_meter_rate(500)
    with pytest.raises(ValueError, match="meter rate"):
        await receiver.set_meter_rate(70_000)
    assert rx.meter_rate_ms == 0
    seen: list[Update] = []
    receiver.subscribe(seen.append)
    rx.set_rf(2, -80.0)
    await receiver.set_meter_rate(1000)
    assert receiver.meter_rate_ms == 1000
    await eventually(lambda: rx.meter_rate_ms == 1000)
    assert "< SET 1 METER_RATE 01000 >" in rx.received
    assert "< SET 2 METER_RATE 01000 >" in rx.received
    await eventually(lambda: _has(seen, None, "meter_rate_ms"))
    assert receiver.state.meter_rate_ms == 1000
    await eventually(lambda: _has(seen, 2, "rf_level_dbm"), 2.5, "a SAMPLE")
    sample = next(u for u in seen if u.channel == 2 and "rf_level_dbm" in u.fields)
    assert sample.metered is True
    assert sample.fields <= {"rf_level_dbm", "rf_antenna_dbm", "rf_meter", "antenna"} | {
        "audio_level_dbfs",
        "audio_meter",
    }
    assert receiver.state.channels[2].rf_level_dbm == -80.0
    assert rx.client_count == 1
    await receiver.disconnect()
    await eventually(lambda: rx.meter_rate_ms == 0 and rx.client_count == 0)
    assert receiver.connected is False


async def test_meter_rate_given_up_front_is_set_on_connect(sim, client) -> None:
    rx = await sim("AD4D")
    with pytest.raises(ValueError, match="meter rate"):
        await client(rx, meter_rate_ms=100, connect=False)
    receiver = await client(rx, meter_rate_ms=2000)
    await eventually(lambda: rx.meter_rate_ms == 2000)
    assert receiver.meter_rate_ms == 2000
    await receiver.disconnect()
    await eventually(lambda: rx.meter_rate_ms == 0)


async def test_axient_samples_decode_per_antenna(sim, client) -> None:
    rx = await sim("AD4D")
    receiver = await client(rx)
    rx.set_rf(1, -70.0, antenna=1)
    rx.set_rf(1, -90.0, antenna=2)
    seen: list[Update] = []
    receiver.subscribe(seen.append)
    rx.meter_rate_ms = 100  # metering started by another controller (device-wide rate)
    await eventually(lambda: _has(seen, 1, "rf_antenna_dbm"), 1.0, "a SAMPLE")
    channel = receiver.state.channels[1]
    assert channel.rf_antenna_dbm == (-70.0, -90.0)
    assert channel.rf_level_dbm == -70.0
    assert channel.quality == rx.channel(1).quality
    assert all(u.metered for u in seen if u.channel == 1 and "rf_antenna_dbm" in u.fields)


async def test_slxd_sample_rf_level_follows_the_sample(sim, client) -> None:
    """SLX-D ``SAMPLE x ALL peak rms rssi`` carries one RSSI: it is the channel's RF level.

    The initial dump reported ``RSSI 1`` and ``RSSI 2``; once samples arrive the level
    must follow them, not stay at the (stale) second antenna's value from the dump.
    """
    rx = await sim("SLXD4")
    receiver = await client(rx)
    channel = receiver.state.channels[1]
    assert channel.rf_level_dbm is not None
    assert channel.rf_level_dbm > -80.0
    rx.set_rf(1, -85.0)
    rx.meter_rate_ms = 100  # metering started by another controller (device-wide rate)
    await eventually(lambda: -85.0 in channel.rf_antenna_dbm, 1.0, "a SAMPLE")
    assert channel.rf_level_dbm == -85.0


async def test_uhfr_meter_command_and_samples(sim, client) -> None:
    rx = await sim("UR4D")
    receiver = await client(rx)
    seen: list[Update] = []
    receiver.subscribe(seen.append)
    await receiver.set_meter_rate(1000)
    await eventually(lambda: "* METER 2 ALL 033 *" in rx.received)
    assert "* METER 1 ALL 033 *" in rx.received
    assert rx.meter_rate_ms == 33 * 30
    await eventually(lambda: _has(seen, 1, "rf_level_dbm"), 2.5, "a SAMPLE")
    update = next(u for u in seen if u.channel == 1 and "rf_level_dbm" in u.fields)
    assert update.metered is True
    raw = rx.channel(1).rf_raw
    channel = receiver.state.channels[1]
    assert channel.rf_antenna_dbm == tuple(float(-r) for r in raw)
    assert channel.rf_level_dbm == float(-min(raw))
    assert channel.audio_meter is not None
    await receiver.disconnect()
    await eventually(lambda: rx.meter_rate_ms == 0)
    assert "* METER 1 ALL STOP *" in rx.received


async def test_p10t_meter_reports_are_metered_updates(sim, client) -> None:
    rx = await sim("P10T")
    receiver = await client(rx)
    seen: list[Update] = []
    receiver.subscribe(seen.append)
    await receiver.set_meter_rate(1000)
    await eventually(lambda: rx.meter_rate_ms == 1000)
    await eventually(lambda: _has(seen, 1, "audio_meter"), 2.5, "an AUDIO_IN_LVL report")
    assert all(u.metered for u in seen if "audio_meter" in u.fields)
    assert 0 <= receiver.state.channels[1].audio_meter <= 100
    await receiver.disconnect()
    await eventually(lambda: rx.meter_rate_ms == 0 and rx.client_count == 0)
