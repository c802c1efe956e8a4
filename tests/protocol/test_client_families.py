"""Every simulated model: identification and state in human units (notes §3–§7)."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.micboard.devices import Family
from custom_components.micboard.devices.models import BatteryRuntimeStatus
from simulator import MODELS, SimReceiver

from .helpers import eventually

FAMILY_MODELS = [
    "ULXD4",
    "ULXD4D",
    "ULXD4Q",
    "QLXD4",
    "SLXD4",
    "SLXD4D",
    "SLXD4D+",
    "SLXD4Q+",
    "AD4D",
    "AD4Q",
    "UR4S",
    "UR4D",
    "P10T",
]


def _expected(rx: SimReceiver, number: int) -> dict[str, Any]:
    """What the client should show for one channel, from the simulator's raw wire state."""
    ch = rx.channel(number)
    family = rx.family
    plus = rx.spec.plus
    expected: dict[str, Any] = {
        "number": number,
        "name": ch.name.strip(),
        "tx_on": True,
        "frequency_mhz": ch.frequency_khz / 1000,
    }
    if family in {"ulxd", "qlxd", "axient_digital", "slxd"}:
        expected["gain_db"] = ch.gain_raw - 18
        expected["tx_model"] = ch.tx_model
        expected["battery_bars"] = ch.battery_bars
        expected["battery_runtime_min"] = ch.battery_minutes
        expected["battery_runtime_status"] = None
    if family in {"ulxd", "qlxd"}:
        # RX_RF_LVL: dBm = raw - 128; ULX/QLX report one RF level.
        expected["rf_level_dbm"] = float(ch.rf_raw[0] - 128)
        expected["audio_level_dbfs"] = float(ch.audio_raw - 50)
        expected["battery_percent"] = ch.battery_percent
        expected["battery_health_percent"] = ch.battery_health
        expected["battery_cycles"] = ch.battery_cycles
        expected["battery_temperature_c"] = ch.battery_temp_c_raw - 40
        expected["battery_type"] = ch.battery_type
        expected["group_channel"] = "{:02d},{:02d}".format(*ch.group_chan)
    if family == "ulxd":
        expected["muted"] = ch.muted
        expected["interference"] = ch.interference
    if family == "axient_digital":
        expected["rf_antenna_dbm"] = tuple(float(raw - 120) for raw in ch.rf_raw)
        expected["rf_level_dbm"] = float(max(ch.rf_raw) - 120)
        expected["audio_level_dbfs"] = float(ch.audio_raw - 120)
        expected["audio_peak_dbfs"] = float(ch.audio_peak_raw - 120)
        expected["battery_percent"] = ch.battery_percent
        expected["battery_temperature_c"] = ch.battery_temp_c_raw - 40
        expected["quality"] = ch.quality
        expected["muted"] = ch.muted
        expected["interference"] = ch.interference
        expected["tx_offset_db"] = int(ch.props["TX_OFFSET"]) - 12
        expected["tx_power"] = f"{int(ch.props['TX_POWER_LEVEL'])} mW"
        expected["group_channel"] = "{:02d},{:02d}".format(*ch.group_chan)
    if family == "slxd":
        expected["rf_level_dbm"] = float(max(ch.rf_raw) - 120)
        expected["audio_level_dbfs"] = float(ch.audio_raw - 120)
        expected["audio_peak_dbfs"] = float(ch.audio_peak_raw - 120)
        expected["group_channel"] = "{},{}".format(*ch.group_chan)
        expected["battery_percent"] = None  # SLX-D reports no percentage
        if plus:
            expected["interference"] = ch.interference
    if family == "uhfr":
        expected["battery_bars"] = max(1, min(5, ch.battery_bars))
        expected["group_channel"] = "{:02d},{:02d}".format(*ch.group_chan)
    if family == "psm1000":
        expected["gain_db"] = ch.gain_raw  # AUDIO_IN_LVL is already in dB
        expected["tx_power"] = f"{int(ch.props['RF_TX_LVL'])} mW"
        expected["group_channel"] = "{:02d},{:02d}".format(*ch.group_chan)
    return expected


def _subset(actual: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    return {key: actual[key] for key in expected}


@pytest.mark.parametrize("model", FAMILY_MODELS)
async def test_identifies_and_reads_state_in_human_units(sim, client, model: str) -> None:
    rx = await sim(model)
    receiver = await client(rx)
    info = receiver.info
    assert info.family is Family(rx.family)
    assert info.model == model
    assert info.channel_count == MODELS[model].channels
    assert (info.host, info.port) == ("127.0.0.1", rx.port)
    assert receiver.connected
    state = receiver.state
    assert sorted(state.channels) == list(range(1, rx.channel_count + 1))
    for number in state.channels:
        channel = state.channels[number].as_dict()
        channel["rf_antenna_dbm"] = tuple(channel["rf_antenna_dbm"])
        expected = _expected(rx, number)
        assert _subset(channel, expected) == expected, f"channel {number}"
    if rx.family == "uhfr":
        assert state.device_id is None
    else:
        # P10T calls it DEVICE_NAME; the others DEVICE_ID.
        assert state.device_id == rx.device.device_id
    if rx.family not in {"uhfr", "psm1000"}:
        assert state.firmware == rx.device.fw_version == info.firmware
        assert state.meter_rate_ms == 0


async def test_values_follow_the_documented_scaling(sim, client) -> None:
    """Concrete numbers, independent of the simulator's defaults."""
    rx = await sim("AD4D")
    ch = rx.channel(1)
    ch.frequency_khz = 594_075
    ch.gain_raw = 60
    rx.set_rf(1, -71.0)
    rx.set_battery(1, bars=3, minutes=607, percent=57)
    rx.rename(1, "Lead Vox")
    receiver = await client(rx)
    channel = receiver.state.channels[1]
    assert channel.frequency_mhz == 594.075
    assert channel.gain_db == 42
    assert channel.rf_antenna_dbm == (-71.0, -71.0)
    assert channel.rf_level_dbm == -71.0
    assert channel.battery_bars == 3
    assert channel.battery_runtime_min == 607
    assert channel.battery_percent == 57
    assert channel.name == "Lead Vox"


@pytest.mark.parametrize("answers_model", [True, False])
async def test_ulxd_identified_with_and_without_model_answer(
    sim, client, answers_model: bool
) -> None:
    rx = await sim("ULXD4D", answers_model=answers_model)
    receiver = await client(rx)
    assert (receiver.info.family, receiver.info.model) == (Family.ULXD, "ULXD4D")
    assert receiver.info.channel_count == 2
    assert any(text == "< GET MODEL >" for text in rx.received)


@pytest.mark.parametrize("model", ["ULXD4Q", "QLXD4", "SLXD4D", "AD4D", "SLXD4D+"])
async def test_silent_unknown_reply_still_identifies(sim, client, model: str) -> None:
    rx = await sim(model, unknown_reply="silent")
    receiver = await client(rx)
    assert receiver.info.model == model
    assert receiver.info.family is Family(rx.family)
    assert receiver.state.channels[1].name == "CH 1"


@pytest.mark.parametrize("model", ["ULXD4Q", "AD4D", "SLXD4D+"])
async def test_every_segmenting_mode_gives_identical_state(sim, client, model: str) -> None:
    reference_rx = await sim(model)
    reference = (await client(reference_rx)).state.as_dict()
    del reference["info"]
    for mode in ("split", "merge", "random"):
        rx = await sim(model, segmenting=mode, split_pause=0.001)
        receiver = await client(rx)
        assert receiver.info.model == model, mode

        def same(receiver=receiver) -> bool:
            state = receiver.state.as_dict()
            del state["info"]
            return state == reference

        await eventually(same, 3.0, f"{mode} state to match")


async def test_special_battery_values_become_none(sim, client) -> None:
    rx = await sim("ULXD4D")
    receiver = await client(rx)
    channel = receiver.state.channels[1]
    assert channel.battery_runtime_min is not None
    for raw, status in (
        (65535, BatteryRuntimeStatus.UNKNOWN),
        (65534, BatteryRuntimeStatus.CALCULATING),
        (65533, BatteryRuntimeStatus.COMMUNICATION_WARNING),
    ):
        rx.set_battery(1, minutes=raw)
        await eventually(lambda status=status: channel.battery_runtime_status is status)
        assert channel.battery_runtime_min is None
    rx.set_battery(1, minutes=125)
    await eventually(lambda: channel.battery_runtime_min == 125)
    assert channel.battery_runtime_status is None
    rx.set_battery(2, percent=255)
    await eventually(lambda: receiver.state.channels[2].battery_percent is None)
    rx.set_battery(2, bars=255)
    await eventually(lambda: receiver.state.channels[2].battery_bars is None)


async def test_blank_braces_become_none(sim, client) -> None:
    rx = await sim("AD4D")
    receiver = await client(rx)
    assert receiver.state.device_id == "AD4D"
    assert receiver.state.channels[1].tx_name is None  # blank TX_DEVICE_ID of an AD2
    rx.rename(1, "")
    rx.set_device_id("")
    await eventually(lambda: receiver.state.channels[1].name is None)
    await eventually(lambda: receiver.state.device_id is None)


async def test_runtime_special_values_in_the_initial_dump(sim, client) -> None:
    rx = await sim("SLXD4D")
    rx.set_battery(1, minutes=65534)
    rx.set_battery(2, minutes=65533)
    receiver = await client(rx)
    first, second = receiver.state.channels[1], receiver.state.channels[2]
    assert (first.battery_runtime_min, first.battery_runtime_status) == (
        None,
        BatteryRuntimeStatus.CALCULATING,
    )
    assert (second.battery_runtime_min, second.battery_runtime_status) == (
        None,
        BatteryRuntimeStatus.COMMUNICATION_WARNING,
    )


async def test_transmitter_off_at_connect_reads_unknown(sim, client) -> None:
    rx = await sim("ULXD4D")
    rx.set_transmitter(2, False)
    receiver = await client(rx)
    channel = receiver.state.channels[2]
    assert channel.tx_on is False
    assert channel.tx_model is None
    assert channel.battery_bars is None
    assert channel.battery_percent is None
    assert channel.battery_runtime_min is None
    assert receiver.state.channels[1].tx_on is True


async def test_transient_unknown_bars_keep_the_transmitter_fields(sim, client) -> None:
    """A single ``BATT_BARS 255`` (QLX-D glitch, notes §10) must not lose what is still true.

    The receiver only re-reports BATT_BARS when the bars come back; the transmitter
    model, charge and runtime it reported earlier are still valid and are not re-sent.
    """
    rx = await sim("ULXD4")
    receiver = await client(rx)
    channel = receiver.state.channels[1]
    before = (channel.tx_model, channel.battery_percent, channel.battery_runtime_min)
    assert None not in before
    rx.set_battery(1, bars=255)
    await eventually(lambda: channel.battery_bars is None)
    rx.set_battery(1, bars=4)
    await eventually(lambda: channel.battery_bars == 4)
    assert channel.tx_on is True
    assert (channel.tx_model, channel.battery_percent, channel.battery_runtime_min) == before
