"""Floods, failing listeners and values the card cannot parse."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest

from custom_components.micboard import coordinator as coordinator_module
from custom_components.micboard.devices import Update
from custom_components.micboard.devices.shure import ShureReceiver

from .helpers import flood, state_of, wait_for

REPORTS = 10_000
BURSTS = 40


class LoopLag:
    """Measures how long the event loop goes without running a 5 ms ticker."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.005)
            self.worst = max(self.worst, loop.time() - before - 0.005)

    def __enter__(self) -> LoopLag:
        self._task = asyncio.get_running_loop().create_task(self._tick())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


def _count_writes(hass: HomeAssistant) -> dict[str, int]:
    writes: dict[str, int] = {}

    def count(event: Event[Any]) -> None:
        entity_id = event.data["entity_id"]
        writes[entity_id] = writes.get(entity_id, 0) + 1

    hass.bus.async_listen("state_changed", count)
    return writes


async def test_a_flood_of_battery_reports_is_coalesced(
    hass: HomeAssistant, simulated, setup_receiver, entity_id
) -> None:
    receiver = await simulated("ULXD4D")
    entry = await setup_receiver(receiver)
    battery = entity_id(entry, "sensor", "battery", 1)
    low = entity_id(entry, "binary_sensor", "battery_low", 1)
    other = entity_id(entry, "sensor", "battery", 2)
    writes = _count_writes(hass)
    # In bursts, each ending on a different level than the one before: written
    # per burst, every burst would be a state write.
    bursts = [
        b"".join(
            b"< REP 1 BATT_CHARGE %03d >" % (90 if n % 2 else 10)
            for n in range(burst, burst + REPORTS // BURSTS)
        )
        for burst in range(0, REPORTS, REPORTS // BURSTS)
    ]
    loop = asyncio.get_running_loop()
    with LoopLag() as lag:
        started = loop.time()
        for number, burst in enumerate(bursts):
            flood(receiver, burst + (b"< REP 1 BATT_CHARGE 015 >" if number % 2 else b""))
            await asyncio.sleep(0.02)
        flood(receiver, b"< REP 1 BATT_CHARGE 042 >")
        await wait_for(hass, lambda: state_of(hass, battery) == "42", timeout=20)
        elapsed = loop.time() - started
        await asyncio.sleep(0.5)
        await hass.async_block_till_done()
    total = sum(writes.values())
    print(
        f"\n{REPORTS} alternating battery reports in {elapsed:.2f} s: "
        f"{writes.get(battery, 0)} battery writes, {writes.get(low, 0)} battery-low writes, "
        f"{total} state writes in all; worst loop lag {lag.worst * 1000:.0f} ms"
    )
    # At most one write per channel per batch and per write interval (0.2 s):
    # a handful, where every report (or every burst) used to be written.
    bound = 3 + 1.5 * elapsed / coordinator_module.STATE_WRITE_INTERVAL
    assert writes.get(battery, 0) <= min(bound, BURSTS / 2)
    assert writes.get(low, 0) <= min(bound, BURSTS / 2)
    assert total <= 4 * bound
    assert other not in writes
    assert lag.worst < 2.0
    assert state_of(hass, low) == "off"
    assert entry.runtime_data.receiver.connected


async def test_an_isolated_change_is_written_at_once(
    hass: HomeAssistant,
    simulated,
    setup_receiver,
    entity_id,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A long write interval: a change delayed by it would be obvious.
    monkeypatch.setattr(coordinator_module, "STATE_WRITE_INTERVAL", 2.0)
    receiver = await simulated("ULXD4D")
    entry = await setup_receiver(receiver)
    battery = entity_id(entry, "sensor", "battery", 1)
    loop = asyncio.get_running_loop()
    seen: list[float] = []
    hass.bus.async_listen(
        "state_changed",
        lambda event: seen.append(loop.time()) if event.data["entity_id"] == battery else None,
    )
    started = loop.time()
    receiver.set_battery(1, bars=3, minutes=200, percent=61)
    await wait_for(hass, lambda: state_of(hass, battery) == "61")
    assert seen
    assert seen[0] - started < 1.0
    # A second change within the interval is written once the interval has passed.
    receiver.set_battery(1, bars=3, minutes=190, percent=58)
    await asyncio.sleep(0.5)
    await hass.async_block_till_done()
    assert state_of(hass, battery) == "61"
    await wait_for(hass, lambda: state_of(hass, battery) == "58", timeout=5)
    assert len(seen) == 2
    assert seen[1] - seen[0] >= 1.9


async def test_failing_listeners_do_not_break_the_receiver(
    hass: HomeAssistant,
    simulated,
    setup_receiver,
    entity_id,
    caplog: pytest.LogCaptureFixture,
) -> None:
    receiver = await simulated("ULXD4D")
    entry = await setup_receiver(receiver)
    coordinator = entry.runtime_data
    battery = entity_id(entry, "sensor", "battery", 1)

    def broken_update(_update: object) -> None:
        raise RuntimeError("broken meter listener")

    def broken_refresh() -> None:
        raise RuntimeError("broken listener")

    remove_meter = coordinator.async_add_meter_listener(broken_update)
    remove_listener = coordinator.async_add_listener(broken_refresh)
    for percent in (70, 60, 50):
        receiver.set_battery(1, bars=3, minutes=100, percent=percent)
        await wait_for(hass, lambda p=percent: state_of(hass, battery) == str(p))
        await asyncio.sleep(0.25)
    assert coordinator.receiver.connected
    assert caplog.text.count("Error in a listener") == 2
    remove_meter()
    remove_listener()


async def test_values_reaching_the_card_are_json_safe(
    hass: HomeAssistant, hass_ws_client, simulated, setup_receiver
) -> None:
    receiver = await simulated("ULXD4D")
    entry = await setup_receiver(receiver)
    state = entry.runtime_data.receiver.state
    # Values no parser should ever have let through still cannot break the card.
    state.channel(1).gain_db = 10**400
    state.channel(1).frequency_mhz = float("nan")
    state.channel(2).rf_antenna_dbm = (float("inf"), -60.0)
    state.meter_rate_ms = 2**70
    client = await hass_ws_client(hass)
    await client.send_json({"id": 1, "type": "micboard/subscribe"})
    assert (await client.receive_json())["success"] is True
    async with asyncio.timeout(5):
        while True:
            message = await client.receive_json()
            if message.get("type") == "event" and message["event"]["type"] == "snapshot":
                break
    (rx,) = message["event"]["receivers"]
    first, second = rx["channels"]
    assert first["gain_db"] is None
    assert first["frequency_mhz"] is None
    assert second["rf_antenna_dbm"] == [None, -60.0]
    assert rx["meter_rate_ms"] is None


async def test_updates_for_channels_the_receiver_lacks_reach_nothing(
    hass: HomeAssistant,
    hass_ws_client,
    simulated,
    setup_receiver,
    entity_id,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Whatever the library lets through (here: straight to the subscribers),
    # an update for a channel that was not set up changes nothing.
    subscribers: list[Callable[[Update], None]] = []
    subscribe = ShureReceiver.subscribe

    def capture(self: ShureReceiver, callback: Callable[[Update], None]) -> Any:
        subscribers.append(callback)
        return subscribe(self, callback)

    monkeypatch.setattr(ShureReceiver, "subscribe", capture)
    receiver = await simulated("ULXD4D")
    entry = await setup_receiver(receiver)
    state = entry.runtime_data.receiver.state
    client = await hass_ws_client(hass)
    await client.send_json({"id": 1, "type": "micboard/subscribe"})
    assert (await client.receive_json())["success"] is True
    for subscriber in subscribers:
        for number in (0, 7, 10**6):
            subscriber(Update(number, frozenset({"name", "battery_percent"})))
    flood(
        receiver,
        b"< REP 7 CHAN_NAME {Ghost} >< REP 7 BATT_CHARGE 050 >< REP 0 BATT_CHARGE 050 >"
        b"< REP 1 BATT_CHARGE 033 >",
    )
    channels: list[Any] = []
    async with asyncio.timeout(5):
        while True:
            message = await client.receive_json()
            event = message.get("event", {})
            if event.get("type") in ("channel", "meter"):
                channels.append(event["channel"])
                if event["channel"] == 1 and event["data"].get("battery_percent") == 33:
                    break
    assert set(channels) == {1}
    await wait_for(hass, lambda: state_of(hass, entity_id(entry, "sensor", "battery", 1)) == "33")
    assert set(state.channels) == {1, 2}
    registry = dr.async_get(hass)
    assert len(dr.async_entries_for_config_entry(registry, entry.entry_id)) == 3


async def test_a_flood_reaches_the_card_once_per_batch(
    hass: HomeAssistant, hass_ws_client, simulated, setup_receiver, entity_id
) -> None:
    receiver = await simulated("ULXD4D")
    entry = await setup_receiver(receiver)
    link = entity_id(entry, "binary_sensor", "connectivity", None)
    before = hass.states.get(link)
    assert before is not None
    client = await hass_ws_client(hass)
    await client.send_json({"id": 1, "type": "micboard/subscribe"})
    assert (await client.receive_json())["success"] is True
    data = b"".join(b"< REP 1 BATT_CHARGE %03d >" % (90 if n % 2 else 10) for n in range(1000))
    flood(receiver, data + b"< REP 1 BATT_CHARGE 042 >")
    messages = 0
    async with asyncio.timeout(5):
        while True:
            message = await client.receive_json()
            event = message.get("event", {})
            if event.get("type") == "channel" and event["channel"] == 1:
                messages += 1
                if event["data"].get("battery_percent") == 42:
                    break
    print(f"\n1001 battery reports reached the card in {messages} messages")
    assert messages <= 20
    # The receiver's own entities are not rewritten for a channel's change.
    after = hass.states.get(link)
    assert after is not None
    assert after.last_reported == before.last_reported


async def test_a_pending_write_does_not_revive_a_lost_receiver(
    hass: HomeAssistant,
    simulated,
    setup_receiver,
    entity_id,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(coordinator_module, "STATE_WRITE_INTERVAL", 4.0)
    receiver = await simulated("ULXD4D")
    entry = await setup_receiver(receiver)
    battery = entity_id(entry, "sensor", "battery", 1)
    receiver.set_battery(1, bars=3, minutes=200, percent=61)
    await wait_for(hass, lambda: state_of(hass, battery) == "61")
    receiver.set_battery(1, bars=3, minutes=190, percent=58)  # waits for its trailing write
    await asyncio.sleep(0.2)
    receiver.set_hung(True)
    await wait_for(hass, lambda: state_of(hass, battery) == "unavailable", timeout=3.5)
    await asyncio.sleep(4.5)
    await hass.async_block_till_done()
    assert state_of(hass, battery) == "unavailable"
    receiver.set_hung(False)
    await wait_for(hass, lambda: state_of(hass, battery) == "58", timeout=10)
