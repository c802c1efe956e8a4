"""The "battery runs out" sensor: from reported runtime, or observed discharge."""

from __future__ import annotations

from datetime import datetime, timedelta

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest

from custom_components.micboard import runout

from .helpers import state_of, wait_for


def _when(hass: HomeAssistant, entity: str) -> datetime | None:
    state = state_of(hass, entity)
    return None if state in ("unknown", "unavailable") else datetime.fromisoformat(state)


async def test_runs_out_from_reported_runtime(
    hass: HomeAssistant, simulated, setup_receiver, entity_id
) -> None:
    receiver = await simulated("ULXD4D")
    entry = await setup_receiver(receiver)
    sensor = entity_id(entry, "sensor", "battery_runs_out")
    runtime = entity_id(entry, "sensor", "battery_runtime")
    assert hass.states.get(sensor).attributes["device_class"] == "timestamp"
    receiver.drain_battery(1, 450)  # 540 min → 90 min left
    await wait_for(hass, lambda: state_of(hass, runtime) == "90")
    when = _when(hass, sensor)
    assert when is not None
    expected = dt_util.utcnow() + timedelta(minutes=90)
    assert abs((when - expected).total_seconds()) < 30

    receiver.set_transmitter(1, False)
    await wait_for(hass, lambda: state_of(hass, sensor) == "unknown")


async def test_runs_out_from_observed_discharge_of_a_bars_only_pack(
    hass: HomeAssistant, simulated, setup_receiver, entity_id, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The estimate's clock only: moving Home Assistant's would stall the receiver link.
    now = [dt_util.utcnow()]
    monkeypatch.setattr(runout, "clock", lambda: now[0])

    def tick(delta: timedelta) -> None:
        now[0] += delta

    receiver = await simulated("UR4D")
    entry = await setup_receiver(receiver)
    sensor = entity_id(entry, "sensor", "battery_runs_out")
    bars = entity_id(entry, "sensor", "battery_bars")

    async def bars_now(value: int) -> None:
        receiver.set_battery(1, bars=value)
        await wait_for(hass, lambda: state_of(hass, bars) == str(value))

    await bars_now(5)
    assert state_of(hass, sensor) == "unknown"  # nothing observed yet
    tick(timedelta(minutes=10))
    await bars_now(4)
    assert state_of(hass, sensor) == "unknown"  # one drop: no rate yet
    tick(timedelta(minutes=30))
    await bars_now(3)
    # One bar per 30 min, three left: 90 min from the last drop.
    assert _when(hass, sensor) == (now[0] + timedelta(minutes=90)).replace(microsecond=0) or (
        _when(hass, sensor) == now[0] + timedelta(minutes=90)
    )

    # A fresh pack: the rate of the old one no longer applies.
    tick(timedelta(minutes=5))
    await bars_now(5)
    assert state_of(hass, sensor) == "unknown"

    receiver.set_transmitter(1, False)
    await wait_for(hass, lambda: state_of(hass, sensor) == "unknown")
