"""Alert events from simulator-driven changes, hysteresis, repeat suppression."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.micboard import alerts
from custom_components.micboard.const import CONF_REPEAT_MINUTES, DOMAIN, EVENT_ALERT

from .helpers import wait_for


async def _assign(hass: HomeAssistant, entry, channel: int, performer: str = "Dave") -> None:
    await hass.services.async_call(
        DOMAIN,
        "assign_performer",
        {"device_id": entry.runtime_data.channel_device_ids[channel], "performer": performer},
        blocking=True,
    )
    await hass.async_block_till_done()


def _types(events, channel: int | None = 1) -> list[str]:
    return [e.data["type"] for e in events if e.data["channel"] == channel]


@pytest.fixture(autouse=True)
def quick_rf_confirmation(monkeypatch: pytest.MonkeyPatch) -> None:
    """RF must be lost for 0.2 s instead of 2 s before the alert."""
    monkeypatch.setattr(alerts, "RF_LOST_DELAY", timedelta(seconds=0.2))


async def test_battery_low_and_critical_with_hysteresis(
    hass: HomeAssistant, simulated, setup_receiver
) -> None:
    receiver = await simulated("ULXD4")
    entry = await setup_receiver(receiver)
    await _assign(hass, entry, 1)
    events = async_capture_events(hass, EVENT_ALERT)

    receiver.drain_battery(1, 450)  # 540 min → 90 min left
    await wait_for(hass, lambda: "battery_low" in _types(events))
    low = next(e for e in events if e.data["type"] == "battery_low")
    assert low.data["performer"] == "Dave"
    assert low.data["channel_name"] == "CH 1"
    assert low.data["device_id"] == entry.runtime_data.channel_device_ids[1]
    assert low.data["receiver"]
    assert isinstance(low.data["value"], int)

    receiver.set_battery(1, bars=0, minutes=20, percent=8)
    await wait_for(hass, lambda: "battery_critical" in _types(events))

    # Just above the thresholds: still inside the hysteresis band, nothing clears.
    receiver.set_battery(1, bars=1, minutes=35, percent=12)
    await hass.async_block_till_done()
    await wait_for(hass, lambda: entry.runtime_data.receiver.state.channel(1).battery_percent == 12)
    assert _types(events) == ["battery_low", "battery_critical"]

    receiver.set_battery(1, bars=1, minutes=45, percent=16)
    await wait_for(hass, lambda: "battery_critical_cleared" in _types(events))
    assert "battery_low_cleared" not in _types(events)

    receiver.set_battery(1, bars=2, minutes=75, percent=30)
    await wait_for(hass, lambda: "battery_low_cleared" in _types(events))

    # Back below within the repeat window: not sent again (nor its clearing).
    receiver.set_battery(1, bars=1, minutes=50, percent=18)
    await wait_for(hass, lambda: entry.runtime_data.receiver.state.channel(1).battery_percent == 18)
    receiver.set_battery(1, bars=2, minutes=75, percent=30)
    await wait_for(hass, lambda: entry.runtime_data.receiver.state.channel(1).battery_percent == 30)
    assert _types(events).count("battery_low") == 1
    assert _types(events).count("battery_low_cleared") == 1


async def test_repeat_window_zero_sends_every_time(
    hass: HomeAssistant, simulated, setup_receiver
) -> None:
    receiver = await simulated("SLXD4")  # bars only: 1 bar = 20 % = low
    entry = await setup_receiver(receiver, **{CONF_REPEAT_MINUTES: 0})
    events = async_capture_events(hass, EVENT_ALERT)
    for _ in range(2):
        receiver.set_battery(1, bars=1, minutes=90)
        await wait_for(hass, lambda: entry.runtime_data.receiver.state.channel(1).battery_bars == 1)
        receiver.set_battery(1, bars=3, minutes=200)
        await wait_for(hass, lambda: entry.runtime_data.receiver.state.channel(1).battery_bars == 3)
    assert _types(events) == ["battery_low", "battery_low_cleared"] * 2
    assert events[0].data["value"] == 20


async def test_transmitter_off_only_for_assigned_channels(
    hass: HomeAssistant, simulated, setup_receiver
) -> None:
    receiver = await simulated("ULXD4D")
    entry = await setup_receiver(receiver)
    await _assign(hass, entry, 1, "Lead Vox")
    events = async_capture_events(hass, EVENT_ALERT)
    receiver.set_transmitter(1, False)
    receiver.set_transmitter(2, False)
    await wait_for(hass, lambda: "transmitter_off" in _types(events))
    await wait_for(hass, lambda: entry.runtime_data.receiver.state.channel(2).tx_on is False)
    assert _types(events, 2) == []
    off = next(e for e in events if e.data["type"] == "transmitter_off")
    assert off.data["performer"] == "Lead Vox"
    receiver.set_transmitter(1, True)
    await wait_for(hass, lambda: "transmitter_off_cleared" in _types(events))


async def test_rf_lost_and_interference(hass: HomeAssistant, simulated, setup_receiver) -> None:
    receiver = await simulated("AD4D")
    entry = await setup_receiver(receiver)
    events = async_capture_events(hass, EVENT_ALERT)
    receiver.rf_dropout(1, True)
    await wait_for(hass, lambda: "rf_lost" in _types(events))
    receiver.rf_dropout(1, False)
    await wait_for(hass, lambda: "rf_lost_cleared" in _types(events))

    receiver.set_interference(2, True)
    await wait_for(hass, lambda: "interference" in _types(events, 2))
    receiver.set_interference(2, False)
    await wait_for(hass, lambda: "interference_cleared" in _types(events, 2))
    assert entry.state.value == "loaded"


async def test_brief_rf_floor_while_switching_off_is_not_rf_lost(
    hass: HomeAssistant, simulated, setup_receiver
) -> None:
    receiver = await simulated("AD4D")
    entry = await setup_receiver(receiver)
    events = async_capture_events(hass, EVENT_ALERT)
    receiver.set_transmitter(1, False)
    await wait_for(hass, lambda: entry.runtime_data.receiver.state.channel(1).tx_on is False)
    await hass.async_block_till_done()
    assert "rf_lost" not in _types(events)


async def test_receiver_offline(hass: HomeAssistant, simulated, setup_receiver) -> None:
    receiver = await simulated("QLXD4")
    entry = await setup_receiver(receiver)
    events = async_capture_events(hass, EVENT_ALERT)
    receiver.set_hung(True)
    await wait_for(hass, lambda: "receiver_offline" in _types(events, None), timeout=10)
    offline = next(e for e in events if e.data["type"] == "receiver_offline")
    assert offline.data["device_id"] == entry.runtime_data.receiver_device_id
    receiver.set_hung(False)
    await wait_for(hass, lambda: "receiver_offline_cleared" in _types(events, None), timeout=10)


async def test_alerts_switched_off_are_silent(
    hass: HomeAssistant, simulated, setup_receiver
) -> None:
    receiver = await simulated("ULXD4")
    entry = await setup_receiver(receiver)
    await hass.services.async_call(
        DOMAIN,
        "set_alerts",
        {"device_id": entry.runtime_data.channel_device_ids[1], "enabled": False},
        blocking=True,
    )
    events = async_capture_events(hass, EVENT_ALERT)
    receiver.set_battery(1, bars=0, minutes=5, percent=3)
    receiver.set_interference(1, True)
    await wait_for(hass, lambda: entry.runtime_data.receiver.state.channel(1).battery_percent == 3)
    await hass.async_block_till_done()
    assert events == []
